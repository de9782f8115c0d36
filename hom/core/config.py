"""Where the store lives and how it is tuned.

One typed settings object; the data directory comes from ``--data-dir``, then ``HOM_DATA_DIR``,
then the platform's per-user data folder, so a clerk never has to know where the file is.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import URL

from hom.core.names import APP_NAME, APP_SLUG, STORE_FILENAME

__all__ = [
    "APP_NAME",
    "APP_SLUG",
    "STORE_FILENAME",
    "Settings",
    "default_data_dir",
    "load_settings",
]


def default_data_dir() -> Path:
    """The per-user data folder the platform recommends (``~/.local/share/hom-desktop``)."""
    return Path(user_data_dir(APP_SLUG, appauthor=False))


class Settings(BaseSettings):
    """Settings of one desktop installation, read from ``HOM_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="HOM_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    busy_timeout_ms: int = 10_000
    backups_kept: int = 7
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    import_max_bytes: int = 64 * 1024 * 1024  # the most a CSV import reads (HOM_IMPORT_MAX_BYTES)

    @property
    def store_path(self) -> Path:
        return self.data_dir / STORE_FILENAME

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def database_url(self) -> URL:
        # Built, not formatted: a folder named "what?now" or "Q3#2026" must not end the path.
        return URL.create("sqlite", database=str(self.store_path))


def load_settings(data_dir: Path | str | None = None) -> Settings:
    """Settings with an explicit data directory (the ``--data-dir`` flag) taking precedence."""
    if data_dir is not None:
        return Settings(data_dir=Path(data_dir).expanduser())
    return Settings()
