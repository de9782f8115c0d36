"""One writer per row: which site's installation writes each synced entity.

The one place the rule lives. The services enforce it before they write (``require_*`` below,
and the stock and order checks that call ``writer_of``'s facts: a location's site, an order's
site); the server checks every pushed change with ``writer_of`` against the pushing device's
site. The README's ownership table is this table.

A store that is not enrolled with a server is its own head office, so a single depot can run
alone as before; once enrolled, only the head office's installation writes master data, and the
other stores show it read-only ("managed by head office").
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hom.core.errors import WrongSite
from hom.models.enums import SiteKind
from hom.services.context import ActorContext
from hom.sync import entities as E


class Writer(StrEnum):
    LOCATION_SITE = "the site owning the stock location"
    FACTORY_SITE = "the factory's site"
    SELLER_SITE = "the seller's site (the order's site)"
    BUYER_SITE = "the buyer's site (owning the receiving stock point)"
    HEAD_OFFICE = "the head office"
    DISTRIBUTOR_SITE = (
        "the site of the distributor serving the retailer; the head office when that "
        "distributor has no site of its own"
    )


@dataclass(frozen=True)
class Rule:
    writer: Writer
    #: The payload field naming the site or location the writer is found from.
    key: str | None = None


OWNERSHIP: dict[str, Rule] = {
    E.LEDGER: Rule(Writer.LOCATION_SITE, "location_id"),
    E.BATCHES: Rule(Writer.FACTORY_SITE, "factory_site_id"),
    E.PRODUCTION_LOGS: Rule(Writer.FACTORY_SITE, "site_id"),
    E.PRIMARY_ORDERS: Rule(Writer.SELLER_SITE, "site_id"),
    E.SECONDARY_ORDERS: Rule(Writer.SELLER_SITE, "site_id"),
    E.TERTIARY_ORDERS: Rule(Writer.SELLER_SITE, "site_id"),
    E.GOODS_RECEIPTS: Rule(Writer.BUYER_SITE, "site_id"),
    E.PRODUCTS: Rule(Writer.HEAD_OFFICE),
    E.GEO_NODES: Rule(Writer.HEAD_OFFICE),
    E.SITES: Rule(Writer.HEAD_OFFICE),
    E.LOCATIONS: Rule(Writer.HEAD_OFFICE),
    E.USERS: Rule(Writer.HEAD_OFFICE),
    E.ROLES: Rule(Writer.HEAD_OFFICE),
    # distributors: the head office; retailers: see Writer.DISTRIBUTOR_SITE
    E.PARTIES: Rule(Writer.HEAD_OFFICE, "distributor_id"),
}

MASTER_DATA = frozenset(e for e, r in OWNERSHIP.items() if r.writer == Writer.HEAD_OFFICE)

#: The words every read-only master-data screen shows on a store that is not the head office.
MANAGED_BY_HEAD_OFFICE = "Managed by head office: changes arrive through sync."


def is_head_office(*, enrolled: bool, site_kind: SiteKind | str | None) -> bool:
    """Whether an installation writes master data: any store not enrolled with a server (its own
    head office), or the enrolled installation of the head office's site."""
    return not enrolled or (site_kind is not None and SiteKind(site_kind) == SiteKind.HEAD_OFFICE)


def balances_kept(
    *, enrolled: bool, site_id: uuid.UUID | None, site_kind: SiteKind | str | None
) -> set[uuid.UUID] | None:
    """The sites whose locations have their whole history, hence true balances, in a store
    (None: every site). A store not enrolled holds everything it has; the head office's and a
    manager's (no site) store pull every site they see in full; any other enrolled store holds
    its own site's history, and only references of other sites' entries (a primary order's
    dispatch, for its goods receipt)."""
    if not enrolled or site_id is None:
        return None
    if site_kind is not None and SiteKind(site_kind) == SiteKind.HEAD_OFFICE:
        return None
    return {site_id}


def writer_of(
    entity: str,
    payload: Mapping[str, Any],
    *,
    site_of_location: Callable[[uuid.UUID], uuid.UUID | None],
    site_of_distributor: Callable[[uuid.UUID], uuid.UUID | None],
) -> uuid.UUID | Writer:
    """The site whose installation writes this row, or ``Writer.HEAD_OFFICE``.

    ``payload`` is the row's sync snapshot; the look-ups give a location's site and the site of
    a distributor (a ``Site`` whose ``party_id`` is the distributor), from whichever database
    the caller has (the store's, or the server's).
    """
    rule = OWNERSHIP.get(entity)
    if rule is None:
        raise ValueError(f"{entity!r} is not a synced entity")
    if entity == E.PARTIES:
        distributor = payload.get("distributor_id")
        if payload.get("kind") == "retailer" and distributor:
            site = site_of_distributor(uuid.UUID(str(distributor)))
            if site is not None:
                return site
        return Writer.HEAD_OFFICE
    if rule.writer == Writer.HEAD_OFFICE:
        return Writer.HEAD_OFFICE
    assert rule.key is not None
    value = payload.get(rule.key)
    if value is None:
        raise ValueError(f"a {entity} snapshot without {rule.key} has no writer")
    value = uuid.UUID(str(value))
    if rule.writer == Writer.LOCATION_SITE:
        site = site_of_location(value)
        if site is None:
            raise ValueError(f"unknown stock location {value}")
        return site
    return value


def may_write(
    entity: str,
    payload: Mapping[str, Any],
    *,
    writer_site_id: uuid.UUID | None,
    writer_is_head_office: bool,
    site_of_location: Callable[[uuid.UUID], uuid.UUID | None],
    site_of_distributor: Callable[[uuid.UUID], uuid.UUID | None],
) -> bool:
    """Whether an installation (its site, and whether it is the head office's) writes this row."""
    owner = writer_of(
        entity,
        payload,
        site_of_location=site_of_location,
        site_of_distributor=site_of_distributor,
    )
    if owner == Writer.HEAD_OFFICE:
        return writer_is_head_office
    return writer_site_id is not None and owner == writer_site_id


def require_head_office(ctx: ActorContext, entity: str, *, what: str = "") -> None:
    """Master data is written by the head office only (a store not enrolled is its own)."""
    if not ctx.head_office:
        noun = what or entity.replace("_", " ")
        raise WrongSite(
            f"{noun} are managed by head office: this store receives them through sync and "
            "shows them read-only",
            field="store",
        )


def require_retailer_writer(
    ctx: ActorContext, *, distributor_site_id: uuid.UUID | None, code: str = ""
) -> None:
    """A retailer is written by the site of the distributor that serves it (when that
    distributor has a site), otherwise by the head office. A store not enrolled writes all."""
    if not ctx.enrolled:
        return
    if distributor_site_id is None:
        require_head_office(ctx, E.PARTIES, what="retailers of a distributor without a site")
        return
    if ctx.site_id != distributor_site_id:
        raise WrongSite(
            f"retailer {code} is managed by the site of the distributor that serves it".replace(
                "  ", " "
            ),
            field="distributor_id",
        )
