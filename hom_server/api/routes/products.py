"""The product master: read by anyone signed in, changed by holders of ``products.manage``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query

from hom.schemas.product import ProductCreate, ProductPublic, ProductUpdate
from hom.services import products
from hom_server.api.deps import CurrentCaller, Needs, ReadSession, WriteSession
from hom_server.api.errors import COMMON_RESPONSES
from hom_server.api.paging import Limit, Offset, Page
from hom_server.services import feed

router = APIRouter(prefix="/products", tags=["products"], responses=COMMON_RESPONSES)
Editor = Needs(products.PERMISSION)


@router.get("", response_model=Page[ProductPublic])
def list_products(
    caller: CurrentCaller,
    session: ReadSession,
    search: str = Query("", max_length=120, description="part of the SKU or name"),
    active: bool | None = None,
    category: str | None = Query(None, max_length=60),
    sort: str = Query("sku", max_length=32, description=f"one of {', '.join(products.SORT_KEYS)}"),
    descending: bool = False,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[ProductPublic]:
    rows = products.page_products(
        session,
        search=search,
        active=active,
        category=category,
        sort=sort,
        descending=descending,
        offset=offset,
        limit=limit,
    )
    total = products.count_products(session, search=search, active=active, category=category)
    return Page(
        items=[products.to_public(p) for p in rows], total=total, offset=offset, limit=limit
    )


@router.get("/{product_id}", response_model=ProductPublic)
def get_product(
    product_id: uuid.UUID, caller: CurrentCaller, session: ReadSession
) -> ProductPublic:
    return products.to_public(products.get_product(session, product_id))


@router.post("", response_model=ProductPublic, status_code=201)
def create_product(body: ProductCreate, caller: Editor, session: WriteSession) -> ProductPublic:
    product = products.create_product(session, ctx=caller.ctx, product_in=body)
    feed.capture_changes(session)
    return products.to_public(product)


@router.patch("/{product_id}", response_model=ProductPublic)
def update_product(
    product_id: uuid.UUID, body: ProductUpdate, caller: Editor, session: WriteSession
) -> ProductPublic:
    product = products.update_product(
        session, ctx=caller.ctx, product_id=product_id, product_in=body
    )
    feed.capture_changes(session)
    return products.to_public(product)
