"""Driving the order screens by keyboard only, counting every key (a chord counts once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from tests.utils.order_shop import WORDS, Shop, make_shop

__all__ = ["CTRL", "WORDS", "Keyboard", "Shop", "make_shop"]

CTRL = Qt.KeyboardModifier.ControlModifier


@dataclass
class Keyboard:
    """Keys go where a real keyboard sends them: the focused widget of the active window."""

    qtbot: Any
    window: QWidget
    count: int = 0

    def focus(self) -> QWidget:
        active = QApplication.activeWindow() or self.window
        widget = active.focusWidget() or QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        return widget

    def _settle(self) -> None:
        for _ in range(3):
            QApplication.processEvents()

    def type(self, text: str) -> None:
        for ch in text:
            self.qtbot.keyClick(self.focus(), ch)
            self.count += 1
            self._settle()

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier):
        self.qtbot.keyClick(self.focus(), key, modifier)
        self.count += 1
        self._settle()

    def enter(self) -> None:
        self.press(Qt.Key.Key_Return)
