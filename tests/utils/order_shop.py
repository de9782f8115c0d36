"""A small shop for order screens and commands: a depot selling to a distributor whose stock
point it keeps, that distributor's retailer, and ten soaps in the depot's warehouse."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hom.models.enums import LocationKind, PartyKind
from tests.utils.builders import add_location, add_product
from tests.utils.order_builders import add_party, receive

WORDS = [
    "neem",
    "rose",
    "lemon",
    "sandal",
    "tulsi",
    "aloe",
    "jasmine",
    "turmeric",
    "saffron",
    "coconut",
]


@dataclass
class Shop:
    """A depot (the kit's DEP01) selling to a distributor whose stock point it keeps, that
    distributor's retailer, and ten soaps (case of 12) in the depot's warehouse."""

    distributor_id: uuid.UUID
    distributor_code: str
    stock_point_id: uuid.UUID
    retailer_id: uuid.UUID
    retailer_code: str
    products: dict[str, uuid.UUID] = field(default_factory=dict)  # word -> id


def make_shop(kit: Any, *, stock: int = 600) -> Shop:
    with kit.session() as s:
        dist = add_party(s, kind=PartyKind.DISTRIBUTOR, code="DSHARMA")
        dist.name = "Sharma Agencies"
        point = add_location(
            s,
            kit.ctx,
            site_id=kit.site_id,
            code="DSHARMA-ST",
            kind=LocationKind.DISTRIBUTOR_STOCK,
            party_id=dist.id,
        )
        ret = add_party(s, kind=PartyKind.RETAILER, code="RMEHTA", distributor_id=dist.id)
        ret.name = "Mehta Kirana"
        s.flush()
        shop = Shop(dist.id, dist.code, point, ret.id, ret.code)
        for i, word in enumerate(WORDS):
            p = add_product(
                s, sku=f"SP-{i:02d}", name=f"{word.title()} bath soap 75 g", pack_size=12
            )
            p.hsn_code, p.gst_rate = "34011110", Decimal("18")
            receive(s, kit.ctx, location_id=kit.location_id, product_id=p.id, quantity=stock)
            shop.products[word] = p.id
    return shop
