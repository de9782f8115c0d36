"""Goods receipts over the sync API: the buyer's installation pushes the receipt of a primary
order with its RECEIPT ledger entries; the seller's installation pulls it; any other site's push
is refused with the reason."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from hom.schemas.goods_receipts import GoodsReceiptSync
from tests.server.harness import ADMIN, ADMIN_PASSWORD, login
from tests.server.syncing import enrol, ledger_item, pull_all, push
from tests.server.test_sync_entities import _item, _order


@pytest.fixture(scope="module")
def admin(server):
    with server.client(login(server, ADMIN, ADMIN_PASSWORD)["access_token"]) as c:
        yield c


@pytest.fixture(scope="module")
def token(server) -> str:
    return login(server, ADMIN, ADMIN_PASSWORD)["access_token"]


def _receipt(order: dict, *, site_id: str, location_id: str, received: int = 5) -> dict:
    now = datetime.now(UTC).isoformat()
    line = order["lines"][0]
    return {
        "id": str(uuid.uuid4()),
        "created_at": now,
        "updated_at": now,
        "created_by": None,
        "installation_id": None,
        "number": f"DIST-N-GR-2026-{uuid.uuid4().int % 10**6:06d}",
        "site_id": site_id,
        "order_id": order["id"],
        "dispatch_no": order["number"],
        "location_id": location_id,
        "received_at": now,
        "business_date": date.today().isoformat(),
        "reason": "" if received == line["quantity"] else "one carton short",
        "version": 1,
        "lines": [
            {
                "id": str(uuid.uuid4()),
                "line_no": 1,
                "product_id": line["product_id"],
                "batch_id": None,
                "dispatched_qty": line["quantity"],
                "received_qty": received,
                "damaged_qty": 0,
                "reason": "" if received == line["quantity"] else "one carton short",
            }
        ],
    }


def _site(admin, code: str) -> tuple[str, str]:
    """A site's id and its first stock location's id."""
    site = next(s for s in admin.get("/sites").json() if s["code"] == code)
    return site["id"], admin.get(f"/sites/{site['id']}/locations").json()[0]["id"]


def test_the_buyers_receipt_is_accepted_and_reaches_the_seller(server, admin, token, world):
    seller = enrol(server, token, site="DEP01")
    buyer = enrol(server, token, site="DIST-N")
    dist_n, point = _site(admin, "DIST-N")
    order = _order(world, point) | {"status": "dispatched", "version": 3}
    r = push(server, seller, [_item(seller, "primary_orders", order)]).json()
    assert r["results"][0]["status"] == "accepted", r

    receipt = _receipt(order, site_id=dist_n, location_id=point, received=4)
    GoodsReceiptSync.model_validate(receipt)  # the wire format the store's change log writes
    items = [
        _item(buyer, "goods_receipts", receipt),
        ledger_item(
            buyer,
            location_id=uuid.UUID(point),
            product_id=world.soap,
            quantity=4,
            balance_after=4,
            voucher_id=uuid.UUID(receipt["id"]),
        ),
    ]
    results = push(server, buyer, items).json()["results"]
    assert [x["status"] for x in results] == ["accepted", "accepted"], results
    # pushed again (a retry under the same numbers): answered, not applied twice
    again = push(server, buyer, items).json()["results"]
    assert {x["status"] for x in again} <= {"accepted", "duplicate"}

    # the seller pulls the receipt (addressed to it) and will mark its order delivered
    pulled = pull_all(
        server,
        seller,
        until=lambda xs: any(x["entity_id"] == receipt["id"] for x in xs),
    )
    got = [x for x in pulled if x["entity"] == "goods_receipts" and x["entity_id"] == receipt["id"]]
    assert len(got) == 1 and got[0]["payload"]["lines"][0]["received_qty"] == 4
    assert got[0]["site_id"] == dist_n


def test_a_receipt_pushed_by_another_site_is_refused(server, admin, token, world):
    seller = enrol(server, token, site="DEP01")
    other = enrol(server, token, site="DIST-S")
    dist_n, point = _site(admin, "DIST-N")
    dist_s, other_point = _site(admin, "DIST-S")
    order = _order(world, point) | {"status": "dispatched", "version": 3}
    assert (
        push(server, seller, [_item(seller, "primary_orders", order)]).json()["results"][0][
            "status"
        ]
        == "accepted"
    )

    # the buyer's receipt, pushed by another site's installation: the ownership scope refuses
    theirs = _receipt(order, site_id=dist_n, location_id=point)
    (r,) = push(server, other, [_item(other, "goods_receipts", theirs)]).json()["results"]
    assert r["status"] == "rejected" and "written by DIST-N" in r["reason"], r
    # ... nor by the seller, who never writes the buyer's document
    (r,) = push(server, seller, [_item(seller, "goods_receipts", theirs)]).json()["results"]
    assert r["status"] == "rejected" and "written by DIST-N" in r["reason"], r

    # a receipt claiming the other site as the buyer: the order's stock point is not its own
    claimed = _receipt(order, site_id=dist_s, location_id=point)
    (r,) = push(server, other, [_item(other, "goods_receipts", claimed)]).json()["results"]
    assert r["status"] == "rejected" and r["field"] == "payload.site_id", r
    into_own = _receipt(order, site_id=dist_s, location_id=other_point)
    (r,) = push(server, other, [_item(other, "goods_receipts", into_own)]).json()["results"]
    assert r["status"] == "rejected" and r["field"] == "payload.location_id", r
