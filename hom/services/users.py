"""Users, roles and sign-in.

Sign-in works offline against the local store. Failed attempts are counted; after
``lockout_attempts`` in a row the account locks for ``lockout_minutes``. A stored hash made with
older argon2 parameters is replaced on a successful sign-in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from hom.core import security
from hom.core.clock import utcnow
from hom.core.errors import (
    AccountLocked,
    AuthenticationFailed,
    Duplicate,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from hom.crud import audit as audit_crud
from hom.crud import geography as geography_crud
from hom.crud import site as site_crud
from hom.crud import user as user_crud
from hom.models.user import Permission, Role, User
from hom.schemas.base import validate
from hom.schemas.user import PasswordReset, UserCreate, UserPublic, UserUpdate
from hom.services import audit, sites
from hom.services.context import ActorContext
from hom.services.permissions import PERMISSIONS, SEED_ROLES, require
from hom.sync import changelog, entities, ownership

LOCKOUT_ATTEMPTS = 5
LOCKOUT_MINUTES = 15


def seed_roles(session: Session) -> None:
    """Create the permission codes and the four seed roles where they are missing."""
    existing = user_crud.get_permissions(session)
    for code, description in PERMISSIONS.items():
        if code not in existing:
            existing[code] = user_crud.add_permission(
                session, Permission(code=code, description=description)
            )
    for name, (description, codes) in SEED_ROLES.items():
        if user_crud.get_role(session, name) is None:
            role = Role(name=name, description=description)
            role.permissions = [existing[c] for c in sorted(codes)]
            user_crud.add_role(session, role)


def _resolve_roles(session: Session, names: list[str]) -> list[Role]:
    roles = user_crud.get_roles(session, names)
    missing = [n for n in names if n.strip().lower() not in roles]
    if missing:
        known = ", ".join(r.name for r in user_crud.list_roles(session))
        raise NotFound(f"unknown role {missing[0]!r}; known roles: {known}", field="roles")
    return list(roles.values())


def create_user(
    session: Session,
    *,
    ctx: ActorContext,
    user_in: UserCreate | dict,
    password_hash: str | None = None,
) -> User:
    """Create a user. ``password_hash`` lets the demo loader reuse one hash for many users."""
    require(ctx, "users.manage")
    ownership.require_head_office(ctx, entities.USERS)
    data = validate(UserCreate, user_in)
    _check_scope(session, site_id=data.site_id, geo_node_id=data.geo_node_id)
    if user_crud.get_by_username(session, data.username) is not None:
        raise Duplicate(f"username {data.username!r} is already taken", field="username")
    user = User(
        username=data.username,
        username_key=data.username.lower(),
        full_name=data.full_name,
        password_hash=password_hash or security.hash_password(data.password),
        site_id=data.site_id,
        geo_node_id=data.geo_node_id,
        created_by=ctx.user_id,
        installation_id=ctx.installation_id,
    )
    user.roles = _resolve_roles(session, data.roles)
    user_crud.add(session, user)
    changelog.queue(session, ctx=ctx, entity=entities.USERS, rows=[user], operation="insert")
    audit.record(
        session,
        ctx=ctx,
        action="user.create",
        entity="users",
        entity_id=user.id,
        summary=f"created user {user.username} ({', '.join(data.roles)})",
    )
    return user


def update_user(
    session: Session, *, ctx: ActorContext, user_id: uuid.UUID, user_in: UserUpdate | dict
) -> User:
    require(ctx, "users.manage")
    ownership.require_head_office(ctx, entities.USERS)
    data = validate(UserUpdate, user_in)
    user = _get(session, user_id)
    _check_scope(session, site_id=data.site_id, geo_node_id=data.geo_node_id)
    fields = data.model_dump(exclude_unset=True, exclude={"roles"})
    changes = audit.diff(user, fields)
    for key, value in fields.items():
        setattr(user, key, value)
    if data.roles is not None:
        before = sorted(r.name for r in user.roles)
        user.roles = _resolve_roles(session, data.roles)
        after = sorted(r.name for r in user.roles)
        if before != after:
            changes["roles"] = (", ".join(before), ", ".join(after))
    session.flush()
    changelog.queue(session, ctx=ctx, entity=entities.USERS, rows=[user], operation="update")
    audit.record(
        session,
        ctx=ctx,
        action="user.update",
        entity="users",
        entity_id=user.id,
        summary=f"updated user {user.username}",
        changes=changes,
    )
    return user


def reset_password(
    session: Session, *, ctx: ActorContext, user_id: uuid.UUID, reset_in: PasswordReset | dict
) -> User:
    require(ctx, "users.manage")
    ownership.require_head_office(ctx, entities.USERS)
    data = validate(PasswordReset, reset_in)
    user = _get(session, user_id)
    user.password_hash = security.hash_password(data.new_password)
    _clear_lockout(user)
    changelog.queue(session, ctx=ctx, entity=entities.USERS, rows=[user], operation="update")
    audit.record(
        session,
        ctx=ctx,
        action="user.reset_password",
        entity="users",
        entity_id=user.id,
        summary=f"password reset for {user.username}",
    )
    return user


def unlock(session: Session, *, ctx: ActorContext, user_id: uuid.UUID) -> User:
    require(ctx, "users.manage")
    user = _get(session, user_id)
    _clear_lockout(user)  # local sign-in state: nothing to sync
    audit.record(
        session,
        ctx=ctx,
        action="user.unlock",
        entity="users",
        entity_id=user.id,
        summary=f"unlocked {user.username}",
    )
    return user


def _check_scope(
    session: Session, *, site_id: uuid.UUID | None, geo_node_id: uuid.UUID | None
) -> None:
    """A user's scope must name a site and a geography node that exist."""
    if site_id is not None and site_crud.get_site(session, site_id) is None:
        raise NotFound(f"unknown site {site_id}", field="site_id")
    if geo_node_id is not None and geography_crud.get(session, geo_node_id) is None:
        raise NotFound(f"unknown geography node {geo_node_id}", field="geo_node_id")


