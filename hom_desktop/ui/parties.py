"""Parties: distributors and retailers per territory, the same way as products.

The table pages and sorts in SQL (``parties.page_parties``); picking a zone or region in the
territory filter shows every party below it. The form writes through ``parties.create_party``
and ``parties.update_party``, which check the territory and distributor rules.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget

from hom.core.errors import DomainError, ValidationFailed
from hom.models.enums import GeoLevel, PartyKind
from hom.schemas.party import PartyPublic
from hom.services import parties, reports
from hom.services.reports import GeoChoice
from hom_desktop.ui import formats
from hom_desktop.ui.base import AppSession, search_field
from hom_desktop.ui.forms import Form, find_data
from hom_desktop.ui.master import MasterDataView
from hom_desktop.ui.table_model import ALIGN_CENTER, Column, PagedTableModel, RowStyle, offset_pager


@dataclass(frozen=True)
class PartyRow:
    party: PartyPublic
    territory: str
    distributor: str


PARTY_COLUMNS = [
    Column("Code", lambda r: r.party.code, "code", width_chars=7),
    Column(
        "Name",
        lambda r: r.party.name,
        "name",
        width_chars=16,
        tooltip=lambda r: r.party.name,
        stretch=True,
    ),
    Column("Kind", lambda r: r.party.kind.value.capitalize(), "kind", width_chars=8),
    # Territory is read as much as the name: it shares the spare width.
    Column(
        "Territory",
        lambda r: r.territory,
        width_chars=16,
        tooltip=lambda r: r.territory,
        stretch=True,
    ),
    Column("Distributor", lambda r: r.distributor, width_chars=9, tooltip=lambda r: r.distributor),
    Column("Phone", lambda r: r.party.phone, "phone", width_chars=12),
    # Narrow, so names and territories keep the width: registered or not, the GSTIN on hover.
    Column(
        "GST",
        lambda r: "yes" if r.party.gstin else "—",
        "gstin",
        ALIGN_CENTER,
        width_chars=4,
        tooltip=lambda r: f"GSTIN {r.party.gstin}" if r.party.gstin else "not registered",
        raw=lambda r: r.party.gstin,
    ),
    Column(
        "Active", lambda r: "yes" if r.party.active else "no", "active", ALIGN_CENTER, width_chars=4
    ),
]

KIND_FILTERS = [
    ("All parties", None),
    ("Distributors", PartyKind.DISTRIBUTOR),
    ("Retailers", PartyKind.RETAILER),
]
ACTIVE_FILTERS = [("Active and inactive", None), ("Active", True), ("Inactive", False)]


def _style(r: PartyRow) -> RowStyle | None:
    return None if r.party.active else RowStyle(foreground=QColor("#7b8794"))


def fill_geo_combo(
    combo: QComboBox, nodes: list[GeoChoice], *, only: GeoLevel | None, any_label: str | None
) -> None:
    """Nodes in tree order, indented by level (or only one level's nodes, flat)."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    if any_label is not None:
        combo.addItem(any_label, None)
    by_parent: dict[uuid.UUID | None, list[GeoChoice]] = {}
    for n in nodes:
        by_parent.setdefault(n.parent_id, []).append(n)

    def walk(parent: uuid.UUID | None, depth: int) -> None:
        for n in sorted(by_parent.get(parent, []), key=lambda x: x.name.lower()):
            if only is None:
                combo.addItem("   " * depth + f"{n.name} ({n.code})", n.id)
            elif n.level == only:
                combo.addItem(f"{n.name} ({n.code})", n.id)
            walk(n.id, depth + 1)

    walk(None, 0)
    i = find_data(combo, current)
    combo.setCurrentIndex(max(i, 0))
    combo.blockSignals(False)


class PartiesView(MasterDataView):
    key = "parties"
    title = "Parties"
    icon_name = "parties"
    permissions = frozenset({"parties.manage", "orders.view"})
    watches = frozenset({"parties", "geography"})
    noun = "party"
    manage_permission = "parties.manage"
    csv_kind = "parties"

    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(app, parent, heading="Distributors and retailers", new=self.new_party)
        self.editing: PartyPublic | None = None
        self.loaded: dict[str, Any] | None = None
        """What the form showed when ``editing`` was loaded: a save sends only what differs."""
        self._listed = 0
        """How many items of the distributor combo are the offered choices (the rest: one
        added for the party shown, see ``_select_distributor``)."""
        self.geo: dict[uuid.UUID, GeoChoice] = {}
        self.kind_filter = QComboBox()
        self.kind_filter.setAccessibleName("Kind filter")
        for text, value in KIND_FILTERS:
            self.kind_filter.addItem(text, value)
        self.territory_filter = QComboBox()
        self.territory_filter.setAccessibleName("Territory filter")
        self.territory_filter.setObjectName("party-territory-filter")
        self.active_filter = QComboBox()
        self.active_filter.setAccessibleName("Active or inactive")
        for text, value in ACTIVE_FILTERS:
            self.active_filter.addItem(text, value)
        self.add_search_row(
            search_field("party-search", "Search code or name…", width_chars=30),
            self.kind_filter,
            self.territory_filter,
            self.active_filter,
        )
        self.add_table_and_form(
            PagedTableModel(PARTY_COLUMNS, row_style=_style, sort_column=0),
            table_name="parties-table",
            form_panel=self._form_panel(),
        )
        for combo in (self.kind_filter, self.territory_filter, self.active_filter):
            combo.currentIndexChanged.connect(lambda _i: self.reload_table())
        self.refresh()

    # --- form --------------------------------------------------------------------------

    def _form_panel(self) -> QWidget:
        self.form = Form()
        self.kind = QComboBox()
        self.kind.addItem("Distributor", PartyKind.DISTRIBUTOR)
        self.kind.addItem("Retailer", PartyKind.RETAILER)
        self.code = QLineEdit()
        self.code.setObjectName("party-code")
        self.name = QLineEdit()
        self.name.setObjectName("party-name")
        self.territory = QComboBox()
        self.territory.setObjectName("party-territory")
        self.distributor = QComboBox()
        self.distributor.setObjectName("party-distributor")
        self.phone = QLineEdit()
        self.address = QLineEdit()
        self.gstin = QLineEdit()
        self.gstin.setObjectName("party-gstin")
        self.gstin.setPlaceholderText("15 characters; empty if unregistered")
        self.gstin.setMaxLength(20)
        self.active = QCheckBox("Active")
        self.active.setChecked(True)
        f = self.form
        f.add("kind", "&Kind", self.kind)
        f.add("code", "&Code", self.code)
        f.add("name", "&Name", self.name)
        f.add(("territory_id", "territory_code"), "&Territory", self.territory)
        f.add(("distributor_id", "distributor_code"), "&Distributor", self.distributor)
        f.add("phone", "&Phone", self.phone)
        f.add("address", "Addr&ess", self.address)
        f.add("gstin", "G&STIN", self.gstin)
        f.add("active", "Status", self.active)
        panel = self.form_panel(f)
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        return panel

    def _kind_changed(self) -> None:
        retailer = self.kind.currentData() == PartyKind.RETAILER
        self.distributor.setEnabled(retailer and self.app.can("parties.manage"))
        if not retailer:
            self.distributor.setCurrentIndex(0)

    def _reload_choices(self) -> None:
        nodes, distributors = self.app.read(
            lambda s: (
                reports.geo_nodes(s),
                reports.party_choices(s, kind=PartyKind.DISTRIBUTOR),
            )
        )
        self.geo = {n.id: n for n in nodes}
        fill_geo_combo(self.territory_filter, nodes, only=None, any_label="All areas")
        fill_geo_combo(self.territory, nodes, only=GeoLevel.TERRITORY, any_label="— choose —")
        current = self.distributor.currentData()
        self.distributor.clear()
        self.distributor.addItem("— none —", None)
        for d in distributors:
            self.distributor.addItem(d.label, d.id)
        self._listed = self.distributor.count()
        self._select_distributor(current)

    def _select_distributor(self, distributor_id: uuid.UUID | None) -> None:
        """Show ``distributor_id`` in the combo, adding an item for it when the choices leave it
        out (only the first 500 active distributors are listed): a retailer linked to an
        inactive or far-down distributor must show that link, and keep it when saved."""
        for extra in range(self.distributor.count() - 1, self._listed - 1, -1):
            if self.distributor.itemData(extra) != distributor_id:
                self.distributor.removeItem(extra)  # the previous party's, not offered
        if distributor_id is None:
            self.distributor.setCurrentIndex(0)
            return
        i = find_data(self.distributor, distributor_id)
        if i < 0:
            self.distributor.addItem(self._distributor_label(distributor_id), distributor_id)
            i = self.distributor.count() - 1
        self.distributor.setCurrentIndex(i)

    def _distributor_label(self, distributor_id: uuid.UUID) -> str:
        """ "CODE — name" of a distributor the choices do not list, saying when it is inactive."""

        def read(s: Any) -> str:
            text = reports.party_labels(s, [distributor_id]).get(distributor_id)
            if text is None:
                return f"unknown distributor {distributor_id}"
            return text if parties.get_party(s, distributor_id).active else f"{text} (inactive)"

        return self.app.read(read)

    def _fill(self, p: PartyPublic | None) -> None:
        self.editing = p
        self.form.errors.clear()
        self.form_title.setText(f"Edit {p.code}" if p else "New party")
        self.kind.setCurrentIndex(find_data(self.kind, p.kind) if p else 0)
        self.kind.setEnabled(p is None and self.app.can("parties.manage"))
        self.code.setText(p.code if p else "")
        self.name.setText(p.name if p else "")
        self.territory.setCurrentIndex(
            max(find_data(self.territory, p.territory_id), 0) if p else 0
        )
        self._select_distributor(p.distributor_id if p else None)
        self.phone.setText(p.phone if p else "")
        self.address.setText(p.address if p else "")
        self.gstin.setText(p.gstin if p else "")
        self.active.setChecked(p.active if p else True)
        self._kind_changed()
        self.loaded = self.form_values() if p else None

    def form_values(self) -> dict[str, Any]:
        return {
            "code": self.code.text().strip(),
            "name": self.name.text().strip(),
            "territory_id": self.territory.currentData(),
            "distributor_id": self.distributor.currentData(),
            "phone": self.phone.text().strip(),
            "address": self.address.text().strip(),
            "gstin": self.gstin.text().strip(),
            "active": self.active.isChecked(),
        }

    def new_party(self) -> None:
        self.table.clearSelection()
        self._fill(None)
        self.kind.setFocus()

    def save(self) -> bool:
        if not self.app.can("parties.manage"):
            return False
        ctx, values, editing = self.app.ctx, self.form_values(), self.editing
        if editing is not None:
            # Only what the clerk changed: a field they did not touch is never written, so a
            # value the form cannot show exactly (a link the lists leave out) stays as it is.
            loaded = self.loaded or {}
            values = {k: v for k, v in values.items() if k not in loaded or loaded[k] != v}
        self.form.errors.clear()
        if "territory_id" in values and values["territory_id"] is None:
            self.form.errors.show(ValidationFailed([("territory_id", "choose a territory")]))
            return False
        try:
            if editing is None:
                values["kind"] = self.kind.currentData()
                saved = self.app.run_action(
                    lambda s: parties.to_public(parties.create_party(s, ctx=ctx, party_in=values))
                )
                text = f"{saved.kind.value.capitalize()} {saved.code} created."
            else:
                saved = self.app.run_action(
                    lambda s: parties.to_public(
                        parties.update_party(s, ctx=ctx, party_id=editing.id, party_in=values)
                    )
                )
                text = f"{saved.kind.value.capitalize()} {saved.code} saved."
        except DomainError as exc:
            self.form.errors.show(exc)
            return False
        self.say(text)
        self.app.notify("parties")
        if saved.kind == PartyKind.DISTRIBUTOR:
            self._reload_choices()
        self.reload_table(select=saved.id)
        self._fill(saved)
        return True

    # --- table -------------------------------------------------------------------------

    def filters(self) -> dict[str, Any]:
        return {
            "kind": self.kind_filter.currentData(),
            "territory_id": self.territory_filter.currentData(),
            "search": self.search.text().strip(),
            "active": self.active_filter.currentData(),
        }

    def reload_table(self, select: uuid.UUID | None = None) -> None:
        flt = self.filters()
        store, geo = self.app.store, self.geo

        def read(offset: int, limit: int, sort: str | None, desc: bool) -> list[PartyRow]:
            with store.reader() as s:
                page = parties.page_parties(
                    s, **flt, sort=sort or "code", descending=desc, offset=offset, limit=limit
                )
                labels = reports.party_labels(s, [p.distributor_id for p in page])
                rows = []
                for p in page:
                    node = geo.get(p.territory_id)
                    rows.append(
                        PartyRow(
                            parties.to_public(p),
                            node.label if node else "",
                            labels.get(p.distributor_id, "") if p.distributor_id else "",
                        )
                    )
                return rows

        self.model.set_fetch(offset_pager(read))
        total = self.app.read(lambda s: parties.count_parties(s, **flt))
        self.count_label.setText(f"{formats.quantity(total)} parties")
        if select is not None:
            row = self.model.find(lambda r: r.party.id == select)
            if row >= 0:
                self.table.selectRow(row)

    def _picked(self, index: Any) -> None:
        if index.isValid():
            self._fill(self.model.row(index.row()).party)

    def refresh(self) -> None:
        super().refresh()
        self._reload_choices()
        self.reload_table(select=self.editing.id if self.editing else None)
