"""People signing in over HTTP: the shared sign-in service (argon2id, the desktop's lockout),
a login rate limit kept in the database, short-lived access tokens and rotating refresh tokens."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hom.core.clock import utcnow
from hom.core.errors import AuthenticationFailed, DomainError
from hom.crud import site as site_crud
from hom.crud import user as user_crud
from hom.models.user import User
from hom.services import sites, users
from hom.services.context import ActorContext
from hom_server.core import security
from hom_server.core.config import ServerSettings
from hom_server.core.errors import RateLimited
from hom_server.crud import auth as auth_crud
from hom_server.models import RefreshToken


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    user_id: uuid.UUID


@dataclass(frozen=True)
class LoginOutcome:
    """The caller commits either way (failed attempts and lockouts must be kept), then raises."""

    tokens: TokenPair | None
    error: DomainError | None = None


def _check_rate(session: Session, settings: ServerSettings, *, client: str, name: str) -> None:
    """Refuse when this address or this username made too many attempts in the window; the
    attempts are rows in the database, so every server process counts the same ones."""
    now = utcnow()
    window = timedelta(seconds=settings.login_window_seconds)
    limits = [
        (f"addr:{client}"[:120], settings.login_attempts_per_address, None, "from this address"),
        (f"user:{name}"[:120], settings.login_attempts_per_user, "username", "for this username"),
    ]
    for key, limit, field, where in limits:
        auth_crud.prune_attempts(session, key=key, before=now - window)
        if auth_crud.count_attempts(session, key=key, since=now - window) >= limit:
            raise RateLimited(
                f"too many sign-in attempts {where}: at most {limit} in "
                f"{settings.login_window_seconds} s; wait and try again",
                retry_after=settings.login_window_seconds,
                field=field,
            )
    for key, *_ in limits:
        auth_crud.add_attempt(session, key=key, at=now)


def check_rate(session: Session, settings: ServerSettings, *, username: str, client: str) -> None:
    """Count this attempt, or refuse it when this address or username made too many."""
    _check_rate(session, settings, client=client, name=username.strip().lower())


def finish_login(
    session: Session, settings: ServerSettings, *, check: users.PasswordCheck
) -> LoginOutcome:
    """Record what the password check found (failures and lockout as on the desktop) and issue
    tokens when it was right. The argon2 check itself ran before, outside any write."""
    outcome = users.record_sign_in(
        session,
        check=check,
        lockout_attempts=settings.lockout_attempts,
        lockout_minutes=settings.lockout_minutes,
    )
    if outcome.error is not None:
        return LoginOutcome(None, outcome.error)
    assert outcome.user is not None
    return LoginOutcome(_issue(session, settings, user_id=outcome.user.id))


def _issue(session: Session, settings: ServerSettings, *, user_id: uuid.UUID) -> TokenPair:
    access, access_expires = security.issue_access_token(settings, user_id=user_id)
    refresh = security.new_refresh_token()
    refresh_expires = utcnow() + timedelta(days=settings.refresh_token_days)
    auth_crud.add_refresh_token(
        session,
        RefreshToken(
            user_id=user_id, token_hash=security.digest(refresh), expires_at=refresh_expires
        ),
    )
    return TokenPair(access, access_expires, refresh, refresh_expires, user_id)


def refresh(session: Session, settings: ServerSettings, *, refresh_token: str) -> TokenPair:
    """A new pair for a valid refresh token, which is used up (rotation). Presenting a token that
    was already used revokes every token of its user: someone else may hold a copy."""
    now = utcnow()
    row = auth_crud.refresh_token_for_update(session, token_hash=security.digest(refresh_token))
    invalid = AuthenticationFailed("the refresh token is not valid", field="refresh_token")
    if row is None or not hmac.compare_digest(row.token_hash, security.digest(refresh_token)):
        raise invalid
    if row.revoked_at is not None:
        auth_crud.revoke_user_tokens(session, user_id=row.user_id, at=now)
        raise AuthenticationFailed(
            "this refresh token was already used; every session of this user is now signed out "
            "and must sign in again",
            field="refresh_token",
        )
    if row.expires_at <= now:
        raise AuthenticationFailed(
            "the refresh token has expired: sign in again", field="refresh_token"
        )
    user = users.get_user(session, row.user_id)
    if not user.active:
        raise invalid
    row.revoked_at = now
    return _issue(session, settings, user_id=user.id)


def logout(session: Session, *, refresh_token: str) -> None:
    row = auth_crud.refresh_token_for_update(session, token_hash=security.digest(refresh_token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def current_user(session: Session, settings: ServerSettings, *, access_token: str) -> User:
    claims = security.read_access_token(settings, access_token)
    user = user_crud.get(session, claims.user_id)
    if user is None or not user.active:
        raise AuthenticationFailed("the access token's user no longer exists or is inactive")
    return user


def context_for(session: Session, *, user: User) -> ActorContext:
    """The acting context of a person on the server: the server's installation (writing for no
    site, the head office) and the permissions of the user's roles; what the person may read
    is scoped apart (``hom_server.scope``)."""
    installation = site_crud.get_installation(session)
    if installation is None:
        raise DomainError("the server database is not initialised: run 'hom-server migrate'")
    # The server is the head office's installation: it writes master data and no site's stock.
    return ActorContext(
        **sites.context_fields(session, installation),
        user_id=user.id,
        username=user.username,
        permissions=user.permission_codes,
    )
