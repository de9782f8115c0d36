"""The small company every server test module starts from, written through the shared services.

Two zones, each down to a territory; depots DEP01 (north) and DEP02 (south), factory FAC01;
products; an administrator, a depot clerk of DEP01 and a manager of the north zone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from hom.core.security import hash_password
from hom.models.enums import GeoLevel, LocationKind, SiteKind
from hom.services import geography, orders, parties, products, sites, stock, users
from hom_server.core.config import ServerSettings
from hom_server.core.database import migrate, open_database
from tests.server.harness import ADMIN, ADMIN_PASSWORD

CLERK_PASSWORD = "clerk-pass-2026"
MANAGER_PASSWORD = "manager-pass-2026"


@dataclass(frozen=True)
class World:
    north: uuid.UUID  # zone
    south: uuid.UUID
    north_territory: uuid.UUID
    south_territory: uuid.UUID
    dep01: uuid.UUID
    dep02: uuid.UUID
    fac01: uuid.UUID
    dep01_wh: uuid.UUID
    dep02_wh: uuid.UUID
    fac01_fg: uuid.UUID
    head_office: uuid.UUID
    soap: uuid.UUID  # not batch-tracked
    shampoo: uuid.UUID
    dist_north: uuid.UUID  # distributor parties, each with a site and a stock point
    dist_south: uuid.UUID


def _chain(session, ctx, prefix: str, name: str) -> tuple[uuid.UUID, uuid.UUID]:
    parent = None
    zone = None
    for level in GeoLevel:
        node = geography.create_node(
            session,
            ctx=ctx,
            node_in={
                "level": level,
                "code": f"{prefix}-{level.name[:3]}",
                "name": f"{name} {level.name.lower()}",
                "parent_id": parent,
            },
        )
        parent = node.id
        zone = zone or node.id
    return zone, parent


def build_world(settings: ServerSettings) -> World:
    db = open_database(settings)
    try:
        migrate(db)
        with db.transaction() as s:
            ctx = sites.system_context(s)
            north, north_t = _chain(s, ctx, "N", "North")
            south, south_t = _chain(s, ctx, "S", "South")

            def site(code: str, kind: SiteKind, geo: uuid.UUID, loc_kind: LocationKind):
                site = sites.create_site(
                    s,
                    ctx=ctx,
                    site_in={"code": code, "name": code, "kind": kind, "geo_node_id": geo},
                )
                loc = sites.create_location(
                    s,
                    ctx=ctx,
                    location_in={
                        "site_id": site.id,
                        "code": f"{code}-MAIN",
                        "name": f"{code} main",
                        "kind": loc_kind,
                    },
                )
                return site.id, loc.id

            dep01, dep01_wh = site("DEP01", SiteKind.DEPOT, north_t, LocationKind.WAREHOUSE)
            dep02, dep02_wh = site("DEP02", SiteKind.DEPOT, south_t, LocationKind.WAREHOUSE)
            fac01, fac01_fg = site("FAC01", SiteKind.FACTORY, north_t, LocationKind.FINISHED_GOODS)
            head_office = sites.create_site(
                s, ctx=ctx, site_in={"code": "HO", "name": "Head office", "kind": "head_office"}
            ).id
            prices = {"mrp": "45.00", "distributor_price": "36.00", "retailer_price": "40.00"}
            soap = products.create_product(
                s, ctx=ctx, product_in={"sku": "SOAP-100", "name": "Sandal soap 100 g", **prices}
            )
            shampoo = products.create_product(
                s,
                ctx=ctx,
                product_in={"sku": "SHAM-200", "name": "Herbal shampoo 200 ml", **prices},
            )
            dists = {}
            for code, territory in (("DIST-N", north_t), ("DIST-S", south_t)):
                party = parties.create_party(
                    s,
                    ctx=ctx,
                    party_in={
                        "kind": "distributor",
                        "code": code,
                        "name": f"{code} Traders",
                        "territory_id": territory,
                    },
                )
                dsite = sites.create_site(
                    s,
                    ctx=ctx,
                    site_in={
                        "code": code,
                        "name": code,
                        "kind": "distributor",
                        "geo_node_id": territory,
                        "party_id": party.id,
                    },
                )
                sites.create_location(
                    s,
                    ctx=ctx,
                    location_in={
                        "site_id": dsite.id,
                        "code": f"{code}-STK",
                        "name": f"{code} stock",
                        "kind": "distributor_stock",
                        "party_id": party.id,
                    },
                )
                dists[code] = party.id
            for name, password, roles, site_id, geo in [
                (ADMIN, ADMIN_PASSWORD, ["admin"], None, None),
                ("clerk1", CLERK_PASSWORD, ["depot clerk"], dep01, None),
                ("manager1", MANAGER_PASSWORD, ["manager"], None, north),
            ]:
                users.create_user(
                    s,
                    ctx=ctx,
                    user_in={
                        "username": name,
                        "password": password,
                        "roles": roles,
                        "site_id": site_id,
                        "geo_node_id": geo,
                    },
                    password_hash=hash_password(password),
                )
            return World(
                north=north,
                south=south,
                north_territory=north_t,
                south_territory=south_t,
                dep01=dep01,
                dep02=dep02,
                fac01=fac01,
                dep01_wh=dep01_wh,
                dep02_wh=dep02_wh,
                fac01_fg=fac01_fg,
                head_office=head_office,
                dist_north=dists["DIST-N"],
                dist_south=dists["DIST-S"],
                soap=soap.id,
                shampoo=shampoo.id,
            )
    finally:
        db.close()


def seed_activity(settings: ServerSettings, world: World) -> dict[str, uuid.UUID]:
    """Stock at both depots and a primary order from each, written as each depot would."""
    db = open_database(settings)
    made = {}
    try:
        with db.transaction() as s:
            system = sites.system_context(s)
            for key, site, location, dist, qty in (
                ("north", world.dep01, world.dep01_wh, world.dist_north, 100),
                ("south", world.dep02, world.dep02_wh, world.dist_south, 50),
            ):
                ctx = system.for_site(site)
                stock.receive(
                    s,
                    ctx=ctx,
                    receipt_in={"location_id": location, "product_id": world.soap, "quantity": qty},
                )
                order = orders.create_order(
                    s,
                    ctx=ctx,
                    level="primary",
                    order_in={
                        "seller_location_id": location,
                        "distributor_id": dist,
                        "lines": [{"product_id": world.soap, "quantity": 5}],
                    },
                )
                made[f"order_{key}"] = order.id
    finally:
        db.close()
    return made
