"""Inventory: stock per location and product, the ledger of a location, transfers and counts.

Both tables page from SQL (stock by offset, the ledger by keyset on (created_at, id)), so the
ledger of a million-entry location opens as fast as an empty one. Writes go through
``services.stock.transfer`` and ``services.stock.count``, one transaction per dialog.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hom.core.clock import to_local
from hom.core.errors import DomainError, ValidationFailed
from hom.models.enums import VoucherType
from hom.services import reports, stock
from hom.services.reports import LedgerFilter, LedgerRow, ProductChoice, StockRow
from hom_desktop.ui import formats, theme
from hom_desktop.ui.base import AppSession, BaseView, button_for, hbox, search_field
from hom_desktop.ui.forms import (
    BatchPicker,
    DateEdit,
    EnterMovesFocus,
    Form,
    GuardedDialog,
    LocationCombo,
    ProductPicker,
    QuantityEdit,
    debounce,
    label,
)
from hom_desktop.ui.ops import Operation, Progress
from hom_desktop.ui.table_model import (
    ALIGN_RIGHT,
    Column,
    Page,
    PagedTableModel,
    RowStyle,
    keyset_pager,
    make_table,
    offset_pager,
)

LOW_BACKGROUND = QColor("#fdebc8")


def voucher_label(vt: VoucherType) -> str:
    return vt.value.replace("_", " ").capitalize()


def local_day_start(day: date) -> datetime:
    """Midnight of ``day`` on this computer's clock, as an aware UTC moment."""
    return datetime.combine(day, time.min).astimezone().astimezone(UTC)


def _batches_text(r: StockRow) -> str:
    if r.batches == 1:
        return r.first_batch
    return f"{r.batches} batches" if r.batches else ""


STOCK_COLUMNS = [
    Column(
        "Location",
        lambda r: r.location_code,
        "location",
        width_chars=12,
        tooltip=lambda r: r.location_name,
    ),
    Column("SKU", lambda r: r.sku, "sku", width_chars=14),
    Column("Product", lambda r: r.product_name, "product", width_chars=30, stretch=True),
    Column(
        "On hand",
        lambda r: formats.quantity(r.quantity),
        "quantity",
        ALIGN_RIGHT,
        width_chars=10,
        raw=lambda r: r.quantity,
    ),
    Column("Unit", lambda r: r.unit, None, width_chars=5),
    Column(
        "Batches",
        _batches_text,
        None,
        width_chars=12,
        tooltip=lambda r: (
            f"{r.batches} batches held; Ctrl+L shows them in the ledger" if r.batches > 1 else ""
        ),
        raw=lambda r: r.first_batch if r.batches == 1 else r.batches,
    ),
    Column(
        "First expiry",
        lambda r: formats.day(r.first_expiry),
        None,
        width_chars=10,
        raw=lambda r: r.first_expiry,
    ),
    Column(
        "Reorder at",
        lambda r: formats.quantity(r.reorder_level) if r.reorder_level else "",
        "reorder_level",
        ALIGN_RIGHT,
        width_chars=10,
        raw=lambda r: r.reorder_level,
    ),
    Column(
        "Status",
        lambda r: "Low" if r.low else "",
        None,
        icon=lambda r: theme.icon("warning") if r.low else None,
        tooltip=lambda r: (
            f"At or below the reorder level of {formats.quantity(r.reorder_level)}" if r.low else ""
        ),
    ),
]

