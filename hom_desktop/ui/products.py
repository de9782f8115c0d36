"""Products: a searchable, sortable table paged from SQL, an edit form, CSV import and export.

Search runs as you type (SKU or name, in SQL); sorting is done by ``products.page_products``.
The form sends what was typed to ``products.create_product``/``update_product``; prices travel
as text and the service's schema turns them into exact decimals or says why it cannot.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPushButton, QWidget

from hom.core.errors import DomainError
from hom.schemas.gst import GST_RATES
from hom.schemas.product import ProductPublic
from hom.services import products
from hom_desktop.ui import formats, theme
from hom_desktop.ui.base import AppSession, search_field
from hom_desktop.ui.forms import Form, QuantityEdit, find_data
from hom_desktop.ui.master import MasterDataView
from hom_desktop.ui.table_model import ALIGN_RIGHT, Column, PagedTableModel, RowStyle, offset_pager


def money(value: Any) -> str:
    """A price as en-IN writes it: ₹1,23,456.00."""
    return formats.money(value)


def gst_rate_text(rate: Decimal | None) -> str:
    """``18%``, ``0.25%``; empty when not set."""
    return "" if rate is None else f"{format(rate.normalize(), 'f')}%"


def gst_tooltip(hsn_code: str, rate: Decimal | None) -> str:
    """``HSN 3401, GST 18%`` (saying which is not set yet)."""
    hsn = f"HSN {hsn_code}" if hsn_code else "no HSN code"
    gst = f"GST {gst_rate_text(rate)}" if rate is not None else "GST rate not set"
    return f"{hsn}, {gst}"


PRODUCT_COLUMNS = [
    Column("SKU", lambda p: p.sku, "sku", width_chars=10),
    Column(
        "Name", lambda p: p.name, "name", width_chars=15, tooltip=lambda p: p.name, stretch=True
    ),
    Column("Category", lambda p: p.category, "category", width_chars=9),
    Column("Pack", lambda p: p.pack_size, "pack_size", ALIGN_RIGHT, width_chars=4),
    Column("MRP", lambda p: money(p.mrp), "mrp", ALIGN_RIGHT, width_chars=9, raw=lambda p: p.mrp),
    Column(
        "Dist.",
        lambda p: money(p.distributor_price),
        "distributor_price",
        ALIGN_RIGHT,
        width_chars=9,
        raw=lambda p: p.distributor_price,
    ),
    Column(
        "Retail",
        lambda p: money(p.retailer_price),
        "retailer_price",
        ALIGN_RIGHT,
        width_chars=9,
        raw=lambda p: p.retailer_price,
    ),
    # One narrow column for GST (the name keeps the width): the rate, the HSN code on hover.
    Column(
        "GST",
        lambda p: gst_rate_text(p.gst_rate),
        "gst_rate",
        ALIGN_RIGHT,
        width_chars=4,
        raw=lambda p: p.gst_rate,
        tooltip=lambda p: gst_tooltip(p.hsn_code, p.gst_rate),
    ),
    Column(
        "Reorder",
        lambda p: formats.quantity(p.reorder_level) if p.reorder_level else "",
        "reorder_level",
        ALIGN_RIGHT,
        width_chars=6,
        tooltip=lambda p: "" if p.active else "inactive",
    ),
]

ACTIVE_FILTERS = [("All products", None), ("Active", True), ("Inactive", False)]


def _inactive_style(p: ProductPublic) -> RowStyle | None:
    return None if p.active else RowStyle(foreground=QColor("#7b8794"))


class ProductsView(MasterDataView):
    key = "products"
    title = "Products"
    icon_name = "products"
    permissions = frozenset({"products.manage", "stock.view", "data.import", "orders.view"})
    watches = frozenset({"products"})
    noun = "product"
    manage_permission = "products.manage"
    csv_kind = "products"

    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(app, parent, heading="Products", new=self.new_product)
        self.editing: ProductPublic | None = None
        self.active_filter = QComboBox()
        self.active_filter.setAccessibleName("Active or inactive")
        for text, value in ACTIVE_FILTERS:
            self.active_filter.addItem(text, value)
        self.category_filter = QComboBox()
        self.category_filter.setAccessibleName("Category filter")
        self.add_search_row(
            search_field("product-search", "Search SKU or name…", width_chars=28),
            self.active_filter,
            self.category_filter,
        )
        self.add_table_and_form(
            PagedTableModel(PRODUCT_COLUMNS, row_style=_inactive_style, sort_column=0),
            table_name="products-table",
            form_panel=self._form_panel(),
        )
        self.active_filter.currentIndexChanged.connect(lambda _i: self.reload_table())
        self.category_filter.currentIndexChanged.connect(lambda _i: self.reload_table())
        self.refresh()

    # --- the form ----------------------------------------------------------------------

    def _form_panel(self) -> QWidget:
        self.form = Form()
        self.sku = QLineEdit()
        self.sku.setObjectName("product-sku")
        self.name = QLineEdit()
        self.name.setObjectName("product-name")
        self.category = QLineEdit()
        self.brand = QLineEdit()
        self.unit = QLineEdit("pcs")
        self.pack_size = QuantityEdit(max_digits=6)
        self.pack_size.setPlaceholderText("units per case")
        self.mrp = QLineEdit()
        self.mrp.setObjectName("product-mrp")
        self.distributor_price = QLineEdit()
        self.distributor_price.setObjectName("product-distributor-price")
        self.retailer_price = QLineEdit()
        self.retailer_price.setObjectName("product-retailer-price")
        for w in (self.mrp, self.distributor_price, self.retailer_price):
            w.setAlignment(Qt.AlignmentFlag.AlignRight)
            w.setPlaceholderText("0.00")
        self.hsn_code = QLineEdit()
        self.hsn_code.setObjectName("product-hsn")
        self.hsn_code.setPlaceholderText("4, 6 or 8 digits, e.g. 3401")
        self.hsn_code.setMaxLength(10)
        self.gst_rate = QComboBox()
        self.gst_rate.setObjectName("product-gst-rate")
        self.gst_rate.addItem("not set", None)
        for rate in GST_RATES:
            self.gst_rate.addItem(gst_rate_text(rate), rate)
        self.reorder_level = QuantityEdit(max_digits=8)
        self.reorder_level.setPlaceholderText("0: not watched")
        self.track_batches = QCheckBox("Tracked by batch")
        self.shelf_life = QLineEdit()
        self.shelf_life.setPlaceholderText("days; needed when tracked by batch")
        self.active = QCheckBox("Active")
        self.active.setChecked(True)
        self.active.setToolTip(
            "Inactive products are not offered when typing a product and cannot be ordered"
        )
        f = self.form
        f.add("sku", "&SKU", self.sku)
        f.add("name", "&Name", self.name)
        f.add("category", "&Category", self.category)
        f.add("brand", "&Brand", self.brand)
        f.add("unit", "&Unit", self.unit)
        f.add("pack_size", "&Pack size", self.pack_size)
        f.add("mrp", "&MRP", self.mrp)
        f.add("distributor_price", "&Distributor price", self.distributor_price)
        f.add("retailer_price", "&Retailer price", self.retailer_price)
        f.add("hsn_code", "HSN c&ode", self.hsn_code)
        f.add("gst_rate", "GST ra&te", self.gst_rate)
        f.add("reorder_level", "Reorder &level", self.reorder_level)
        f.add("track_batches", "Batches", self.track_batches)
        f.add("shelf_life_days", "Shelf lif&e", self.shelf_life)
        f.add("active", "Status", self.active)
        self.revert_button = QPushButton(theme.icon("refresh"), "Revert")
        self.revert_button.clicked.connect(self.revert)
        return self.form_panel(f, self.revert_button)

    def _fill(self, p: ProductPublic | None) -> None:
        self.editing = p
        self.form.errors.clear()
        self.form_title.setText(f"Edit {p.sku}" if p else "New product")
        self.sku.setText(p.sku if p else "")
        self.name.setText(p.name if p else "")
        self.category.setText(p.category if p else "")
        self.brand.setText(p.brand if p else "")
        self.unit.setText(p.unit if p else "pcs")
        self.pack_size.setValue(p.pack_size if p else 1)
        self.mrp.setText(f"{p.mrp:.2f}" if p else "")
        self.distributor_price.setText(f"{p.distributor_price:.2f}" if p else "")
        self.retailer_price.setText(f"{p.retailer_price:.2f}" if p else "")
        self.hsn_code.setText(p.hsn_code if p else "")
        rate = p.gst_rate if p else None
        self.gst_rate.setCurrentIndex(max(find_data(self.gst_rate, rate), 0))
        self.reorder_level.setValue(p.reorder_level if p and p.reorder_level else None)
        self.track_batches.setChecked(p.track_batches if p else False)
        self.shelf_life.setText(str(p.shelf_life_days) if p and p.shelf_life_days else "")
        self.active.setChecked(p.active if p else True)

    def form_values(self) -> dict[str, Any]:
        """What the form says, as typed (the service's schema parses and checks it)."""
        shelf = self.shelf_life.text().strip()
        values: dict[str, Any] = {
            "sku": self.sku.text().strip(),
            "name": self.name.text().strip(),
            "category": self.category.text().strip(),
            "brand": self.brand.text().strip(),
            "unit": self.unit.text().strip(),
            "pack_size": self.pack_size.value(),  # None: "cannot be cleared" on an edit
            "mrp": self.mrp.text().strip(),
            "distributor_price": self.distributor_price.text().strip(),
            "retailer_price": self.retailer_price.text().strip(),
            "hsn_code": self.hsn_code.text().strip(),
            "gst_rate": self.gst_rate.currentData(),
            "reorder_level": self.reorder_level.value() or 0,
            "track_batches": self.track_batches.isChecked(),
            "shelf_life_days": shelf or None,
            "active": self.active.isChecked(),
        }
        if self.editing is None and values["pack_size"] is None:
            del values["pack_size"]  # a new product takes the default pack size (1)
        return values

    def new_product(self) -> None:
        self.table.clearSelection()
        self._fill(None)
        self.sku.setFocus()

    def revert(self) -> None:
        self._fill(self.editing)

    def save(self) -> bool:
        """Create or update the product; errors appear beside their fields, input stays."""
        if not self.app.can("products.manage"):
            return False
        ctx, values, editing = self.app.ctx, self.form_values(), self.editing
        self.form.errors.clear()
        try:
            if editing is None:
                saved = self.app.run_action(
                    lambda s: products.to_public(
                        products.create_product(s, ctx=ctx, product_in=values)
                    )
                )
                text = f"Product {saved.sku} created."
            else:
                saved = self.app.run_action(
                    lambda s: products.to_public(
                        products.update_product(
                            s, ctx=ctx, product_id=editing.id, product_in=values
                        )
                    )
                )
                text = f"Product {saved.sku} saved."
        except DomainError as exc:
            self.form.errors.show(exc)
            return False
        self.say(text)
        self.app.notify("products")
        self.reload_table(select=saved.id)
        self._fill(saved)
        return True

    # --- the table ---------------------------------------------------------------------

    def filters(self) -> dict[str, Any]:
        return {
            "search": self.search.text().strip(),
            "active": self.active_filter.currentData(),
            "category": self.category_filter.currentData(),
        }

    def reload_table(self, select: uuid.UUID | None = None) -> None:
        flt = self.filters()
        store = self.app.store

        def read(offset: int, limit: int, sort: str | None, desc: bool) -> list[ProductPublic]:
            with store.reader() as s:
                return [
                    products.to_public(p)
                    for p in products.page_products(
                        s, **flt, sort=sort or "sku", descending=desc, offset=offset, limit=limit
                    )
                ]

        self.model.set_fetch(offset_pager(read))
        total = self.app.read(lambda s: products.count_products(s, **flt))
        self.count_label.setText(f"{formats.quantity(total)} products")
        if select is not None:
            row = self.model.find(lambda p: p.id == select)
            if row >= 0:
                self.table.selectRow(row)

    def _reload_categories(self) -> None:
        current = self.category_filter.currentData()
        cats = self.app.read(products.categories)
        self.category_filter.blockSignals(True)
        self.category_filter.clear()
        self.category_filter.addItem("All categories", None)
        for c in cats:
            self.category_filter.addItem(c, c)
        i = find_data(self.category_filter, current)
        self.category_filter.setCurrentIndex(max(i, 0))
        self.category_filter.blockSignals(False)

    def _picked(self, index: Any) -> None:
        if index.isValid():
            self._fill(self.model.row(index.row()))

    def refresh(self) -> None:
        super().refresh()
        self._reload_categories()
        self.reload_table(select=self.editing.id if self.editing else None)
