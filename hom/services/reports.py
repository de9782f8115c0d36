"""Read-only views of the store for screens: plain rows, never ORM objects.

The desktop's tables page through these; each row is a frozen dataclass, so a row can cross a
thread boundary and outlive the session that read it. Nothing here writes or checks a permission
(reading is governed by which screens a user is shown).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from hom.core.errors import NotFound
from hom.crud import geography as geo_crud
from hom.crud import inventory as inventory_crud
from hom.crud import outbox as outbox_crud
from hom.crud import party as party_crud
from hom.crud import product as product_crud
from hom.crud import production as production_crud
from hom.crud import reports as reports_crud
from hom.crud.inventory import LedgerFilter
from hom.models.enums import GeoLevel, LocationKind, PartyKind, VoucherType
from hom.services import parties

__all__ = [
    "STOCK_SORT_KEYS",
    "BatchChoice",
    "BatchStock",
    "GeoChoice",
    "GeoMatch",
    "GeoTreeRow",
    "LedgerFilter",
    "LedgerRow",
    "PartyChoice",
    "ProductChoice",
    "StockRow",
    "batches_in_stock",
    "find_batch",
    "find_product",
    "geo_children",
    "geo_node",
    "geo_nodes",
    "geo_path",
    "geo_search",
    "ledger_count",
    "ledger_page",
    "party_choices",
    "party_labels",
    "pending_sync_count",
    "product_choices",
    "stock_row_count",
    "stock_rows",
]

STOCK_SORT_KEYS = reports_crud.STOCK_SORT_KEYS


@dataclass(frozen=True)
class StockRow:
    """Stock of one product at one location, summed over batches."""

    location_id: uuid.UUID
    location_code: str
    location_name: str
    product_id: uuid.UUID
    sku: str
    product_name: str
    unit: str
    reorder_level: int
    quantity: int
    batches: int = 0
    """Batches of the product held here (0 for a product not tracked by batch)."""
    first_expiry: date | None = None
    first_batch: str = ""
    """The batch code when exactly one batch is held."""

    @property
    def key(self) -> tuple[uuid.UUID, uuid.UUID]:
        return (self.location_id, self.product_id)

    @property
    def low(self) -> bool:
        """At or below the product's reorder level (a level of 0 means "not watched")."""
        return self.reorder_level > 0 and self.quantity <= self.reorder_level


@dataclass(frozen=True)
class LedgerRow:
    """One ledger entry with the codes and names a person reads."""

    id: uuid.UUID
    created_at: datetime
    location_id: uuid.UUID
    location_code: str
    product_id: uuid.UUID
    sku: str
    product_name: str
    batch_id: uuid.UUID | None
    batch_code: str
    quantity: int
    balance_after: int
    voucher_type: VoucherType
    voucher_no: str
    reason: str

    @property
    def cursor(self) -> tuple[datetime, uuid.UUID]:
        """What ``ledger_page(after=...)`` needs to continue after this row."""
        return (self.created_at, self.id)


@dataclass(frozen=True)
class ProductChoice:
    id: uuid.UUID
    sku: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.sku} — {self.name}"


@dataclass(frozen=True)
class BatchChoice:
    id: uuid.UUID
    code: str
    product_id: uuid.UUID


@dataclass(frozen=True)
class BatchStock:
    """A batch held at a location, for a picker: its code, expiry and quantity."""

    id: uuid.UUID
    code: str
    expires_on: date | None
    quantity: int


def batches_in_stock(
    session: Session, *, product_id: uuid.UUID, location_id: uuid.UUID
) -> list[BatchStock]:
    """The product's batches at the location with stock, first expiry first."""
    return [
        BatchStock(*row)
        for row in reports_crud.batches_in_stock(
            session, product_id=product_id, location_id=location_id
        )
    ]


# A product's reorder level is the company's figure for its own stores: a distributor's stock
# point holds a fraction of it and would always look "low", so there it is not watched.
REORDER_WATCHED_KINDS = (LocationKind.WAREHOUSE, LocationKind.FINISHED_GOODS)