LEDGER_COLUMNS = [
    Column(
        "When",
        lambda r: formats.moment(r.created_at),
        width_chars=16,
        tooltip=lambda r: to_local(r.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        raw=lambda r: to_local(r.created_at),
    ),
    Column("Voucher", lambda r: voucher_label(r.voucher_type), width_chars=13),
    Column("Voucher no.", lambda r: r.voucher_no, width_chars=21),
    Column("SKU", lambda r: r.sku, width_chars=10),
    Column(
        "Product",
        lambda r: r.product_name,
        width_chars=22,
        tooltip=lambda r: r.product_name,
        stretch=True,
    ),
    Column("Batch", lambda r: r.batch_code, width_chars=12),
    Column(
        "Qty",
        lambda r: ("+" if r.quantity > 0 else "") + formats.quantity(r.quantity),
        align=ALIGN_RIGHT,
        width_chars=7,
        raw=lambda r: r.quantity,
    ),
    Column(
        "Balance",
        lambda r: formats.quantity(r.balance_after),
        align=ALIGN_RIGHT,
        width_chars=8,
        raw=lambda r: r.balance_after,
    ),
    Column("Reason", lambda r: r.reason, width_chars=22, tooltip=lambda r: r.reason),
]


def low_stock_style(row: StockRow) -> RowStyle | None:
    return RowStyle(background=LOW_BACKGROUND) if row.low else None


class OptionalDate(QWidget):
    """A date filter that can also be "any": a check box naming the bound ("From", "To")
    beside an ordinary date field.

    Unchecked means any date. The field always holds a real date (today at first, so its
    calendar opens on today) and takes typing like any date field; typing or picking a date
    ticks the box. ``changed`` fires when ``value()`` may have changed.
    """

    changed = Signal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = QCheckBox(text)
        self.edit = DateEdit(QDate.currentDate())
        self.edit.setAccessibleName(f"{text} date")
        # Not a signal at every digit typed: each would re-read the ledger.
        self.edit.setKeyboardTracking(False)
        self.check.setToolTip(f"Tick to filter by this date; unticked: {text.lower()} any date")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(self.check)
        row.addWidget(self.edit)
        self.setFocusProxy(self.edit)
        self.check.toggled.connect(self._toggled)
        self.edit.dateChanged.connect(self._edited)
        # Typing or picking the date already shown changes nothing, yet the clerk meant it.
        self.edit.entered.connect(lambda: self.check.setChecked(True))
        self._toggled(False)

    def _toggled(self, checked: bool) -> None:
        self.edit.setStyleSheet("" if checked else "QDateEdit { color: #8a94a0; }")
        self.changed.emit()

    def _edited(self, _d: QDate) -> None:
        if self.check.isChecked():
            self.changed.emit()
        else:
            self.check.setChecked(True)  # emits ``changed`` through ``_toggled``

    def value(self) -> date | None:
        if not self.check.isChecked():
            return None
        d = self.edit.date()
        return date(d.year(), d.month(), d.day())

    def set_value(self, value: date | None) -> None:
        """Show ``value`` (None: any date, the field keeping the date it shows)."""
        self.blockSignals(True)
        try:
            if value is not None:
                self.edit.setDate(QDate(value.year, value.month, value.day))
            self.check.setChecked(value is not None)
        finally:
            self.blockSignals(False)
        self.changed.emit()


class InventoryView(BaseView):
    key = "inventory"
    title = "Inventory"
    icon_name = "inventory"
    permissions = frozenset({"stock.view"})
    watches = frozenset({"stock", "products", "sites"})

    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.count_generation = 0
        self.ledger_count_op: Operation[int] | None = None
        writes_here = app.ctx.site_id is not None
        self.transfer_action = self.action(
            "&Transfer stock…",
            self.open_transfer,
            icon="transfer",
            shortcut="Ctrl+T",
            enabled=writes_here and app.can("stock.transfer"),
        )
        self.count_action = self.action(
            "Stock &count…",
            self.open_count,
            icon="count",
            shortcut="Ctrl+K",
            enabled=writes_here and app.can("stock.adjust"),
        )
        self.ledger_action = self.action(
            "Show &ledger of the selected row",
            self.show_selected_ledger,
            icon="ledger",
            shortcut="Ctrl+L",
        )
        self.find_action = self.action(
            "&Find product", self.focus_first, icon="search", shortcut="Ctrl+F"
        )

        layout = self.page_layout(
            "Inventory", button_for(self.transfer_action), button_for(self.count_action)
        )
        self.tabs = QTabWidget()
        self.tabs.addTab(self._stock_tab(), theme.icon("inventory"), "Stock")
        self.tabs.addTab(self._ledger_tab(), theme.icon("ledger"), "Ledger")
        layout.addWidget(self.tabs, 1)
        self.refresh_stock()
        self.refresh_ledger()

    # --- stock tab -------------------------------------------------------------------

    def _stock_tab(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        own = None
        if self.app.ctx.site_id is not None:
            own = (self.app.ctx.site_id, f"This site's locations ({self.app.who.site_code})")
        self.location = LocationCombo(self.app.store, any_label="All locations", own_site=own)
        self.location.setObjectName("stock-location")
        self.location.setAccessibleName("Location")
        self.search = search_field("stock-search", "Search SKU or name…", width_chars=28)
        self.low_only = QCheckBox("Low stock only")
        self.stock_summary = label("", "hint")
        col.addLayout(
            hbox(
                QLabel("Location"),
                self.location,
                QLabel("Find"),
                self.search,
                self.low_only,
                None,
                self.stock_summary,
            )
        )
        self.stock_model = PagedTableModel(STOCK_COLUMNS, row_style=low_stock_style, sort_column=0)
        self.stock_table = make_table(self.stock_model, object_name="stock-table")
        self.stock_table.doubleClicked.connect(lambda _i: self.show_selected_ledger())
        self.stock_model.loadFailed.connect(self._read_failed)
        col.addWidget(self.stock_table, 1)
        col.addWidget(
            label(
                "Rows at or below the product's reorder level are highlighted. "
                "Double-click a row for its ledger.",
                "hint",
            )
        )
        self._stock_timer = debounce(self, 150, self.refresh_stock)
        self.search.textEdited.connect(lambda _t: self._stock_timer.start())
        self.location.currentIndexChanged.connect(lambda _i: self.refresh_stock())
        self.low_only.toggled.connect(lambda _c: self.refresh_stock())
        return page

    def stock_filter(self) -> dict[str, Any]:
        loc = self.location.location_id()
        return {
            "location_ids": [loc] if loc else None,
            "site_id": self.location.site_id(),
            "search": self.search.text().strip(),
            "low_only": self.low_only.isChecked(),
        }

    def refresh_stock(self) -> None:
        flt = self.stock_filter()
        store = self.app.store

        def read(offset: int, limit: int, sort: str | None, desc: bool) -> list[StockRow]:
            with store.reader() as s:
                return reports.stock_rows(
                    s,
                    **flt,
                    sort=sort or "location",
                    descending=desc,
                    limit=limit,
                    offset=offset,
                )

        self.stock_model.set_fetch(offset_pager(read))
        with store.reader() as s:
            total = reports.stock_row_count(s, **flt)
            low = reports.stock_row_count(s, **{**flt, "low_only": True})
        self.stock_summary.setText(f"{formats.plural(total, 'row')} · {formats.quantity(low)} low")

    # --- ledger tab ------------------------------------------------------------------

    def _ledger_tab(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        self.ledger_location = LocationCombo(self.app.store, prefer_site_id=self.app.ctx.site_id)
        self.ledger_location.setObjectName("ledger-location")
        self.ledger_location.setAccessibleName("Ledger location")
        self.ledger_product = ProductPicker(self.app.store)
        self.ledger_product.setObjectName("ledger-product")
        self.ledger_product.setAccessibleName("Ledger product")
        self.ledger_product.setMinimumWidth(self.fontMetrics().averageCharWidth() * 26)
        self.ledger_since = OptionalDate("From")
        self.ledger_since.setObjectName("ledger-since")
        self.ledger_until = OptionalDate("To")
        self.ledger_until.setObjectName("ledger-until")
        self.ledger_voucher = QComboBox()
        self.ledger_voucher.setObjectName("ledger-voucher")
        self.ledger_voucher.setAccessibleName("Voucher type")
        self.ledger_voucher.addItem("All vouchers", None)
        for vt in VoucherType:
            self.ledger_voucher.addItem(voucher_label(vt), vt)
        col.addLayout(
            hbox(
                QLabel("Location"),
                self.ledger_location,
                QLabel("Product"),
                self.ledger_product,
                None,
            )
        )
        self.ledger_summary = label("", "hint")
        self.ledger_error = label("", "error")
        self.ledger_error.hide()
        col.addLayout(
            hbox(
                self.ledger_since,
                self.ledger_until,
                QLabel("Voucher"),
                self.ledger_voucher,
                self.ledger_error,
                None,
                self.ledger_summary,
            )
        )
        self.ledger_model = PagedTableModel(LEDGER_COLUMNS)
        self.ledger_model.loadFailed.connect(self._read_failed)
        self.ledger_table = make_table(self.ledger_model, object_name="ledger-table")
        col.addWidget(self.ledger_table, 1)
        self.ledger_location.currentIndexChanged.connect(lambda _i: self.refresh_ledger())
        self.ledger_since.changed.connect(self.refresh_ledger)
        self.ledger_until.changed.connect(self.refresh_ledger)
        self.ledger_voucher.currentIndexChanged.connect(lambda _i: self.refresh_ledger())
        self.ledger_product.productChosen.connect(lambda _p: self.refresh_ledger())
        self.ledger_product.returnPressed.connect(self.refresh_ledger)
        self.ledger_product.textChanged.connect(
            lambda t: self.refresh_ledger() if not t.strip() else None
        )
        return page

    def ledger_filter(self) -> LedgerFilter | None:
        """The filter the ledger fields describe; None (with a message) if one is wrong."""
        self.ledger_error.hide()
        location_id = self.ledger_location.location_id()
        if location_id is None:
            return None
        product_id = None
        if self.ledger_product.text().strip():
            try:
                with self.app.store.reader() as s:
                    choice = self.ledger_product.resolve(s)
            except DomainError as exc:
                self.ledger_error.setText(exc.message)
                self.ledger_error.show()
                return None
            product_id = choice.id if choice else None
        since, until = self.ledger_since.value(), self.ledger_until.value()
        if since and until and until < since:
            self.ledger_error.setText("'To' is before 'From'")
            self.ledger_error.show()
            return None
        return LedgerFilter(
            location_id=location_id,
            product_id=product_id,
            voucher_type=VoucherType(vt) if (vt := self.ledger_voucher.currentData()) else None,
            since=local_day_start(since) if since else None,
            until=local_day_start(until + timedelta(days=1)) if until else None,
        )

    def refresh_ledger(self) -> None:
        flt = self.ledger_filter()
        store = self.app.store
        if flt is None:
            self.ledger_model.set_fetch(lambda _req: Page([]))
            self.ledger_summary.setText("")
            return

        def read(after: Any, limit: int) -> list[LedgerRow]:
            with store.reader() as s:
                return reports.ledger_page(s, flt=flt, after=after, limit=limit)

        self.ledger_model.set_fetch(keyset_pager(read, lambda r: r.cursor))
        self._count_ledger(flt)

    def _count_ledger(self, flt: LedgerFilter) -> None:
        """Count the entries in the background: on a huge ledger a filtered count can take a
        moment, and the first page is already on screen."""
        self.count_generation += 1
        generation = self.count_generation
        self.ledger_summary.setText("counting…")
        store = self.app.store

        def work(_p: Progress) -> int:
            with store.reader() as s:
                return reports.ledger_count(s, flt=flt)

        def show(n: int) -> None:
            if generation == self.count_generation:
                self.ledger_summary.setText(formats.plural(n, "entry", "entries"))

        def failed(exc: BaseException) -> None:
            if generation == self.count_generation:
                self.ledger_summary.setText("")

        self.ledger_count_op = Operation(self, work).success(show).failure(failed).run()

    def show_ledger(self, location_id: uuid.UUID, product: ProductChoice | None) -> None:
        self.ledger_location.blockSignals(True)
        self.ledger_location.select(location_id)
        self.ledger_location.blockSignals(False)
        self.ledger_product.blockSignals(True)
        self.ledger_product.set_product(product)
        self.ledger_product.blockSignals(False)
        self.tabs.setCurrentIndex(1)
        self.refresh_ledger()

    def selected_stock_row(self) -> StockRow | None:
        rows = self.stock_table.selectionModel().selectedRows()
        return self.stock_model.row(rows[0].row()) if rows else None

    def show_selected_ledger(self) -> None:
        row = self.selected_stock_row()
        if row is not None:
            self.show_ledger(
                row.location_id, ProductChoice(row.product_id, row.sku, row.product_name)
            )

    # --- common ----------------------------------------------------------------------

    def _read_failed(self, message: str) -> None:
        self.refuse(f"Could not read the data: {message}")

    def refresh(self) -> None:
        super().refresh()
        self.location.reload()
        self.ledger_location.reload()
        self.refresh_stock()
        self.refresh_ledger()

    def focus_first(self) -> None:
        if self.tabs.currentIndex() == 0:
            self.search.setFocus()
            self.search.selectAll()
        else:
            self.ledger_product.setFocus()

    def _prefill(self) -> tuple[uuid.UUID | None, ProductChoice | None]:
        row = self.selected_stock_row() if self.tabs.currentIndex() == 0 else None
        if row is None:
            return None, None
        return row.location_id, ProductChoice(row.product_id, row.sku, row.product_name)

    def open_transfer(self) -> TransferDialog:
        location_id, product = self._prefill()
        dialog = TransferDialog(self.app, self, from_location_id=location_id, product=product)
        dialog.posted.connect(self.say)
        return self.open_dialog(dialog)

    def open_count(self) -> CountDialog:
        location_id, product = self._prefill()
        dialog = CountDialog(self.app, self, location_id=location_id, product=product)
        dialog.posted.connect(self.say)
        return self.open_dialog(dialog)


class _StockDialog(GuardedDialog):
    """What the transfer and count dialogs share: a form, Ctrl+S, errors beside fields, the
    product and batch fields, and the stock on hand at the source for the chosen product."""

    posted = Signal(str)

    def __init__(self, app: AppSession, parent: QWidget | None, title: str, ok_text: str):
        super().__init__(parent)
        self.app = app
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.layout_ = QVBoxLayout(self)
        self.form = Form()
        self.layout_.addWidget(self.form)
        self.product = ProductPicker(app.store)
        self.batch = BatchPicker(app.store)
        self.on_hand = label("", "hint")
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setDefault(False)
        self.ok_button.setAutoDefault(False)
        self.ok_button.setToolTip(f"{ok_text.replace('&', '')} (Ctrl+S)")
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)
        self.ok_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)

    def finish_layout(
        self, *, source: LocationCombo, amount: QuantityEdit, product: ProductChoice | None
    ) -> None:
        """Once the fields are in: the on-hand line, kept current for the ``source`` location
        and the product, and the buttons. Typing starts at the product, or at ``amount`` when
        the dialog came with the product (from the selected stock row)."""
        self.layout_.addWidget(self.on_hand)
        self.layout_.addWidget(self.buttons)
        EnterMovesFocus(self, self.form.inputs)
        self.product.productChosen.connect(lambda _p: self.show_on_hand(source))
        source.currentIndexChanged.connect(lambda _i: self.show_on_hand(source))
        self.product.productChosen.connect(lambda _p: self.load_batches(source))
        source.currentIndexChanged.connect(lambda _i: self.load_batches(source))
        if product is not None:
            self.product.set_product(product)
            amount.setFocus()
        else:
            self.product.setFocus()

    def product_and_batch(self, session: Any) -> tuple[ProductChoice, uuid.UUID | None]:
        product = self.product.resolve(session)
        if product is None:
            raise ValidationFailed([("product_id", "choose a product: type its SKU or name")])
        batch_id = None
        if self.batch.code():
            batch_id = reports.find_batch(session, product_id=product.id, code=self.batch.code()).id
        return product, batch_id

    def load_batches(self, location: LocationCombo) -> None:
        product = self.product.chosen
        self.batch.load(product.id if product else None, location.location_id())

    def show_on_hand(self, location: LocationCombo) -> None:
        loc, product = location.location_id(), self.product.chosen
        if loc is None or product is None:
            self.on_hand.setText("")
            return
        n = self.app.read(lambda s: stock.on_hand(s, location_id=loc, product_id=product.id))
        where = location.currentText().split(" — ")[0]
        self.on_hand.setText(f"On hand at {where}: {formats.quantity(n)}")

    def save(self) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError


class TransferDialog(_StockDialog):
    """Move stock between two locations of this site (services.stock.transfer)."""

    def __init__(
        self,
        app: AppSession,
        parent: QWidget | None = None,
        *,
        from_location_id: uuid.UUID | None = None,
        product: ProductChoice | None = None,
    ) -> None:
        super().__init__(app, parent, "Transfer stock", "&Transfer")
        site = app.ctx.site_id
        self.from_location = LocationCombo(app.store, site_id=site, prefer_site_id=site)
        self.to_location = LocationCombo(app.store, site_id=site)
        if from_location_id is not None:
            self.from_location.select(from_location_id)
        # No destination is guessed: Enter, Enter must never post stock to a place the clerk
        # did not choose (the first entry could be a distributor's stock point).
        self.to_location.setPlaceholderText("choose where the stock goes")
        self.to_location.setCurrentIndex(-1)
        self.quantity = QuantityEdit()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why the stock moves, e.g. restock the dispatch bay")
        f = self.form
        f.add(("from_location_id", "location_id"), "&From", self.from_location)
        f.add(("to_location_id", "input"), "T&o", self.to_location)
        f.add("product_id", "&Product", self.product)
        f.add("batch_id", "&Batch", self.batch)
        f.add("quantity", "&Quantity", self.quantity)
        f.add("reason", "&Reason", self.reason)
        self.finish_layout(source=self.from_location, amount=self.quantity, product=product)

    def save(self) -> bool:
        self.form.errors.clear()
        ctx = self.app.ctx

        def act(s: Any) -> tuple[ProductChoice, Any]:
            product, batch_id = self.product_and_batch(s)
            if self.to_location.location_id() is None:
                raise ValidationFailed([("to_location_id", "choose where the stock goes")])
            result = stock.transfer(
                s,
                ctx=ctx,
                transfer_in={
                    "from_location_id": self.from_location.location_id(),
                    "to_location_id": self.to_location.location_id(),
                    "product_id": product.id,
                    "batch_id": batch_id,
                    "quantity": self.quantity.value() or 0,
                    "reason": self.reason.text(),
                },
            )
            return product, result

        try:
            product, _result = self.app.run_action(act)
        except DomainError as exc:
            self.form.errors.show(exc)
            return False
        src = self.from_location.currentText().split(" — ")[0]
        dst = self.to_location.currentText().split(" — ")[0]
        self.app.notify("stock")
        self.posted.emit(
            f"Transferred {formats.quantity(self.quantity.value())} × {product.sku} "
            f"from {src} to {dst}."
        )
        self.accept()
        return True


class CountDialog(_StockDialog):
    """A physical count; the difference to the books is posted (services.stock.count)."""

    def __init__(
        self,
        app: AppSession,
        parent: QWidget | None = None,
        *,
        location_id: uuid.UUID | None = None,
        product: ProductChoice | None = None,
    ) -> None:
        super().__init__(app, parent, "Stock count", "&Post count")
        site = app.ctx.site_id
        self.location = LocationCombo(app.store, site_id=site, prefer_site_id=site)
        if location_id is not None:
            self.location.select(location_id)
        self.counted = QuantityEdit()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why the count differs, e.g. damaged in storage")
        f = self.form
        f.add("location_id", "&Location", self.location)
        f.add("product_id", "&Product", self.product)
        f.add("batch_id", "&Batch", self.batch)
        f.add(("counted_quantity", "quantity"), "&Counted", self.counted)
        f.add("reason", "&Reason", self.reason)
        self.finish_layout(source=self.location, amount=self.counted, product=product)

    def save(self) -> bool:
        self.form.errors.clear()
        ctx = self.app.ctx

        def act(s: Any) -> tuple[ProductChoice, Any]:
            product, batch_id = self.product_and_batch(s)
            if self.counted.value() is None:
                raise ValidationFailed([("counted_quantity", "type the quantity counted")])
            result = stock.count(
                s,
                ctx=ctx,
                count_in={
                    "location_id": self.location.location_id(),
                    "product_id": product.id,
                    "batch_id": batch_id,
                    "counted_quantity": self.counted.value(),
                    "reason": self.reason.text(),
                },
            )
            return product, result

        try:
            product, result = self.app.run_action(act)
        except DomainError as exc:
            self.form.errors.show(exc)
            return False
        if result is None:
            text = f"The count of {product.sku} matches the books: nothing was posted."
        else:
            self.app.notify("stock")
            text = (
                f"Count of {product.sku} posted: the books now show "
                f"{formats.quantity(self.counted.value())}."
            )
        self.posted.emit(text)
        self.accept()
        return True
