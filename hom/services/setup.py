"""Creating a new store: roles, the site it writes for, its first locations and first admin."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hom.core.errors import DomainError
from hom.models.enums import LocationKind, SiteKind
from hom.models.site import Site
from hom.models.user import User
from hom.schemas.base import validate
from hom.schemas.site import SiteCreate
from hom.services import sites, users

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
    demo: bool = False,
    admin_password_hash: str | None = None,
) -> InitResult:
    """Set up an empty store. Without ``site_code`` the store writes for no site (a manager's).

    ``admin_password_hash``: the password already hashed (``security.hash_password``) by a
    caller that hashes it once for several users (the demo)."""
    if sites.is_initialised(session):
        raise DomainError("this store is already initialised", field="store")
    site_in = None
    if site_code:  # the site's fields are checked first, as the form lists them
        site_in = validate(
            SiteCreate, {"code": site_code, "name": site_name or site_code, "kind": site_kind}
        )
    users.seed_roles(session)
    # The installation comes first: every write below is this installation's change.
    installation = sites.register_installation(
        session,
        name=installation_name or site_name or site_code or "Manager's store",
        site_id=None,
        currency=currency,
        is_demo=demo,
    )
    boot = sites.system_context(session)
    site = None
    if site_in is not None:
        site = sites.create_site(session, ctx=boot, site_in=site_in)
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
        sites.set_installation_site(session, site_id=site.id)
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
        password_hash=admin_password_hash,
    )
    return InitResult(installation_id=installation.id, site=site, admin=admin)
