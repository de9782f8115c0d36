"""Sites, their stock locations, and this installation's identity."""

from __future__ import annotations

import uuid
from datetime import date

from babel.numbers import list_currencies
from sqlalchemy.orm import Session

from hom.core import clock
from hom.core.errors import DomainError, Duplicate, NotFound
from hom.core.text import for_terminal
from hom.crud import geography as geography_crud
from hom.crud import outbox as outbox_crud
from hom.crud import party as party_crud
from hom.crud import site as site_crud
from hom.models.enums import LocationKind, PartyKind, SiteKind
from hom.models.site import Site, StockLocation
from hom.models.store import Installation
from hom.schemas.base import validate
from hom.schemas.site import LocationCreate, SiteCreate, SiteInvoiceDetails
from hom.services import audit
from hom.services.context import ActorContext
from hom.services.permissions import require
from hom.sync import changelog, entities, ownership


def create_site(session: Session, *, ctx: ActorContext, site_in: SiteCreate | dict) -> Site:
    require(ctx, "sites.manage")
    ownership.require_head_office(ctx, entities.SITES)
    data = validate(SiteCreate, site_in)
    if site_crud.get_site_by_code(session, data.code) is not None:
        raise Duplicate(f"site code {data.code} is already used", field="code")
    if data.geo_node_id is not None and geography_crud.get(session, data.geo_node_id) is None:
        raise NotFound(f"unknown geography node {data.geo_node_id}", field="geo_node_id")
    if data.party_id is not None:
        _distributor(session, data.party_id)
    site = site_crud.add_site(
        session,
        Site(**data.model_dump(), created_by=ctx.user_id, installation_id=ctx.installation_id),
    )
    changelog.queue(session, ctx=ctx, entity=entities.SITES, rows=[site], operation="insert")
    audit.record(
        session,
        ctx=ctx,
        action="site.create",
        entity="sites",
        entity_id=site.id,
        summary=f"created site {site.code} ({site.kind.value})",
    )
    return site


def update_invoice_details(
    session: Session,
    *,
    ctx: ActorContext,
    site_id: uuid.UUID,
    details_in: SiteInvoiceDetails | dict,
) -> Site:
    """Set what the site's tax invoices name as supplier: legal name, address, GSTIN, and the
    geography node it sits in (its state decides the tax split)."""
    require(ctx, "sites.manage")
    ownership.require_head_office(ctx, entities.SITES)
    data = validate(SiteInvoiceDetails, details_in)
    site = get_site(session, site_id)
    fields = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    if "geo_node_id" in fields and geography_crud.get(session, fields["geo_node_id"]) is None:
        raise NotFound(f"unknown geography node {fields['geo_node_id']}", field="geo_node_id")
    changes = audit.diff(site, fields)
    if not changes:
        return site
    for key, (_old, new) in changes.items():
        setattr(site, key, new)
    session.flush()
    changelog.queue(session, ctx=ctx, entity=entities.SITES, rows=[site], operation="update")
    audit.record(
        session,
        ctx=ctx,
        action="site.update",
        entity="sites",
        entity_id=site.id,
        summary=f"updated the invoice details of site {site.code}",
        changes=changes,
    )
    return site


def create_location(
    session: Session, *, ctx: ActorContext, location_in: LocationCreate | dict
) -> StockLocation:
    require(ctx, "sites.manage")
    ownership.require_head_office(ctx, entities.LOCATIONS, what="stock locations")
    data = validate(LocationCreate, location_in)
    if site_crud.get_site(session, data.site_id) is None:
        raise NotFound(f"unknown site {data.site_id}", field="site_id")
    if site_crud.get_location_by_code(session, data.code) is not None:
        raise Duplicate(f"location code {data.code} is already used", field="code")
    if data.kind == LocationKind.DISTRIBUTOR_STOCK and data.party_id is None:
        raise DomainError("a distributor stock point needs its distributor", field="party_id")
    if data.party_id is not None:
        party = party_crud.get(session, data.party_id)
        if party is None:
            raise NotFound(f"unknown party {data.party_id}", field="party_id")
        if data.kind == LocationKind.DISTRIBUTOR_STOCK and party.kind != PartyKind.DISTRIBUTOR:
            raise DomainError(
                f"{party.code} is a {party.kind.value}: a distributor stock point belongs to a "
                "distributor",
                field="party_id",
            )
    location = site_crud.add_location(
        session,
        StockLocation(
            **data.model_dump(), created_by=ctx.user_id, installation_id=ctx.installation_id
        ),
    )
    changelog.queue(
        session, ctx=ctx, entity=entities.LOCATIONS, rows=[location], operation="insert"
    )
    audit.record(
        session,
        ctx=ctx,
        action="location.create",
        entity="stock_locations",
        entity_id=location.id,
        summary=f"created location {location.code}",
    )
    return location


def _distributor(session: Session, party_id: uuid.UUID) -> None:
    party = party_crud.get(session, party_id)
    if party is None:
        raise NotFound(f"unknown party {party_id}", field="party_id")
    if party.kind != PartyKind.DISTRIBUTOR:
        raise DomainError(
            f"{party.code} is a {party.kind.value}: only a distributor's premises are a site",
            field="party_id",
        )


def get_site(session: Session, site_id: uuid.UUID) -> Site:
    site = site_crud.get_site(session, site_id)
    if site is None:
        raise NotFound(f"unknown site {site_id}", field="site_id")
    return site


def get_site_by_code(session: Session, code: str) -> Site:
    site = site_crud.get_site_by_code(session, code.strip().upper())
    if site is None:
        raise NotFound(f"unknown site {code!r}", field="site")
    return site


def get_location(session: Session, location_id: uuid.UUID) -> StockLocation:
    location = site_crud.get_location(session, location_id)
    if location is None:
        raise NotFound(f"unknown stock location {location_id}", field="location_id")
    return location


def get_location_by_code(session: Session, code: str) -> StockLocation:
    location = site_crud.get_location_by_code(session, code.strip().upper())
    if location is None:
        raise NotFound(f"unknown stock location {code!r}", field="location")
    return location


def list_sites(session: Session, *, kind: SiteKind | None = None) -> list[Site]:
    return site_crud.list_sites(session, kind=kind)


def list_locations(
    session: Session,
    *,
    site_id: uuid.UUID | None = None,
    kind: LocationKind | None = None,
    party_id: uuid.UUID | None = None,
) -> list[StockLocation]:
    return site_crud.list_locations(session, site_id=site_id, kind=kind, party_id=party_id)


def installation(session: Session) -> Installation:
    found = site_crud.get_installation(session)
    if found is None:
        raise NotFound(
            "this store has not been initialised: run 'hom-desktop init' or 'hom-desktop demo'"
        )
    return found


def is_initialised(session: Session) -> bool:
    return site_crud.get_installation(session) is not None


# ISO 4217 codes that are not money a price can be in: precious metals, fund units, test codes.
_NOT_FOR_PRICES = frozenset(
    [
        "XAG",
        "XAU",
        "XPD",
        "XPT",
        "XBA",
        "XBB",
        "XBC",
        "XBD",
        "XDR",
        "XSU",
        "XUA",
        "XTS",
        "XXX",
        "XRE",
        "XFO",
        "XFU",
        "XEU",
        "XAD",
    ]
)


def check_currency(code: str) -> str:
    """``code`` as an active ISO 4217 currency code (upper case); else ``DomainError``."""
    text = code.strip().upper()
    known = len(text) == 3 and text.isascii() and text in list_currencies()
    if not known or text in _NOT_FOR_PRICES:
        raise DomainError(
            "must be a three-letter ISO 4217 currency code such as INR or USD "
            f"(got {for_terminal(code)!r})",
            field="currency",
        )
    return text


def register_installation(
    session: Session,
    *,
    name: str,
    site_id: uuid.UUID | None,
    currency: str,
    is_demo: bool = False,
) -> Installation:
    """Name this store once: the site it writes for (None: a read-only manager's store), and
    start its change log (epoch 1, seq 0). A demo store is marked as one: it never enrols."""
    if site_crud.get_installation(session) is not None:
        raise DomainError("this store is already initialised", field="store")
    currency = check_currency(currency)
    installation = site_crud.add_installation(
        session,
        Installation(name=name, site_id=site_id, currency=currency, epoch=1, is_demo=is_demo),
    )
    outbox_crud.add_epoch(session, installation_id=installation.id, epoch=1, reason="created")
    return installation


def set_installation_site(session: Session, *, site_id: uuid.UUID) -> Installation:
    """Name the site a new store writes for (set up once, right after its site is created)."""
    found = installation(session)
    if found.site_id is not None:
        raise DomainError("this store already writes for a site", field="site_id")
    found.site_id = site_id
    session.flush()
    return found


def context_fields(session: Session, found: Installation) -> dict[str, object]:
    """The installation facts every acting context carries (site, head office, enrolment)."""
    site = site_crud.get_site(session, found.site_id) if found.site_id else None
    enrolled = found.enrolled_at is not None
    return {
        "installation_id": found.id,
        "site_id": found.site_id,
        "enrolled": enrolled,
        "head_office": ownership.is_head_office(
            enrolled=enrolled, site_kind=site.kind if site else None
        ),
    }


def system_context(session: Session) -> ActorContext:
    """The context of the store itself (initialisation, demo load): all permissions."""
    return ActorContext(**context_fields(session, installation(session)), is_system=True)


def time_zone(session: Session, site_id: uuid.UUID | None) -> str:
    """The IANA zone of a site's calendar (the default zone for no site or an unknown one)."""
    site = site_crud.get_site(session, site_id) if site_id is not None else None
    return site.time_zone if site is not None else clock.DEFAULT_TIME_ZONE


def today(session: Session, *, site_id: uuid.UUID | None) -> date:
    """Today on the site's calendar, whatever zone the machine running this is set to."""
    return clock.today_in(time_zone(session, site_id))
