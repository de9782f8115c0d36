"""Regression tests for the defects found when the application was tried by keyboard alone
(issue 9): one test (or more) per defect."""

from __future__ import annotations

from PySide6.QtCore import Qt

from hom.core.config import Settings
from hom_desktop.ui.signin import SignInDialog
from tests.utils.builders import ADMIN_PASSWORD


def _sign_in_dialog(qtbot, kit) -> SignInDialog:
    dialog = SignInDialog(kit.store, Settings(data_dir=kit.store.settings.data_dir))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def focused(window):
    """The widget of ``window`` the keyboard is in (offscreen, the window may not be active)."""
    return window.focusWidget()


def _tab_to(qtbot, window, widget, limit: int = 12) -> None:
    """Press Tab until ``widget`` has the focus, as a clerk would."""
    for _ in range(limit):
        if focused(window) is widget:
            return
        qtbot.keyClick(focused(window) or window, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {widget}")


def test_sign_in_enter_after_a_tab_round_signs_in_not_quits(qtbot, kit):
    dialog = _sign_in_dialog(qtbot, kit)
    qtbot.keyClicks(dialog.username, "admin")
    qtbot.keyClick(dialog.username, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.password, ADMIN_PASSWORD)
    _tab_to(qtbot, dialog, dialog.quit_button)  # the Tab round ends on Quit
    with qtbot.waitSignal(dialog.signedIn, timeout=5000):
        qtbot.keyClick(dialog.quit_button, Qt.Key.Key_Return)
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.ctx is not None


def test_sign_in_escape_does_not_quit(qtbot, kit):
    dialog = _sign_in_dialog(qtbot, kit)
    with qtbot.assertNotEmitted(dialog.rejected):
        qtbot.keyClick(dialog.username, Qt.Key.Key_Escape)
    assert dialog.isVisible()
