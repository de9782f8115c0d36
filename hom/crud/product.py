"""SQL for the product master: lookups, pages for the table view, type-ahead and export."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from hom.crud import bulk, lookup
from hom.crud import search as search_crud
from hom.models.inventory import StockBalance
from hom.models.product import Product

_CHUNK = 400

SORT_COLUMNS: dict[str, Any] = {
    "sku": Product.sku_key,
    "name": Product.sort_key,
    "category": func.lower(Product.category),
    "brand": func.lower(Product.brand),
    "mrp": Product.mrp,
    "distributor_price": Product.distributor_price,
    "retailer_price": Product.retailer_price,
    "pack_size": Product.pack_size,
    "reorder_level": Product.reorder_level,
    "hsn_code": Product.hsn_code,
    "gst_rate": Product.gst_rate,
    "active": Product.active,
    "created_at": Product.created_at,
}


def get(session: Session, product_id: uuid.UUID) -> Product | None:
    return session.get(Product, product_id)


def get_by_sku(session: Session, sku: str) -> Product | None:
    return session.scalar(select(Product).where(Product.sku_key == sku.strip().lower()))


def get_many(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Product]:
    return lookup.by_ids(session, Product, ids)


def get_by_sku_keys(session: Session, keys: Iterable[str]) -> dict[str, Product]:
    """Products by ``sku_key`` (lower-case SKU), a few hundred per query."""
    wanted = list(set(keys))
    found: dict[str, Product] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = session.scalars(select(Product).where(Product.sku_key.in_(chunk)))
        found.update({p.sku_key: p for p in rows})
    return found


def add(session: Session, product: Product) -> Product:
    session.add(product)
    session.flush()
    return product


def add_rows(session: Session, rows: list[dict[str, Any]]) -> Sequence[dict[str, Any]]:
    """Insert many products from column values (each with its ``id``) in one statement: an
    import's thousands of rows without building an ORM object for each."""
    return bulk.insert_model_rows(session, Product, rows)


def _filtered(stmt: Select, *, search: str, active: bool | None, category: str | None) -> Select:
    words = search_crud.all_words(search, Product.search_key)
    if words is not None:
        stmt = stmt.where(words)
    if active is not None:
        stmt = stmt.where(Product.active == active)
    if category is not None:
        stmt = stmt.where(func.lower(Product.category) == category.strip().lower())
    return stmt


def page(
    session: Session,
    *,
    search: str = "",
    active: bool | None = None,
    category: str | None = None,
    sort: str = "sku",
    descending: bool = False,
    offset: int = 0,
    limit: int = 200,
) -> list[Product]:
    """One page; ``sort`` must be a key of ``SORT_COLUMNS`` (ties broken by SKU)."""
    column = SORT_COLUMNS[sort]
    tie = Product.sku_key.desc() if descending else Product.sku_key.asc()
    order = [column.desc() if descending else column.asc(), tie]
    stmt = _filtered(select(Product), search=search, active=active, category=category)
    return list(session.scalars(stmt.order_by(*order).offset(offset).limit(limit)))


def count(
    session: Session, *, search: str = "", active: bool | None = None, category: str | None = None
) -> int:
    stmt = _filtered(
        select(func.count()).select_from(Product), search=search, active=active, category=category
    )
    return session.scalar(stmt) or 0


def complete(session: Session, text: str, *, limit: int = 20) -> list[Product]:
    """Active products whose SKU starts with ``text`` or whose SKU and name hold all its words;
    SKU hits first."""
    needle = search_crud.escape_like(text.strip().lower())
    sku_prefix = Product.sku_key.like(f"{needle}%", escape="\\")
    words = search_crud.all_words(text, Product.search_key)
    stmt = (
        select(Product)
        .where(Product.active.is_(True), sku_prefix if words is None else or_(sku_prefix, words))
        .order_by(case((sku_prefix, 0), else_=1), Product.sku_key)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def categories(session: Session) -> list[str]:
    """The distinct non-empty categories, in alphabetical order ignoring case."""
    stmt = (
        select(Product.category)
        .where(Product.category != "")
        .group_by(Product.category)
        .order_by(func.lower(Product.category), Product.category)
    )
    return list(session.scalars(stmt))


def list_all(session: Session) -> list[Product]:
    return list(session.scalars(select(Product).order_by(Product.sku_key)))


def stock_on_hand(session: Session, product_id: uuid.UUID) -> tuple[int, int]:
    """(units without a batch, units in batches) across every location."""
    batched = case((StockBalance.batch_id.is_(None), 0), else_=StockBalance.quantity)
    unbatched = case((StockBalance.batch_id.is_(None), StockBalance.quantity), else_=0)
    stmt = select(func.coalesce(func.sum(unbatched), 0), func.coalesce(func.sum(batched), 0)).where(
        StockBalance.product_id == product_id
    )
    row = session.execute(stmt).one()
    return int(row[0]), int(row[1])


def count_all(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Product)) or 0
