"""Read-only SQL the desktop screens need that no domain's crud offers.

Joins stock balances with product and location names, filters, sorts and pages them in SQL so a
screen never loads a whole table into memory. Nothing here writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from hom.crud import search as search_crud
from hom.models.enums import LocationKind
from hom.models.inventory import StockBalance
from hom.models.product import Product
from hom.models.production import Batch
from hom.models.site import StockLocation

STOCK_SORT_KEYS = ("location", "sku", "product", "quantity", "reorder_level")


def like_pattern(text: str, *, anywhere: bool) -> str:
    """A LIKE pattern matching ``text`` literally (``%`` and ``_`` escaped with ``\\``)."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%" if anywhere else f"{escaped}%"


def _stock_select(
    *,
    location_ids: Sequence[uuid.UUID] | None,
    site_id: uuid.UUID | None,
    search: str,
    low_only: bool,
    watched_kinds: Sequence[LocationKind],
) -> tuple[Select[Any], Any]:
    qty = func.sum(StockBalance.quantity).label("quantity")
    held = StockBalance.quantity > 0
    batches = func.sum(case((and_(held, StockBalance.batch_id.is_not(None)), 1), else_=0))
    first_expiry = func.min(case((held, Batch.expires_on), else_=None))
    one_batch = func.min(case((held, Batch.code), else_=None))
    # The reorder level applies at the kinds of location the caller watches; elsewhere it is 0.
    level = case(
        (StockLocation.kind.in_(list(watched_kinds)), Product.reorder_level), else_=0
    ).label("reorder_level")
    stmt = (
        select(
            StockLocation.id,
            StockLocation.code,
            StockLocation.name,
            Product.id,
            Product.sku,
            Product.name,
            Product.unit,
            level,
            qty,
            batches.label("batches"),
            first_expiry.label("first_expiry"),
            one_batch.label("first_batch"),
        )
        .select_from(StockBalance)
        .join(Product, Product.id == StockBalance.product_id)
        .join(StockLocation, StockLocation.id == StockBalance.location_id)
        .outerjoin(Batch, Batch.id == StockBalance.batch_id)
        .group_by(StockLocation.id, Product.id)
    )
    if location_ids is not None:
        stmt = stmt.where(StockBalance.location_id.in_(list(location_ids)))
    if site_id is not None:
        stmt = stmt.where(StockLocation.site_id == site_id)
    if search.strip():
        stmt = stmt.where(
            or_(
                Product.sku_key.like(like_pattern(search, anywhere=False), escape="\\"),
                search_crud.all_words(search, Product.search_key),
            )
        )
    # A zero row still matters when the product has a reorder level: it is the lowest stock.
    keep = or_(qty != 0, level > 0)
    if low_only:
        keep = and_(level > 0, qty <= level)
    return stmt.having(keep), qty


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
    watched_kinds: Sequence[LocationKind] = (),
) -> list[tuple[Any, ...]]:
    """(location id, code, name, product id, sku, name, unit, reorder level, quantity, batches
    in stock, their first expiry, the lowest batch code) rows."""
    stmt, qty = _stock_select(
        location_ids=location_ids,
        site_id=site_id,
        search=search,
        low_only=low_only,
        watched_kinds=watched_kinds,
    )
    sort_columns = {
        "location": StockLocation.code,
        "sku": Product.sku_key,
        "product": Product.sort_key,
        "quantity": qty,
        "reorder_level": stmt.selected_columns.reorder_level,
    }
    if sort not in sort_columns:
        raise ValueError(f"unknown sort key {sort!r}; known: {', '.join(STOCK_SORT_KEYS)}")
    primary = sort_columns[sort]
    first = []
    if sort == "location":
        # By location: the watched stores (the site's own) before the stock points it keeps.
        first = [case((StockLocation.kind.in_(list(watched_kinds)), 0), else_=1)]
    # Tie-breakers make the order total, so offset pages never repeat or skip a row.
    stmt = stmt.order_by(
        *first,
        primary.desc() if descending else primary.asc(),
        StockLocation.code,
        Product.sku_key,
    )
    return [tuple(r) for r in session.execute(stmt.limit(limit).offset(offset))]


def stock_row_count(
    session: Session,
    *,
    location_ids: Sequence[uuid.UUID] | None = None,
    site_id: uuid.UUID | None = None,
    search: str = "",
    low_only: bool = False,
    watched_kinds: Sequence[LocationKind] = (),
) -> int:
    stmt, _ = _stock_select(
        location_ids=location_ids,
        site_id=site_id,
        search=search,
        low_only=low_only,
        watched_kinds=watched_kinds,
    )
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def product_choices(
    session: Session, *, search: str, limit: int = 30, active_only: bool = True
) -> list[tuple[uuid.UUID, str, str]]:
    """(id, sku, name) of products whose SKU starts with or whose name contains ``search``.

    SKU matches come first: a clerk typing a code wants that product at the top.
    """
    sku_match = Product.sku_key.like(like_pattern(search, anywhere=False), escape="\\")
    name_match = search_crud.all_words(search, Product.search_key)
    stmt = select(Product.id, Product.sku, Product.name)
    if name_match is not None:
        stmt = stmt.where(or_(sku_match, name_match))
    if active_only:
        stmt = stmt.where(Product.active.is_(True))
    rank = case((sku_match, 0), else_=1) if name_match is not None else None
    order = [rank] if rank is not None else []
    stmt = stmt.order_by(*order, Product.sku_key).limit(limit)
    return [(pid, sku, name) for pid, sku, name in session.execute(stmt)]


def batches_in_stock(
    session: Session, *, product_id: uuid.UUID, location_id: uuid.UUID
) -> list[tuple[uuid.UUID, str, Any, int]]:
    """(batch id, code, expires on, quantity) of the product's batches held at the location,
    first expiry first (a batch without an expiry date last)."""
    stmt = (
        select(Batch.id, Batch.code, Batch.expires_on, StockBalance.quantity)
        .join(StockBalance, StockBalance.batch_id == Batch.id)
        .where(
            StockBalance.product_id == product_id,
            StockBalance.location_id == location_id,
            StockBalance.quantity > 0,
        )
        .order_by(Batch.expires_on.is_(None), Batch.expires_on, Batch.code)
    )
    return [(i, c, e, int(q)) for i, c, e, q in session.execute(stmt)]
