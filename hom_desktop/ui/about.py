"""The About dialog: the version, the store's schema revision, the data folder and the log, as
``hom-desktop --version`` prints them, with a button to copy them for support."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from hom.core.config import APP_NAME, Settings
from hom_desktop import __version__, about
from hom_desktop.ui import fonts, theme
from hom_desktop.ui.base import dialog_header


def font_text() -> str:
    """Which font draws each Indian script (support asks when names show as boxes)."""
    parts = []
    for script, families in fonts.coverage().items():
        parts.append(f"{script}: {families[0] if families else 'no font (shown as boxes)'}")
    return "\n".join(parts)


class AboutDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(f"About {APP_NAME}")
        self.setWindowIcon(theme.icon("app"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addLayout(
            dialog_header(
                f"{APP_NAME} {__version__}", "Offline-first distribution management.", icon_size=48
            )
        )
        layout.addSpacing(8)

        self.facts = [*about.facts(settings), ("Fonts", font_text())]
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for name, value in self.facts:
            shown = QLabel(value)
            shown.setObjectName(f"about-{name.lower().replace(' ', '-')}")
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(f"{name}:", shown)
            self.values[name] = shown
        layout.addLayout(form)
        layout.addStretch(1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton(
            "&Copy details", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.open_button = buttons.addButton(
            "&Open data folder", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.copy_button.clicked.connect(self.copy_details)
        self.open_button.clicked.connect(self.open_data_folder)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def details(self) -> str:
        return "\n".join(f"{name}: {value}".replace("\n", "; ") for name, value in self.facts)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(f"{APP_NAME} {__version__}\n{self.details()}")

    def open_data_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.settings.data_dir)))


def show_about(parent: QWidget | None, settings: Settings) -> AboutDialog:
    dialog = AboutDialog(settings, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
