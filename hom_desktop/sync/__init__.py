"""The desktop's sync engine: push the change log, pull what this installation may see, check.

``hom_desktop.sync.api`` is what the GUI and the command line use.
"""