def _get(session: Session, user_id: uuid.UUID) -> User:
    user = user_crud.get(session, user_id)
    if user is None:
        raise NotFound(f"unknown user {user_id}", field="user_id")
    return user


@dataclass(frozen=True)
class SignInOutcome:
    """What a sign-in attempt gave. The caller commits either way, so failed attempts count."""

    user: User | None
    error: AuthenticationFailed | ValidationFailed | None = None

    def user_or_raise(self) -> User:
        if self.error is not None:
            raise self.error
        assert self.user is not None
        return self.user


WRONG_CREDENTIALS = "wrong username or password"
"""The one answer to an unknown user, an inactive one and a wrong password alike (also the
attempt that locks the account), so sign-in cannot tell which user names exist: the CLI, the GUI
and the server all show it. Only the right password of a locked account learns of the lock."""


@dataclass(frozen=True)
class PasswordCheck:
    """What the password check found, made outside any write transaction (argon2 is slow)."""

    username: str
    user_id: uuid.UUID | None = None
    #: "ok", "wrong", "locked", "unknown" (no such active user) or "invalid" (empty input)
    verdict: str = "unknown"
    invalid: ValidationFailed | None = None
    #: The hash that was checked, and a renewed one (newer argon2 parameters) to keep locally.
    checked_hash: str = ""
    new_hash: str | None = None


def _effective_hash(user: User) -> str:
    """The hash to check: a locally renewed one while the synced hash it renewed still holds."""
    local = user.sign_in
    if local is not None and local.password_hash and local.rehashed_from == user.password_hash:
        return local.password_hash
    return user.password_hash


def check_password(session: Session, *, username: str, password: str) -> PasswordCheck:
    """Check a password against the local store, reading only: call it in a read session, so
    a slow argon2 check never holds the write lock. ``record_sign_in`` then writes the result."""
    if not username.strip() or not password:
        field = "username" if not username.strip() else "password"
        return PasswordCheck(
            username, verdict="invalid", invalid=ValidationFailed([(field, "is required")])
        )
    user = user_crud.get_by_username(session, username)
    if user is None or not user.active:
        security.verify_password(security.dummy_hash(), password)  # as long as a real check
        return PasswordCheck(username)
    stored = _effective_hash(user)
    if not security.verify_password(stored, password):
        return PasswordCheck(username, user.id, "wrong", checked_hash=stored)
    if user.locked_until is not None and user.locked_until > utcnow():
        return PasswordCheck(username, user.id, "locked")
    renewed = security.hash_password(password) if security.needs_rehash(stored) else None
    return PasswordCheck(username, user.id, "ok", checked_hash=stored, new_hash=renewed)


