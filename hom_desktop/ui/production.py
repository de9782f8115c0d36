"""Daily production at a factory: a fast entry line and the day's log below it.

Made for typing: Enter moves to the next field, Ctrl+S posts, and after a post the product,
batch and quantities clear while date and shift stay, ready for the next line. A posted entry is
never edited: it is reversed with a reason (``production.reverse_log``), and the log shows both.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from hom.core.clock import to_local
from hom.core.errors import DomainError, ValidationFailed
from hom.models.enums import Shift
from hom.schemas.production import ProductionLogRow
from hom.services import production
from hom_desktop.ui import formats, prompts, theme
from hom_desktop.ui.base import AppSession, BaseView, button_for, hbox
from hom_desktop.ui.forms import EnterMovesFocus, FormErrors, ProductPicker, QuantityEdit, label
from hom_desktop.ui.table_model import (
    ALIGN_RIGHT,
    Column,
    PagedTableModel,
    RowStyle,
    make_table,
    offset_pager,
)


def _status(r: ProductionLogRow) -> str:
    if r.reverses_id is not None:
        return "reversal"
    return "reversed" if r.reversed else "posted"


LOG_COLUMNS = [
    Column("Shift", lambda r: r.shift.value, width_chars=3),
    Column("SKU", lambda r: r.sku, width_chars=12),
    Column("Product", lambda r: r.product_name, width_chars=26, stretch=True),
    Column("Batch", lambda r: r.batch_code or "", width_chars=12),
    Column("Good", lambda r: f"{formats.quantity(r.good_qty)}", align=ALIGN_RIGHT, width_chars=7),
    Column(
        "Rejected",
        lambda r: f"{formats.quantity(r.rejected_qty)}",
        align=ALIGN_RIGHT,
        width_chars=6,
    ),
    Column("Status", _status, width_chars=8),
    Column(
        "Posted",
        lambda r: to_local(r.created_at).strftime("%H:%M:%S"),
        width_chars=8,
        raw=lambda r: to_local(r.created_at),
    ),
    Column("Remarks", lambda r: r.remarks, width_chars=18, tooltip=lambda r: r.remarks),
]


def _style(r: ProductionLogRow) -> RowStyle | None:
    if r.reverses_id is not None or r.reversed:
        return RowStyle(foreground=QColor("#8a94a0"))
    return None


def qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def pydate(d: QDate) -> date:
    return date(d.year(), d.month(), d.day())


class ProductionView(BaseView):
    key = "production"
    title = "Production"
    icon_name = "production"
    permissions = frozenset({"production.post", "production.reverse"})
    watches = frozenset({"production", "products"})

    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.post_action = self.action(
            "&Post entry",
            self.post,
            icon="save",
            shortcut="Ctrl+S",
            enabled=app.can("production.post"),
        )
        self.reverse_action = self.action(
            "&Reverse entry…", self.reverse, icon="reverse", shortcut="Ctrl+R", enabled=False
        )
        self.new_action = self.action(
            "&New line",
            self.clear_line,
            icon="add",
            shortcut="Ctrl+N",
            enabled=app.can("production.post"),
        )

        where = app.who.site_code or "no site"
        layout = self.page_layout(
            "Daily production", label(f"Factory: {where} — {app.who.site_name}", "hint")
        )
        self.error_banner = QLabel()
        self.errors = FormErrors(self.error_banner)
        layout.addWidget(self.error_banner)
        layout.addWidget(self._entry_box())
        self.day_title = label("", "title")
        layout.addLayout(hbox(self.day_title, None, button_for(self.reverse_action)))
        self.model = PagedTableModel(LOG_COLUMNS, row_style=_style)
        self.table = make_table(self.model, object_name="production-log")
        layout.addWidget(self.table, 1)
        self.day_summary = label("", "hint")
        layout.addWidget(self.day_summary)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.model.modelReset.connect(self._selection_changed)
        self.day.dateChanged.connect(lambda _d: self.reload_day())
        self.reload_day()

    def _entry_box(self) -> QGroupBox:
        box = QGroupBox("New entry")
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        self.day = QDateEdit(qdate(production.local_today()))
        self.day.setObjectName("prod-date")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat(formats.DATE_INPUT)
        self.shift = QComboBox()
        self.shift.setObjectName("prod-shift")
        for s in Shift:
            self.shift.addItem(s.value, s)
        self.product = ProductPicker(self.app.store)
        self.product.setObjectName("prod-product")
        self.batch = QLineEdit()
        self.batch.setObjectName("prod-batch")
        self.batch.setPlaceholderText("if tracked")
        self.good = QuantityEdit()
        self.good.setObjectName("prod-good")
        self.rejected = QuantityEdit()
        self.rejected.setObjectName("prod-rejected")
        self.remarks = QLineEdit()
        self.remarks.setObjectName("prod-remarks")
        self.post_button = QPushButton(theme.icon("save"), "Post")
        self.post_button.setObjectName("prod-post")
        self.post_button.setProperty("primary", True)
        self.post_button.setToolTip("Post this entry (Ctrl+S)")
        self.post_button.setEnabled(self.app.can("production.post"))
        self.post_button.clicked.connect(self.post)
        fields: list[tuple[str | tuple[str, ...], str, QWidget, int]] = [
            ("production_date", "&Date", self.day, 2),
            ("shift", "Shif&t", self.shift, 1),
            ("product_id", "&Product (SKU or name)", self.product, 5),
            ("batch_code", "&Batch", self.batch, 2),
            ("good_qty", "G&ood", self.good, 2),
            ("rejected_qty", "Re&jected", self.rejected, 2),
            (("remarks", "site_id", "location_id"), "Re&marks", self.remarks, 4),
        ]
        for col, (names, title, widget, stretch) in enumerate(fields):
            caption = QLabel(title)
            caption.setBuddy(widget)
            widget.setAccessibleName(title.replace("&", "").split(" (")[0])
            grid.addWidget(caption, 0, col)
            grid.addWidget(widget, 1, col)
            err = label("", "error", wrap=True)
            err.hide()
            grid.addWidget(err, 2, col, Qt.AlignmentFlag.AlignTop)
            grid.setColumnStretch(col, stretch)
            self.errors.bind(names, widget, err, title)
        grid.addWidget(self.post_button, 1, len(fields))
        self.inputs = [f[2] for f in fields]
        EnterMovesFocus(self, [*self.inputs, self.post_button])
        return box

    # --- entry -------------------------------------------------------------------------

    def focus_first(self) -> None:
        self.product.setFocus()
        self.product.selectAll()

    def clear_line(self) -> None:
        """Ready for the next line: date and shift stay, the rest clears."""
        self.product.set_product(None)
        self.batch.clear()
        self.good.setValue(None)
        self.rejected.setValue(None)
        self.remarks.clear()
        self.errors.clear()
        self.product.setFocus()

    def post(self) -> bool:
        if not self.app.can("production.post"):
            return False
        self.errors.clear()
        ctx = self.app.ctx
        values: dict[str, Any] = {
            "production_date": pydate(self.day.date()),
            "shift": Shift(self.shift.currentData()),  # Qt hands a str enum back as str
            "batch_code": self.batch.text().strip() or None,
            "good_qty": self.good.value() or 0,
            "rejected_qty": self.rejected.value() or 0,
            "remarks": self.remarks.text().strip(),
        }

        def act(s: Any) -> str:
            product = self.product.resolve(s)
            if product is None:
                raise ValidationFailed([("product_id", "type the product's SKU or name")])
            production.post_log(s, ctx=ctx, log_in={**values, "product_id": product.id})
            return product.sku

        try:
            sku = self.app.run_action(act)
        except DomainError as exc:
            self.banner.hide()
            self.errors.show(exc)
            return False
        self.say(
            f"Posted {formats.quantity(values['good_qty'])} good and "
            f"{formats.quantity(values['rejected_qty'])} rejected "
            f"of {sku}, shift {values['shift'].value}."
        )
        self.app.notify("production", "stock")
        self.reload_day()
        self.clear_line()
        return True

    # --- the day's log -------------------------------------------------------------------

    def reload_day(self) -> None:
        super().refresh()
        day = pydate(self.day.date())
        site_id, store = self.app.ctx.site_id, self.app.store

        def read(offset: int, limit: int, _s: str | None, _d: bool) -> list[ProductionLogRow]:
            with store.reader() as s:
                return production.logs_page(
                    s, site_id=site_id, since=day, until=day, offset=offset, limit=limit
                )

        self.model.set_fetch(offset_pager(read))
        self.day_title.setText(f"Log of {day:%A}, {formats.day(day)}")
        rows = self.model.rows()
        good = sum(r.good_qty for r in rows)
        rejected = sum(r.rejected_qty for r in rows)
        more = "+" if self.model.canFetchMore() else ""
        noun = "line" if len(rows) == 1 and not more else "lines"
        self.day_summary.setText(
            f"{formats.quantity(len(rows))}{more} {noun}"
            f" · net good {formats.quantity(good)}"
            f" · net rejected {formats.quantity(rejected)}"
        )

    def refresh(self) -> None:
        self.reload_day()

    def selected(self) -> ProductionLogRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _selection_changed(self) -> None:
        self.reverse_action.setEnabled(
            self.selected() is not None and self.app.can("production.reverse")
        )

    def reverse(self) -> bool:
        row = self.selected()
        if row is None:
            return False
        reason = prompts.ask_text(
            self,
            "Reverse entry",
            f"Why is the entry of {formats.quantity(row.good_qty)} × {row.sku} "
            f"(shift {row.shift.value}) "
            "being reversed?",
        )
        if reason is None:
            return False
        ctx = self.app.ctx
        try:
            self.app.run_action(
                lambda s: production.reverse_log(s, ctx=ctx, log_id=row.id, reason=reason)
            )
        except DomainError as exc:
            text = f"The entry was not reversed: {prompts.describe(exc)}"
            self.banner.hide()
            self.errors.show_message(text)
            prompts.error(self, "Reverse entry", text)
            return False
        self.errors.clear()
        self.say(f"Reversed {formats.quantity(row.good_qty)} × {row.sku}: {reason}")
        self.app.notify("production", "stock")
        self.reload_day()
        return True
