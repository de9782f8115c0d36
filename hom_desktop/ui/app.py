"""Starting the desktop application: the Qt application object, the store, and the shell that
leads from first run to sign-in to the main window (and back, on sign-out).

``run_gui(data_dir)`` is what ``hom-desktop`` with no arguments calls. The sign-in dialog paints
first, with only Qt loaded; the settings, SQLAlchemy, the models and the store open behind it
on the background worker while the user types (its Sign in button waits for them), together
with the main window's modules, so signing in costs the password check and one view. The
daily backup runs after that, in the background too.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from hom.core.names import APP_NAME
from hom_desktop.ui import fonts, ops, prompts, theme
from hom_desktop.ui.base import AppSession, SignedIn
from hom_desktop.ui.signin import FirstRunDialog, SignInDialog

if TYPE_CHECKING:
    from hom.core.config import Settings
    from hom.core.store import Store
    from hom.services.context import ActorContext
    from hom_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)

ORGANISATION = "HOM"


def ensure_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication, made once, high-DPI clean and styled."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Fractional scale factors (125 %, 150 %) are used as they are, not rounded to 1 or 2.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APP_NAME)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    fonts.load_bundled()  # before any text is laid out: Indian scripts must not draw as boxes
    style(app)
    return app


def style(app: QApplication) -> None:
    app.setStyle("Fusion")  # the same look on every platform; the stylesheet builds on it
    app.setStyleSheet(theme.stylesheet())
    app.setWindowIcon(theme.icon("app"))


def app_settings() -> QSettings:
    """Where window geometry and the last view are kept (an INI file in the user's config
    folder; tests point ``QSettings.setPath`` at a temporary folder)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APP_NAME)


@dataclass
class Opened:
    """What the background opening of the store hands the shell."""

    settings: Settings
    store: Store
    initialised: bool


def open_in_background(data_dir: str | Path | None) -> Opened:
    """Settings, logging and the store (migrated, backed up first if so), then the modules the
    next window needs: run on the worker while the sign-in dialog is up."""
    from hom.core import logs
    from hom.core.config import load_settings
    from hom.core.store import open_store
    from hom.services import sites, users  # noqa: F401  (loaded now, not at the click)

    settings = load_settings(data_dir)
    logs.configure(settings.data_dir)
    store = open_store(settings, daily_backup=False)
    with store.reader() as s:
        initialised = sites.is_initialised(s)
    from hom_desktop.ui.main_window import view_classes

    view_classes()
    return Opened(settings, store, initialised)


class Shell(QObject):
    """First run, sign-in, main window, sign-out: which window is up, and nothing else."""

    def __init__(
        self,
        store: Store | None,
        settings: Settings | None,
        *,
        qsettings: QSettings | None = None,
        exit_app: Callable[[int], None] | None = None,
    ) -> None:
        """``exit_app`` ends the event loop (tests pass their own: ending the loop of a test
        run would leave Qt unable to start threads for the rest of it)."""
        super().__init__()
        self._exit_app = exit_app or _exit_event_loop
        self.store = store
        self.settings = settings
        self.qsettings = qsettings or app_settings()
        self.first_run: FirstRunDialog | None = None
        self.sign_in: SignInDialog | None = None
        self.window: MainWindow | None = None
        self.session: AppSession | None = None
        self.exit_code: int | None = None
        self.opening: ops.Operation[Opened] | None = None
        self.backing_up: ops.Operation[Any] | None = None

    def start(self) -> None:
        from hom.services import sites

        assert self.store is not None
        with self.store.reader() as s:
            ready = sites.is_initialised(s)
        if ready:
            self.show_sign_in()
        else:
            self.show_first_run()

    def start_opening(self, data_dir: str | Path | None) -> None:
        """Show the sign-in dialog now and open the store behind it (``open_in_background``);
        an empty store then gets the first-run dialog instead."""
        self.show_sign_in()
        self.opening = (
            ops.Operation(None, lambda _p: open_in_background(data_dir))
            .success(self._opened)
            .failure(self._open_failed)
            .run()
        )

    def _opened(self, opened: Opened) -> None:
        self.opening = None
        self.store, self.settings = opened.store, opened.settings
        if opened.store.upgraded is not None:  # backed up, then migrated: say so
            text = opened.store.upgraded.describe()
            prompts.info(self.sign_in, APP_NAME, text[0].upper() + text[1:] + ".")
        if opened.initialised:
            if self.sign_in is not None:
                self.sign_in.set_store(opened.store, opened.settings)
        else:
            dialog, self.sign_in = self.sign_in, None
            if dialog is not None:
                dialog.rejected.disconnect()
                dialog.hide()
                dialog.deleteLater()
            self.show_first_run()
        self.backing_up = (
            ops.Operation(None, lambda _p: opened.store.backup_if_due())
            .failure(lambda exc: log.warning("the daily backup failed: %s", exc))
            .run()
        )

    def _open_failed(self, exc: BaseException) -> None:
        """A locked, damaged or newer store, or an unusable folder: say so and leave."""
        self.opening = None
        log.error("opening the store failed: %s", exc)
        where = f" at {self.settings.store_path}" if self.settings else ""
        prompts.error(
            self.sign_in,
            APP_NAME,
            f"The store{where} could not be opened:\n{prompts.describe(exc)}",
        )
        self.quit(1)

    def show_first_run(self) -> None:
        assert self.store is not None
        dialog = FirstRunDialog(self.store)
        dialog.initialised.connect(self._initialised)
        dialog.rejected.connect(lambda: self.quit(0))
        self.first_run = dialog
        dialog.show()

    def _initialised(self, username: str) -> None:
        self.first_run = None
        self.show_sign_in(username)

    def show_sign_in(self, username: str = "") -> None:
        dialog = SignInDialog(self.store, self.settings, username=username)
        dialog.signedIn.connect(self._signed_in)
        dialog.rejected.connect(lambda: self.quit(0))
        self.sign_in = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _signed_in(self, ctx: ActorContext, who: SignedIn) -> None:
        from hom_desktop.ui.main_window import MainWindow

        assert self.store is not None and self.settings is not None
        self.sign_in = None
        self.session = AppSession(store=self.store, settings=self.settings, ctx=ctx, who=who)
        window = MainWindow(self.session, self.qsettings)
        window.signOutRequested.connect(self._signed_out)
        window.quitRequested.connect(lambda: self.quit(0))
        self.window = window
        window.show()

    def _signed_out(self) -> None:
        if self.window is not None:
            self.window.deleteLater()
        self.window = None
        self.session = None
        self.show_sign_in()

    def quit(self, code: int) -> None:
        self.exit_code = code
        self._exit_app(code)


def _exit_event_loop(code: int) -> None:
    app = QApplication.instance()
    if app is not None:
        app.exit(code)


def run_gui(data_dir: str | Path | None = None) -> int:
    """Open the desktop application on the store in ``data_dir`` (else ``HOM_DATA_DIR`` or the
    platform's folder); the exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = ensure_app()
    app.setQuitOnLastWindowClosed(False)  # between sign-in and main window no window is up
    shell = Shell(None, None)
    shell.start_opening(data_dir)
    try:
        code = app.exec()
    finally:
        ops.wait_for_idle()
        if shell.store is not None:
            shell.store.close()
    return int(code if shell.exit_code is None else shell.exit_code)
