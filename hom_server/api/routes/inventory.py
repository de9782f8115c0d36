"""Stock and the ledger, read within the caller's scope (``stock.view``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel

from hom.core.errors import ValidationFailed
from hom.crud.inventory import LedgerFilter
from hom.crud.reports import STOCK_SORT_KEYS
from hom.models.enums import VoucherType
from hom.services import reports
from hom.services.reports import LedgerRow, StockRow
from hom_server.api.deps import Needs, ReadSession
from hom_server.api.errors import COMMON_RESPONSES
from hom_server.api.paging import Limit, Offset, Page
from hom_server.scope import read_scope

router = APIRouter(prefix="/inventory", tags=["inventory"], responses=COMMON_RESPONSES)
Reader = Needs("stock.view")


class LedgerPage(BaseModel):
    items: list[LedgerRow]
    #: Pass back as ``cursor`` for the next (older) page; None on the last page.
    next_cursor: str | None


@router.get("/stock", response_model=Page[StockRow])
def stock(
    caller: Reader,
    session: ReadSession,
    site_id: uuid.UUID | None = None,
    location_id: uuid.UUID | None = None,
    search: str = Query("", max_length=120, description="part of the SKU or product name"),
    low_only: bool = False,
    sort: str = Query(
        "location", max_length=32, description=f"one of {', '.join(STOCK_SORT_KEYS)}"
    ),
    descending: bool = False,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[StockRow]:
    """Stock per location and product (batches summed), within what the caller may see."""
    if sort not in STOCK_SORT_KEYS:
        raise ValidationFailed([("sort", f"must be one of {', '.join(STOCK_SORT_KEYS)}")])
    scope = read_scope(session, caller)
    if site_id is not None:
        scope.check_site(site_id)
    locations = scope.location_ids(session)
    if location_id is not None:
        scope.check_location(session, location_id, field="location_id")
        locations = [location_id]
    filters = {
        "location_ids": locations,
        "site_id": site_id,
        "search": search,
        "low_only": low_only,
    }
    rows = reports.stock_rows(
        session, **filters, sort=sort, descending=descending, limit=limit, offset=offset
    )
    return Page(
        items=rows, total=reports.stock_row_count(session, **filters), offset=offset, limit=limit
    )


def _ledger_cursor(text: str | None) -> tuple[datetime, uuid.UUID] | None:
    if not text:
        return None
    try:
        at, _, row_id = text.partition("|")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError
        return moment, uuid.UUID(row_id)
    except ValueError:
        raise ValidationFailed([("cursor", "must be a next_cursor this server gave")]) from None


@router.get("/ledger", response_model=LedgerPage)
def ledger(
    caller: Reader,
    session: ReadSession,
    location_id: uuid.UUID,
    product_id: uuid.UUID | None = None,
    voucher_type: VoucherType | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = Query(None, max_length=80),
    limit: Limit = 100,
) -> LedgerPage:
    """A location's ledger, newest first, keyset-paged."""
    read_scope(session, caller).check_location(session, location_id, field="location_id")
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise ValidationFailed([(name, "must carry a time zone, e.g. 2026-04-01T00:00:00Z")])
    flt = LedgerFilter(
        location_id=location_id,
        product_id=product_id,
        voucher_type=voucher_type,
        since=since,
        until=until,
    )
    rows = reports.ledger_page(session, flt=flt, after=_ledger_cursor(cursor), limit=limit)
    last = rows[-1] if len(rows) == limit else None
    return LedgerPage(
        items=rows,
        next_cursor=f"{last.created_at.isoformat()}|{last.id}" if last else None,
    )
