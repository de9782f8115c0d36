"""What every screen shares: the signed-in session, the base view, small widget helpers.

Views are clients of the services and nothing else: they read through ``store.reader()``, write
through ``run_action`` (one transaction per user action) and announce what they changed with
``app.notify("stock")``. Each view decides for itself what to redraw when it hears of a change:
it marks itself stale, and reloads when it is next on screen (after Anki's operations).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import shiboken6
from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hom_desktop.ui import theme

if TYPE_CHECKING:  # the sign-in dialog paints before SQLAlchemy and the domain load
    from sqlalchemy.orm import Session

    from hom.core.config import Settings
    from hom.core.store import Store
    from hom.services.context import ActorContext

T = TypeVar("T")
D = TypeVar("D", bound=QDialog)


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in, as plain data read once at sign-in."""

    user_id: uuid.UUID
    username: str
    full_name: str
    site_id: uuid.UUID | None
    site_code: str
    site_name: str
    installation_name: str
    currency: str


def busy_reason() -> str:
    """Who holds the write lock, as far as this window knows: its own background job (named by
    its progress text), else another program."""
    from hom_desktop.ui import ops, sync_worker

    label = ops.running_label()
    if label:
        return f"a background job is writing ({label.rstrip('…. ')})"
    if sync_worker.busy():
        return "the sync is writing what it received (it lets go between pages)"
    return "another window or program is writing to it"


class AppSession(QObject):
    """The signed-in user's store, context and change notifications, shared by every view."""

    changed = Signal(str)
    """A domain name ("stock", "products", "users", …) after a write to it."""
    waiting = Signal(str)
    """Why a user action is waiting for the store's write lock (empty when it stops waiting)."""

    WAIT_STEP_MS = 100
    """A user action asks for the write lock this long at a time, painting between tries."""

    def __init__(
        self, *, store: Store, settings: Settings, ctx: ActorContext, who: SignedIn
    ) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.ctx = ctx
        self.who = who
        self.sync_worker: QObject | None = None
        """The session's background sync (``sync_worker.for_session``), made on first use."""

    def can(self, permission: str) -> bool:
        return self.ctx.can(permission)

    def notify(self, *domains: str) -> None:
        for domain in domains:
            self.changed.emit(domain)

    def run_action(self, action: Callable[[Session], T]) -> T:
        """One user action: one transaction, committed when ``action`` returns, rolled back
        entirely when it raises (the caller shows the DomainError and keeps what was typed).

        When another job holds the write lock, the action waits in short steps, the window
        repainting between them and ``waiting`` saying why (the status bar shows it), up to the
        settings' busy timeout; then ``StoreBusy`` says the store is busy. Retrying is safe: the
        lock is taken at BEGIN, before the action has run.
        """
        from hom.core.database import is_locked
        from hom.core.errors import StoreBusy

        deadline = time.monotonic() + self.settings.busy_timeout_ms / 1000
        told = False
        try:
            while True:
                try:
                    with self.store.transaction(wait_ms=self.WAIT_STEP_MS) as session:
                        return action(session)
                except Exception as exc:
                    if not is_locked(exc):
                        raise
                    if time.monotonic() >= deadline:
                        raise StoreBusy(
                            f"the store is busy: {busy_reason()}; nothing was saved, "
                            "try again in a moment"
                        ) from None
                    if not told:
                        told = True
                        self.waiting.emit(f"Waiting to save: {busy_reason()}…")
                        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
                    QApplication.processEvents(
                        QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents, 50
                    )
        finally:
            if told:
                QApplication.restoreOverrideCursor()
                self.waiting.emit("")

    def read(self, query: Callable[[Session], T]) -> T:
        with self.store.reader() as session:
            return query(session)


