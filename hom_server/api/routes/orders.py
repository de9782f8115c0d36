"""The three order levels (primary, secondary, tertiary), read within the caller's scope
(``orders.view``): a site's staff see their site's orders, a manager his area's."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from hom.crud.orders import SORT_KEYS
from hom.models.enums import OrderLevel, OrderStatus
from hom.schemas.orders import OrderPublic, OrderRow
from hom.services import orders
from hom_server.api.deps import Needs, ReadSession
from hom_server.api.errors import COMMON_RESPONSES
from hom_server.api.paging import Limit, Offset, Page
from hom_server.scope import read_scope

router = APIRouter(prefix="/orders", tags=["orders"], responses=COMMON_RESPONSES)
SORT_HELP = f"one of {', '.join(SORT_KEYS)}; '-' first for descending"
Reader = Needs("orders.view")


@router.get("/{level}", response_model=Page[OrderRow])
def list_orders(
    level: OrderLevel,
    caller: Reader,
    session: ReadSession,
    status: OrderStatus | None = None,
    party_id: Annotated[uuid.UUID | None, Query(description="any party of the order")] = None,
    since: date | None = None,
    until: date | None = None,
    search: str = Query("", max_length=120),
    sort: str = Query("-order_date", max_length=32, description=SORT_HELP),
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[OrderRow]:
    scope = read_scope(session, caller)
    filters = {
        "level": level,
        "status": status,
        "party_id": party_id,
        "since": since,
        "until": until,
        "search": search,
        "ctx": caller.ctx,
        "site_ids": scope.site_ids,
    }
    rows = orders.page_orders(session, **filters, sort=sort, offset=offset, limit=limit)
    return Page(
        items=rows, total=orders.count_orders(session, **filters), offset=offset, limit=limit
    )


@router.get("/{level}/{order_id}", response_model=OrderPublic)
def get_order(
    level: OrderLevel, order_id: uuid.UUID, caller: Reader, session: ReadSession
) -> OrderPublic:
    order = orders.get_order(session, level=level, order_id=order_id, ctx=caller.ctx)
    read_scope(session, caller).check_site(order.site_id, field="order_id")
    return orders.to_public(level, order)
