"""A small, known GST world for invoice and printing tests.

The depot DEP01 (Maharashtra, GSTIN 27AAACH0000A1ZR) sells soap (HSN 3401, 18 %, untracked) and
tea (HSN 0902, 5 %, batch-tracked: 2 units in batch TEA-A expiring first, 5 in TEA-B) to a
distributor in Maharashtra (same state: CGST + SGST) and one in Karnataka (IGST), whose retailer
(in Karnataka, unregistered) buys from it in turn.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from hom.core.clock import DEFAULT_TIME_ZONE, today_in
from hom.models.enums import GeoLevel, LocationKind, OrderLevel, PartyKind
from hom.services import geography, orders, parties, products, sites
from tests.utils.builders import StoreKit
from tests.utils.order_builders import add_batch, receive

SELLER_GSTIN = "27AAACH0000A1ZR"
MH_GSTIN = "27ABCDE1234F1Z0"
KA_GSTIN = "29ABCDE1234F1ZW"


@dataclass
class GstWorld:
    soap: uuid.UUID
    tea: uuid.UUID
    mh: uuid.UUID  # distributor in Maharashtra
    ka: uuid.UUID  # distributor in Karnataka
    ka_retailer: uuid.UUID
    ka_point: uuid.UUID  # the Karnataka distributor's stock point (kept by DEP01)


def _territory(session, ctx, prefix: str, state: str, zone: str) -> uuid.UUID:
    parent = None
    for level, name in (
        (GeoLevel.ZONE, zone),
        (GeoLevel.STATE, state),
        (GeoLevel.REGION, f"{state} region"),
        (GeoLevel.AREA, f"{state} area"),
        (GeoLevel.TERRITORY, f"{state} market"),
    ):
        node = geography.create_node(
            session,
            ctx=ctx,
            node_in={
                "level": level,
                "code": f"{prefix}{int(level)}",
                "name": name,
                "parent_id": parent,
            },
        )
        parent = node.id
    return parent


def make_gst_world(kit: StoreKit) -> GstWorld:
    ctx = kit.ctx
    with kit.session() as s:
        mh_t = _territory(s, ctx, "MH", "Maharashtra", "West")
        ka_t = _territory(s, ctx, "KA", "Karnataka", "South")
        sites.update_invoice_details(
            s,
            ctx=ctx,
            site_id=kit.site_id,
            details_in={
                "legal_name": "Neela Consumer Products Pvt Ltd",
                "address": "Plot 12, MIDC Bhosari\nPune 411026",
                "gstin": SELLER_GSTIN,
                "geo_node_id": mh_t,
            },
        )
        soap = products.create_product(
            s,
            ctx=ctx,
            product_in={
                "sku": "SOAP-75",
                "name": "Neela Neem bathing soap 75 g",
                "mrp": "45.50",
                "distributor_price": "36.35",
                "retailer_price": "40.10",
                "hsn_code": "3401",
                "gst_rate": "18",
            },
        )
        tea = products.create_product(
            s,
            ctx=ctx,
            product_in={
                "sku": "TEA-250",
                "name": "Kesar Gold tea 250 g",
                "mrp": "140.00",
                "distributor_price": "112.10",
                "retailer_price": "123.20",
                "hsn_code": "0902",
                "gst_rate": "5",
                "track_batches": True,
                "shelf_life_days": 365,
            },
        )

        def party(kind, code, name, territory, gstin="", distributor=None):
            return parties.create_party(
                s,
                ctx=ctx,
                party_in={
                    "kind": kind,
                    "code": code,
                    "name": name,
                    "territory_id": territory,
                    "gstin": gstin,
                    "address": f"{name} godown, Main Road",
                    "distributor_id": distributor,
                },
            ).id

        mh = party(PartyKind.DISTRIBUTOR, "D-MH", "Sharma Traders", mh_t, MH_GSTIN)
        ka = party(PartyKind.DISTRIBUTOR, "D-KA", "श्री गणेश Agencies", ka_t, KA_GSTIN)
        ka_retailer = party(PartyKind.RETAILER, "R-KA", "Rao Kirana", ka_t, "", ka)
        for distributor, code, name in (
            (mh, "D-MH-STK", "Sharma Traders godown, Pune"),
            (ka, "D-KA-STK", "Ganesh godown, Hubballi"),
        ):
            point = sites.create_location(
                s,
                ctx=ctx,
                location_in={
                    "site_id": kit.site_id,
                    "code": code,
                    "name": name,
                    "kind": LocationKind.DISTRIBUTOR_STOCK,
                    "party_id": distributor,
                },
            ).id
        today = today_in(DEFAULT_TIME_ZONE)
        first = add_batch(s, product_id=tea.id, code="TEA-A", expires_on=today + timedelta(60))
        second = add_batch(s, product_id=tea.id, code="TEA-B", expires_on=today + timedelta(200))
        receive(s, ctx, location_id=kit.location_id, product_id=soap.id, quantity=100)
        receive(
            s, ctx, location_id=kit.location_id, product_id=tea.id, quantity=2, batch_id=first.id
        )
        receive(
            s, ctx, location_id=kit.location_id, product_id=tea.id, quantity=5, batch_id=second.id
        )
        receive(s, ctx, location_id=point, product_id=soap.id, quantity=50)
        return GstWorld(soap.id, tea.id, mh, ka, ka_retailer, point)


def primary_order(
    kit: StoreKit, world: GstWorld, distributor: uuid.UUID, *, dispatch: bool = True
) -> uuid.UUID:
    """Soap 10 and tea 3 sold to ``distributor``; confirmed and (by default) dispatched."""
    with kit.session() as s:
        order = orders.create_order(
            s,
            ctx=kit.ctx,
            level=OrderLevel.PRIMARY,
            order_in={
                "seller_location_id": kit.location_id,
                "distributor_id": distributor,
                "lines": [
                    {"product_id": world.soap, "quantity": 10},
                    {"product_id": world.tea, "quantity": 3},
                ],
            },
        )
        orders.confirm(s, ctx=kit.ctx, level=OrderLevel.PRIMARY, order_id=order.id)
        if dispatch:
            orders.dispatch(s, ctx=kit.ctx, level=OrderLevel.PRIMARY, order_id=order.id)
        return order.id
