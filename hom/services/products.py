"""The product master.

Rules:
- SKUs are unique ignoring case (``sku_key``) and kept as typed, trimmed; a SKU may change while
  it stays unique;
- prices are exact, above zero, at most two decimal places, and ordered
  distributor price <= retailer price <= MRP;
- a batch-tracked product needs a shelf life (expiry dates are computed from it);
- batch tracking cannot be switched on while unbatched stock is on hand, nor off while batched
  stock is (that stock could never move again under the stock rules).

Writes need ``products.manage`` and leave an audit row each. Reads for the GUI page, filter and
sort in SQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from hom.core.errors import DomainError, Duplicate, NotFound, at_item
from hom.core.ids import new_id
from hom.crud import product as product_crud
from hom.models.product import Product
from hom.schemas.base import validate
from hom.schemas.product import ProductCreate, ProductPublic, ProductUpdate
from hom.services import audit
from hom.services.context import ActorContext
from hom.services.permissions import require
from hom.sync import changelog, ownership

ENTITY = "products"
PERMISSION = "products.manage"
SORT_KEYS = tuple(product_crud.SORT_COLUMNS)
MAX_PAGE = 5_000
MAX_COMPLETIONS = 200


def sku_key(sku: str) -> str:
    """The form of a SKU that uniqueness and look-ups compare."""
    return sku.strip().lower()


# --- rules shared with the CSV import --------------------------------------------------------


def check_rules(values: Mapping[str, Any]) -> None:
    """The rules across fields, on a product's complete (merged) values."""
    dist, retail, mrp = values["distributor_price"], values["retailer_price"], values["mrp"]
    if dist > retail:
        raise DomainError(
            f"must not be more than the retailer price ({retail}); got {dist}",
            field="distributor_price",
        )
    if retail > mrp:
        raise DomainError(
            f"must not be more than the MRP ({mrp}); got {retail}", field="retailer_price"
        )
    if values["track_batches"] and values.get("shelf_life_days") is None:
        raise DomainError(
            "is required for a batch-tracked product (expiry dates are computed from it)",
            field="shelf_life_days",
        )


def check_tracking_change(session: Session, *, product: Product, track_batches: bool) -> None:
    """Refuse switching batch tracking while stock of the other kind is on hand."""
    if track_batches == product.track_batches:
        return
    unbatched, batched = product_crud.stock_on_hand(session, product.id)
    if track_batches and unbatched:
        raise DomainError(
            f"cannot start tracking batches of {product.sku}: {unbatched} units are in stock "
            "without a batch; move or adjust them to zero first",
            field="track_batches",
        )
    if not track_batches and batched:
        raise DomainError(
            f"cannot stop tracking batches of {product.sku}: {batched} units are in stock in "
            "batches; move or adjust them to zero first",
            field="track_batches",
        )


def _fields(product: Product) -> dict[str, Any]:
    return {name: getattr(product, name) for name in ProductCreate.model_fields}


# --- writes ---------------------------------------------------------------------------------


def create_product(
    session: Session, *, ctx: ActorContext, product_in: ProductCreate | dict
) -> Product:
    """Add a product to the master."""
    require(ctx, PERMISSION)
    ownership.require_head_office(ctx, ENTITY)
    data = validate(ProductCreate, product_in)
    values = data.model_dump()
    check_rules(values)
    key = sku_key(data.sku)
    if product_crud.get_by_sku(session, key) is not None:
        raise Duplicate(f"SKU {data.sku} is already used (SKUs compare ignoring case)", field="sku")
    product = product_crud.add(
        session,
        Product(**values, sku_key=key, created_by=ctx.user_id, installation_id=ctx.installation_id),
    )
    changelog.queue(session, ctx=ctx, entity=ENTITY, rows=[product], operation="insert")
    audit.record(
        session,
        ctx=ctx,
        action="product.create",
        entity=ENTITY,
        entity_id=product.id,
        summary=f"created product {product.sku} ({product.name})",
    )
    return product


def create_products(
    session: Session, *, ctx: ActorContext, products_in: Sequence[ProductCreate | dict]
) -> list[uuid.UUID]:
    """Add many products at once (an import); their ids, in order. The rules of
    ``create_product``, one batched uniqueness look-up, and one bulk insert of the products
    and of their audit rows instead of an ORM object, a query and a flush per product.

    A refusal names the item as ``products_in.<index>.<field>``; nothing is added then.
    """
    require(ctx, PERMISSION)
    ownership.require_head_office(ctx, ENTITY)
    items: list[dict[str, Any]] = []
    for index, raw in enumerate(products_in):
        try:
            values = validate(ProductCreate, raw).model_dump()
            check_rules(values)
        except DomainError as exc:
            raise _at(index, exc) from None
        items.append(values)
    keys = [sku_key(v["sku"]) for v in items]
    taken = product_crud.get_by_sku_keys(session, keys)
    first_index: dict[str, int] = {}
    for index, (key, values) in enumerate(zip(keys, items, strict=True)):
        if key in taken or key in first_index:
            where = "already used" if key in taken else f"also item {first_index[key]}"
            raise _at(
                index,
                Duplicate(
                    f"SKU {values['sku']} is {where} (SKUs compare ignoring case)", field="sku"
                ),
            )
        first_index[key] = index
    ids = [new_id() for _ in items]
    written = product_crud.add_rows(
        session,
        [
            {
                **values,
                "id": product_id,
                "sku_key": key,
                "created_by": ctx.user_id,
                "installation_id": ctx.installation_id,
            }
            for product_id, key, values in zip(ids, keys, items, strict=True)
        ],
    )
    changelog.queue(session, ctx=ctx, entity=ENTITY, rows=written, operation="insert")
    audit.record_many(
        session,
        ctx=ctx,
        action="product.create",
        entity=ENTITY,
        entries=[
            (product_id, f"created product {values['sku']} ({values['name']})")
            for product_id, values in zip(ids, items, strict=True)
        ],
    )
    return ids


