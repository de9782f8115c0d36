"""SQL aggregates for the managers' dashboards: sums and counts grouped in the database.

Each function reads one figure family for a date range and, optionally, a geography scope (the
ids of a subtree, given as a subquery so the scope stays in SQL). Nothing here decides what
counts as a sale or which vouchers are outflows: the service passes the statuses and voucher
types in. Nothing here writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    Select,
    and_,
    case,
    func,
    literal,
    literal_column,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from hom.crud.geography import subtree_cte
from hom.models.enums import LocationKind, OrderLevel, OrderStatus, VoucherType
from hom.models.geography import GeoNode
from hom.models.inventory import StockBalance, StockLedgerEntry
from hom.models.party import Party
from hom.models.product import Product
from hom.models.production import Batch, ProductionLog
from hom.models.sales_primary import PrimaryOrder, PrimaryOrderLine
from hom.models.sales_secondary import SecondaryOrder, SecondaryOrderLine
from hom.models.sales_tertiary import TertiaryOrder, TertiaryOrderLine
from hom.models.site import Site, StockLocation

# (level, header, line, the party whose territory places the sale)
ORDER_TABLES: tuple[tuple[OrderLevel, Any, Any, Any], ...] = (
    (OrderLevel.PRIMARY, PrimaryOrder, PrimaryOrderLine, PrimaryOrder.distributor_id),
    (OrderLevel.SECONDARY, SecondaryOrder, SecondaryOrderLine, SecondaryOrder.retailer_id),
    (OrderLevel.TERTIARY, TertiaryOrder, TertiaryOrderLine, TertiaryOrder.retailer_id),
)


def _minor(money_column: Any) -> Any:
    """A money column read as its stored integer minor units (exact sums in SQL)."""
    return type_coerce(money_column, BigInteger)


def scope_of(node_id: uuid.UUID | None) -> CTE | None:
    """The geography subtree under ``node_id`` as a CTE of ids (None: everywhere)."""
    return subtree_cte(node_id) if node_id is not None else None


def _orders(
    header: Any,
    party_col: Any,
    *columns: Any,
    since: date,
    until: date,
    statuses: Sequence[OrderStatus],
    scope: CTE | None,
) -> Select[Any]:
    stmt = (
        select(*columns)
        .select_from(header)
        .join(Party, Party.id == party_col)
        .where(
            header.order_date >= since,
            header.order_date <= until,
            header.status.in_(list(statuses)),
        )
    )
    if scope is not None:
        stmt = stmt.where(Party.territory_id.in_(select(scope.c.id)))
    return stmt


def sales_by_day(
    session: Session,
    *,
    since: date,
    until: date,
    statuses: Sequence[OrderStatus],
    scope: CTE | None,
) -> list[tuple[OrderLevel, date, int, int]]:
    """(level, order date, value in minor units, orders) per level and day."""
    out: list[tuple[OrderLevel, date, int, int]] = []
    for level, header, _line, party_col in ORDER_TABLES:
        stmt = _orders(
            header,
            party_col,
            header.order_date,
            func.sum(_minor(header.total_amount)),
            func.count(),
            since=since,
            until=until,
            statuses=statuses,
            scope=scope,
        ).group_by(header.order_date)
        out.extend((level, d, int(v or 0), int(n)) for d, v, n in session.execute(stmt))
    return out


def _ancestor_at(level: int) -> CTE:
    """(node_id, ancestor_id): every node at or below ``level`` with its ancestor at ``level``."""
    top = select(GeoNode.id.label("node_id"), GeoNode.id.label("ancestor_id")).where(
        GeoNode.level == level
    )
    anc = top.cte(f"ancestor_at_{level}", recursive=True)
    child = aliased(GeoNode)
    return anc.union_all(
        select(child.id, anc.c.ancestor_id).where(child.parent_id == anc.c.node_id)
    )


def sales_by_geo(
    session: Session,
    *,
    level: int,
    since: date,
    until: date,
    statuses: Sequence[OrderStatus],
    scope: CTE | None,
) -> list[tuple[uuid.UUID, str, str, OrderLevel, int]]:
    """(node id, code, name, order level, value in minor units) per geography node of
    ``level`` (zone, state, region…), from the territory of each order's party."""
    anc = _ancestor_at(level)
    node = aliased(GeoNode)
    out: list[tuple[uuid.UUID, str, str, OrderLevel, int]] = []
    for order_level, header, _line, party_col in ORDER_TABLES:
        stmt = (
            _orders(
                header,
                party_col,
                node.id,
                node.code,
                node.name,
                func.sum(_minor(header.total_amount)),
                since=since,
                until=until,
                statuses=statuses,
                scope=scope,
            )
            .join(anc, anc.c.node_id == Party.territory_id)
            .join(node, node.id == anc.c.ancestor_id)
            .group_by(node.id, node.code, node.name)
        )
        out.extend(
            (nid, code, name, order_level, int(v or 0))
            for nid, code, name, v in session.execute(stmt)
        )
    return out


def top_products(
    session: Session,
    *,
    since: date,
    until: date,
    statuses: Sequence[OrderStatus],
    scope: CTE | None,
    limit: int,
) -> list[tuple[uuid.UUID, str, str, int, int, int, int]]:
    """(product id, sku, name, quantity, primary, secondary, tertiary value in minor units) of
    the ``limit`` products with the most value over the three levels together."""
    parts = []
    for level, header, line, party_col in ORDER_TABLES:
        value = _minor(line.line_total)
        parts.append(
            _orders(
                header,
                party_col,
                line.product_id.label("product_id"),
                line.quantity.label("quantity"),
                (value if level == OrderLevel.PRIMARY else literal(0)).label("p"),
                (value if level == OrderLevel.SECONDARY else literal(0)).label("s"),
                (value if level == OrderLevel.TERTIARY else literal(0)).label("t"),
                since=since,
                until=until,
                statuses=statuses,
                scope=scope,
            ).join(line, line.order_id == header.id)
        )
    lines = union_all(*parts).subquery("sold")
    p, s, t = func.sum(lines.c.p), func.sum(lines.c.s), func.sum(lines.c.t)
    stmt = (
        select(Product.id, Product.sku, Product.name, func.sum(lines.c.quantity), p, s, t)
        .join(Product, Product.id == lines.c.product_id)
        .group_by(Product.id, Product.sku, Product.name)
        .order_by((p + s + t).desc(), Product.sku_key)
        .limit(limit)
    )
    return [
        (pid, sku, name, int(q or 0), int(a or 0), int(b or 0), int(c or 0))
        for pid, sku, name, q, a, b, c in session.execute(stmt)
    ]


def distributor_values(
    session: Session,
    *,
    level: OrderLevel,
    since: date,
    until: date,
    statuses: Sequence[OrderStatus],
    scope: CTE | None,
) -> list[tuple[uuid.UUID, str, str, int]]:
    """(distributor id, code, name, value in minor units): what each distributor bought
    (primary) or sold to retailers (secondary), within ``scope`` by the distributor's
    territory."""
    header = PrimaryOrder if level == OrderLevel.PRIMARY else SecondaryOrder
    stmt = _orders(
        header,
        header.distributor_id,
        Party.id,
        Party.code,
        Party.name,
        func.sum(_minor(header.total_amount)),
        since=since,
        until=until,
        statuses=statuses,
        scope=scope,
    ).group_by(Party.id, Party.code, Party.name)
    return [(i, c, n, int(v or 0)) for i, c, n, v in session.execute(stmt)]


def production_by_factory_day(
    session: Session, *, since: date, until: date, scope: CTE | None
) -> list[tuple[uuid.UUID, str, str, date, int, int]]:
    """(site id, code, name, day, net good, net rejected) per factory and production day
    (reversals are negative rows, so the sums are net)."""
    stmt = (
        select(
            Site.id,
            Site.code,
            Site.name,
            ProductionLog.production_date,
            func.sum(ProductionLog.good_qty),
            func.sum(ProductionLog.rejected_qty),
        )
        .join(Site, Site.id == ProductionLog.site_id)
        .where(
            ProductionLog.production_date >= since,
            ProductionLog.production_date <= until,
        )
        .group_by(Site.id, Site.code, Site.name, ProductionLog.production_date)
    )
    if scope is not None:
        stmt = stmt.where(Site.geo_node_id.in_(select(scope.c.id)))
    return [
        (sid, code, name, day, int(g or 0), int(r or 0))
        for sid, code, name, day, g, r in session.execute(stmt)
    ]


def _in_scope(location_col: Any, scope: CTE | None) -> Any:
    """``location_col`` names a location whose site lies in ``scope`` (always, without one)."""
    if scope is None:
        return true()
    sites_in = select(Site.id).where(Site.geo_node_id.in_(select(scope.c.id)))
    return location_col.in_(select(StockLocation.id).where(StockLocation.site_id.in_(sites_in)))