def record_sign_in(
    session: Session,
    *,
    check: PasswordCheck,
    lockout_attempts: int = LOCKOUT_ATTEMPTS,
    lockout_minutes: int = LOCKOUT_MINUTES,
) -> SignInOutcome:
    """Write what ``check_password`` found (a short write transaction): failed attempts, the
    lockout, the last sign-in, a renewed hash. Only this installation's own sign-in table
    changes, never a synced row. The caller commits either way, so failed attempts count."""
    if check.verdict == "invalid":
        return SignInOutcome(None, check.invalid)
    user = user_crud.get(session, check.user_id) if check.user_id else None
    now = utcnow()
    wrong = SignInOutcome(None, AuthenticationFailed(WRONG_CREDENTIALS, field="password"))
    if user is None or not user.active:
        return wrong
    if user.locked_until is not None and user.locked_until > now:
        if check.verdict != "locked":  # only the right password learns that the account is locked
            return wrong
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return SignInOutcome(
            None,
            AccountLocked(
                f"account {user.username} is locked after {lockout_attempts} failed sign-ins; "
                f"try again in {minutes} min or ask an administrator to unlock it",
                field="username",
            ),
        )
    if check.verdict == "ok" and _effective_hash(user) != check.checked_hash:
        # The password changed between the check and now: check again with the new one.
        return SignInOutcome(
            None,
            AuthenticationFailed(
                "the password has just been changed: sign in again", field="password"
            ),
        )
    state = user.local_sign_in()
    if check.verdict != "ok":
        state.failed_logins += 1
        if state.failed_logins >= lockout_attempts:
            state.locked_until = now + timedelta(minutes=lockout_minutes)
            state.failed_logins = 0
            audit_crud.add(
                session,
                user_id=user.id,
                installation_id=None,
                action="user.locked",
                entity="users",
                entity_id=user.id,
                summary=f"{user.username} locked after {lockout_attempts} failed sign-ins",
            )
        return wrong
    state.failed_logins = 0
    state.locked_until = None
    state.last_login_at = now
    if check.new_hash is not None:
        state.password_hash = check.new_hash
        state.rehashed_from = user.password_hash
    session.flush()
    return SignInOutcome(user)


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    lockout_attempts: int = LOCKOUT_ATTEMPTS,
    lockout_minutes: int = LOCKOUT_MINUTES,
) -> SignInOutcome:
    """``check_password`` and ``record_sign_in`` in one session (scripts and tests; the
    applications check in a read session first, then record in a short write)."""
    return record_sign_in(
        session,
        check=check_password(session, username=username, password=password),
        lockout_attempts=lockout_attempts,
        lockout_minutes=lockout_minutes,
    )


def _clear_lockout(user: User) -> None:
    if user.sign_in is not None:
        user.sign_in.failed_logins = 0
        user.sign_in.locked_until = None


def context_for(session: Session, *, user: User) -> ActorContext:
    """The acting context of a signed-in user on this installation.

    A user scoped to a site works on that site's installation (or reads on a manager's store);
    signing in on another site's store would let them write that site's stock.
    """
    installation = site_crud.get_installation(session)
    if installation is None:
        raise NotFound("this store has not been initialised: run 'hom-desktop init'")
    if (
        user.site_id is not None
        and installation.site_id is not None
        and user.site_id != installation.site_id
    ):
        home = site_crud.get_site(session, user.site_id)
        here = site_crud.get_site(session, installation.site_id)
        raise PermissionDenied(
            f"{user.username} works at {home.code if home else 'another site'}; this store "
            f"writes for {here.code if here else 'another site'}",
            field="username",
        )
    return ActorContext(
        **sites.context_fields(session, installation),
        user_id=user.id,
        username=user.username,
        permissions=user.permission_codes,
    )


def to_public(user: User) -> UserPublic:
    return UserPublic.model_validate(
        {
            **{k: getattr(user, k) for k in UserPublic.model_fields if k != "role_names"},
            "role_names": sorted(r.name for r in user.roles),
        }
    )


def list_users(
    session: Session, *, search: str = "", limit: int = 500, offset: int = 0
) -> list[User]:
    return user_crud.list_users(session, search=search, limit=limit, offset=offset)


def count_users(session: Session, *, search: str = "") -> int:
    return user_crud.count_users(session, search=search)


def list_roles(session: Session) -> list[Role]:
    return user_crud.list_roles(session)


def get_user(session: Session, user_id: uuid.UUID) -> User:
    return _get(session, user_id)
