"""The PySide6 desktop application: a thin client of hom.services.

Nothing outside this package imports Qt. Start it with ``hom_desktop.ui.app.run_gui``.
"""