def stock_by_location(
    session: Session, *, scope: CTE | None, watched_kinds: Sequence[LocationKind]
) -> list[tuple[uuid.UUID, str, str, LocationKind, int, int, int]]:
    """(location id, code, name, kind, on hand, products held, products at or below their
    reorder level) per location; the reorder level counts only at ``watched_kinds``."""
    per_product = (
        select(
            StockBalance.location_id.label("location_id"),
            StockBalance.product_id.label("product_id"),
            func.sum(StockBalance.quantity).label("qty"),
        )
        .where(_in_scope(StockBalance.location_id, scope))
        .group_by(StockBalance.location_id, StockBalance.product_id)
        .subquery("per_product")
    )
    watched = StockLocation.kind.in_(list(watched_kinds))
    low = case(
        (
            and_(watched, Product.reorder_level > 0, per_product.c.qty <= Product.reorder_level),
            1,
        ),
        else_=0,
    )
    held = case((per_product.c.qty > 0, 1), else_=0)
    stmt = (
        select(
            StockLocation.id,
            StockLocation.code,
            StockLocation.name,
            StockLocation.kind,
            func.sum(per_product.c.qty),
            func.sum(held),
            func.sum(low),
        )
        .select_from(per_product)
        .join(StockLocation, StockLocation.id == per_product.c.location_id)
        .join(Product, Product.id == per_product.c.product_id)
        .group_by(StockLocation.id, StockLocation.code, StockLocation.name, StockLocation.kind)
        .order_by(StockLocation.code)
    )
    return [
        (i, code, name, LocationKind(kind), int(q or 0), int(h or 0), int(lo or 0))
        for i, code, name, kind, q, h, lo in session.execute(stmt)
    ]


def outflow_by_location(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    vouchers: Sequence[VoucherType],
    scope: CTE | None,
) -> dict[uuid.UUID, int]:
    """Units that left each location through ``vouchers`` in [since, until)."""
    group: Any = StockLedgerEntry.location_id
    if session.get_bind().dialect.name == "sqlite":
        # "+column" keeps SQLite's planner off the (location, time) index, whose skip-scan reads
        # every ledger row of the period; the covering (voucher, time, location, quantity) index
        # answers from itself, about 3x faster on a million entries.
        group = literal_column("+stock_ledger.location_id")
    stmt = (
        select(StockLedgerEntry.location_id, -func.sum(StockLedgerEntry.quantity))
        .where(
            StockLedgerEntry.created_at >= since,
            StockLedgerEntry.created_at < until,
            StockLedgerEntry.voucher_type.in_(list(vouchers)),
            StockLedgerEntry.quantity < 0,
        )
        .group_by(group)
    )
    if scope is not None:
        stmt = stmt.where(_in_scope(StockLedgerEntry.location_id, scope))
    return {loc: int(q or 0) for loc, q in session.execute(stmt)}


def low_stock(
    session: Session, *, scope: CTE | None, watched_kinds: Sequence[LocationKind], limit: int
) -> list[tuple[str, str, str, int, int]]:
    """(location code, sku, product name, on hand, reorder level) at or below the level,
    lowest first relative to the level."""
    qty = func.sum(StockBalance.quantity)
    stmt = (
        select(StockLocation.code, Product.sku, Product.name, qty, Product.reorder_level)
        .select_from(StockBalance)
        .join(StockLocation, StockLocation.id == StockBalance.location_id)
        .join(Product, Product.id == StockBalance.product_id)
        .where(
            StockLocation.kind.in_(list(watched_kinds)),
            Product.reorder_level > 0,
            _in_scope(StockBalance.location_id, scope),
        )
        .group_by(StockLocation.id, StockLocation.code, Product.id, Product.sku, Product.name)
        .having(qty <= Product.reorder_level)
        .order_by((qty * 1000 / Product.reorder_level).asc(), StockLocation.code, Product.sku_key)
        .limit(limit)
    )
    return [(c, s, n, int(q or 0), int(lvl)) for c, s, n, q, lvl in session.execute(stmt)]


def near_expiry(
    session: Session, *, until: date, scope: CTE | None, limit: int
) -> list[tuple[str, str, str, str, date, int]]:
    """(batch code, sku, product name, location code, expires on, quantity) of batches in
    stock that expire on or before ``until`` (already expired ones too), soonest first."""
    stmt = (
        select(
            Batch.code,
            Product.sku,
            Product.name,
            StockLocation.code,
            Batch.expires_on,
            StockBalance.quantity,
        )
        .select_from(StockBalance)
        .join(Batch, Batch.id == StockBalance.batch_id)
        .join(Product, Product.id == StockBalance.product_id)
        .join(StockLocation, StockLocation.id == StockBalance.location_id)
        .where(
            StockBalance.quantity > 0,
            Batch.expires_on.is_not(None),
            Batch.expires_on <= until,
            _in_scope(StockBalance.location_id, scope),
        )
        .order_by(Batch.expires_on, StockLocation.code, Product.sku_key, Batch.code)
        .limit(limit)
    )
    return [(b, s, n, loc, exp, int(q)) for b, s, n, loc, exp, q in session.execute(stmt)]
