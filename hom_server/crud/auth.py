"""SQL for refresh tokens and login attempts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from hom_server.models import LoginAttempt, RefreshToken


def count_attempts(session: Session, *, key: str, since: datetime) -> int:
    stmt = select(func.count()).where(LoginAttempt.key == key, LoginAttempt.at >= since)
    return session.scalar(stmt) or 0


def add_attempt(session: Session, *, key: str, at: datetime) -> None:
    session.add(LoginAttempt(key=key, at=at))
    session.flush()


def prune_attempts(session: Session, *, key: str, before: datetime) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == key, LoginAttempt.at < before))


def add_refresh_token(session: Session, token: RefreshToken) -> RefreshToken:
    session.add(token)
    session.flush()
    return token


def refresh_token_for_update(session: Session, *, token_hash: str) -> RefreshToken | None:
    """The token row, locked until the transaction ends (two refreshes of one token serialise)."""
    stmt = select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    return session.scalar(stmt)


def revoke_user_tokens(session: Session, *, user_id: uuid.UUID, at: datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )
