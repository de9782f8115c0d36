"""Sites and their stock locations: read by anyone signed in, changed by ``sites.manage``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from hom.models.enums import SiteKind
from hom.schemas.site import (
    LocationCreate,
    LocationPublic,
    SiteCreate,
    SiteInvoiceDetails,
    SitePublic,
)
from hom.services import sites
from hom_server.api.deps import CurrentCaller, Needs, ReadSession, WriteSession
from hom_server.api.errors import COMMON_RESPONSES
from hom_server.services import feed

router = APIRouter(tags=["sites"], responses=COMMON_RESPONSES)
Editor = Needs("sites.manage")


@router.get("/sites", response_model=list[SitePublic])
def list_sites(
    caller: CurrentCaller, session: ReadSession, kind: SiteKind | None = None
) -> list[SitePublic]:
    return [SitePublic.model_validate(s) for s in sites.list_sites(session, kind=kind)]


@router.get("/sites/{site_id}", response_model=SitePublic)
def get_site(site_id: uuid.UUID, caller: CurrentCaller, session: ReadSession) -> SitePublic:
    return SitePublic.model_validate(sites.get_site(session, site_id))


@router.get("/sites/{site_id}/locations", response_model=list[LocationPublic])
def list_locations(
    site_id: uuid.UUID, caller: CurrentCaller, session: ReadSession
) -> list[LocationPublic]:
    sites.get_site(session, site_id)
    return [
        LocationPublic.model_validate(x) for x in sites.list_locations(session, site_id=site_id)
    ]


@router.post("/sites", response_model=SitePublic, status_code=201)
def create_site(body: SiteCreate, caller: Editor, session: WriteSession) -> SitePublic:
    site = sites.create_site(session, ctx=caller.ctx, site_in=body)
    feed.capture_changes(session)
    return SitePublic.model_validate(site)


@router.patch("/sites/{site_id}/invoice-details", response_model=SitePublic)
def update_invoice_details(
    site_id: uuid.UUID, body: SiteInvoiceDetails, caller: Editor, session: WriteSession
) -> SitePublic:
    """What the site's tax invoices name as supplier: legal name, address, GSTIN, place."""
    site = sites.update_invoice_details(
        session, ctx=caller.ctx, site_id=site_id, details_in=body.model_dump(exclude_unset=True)
    )
    feed.capture_changes(session)
    return SitePublic.model_validate(site)


@router.post("/locations", response_model=LocationPublic, status_code=201)
def create_location(body: LocationCreate, caller: Editor, session: WriteSession) -> LocationPublic:
    location = sites.create_location(session, ctx=caller.ctx, location_in=body)
    feed.capture_changes(session)
    return LocationPublic.model_validate(location)
