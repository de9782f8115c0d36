"""Orders: primary, secondary and tertiary orders in one screen with a level switch, their
lifecycle actions and the order form.

The list pages from SQL (``orders.page_orders``: filter, sort and page in the query) and
exports like every table. Each action is offered only when the selected order's status allows
it and the user may take it (``orders.next_steps``); the service checks both again, and a
refusal is shown with its own words. Dispatch first shows the batches it will take, first
expiry first (``orders.dispatch_plan``, the same allocation the dispatch makes), and what is
short.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTabBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hom.core.errors import DomainError
from hom.models.enums import OrderLevel, OrderStatus, PartyKind
from hom.schemas.orders import OrderRow
from hom.services import goods_receipts, invoices, orders
from hom.services.orders import DispatchPlan
from hom_desktop.ui import formats, printing, prompts
from hom_desktop.ui.base import AppSession, BaseView, button_for, hbox, search_field
from hom_desktop.ui.forms import debounce, label
from hom_desktop.ui.goods_receipt import GoodsReceiptDialog
from hom_desktop.ui.inventory import OptionalDate
from hom_desktop.ui.order_form import LEVEL_TITLES, OrderForm, PartyPicker
from hom_desktop.ui.table_model import (
    ALIGN_RIGHT,
    Column,
    PagedTableModel,
    RowStyle,
    make_table,
    offset_pager,
)

LEVEL_TABS = {
    OrderLevel.PRIMARY: "&Primary",
    OrderLevel.SECONDARY: "&Secondary",
    OrderLevel.TERTIARY: "&Tertiary",
}
STATUS_COLOURS = {OrderStatus.CANCELLED: QColor("#8a94a0")}  # done with, read past

ORDER_COLUMNS = [
    Column("Number", lambda r: r.number, "number", width_chars=19),
    Column(
        "Date",
        lambda r: formats.day(r.order_date),
        "order_date",
        width_chars=10,
        raw=lambda r: r.order_date,
    ),
    Column("Party", lambda r: r.counterparty_code, "counterparty", width_chars=9),
    Column(
        "Name",
        lambda r: r.counterparty_name,
        None,
        width_chars=24,
        stretch=True,
        tooltip=lambda r: r.counterparty_name,
    ),
    Column("Status", lambda r: r.status.value.capitalize(), "status", width_chars=10),
    Column(
        "Total",
        lambda r: formats.money(r.total_amount),
        "total_amount",
        ALIGN_RIGHT,
        width_chars=13,
        raw=lambda r: r.total_amount,
    ),
]


def _status_style(row: OrderRow) -> RowStyle | None:
    colour = STATUS_COLOURS.get(row.status)
    return RowStyle(foreground=colour) if colour is not None else None


class OrdersView(BaseView):
    key = "orders"
    title = "Orders"
    icon_name = "orders"
    permissions = frozenset({"orders.view"})
    watches = frozenset({"orders", "stock", "parties", "products"})

    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.levels = self.levels_for(app)
        self.new_action = self.action("&New order…", self.new_order, icon="add", shortcut="Ctrl+N")
        self.open_action = self.action("&Open order", self.open_selected, icon="edit")
        self.confirm_action = self.action(
            "&Confirm", self.confirm_selected, icon="confirm", shortcut="Ctrl+Return"
        )
        self.dispatch_action = self.action(
            "&Dispatch…", self.dispatch_selected, icon="dispatch", shortcut="Ctrl+D"
        )
        self.receive_action = self.action(
            "&Receive", self.receive_selected, icon="receive", shortcut="Ctrl+R"
        )
        self.cancel_action = self.action(
            "Cancel &order…", self.cancel_selected, icon="cancel", shortcut="Ctrl+Delete"
        )
        self.invoice_action = self.action(
            "Print &invoice…",
            lambda: self.print_selected("invoice"),
            icon="export",
            shortcut="Ctrl+P",
            tip="Save the tax invoice as a PDF",
        )
        self.note_action = self.action(
            "Print dispatch not&e…",
            lambda: self.print_selected("dispatch-note"),
            icon="export",
            shortcut="Ctrl+Shift+P",
            tip="Save the dispatch note as a PDF",
        )
        self.find_action = self.action(
            "&Find order", self.focus_first, icon="search", shortcut="Ctrl+F"
        )
        self.buttons = {
            act: button_for(act, primary=act is self.new_action)
            for act in (
                self.new_action,
                self.confirm_action,
                self.dispatch_action,
                self.receive_action,
                self.cancel_action,
            )
        }
        self.print_buttons = [button_for(self.invoice_action), button_for(self.note_action)]
        layout = self.page_layout("Orders", *self.buttons.values(), *self.print_buttons)
        self.tabs = QTabBar()
        self.tabs.setObjectName("order-levels")
        self.tabs.setAccessibleName("Order level")
        for level in self.levels:
            self.tabs.addTab(LEVEL_TABS[level].replace("&", "") + " orders")
        self.tabs.setToolTip("Alt+P, Alt+S, Alt+T switch between the levels")
        for level in self.levels:
            letter = LEVEL_TABS[level][1]
            QShortcut(
                QKeySequence(f"Alt+{letter}"),
                self,
                activated=lambda lv=level: self.set_level(lv),
                context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
            )
        layout.addWidget(self.tabs)

        self.status_filter = QComboBox()
        self.status_filter.setObjectName("orders-status")
        self.status_filter.setAccessibleName("Status")
        self.status_filter.addItem("Any status", None)
        for status in OrderStatus:
            self.status_filter.addItem(status.value.capitalize(), status)
        self.party_filter = PartyPicker(app, (PartyKind.DISTRIBUTOR, PartyKind.RETAILER))
        self.party_filter.setObjectName("orders-party")
        self.party_filter.setAccessibleName("Party")
        self.party_filter.setMinimumWidth(self.fontMetrics().averageCharWidth() * 36)
        self.since = OptionalDate("From")
        self.since.setObjectName("orders-since")
        self.until = OptionalDate("To")
        self.until.setObjectName("orders-until")
        self.search = search_field("orders-search", "Number, party code or name…", width_chars=34)
        self.summary = label("", "hint")
        self.filter_error = label("", "error")
        self.filter_error.hide()
        layout.addLayout(
            hbox(
                QLabel("Find"),
                self.search,
                QLabel("Status"),
                self.status_filter,
                QLabel("Party"),
                self.party_filter,
                None,
            )
        )
        layout.addLayout(hbox(self.since, self.until, self.filter_error, None, self.summary))
        self.model = PagedTableModel(
            ORDER_COLUMNS, row_style=_status_style, sort_column=1, descending=True
        )
        self.model.loadFailed.connect(lambda m: self.refuse(f"Could not read the orders: {m}"))
        self.table = make_table(self.model, object_name="orders-table", name="Orders")
        self.table.activated.connect(lambda _i: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self.update_actions())
        self.model.modelReset.connect(self.update_actions)
        layout.addWidget(self.table, 1)
        layout.addWidget(
            label(
                "Enter opens an order · Ctrl+N new · Ctrl+Enter confirm · Ctrl+D dispatch · "
                "Ctrl+R receive · Ctrl+Del cancel · Ctrl+P invoice · Alt+P/S/T level",
                "hint",
            )
        )
        self._timer = debounce(self, 150, self.reload)
        self.search.textEdited.connect(lambda _t: self._timer.start())
        self.status_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.party_filter.partyChosen.connect(lambda _p: self.reload())
        self.party_filter.returnPressed.connect(self._party_entered)
        self.party_filter.textChanged.connect(lambda t: self.reload() if not t.strip() else None)
        self.since.changed.connect(self.reload)
        self.until.changed.connect(self.reload)
        self.tabs.currentChanged.connect(lambda _i: self._level_changed())
        self._level_changed()

    # --- levels ----------------------------------------------------------------------------

    @staticmethod
    def levels_for(app: AppSession) -> list[OrderLevel]:
        """The levels whose orders the user writes; a reader (orders.view only) sees them all."""
        mine = [lv for lv in OrderLevel if app.can(orders.spec_for(lv).permission)]
        return mine or list(OrderLevel)

    @property
    def level(self) -> OrderLevel:
        return self.levels[max(0, self.tabs.currentIndex())]

    def set_level(self, level: OrderLevel) -> None:
        if level in self.levels:
            self.tabs.setCurrentIndex(self.levels.index(level))

    def writes_level(self) -> bool:
        return self.app.ctx.site_id is not None and self.app.can(
            orders.spec_for(self.level).permission
        )

    def _level_changed(self) -> None:
        writes = self.writes_level()
        # A primary order's goods are received by whoever receives stock at the stock point.
        receives = self.level == OrderLevel.PRIMARY and self.app.can("stock.receive")
        for act, btn in self.buttons.items():
            shown = writes or (act is self.receive_action and receives)
            act.setVisible(shown)  # absent, not merely greyed, for a user who may not
            btn.setVisible(shown)
        self.new_action.setEnabled(writes)
        self.new_action.setText(f"&New {LEVEL_TITLES[self.level].lower()}…")
        self.reload()

    # --- the list --------------------------------------------------------------------------

    def filters(self) -> dict[str, Any] | None:
        self.filter_error.hide()
        since, until = self.since.value(), self.until.value()
        if since and until and until < since:
            self.filter_error.setText("'To' is before 'From'")
            self.filter_error.show()
            return None
        party = self.party_filter.chosen
        return {
            "status": self.status_filter.currentData(),
            "party_id": party.id if party else None,
            "since": since,
            "until": until,
            "search": self.search.text().strip(),
        }

    def reload(self) -> None:
        self._timer.stop()
        flt = self.filters()
        if flt is None:
            return
        store, level, ctx = self.app.store, self.level, self.app.ctx

        def read(offset: int, limit: int, sort: str | None, desc: bool) -> list[OrderRow]:
            key = ("-" if desc else "") + (sort or "order_date")
            with store.reader() as s:
                return orders.page_orders(
                    s, level=level, ctx=ctx, sort=key, offset=offset, limit=limit, **flt
                )

        self.model.set_fetch(offset_pager(read))
        total = self.app.read(lambda s: orders.count_orders(s, level=level, ctx=ctx, **flt))
        self.summary.setText(formats.plural(total, "order"))

    def _party_entered(self) -> None:
        if self.party_filter.take() is None and self.party_filter.text().strip():
            self.filter_error.setText("no party matches what is typed")
            self.filter_error.show()

    def refresh(self) -> None:
        super().refresh()
        self.reload()

    def unsaved_changes(self) -> str:
        form = self.dialog
        if isinstance(form, OrderForm) and shiboken6.isValid(form) and form.has_input():
            return f"the {LEVEL_TITLES[form.level].lower()} being entered"
        return ""

    def focus_first(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def selected(self) -> OrderRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def select_number(self, number: str) -> bool:
        row = self.model.find(lambda r: r.number == number)
        if row >= 0:
            self.table.keyboard.select(row)  # type: ignore[attr-defined]
        return row >= 0

    def update_actions(self) -> None:
        row = self.selected()
        steps: frozenset[OrderStatus] = frozenset()
        if row is not None:
            steps = orders.next_steps(
                self.app.ctx, level=self.level, status=row.status, site_id=row.site_id
            )
        self.open_action.setEnabled(row is not None)
        self.confirm_action.setEnabled(OrderStatus.CONFIRMED in steps)
        self.dispatch_action.setEnabled(OrderStatus.DISPATCHED in steps)
        self.receive_action.setEnabled(OrderStatus.DELIVERED in steps)
        printable = row is not None and row.status in invoices.PRINTABLE
        self.invoice_action.setEnabled(printable)
        self.note_action.setEnabled(printable)
        self.cancel_action.setEnabled(OrderStatus.CANCELLED in steps)

    def _done(self, text: str, number: str) -> None:
        self.app.notify("orders", "stock")
        self.reload()
        self.select_number(number)
        self.say(text)
        self.table.setFocus()

    # --- actions ---------------------------------------------------------------------------

    def new_order(self) -> OrderForm | None:
        if not self.writes_level():
            return None
        form = OrderForm(self.app, self.level, self)
        form.resize(1120, 680)
        form.saved.connect(lambda text, f=form: self._done(text, f.number))
        return self.open_dialog(form)

    def open_selected(self) -> OrderForm | None:
        row = self.selected()
        if row is None:
            return None
        form = OrderForm(self.app, self.level, self, order_id=row.id)
        form.resize(1120, 680)
        form.saved.connect(lambda text, n=row.number: self._done(text, n))
        return self.open_dialog(form)

    def _act(self, row: OrderRow, verb: str, call: Any) -> bool:
        """Run one lifecycle step as one transaction; a refusal is shown in its own words."""
        try:
            self.app.run_action(call)
        except DomainError as exc:
            self.refuse(f"{row.number} not {verb}: {prompts.describe(exc)}")
            return False
        self._done(f"{row.number} {verb}.", row.number)
        return True

    def confirm_selected(self) -> bool:
        row = self.selected()
        if row is None or not self.confirm_action.isEnabled():
            return False
        level, ctx = self.level, self.app.ctx
        return self._act(
            row, "confirmed", lambda s: orders.confirm(s, ctx=ctx, level=level, order_id=row.id)
        )

    def dispatch_selected(self) -> DispatchDialog | None:
        row = self.selected()
        if row is None or not self.dispatch_action.isEnabled():
            return None
        level, ctx = self.level, self.app.ctx
        try:
            plan = self.app.read(
                lambda s: orders.dispatch_plan(s, ctx=ctx, level=level, order_id=row.id)
            )
        except DomainError as exc:
            self.refuse(f"{row.number} not dispatched: {prompts.describe(exc)}")
            return None
        dialog = DispatchDialog(self.app, level, plan, self)
        dialog.dispatched.connect(lambda text: self._done(text, row.number))
        dialog.refused.connect(self.refuse)
        return self.open_dialog(dialog)

    def receive_selected(self) -> bool | GoodsReceiptDialog:
        """Receive the selected order. A primary order's goods arrive through the buyer's goods
        receipt (the dialog; it also marks the order delivered where this site writes it); once
        a receipt is here, the seller marks the order delivered. Other levels are delivered
        after a question."""
        row = self.selected()
        if row is None or not self.receive_action.isEnabled():
            return False
        level, ctx = self.level, self.app.ctx
        if level == OrderLevel.PRIMARY:
            receipt = self.app.read(
                lambda s: goods_receipts.get_for_order(s, order_id=row.id, ctx=ctx)
            )
            if receipt is None:
                dialog = GoodsReceiptDialog(self.app, row.id, self)
                dialog.received.connect(lambda text: self._done(text, row.number))
                return self.open_dialog(dialog)
            question = (
                f"Mark {row.number} for {row.counterparty_code} as delivered: its goods were "
                f"received on goods receipt {receipt.number}?"
            )
        else:
            question = f"Mark {row.number} for {row.counterparty_code} as delivered?"
        if not prompts.confirm(self, "Receive order", question):
            return False
        return self._act(
            row, "received", lambda s: orders.deliver(s, ctx=ctx, level=level, order_id=row.id)
        )

    def print_selected(self, document: str) -> Path | None:
        """Save the selected order's tax invoice or dispatch note as a PDF where the clerk
        chooses (``printing``: Qt's PDF writer, A4)."""
        row = self.selected()
        if row is None:
            return None
        what = "invoice" if document == "invoice" else "dispatch note"
        suggested = f"{row.number}-{'invoice' if document == 'invoice' else 'dispatch-note'}.pdf"
        path = prompts.save_file(self, f"Save the {what} as PDF", suggested, "PDF files (*.pdf)")
        if not path:
            return None
        write = (
            printing.write_invoice_pdf
            if document == "invoice"
            else printing.write_dispatch_note_pdf
        )
        level, ctx = self.level, self.app.ctx
        try:
            written = self.app.read(
                lambda s: write(s, ctx=ctx, level=level, order_id=row.id, path=Path(path))
            )
        except DomainError as exc:
            self.refuse(f"No {what} for {row.number}: {prompts.describe(exc)}")
            return None
        except OSError as exc:
            self.refuse(f"The {what} could not be written to {path}: {exc.strerror or exc}")
            return None
        self.say(f"The {what} of {row.number} is saved as {written}.")
        return written

    def cancel_selected(self) -> bool:
        row = self.selected()
        if row is None or not self.cancel_action.isEnabled():
            return False
        reason = prompts.ask_text(
            self, "Cancel order", f"Why is {row.number} cancelled? (at least 3 characters)"
        )
        if reason is None:
            return False
        level, ctx = self.level, self.app.ctx
        return self._act(
            row,
            "cancelled",
            lambda s: orders.cancel(s, ctx=ctx, level=level, order_id=row.id, reason=reason),
        )

    def view_actions(self) -> list[QAction]:
        return [a for a in super().view_actions() if a.isVisible()]


PLAN_HEADERS = ["Line", "SKU", "Product", "Batch", "Expires", "Qty"]


class DispatchDialog(QDialog):
    """The batches a dispatch will take, first expiry first, and what is short; Ctrl+S or
    Enter dispatches when nothing is."""

    dispatched = Signal(str)
    refused = Signal(str)

    def __init__(
        self, app: AppSession, level: OrderLevel, plan: DispatchPlan, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.app = app
        self.level = level
        self.plan = plan
        self.setWindowTitle(f"Dispatch {plan.number}")
        self.setMinimumSize(760, 420)
        layout = QVBoxLayout(self)
        where = f"from {plan.location_code}" if plan.location_code else "(no stock moves)"
        layout.addWidget(
            label(f"{plan.number}: what leaves {where}, first expiry first", "subtitle")
        )
        self.table = QTableWidget(len(plan.takes), len(PLAN_HEADERS))
        self.table.setObjectName("dispatch-plan")
        self.table.setAccessibleName("Batches the dispatch takes")
        self.table.setHorizontalHeaderLabels(PLAN_HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        digits = self.table.fontMetrics().horizontalAdvance("9")
        for i, chars in enumerate([5, 14, 0, 12, 10, 8]):
            if chars:
                self.table.setColumnWidth(i, digits * chars + 18)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, take in enumerate(plan.takes):
            cells = [
                (str(take.line_no), right),
                (take.sku, None),
                (take.name, None),
                (take.batch_code or "—", None),
                (formats.day(take.expires_on), None),
                (formats.quantity(take.quantity), right),
            ]
            for c, (text, align) in enumerate(cells):
                item = QTableWidgetItem(text)
                if align is not None:
                    item.setTextAlignment(align)
                self.table.setItem(r, c, item)
        layout.addWidget(self.table, 1)
        self.shortage = label("", "banner-error", wrap=True)
        self.shortage.setObjectName("dispatch-shortage")
        self.shortage.setVisible(not plan.ok)
        if not plan.ok:
            self.shortage.setText(
                "Cannot dispatch: not enough stock.\n"
                + "\n".join(
                    f"• Line {s.line_no}, {s.sku} {s.name}"
                    + (f" batch {s.batch_code}" if s.batch_code else "")
                    + f": {formats.quantity(s.needed)} needed, {formats.quantity(s.available)} "
                    f"in stock at {s.location_code}"
                    + (
                        f" (and {formats.quantity(s.expired)} in expired batches)"
                        if s.expired
                        else ""
                    )
                    for s in plan.shortages
                )
            )
        layout.addWidget(self.shortage)
        self.buttons = QDialogButtonBox()
        self.ok_button: QPushButton = self.buttons.addButton(
            "&Dispatch", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok_button.setEnabled(plan.ok)
        self.ok_button.setToolTip("Dispatch (Ctrl+S or Enter)")
        close = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        close.setAutoDefault(False)
        self.ok_button.setDefault(plan.ok)
        self.ok_button.clicked.connect(self.dispatch)
        close.clicked.connect(self.reject)
        layout.addWidget(self.buttons)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.dispatch)
        (self.ok_button if plan.ok else close).setFocus()

    def dispatch(self) -> bool:
        if not self.plan.ok:
            return False
        level, ctx, order_id = self.level, self.app.ctx, self.plan.order_id
        try:
            self.app.run_action(
                lambda s: orders.dispatch(s, ctx=ctx, level=level, order_id=order_id)
            )
        except DomainError as exc:
            self.shortage.setText(f"Not dispatched: {prompts.describe(exc)}")
            self.shortage.show()
            self.refused.emit(f"{self.plan.number} not dispatched: {prompts.describe(exc)}")
            return False
        units = sum(t.quantity for t in self.plan.takes)
        batches = len({t.batch_id for t in self.plan.takes if t.batch_id})
        self.dispatched.emit(
            f"{self.plan.number} dispatched: {formats.plural(units, 'unit')}"
            + (f" from {formats.plural(batches, 'batch', 'batches')}" if batches else "")
            + "."
        )
        self.accept()
        return True
