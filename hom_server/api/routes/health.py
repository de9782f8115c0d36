"""Liveness and readiness: the process answers, the database answers and is migrated."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from hom_server import __version__
from hom_server.api.deps import DbDep
from hom_server.core.database import is_current

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    version: str
    database: str
    migrated: bool


@router.get("/health", response_model=Health)
def health(db: DbDep) -> Health:
    """``ok`` when the database answers and both migration chains are at their heads."""
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    migrated = is_current(db.engine)
    return Health(
        status="ok" if migrated else "migrate",
        version=__version__,
        database=db.engine.dialect.name,
        migrated=migrated,
    )
