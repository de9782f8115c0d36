"""Users, roles, sign-in with lockout, argon2id hashes and rehash on sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from hom.core.clock import utcnow
from hom.core.errors import (
    AccountLocked,
    AuthenticationFailed,
    Duplicate,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from hom.models import AuditEntry, User
from hom.services import users
from hom.services.permissions import PERMISSIONS, SEED_ROLES
from tests.utils.builders import ADMIN_PASSWORD, context_with


def _sign_in(kit, username, password):
    with kit.session() as s:
        outcome = users.authenticate(s, username=username, password=password)
    return outcome


def test_seed_roles_exist_with_their_permissions(kit):
    with kit.store.reader() as s:
        roles = {r.name: {p.code for p in r.permissions} for r in users.list_roles(s)}
    assert set(roles) == set(SEED_ROLES)
    assert roles["admin"] == set(PERMISSIONS)
    assert "production.post" in roles["factory staff"]
    assert "users.manage" not in roles["depot clerk"]
    assert "stock.adjust" not in roles["manager"]


def test_password_is_stored_as_argon2id(kit):
    with kit.store.reader() as s:
        admin = s.scalar(select(User).where(User.username_key == "admin"))
        assert admin.password_hash.startswith("$argon2id$")
        assert ADMIN_PASSWORD not in admin.password_hash


def test_sign_in_is_case_insensitive_on_username_and_records_the_time(kit):
    user = _sign_in(kit, "ADMIN", ADMIN_PASSWORD).user_or_raise()
    assert user.last_login_at is not None


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(kit):
    unknown = _sign_in(kit, "nobody-here", "wrong-password")
    wrong = _sign_in(kit, "admin", "wrong-password")
    assert type(unknown.error) is type(wrong.error) is AuthenticationFailed
    assert (unknown.error.field, unknown.error.message) == (wrong.error.field, wrong.error.message)
    assert unknown.error.message == users.WRONG_CREDENTIALS


def test_five_failures_lock_the_account_and_the_count_survives_the_transaction(kit):
    for _attempt in range(1, 5):
        outcome = _sign_in(kit, "admin", "wrong-password")
        assert isinstance(outcome.error, AuthenticationFailed)
        assert outcome.error.message == users.WRONG_CREDENTIALS
    with kit.store.reader() as s:
        assert users.list_users(s)[0].failed_logins == 4
    locked = _sign_in(kit, "admin", "wrong-password")
    # The fifth failure locks the account but says no more than any wrong password.
    assert type(locked.error) is AuthenticationFailed
    assert locked.error.message == users.WRONG_CREDENTIALS
    # Even the right password is refused while locked.
    still = _sign_in(kit, "admin", ADMIN_PASSWORD)
    assert isinstance(still.error, AccountLocked)
    assert "locked" in still.error.message
    with kit.store.reader() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "user.locked")).all()


def test_the_lock_expires(kit):
    for _ in range(5):
        _sign_in(kit, "admin", "nope-nope")
    with kit.session() as s:
        admin = users.list_users(s)[0]
        admin.local_sign_in().locked_until = utcnow() - timedelta(seconds=1)
    assert _sign_in(kit, "admin", ADMIN_PASSWORD).user_or_raise().failed_logins == 0


def test_unknown_user_gets_the_same_message_as_a_wrong_password(kit):
    outcome = _sign_in(kit, "nobody", "whatever1")
    assert isinstance(outcome.error, AuthenticationFailed)
    assert outcome.error.message == "wrong username or password"


def test_empty_credentials_name_the_missing_field(kit):
    outcome = _sign_in(kit, "admin", "")
    assert isinstance(outcome.error, ValidationFailed)
    assert outcome.error.field == "password"


def test_an_outdated_hash_is_upgraded_on_sign_in(kit):
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(ADMIN_PASSWORD)
    with kit.session() as s:
        users.list_users(s)[0].password_hash = weak
    user = _sign_in(kit, "admin", ADMIN_PASSWORD).user_or_raise()
    # renewed in this installation's own sign-in table: the synced user row is not changed
    assert user.password_hash == weak
    assert user.sign_in is not None and "m=65536" in user.sign_in.password_hash
    assert _sign_in(kit, "admin", ADMIN_PASSWORD).user is not None


def test_create_user_validates_and_refuses_duplicates(kit):
    with kit.session() as s:
        clerk = users.create_user(
            s,
            ctx=kit.ctx,
            user_in={"username": "clerk.one", "password": "long-enough", "roles": ["depot clerk"]},
        )
        assert clerk.permission_codes >= {"stock.transfer", "orders.primary"}
    with pytest.raises(Duplicate) as info, kit.session() as s:
        users.create_user(
            s,
            ctx=kit.ctx,
            user_in={"username": "CLERK.ONE", "password": "long-enough", "roles": ["manager"]},
        )
    assert info.value.field == "username"
    with pytest.raises(ValidationFailed) as info, kit.session() as s:
        users.create_user(
            s, ctx=kit.ctx, user_in={"username": "x", "password": "short", "roles": ["manager"]}
        )
    assert "username" in str(info.value) and "password" in str(info.value)
    with pytest.raises(NotFound, match="unknown role 'boss'"), kit.session() as s:
        users.create_user(
            s,
            ctx=kit.ctx,
            user_in={"username": "new.one", "password": "long-enough", "roles": ["boss"]},
        )


def test_only_user_managers_manage_users(kit):
    clerk = context_with(kit.ctx, "stock.view")
    with pytest.raises(PermissionDenied, match=r"users\.manage"), kit.session() as s:
        users.create_user(
            s,
            ctx=clerk,
            user_in={"username": "sneaky", "password": "long-enough", "roles": ["admin"]},
        )


def test_reset_password_and_unlock(kit):
    for _ in range(5):
        _sign_in(kit, "admin", "bad-password")
    with kit.session() as s:
        admin = users.list_users(s)[0]
        users.unlock(s, ctx=kit.ctx, user_id=admin.id)
    assert _sign_in(kit, "admin", ADMIN_PASSWORD).error is None
    with kit.session() as s:
        admin = users.list_users(s)[0]
        users.reset_password(
            s, ctx=kit.ctx, user_id=admin.id, reset_in={"new_password": "brand-new-1"}
        )
    assert _sign_in(kit, "admin", "brand-new-1").error is None
    assert isinstance(_sign_in(kit, "admin", ADMIN_PASSWORD).error, AuthenticationFailed)


def test_update_user_changes_roles_and_audits_them(kit):
    with kit.session() as s:
        user = users.create_user(
            s,
            ctx=kit.ctx,
            user_in={"username": "worker", "password": "long-enough", "roles": ["factory staff"]},
        )
        users.update_user(s, ctx=kit.ctx, user_id=user.id, user_in={"roles": ["depot clerk"]})
        user_id = user.id
    with kit.store.reader() as s:
        assert [r.name for r in users.get_user(s, user_id).roles] == ["depot clerk"]
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "user.update")).one()
        assert audit.changes == {"roles": ["factory staff", "depot clerk"]}


def test_a_user_scoped_to_another_site_cannot_act_on_this_store(kit):
    from tests.utils.builders import add_site

    with kit.session() as s:
        dep2 = add_site(s, kit.ctx, code="DEP02")
        users.create_user(
            s,
            ctx=kit.ctx,
            user_in={
                "username": "dep2.clerk",
                "password": "long-enough",
                "roles": ["depot clerk"],
                "site_id": dep2,
            },
        )
    user = _sign_in(kit, "dep2.clerk", "long-enough").user_or_raise()
    with (
        pytest.raises(PermissionDenied, match="works at DEP02; this store writes for DEP01"),
        kit.store.reader() as s,
    ):
        users.context_for(s, user=user)


def test_scope_ids_must_exist_and_fields_cannot_be_cleared(kit):
    import uuid

    for field in ("site_id", "geo_node_id"):
        with pytest.raises(NotFound) as info, kit.session() as s:
            users.create_user(
                s,
                ctx=kit.ctx,
                user_in={
                    "username": f"x-{field}",
                    "password": "long-enough",
                    "roles": ["manager"],
                    field: uuid.uuid4(),
                },
            )
        assert info.value.field == field
    with kit.store.reader() as s:
        admin_id = users.list_users(s)[0].id
    for field in ("full_name", "active", "roles"):
        with pytest.raises(ValidationFailed) as info, kit.session() as s:
            users.update_user(s, ctx=kit.ctx, user_id=admin_id, user_in={field: None})
        assert info.value.field == field and "cannot be cleared" in info.value.message