def stock_rows(
    session: Session,
    *,
    location_ids: Sequence[uuid.UUID] | None = None,
    site_id: uuid.UUID | None = None,
    search: str = "",
    low_only: bool = False,
    sort: str = "location",
    descending: bool = False,
    limit: int = 200,
    offset: int = 0,
) -> list[StockRow]:
    """A page of stock per location and product, filtered and sorted in SQL."""
    rows = reports_crud.stock_rows(
        session,
        location_ids=location_ids,
        site_id=site_id,
        search=search,
        low_only=low_only,
        sort=sort,
        descending=descending,
        limit=limit,
        offset=offset,
        watched_kinds=REORDER_WATCHED_KINDS,
    )
    return [
        StockRow(
            location_id=r[0],
            location_code=r[1],
            location_name=r[2],
            product_id=r[3],
            sku=r[4],
            product_name=r[5],
            unit=r[6],
            reorder_level=int(r[7]),
            quantity=int(r[8]),
            batches=int(r[9] or 0),
            first_expiry=r[10],
            first_batch=(r[11] or "") if int(r[9] or 0) == 1 else "",
        )
        for r in rows
    ]


def stock_row_count(
    session: Session,
    *,
    location_ids: Sequence[uuid.UUID] | None = None,
    site_id: uuid.UUID | None = None,
    search: str = "",
    low_only: bool = False,
) -> int:
    return reports_crud.stock_row_count(
        session,
        location_ids=location_ids,
        site_id=site_id,
        search=search,
        low_only=low_only,
        watched_kinds=REORDER_WATCHED_KINDS,
    )


def ledger_page(
    session: Session,
    *,
    flt: LedgerFilter,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int = 200,
) -> list[LedgerRow]:
    """A keyset page of the ledger (newest first) with product, location and batch codes,
    read in one query whatever the ledger's length."""
    rows = inventory_crud.ledger_page_with_names(session, flt=flt, after=after, limit=limit)
    return [
        LedgerRow(
            id=r.id,
            created_at=r.created_at,
            location_id=r.location_id,
            location_code=r.location_code,
            product_id=r.product_id,
            sku=r.sku,
            product_name=r.product_name,
            batch_id=r.batch_id,
            batch_code=r.batch_code or "",
            quantity=r.quantity,
            balance_after=r.balance_after,
            voucher_type=r.voucher_type,
            voucher_no=r.voucher_no,
            reason=r.reason,
        )
        for r in rows
    ]


def ledger_count(session: Session, *, flt: LedgerFilter) -> int:
    return inventory_crud.ledger_count(session, flt=flt)


def pending_sync_count(session: Session) -> int:
    """Changes committed here and not yet pushed to the server."""
    return outbox_crud.count_pending(session)


def product_choices(
    session: Session, *, search: str, limit: int = 30, active_only: bool = True
) -> list[ProductChoice]:
    """Products for a picker: SKU prefix matches first, then name matches."""
    return [
        ProductChoice(pid, sku, name)
        for pid, sku, name in reports_crud.product_choices(
            session, search=search, limit=limit, active_only=active_only
        )
    ]


def find_product(session: Session, *, text: str) -> ProductChoice:
    """The product a person meant by ``text``: its SKU, or a picker label "SKU — name"."""
    sku = text.split(" — ", 1)[0].strip()
    if not sku:
        raise NotFound("type a product SKU or name", field="product_id")
    product = product_crud.get_by_sku(session, sku)
    if product is None:
        matches = reports_crud.product_choices(session, search=text.strip(), limit=2)
        if len(matches) == 1:
            return ProductChoice(*matches[0])
        raise NotFound(
            f"no product with SKU {sku!r}"
            + (" (several names match: pick one from the list)" if matches else ""),
            field="product_id",
        )
    return ProductChoice(product.id, product.sku, product.name)


def find_batch(session: Session, *, product_id: uuid.UUID, code: str) -> BatchChoice:
    """The batch of ``product_id`` with this printed code (codes are kept upper case)."""
    wanted = code.strip().upper()
    batch = production_crud.get_batch_by_code(session, product_id=product_id, code=wanted)
    if batch is None:
        raise NotFound(f"no batch {wanted!r} of this product", field="batch_id")
    return BatchChoice(batch.id, batch.code, batch.product_id)


