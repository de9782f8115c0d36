"""The server's one typed settings object, read from ``HOM_SERVER_*`` variables (and ``.env``).

With nothing set, the server runs in development on an SQLite file in the platform's data folder,
so ``hom-server serve`` works with nothing else installed. Production sets
``HOM_SERVER_ENVIRONMENT=production``, ``HOM_SERVER_DATABASE_URL`` (PostgreSQL through psycopg 3)
and a real ``HOM_SERVER_JWT_SECRET``: outside development a placeholder or short secret is refused
at start-up, not discovered after the first forged token.
"""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import URL, make_url

log = logging.getLogger("hom.server")

PLACEHOLDER_SECRETS = frozenset({"", "changethis", "change-me", "secret", "dev-secret"})
DEVELOPMENT_SECRET = "changethis"
MIN_SECRET_LENGTH = 32
SERVER_STORE_FILENAME = "hom-server.sqlite3"


def default_data_dir() -> Path:
    return Path(user_data_dir("hom-server", appauthor=False))


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HOM_SERVER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Field(default_factory=default_data_dir)
    #: PostgreSQL in production (``postgresql+psycopg://user@host/db``); empty means the SQLite
    #: file ``DATA_DIR/hom-server.sqlite3``.
    database_url: str = ""
    jwt_secret: str = Field(default=DEVELOPMENT_SECRET, repr=False)
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    enrolment_code_hours: int = Field(default=72, ge=1, le=24 * 30)
    #: Login attempts allowed in the window per client address, and per username.
    login_attempts_per_address: int = Field(default=30, ge=1)
    login_attempts_per_user: int = Field(default=10, ge=1)
    login_window_seconds: int = Field(default=60, ge=1)
    lockout_attempts: int = Field(default=5, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    #: Largest request body accepted (bytes); larger gets 413.
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    #: The oldest HOM Desktop that may sync, and the migration heads it may run.
    min_app_version: str = "0.1.0"
    host: str = "127.0.0.1"
    port: int = Field(default=8700, ge=0, le=65535)
    busy_timeout_ms: int = 10_000

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> ServerSettings:
        weak = self.jwt_secret in PLACEHOLDER_SECRETS or len(self.jwt_secret) < MIN_SECRET_LENGTH
        if weak and self.environment != "development":
            raise ValueError(
                "HOM_SERVER_JWT_SECRET must be set to a random secret of at least "
                f"{MIN_SECRET_LENGTH} characters outside development (for example the output of "
                "'python -c \"import secrets; print(secrets.token_urlsafe(48))\"')"
            )
        return self

    @property
    def weak_secret(self) -> bool:
        return self.jwt_secret in PLACEHOLDER_SECRETS or len(self.jwt_secret) < MIN_SECRET_LENGTH

    @cached_property
    def url(self) -> URL:
        """The database URL; a bare ``postgresql://`` URL is taken through psycopg 3."""
        if not self.database_url:
            return URL.create("sqlite", database=str(self.data_dir / SERVER_STORE_FILENAME))
        url = make_url(self.database_url)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"


def load_settings(**overrides: object) -> ServerSettings:
    return ServerSettings(**overrides)  # type: ignore[arg-type]
