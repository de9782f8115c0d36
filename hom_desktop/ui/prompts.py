"""Every modal question and message the application shows goes through this module.

One seam: views call ``prompts.confirm(...)`` (never ``QMessageBox`` directly), so tests replace
these functions with recorded answers instead of blocking on a modal dialog.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from hom.core.errors import DomainError, ValidationFailed


def describe(exc: BaseException) -> str:
    """What went wrong, in words a clerk reads: the field, then the rule it broke."""
    if isinstance(exc, ValidationFailed) and len(exc.errors) > 1:
        return "\n".join(f"• {field.replace('_', ' ')}: {msg}" for field, msg in exc.errors)
    if isinstance(exc, DomainError):
        if exc.field:
            return f"{exc.field.replace('_', ' ')}: {exc.message}"
        return exc.message
    return f"{type(exc).__name__}: {exc}"


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def info(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def error(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def ask_text(
    parent: QWidget | None, title: str, label: str, *, text: str = "", password: bool = False
) -> str | None:
    """A line of text from the user, or None when they cancel."""
    mode = QLineEdit.EchoMode.Password if password else QLineEdit.EchoMode.Normal
    value, ok = QInputDialog.getText(parent, title, label, mode, text)
    return value if ok else None


def open_file(parent: QWidget | None, title: str, filters: str = "CSV files (*.csv)") -> str | None:
    """A file to read, or None when the user cancels."""
    path, _ = QFileDialog.getOpenFileName(parent, title, "", filters)
    return path or None


def save_file(
    parent: QWidget | None, title: str, suggested: str, filters: str = "CSV files (*.csv)"
) -> str | None:
    """Where to write a file, or None when the user cancels."""
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return path or None


def critical(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.critical(parent, title, text)
