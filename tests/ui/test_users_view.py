"""Users and roles, as an administrator uses them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from hom.services import users
from hom_desktop.ui.users import PasswordDialog, UserDialog, UsersView


@pytest.fixture
def view(qtbot, app_session) -> UsersView:
    v = UsersView(app_session)
    qtbot.addWidget(v)
    v.show()
    return v


def _user(kit, username: str):
    with kit.store.reader() as s:
        found = [u for u in users.list_users(s) if u.username == username]
        return users.to_public(found[0]) if found else None


def _new(qtbot, view: UsersView) -> UserDialog:
    dialog = view.open_new()
    qtbot.addWidget(dialog)
    return dialog


def test_lists_users_and_creates_one_with_roles(qtbot, kit, view, qtmodeltester):
    assert [u.username for u in view.model.rows()] == ["admin"]
    qtmodeltester.check(view.model)
    dialog = _new(qtbot, view)
    qtbot.keyClicks(dialog.username, "ravi.k")
    qtbot.keyClicks(dialog.full_name, "Ravi Kumar")
    qtbot.keyClicks(dialog.password, "clerk-pass-1")
    qtbot.keyClicks(dialog.confirm, "clerk-pass-1")
    dialog.roles.set_checked("depot clerk")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    made = _user(kit, "ravi.k")
    assert made is not None and made.role_names == ["depot clerk"]
    assert made.full_name == "Ravi Kumar" and made.site_id == kit.site_id
    assert [u.username for u in view.model.rows()] == ["admin", "ravi.k"]
    assert view.selected().username == "ravi.k"
    assert view.banner.text() == "User ravi.k created (depot clerk)."


def test_refusals_are_shown_beside_their_fields(qtbot, kit, view):
    dialog = _new(qtbot, view)
    qtbot.keyClicks(dialog.username, "Admin")  # usernames compare ignoring case
    qtbot.keyClicks(dialog.password, "short")
    qtbot.keyClicks(dialog.confirm, "short")
    assert not dialog.save()
    assert dialog.form.errors.error_text("password") == "must be at least 8 characters"
    assert dialog.form.errors.error_text("roles")  # no role chosen
    dialog.password.clear()
    dialog.confirm.clear()
    qtbot.keyClicks(dialog.password, "long-enough")
    qtbot.keyClicks(dialog.confirm, "long-enough")
    dialog.roles.set_checked("manager")
    assert not dialog.save()
    assert dialog.form.errors.error_text("username") == "username 'Admin' is already taken"
    assert dialog.isVisible() and dialog.username.text() == "Admin"
    dialog.username.clear()
    qtbot.keyClicks(dialog.username, "ab")
    assert not dialog.save()
    assert "3 to 64 characters" in dialog.form.errors.error_text("username")
    with kit.store.reader() as s:
        assert len(users.list_users(s)) == 1  # nothing was written


def test_confirmation_must_match(qtbot, kit, view):
    dialog = _new(qtbot, view)
    qtbot.keyClicks(dialog.username, "meena")
    qtbot.keyClicks(dialog.password, "factory-pass-1")
    qtbot.keyClicks(dialog.confirm, "factory-pass-2")
    dialog.roles.set_checked("factory staff")
    assert not dialog.save()
    assert dialog.form.errors.error_text("confirm") == "does not match the password"
    assert _user(kit, "meena") is None


def test_role_assignment_and_deactivation(qtbot, kit, view):
    with kit.session() as s:
        users.create_user(
            s,
            ctx=kit.ctx,
            user_in={"username": "sunil", "password": "pass-word-1", "roles": ["depot clerk"]},
        )
    view.refresh()
    assert view.select_username("sunil")
    dialog = view.open_edit()
    assert isinstance(dialog, UserDialog)
    qtbot.addWidget(dialog)
    assert dialog.username.isReadOnly()
    dialog.roles.set_checked("depot clerk", False)
    assert not dialog.save()  # a user needs at least one role
    assert dialog.form.errors.error_text("roles")
    dialog.roles.set_checked("manager")
    dialog.active.setChecked(False)
    assert dialog.save()
    changed = _user(kit, "sunil")
    assert changed.role_names == ["manager"] and changed.active is False
    row = view.model.find(lambda u: u.username == "sunil")
    assert view.model.data(view.model.index(row, 3)) == "Inactive"


def test_password_reset_and_unlock(qtbot, kit, view):
    with kit.session() as s:
        user = users.create_user(
            s,
            ctx=kit.ctx,
            user_in={"username": "asha", "password": "pass-word-1", "roles": ["manager"]},
        )
        uid = user.id
    for _ in range(5):  # lock the account
        with kit.session() as s:
            users.authenticate(s, username="asha", password="wrong-wrong")
    view.refresh()
    view.select_username("asha")
    status = view.model.data(view.model.index(view.model.find(lambda u: u.id == uid), 3))
    assert status.startswith("Locked until")
    assert view.unlock_action.isEnabled()
    assert view.unlock()
    assert _user(kit, "asha").locked_until is None
    assert view.banner.text() == "asha is unlocked and may sign in again."

    view.select_username("asha")
    dialog = view.open_reset()
    assert isinstance(dialog, PasswordDialog)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.password, "short")
    qtbot.keyClicks(dialog.confirm, "short")
    assert not dialog.save()
    assert dialog.form.errors.error_text("new_password") == "must be at least 8 characters"
    dialog.password.clear()
    dialog.confirm.clear()
    qtbot.keyClicks(dialog.password, "brand-new-pass")
    qtbot.keyClicks(dialog.confirm, "brand-new-pass")
    assert dialog.save()
    with kit.session() as s:
        assert users.authenticate(s, username="asha", password="brand-new-pass").user is not None


def test_search_filters_in_sql(qtbot, kit, view):
    with kit.session() as s:
        hashed = "x" * 20
        for name in ("north.clerk", "south.clerk", "plant.staff"):
            users.create_user(
                s,
                ctx=kit.ctx,
                password_hash=hashed,
                user_in={"username": name, "password": "pass-word-1", "roles": ["depot clerk"]},
            )
    view.refresh()
    qtbot.keyClicks(view.search, "clerk")
    qtbot.waitUntil(lambda: len(view.model.rows()) == 2, timeout=2000)
    assert [u.username for u in view.model.rows()] == ["north.clerk", "south.clerk"]
