"""HOM Desktop: offline-first distribution management on a local SQLite store.

The packages below ``hom_desktop`` other than ``ui`` form the Qt-free domain core that the desktop
application and ``hom_server`` share: ``core`` (settings, database, security), ``models``,
``schemas``, ``crud`` (SQL only) and ``services`` (business rules only).
"""

__version__ = "0.1.0"
