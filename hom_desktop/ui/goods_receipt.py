"""The goods receipt dialog: a dispatched primary order arrives at the distributor's stock point.

The clerk sees the order, where it came from, the stock point it goes into and what was
dispatched (product, batch, expiry, quantity), and types what arrived: Received starts at the
dispatched quantity, Damaged at nothing. Less than dispatched needs a reason. Keyboard only: Tab
or Enter moves on, Ctrl+S receives, Esc asks before throwing typed input away. A refusal keeps
everything typed and shows the service's message beside the field it names
(``services.goods_receipts.receive_primary``).
"""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from hom.core.errors import DomainError
from hom.schemas.goods_receipts import ReceivableOrder
from hom.services import goods_receipts
from hom_desktop.ui import formats
from hom_desktop.ui.base import AppSession, info_banner, title_label
from hom_desktop.ui.forms import (
    DateEdit,
    EnterMovesFocus,
    Form,
    GuardedDialog,
    QuantityEdit,
    label,
    repolish,
)

_LINE_FIELD = re.compile(r"^lines\.(\d+)\.(received_qty|damaged_qty|reason)$")
HEADERS = ("Product", "Batch", "Expiry", "Dispatched", "Received", "Damaged")


class GoodsReceiptDialog(GuardedDialog):
    """Receive one dispatched primary order (``order_id``) into its stock point."""

    received = Signal(str)
    """What was received, in a sentence for the status line, after the receipt is saved."""

    def __init__(self, app: AppSession, order_id: uuid.UUID, parent: QWidget | None = None):
        super().__init__(parent)
        self.app = app
        self.order_id = order_id
        self.order: ReceivableOrder = app.read(
            lambda s: goods_receipts.receivable_order(s, ctx=app.ctx, order_id=order_id)
        )
        self.setWindowTitle(f"Receive goods — {self.order.order_number}")
        self.setMinimumWidth(760)
        outer = QVBoxLayout(self)
        outer.addWidget(title_label("Goods receipt"))
        outer.addLayout(self._facts())
        self.refusal = info_banner()
        self.refusal.setProperty("role", "banner-error")
        if self.order.refusal:
            self.refusal.setText(f"This store cannot receive it: {self.order.refusal}")
            self.refusal.show()
        outer.addWidget(self.refusal)

        self.form = Form()
        self.received_edits: list[QuantityEdit] = []
        self.damaged_edits: list[QuantityEdit] = []
        lines = self._lines_table()
        self.on = DateEdit(QDate.currentDate())
        self.on.setMaximumWidth(170)
        self.reason = QLineEdit()
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText("why less than dispatched arrived, e.g. 2 cartons crushed")
        self.form.add(
            ("received_qty", "damaged_qty", "lines", "product_id", "batch_id"), "Lines", lines
        )
        self.form.inputs.remove(lines)  # its quantity fields are the inputs
        pairs = zip(self.received_edits, self.damaged_edits, strict=True)
        self.form.inputs[:0] = [edit for pair in pairs for edit in pair]
        self.form.add("on", "Received &on", self.on)
        self.form.add("reason", "&Reason", self.reason)
        outer.addWidget(self.form, 1)
        self.totals = label("", "hint")
        outer.addWidget(self.totals)

        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton("&Receive", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setAutoDefault(False)
        self.ok_button.setToolTip("Receive into the stock point (Ctrl+S)")
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)
        self.ok_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        outer.addWidget(buttons)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)

        for first, second in itertools.pairwise(self.form.inputs):
            QWidget.setTabOrder(first, second)
        EnterMovesFocus(self, self.form.inputs)
        for edit in (*self.received_edits, *self.damaged_edits):
            edit.textEdited.connect(lambda _t: self._show_totals())
        self._show_totals()
        if self.received_edits:
            self.received_edits[0].setFocus()
            self.received_edits[0].selectAll()

    # --- layout ---------------------------------------------------------------------------

    def _facts(self) -> QFormLayout:
        o = self.order
        facts = QFormLayout()
        facts.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        dispatched = f" (dispatched {formats.day(o.dispatched_at)})" if o.dispatched_at else ""
        facts.addRow("Order:", QLabel(f"{o.order_number}{dispatched}"))
        facts.addRow("Distributor:", QLabel(f"{o.distributor_code} — {o.distributor_name}"))
        facts.addRow("From:", QLabel(o.seller_location_code))
        into = QLabel(f"{o.stock_point_code} — {o.stock_point_name}")
        into.setAccessibleName("Received into")
        facts.addRow("Into stock point:", into)
        return facts

    def _lines_table(self) -> QScrollArea:
        """One row per dispatched product and batch; Received and Damaged are typed."""
        grid_holder = QWidget()
        grid = QGridLayout(grid_holder)
        grid.setHorizontalSpacing(14)
        for col, text in enumerate(HEADERS):
            head = label(text, "subtitle")
            if col >= 3:
                head.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(head, 0, col)
        for row, line in enumerate(self.order.lines, start=1):
            grid.addWidget(QLabel(f"{line.sku} — {line.product_name}"), row, 0)
            grid.addWidget(QLabel(line.batch_code or "—"), row, 1)
            grid.addWidget(QLabel(formats.day(line.expires_on) if line.expires_on else "—"), row, 2)
            sent = QLabel(formats.quantity(line.dispatched_qty))
            sent.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(sent, row, 3)
            what = f"{line.sku}{' batch ' + line.batch_code if line.batch_code else ''}"
            received = QuantityEdit()
            received.setValue(line.dispatched_qty)
            received.setAccessibleName(f"Received of {what}")
            damaged = QuantityEdit()
            damaged.setAccessibleName(f"Damaged of {what}")
            for col, edit in ((4, received), (5, damaged)):
                edit.setMaximumWidth(110)
                grid.addWidget(edit, row, col)
            self.received_edits.append(received)
            self.damaged_edits.append(damaged)
        if not self.order.lines:
            grid.addWidget(
                label("Nothing of this order has been dispatched here.", "hint"), 1, 0, 1, 6
            )
        grid.setColumnStretch(0, 1)
        grid.setRowStretch(len(self.order.lines) + 1, 1)
        area = QScrollArea()
        area.setWidget(grid_holder)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        rows = min(len(self.order.lines), 10) + 1
        area.setMinimumHeight(rows * (received.sizeHint().height() + 8) if self.order.lines else 60)
        return area

    # --- actions --------------------------------------------------------------------------

    def _quantities(self) -> list[tuple[int, int]]:
        return [
            (r.value() or 0, d.value() or 0)
            for r, d in zip(self.received_edits, self.damaged_edits, strict=True)
        ]

    def _show_totals(self) -> None:
        sent = sum(ln.dispatched_qty for ln in self.order.lines)
        got = self._quantities()
        received = sum(r for r, _ in got)
        damaged = sum(d for _, d in got)
        short = max(sent - received - damaged, 0)
        self.totals.setText(
            f"Dispatched {formats.quantity(sent)} · received {formats.quantity(received)} · "
            f"damaged {formats.quantity(damaged)} · short {formats.quantity(short)}"
        )

    def save(self) -> bool:
        self.form.errors.clear()
        self._mark_line(None)
        ctx = self.app.ctx
        lines = [
            {
                "product_id": ln.product_id,
                "batch_id": ln.batch_id,
                "received_qty": received,
                "damaged_qty": damaged,
            }
            for ln, (received, damaged) in zip(self.order.lines, self._quantities(), strict=True)
        ]
        day = self.on.date().toPython()
        reason = self.reason.text()

        def act(s: Any) -> tuple[str, int, int]:
            receipt = goods_receipts.receive_primary(
                s, ctx=ctx, order_id=self.order_id, lines=lines, reason=reason, on=day
            )
            got = sum(ln.received_qty for ln in receipt.lines)
            return receipt.number, got, sum(ln.dispatched_qty for ln in receipt.lines)

        try:
            number, got, sent = self.app.run_action(act)
        except DomainError as exc:
            self.form.errors.show(exc)
            self._mark_line(exc)
            return False
        self.app.notify("stock", "orders")
        self.received.emit(
            f"Received {self.order.order_number} into {self.order.stock_point_code}: "
            f"{formats.quantity(got)} of {formats.quantity(sent)} dispatched ({number})."
        )
        self.form.mark_clean()
        self.accept()
        return True

    def _mark_line(self, exc: DomainError | None) -> None:
        """Outline and focus the quantity a refusal names (``lines.2.damaged_qty``)."""
        for edit in (*self.received_edits, *self.damaged_edits):
            if edit.property("invalid"):
                edit.setProperty("invalid", False)
                repolish(edit)
        found = _LINE_FIELD.match(exc.field or "") if exc is not None else None
        if found is None:
            return
        index, name = int(found.group(1)), found.group(2)
        if name == "reason" or index >= len(self.received_edits):
            return  # the reason field shows it
        edit = (self.received_edits if name == "received_qty" else self.damaged_edits)[index]
        edit.setProperty("invalid", True)
        repolish(edit)
        edit.setFocus()
        edit.selectAll()
