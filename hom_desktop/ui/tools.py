"""Everyday tools that were on the command line only: batch trace (recall), backup and restore,
and the export of a location's ledger; and the supplier details this site's invoices show.

Each runs its work in the background (``ops.Operation``) and goes through the same services as
the command line: ``trace.trace_batch``, ``maintenance.backup_now`` / ``restore`` and the
ledger's keyset pages.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hom.core.config import Settings
from hom.core.store import open_store
from hom.services import maintenance, reports, trace
from hom.services.reports import LedgerFilter, LedgerRow
from hom.services.trace import BatchTrace
from hom_desktop.ui import formats, prompts, sync_worker, table_export, theme
from hom_desktop.ui.base import AppSession, BaseView
from hom_desktop.ui.forms import LocationCombo, label
from hom_desktop.ui.inventory import LEDGER_COLUMNS, OptionalDate, local_day_start
from hom_desktop.ui.ops import Operation, Progress
from hom_desktop.ui.site_details import SupplierBox
from hom_desktop.ui.table_model import (
    ALIGN_RIGHT,
    Column,
    Page,
    PagedTableModel,
    keyset_pager,
    make_table,
)

TRACE_COLUMNS = [
    Column("Level", lambda o: o.level.value.title(), width_chars=9),
    Column("Order", lambda o: o.number, width_chars=20),
    Column("Date", lambda o: formats.day(o.order_date), width_chars=10, raw=lambda o: o.order_date),
    Column("Status", lambda o: o.status.value, width_chars=10),
    Column(
        "Party",
        lambda o: (
            f"{o.counterparty_code} — {o.counterparty_name}"
            + (f" ({o.consumer_name})" if o.consumer_name else "")
        ),
        stretch=True,
    ),
    Column(
        "Qty",
        lambda o: formats.quantity(o.quantity),
        align=ALIGN_RIGHT,
        width_chars=7,
        raw=lambda o: o.quantity,
    ),
]


def _labelled(text: str, widget: QWidget) -> tuple[Any, QWidget]:
    lab = label(text)
    lab.setBuddy(widget)
    widget.setAccessibleName(text.replace("&", ""))
    return lab, widget


class ToolsView(BaseView):
    key = "tools"
    title = "Tools"
    icon_name = "tools"
    permissions = frozenset({"stock.view", "store.backup"})
    watches = frozenset({"stock"})

    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.trace_result: BatchTrace | None = None
        self.operation: Operation[Any] | None = None
        layout = self.page_layout("Tools")
        grid = QGridLayout()
        grid.addWidget(self._trace_box(), 0, 0, 3, 1)
        grid.addWidget(self._backup_box(), 0, 1)
        grid.addWidget(self._ledger_box(), 1, 1)
        self.supplier_box = SupplierBox(app)
        grid.addWidget(self.supplier_box, 2, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        layout.addLayout(grid, 1)
        self.refresh_backups()

    # --- batch trace (recall) -----------------------------------------------------------

    def _trace_box(self) -> QGroupBox:
        box = QGroupBox("Batch trace (recall)")
        col = QVBoxLayout(box)
        self.batch_code = QLineEdit()
        self.batch_code.setObjectName("trace-batch")
        self.batch_code.setPlaceholderText("batch code as printed, e.g. F1-260830-A")
        self.trace_sku = QLineEdit()
        self.trace_sku.setObjectName("trace-sku")
        self.trace_sku.setPlaceholderText("only if several products share the code")
        self.trace_button = QPushButton(theme.icon("search"), "Trace")
        self.trace_button.setAccessibleName("Trace the batch")
        self.trace_button.clicked.connect(self.run_trace)
        self.batch_code.returnPressed.connect(self.run_trace)
        self.trace_sku.returnPressed.connect(self.run_trace)
        row = QHBoxLayout()
        for part in (
            *_labelled("&Batch", self.batch_code),
            *_labelled("S&KU", self.trace_sku),
        ):
            row.addWidget(part)
        row.addWidget(self.trace_button)
        col.addLayout(row)
        self.trace_summary = label("Type a batch code and press Enter.", "hint", wrap=True)
        col.addWidget(self.trace_summary)
        self.trace_model = PagedTableModel(TRACE_COLUMNS)
        self.trace_table = make_table(
            self.trace_model, object_name="trace-table", name="Orders with the batch"
        )
        col.addWidget(self.trace_table, 1)
        return box

    def run_trace(self) -> Operation[BatchTrace] | None:
        code, sku = self.batch_code.text().strip(), self.trace_sku.text().strip() or None
        if not code:
            self.trace_summary.setText("Type the batch code first.")
            return None
        store = self.app.store

        def work(_p: Progress) -> BatchTrace:
            with store.reader() as s:
                return trace.trace_batch(s, batch_code=code, sku=sku)

        self.operation = (
            Operation(self, work)
            .success(self.show_trace)
            .failure(lambda exc: self.trace_summary.setText(prompts.describe(exc)))
            .run()
        )
        return self.operation

    def show_trace(self, result: BatchTrace) -> None:
        self.trace_result = result
        b = result.batch
        held = ", ".join(
            f"{loc.code} {formats.quantity(loc.on_hand)}" for loc in result.locations if loc.on_hand
        )
        self.trace_summary.setText(
            f"{b.code} of {b.sku} {b.product_name}: made at {b.factory_code or '?'} on "
            f"{formats.day(b.manufactured_on) or '?'}, expires "
            f"{formats.day(b.expires_on) or 'never'}. Produced {formats.quantity(result.produced)}"
            f"; still in stock {formats.quantity(result.on_hand)}"
            + (f" ({held})" if held else "")
            + f"; in {formats.plural(len(result.orders), 'order')}."
        )
        rows = list(result.orders)
        self.trace_model.set_fetch(lambda _req: Page(rows))

    # --- backup and restore -------------------------------------------------------------

    def _backup_box(self) -> QGroupBox:
        box = QGroupBox("Backup and restore")
        col = QVBoxLayout(box)
        allowed = self.app.can("store.backup")
        self.backup_button = QPushButton(theme.icon("save"), "Back up now")
        self.backup_button.clicked.connect(self.backup_now)
        self.backups = QListWidget()
        self.backups.setObjectName("backups")
        self.backups.setAccessibleName("Backups, newest first")
        self.restore_button = QPushButton(theme.icon("reverse"), "Restore the selected backup…")
        self.restore_button.clicked.connect(lambda: self.restore_selected())
        self.restore_file_button = QPushButton(theme.icon("folder"), "Restore from a file…")
        self.restore_file_button.clicked.connect(lambda: self.restore_from_file())
        for w in (self.backup_button, self.restore_button, self.restore_file_button):
            w.setEnabled(allowed)
        col.addWidget(
            label(
                "A backup is a consistent copy of this store, taken while it is open. A restore "
                "replaces the whole store (the replaced one is kept as a backup) and signs you "
                "out.",
                "hint",
                wrap=True,
            )
        )
        col.addWidget(self.backup_button)
        col.addWidget(self.backups, 1)
        row = QHBoxLayout()
        row.addWidget(self.restore_button)
        row.addWidget(self.restore_file_button)
        col.addLayout(row)
        if not allowed:
            col.addWidget(label("Backups need the permission 'store.backup'.", "hint"))
        return box

    def refresh_backups(self) -> None:
        self.backups.clear()
        for path in maintenance.list_backups(self.app.settings):
            item = QListWidgetItem(path.name)
            item.setData(256, str(path))
            self.backups.addItem(item)

    def backup_now(self) -> Operation[Path]:
        store, ctx = self.app.store, self.app.ctx

        def done(path: Path) -> None:
            self.refresh_backups()
            self.say(f"Backed up to {path}.")

        self.operation = (
            Operation(self, lambda _p: maintenance.backup_now(store, ctx=ctx))
            .with_progress("Backing up the store…", title="Backup")
            .success(done)
            .run()
        )
        return self.operation

    def restore_selected(self) -> Operation[Path] | None:
        item = self.backups.currentItem()
        if item is None:
            self.say("Choose a backup in the list first.")
            return None
        return self.restore(Path(item.data(256)))

    def restore_from_file(self) -> Operation[Path] | None:
        path = prompts.open_file(self, "Restore from a backup", "Store backups (*.sqlite3)")
        return self.restore(Path(path)) if path else None

    def restore(self, source: Path) -> Operation[Path] | None:
        """Replace the store with ``source`` (after asking), then sign out: what is on screen
        belongs to the replaced store."""
        if not prompts.confirm(
            self,
            "Restore the store?",
            f"Replace the whole store with {source.name}? Everything entered since that backup "
            "is replaced (the current store is kept as a backup first), and you are signed out.",
        ):
            return None
        store, settings, ctx = self.app.store, self.app.settings, self.app.ctx
        sync_worker.stop_session(self.app)  # no sync writes into the file being replaced

        def work(_p: Progress) -> Path:
            sync_worker.wait_for_idle()  # a running sync stops between batches first
            store.close()  # every connection returned; the engine reopens on the restored file
            safety = maintenance.restore(settings, ctx=ctx, source=source)
            _migrated(settings)
            return safety

        def done(safety: Path) -> None:
            kept = f" The replaced store was kept as {safety.name}." if safety.name else ""
            prompts.info(self, "Restore", f"The store was restored from {source.name}.{kept}")
            window = self.window()
            if hasattr(window, "sign_out"):
                window.sign_out()

        self.operation = (
            Operation(self, work)
            .with_progress(f"Restoring from {source.name}…", title="Restore")
            .success(done)
            .run()
        )
        return self.operation

    # --- ledger export ------------------------------------------------------------------

    def _ledger_box(self) -> QGroupBox:
        box = QGroupBox("Ledger export")
        col = QVBoxLayout(box)
        self.export_location = LocationCombo(self.app.store, prefer_site_id=self.app.ctx.site_id)
        self.export_location.setObjectName("export-location")
        self.export_since = OptionalDate("From")
        self.export_until = OptionalDate("To")
        row = QHBoxLayout()
        for part in _labelled("&Location", self.export_location):
            row.addWidget(part)
        col.addLayout(row)
        dates = QHBoxLayout()
        dates.addWidget(self.export_since)
        dates.addWidget(self.export_until)
        dates.addStretch(1)
        col.addLayout(dates)
        allowed = self.app.can("data.export")
        self.export_csv = QPushButton(theme.icon("export"), "Export to CSV…")
        self.export_xlsx = QPushButton(theme.icon("export"), "Export to Excel…")
        self.export_csv.clicked.connect(lambda: self.export_ledger("csv"))
        self.export_xlsx.clicked.connect(lambda: self.export_ledger("xlsx"))
        buttons = QHBoxLayout()
        for b in (self.export_csv, self.export_xlsx):
            b.setEnabled(allowed)
            buttons.addWidget(b)
        buttons.addStretch(1)
        col.addLayout(buttons)
        col.addWidget(
            label(
                "Every entry of the location in the dates chosen, newest first, with ISO dates "
                "and plain numbers.",
                "hint",
                wrap=True,
            )
        )
        col.addStretch(1)
        return box

    def ledger_filter(self) -> LedgerFilter | None:
        location_id = self.export_location.location_id()
        if location_id is None:
            return None
        since, until = self.export_since.value(), self.export_until.value()
        return LedgerFilter(
            location_id=location_id,
            since=local_day_start(since) if since else None,
            until=local_day_start(until + timedelta(days=1)) if until else None,
        )

    def export_ledger(self, fmt: str, path: str | None = None) -> Operation[tuple[str, int]] | None:
        flt = self.ledger_filter()
        if flt is None:
            self.say("Choose a location first.")
            return None
        store = self.app.store

        def read(after: Any, limit: int) -> list[LedgerRow]:
            with store.reader() as s:
                return reports.ledger_page(s, flt=flt, after=after, limit=limit)

        model = PagedTableModel(LEDGER_COLUMNS, parent=self)
        model.set_fetch(keyset_pager(read, lambda r: r.cursor))
        code = self.export_location.currentText().split(" — ")[0]
        self.operation = table_export.export_model(
            model, fmt, parent=self, title=f"Ledger {code}", path=path, teller=self.say
        )
        return self.operation

    def refresh(self) -> None:
        super().refresh()
        self.export_location.reload()
        self.refresh_backups()

    def focus_first(self) -> None:
        self.batch_code.setFocus()


def _migrated(settings: Settings) -> None:
    """Open the restored store once, so an older backup is brought up to the schema."""
    open_store(settings, auto_backup=False).close()
