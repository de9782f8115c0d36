"""GST fields over HTTP: products, parties and a site's invoice details, with 422 field
messages for a bad GSTIN, HSN code or rate (the same schemas as the desktop)."""

from __future__ import annotations

import pytest

from tests.server.harness import ADMIN, ADMIN_PASSWORD, login
from tests.server.world import CLERK_PASSWORD

SELLER_GSTIN = "27AAACH0000A1ZR"


@pytest.fixture(scope="module")
def admin(server):
    with server.client(login(server, ADMIN, ADMIN_PASSWORD)["access_token"]) as c:
        yield c


@pytest.fixture(scope="module")
def clerk(server):
    with server.client(login(server, "clerk1", CLERK_PASSWORD)["access_token"]) as c:
        yield c


def _loc(r) -> list:
    return r.json()["detail"][0]["loc"]


def test_products_parties_and_sites_carry_the_gst_fields(admin, clerk, world):
    prices = {"mrp": "10.00", "distributor_price": "7.80", "retailer_price": "8.80"}
    r = admin.post(
        "/products",
        json={"sku": "GST-BIS", "name": "Biscuits", "hsn_code": "1905", "gst_rate": "18", **prices},
    )
    assert r.status_code == 201, r.text
    assert (r.json()["hsn_code"], r.json()["gst_rate"]) == ("1905", "18.00")
    bad = admin.post("/products", json={"sku": "GST-X", "name": "X", "gst_rate": "7", **prices})
    assert bad.status_code == 422 and _loc(bad)[-1] == "gst_rate"
    assert "one of the GST slabs" in bad.json()["detail"][0]["msg"]
    bad = admin.post(
        "/parties",
        json={
            "kind": "retailer",
            "code": "GST-R1",
            "name": "Gupta Kirana",
            "territory_id": str(world.north_territory),
            "gstin": "27AAACH0000A1ZQ",
        },
    )
    assert bad.status_code == 422 and _loc(bad)[-1] == "gstin"
    site = world.dep01
    r = admin.patch(
        f"/sites/{site}/invoice-details",
        json={"legal_name": "Neela Consumer Products Pvt Ltd", "gstin": SELLER_GSTIN.lower()},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["gstin"], r.json()["legal_name"]) == (
        SELLER_GSTIN,
        "Neela Consumer Products Pvt Ltd",
    )
    assert admin.get(f"/sites/{site}").json()["gstin"] == SELLER_GSTIN
    denied = clerk.patch(f"/sites/{site}/invoice-details", json={"gstin": ""})
    assert denied.status_code == 403
