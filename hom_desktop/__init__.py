"""HOM Desktop: the PySide6 application and the ``hom-desktop`` command.

A client of the Qt-free domain core in ``hom`` (models, schemas, crud, services); the Qt code
lives in ``hom_desktop.ui`` and is imported only when a window is needed.
"""

from hom import __version__

__all__ = ["__version__"]
