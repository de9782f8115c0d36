"""Creating a new store: roles, the site it writes for, its first locations and first admin."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hom.core.errors import DomainError
from hom.core.ids import new_id
from hom.models.enums import LocationKind, SiteKind
from hom.models.site import Site
from hom.models.user import User
from hom.services import sites, users
from hom.services.context import ActorContext

DEFAULT_LOCATION_KIND = {
    SiteKind.FACTORY: LocationKind.FINISHED_GOODS,
    SiteKind.DEPOT: LocationKind.WAREHOUSE,
    SiteKind.DISTRIBUTOR: LocationKind.DISTRIBUTOR_STOCK,
}


@dataclass(frozen=True)
class InitResult:
    installation_id: uuid.UUID
    site: Site | None
    admin: User


def initialize(
    session: Session,
    *,
    admin_username: str,
    admin_password: str,
    admin_full_name: str = "",
    site_code: str | None,
    site_name: str = "",
    site_kind: SiteKind = SiteKind.DEPOT,
    currency: str = "INR",
    installation_name: str = "",
) -> InitResult:
    """Set up an empty store. Without ``site_code`` the store writes for no site (a manager's)."""
    if sites.is_initialised(session):
        raise DomainError("this store is already initialised", field="store")
    users.seed_roles(session)
    # A bootstrap context: the installation row does not exist until the site does.
    boot = ActorContext(installation_id=new_id(), site_id=None, is_system=True)
    site = None
    if site_code:
        site = sites.create_site(
            session,
            ctx=boot,
            site_in={"code": site_code, "name": site_name or site_code, "kind": site_kind},
        )
        if site.kind in DEFAULT_LOCATION_KIND:
            is_factory = site.kind == SiteKind.FACTORY
            sites.create_location(
                session,
                ctx=boot,
                location_in={
                    "site_id": site.id,
                    "code": f"{site.code}-{'FG' if is_factory else 'WH'}",
                    "name": f"{site.name} {'finished goods' if is_factory else 'warehouse'}",
                    "kind": DEFAULT_LOCATION_KIND[site.kind],
                    "party_id": site.party_id,
                },
            )
    installation = sites.register_installation(
        session,
        name=installation_name or (site.name if site else "Manager's store"),
        site_id=site.id if site else None,
        currency=currency,
    )
    ctx = sites.system_context(session)
    admin = users.create_user(
        session,
        ctx=ctx,
        user_in={
            "username": admin_username,
            "password": admin_password,
            "full_name": admin_full_name or "Administrator",
            "roles": ["admin"],
            "site_id": site.id if site else None,
        },
    )
    return InitResult(installation_id=installation.id, site=site, admin=admin)
