"""What this site's tax invoices name as supplier: legal name, address, GSTIN and where it is.

A small box in Tools opens the dialog; it writes through ``sites.update_invoice_details`` (which
checks ``sites.manage`` and that this installation writes master data) and shows each refusal
beside its field. The state the site is in decides CGST and SGST or IGST on its invoices.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hom.core.errors import DomainError
from hom.models.site import Site
from hom.services import geography, reports, sites
from hom_desktop.ui import theme
from hom_desktop.ui.base import AppSession
from hom_desktop.ui.forms import EnterMovesFocus, Form, GuardedDialog, find_data, label
from hom_desktop.ui.parties import fill_geo_combo

PERMISSION = "sites.manage"


def supplier_text(site: Site, state: str | None) -> str:
    """One line saying what the site's invoices show, or what is missing."""
    if not site.gstin:
        return f"{site.code}: no GSTIN recorded, so its tax invoices say it is missing."
    where = f", {state}" if state else ", state not recorded"
    return f"{site.legal_name or site.name} · GSTIN {site.gstin}{where}"


class SupplierDetailsDialog(GuardedDialog):
    """Edit the supplier details of the site this installation writes for."""

    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.setWindowTitle("Supplier details on invoices")
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        site_id = app.ctx.site_id
        assert site_id is not None  # the box offers the dialog only to a writing site
        self.site_id: uuid.UUID = site_id
        site, nodes = app.read(lambda s: (sites.get_site(s, site_id), reports.geo_nodes(s)))
        layout = QVBoxLayout(self)
        layout.addWidget(
            label(
                f"What tax invoices from {site.code} ({site.name}) name as the supplier. The "
                "state of the place chosen decides CGST and SGST (same state as the buyer) or "
                "IGST.",
                "hint",
                wrap=True,
            )
        )
        self.form = Form()
        self.legal_name = QLineEdit(site.legal_name)
        self.legal_name.setPlaceholderText("the registered business name")
        self.address = QPlainTextEdit(site.address)
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.fontMetrics().lineSpacing() * 4)
        self.gstin = QLineEdit(site.gstin)
        self.gstin.setPlaceholderText("15 characters, e.g. 27AAPFU0939F1ZV")
        self.gstin.setMaxLength(20)
        self.place = QComboBox()
        fill_geo_combo(self.place, nodes, only=None, any_label="— not recorded —")
        self.place.setCurrentIndex(max(find_data(self.place, site.geo_node_id), 0))
        self.form.add("legal_name", "&Legal name", self.legal_name)
        self.form.add("address", "A&ddress", self.address)
        self.form.add("gstin", "&GSTIN", self.gstin)
        self.form.add("geo_node_id", "&Place", self.place)
        layout.addWidget(self.form)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("&Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setAutoDefault(False)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)
        layout.addWidget(buttons)
        EnterMovesFocus(self, [self.legal_name, self.gstin, self.place])

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "legal_name": self.legal_name.text().strip(),
            "address": self.address.toPlainText().strip(),
            "gstin": self.gstin.text().strip(),
        }
        if self.place.currentData() is not None:
            values["geo_node_id"] = self.place.currentData()
        return values

    def save(self) -> bool:
        """Write the details; a refusal stays in the dialog beside its field."""
        ctx, values, site_id = self.app.ctx, self.values(), self.site_id
        self.form.errors.clear()
        try:
            self.app.run_action(
                lambda s: sites.update_invoice_details(
                    s, ctx=ctx, site_id=site_id, details_in=values
                )
            )
        except DomainError as exc:
            self.form.errors.show(exc)
            return False
        self.form.mark_clean()
        self.app.notify("sites")
        self.accept()
        return True


class SupplierBox(QGroupBox):
    """Tools' box: what this site's invoices show as supplier, and a button to change it."""

    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__("Invoices from this site", parent)
        self.app = app
        col = QVBoxLayout(self)
        self.summary = label("", "hint", wrap=True)
        self.summary.setObjectName("supplier-summary")
        self.edit_button = QPushButton(theme.icon("edit"), "Supplier details on invoices…")
        self.edit_button.setObjectName("supplier-details")
        self.edit_button.clicked.connect(self.edit)
        writes = app.ctx.site_id is not None
        self.edit_button.setEnabled(writes and app.can(PERMISSION))
        col.addWidget(self.summary)
        col.addWidget(self.edit_button)
        if writes and not app.can(PERMISSION):
            col.addWidget(label("Changing them needs the permission 'sites.manage'.", "hint"))
        self.refresh()

    def refresh(self) -> None:
        site_id = self.app.ctx.site_id
        if site_id is None:
            self.summary.setText("This installation writes for no site: it issues no invoices.")
            return

        def read(s: Any) -> str:
            site = sites.get_site(s, site_id)
            return supplier_text(site, geography.state_name(s, site.geo_node_id))

        self.summary.setText(self.app.read(read))

    def edit(self) -> None:
        dialog = SupplierDetailsDialog(self.app, self)
        dialog.finished.connect(lambda _r: self.refresh())
        dialog.open()
