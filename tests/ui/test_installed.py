"""What an installed copy adds to the application: the About dialog, the crash dialog that
names the log, and the bundled fonts for the Indian scripts."""

from __future__ import annotations

import logging
import shutil
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from hom.core import logs, migrate
from hom.core.config import load_settings
from hom_desktop import __version__
from hom_desktop.ui import crash, fonts
from hom_desktop.ui.about import AboutDialog
from hom_desktop.ui.app import app_settings
from hom_desktop.ui.main_window import MainWindow

NOTO = Path("/usr/share/fonts/truetype/noto")
SCRIPT_FONTS = ["NotoSansDevanagari-Regular.ttf", "NotoSansTamil-Regular.ttf",
                "NotoSansBengali-Regular.ttf"]  # fmt: skip
SECRET = "s3cret-in-an-error"


def test_about_shows_version_schema_revision_and_data_folder(qtbot, app_session, tmp_path):
    window = MainWindow(app_session, app_settings())
    qtbot.addWidget(window)
    window.show()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    about = next(a for a in help_menu.actions() if a.text().startswith("&About"))
    about.trigger()
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, AboutDialog))
    qtbot.addWidget(dialog)
    settings = app_session.settings
    assert dialog.values["Version"].text() == __version__
    assert dialog.values["Schema revision"].text() == f"{migrate.head_revision()} (current)"
    assert dialog.values["Data folder"].text() == str(settings.data_dir)
    assert dialog.values["Log"].text() == str(logs.log_path(settings.data_dir))
    assert "Devanagari: " in dialog.values["Fonts"].text()
    dialog.copy_details()
    copied = QApplication.clipboard().text()
    assert f"Data folder: {settings.data_dir}" in copied and __version__ in copied
    qtbot.waitExposed(dialog)
    dialog.grab().save(str(tmp_path / "about.png"))


@pytest.fixture
def hooks(monkeypatch, tmp_path, prompt_log):
    """The crash hooks installed for one test (the previous hooks come back afterwards)."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    path = logs.configure(tmp_path)
    crash.install(path)
    return path


def _log_text(path: Path) -> str:
    for handler in logging.getLogger("hom").handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_an_error_in_a_slot_shows_a_dialog_naming_the_log(qtbot, hooks, prompt_log):
    def broken_slot() -> None:
        raise RuntimeError(f"could not save: password={SECRET}")

    QTimer.singleShot(0, broken_slot)
    qtbot.waitUntil(lambda: bool(prompt_log.texts("critical")))
    (shown,) = prompt_log.texts("critical")
    assert "RuntimeError" in shown and str(hooks) in shown
    assert SECRET not in shown
    written = _log_text(hooks)
    assert "Traceback" in written and "broken_slot" in written and SECRET not in written


def test_an_error_in_a_worker_thread_reaches_the_dialog_on_the_main_thread(
    qtbot, hooks, prompt_log
):
    worker = threading.Thread(target=lambda: 1 / 0, name="import-worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(prompt_log.texts("critical")))
    assert "ZeroDivisionError" in prompt_log.texts("critical")[0]
    assert "in thread import-worker" in _log_text(hooks)


def test_a_failure_during_start_up_is_shown_not_silent(qtbot, monkeypatch, tmp_path, prompt_log):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    settings = load_settings(tmp_path)
    logs.configure(settings.data_dir)

    def failing_start(_settings) -> int:
        raise OSError("disk full")

    assert crash.guarded(failing_start, tmp_path) == 1
    (shown,) = prompt_log.texts("critical")
    assert "OSError: disk full" in shown and str(logs.log_path(tmp_path)) in shown


@pytest.mark.skipif(not (NOTO / SCRIPT_FONTS[0]).exists(), reason="fonts-noto-core not installed")
def test_bundled_fonts_are_registered_at_start_up(qapp, monkeypatch, tmp_path):
    assert fonts.bundled_font_dir() is None  # from source: the system's fonts
    bundle = tmp_path / "_internal"
    (bundle / "fonts").mkdir(parents=True)
    for name in SCRIPT_FONTS:
        shutil.copy(NOTO / name, bundle / "fonts" / name)
    (bundle / "fonts" / "LICENSE-Noto-fonts.txt").write_text("OFL-1.1")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert fonts.bundled_font_dir() == bundle / "fonts"
    families = fonts.load_bundled()
    assert families == ["Noto Sans Bengali", "Noto Sans Devanagari", "Noto Sans Tamil"]
    coverage = fonts.coverage()
    assert "Noto Sans Devanagari" in coverage["Devanagari"]
    assert "Noto Sans Tamil" in coverage["Tamil"] and "Noto Sans Bengali" in coverage["Bengali"]
