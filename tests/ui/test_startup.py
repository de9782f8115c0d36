"""Start-up: the sign-in dialog paints with only Qt loaded, the store opens behind it, and the
daily backup runs in the background afterwards."""

from __future__ import annotations

import subprocess
import sys

from hom.core import backup
from hom.core.config import Settings
from hom.core.store import open_store
from hom_desktop.ui.app import Shell
from hom_desktop.ui.signin import FirstRunDialog, SignInDialog
from tests.ui.conftest import drain


def test_the_gui_entry_imports_no_database_layer_before_its_window():
    """What ``hom-desktop`` imports before the sign-in dialog paints: Qt, not the domain."""
    heavy = ("sqlalchemy", "pydantic_settings", "alembic", "hom.models", "hom.services.users")
    code = (
        "import sys, hom_desktop.cli, hom_desktop.ui.app; "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_sign_in_waits_for_the_store_opening_behind_it_then_backs_up(qtbot, tmp_path):
    settings = Settings(data_dir=tmp_path / "store")
    from hom.services import setup

    store = open_store(settings, auto_backup=False)
    with store.transaction() as s:
        setup.initialize(s, admin_username="admin", admin_password="long-enough-1", site_code="D1")
    store.close()
    exits: list[int] = []
    shell = Shell(None, None, exit_app=exits.append)
    shell.start_opening(settings.data_dir)
    dialog = shell.sign_in
    assert isinstance(dialog, SignInDialog)
    qtbot.addWidget(dialog)
    assert not dialog.sign_in_button.isEnabled()
    assert not dialog.attempt()  # Enter before the store is open does nothing
    qtbot.waitUntil(dialog.sign_in_button.isEnabled, timeout=20_000)
    assert dialog.store_label.text() == "Store: D1 — D1" or "D1" in dialog.store_label.text()
    drain()  # the daily backup, queued after the opening
    assert len(backup.list_backups(settings.backup_dir)) == 1
    dialog.username.setText("admin")
    dialog.password.setText("long-enough-1")
    assert dialog.attempt()
    assert shell.window is not None
    qtbot.addWidget(shell.window)
    shell.window.close()
    assert exits == [0]
    drain()
    shell.store.close()


def test_an_empty_store_gets_the_first_run_dialog_once_open(qtbot, tmp_path, prompt_log):
    exits: list[int] = []
    shell = Shell(None, None, exit_app=exits.append)
    shell.start_opening(tmp_path / "new")
    qtbot.addWidget(shell.sign_in)
    qtbot.waitUntil(lambda: shell.first_run is not None, timeout=20_000)
    assert isinstance(shell.first_run, FirstRunDialog) and shell.sign_in is None
    qtbot.addWidget(shell.first_run)
    assert exits == []  # hiding the sign-in dialog did not quit
    drain()
    shell.store.close()


def test_a_store_that_cannot_open_is_reported_and_the_app_quits(qtbot, tmp_path, prompt_log):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "hom.sqlite3").write_bytes(b"not a database at all" * 100)
    exits: list[int] = []
    shell = Shell(None, None, exit_app=exits.append)
    shell.start_opening(folder)
    qtbot.addWidget(shell.sign_in)
    qtbot.waitUntil(lambda: exits == [1], timeout=20_000)
    assert "could not be opened" in prompt_log.texts("error")[0]