@dataclass(frozen=True)
class GeoChoice:
    """A geography node as plain data (the tree view and the territory pickers hold these)."""

    id: uuid.UUID
    level: GeoLevel
    code: str
    name: str
    parent_id: uuid.UUID | None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


def geo_nodes(session: Session) -> list[GeoChoice]:
    """Every geography node (the tree is small: hundreds to a few thousand nodes)."""
    return [
        GeoChoice(n.id, GeoLevel(n.level), n.code, n.name, n.parent_id)
        for n in geo_crud.list_all(session)
    ]


@dataclass(frozen=True)
class GeoTreeRow(GeoChoice):
    """A node of the geography tree view: the node and how many nodes sit directly under it
    (so the view shows an expander without reading the children)."""

    children: int = 0


def _tree_row(row: tuple) -> GeoTreeRow:
    node_id, level, code, name, parent_id, children = row
    return GeoTreeRow(node_id, GeoLevel(level), code, name, parent_id, children)


def geo_children(session: Session, parent_id: uuid.UUID | None) -> list[GeoTreeRow]:
    """The nodes directly under ``parent_id`` (the zones when None), by name: what the tree
    reads when a node is expanded, whatever the size of the whole tree."""
    return [_tree_row(r) for r in geo_crud.children_rows(session, parent_id)]


def geo_node(session: Session, node_id: uuid.UUID) -> GeoTreeRow | None:
    """One node as the tree shows it (None once deleted)."""
    row = geo_crud.node_row(session, node_id)
    return _tree_row(row) if row else None


def geo_path(session: Session, node_id: uuid.UUID) -> list[GeoChoice]:
    """The zone-to-node path, the node last (what the tree opens to show a node)."""
    nodes = [*geo_crud.ancestors(session, node_id)]
    node = geo_crud.get(session, node_id)
    if node is None:
        return []
    return [GeoChoice(n.id, GeoLevel(n.level), n.code, n.name, n.parent_id) for n in [*nodes, node]]


@dataclass(frozen=True)
class GeoMatch:
    """A node found by typing (the Move dialog's list): the node and its parent's name."""

    node: GeoChoice
    parent_name: str | None

    @property
    def label(self) -> str:
        under = f", in {self.parent_name}" if self.parent_name else ""
        return f"{self.node.name} ({self.node.code}) — {self.node.level.label.lower()}{under}"


def geo_search(
    session: Session, *, text: str, level: GeoLevel | None = None, limit: int = 50
) -> list[GeoMatch]:
    """Up to ``limit`` nodes whose code or name contains ``text``, at ``level`` if given."""
    return [
        GeoMatch(GeoChoice(n.id, GeoLevel(n.level), n.code, n.name, n.parent_id), parent_name)
        for n, parent_name in geo_crud.search(
            session, text=text, level=int(level) if level else None, limit=limit
        )
    ]


@dataclass(frozen=True)
class PartyChoice:
    id: uuid.UUID
    kind: PartyKind
    code: str
    name: str
    active: bool

    @property
    def label(self) -> str:
        return f"{self.code} — {self.name}"


def party_labels(session: Session, ids: Sequence[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """ "CODE — name" of the parties ``ids`` (for a page of rows that refer to them)."""
    found = party_crud.get_many(session, [i for i in ids if i is not None])
    return {pid: f"{p.code} — {p.name}" for pid, p in found.items()}


def party_choices(
    session: Session,
    *,
    kind: PartyKind,
    search: str = "",
    active_only: bool = True,
    limit: int = 500,
) -> list[PartyChoice]:
    """Parties of one kind for a picker, by code."""
    rows = parties.page_parties(
        session,
        kind=kind,
        search=search,
        active=True if active_only else None,
        sort="code",
        limit=limit,
    )
    return [PartyChoice(p.id, p.kind, p.code, p.name, p.active) for p in rows]
