"""The main window: a sidebar of the views the user may use, menus with shortcuts, a status bar.

Setup is a list of small ``setup_*`` calls. Views are made the first time they are opened, so
signing in costs one view's queries, not all of them. Geometry and the last view are remembered
per user in QSettings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QStackedWidget,
    QWidget,
)

from hom.core.names import APP_NAME
from hom_desktop.ui import formats, prompts, sync_worker, theme
from hom_desktop.ui.about import show_about
from hom_desktop.ui.base import AppSession, BaseView

if TYPE_CHECKING:
    from hom.sync.state import SyncStatus


def view_classes() -> list[type[BaseView]]:
    """Every screen, in sidebar order (imported here so a view's module loads only with Qt)."""
    from hom_desktop.ui.dashboards import DashboardView
    from hom_desktop.ui.geography import GeographyView
    from hom_desktop.ui.inventory import InventoryView
    from hom_desktop.ui.orders import OrdersView
    from hom_desktop.ui.parties import PartiesView
    from hom_desktop.ui.production import ProductionView
    from hom_desktop.ui.products import ProductsView
    from hom_desktop.ui.sync_view import SyncView
    from hom_desktop.ui.tools import ToolsView
    from hom_desktop.ui.users import UsersView

    return [
        DashboardView,
        OrdersView,
        InventoryView,
        ProductionView,
        ProductsView,
        PartiesView,
        GeographyView,
        UsersView,
        ToolsView,
        SyncView,
    ]


class StatusBar:
    """User, site, connection, changes waiting to sync, rejected ones, the last sync and the last
    error, and the progress of a running sync: kept current by the sync worker's signals."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        app = window.app
        bar = window.statusBar()
        self.user = QLabel(
            f"{app.who.username}" + (f" ({app.who.full_name})" if app.who.full_name else "")
        )
        self.user.setObjectName("status-user")
        site = (
            f"{app.who.site_code} · {app.who.site_name}" if app.who.site_code else app.who.site_name
        )
        self.site = QLabel(site)
        self.site.setObjectName("status-site")
        self.connection_icon = QLabel()
        self.connection = QLabel()
        self.connection.setObjectName("status-connection")
        self.progress = QProgressBar()
        self.progress.setObjectName("status-sync-progress")
        self.progress.setAccessibleName("Sync progress")
        self.progress.setMaximumWidth(self.progress.fontMetrics().averageCharWidth() * 16)
        self.progress.setMaximumHeight(self.progress.fontMetrics().height() + 4)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.pending = QLabel()
        self.pending.setObjectName("status-pending")
        self.rejected = QLabel()
        self.rejected.setObjectName("status-rejected")
        self.rejected.setProperty("role", "error")
        self.rejected.setToolTip("Changes the server refused: see the Sync view for the reasons")
        self.rejected.hide()
        self.last_sync = QLabel("Last sync: never")
        self.last_sync.setObjectName("status-last-sync")
        self.error = QLabel()
        self.error.setObjectName("status-sync-error")
        self.error.setProperty("role", "error")
        self.error.setMaximumWidth(self.error.fontMetrics().averageCharWidth() * 40)
        self.error.hide()
        self.message = QLabel()
        self.message.setObjectName("status-message")
        bar.addWidget(self.message, 1)
        for widget in (
            self.user,
            self.site,
            self.connection_icon,
            self.connection,
            self.progress,
            self.pending,
            self.rejected,
            self.last_sync,
            self.error,
        ):
            bar.addPermanentWidget(widget)
        self.timer = QTimer(window)
        self.timer.setInterval(15_000)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        sync = window.sync
        sync.statusChanged.connect(self.show_status)
        sync.runningChanged.connect(self.show_running)
        sync.progressed.connect(self.show_progress)
        sync.message.connect(self.show_message)
        app.changed.connect(lambda _d: self.refresh())
        app.waiting.connect(self.show_waiting)
        self.show_status(sync.status)
        self.show_running(sync.running)

    def show_waiting(self, text: str) -> None:
        """Why a save is waiting for the store (empty: it no longer is)."""
        self.message.setText(text)
        self.message.repaint()

    def show_message(self, text: str) -> None:
        """News of the sync; the whole sentence in the tooltip when the bar is too narrow."""
        self.message.setText(text)
        self.message.setToolTip(text)

    def set_online(self, online: bool | None, text: str = "") -> None:
        status = self.window.sync.status
        server = status.server_url if status is not None else ""
        self.connection_icon.setPixmap(
            theme.icon("online" if online else "offline").pixmap(QSize(12, 12))
        )
        self.connection.setText(text or ("Online" if online else "Offline"))
        self.connection.setToolTip(
            f"Sync server: {server}"
            if server
            else "Not enrolled with a sync server: this store works alone"
        )

    def show_status(self, status: SyncStatus | None) -> None:
        running = self.window.sync.running
        self.set_online(
            bool(status and status.online), sync_worker.connection_text(status, running)
        )
        pending = status.pending if status is not None else 0
        self.pending.setText(f"{formats.quantity(pending)} waiting to sync")
        self.pending.setToolTip("Changes made here that the sync has not sent yet")
        demo = status is not None and status.demo
        self.pending.setVisible(not demo)
        rejected = status.rejected if status is not None else 0
        self.rejected.setText(f"{formats.quantity(rejected)} rejected")
        self.rejected.setVisible(rejected > 0)
        self.last_sync.setText(sync_worker.last_sync_text(status))
        self.last_sync.setVisible(not demo)
        if status is not None and status.last_attempt_at is not None:
            self.last_sync.setToolTip(f"Last attempt: {formats.moment(status.last_attempt_at)}")
        error = status.last_error if status is not None else ""
        self.error.setText(f"Sync error: {error}" if error else "")
        self.error.setToolTip(error)
        self.error.setVisible(bool(error))

    def show_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        if running:
            self.progress.setRange(0, 0)
        status = self.window.sync.status
        self.connection.setText(sync_worker.connection_text(status, running))

    def show_progress(self, done: int, total: int, label: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        else:
            self.progress.setRange(0, 0)  # a busy bar: the pull knows no total ahead
        self.progress.setToolTip(label)
        self.message.setText(label)

    def refresh(self) -> None:
        self.window.sync.refresh_status()


class MainWindow(QMainWindow):
    signOutRequested = Signal()
    quitRequested = Signal()

    def __init__(
        self,
        app: AppSession,
        settings: QSettings,
        *,
        views: Sequence[type[BaseView]] | None = None,
    ) -> None:
        super().__init__()
        self.app = app
        self.qsettings = settings
        self.signing_out = False
        self.view_types = [v for v in (views or view_classes()) if v.allowed(app.ctx)]
        self.views: dict[str, BaseView] = {}
        self.setup_window()
        self.setup_navigation()
        self.sync = sync_worker.for_session(app)
        self.setup_menus()
        self.status = StatusBar(self)
        self.restore_state()

    # --- setup -----------------------------------------------------------------------

    def setup_window(self) -> None:
        who = self.app.who
        where = who.site_code or who.installation_name
        self.setWindowTitle(f"{APP_NAME} — {where}")
        self.setWindowIcon(theme.icon("app"))
        self.setMinimumSize(QSize(760, 480))

    def setup_navigation(self) -> None:
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setAccessibleName("Screens")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        width = max(self.nav.fontMetrics().horizontalAdvance(v.title) for v in self.view_types)
        self.nav.setFixedWidth(width + 80)
        row_height = self.nav.fontMetrics().height() + 16
        for cls in self.view_types:
            item = QListWidgetItem(theme.icon(cls.icon_name), cls.title)
            item.setData(Qt.ItemDataRole.UserRole, cls.key)
            item.setSizeHint(QSize(width + 60, row_height))
            self.nav.addItem(item)
        self.stack = QStackedWidget()
        self.stack.setContentsMargins(10, 10, 10, 10)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.nav.currentRowChanged.connect(self._nav_changed)

    def setup_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.sign_out_action = QAction(theme.icon("signout"), "Sign &out", self)
        self.sign_out_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.sign_out_action.triggered.connect(self.sign_out)
        file_menu.addAction(self.sign_out_action)
        self.sync_now_action = QAction(theme.icon("sync"), "S&ync now", self)
        self.sync_now_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.sync_now_action.setToolTip("Send and receive changes now (Ctrl+Shift+S)")
        self.sync_now_action.setEnabled(self.app.can("sync.run"))
        self.sync_now_action.triggered.connect(self.sync.sync_now)
        file_menu.addAction(self.sync_now_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        if quit_action.shortcut().isEmpty():
            quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        go_menu = bar.addMenu("&Go")
        self.go_actions: dict[str, QAction] = {}
        for n, cls in enumerate(self.view_types, start=1):
            act = QAction(theme.icon(cls.icon_name), cls.title, self)
            if n <= 9:
                act.setShortcut(QKeySequence(f"Ctrl+{n}"))
            act.triggered.connect(lambda _c=False, key=cls.key: self.show_view(key))
            go_menu.addAction(act)
            self.go_actions[cls.key] = act
        go_menu.addSeparator()
        refresh = QAction(theme.icon("refresh"), "&Refresh", self)
        refresh.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        if refresh.shortcut().isEmpty():
            refresh.setShortcut(QKeySequence("F5"))
        refresh.triggered.connect(self.refresh_current)
        go_menu.addAction(refresh)
        focus_nav = QAction("Focus the &sidebar", self)
        focus_nav.setShortcut(QKeySequence("Ctrl+0"))
        focus_nav.triggered.connect(self.nav.setFocus)
        go_menu.addAction(focus_nav)

        self.actions_menu = bar.addMenu("&Actions")

        help_menu = bar.addMenu("&Help")
        keys = QAction(theme.icon("help"), "&Keyboard shortcuts", self)
        keys.setShortcut(QKeySequence("F1"))
        keys.triggered.connect(self.show_shortcuts)
        help_menu.addAction(keys)
        about = QAction(f"&About {APP_NAME}", self)
        about.triggered.connect(lambda: show_about(self, self.app.settings))
        help_menu.addAction(about)

    # --- views -----------------------------------------------------------------------

    def _settings_key(self, name: str) -> str:
        return f"main/{self.app.who.username}/{name}"

    def restore_state(self) -> None:
        geometry = self.qsettings.value("main/geometry")
        if isinstance(geometry, QByteArray | bytes) and geometry:
            self.restoreGeometry(QByteArray(geometry))
        else:
            self.resize(1180, 720)
        last = self.qsettings.value(self._settings_key("last_view"), "")
        keys = [v.key for v in self.view_types]
        self.show_view(last if last in keys else (keys[0] if keys else ""))

    def save_state(self) -> None:
        self.qsettings.setValue("main/geometry", self.saveGeometry())
        if self.current_key:
            self.qsettings.setValue(self._settings_key("last_view"), self.current_key)
        self.qsettings.sync()

    @property
    def current_key(self) -> str:
        item = self.nav.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else ""

    @property
    def current_view(self) -> BaseView | None:
        return self.views.get(self.current_key)

    def view(self, key: str) -> BaseView:
        """The view ``key``, made on first use."""
        if key not in self.views:
            cls = next(v for v in self.view_types if v.key == key)
            view = cls(self.app)
            self.views[key] = view
            self.stack.addWidget(view)
        return self.views[key]

    def show_view(self, key: str) -> BaseView | None:
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                if self.nav.currentRow() == row:
                    self._nav_changed(row)
                else:
                    self.nav.setCurrentRow(row)
                return self.views.get(key)
        return None

    def _nav_changed(self, row: int) -> None:
        if row < 0:
            return
        key = self.nav.item(row).data(Qt.ItemDataRole.UserRole)
        view = self.view(key)
        self.stack.setCurrentWidget(view)
        self.actions_menu.clear()
        self.actions_menu.addActions(view.view_actions())
        self.actions_menu.setEnabled(bool(view.view_actions()))
        view.activated()

    def refresh_current(self) -> None:
        if self.current_view is not None:
            self.current_view.refresh()
        self.status.refresh()

    def show_shortcuts(self) -> None:
        lines = [f"Ctrl+{n}\t{cls.title}" for n, cls in enumerate(self.view_types, 1)]
        lines += [
            "F5\tRefresh",
            "Ctrl+0\tSidebar",
            "Ctrl+Shift+S\tSync now",
            "Ctrl+Shift+L\tSign out",
            "Ctrl+Q\tQuit",
            "",
        ]
        view = self.current_view
        if view is not None:
            for act in view.view_actions():
                keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                if keys:
                    lines.append(f"{keys}\t{act.text().replace('&', '')}")
        prompts.info(self, "Keyboard shortcuts", "\n".join(lines))

    # --- leaving ---------------------------------------------------------------------

    def sign_out(self) -> None:
        self.signing_out = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        unsaved = [text for v in self.views.values() if (text := v.unsaved_changes())]
        if unsaved and not prompts.confirm(
            self,
            "Discard what you typed?",
            "Not saved yet: " + "; ".join(unsaved) + ".\n\nClose and discard it?",
        ):
            event.ignore()
            self.signing_out = False
            return
        self.save_state()
        self.status.timer.stop()
        self.sync.stop()
        event.accept()
        if self.signing_out:
            self.signOutRequested.emit()
        else:
            self.quitRequested.emit()
