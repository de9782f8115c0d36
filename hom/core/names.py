"""The application's names, importable without loading settings (the sign-in dialog paints
before pydantic and SQLAlchemy are imported)."""

import os
from pathlib import Path

APP_NAME = "HOM Desktop"
APP_SLUG = "hom-desktop"
STORE_FILENAME = "hom.sqlite3"


def data_dir_for(given: str | Path | None = None) -> Path:
    """The data folder, resolved as the settings resolve it (``--data-dir``, then
    ``HOM_DATA_DIR``, then the platform's per-user folder), without loading the settings."""
    if given is not None:
        return Path(given).expanduser()
    if os.environ.get("HOM_DATA_DIR"):
        return Path(os.environ["HOM_DATA_DIR"]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_SLUG, appauthor=False))
