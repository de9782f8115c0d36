"""Starting the desktop application: the Qt application object, the store, and the shell that
leads from first run to sign-in to the main window (and back, on sign-out).

``run_gui(settings)`` is what ``hom-desktop`` with no arguments calls.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from hom.core.config import APP_NAME, Settings
from hom.core.store import Store, open_store
from hom.services import sites
from hom.services.context import ActorContext
from hom_desktop.ui import fonts, ops, prompts, theme
from hom_desktop.ui.base import AppSession, SignedIn
from hom_desktop.ui.main_window import MainWindow
from hom_desktop.ui.signin import FirstRunDialog, SignInDialog

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


class Shell(QObject):
    """First run, sign-in, main window, sign-out: which window is up, and nothing else."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
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

    def start(self) -> None:
        with self.store.reader() as s:
            ready = sites.is_initialised(s)
        if ready:
            self.show_sign_in()
        else:
            self.show_first_run()

    def show_first_run(self) -> None:
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


def run_gui(settings: Settings) -> int:
    """Open the desktop application on the store in ``settings.data_dir``; the exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = ensure_app()
    app.setQuitOnLastWindowClosed(False)  # between sign-in and main window no window is up
    try:
        store = open_store(settings)
    except Exception as exc:  # a locked, damaged or newer store: say so instead of crashing
        log.exception("opening the store failed")
        prompts.error(
            None,
            APP_NAME,
            f"The store at {settings.store_path} could not be opened:\n{prompts.describe(exc)}",
        )
        return 1
    if store.upgraded is not None:  # backed up, then migrated: say so
        text = store.upgraded.describe()
        prompts.info(None, APP_NAME, text[0].upper() + text[1:] + ".")
    shell = Shell(store, settings)
    shell.start()
    try:
        code = app.exec()
    finally:
        ops.wait_for_idle()
        store.close()
    return int(code if shell.exit_code is None else shell.exit_code)