class BaseView(QWidget):
    """A screen of the main window."""

    key = ""
    title = ""
    icon_name = ""
    permissions: frozenset[str] = frozenset()
    """The view is shown to users holding any of these."""
    watches: frozenset[str] = frozenset()
    """Domains whose changes make this view's data stale."""
    banner: QLabel
    """The information line under the title, made by ``page_layout``."""

    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.stale = False
        self.dialog: QDialog | None = None
        """The dialog this view opened last (``open_dialog``), where tests and scripts find it."""
        self._actions: list[QAction] = []
        app.changed.connect(self._heard_change)

    @classmethod
    def allowed(cls, ctx: ActorContext) -> bool:
        return any(ctx.can(p) for p in cls.permissions)

    def _heard_change(self, domain: str) -> None:
        if domain in self.watches:
            self.stale = True
            if self.isVisible():
                self.refresh()

    def refresh(self) -> None:
        """Reload what is shown from the store."""
        self.stale = False

    def activated(self) -> None:
        """Called when the view comes on screen."""
        if self.stale:
            self.refresh()
        self.focus_first()

    def focus_first(self) -> None:
        """Put the keyboard where the user starts typing on this screen."""

    def unsaved_changes(self) -> str:
        """What typed input this screen would lose if the window closed now ("" for none)."""
        return ""

    def page_layout(self, title: str, *extras: QWidget) -> QVBoxLayout:
        """The view's column, begun the same way on every screen so they line up when the user
        switches: the title with ``extras`` (buttons, a hint) at the right of its row, then the
        information banner (``self.banner``, hidden until ``say``). Edge to edge: the main
        window supplies the margins."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(hbox(title_label(title), None, *extras))
        self.banner = info_banner()
        layout.addWidget(self.banner)
        return layout

    def say(self, text: str) -> None:
        """Tell the user what their action did, in the banner (it stays until the next news)."""
        self._banner(text, "banner-info")

    def refuse(self, text: str) -> None:
        """Tell the user why their action was refused, in the banner, as an error."""
        self._banner(text, "banner-error")

    def _banner(self, text: str, role: str) -> None:
        if self.banner.property("role") != role:
            self.banner.setProperty("role", role)
            style = self.banner.style()  # re-apply the stylesheet for the new role
            style.unpolish(self.banner)
            style.polish(self.banner)
        self.banner.setText(text)
        self.banner.show()

    def open_dialog(self, dialog: D) -> D:
        """Show ``dialog`` window-modal with ``open()`` rather than ``exec()``, so the event loop
        (background operations, tests) keeps running, and keep it as ``self.dialog`` while it
        lives. Once closed it is deleted: a dialog is made anew for every use, and one kept
        per use would pile up for the whole session. What it reports leaves through its
        signals before it closes (its background work skips the callbacks of a deleted
        parent)."""
        self.dialog = dialog
        dialog.finished.connect(dialog.deleteLater)
        dialog.destroyed.connect(self._dialog_gone)
        dialog.open()
        return dialog

    def _dialog_gone(self, gone: QObject | None = None) -> None:
        """Forget ``self.dialog`` once Qt has deleted it (it would be a dead wrapper)."""
        if self.dialog is not None and not shiboken6.isValid(self.dialog):
            self.dialog = None

    def view_actions(self) -> list[QAction]:
        """The actions shown in the main window's Actions menu while this view is current."""
        return list(self._actions)

    def action(
        self,
        text: str,
        slot: Callable[[], Any],
        *,
        icon: str = "",
        shortcut: str | QKeySequence.StandardKey | None = None,
        tip: str = "",
        enabled: bool = True,
    ) -> QAction:
        act = QAction(theme.icon(icon) if icon else theme.icon("none"), text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        if tip or shortcut is not None:
            keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            act.setToolTip(f"{tip or text} ({keys})" if keys else tip or text)
        act.setEnabled(enabled)
        act.triggered.connect(lambda _checked=False: slot())
        self.addAction(act)
        self._actions.append(act)
        return act


def button_for(action: QAction, *, primary: bool = False) -> QPushButton:
    """A push button that triggers ``action`` and follows its enabled state and text."""
    btn = QPushButton(action.icon(), action.text())
    btn.setToolTip(action.toolTip())
    btn.setEnabled(action.isEnabled())
    btn.clicked.connect(action.trigger)
    action.changed.connect(lambda: (btn.setEnabled(action.isEnabled()), btn.setText(action.text())))
    if primary:
        btn.setProperty("primary", True)
    return btn


def hbox(*items: QWidget | int | None, margins: bool = False) -> QHBoxLayout:
    """A row of widgets; an int adds that much stretch, None adds stretch 1."""
    row = QHBoxLayout()
    if not margins:
        row.setContentsMargins(0, 0, 0, 0)
    for item in items:
        if item is None:
            row.addStretch(1)
        elif isinstance(item, int):
            row.addStretch(item)
        else:
            row.addWidget(item)
    return row


def search_field(object_name: str, placeholder: str, *, width_chars: int) -> QLineEdit:
    """A list screen's search box: clearable, saying what it matches, and wide enough for
    ``width_chars`` average characters so that the hint is not cut off."""
    edit = QLineEdit()
    edit.setObjectName(object_name)
    edit.setPlaceholderText(placeholder)
    edit.setAccessibleName(placeholder.rstrip("…."))
    edit.setClearButtonEnabled(True)
    edit.setMinimumWidth(edit.fontMetrics().averageCharWidth() * width_chars)
    return edit


def title_label(text: str) -> QLabel:
    lab = QLabel(text)
    lab.setProperty("role", "title")
    return lab


def dialog_header(title: str, hint: str | QLabel, *, icon_size: int = 40) -> QHBoxLayout:
    """The application's logo beside a title and a hint: the head of the sign-in and About
    dialogs. A hint given as a label is placed as it is (the caller changes its text later)."""
    head = QHBoxLayout()
    logo = QLabel()
    logo.setPixmap(theme.icon("app").pixmap(icon_size, icon_size))
    head.addWidget(logo)
    titles = QVBoxLayout()
    titles.addWidget(title_label(title))
    hint_label = hint if isinstance(hint, QLabel) else QLabel(hint)
    hint_label.setProperty("role", "hint")
    titles.addWidget(hint_label)
    titles.addStretch(1)
    head.addLayout(titles, 1)
    return head


def info_banner() -> QLabel:
    lab = QLabel()
    lab.setProperty("role", "banner-info")
    lab.setWordWrap(True)
    lab.hide()
    return lab
