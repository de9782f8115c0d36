"""The order form: an order of any level entered by keyboard, the way voucher entry works.

Type the party (completion), Enter; type any words of a product's SKU or name (completion),
Enter; the cases and pieces (cases only where the product has a case size), Enter: the line is
added and the cursor is back on a new line's product. Ctrl+S saves the order as a draft from
anywhere; Esc with something typed asks first. Price comes from the product master through the
service (``orders.quote_line``), with the stock the seller holds; the service writes the same
price when it saves (``orders.create_order``), so what the clerk sees is what is written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QDate, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hom.core.errors import DomainError, ValidationFailed
from hom.models.enums import OrderLevel, OrderStatus, PartyKind
from hom.services import invoices, orders, reports, sites
from hom.services.orders import LineQuote
from hom.services.reports import PartyChoice
from hom_desktop.ui import formats, prompts
from hom_desktop.ui.base import AppSession
from hom_desktop.ui.forms import (
    DISCARD_TITLE,
    DateEdit,
    Form,
    ProductPicker,
    QuantityEdit,
    debounce,
    label,
    repolish,
)

LEVEL_TITLES = {
    OrderLevel.PRIMARY: "Primary order",
    OrderLevel.SECONDARY: "Secondary order",
    OrderLevel.TERTIARY: "Tertiary sale",
}
PARTY_TITLES = {
    OrderLevel.PRIMARY: "&Distributor",
    OrderLevel.SECONDARY: "&Retailer",
    OrderLevel.TERTIARY: "&Retailer",
}
SHORT_BACKGROUND = QColor("#fdebc8")


def highlighted(completer: QCompleter, choices: dict[str, Any]) -> Any:
    """The choice highlighted in the completer's open list, or None."""
    popup = completer.popup()
    if not popup.isVisible():
        return None
    current = popup.currentIndex()
    return choices.get(current.data()) if current.isValid() else None


