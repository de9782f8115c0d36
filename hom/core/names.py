"""The application's names, importable without loading settings (the sign-in dialog paints
before pydantic and SQLAlchemy are imported)."""

APP_NAME = "HOM Desktop"
APP_SLUG = "hom-desktop"
STORE_FILENAME = "hom.sqlite3"
