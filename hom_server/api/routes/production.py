"""Factories' production logs, read within the caller's scope (``stock.view``)."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter

from hom.core.errors import ValidationFailed
from hom.schemas.production import ProductionLogPublic, ProductionLogRow
from hom.services import production
from hom_server.api.deps import Needs, ReadSession
from hom_server.api.errors import COMMON_RESPONSES
from hom_server.api.paging import Limit, Offset, Page
from hom_server.scope import read_scope

router = APIRouter(prefix="/production", tags=["production"], responses=COMMON_RESPONSES)
Reader = Needs("stock.view")


@router.get("/logs", response_model=Page[ProductionLogRow])
def list_logs(
    caller: Reader,
    session: ReadSession,
    site_id: uuid.UUID | None = None,
    product_id: uuid.UUID | None = None,
    batch_id: uuid.UUID | None = None,
    since: date | None = None,
    until: date | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[ProductionLogRow]:
    """Logs newest day first; a caller scoped to several sites names one (``site_id``)."""
    scope = read_scope(session, caller)
    if site_id is not None:
        scope.check_site(site_id)
    elif scope.site_ids is not None:
        if len(scope.site_ids) != 1:
            raise ValidationFailed([("site_id", "give one of the sites in your area")])
        (site_id,) = scope.site_ids
    filters = {
        "site_id": site_id,
        "product_id": product_id,
        "batch_id": batch_id,
        "since": since,
        "until": until,
    }
    rows = production.logs_page(session, **filters, offset=offset, limit=limit)
    return Page(
        items=rows, total=production.count_logs(session, **filters), offset=offset, limit=limit
    )


@router.get("/logs/{log_id}", response_model=ProductionLogPublic)
def get_log(log_id: uuid.UUID, caller: Reader, session: ReadSession) -> ProductionLogPublic:
    log = production.get_log(session, log_id=log_id)
    read_scope(session, caller).check_site(log.site_id, field="log_id")
    return ProductionLogPublic.model_validate(log)
