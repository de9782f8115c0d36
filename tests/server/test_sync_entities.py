"""Changes other than stock over the sync API: master data from the head office (written on the
server or pushed by the head office's installation), orders from the seller's site, and what
each installation pulls of them."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime

import pytest

from hom.schemas.sync import PAYLOAD_VERSION
from tests.server.harness import ADMIN, ADMIN_PASSWORD, login
from tests.server.syncing import Installation, enrol, pull_all, push


@pytest.fixture(scope="module")
def admin(server):
    with server.client(login(server, ADMIN, ADMIN_PASSWORD)["access_token"]) as c:
        yield c


@pytest.fixture(scope="module")
def token(server) -> str:
    return login(server, ADMIN, ADMIN_PASSWORD)["access_token"]


def _item(inst: Installation, entity: str, payload: dict, operation: str = "insert") -> dict:
    seq = inst.next_seq
    inst.next_seq += 1
    return {
        "seq": seq,
        "entity": entity,
        "entity_id": payload["id"],
        "operation": operation,
        "site_id": inst.site_id,
        "payload_version": PAYLOAD_VERSION,
        "payload": payload,
        "created_at": datetime.now(UTC).isoformat(),
    }


def test_master_data_written_on_the_server_reaches_every_installation(server, admin, token):
    prices = {"mrp": "120.00", "distributor_price": "95.00", "retailer_price": "110.00"}
    made = admin.post("/products", json={"sku": "GHEE-500", "name": "Desi ghee 500 ml", **prices})
    assert made.status_code == 201
    north = enrol(server, token, site="DEP01")
    south = enrol(server, token, site="DEP02")
    for inst in (north, south):
        items = pull_all(
            server, inst, until=lambda xs: any(x["payload"].get("sku") == "GHEE-500" for x in xs)
        )
        products = [i for i in items if i["entity"] == "products"]
        ghee = [i for i in products if i["payload"]["sku"] == "GHEE-500"]
        assert len(ghee) == 1 and ghee[0]["payload"]["mrp"] == "120.00"
        assert ghee[0]["site_id"] is None  # the head office's
    # A change travels too, as a newer snapshot of the same row.
    admin.patch(f"/products/{made.json()['id']}", json={"mrp": "125.00"})
    mine = made.json()["id"]
    items = pull_all(server, north, until=lambda xs: sum(x["entity_id"] == mine for x in xs) > 1)
    later = [i for i in items if i["entity_id"] == mine]
    assert [i["payload"]["mrp"] for i in later] == ["120.00", "125.00"]


def test_master_data_is_pushed_by_the_head_office_only(server, admin, token):
    head_office = enrol(server, token, site="HO")
    depot = enrol(server, token, site="DEP01")
    items = pull_all(server, depot, until=lambda xs: any(x["entity"] == "products" for x in xs))
    template = next(i["payload"] for i in items if i["entity"] == "products")
    product = copy.deepcopy(template) | {"id": str(uuid.uuid4()), "sku": "OIL-1L", "name": "Oil"}
    refused = push(server, depot, [_item(depot, "products", product)]).json()["results"][0]
    assert refused["status"] == "rejected" and "head office" in refused["reason"]
    accepted = push(server, head_office, [_item(head_office, "products", product)]).json()
    assert accepted["results"][0]["status"] == "accepted"
    found = admin.get("/products", params={"search": "OIL-1L"}).json()["items"]
    assert [p["name"] for p in found] == ["Oil"]
    # An older snapshot of the same row is answered as already applied.
    older = copy.deepcopy(product) | {"name": "Old oil", "updated_at": "2020-01-01T00:00:00Z"}
    stale = push(server, head_office, [_item(head_office, "products", older, "update")]).json()
    assert stale["results"][0]["status"] == "duplicate"
    assert admin.get(f"/products/{product['id']}").json()["name"] == "Oil"
    # A payload that breaks its schema is rejected naming the field.
    broken = copy.deepcopy(product) | {"id": str(uuid.uuid4()), "mrp": "cheap"}
    bad = push(server, head_office, [_item(head_office, "products", broken)]).json()["results"][0]
    assert bad["status"] == "rejected" and bad["field"] == "payload.mrp"


def _order(world, buyer_location: str, *, site=None, version=1, status="draft") -> dict:
    now = datetime.now(UTC).isoformat()
    return {
        "id": str(uuid.uuid4()),
        "created_at": now,
        "updated_at": now,
        "created_by": None,
        "installation_id": None,
        "number": f"DEP01-P-2026-{uuid.uuid4().int % 10**6:06d}",
        "site_id": str(site or world.dep01),
        "order_date": "2026-11-30",
        "status": status,
        "total_amount": "180.00",
        "notes": "",
        "version": version,
        "confirmed_at": None,
        "dispatched_at": None,
        "delivered_at": None,
        "cancelled_at": None,
        "cancel_reason": "",
        "lines": [
            {
                "id": str(uuid.uuid4()),
                "line_no": 1,
                "product_id": str(world.soap),
                "batch_id": None,
                "quantity": 5,
                "unit_price": "36.00",
                "line_total": "180.00",
            }
        ],
        "seller_location_id": str(world.dep01_wh),
        "distributor_id": str(world.dist_north),
        "buyer_location_id": buyer_location,
    }


def test_orders_come_from_the_sellers_site_and_reach_the_buyer(server, admin, token, world):
    depot = enrol(server, token, site="DEP01")
    other = enrol(server, token, site="DEP02")
    distributor = enrol(server, token, site="DIST-N")
    dist_site = next(s for s in admin.get("/sites").json() if s["code"] == "DIST-N")
    buyer = admin.get(f"/sites/{dist_site['id']}/locations").json()[0]["id"]
    order = _order(world, buyer)
    r = push(server, depot, [_item(depot, "primary_orders", order)]).json()
    assert r["results"][0]["status"] == "accepted", r
    stored = admin.get(f"/orders/primary/{order['id']}").json()
    assert stored["number"] == order["number"] and stored["lines"][0]["quantity"] == 5
    # The next version (confirmed) replaces it; the same version again is a duplicate.
    confirmed = order | {"version": 2, "status": "confirmed", "confirmed_at": order["created_at"]}
    r = push(server, depot, [_item(depot, "primary_orders", confirmed, "update")]).json()
    assert r["results"][0]["status"] == "accepted"
    r = push(server, depot, [_item(depot, "primary_orders", confirmed, "update")]).json()
    assert r["results"][0]["status"] == "duplicate"
    assert admin.get(f"/orders/primary/{order['id']}").json()["status"] == "confirmed"
    # Another depot cannot write DEP01's order.
    r = push(server, other, [_item(other, "primary_orders", _order(world, buyer))]).json()
    assert r["results"][0]["status"] == "rejected" and "DEP01" in r["results"][0]["reason"]
    # The distributor (the buyer) pulls the order addressed to it; the other depot does not.
    items = pull_all(
        server, distributor, until=lambda xs: sum(x["entity_id"] == order["id"] for x in xs) > 1
    )
    seen = [i for i in items if i["entity"] == "primary_orders"]
    assert [i["payload"]["version"] for i in seen if i["entity_id"] == order["id"]] == [1, 2]
    assert not [i for i in pull_all(server, other) if i["entity"] == "primary_orders"]


def test_unknown_entities_are_rejected_not_dropped(server, token):
    depot = enrol(server, token, site="DEP01")
    payload = {"id": str(uuid.uuid4())}
    r = push(server, depot, [_item(depot, "spaceships", payload)]).json()
    assert r["results"][0]["status"] == "rejected"
    assert r["results"][0]["field"] == "entity" and r["last_applied_seq"] == 1
