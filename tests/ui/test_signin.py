"""Sign-in (offline, against the local store), lockout, and the first run of an empty store."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

import hom.services
from hom.core.config import Settings
from hom.core.store import open_store
from hom.services import sites, users
from hom_desktop.ui.app import Shell
from hom_desktop.ui.main_window import MainWindow
from hom_desktop.ui.signin import FirstRunDialog, SignInDialog
from tests.ui.conftest import drain
from tests.utils.builders import ADMIN_PASSWORD


def _dialog(qtbot, kit, **settings) -> SignInDialog:
    cfg = Settings(data_dir=kit.store.settings.data_dir, **settings)
    dialog = SignInDialog(kit.store, cfg)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _type(qtbot, dialog: SignInDialog, username: str, password: str) -> None:
    dialog.username.clear()
    dialog.password.clear()
    qtbot.keyClicks(dialog.username, username)
    qtbot.keyClicks(dialog.password, password)


def test_sign_in_gives_the_users_context(qtbot, kit):
    dialog = _dialog(qtbot, kit)
    _type(qtbot, dialog, "admin", ADMIN_PASSWORD)
    with qtbot.waitSignal(dialog.signedIn):
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.ctx is not None and dialog.ctx.can("users.manage")
    assert dialog.ctx.site_id == kit.site_id
    assert dialog.who.username == "admin" and dialog.who.site_code == "DEP01"
    with kit.store.reader() as s:
        assert users.get_user(s, kit.ctx.user_id).last_login_at is not None


def test_a_wrong_password_is_refused_and_counted(qtbot, kit):
    dialog = _dialog(qtbot, kit)
    _type(qtbot, dialog, "admin", "not-the-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.ctx is None and dialog.isVisible()
    assert dialog.form.errors.error_text("password") == "wrong username or password"
    assert dialog.username.text() == "admin"  # what was typed stays
    assert dialog.password.text() == ""
    with kit.store.reader() as s:  # the failed attempt was committed
        assert users.get_user(s, kit.ctx.user_id).failed_logins == 1


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(qtbot, kit):
    dialog = _dialog(qtbot, kit)
    _type(qtbot, dialog, "nobody-here", "not-the-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.ctx is None
    assert dialog.form.errors.error_text("password") == "wrong username or password"
    assert dialog.form.errors.error_text("username") == ""


def test_an_empty_username_is_named(qtbot, kit):
    dialog = _dialog(qtbot, kit)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.form.errors.error_text("username") == "is required"


def test_lockout_message_is_shown_and_the_right_password_no_longer_works(qtbot, kit):
    dialog = _dialog(qtbot, kit, lockout_attempts=2, lockout_minutes=15)
    for _ in range(2):
        _type(qtbot, dialog, "admin", "wrong-password")
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    # Locking says no more than a wrong password: user names cannot be probed this way.
    assert dialog.form.errors.error_text("password") == "wrong username or password"
    _type(qtbot, dialog, "admin", ADMIN_PASSWORD)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.ctx is None
    assert "account admin is locked" in dialog.form.errors.error_text("username")
    with kit.store.reader() as s:
        assert users.get_user(s, kit.ctx.user_id).locked_until is not None


@pytest.fixture
def empty_store(tmp_path):
    store = open_store(Settings(data_dir=tmp_path / "empty"), auto_backup=False)
    yield store
    drain()
    store.close()


def test_first_run_offers_setup_and_creates_the_first_admin(qtbot, empty_store, prompt_log):
    exits: list[int] = []
    shell = Shell(empty_store, empty_store.settings, exit_app=exits.append)
    shell.start()
    dialog = shell.first_run
    assert isinstance(dialog, FirstRunDialog) and shell.sign_in is None
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.setup_button, Qt.MouseButton.LeftButton)
    dialog.site_kind.setCurrentIndex(1)  # factory
    qtbot.keyClicks(dialog.site_code, "fac01")
    qtbot.keyClicks(dialog.site_name, "Pune factory")
    dialog.admin_username.clear()
    qtbot.keyClicks(dialog.admin_username, "boss")
    qtbot.keyClicks(dialog.admin_password, "long-enough-1")
    qtbot.keyClicks(dialog.admin_confirm, "long-enough-2")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.form.errors.error_text("confirm") == "does not match the password"
    with empty_store.reader() as s:
        assert not sites.is_initialised(s)

    dialog.admin_confirm.clear()
    qtbot.keyClicks(dialog.admin_confirm, "long-enough-1")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    with empty_store.reader() as s:
        assert sites.is_initialised(s)
        site = sites.get_site_by_code(s, "FAC01")
        assert site.kind.value == "factory"
        assert users.list_users(s)[0].username == "boss"
    assert shell.sign_in is not None and shell.sign_in.username.text() == "boss"
    assert exits == []
    qtbot.addWidget(shell.sign_in)


def test_first_run_shows_a_refused_field_and_writes_nothing(qtbot, empty_store):
    dialog = FirstRunDialog(empty_store)
    qtbot.addWidget(dialog)
    dialog.pages.setCurrentIndex(1)
    qtbot.keyClicks(dialog.site_code, "bad code!")
    qtbot.keyClicks(dialog.site_name, "Depot")
    dialog.currency.clear()
    qtbot.keyClicks(dialog.currency, "RU")
    qtbot.keyClicks(dialog.admin_password, "long-enough-1")
    qtbot.keyClicks(dialog.admin_confirm, "long-enough-1")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert "letters, digits or hyphens" in dialog.form.errors.error_text("code")
    assert dialog.site_code.property("invalid") is True
    dialog.site_code.clear()
    qtbot.keyClicks(dialog.site_code, "DEP09")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert "three-letter" in dialog.form.errors.error_text("currency")
    assert dialog.site_code.property("invalid") is False
    assert dialog.site_name.text() == "Depot"  # what was typed stays
    with empty_store.reader() as s:
        assert not sites.is_initialised(s)


def test_demo_button_says_why_the_demo_cannot_load(qtbot, empty_store, prompt_log, monkeypatch):
    # The loader's module failing to import (a broken install): None in sys.modules makes the
    # import raise ImportError, as a missing module would.
    monkeypatch.setitem(sys.modules, "hom.services.demo", None)
    monkeypatch.delattr(hom.services, "demo", raising=False)
    dialog = FirstRunDialog(empty_store)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    assert "The demo data cannot be loaded" in dialog.choice_error.text()
    assert prompt_log.texts("error") == [dialog.choice_error.text()]


@pytest.mark.skipif(
    importlib.util.find_spec("hom.services.demo") is None,
    reason="the demo loader is not written yet",
)
def test_demo_load_runs_in_the_background_and_can_be_cancelled(qtbot, empty_store, prompt_log):
    """A full demo load takes minutes; the button starts it with progress, and Cancel leaves
    the store as it was (the loader is one transaction)."""
    dialog = FirstRunDialog(empty_store)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    op = dialog.operation
    assert op is not None and op.progress_dialog is not None
    assert not dialog.demo_button.isEnabled()  # one load at a time
    cancel = op.progress_dialog.findChild(QPushButton)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.demo_button.isEnabled(), timeout=60_000)
    assert dialog.choice_info.text() == "Loading the demo data was cancelled."
    assert dialog.demo_button.isEnabled()
    assert dialog.isVisible() and dialog.demo_summary is None
    with empty_store.reader() as s:
        assert not sites.is_initialised(s)


def test_shell_goes_from_sign_in_to_the_main_window_and_back(qtbot, kit, prompt_log):
    exits: list[int] = []
    shell = Shell(kit.store, kit.store.settings, exit_app=exits.append)
    shell.start()
    dialog = shell.sign_in
    assert dialog is not None and shell.first_run is None
    qtbot.addWidget(dialog)
    _type(qtbot, dialog, "admin", ADMIN_PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    window = shell.window
    assert isinstance(window, MainWindow)  # deleted by the shell on sign-out, not by qtbot
    assert window.isVisible()
    window.sign_out()
    assert shell.window is None
    assert shell.sign_in is not None and shell.sign_in.isVisible()
    assert exits == []
    qtbot.mouseClick(shell.sign_in.quit_button, Qt.MouseButton.LeftButton)
    assert exits == [0]  # Quit on the sign-in dialog ends the application
