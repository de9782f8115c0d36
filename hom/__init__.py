"""HOM's domain core, shared by the desktop application and the central server.

Like Anki's ``anki`` beside its Qt client ``aqt``, this package imports neither Qt nor FastAPI:
``core`` (settings, database, security), ``models``, ``schemas``, ``crud`` (SQL only),
``services`` (business rules only), ``demo`` and the Alembic chain shipped as ``hom.migrations``.
``hom_desktop`` and ``hom_server`` are its clients and never import each other.
"""

__version__ = "0.1.0"
