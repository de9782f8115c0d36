"""SQL for the product master."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hom_desktop.models.product import Product


def get(session: Session, product_id: uuid.UUID) -> Product | None:
    return session.get(Product, product_id)


def get_by_sku(session: Session, sku: str) -> Product | None:
    return session.scalar(select(Product).where(Product.sku_key == sku.strip().lower()))


def get_many(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Product]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    found: dict[uuid.UUID, Product] = {}
    for start in range(0, len(wanted), 400):
        chunk = wanted[start : start + 400]
        found.update(
            {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(chunk)))}
        )
    return found


def add(session: Session, product: Product) -> Product:
    session.add(product)
    session.flush()
    return product