def _at(index: int, exc: DomainError) -> DomainError:
    return at_item("products_in", index, exc)


def update_product(
    session: Session,
    *,
    ctx: ActorContext,
    product_id: uuid.UUID,
    product_in: ProductUpdate | dict,
) -> Product:
    """Change the fields given, checking the rules on the product as it will be."""
    require(ctx, PERMISSION)
    ownership.require_head_office(ctx, ENTITY)
    data = validate(ProductUpdate, product_in)
    product = get_product(session, product_id)
    changes = audit.diff(product, data.model_dump(exclude_unset=True))
    if not changes:
        return product
    merged = _fields(product) | {k: new for k, (_old, new) in changes.items()}
    check_rules(merged)
    if "sku" in changes:
        other = product_crud.get_by_sku(session, sku_key(merged["sku"]))
        if other is not None and other.id != product.id:
            raise Duplicate(
                f"SKU {merged['sku']} is already used (SKUs compare ignoring case)", field="sku"
            )
    if "track_batches" in changes:
        check_tracking_change(session, product=product, track_batches=merged["track_batches"])
    for key, (_old, new) in changes.items():
        setattr(product, key, new)
    product.sku_key = sku_key(product.sku)
    session.flush()
    changelog.queue(session, ctx=ctx, entity=ENTITY, rows=[product], operation="update")
    audit.record(
        session,
        ctx=ctx,
        action="product.update",
        entity=ENTITY,
        entity_id=product.id,
        summary=f"updated product {product.sku}",
        changes=changes,
    )
    return product


def set_active(
    session: Session, *, ctx: ActorContext, product_id: uuid.UUID, active: bool
) -> Product:
    """Activate or deactivate a product (inactive ones drop out of type-ahead)."""
    require(ctx, PERMISSION)
    ownership.require_head_office(ctx, ENTITY)
    product = get_product(session, product_id)
    if product.active == active:
        return product
    product.active = active
    session.flush()
    changelog.queue(session, ctx=ctx, entity=ENTITY, rows=[product], operation="update")
    audit.record(
        session,
        ctx=ctx,
        action="product.activate" if active else "product.deactivate",
        entity=ENTITY,
        entity_id=product.id,
        summary=f"{'activated' if active else 'deactivated'} product {product.sku}",
        changes={"active": (not active, active)},
    )
    return product


# --- reads ----------------------------------------------------------------------------------


def get_product(session: Session, product_id: uuid.UUID) -> Product:
    product = product_crud.get(session, product_id)
    if product is None:
        raise NotFound(f"unknown product {product_id}", field="product_id")
    return product


def get_by_sku(session: Session, sku: str) -> Product:
    product = product_crud.get_by_sku(session, sku)
    if product is None:
        raise NotFound(f"unknown SKU {sku.strip()!r}", field="sku")
    return product


def _check_paging(sort: str, offset: int, limit: int) -> None:
    if sort not in product_crud.SORT_COLUMNS:
        raise DomainError(
            f"cannot sort products by {sort!r}; sort by one of {', '.join(SORT_KEYS)}",
            field="sort",
        )
    if offset < 0:
        raise DomainError("must be 0 or more", field="offset")
    if not 1 <= limit <= MAX_PAGE:
        raise DomainError(f"must be between 1 and {MAX_PAGE}", field="limit")


def page_products(
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
    """One page for a table view; ``search`` matches rows holding each of its words in the SKU
    or name, anywhere, ignoring case and accents (the same on SQLite and PostgreSQL)."""
    _check_paging(sort, offset, limit)
    return product_crud.page(
        session,
        search=search,
        active=active,
        category=category,
        sort=sort,
        descending=descending,
        offset=offset,
        limit=limit,
    )


def count_products(
    session: Session, *, search: str = "", active: bool | None = None, category: str | None = None
) -> int:
    """How many products ``page_products`` would page through with the same filters."""
    return product_crud.count(session, search=search, active=active, category=category)


def complete_products(session: Session, text: str, limit: int = 20) -> list[Product]:
    """Type-ahead: active products whose SKU starts with ``text`` (first) or name contains it."""
    if not text.strip():
        return []
    return product_crud.complete(session, text, limit=max(1, min(limit, MAX_COMPLETIONS)))


def categories(session: Session) -> list[str]:
    """The categories in use, for a filter combo box."""
    return product_crud.categories(session)


def to_public(product: Product) -> ProductPublic:
    return ProductPublic.model_validate(product)