class PartyPicker(QLineEdit):
    """A party chosen by typing any words of its code or name, with completion from SQL;
    Enter takes the highlighted suggestion, else the first, else the exact code typed."""

    partyChosen = Signal(object)

    def __init__(self, app: AppSession, kinds: tuple[PartyKind, ...], parent=None) -> None:
        super().__init__(parent)
        self._app = app
        self._kinds = kinds
        self._choices: dict[str, PartyChoice] = {}
        self._chosen: PartyChoice | None = None
        self.setPlaceholderText("code or any words of the name")
        self.setClearButtonEnabled(True)
        self._list = QStringListModel(self)
        completer = QCompleter(self._list, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        # SQL already matched every word anywhere: show what it found, unfiltered.
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setMaxVisibleItems(12)
        completer.activated[str].connect(self._picked)
        self.setCompleter(completer)
        self._timer = debounce(self, 120, self.refresh_choices)
        self.textEdited.connect(self._typed)

    @property
    def chosen(self) -> PartyChoice | None:
        return self._chosen if self._chosen and self.text() == self._chosen.label else None

    def _typed(self, _text: str) -> None:
        self._chosen = None
        self._timer.start()

    def refresh_choices(self, *, popup: bool = True) -> None:
        self._timer.stop()
        text = self.text().strip()
        found: list[PartyChoice] = []
        if text:
            found = self._app.read(
                lambda s: [
                    c
                    for kind in self._kinds
                    for c in reports.party_choices(s, kind=kind, search=text, limit=20)
                ]
            )
        self._choices = {c.label: c for c in found}
        self._list.setStringList(list(self._choices))
        if popup and found and self.hasFocus():
            self.completer().complete()

    def _picked(self, text: str) -> None:
        choice = self._choices.get(text)
        if choice is not None:
            self.set_party(choice)

    def set_party(self, choice: PartyChoice | None) -> None:
        self._chosen = choice
        self.setText(choice.label if choice else "")
        self.completer().popup().hide()
        self.partyChosen.emit(choice)

    def take(self) -> PartyChoice | None:
        """What Enter means: the party chosen, the suggestion highlighted, the one whose code
        was typed, or the first suggestion; None (nothing typed or nothing found)."""
        if self.chosen is not None:
            return self.chosen
        if self._timer.isActive() or not self._choices:
            self.refresh_choices(popup=False)
        pick = highlighted(self.completer(), self._choices)
        typed = self.text().strip().casefold()
        pick = pick or next((c for c in self._choices.values() if c.code.casefold() == typed), None)
        pick = pick or next(iter(self._choices.values()), None)
        if pick is not None:
            self.set_party(pick)
        return pick


class LineProductPicker(ProductPicker):
    """The product of an order line: as ``ProductPicker``, and Enter takes the highlighted
    suggestion or else the first one (the list is SQL's every-word match, SKU matches first)."""

    def take(self, session: Any) -> reports.ProductChoice | None:
        if self.chosen is not None and self.text() == self.chosen.label:
            return self.chosen
        if not self.text().strip():
            return None
        if self._timer.isActive() or not self._choices:
            self._timer.stop()
            self.refresh_choices(popup=False)
        pick = highlighted(self.completer(), self._choices)
        pick = pick or self._exact(self.text()) or next(iter(self._choices.values()), None)
        if pick is None:
            return self.resolve(session)  # raises NotFound naming product_id
        self.completer().popup().hide()
        self.set_product(pick)
        return pick


@dataclass(frozen=True)
class Line:
    quote: LineQuote
    quantity: int  # units

    @property
    def amount(self) -> Decimal:
        return self.quote.unit_price * self.quantity

    def tax(self, *, inclusive: bool, taxed: bool = True) -> tuple[Decimal, Decimal] | None:
        """(taxable value, GST) by the invoice's rule; None without a GST rate. ``taxed`` False:
        the seller is not registered, and charges none."""
        if self.quote.gst_rate is None:
            return None
        rate = self.quote.gst_rate if taxed else Decimal(0)
        taxable, cgst, sgst, igst = invoices.line_tax(self.amount, rate, inclusive=inclusive)
        return taxable, cgst + sgst + igst

    def cases_and_pieces(self) -> tuple[int, int]:
        return divmod(self.quantity, self.quote.pack_size)


LINE_HEADERS = [
    "#",
    "SKU",
    "Product",
    "Cases",
    "Pcs",
    "Qty",
    "Rate",
    "Amount",
    "GST",
    "Tax",
    "In stock",
]


class OrderForm(QDialog):
    """A new order of ``level``, or an existing one (``order_id``): a draft's lines can be
    changed by a user allowed to write the level; any other order is shown read-only."""

    saved = Signal(str)

    def __init__(
        self,
        app: AppSession,
        level: OrderLevel,
        parent: QWidget | None = None,
        *,
        order_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self.level = OrderLevel(level)
        self.order_id = order_id
        self.lines: list[Line] = []
        self.quote: LineQuote | None = None
        self.seller_id: uuid.UUID | None = None
        self.taxed = True  # False: an unregistered seller's bill of supply, without GST
        self.status: OrderStatus | None = None
        self.number = ""
        self.setWindowTitle(f"New {LEVEL_TITLES[self.level].lower()}")
        self.setMinimumSize(980, 600)
        layout = QVBoxLayout(self)
        self.heading = label("", "subtitle")
        layout.addWidget(self.heading)
        self.form = Form()
        # Header fields as wide as a long party name, not the whole window.
        self.form.setMaximumWidth(self.fontMetrics().averageCharWidth() * 90)
        layout.addWidget(self.form)
        self._header()
        layout.addLayout(self._entry_row())
        # Enter in a header field goes on to the items (the date and the narration are
        # optional: the party's Enter goes straight there).
        for w in (self.consumer_name, self.consumer_phone, self.notes):
            w.returnPressed.connect(self.product.setFocus)
        self.order_date.installEventFilter(self)
        self.seller.installEventFilter(self)
        self.heading.setText(f"New {LEVEL_TITLES[self.level].lower()}")
        self.table = self._lines_table()
        layout.addWidget(self.table, 1)
        self.totals = label("", "subtitle")
        self.totals.setObjectName("order-totals")
        self.totals.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.totals)
        self.keys_hint = label(
            "Enter: next field, and after the pieces the next line · Enter on a listed line: "
            "change it · Delete: remove it · Ctrl+S: save · Esc: close",
            "hint",
            wrap=True,
        )
        layout.addWidget(self.keys_hint)
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            "&Save order", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setToolTip("Save the order as a draft (Ctrl+S)")
        self.save_button.setAutoDefault(False)
        close = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        close.clicked.connect(self.reject)
        layout.addWidget(self.buttons)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)
        self.editable = True
        if order_id is not None:
            self._load(order_id)
        self._show_totals()
        self.party.setFocus() if self.party.isEnabled() else self.product.setFocus()

    # --- building ------------------------------------------------------------------------

    def _header(self) -> None:
        f = self.form
        kind = orders.PARTY_KIND[self.level]
        self.party = PartyPicker(self.app, (kind,))
        self.party.setObjectName("order-party")
        f.add(("distributor_id", "retailer_id", "party"), PARTY_TITLES[self.level], self.party)
        self.party_hint = label("", "hint", wrap=True)
        f.add_plain("", self.party_hint)
        self.seller = QComboBox()
        self.seller.setObjectName("order-seller")
        if self.level == OrderLevel.PRIMARY:
            for loc in self.app.read(lambda s: orders.seller_locations(s, ctx=self.app.ctx)):
                self.seller.addItem(f"{loc.code} — {loc.name}", loc.id)
            f.add(("seller_location_id", "buyer_location_id"), "&From", self.seller)
            self.seller.currentIndexChanged.connect(lambda _i: self._party_changed())
        # Today on the site's calendar (the service's default), not this machine's.
        site_id = self.app.ctx.site_id
        today = self.app.read(lambda s: sites.today(s, site_id=site_id)) if site_id else None
        self.default_date = QDate(today.year, today.month, today.day) if today else None
        self.order_date = DateEdit(self.default_date or QDate.currentDate())
        self.order_date.setObjectName("order-date")
        f.add("order_date", "Da&te", self.order_date)
        self.consumer_name = QLineEdit()
        self.consumer_phone = QLineEdit()
        if self.level == OrderLevel.TERTIARY:
            self.consumer_name.setPlaceholderText("optional")
            self.consumer_phone.setPlaceholderText("optional")
            f.add("consumer_name", "&Consumer", self.consumer_name)
            f.add("consumer_phone", "&Phone", self.consumer_phone)
        self.notes = QLineEdit()
        self.notes.setObjectName("order-notes")
        self.notes.setPlaceholderText("narration, optional")
        f.add("notes", "N&otes", self.notes)
        self.party.returnPressed.connect(lambda: QTimer.singleShot(0, self._party_entered))
        self.party.partyChosen.connect(lambda _c: self._party_changed())

    def _entry_row(self) -> QHBoxLayout:
        self.product = LineProductPicker(self.app.store)
        self.product.setObjectName("line-product")
        self.product.setAccessibleName("Product of the new line")
        self.product.setPlaceholderText("type any words of the SKU or name, Enter")
        self.cases = QuantityEdit(max_digits=6)
        self.cases.setObjectName("line-cases")
        self.cases.setAccessibleName("Cases")
        self.cases.setPlaceholderText("cases")
        self.pieces = QuantityEdit(max_digits=9)
        self.pieces.setObjectName("line-pieces")
        self.pieces.setAccessibleName("Pieces")
        self.pieces.setPlaceholderText("pcs")
        width = self.fontMetrics().averageCharWidth()
        self.cases.setFixedWidth(width * 9)
        self.pieces.setFixedWidth(width * 11)
        self.product.setMinimumWidth(width * 44)
        self.line_info = label("", "hint")
        self.line_info.setObjectName("line-info")
        self.line_error = label("", "error", wrap=True)
        self.line_error.setObjectName("line-error")
        self.line_error.hide()
        row = QHBoxLayout()
        product_label = QLabel("&Item")
        product_label.setBuddy(self.product)
        row.addWidget(product_label)
        row.addWidget(self.product, 3)
        row.addWidget(self.cases)
        row.addWidget(QLabel("+"))
        row.addWidget(self.pieces)
        row.addWidget(self.line_info, 2)
        outer = QVBoxLayout()
        outer.addLayout(row)
        outer.addWidget(self.line_error)
        holder = QHBoxLayout()
        holder.addLayout(outer)
        self.product.returnPressed.connect(lambda: QTimer.singleShot(0, self._product_entered))
        self.cases.returnPressed.connect(self._cases_entered)
        self.pieces.returnPressed.connect(self.add_line)
        self.product.textEdited.connect(lambda _t: self._clear_line_error())
        return holder

    def _lines_table(self) -> QTableWidget:
        table = QTableWidget(0, len(LINE_HEADERS))
        table.setObjectName("order-lines")
        table.setAccessibleName("Order lines")
        table.setHorizontalHeaderLabels(LINE_HEADERS)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setTabKeyNavigation(False)
        table.setAlternatingRowColors(True)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        digits = table.fontMetrics().horizontalAdvance("9")
        widths = [3, 12, 0, 5, 5, 7, 10, 12, 5, 10, 8]
        for i, chars in enumerate(widths):
            if chars:
                table.setColumnWidth(i, digits * chars + 18)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.installEventFilter(self)
        return table

    # --- the header ------------------------------------------------------------------------

    def _party_entered(self) -> None:
        if self.focusWidget() is not self.party and self.party.chosen is None:
            return
        choice = self.party.take()
        if choice is None:
            self.form.errors.show(
                DomainError("no such party: type its code or words of its name", field="party")
            )
            return
        if self._party_changed():
            self.product.setFocus()

    def _party_changed(self) -> bool:
        """Find where the order sells from for the chosen party; False (said beside the party
        field) when it cannot be written for that party."""
        choice = self.party.chosen
        self.form.errors.clear()
        self.seller_id = None
        if choice is None:
            self.party_hint.setText("")
            return False
        location_id = self.seller.currentData() if self.level == OrderLevel.PRIMARY else None
        try:
            seller = self.app.read(
                lambda s: orders.seller_location_for(
                    s, level=self.level, party_id=choice.id, seller_location_id=location_id
                )
            )
        except DomainError as exc:
            self.party_hint.setText("")
            self.form.errors.show(replace_field(exc, "party"))
            return False
        self.seller_id = seller.id if seller is not None else None
        self.taxed = self.app.read(
            lambda s: invoices.seller_charges_tax(s, level=self.level, party_id=choice.id)
        )
        if seller is None:
            self.party_hint.setText("A sale from the retailer's counter: no stock moves here.")
        elif self.level == OrderLevel.SECONDARY:
            self.party_hint.setText(f"Sold by its distributor from {seller.code} — {seller.name}")
        else:
            self.party_hint.setText(f"Sold from {seller.code} — {seller.name}")
        self._requote()
        return True

    def _requote(self) -> None:
        """Stock figures follow the seller: read each line's quote again."""
        if not self.lines:
            return
        self.lines = [replace(ln, quote=self._quote(ln.quote.product_id)) for ln in self.lines]
        self._show_lines()

    def _quote(self, product_id: uuid.UUID) -> LineQuote:
        return self.app.read(
            lambda s: orders.quote_line(
                s, level=self.level, product_id=product_id, seller_location_id=self.seller_id
            )
        )

    # --- the entry row ---------------------------------------------------------------------

    def _clear_line_error(self) -> None:
        self.line_error.hide()
        self.product.setProperty("invalid", False)
        repolish(self.product)

    def _line_refused(self, message: str, widget: QWidget) -> None:
        self.line_error.setText(message)
        self.line_error.show()
        widget.setProperty("invalid", True)
        repolish(widget)
        widget.setFocus()

    def _product_entered(self) -> None:
        if self.focusWidget() is not self.product:
            return
        if not self.product.text().strip():
            if self.lines:
                self.notes.setFocus()  # Enter on an empty line: the items are done
            return
        try:
            choice = self.app.read(self.product.take)
        except DomainError as exc:
            self._line_refused(exc.message, self.product)
            return
        if choice is None:
            return
        self.quote = self._quote(choice.id)
        self._clear_line_error()
        self._show_quote()
        if self.quote.pack_size > 1:
            self.cases.setEnabled(True)
            self.cases.setFocus()
            self.cases.selectAll()
        else:
            self.cases.clear()
            self.cases.setEnabled(False)
            self.pieces.setFocus()
            self.pieces.selectAll()

    def _show_quote(self) -> None:
        q = self.quote
        if q is None:
            self.line_info.setText("")
            return
        parts = [f"{formats.money(q.unit_price)} per {q.unit}"]
        if q.pack_size > 1:
            parts.append(f"case of {q.pack_size}")
        if q.on_hand is not None:
            parts.append(f"{formats.quantity(q.on_hand)} in stock")
        self.line_info.setText(" · ".join(parts))

    def _cases_entered(self) -> None:
        self.pieces.setFocus()
        self.pieces.selectAll()

    def add_line(self) -> bool:
        """The entry row becomes a line; the cursor goes to the next line's product."""
        if self.quote is None or self.product.text() != (
            self.product.chosen.label if self.product.chosen else None
        ):
            self._line_refused("type the product first, then Enter", self.product)
            return False
        cases = self.cases.value() or 0 if self.cases.isEnabled() else 0
        quantity = cases * self.quote.pack_size + (self.pieces.value() or 0)
        if quantity <= 0:
            self._line_refused("type a quantity: cases, pieces or both", self.pieces)
            return False
        self.lines.append(Line(self.quote, quantity))
        self.quote = None
        self.product.set_product(None)
        self.cases.clear()
        self.cases.setEnabled(True)
        self.pieces.clear()
        self.line_info.setText("")
        self._clear_line_error()
        self._show_lines()
        self.table.scrollToBottom()
        self.product.setFocus()
        return True

    def edit_line(self, row: int) -> None:
        """Take a listed line back into the entry row (to change its quantity or product)."""
        line = self.lines.pop(row)
        self._show_lines()
        self.product.set_product(
            reports.ProductChoice(line.quote.product_id, line.quote.sku, line.quote.name)
        )
        self.quote = line.quote
        self._show_quote()
        cases, pieces = line.cases_and_pieces()
        self.cases.setEnabled(line.quote.pack_size > 1)
        self.cases.setValue(cases if line.quote.pack_size > 1 else None)
        self.pieces.setValue(pieces if line.quote.pack_size > 1 else line.quantity)
        field = self.cases if self.cases.isEnabled() else self.pieces
        field.setFocus()
        field.selectAll()  # typing replaces the quantity

    def remove_line(self, row: int) -> None:
        del self.lines[row]
        self._show_lines()
        if self.lines:
            self.table.selectRow(min(row, len(self.lines) - 1))
        else:
            self.product.setFocus()

    def eventFilter(self, obj: Any, event: Any) -> bool:
        from PySide6.QtCore import QEvent

        enter = event.type() == QEvent.Type.KeyPress and event.key() in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
        )
        if (
            enter
            and obj in (self.order_date, self.seller)
            and not (isinstance(obj, QComboBox) and obj.view().isVisible())
        ):
            self.product.setFocus()
            return True
        if (
            obj is self.table
            and event.type() == QEvent.Type.FocusIn
            and self.lines
            and not self.table.selectionModel().hasSelection()
        ):  # arriving by Tab selects a line, so Enter and Delete act at once
            current = self.table.currentIndex()
            self.table.selectRow(current.row() if current.isValid() else 0)
        if obj is self.table and event.type() == QEvent.Type.KeyPress and self.editable:
            rows = self.table.selectionModel().selectedRows()
            if rows and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.edit_line(rows[0].row())
                return True
            if rows and event.key() == Qt.Key.Key_Delete:
                self.remove_line(rows[0].row())
                return True
        return super().eventFilter(obj, event)

    # --- lines and totals ------------------------------------------------------------------

    def _show_lines(self) -> None:
        self.table.setRowCount(len(self.lines))
        wanted: dict[uuid.UUID, int] = {}
        for ln in self.lines:
            wanted[ln.quote.product_id] = wanted.get(ln.quote.product_id, 0) + ln.quantity
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, ln in enumerate(self.lines):
            q = ln.quote
            cases, pieces = ln.cases_and_pieces() if q.pack_size > 1 else (0, ln.quantity)
            tax = ln.tax(inclusive=self.inclusive, taxed=self.taxed)
            rate_text = (
                "—" if q.gst_rate is None or not self.taxed else f"{q.gst_rate.normalize():f}%"
            )
            cells = [
                (str(row + 1), right),
                (q.sku, None),
                (q.name, None),
                (formats.quantity(cases) if q.pack_size > 1 else "", right),
                (formats.quantity(pieces), right),
                (formats.quantity(ln.quantity), right),
                (formats.money(q.unit_price), right),
                (formats.money(ln.amount), right),
                (rate_text, right),
                (formats.money(tax[1]) if tax else "", right),
                ("" if q.on_hand is None else formats.quantity(q.on_hand), right),
            ]
            short = q.on_hand is not None and wanted[q.product_id] > q.on_hand
            for col, (text, align) in enumerate(cells):
                item = QTableWidgetItem(text)
                if align is not None:
                    item.setTextAlignment(align)
                if short:
                    item.setBackground(SHORT_BACKGROUND)
                    item.setToolTip(
                        f"The order wants {formats.quantity(wanted[q.product_id])} of {q.sku}; "
                        f"{formats.quantity(q.on_hand)} in stock: dispatch will refuse"
                    )
                self.table.setItem(row, col, item)
        self._show_totals()

    @property
    def inclusive(self) -> bool:
        """A tertiary sale is at MRP, tax included; other levels add the tax to the price."""
        return self.level == OrderLevel.TERTIARY

    def total(self) -> Decimal:
        """What the order's lines come to before tax (the order's total, as the service
        writes it)."""
        return sum((ln.amount for ln in self.lines), Decimal(0))

    def tax_total(self) -> tuple[Decimal, bool]:
        """The GST of the lines, and whether every line has a rate."""
        taxes = [ln.tax(inclusive=self.inclusive, taxed=self.taxed) for ln in self.lines]
        return sum((t[1] for t in taxes if t), Decimal(0)), all(taxes)

    def _show_totals(self) -> None:
        units = sum(ln.quantity for ln in self.lines)
        tax, complete = self.tax_total()
        amount = self.total()
        parts = [formats.plural(len(self.lines), "line"), formats.plural(units, "unit")]
        if self.inclusive:
            parts.append(f"GST included {formats.money(tax)}")
            parts.append(f"Total {formats.money(amount)}")
        else:
            parts.append(f"Value {formats.money(amount)}")
            parts.append(f"GST {formats.money(tax)}")
            parts.append(f"Total {formats.money(amount + tax)}")
        if not self.taxed:
            parts.append("(the seller is not registered for GST: a bill of supply, no tax)")
        elif self.lines and not complete:
            parts.append("(a product without a GST rate carries no tax here)")
        self.totals.setText(" · ".join(parts))

    def keyPressEvent(self, event: Any) -> None:
        """Enter never presses a button here (QDialog would press the default one, saving a
        half-typed order): in a field it has already moved on; Ctrl+S saves."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    # --- saving ----------------------------------------------------------------------------

    def has_input(self) -> bool:
        """Typed and not saved: a party or a line, or a product on the entry row."""
        if not self.editable:
            return False
        if self.order_id is not None:
            return self._loaded_lines != [(ln.quote.product_id, ln.quantity) for ln in self.lines]
        return bool(self.lines or self.product.text().strip() or self.party.text().strip())

    def reject(self) -> None:
        if self.has_input() and not prompts.confirm(
            self,
            DISCARD_TITLE,
            f"{self.windowTitle()}: what you typed has not been saved. Close and discard it?",
        ):
            return
        super().reject()

    def save(self) -> bool:
        if not self.editable:
            return False
        self.form.errors.clear()
        typed_line = self.product.text().strip() and (self.quote or self.pieces.text())
        if typed_line and not self.add_line():  # a line typed but not yet entered counts
            return False
        if not self.lines:
            self._line_refused("an order needs at least one line", self.product)
            return False
        ctx, level = self.app.ctx, self.level
        lines = [{"product_id": ln.quote.product_id, "quantity": ln.quantity} for ln in self.lines]
        try:
            if self.order_id is None:
                choice = self.party.chosen or (self.party.take() if self.party.text() else None)
                if choice is None:
                    raise ValidationFailed([("party", "type the party, then Enter")])
                d = self.order_date.date()
                values = {
                    "level": level,
                    "party_id": choice.id,
                    "lines": lines,
                    "seller_location_id": self.seller.currentData(),
                    "order_date": None if d == self.default_date else d.toPython(),
                    "notes": self.notes.text().strip(),
                    "consumer_name": self.consumer_name.text().strip(),
                    "consumer_phone": self.consumer_phone.text().strip(),
                }
                number, total = self.app.run_action(
                    lambda s: _created(
                        orders.create_order(
                            s, ctx=ctx, level=level, order_in=orders.order_in_for(s, **values)
                        )
                    )
                )
                text = f"Order {number} saved as a draft: {formats.money(total)}."
            else:
                order_id = self.order_id
                number, total = self.app.run_action(
                    lambda s: _created(
                        orders.replace_lines(
                            s, ctx=ctx, level=level, order_id=order_id, lines=lines
                        )
                    )
                )
                text = f"Order {number} saved: {formats.money(total)}."
        except DomainError as exc:
            self._refused(exc)
            return False
        self.number = number
        self.app.notify("orders")
        self.saved.emit(text)
        self.editable = False  # nothing left to lose
        self.accept()
        return True

    def _refused(self, exc: DomainError) -> None:
        """A line's error goes to the entry row (naming the line), the rest beside fields."""
        field = exc.field or ""
        if field.startswith("lines."):
            parts = field.split(".")
            n = int(parts[1]) + 1 if parts[1].isdigit() else 0
            self._line_refused(f"Line {n}: {exc.message}", self.product)
            if 0 < n <= len(self.lines):
                self.table.selectRow(n - 1)
            return
        if field in ("distributor_id", "retailer_id"):
            exc = replace_field(exc, "party")
        self.form.errors.show(exc)

    # --- an existing order -----------------------------------------------------------------

    def _load(self, order_id: uuid.UUID) -> None:
        level, ctx = self.level, self.app.ctx

        def read(s: Any) -> tuple[Any, PartyChoice | None, list[Line], Any, bool]:
            order = orders.get_order(s, level=level, order_id=order_id, ctx=ctx)
            pub = orders.to_public(level, order)
            spec = orders.spec_for(level)
            party = _party_choice(s, getattr(order, spec.counterparty_field))
            lines = [
                Line(
                    replace(
                        orders.quote_line(
                            s,
                            level=level,
                            product_id=ln.product_id,
                            seller_location_id=order.seller_location_id,
                        ),
                        unit_price=ln.unit_price,  # as written, not today's master
                        gst_rate=ln.gst_rate,
                    ),
                    ln.quantity,
                )
                for ln in pub.lines
            ]
            taxed = party is None or invoices.seller_charges_tax(s, level=level, party_id=party.id)
            return pub, party, lines, order.seller_location_id, taxed

        pub, party, lines, seller_id, self.taxed = self.app.read(read)
        self.number = pub.number
        self.status = pub.status
        self.seller_id = seller_id
        self.lines = lines
        self._loaded_lines = [(ln.quote.product_id, ln.quantity) for ln in lines]
        self.party.blockSignals(True)
        self.party._chosen = party
        self.party.setText(party.label if party else "")
        self.party.blockSignals(False)
        self.party.setEnabled(False)
        self.order_date.setDate(
            QDate(pub.order_date.year, pub.order_date.month, pub.order_date.day)
        )
        self.order_date.setEnabled(False)
        self.seller.setEnabled(False)
        for w in (self.notes, self.consumer_name, self.consumer_phone):
            w.setEnabled(False)
        self.notes.setText(pub.notes)
        self.consumer_name.setText(pub.consumer_name or "")
        self.consumer_phone.setText(pub.consumer_phone or "")
        steps = orders.next_steps(
            self.app.ctx, level=self.level, status=pub.status, site_id=pub.site_id
        )
        self.editable = pub.status == OrderStatus.DRAFT and OrderStatus.CONFIRMED in steps
        status = pub.status.value.capitalize()
        self.setWindowTitle(f"{LEVEL_TITLES[self.level]} {pub.number}")
        self.heading.setText(
            f"{pub.number} · {formats.day(pub.order_date)} · {status}"
            + ("" if self.editable else " (read only)")
        )
        for w in (self.product, self.cases, self.pieces):
            w.setVisible(self.editable)
        self.save_button.setVisible(self.editable)
        self.keys_hint.setVisible(self.editable)
        self._show_lines()


def _party_choice(session: Any, party_id: uuid.UUID) -> PartyChoice | None:
    from hom.services import parties

    p = parties.get_party(session, party_id)
    return PartyChoice(p.id, p.kind, p.code, p.name, p.active)


def _created(order: Any) -> tuple[str, Decimal]:
    return order.number, order.total_amount


def replace_field(exc: DomainError, field: str) -> DomainError:
    """The same refusal, shown beside another field (the one the clerk typed)."""
    copy = DomainError(exc.message, field=field)
    return copy
