"""Accessibility: every input has a name a screen reader says, tables and the sidebar are
named, and titles grow with the system font."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QWidget,
)

from hom_desktop.ui import theme
from hom_desktop.ui.base import title_label
from hom_desktop.ui.main_window import MainWindow
from tests.ui.conftest import drain

INPUTS = (QLineEdit, QComboBox, QAbstractSpinBox, QCheckBox, QAbstractItemView)


def _unnamed(root: QWidget) -> list[str]:
    missing = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, INPUTS) or isinstance(w, QHeaderView) or not w.isVisibleTo(root):
            continue
        if isinstance(w, QLineEdit) and isinstance(w.parent(), QComboBox | QAbstractSpinBox):
            continue  # the editor inside a combo box or a date field: its owner is named
        if w.parent() is not None and type(w.parent()).__name__ == "QCalendarWidget":
            continue
        name = w.accessibleName() or (w.text() if isinstance(w, QCheckBox) else "")
        if not name.strip():
            missing.append(f"{type(w).__name__} {w.objectName()!r}")
    return missing


def test_every_input_table_and_the_sidebar_has_a_name(qtbot, app_session):
    window = MainWindow(app_session, QSettings())
    qtbot.addWidget(window)
    window.show()
    assert window.nav.accessibleName() == "Screens"
    for cls in window.view_types:
        view = window.show_view(cls.key) or window.views[cls.key]
        drain()
        assert _unnamed(view) == [], cls.key
    inventory = window.views["inventory"]
    for dialog in (inventory.open_transfer(), inventory.open_count()):
        qtbot.addWidget(dialog)
        assert _unnamed(dialog) == [], dialog.windowTitle()
        dialog.reject()
    assert inventory.stock_table.accessibleName() == "Stock table"
    drain()


def test_titles_scale_with_the_system_font(qtbot, qapp):
    before = qapp.font()
    try:
        for size in (9.0, 18.0):
            font = QFont(before)
            font.setPointSizeF(size)
            qapp.setFont(font)
            qapp.setStyleSheet(theme.stylesheet())
            title = title_label("Inventory")
            qtbot.addWidget(title)
            title.ensurePolished()
            assert title.font().pointSizeF() == size * theme.TITLE_SCALE
            assert isinstance(title, QLabel)
    finally:
        qapp.setFont(before)
        qapp.setStyleSheet(theme.stylesheet())
