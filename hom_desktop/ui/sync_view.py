"""The sync view, the exceptions console: where this store stands with its server, and every
change that has not reached it yet, with the reason and age.

Rejected items (the server refused them, saying why) come first, then pending ones oldest first,
read page by page from SQL (``sync_console.list_exceptions``). "Sync now" asks the session's
``SyncWorker``; "Resend" queues the selected rejected items again after a person fixed what the
reason said, then syncs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from hom.core.errors import DomainError
from hom.services import sync_console
from hom.services.sync_console import ExceptionRow
from hom_desktop.ui import formats, prompts, sync_worker, theme
from hom_desktop.ui.base import AppSession, BaseView, button_for, hbox
from hom_desktop.ui.forms import label
from hom_desktop.ui.table_model import (
    ALIGN_RIGHT,
    ROW_ROLE,
    Column,
    PagedTableModel,
    RowStyle,
    make_table,
    offset_pager,
)

if TYPE_CHECKING:
    from hom.sync.state import SyncStatus
    from hom_desktop.sync.api import SyncReport

#: What each synced entity is called on screen.
ENTITY_NAMES = {
    "stock_ledger": "Stock entry",
    "batches": "Batch",
    "production_logs": "Production",
    "primary_orders": "Primary order",
    "secondary_orders": "Secondary order",
    "tertiary_orders": "Tertiary order",
    "goods_receipts": "Goods receipt",
    "products": "Product",
    "geo_nodes": "Geography",
    "parties": "Party",
    "sites": "Site",
    "stock_locations": "Stock location",
    "users": "User",
    "roles": "Role",
}


def age_text(age: timedelta) -> str:
    """``45 s``, ``12 min``, ``3 h 5 min``, ``2 d 4 h``: how long an item has waited."""
    seconds = max(0, int(age.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{formats.quantity(days)} d {hours} h" if hours else f"{formats.quantity(days)} d"


def _operation(r: ExceptionRow) -> str:
    op = r.item.operation
    return {"insert": "new", "update": "changed", "delete": "deleted"}.get(op, op)


EXCEPTION_COLUMNS = [
    Column(
        "Status",
        lambda r: "Rejected" if r.rejected else "Pending",
        width_chars=9,
        icon=lambda r: theme.icon("warning") if r.rejected else theme.icon("sync"),
    ),
    Column(
        "Entity",
        lambda r: f"{ENTITY_NAMES.get(r.item.entity, r.item.entity)} ({_operation(r)})",
        width_chars=20,
        raw=lambda r: r.item.entity,
    ),
    Column("Document", lambda r: r.document, width_chars=22, tooltip=lambda r: r.document),
    Column("Reason", lambda r: r.item.reason, stretch=True, tooltip=lambda r: r.item.reason),
    Column(
        "Tries",
        lambda r: formats.quantity(r.item.attempts),
        align=ALIGN_RIGHT,
        width_chars=4,
        raw=lambda r: r.item.attempts,
    ),
    Column(
        "Age",
        lambda r: age_text(r.item.age),
        align=ALIGN_RIGHT,
        width_chars=9,
        raw=lambda r: int(r.item.age.total_seconds()),
    ),
    Column(
        "Made",
        lambda r: formats.moment(r.item.created_at),
        width_chars=16,
        raw=lambda r: r.item.created_at,
    ),
    Column("No.", lambda r: r.item.seq, align=ALIGN_RIGHT, width_chars=6, raw=lambda r: r.item.seq),
]


class SyncView(BaseView):
    key = "sync"
    title = "Sync"
    icon_name = "sync"
    permissions = frozenset({sync_console.PERMISSION})
    watches = frozenset({"sync", *sync_worker.PULLED_DOMAINS})

    def __init__(
        self,
        app: AppSession,
        parent: QWidget | None = None,
        *,
        worker: sync_worker.SyncWorker | None = None,
    ) -> None:
        super().__init__(app, parent)
        self.worker = worker or sync_worker.for_session(app)
        self.sync_action = self.action(
            "&Sync now",
            self.sync_now,
            icon="sync",
            tip="Send and receive changes now (Ctrl+Shift+S anywhere)",
        )
        self.resend_action = self.action(
            "&Resend selected",
            self.resend_selected,
            icon="reverse",
            shortcut="Ctrl+R",
            tip="Send the selected rejected items again, after fixing what the reason says",
            enabled=False,
        )
        self.cancel_action = self.action(
            "&Cancel sync", self.worker.cancel, icon="none", tip="Stop the running sync"
        )
        self.sync_button = button_for(self.sync_action, primary=True)
        self.sync_button.setObjectName("sync-now")
        self.resend_button = button_for(self.resend_action)
        self.resend_button.setObjectName("sync-resend")
        self.cancel_button = button_for(self.cancel_action)
        self.cancel_button.setObjectName("sync-cancel")
        layout = self.page_layout("Sync", self.cancel_button, self.resend_button, self.sync_button)
        layout.addWidget(self._state_box())
        self.alone_hint = label(
            "This store is not enrolled with a server: it works alone, and the changes below "
            "stay here. A store syncs when it was made by enrolment (hom-desktop enrol URL "
            "CODE on an empty data folder).",
            "hint",
            wrap=True,
        )
        layout.addWidget(self.alone_hint)
        self.progress = QProgressBar()
        self.progress.setObjectName("sync-progress")
        self.progress.setAccessibleName("Sync progress")
        self.progress_label = label("", "hint")
        self.progress_row = QWidget()
        self.progress_row.setLayout(hbox(self.progress_label, self.progress))
        layout.addWidget(self.progress_row)
        layout.addWidget(self._notes_box())
        self.counts = label("", "subtitle")
        self.counts.setObjectName("sync-counts")
        layout.addWidget(self.counts)
        self.model = PagedTableModel(EXCEPTION_COLUMNS, row_style=_row_style, parent=self)
        self.table = make_table(
            self.model, object_name="sync-exceptions", name="Changes not yet on the server"
        )
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._selection_changed)
        self.model.loadFailed.connect(self.say)
        layout.addWidget(self.table, 1)
        self.empty_hint = label(
            "Nothing is waiting: every change made here has reached the server.", "hint"
        )
        layout.addWidget(self.empty_hint)
        layout.addWidget(
            label(
                "Rejected: the server refused the change and said why. Fix what the reason "
                "says (a product, a price, an order), then select the items and press Resend "
                "(Ctrl+R). Pending: made here and not yet sent; they go with the next sync.",
                "hint",
                wrap=True,
            )
        )
        self.worker.statusChanged.connect(self.show_status)
        self.worker.runningChanged.connect(self.show_running)
        self.worker.progressed.connect(self.show_progress)
        self.worker.message.connect(self.say)
        self.worker.finished.connect(self.show_report)
        self.model.set_fetch(offset_pager(self._read))
        self.show_status(self.worker.status)
        self.show_running(self.worker.running)
        self.show_report(self.worker.last_report)

    # --- layout -------------------------------------------------------------------------

    def _state_box(self) -> QGroupBox:
        box = QGroupBox("This installation")
        grid = QGridLayout(box)
        self.facts: dict[str, QLabel] = {}
        names = [
            ("enrolment", "Enrolment"),
            ("server", "Server"),
            ("connection", "Connection"),
            ("credential", "Credential"),
            ("last_success", "Last success"),
            ("last_attempt", "Last attempt"),
            ("last_error", "Last error"),
            ("check", "Sanity check"),
        ]
        for n, (key, text) in enumerate(names):
            value = QLabel()
            value.setObjectName(f"sync-{key.replace('_', '-')}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            caption = label(text + ":", "hint")
            caption.setBuddy(value)
            row, col = divmod(n, 2)
            grid.addWidget(caption, row, col * 2)
            grid.addWidget(value, row, col * 2 + 1)
            self.facts[key] = value
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return box

    def _notes_box(self) -> QGroupBox:
        """What the last sync brought that a person must look at: drafts made against master
        data the head office has since changed, and received changes that could not apply."""
        self.notes_box = QGroupBox("To review from the last sync")
        col = QVBoxLayout(self.notes_box)
        self.notes = QListWidget()
        self.notes.setObjectName("sync-notes")
        self.notes.setAccessibleName("To review from the last sync")
        self.notes.setWordWrap(True)
        col.addWidget(self.notes)
        self.notes_box.hide()
        return self.notes_box

    def show_report(self, report: SyncReport | None) -> None:
        """List the last run's notices and unapplied changes (kept until the next run)."""
        if report is None:
            return
        self.notes.clear()
        for text in report.notices:
            item = QListWidgetItem(theme.icon("edit"), text)
            item.setToolTip("A draft made before the head office changed this: check it")
            self.notes.addItem(item)
        for text in report.conflicts:
            item = QListWidgetItem(theme.icon("warning"), f"Not applied here: {text}")
            self.notes.addItem(item)
        shown = min(max(self.notes.count(), 1), 5)  # up to five lines, then it scrolls
        self.notes.setFixedHeight(shown * (self.notes.fontMetrics().height() + 10) + 8)
        self.notes_box.setVisible(self.notes.count() > 0)

    # --- reading --------------------------------------------------------------------------

    def _read(self, offset: int, limit: int, _sort: str | None, _desc: bool) -> list[Any]:
        ctx = self.app.ctx
        return self.app.read(
            lambda s: sync_console.list_exceptions(s, ctx=ctx, offset=offset, limit=limit)
        )

    def refresh(self) -> None:
        super().refresh()
        self.model.reload()
        self.worker.refresh_status()

    def show_status(self, status: SyncStatus | None) -> None:
        f = self.facts
        enrolled = status is not None and status.enrolled
        f["enrolment"].setText(
            "Enrolled: changes go to the server" if enrolled else sync_worker.NOT_ENROLLED
        )
        f["server"].setText((status.server_url if status else "") or "—")
        f["connection"].setText(sync_worker.connection_text(status, self.worker.running))
        backend = status.credential_backend if status else ""
        f["credential"].setText(
            {
                "keyring": "in the system keyring",
                "file": "in a file only this user may read (no secure keyring here)",
            }.get(backend, "—")
        )
        f["last_success"].setText(
            formats.moment(status.last_success_at) if status and status.last_success_at else "never"
        )
        f["last_attempt"].setText(
            formats.moment(status.last_attempt_at) if status and status.last_attempt_at else "never"
        )
        error = status.last_error if status else ""
        f["last_error"].setText(error or "none")
        f["last_error"].setProperty("role", "error" if error else "")
        f["check"].setText((status.check_summary if status else "") or "not run yet")
        f["check"].setProperty("role", "error" if status and status.check_ok is False else "")
        for lab in (f["last_error"], f["check"]):
            lab.style().unpolish(lab)
            lab.style().polish(lab)
        pending = status.pending if status else 0
        rejected = status.rejected if status else 0
        self.counts.setText(
            f"{formats.plural(rejected, 'item')} rejected, {formats.quantity(pending)} pending"
        )
        self.empty_hint.setVisible(pending + rejected == 0)
        self.sync_action.setEnabled(enrolled and not self.worker.running)
        self.alone_hint.setVisible(not enrolled)

    def show_running(self, running: bool) -> None:
        self.progress_row.setVisible(running)
        self.cancel_action.setEnabled(running)
        self.sync_action.setEnabled(self.worker.enrolled and not running)
        if running:
            self.progress.setRange(0, 0)
            self.progress_label.setText("Connecting to the server…")
        self.facts["connection"].setText(sync_worker.connection_text(self.worker.status, running))

    def show_progress(self, done: int, total: int, text: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        else:
            self.progress.setRange(0, 0)
        self.progress_label.setText(text)

    # --- acting ---------------------------------------------------------------------------

    def selected_rows(self) -> list[ExceptionRow]:
        return [i.data(ROW_ROLE) for i in self.table.selectionModel().selectedRows()]

    def _selection_changed(self, *_args: Any) -> None:
        self.resend_action.setEnabled(any(r.rejected for r in self.selected_rows()))

    def sync_now(self) -> None:
        self.worker.sync_now()

    def resend_selected(self) -> list[Any] | None:
        """Queue the selected rejected items again (one transaction), then sync."""
        rows = self.selected_rows()
        keys = [r.key for r in rows if r.rejected]
        if not keys:
            self.say("Select the rejected items to send again first.")
            return None
        ctx = self.app.ctx
        try:
            made = self.app.run_action(lambda s: sync_console.resend(s, ctx=ctx, keys=keys))
        except DomainError as exc:
            prompts.error(self, "Could not resend", prompts.describe(exc))
            return None
        skipped = len(rows) - len(keys)
        self.say(
            f"Queued {formats.plural(len(made), 'item')} again"
            + (f" ({skipped} pending left as they are)" if skipped else "")
            + (": they go with the sync starting now." if self.worker.enrolled else ".")
        )
        self.app.notify("sync")
        if self.worker.enrolled:
            self.worker.sync_now()
        return made

    def focus_first(self) -> None:
        self.table.setFocus()


REJECTED_STYLE = RowStyle(background=QColor("#fbe3e1"))
"""Rejected rows read like the refused rows of a CSV import."""


def _row_style(r: ExceptionRow) -> RowStyle | None:
    return REJECTED_STYLE if r.rejected else None
