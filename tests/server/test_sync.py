"""The sync API over HTTP on a real server: handshake, exactly-once push, scope, pull."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, func, select

from hom.models.inventory import StockBalance, StockLedgerEntry
from hom_server.models import RejectedItem
from tests.server.harness import ADMIN, ADMIN_PASSWORD, login
from tests.server.syncing import enrol, hello, ledger_item, pull_all, push


@pytest.fixture(scope="module")
def admin_token(server) -> str:
    return login(server, ADMIN, ADMIN_PASSWORD)["access_token"]


@pytest.fixture(scope="module")
def db(deployment):
    engine = create_engine(deployment.database_url)
    yield engine
    engine.dispose()


def _stock(db, location_id, product_id) -> int:
    with db.connect() as conn:
        return conn.scalar(
            select(func.coalesce(func.sum(StockBalance.quantity), 0)).where(
                StockBalance.location_id == location_id, StockBalance.product_id == product_id
            )
        )


def test_handshake_tells_an_old_client_what_to_install(server, admin_token):
    inst = enrol(server, admin_token, site="DEP01")
    with server.client() as c:
        ok = c.post("/sync/handshake", json=hello(), headers=inst.headers())
        assert ok.status_code == 200 and ok.json()["compatible"] is True
        old = c.post("/sync/handshake", json=hello("0.0.9"), headers=inst.headers())
        assert old.json()["compatible"] is False
        assert old.json()["message"].startswith("update HOM Desktop to at least 0.1.0")
        behind = c.post("/sync/handshake", json=hello(head="0001"), headers=inst.headers())
        assert "update HOM Desktop" in behind.json()["message"]
        ahead = c.post("/sync/handshake", json=hello(head="9999_future"), headers=inst.headers())
        assert "update it" in ahead.json()["message"]
        newer = c.post("/sync/handshake", json=hello(payload_version=99), headers=inst.headers())
        assert newer.json()["compatible"] is False
        assert c.post("/sync/handshake", json=hello()).status_code == 401


def test_people_tokens_do_not_open_sync_and_revoked_devices_are_refused(server, admin_token):
    inst = enrol(server, admin_token, site="DEP02")
    with server.client(admin_token) as c:
        r = c.post("/sync/handshake", json=hello())
        assert r.status_code == 403 and "device credential" in r.json()["message"]
        assert c.post(f"/devices/{inst.device_id}/revoke").status_code == 200
    with server.client() as c:
        r = c.get("/sync/pull", headers=inst.headers())
        assert r.status_code == 401 and "revoked" in r.json()["message"]
        bad = c.get("/sync/pull", headers={"Authorization": "Bearer homdev.zz.yy"})
        assert bad.status_code == 401


def test_push_applies_in_order_and_derives_the_servers_own_balances(server, admin_token, world, db):
    inst = enrol(server, admin_token, site="DEP01")
    before = _stock(db, world.dep01_wh, world.soap)
    items = [
        ledger_item(
            inst, location_id=world.dep01_wh, product_id=world.soap, quantity=q, balance_after=999
        )
        for q in (10, 5, -3)
    ]
    r = push(server, inst, items, sent_at="2020-01-01T00:00:00Z")
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["last_applied_seq"] == 3
    assert [x["status"] for x in answer["results"]] == ["accepted"] * 3
    assert _stock(db, world.dep01_wh, world.soap) == before + 12
    with db.connect() as conn:
        afters = conn.scalars(
            select(StockLedgerEntry.balance_after)
            .where(StockLedgerEntry.id.in_([uuid.UUID(i["entity_id"]) for i in items]))
            .order_by(StockLedgerEntry.balance_after)
        ).all()
    # The sender claimed 999 each time; the server wrote its own running balance.
    assert sorted(afters) == sorted([before + 10, before + 15, before + 12])
    with server.client(admin_token) as c:
        device = next(d for d in c.get("/devices").json() if d["id"] == inst.device_id)
    assert device["clock_offset_ms"] > 0 and device["last_seen_at"] is not None


def test_push_is_exactly_once(server, admin_token, world, db):
    inst = enrol(server, admin_token, site="DEP01")
    batch = [
        ledger_item(inst, location_id=world.dep01_wh, product_id=world.shampoo, quantity=1)
        for _ in range(3)
    ]
    start = _stock(db, world.dep01_wh, world.shampoo)
    assert push(server, inst, batch).json()["last_applied_seq"] == 3
    # The same batch twice: all duplicates, nothing applied twice.
    again = push(server, inst, batch).json()
    assert [x["status"] for x in again["results"]] == ["duplicate"] * 3
    assert _stock(db, world.dep01_wh, world.shampoo) == start + 3
    # The same item in two batches, and a batch half duplicate and half new.
    more = [
        ledger_item(inst, location_id=world.dep01_wh, product_id=world.shampoo, quantity=1)
        for _ in range(2)
    ]
    r = push(server, inst, batch[1:] + more).json()
    assert [x["status"] for x in r["results"]] == ["duplicate", "duplicate", "accepted", "accepted"]
    assert r["last_applied_seq"] == 5
    assert _stock(db, world.dep01_wh, world.shampoo) == start + 5


def test_a_gap_is_refused_with_the_expected_seq_and_nothing_applied(server, admin_token, world, db):
    inst = enrol(server, admin_token, site="DEP01")
    push(
        server,
        inst,
        [ledger_item(inst, location_id=world.dep01_wh, product_id=world.soap, quantity=2)],
    )
    start = _stock(db, world.dep01_wh, world.soap)
    gap = [ledger_item(inst, location_id=world.dep01_wh, product_id=world.soap, quantity=7, seq=4)]
    r = push(server, inst, gap)
    assert r.status_code == 409
    assert r.json()["code"] == "seq_gap" and r.json()["expected_seq"] == 2
    assert "push from seq 2" in r.json()["message"]
    assert _stock(db, world.dep01_wh, world.soap) == start
    # Seqs inside a batch must rise by one.
    a = ledger_item(inst, location_id=world.dep01_wh, product_id=world.soap, quantity=1, seq=2)
    b = ledger_item(inst, location_id=world.dep01_wh, product_id=world.soap, quantity=1, seq=4)
    r = push(server, inst, [a, b])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["items", 1, "seq"]


def test_a_depot_cannot_push_another_sites_stock(server, admin_token, world, db):
    inst = enrol(server, admin_token, site="DEP01")
    start = _stock(db, world.dep02_wh, world.soap)
    foreign = ledger_item(inst, location_id=world.dep02_wh, product_id=world.soap, quantity=50)
    own = ledger_item(inst, location_id=world.dep01_wh, product_id=world.soap, quantity=1)
    r = push(server, inst, [foreign, own]).json()
    assert [x["status"] for x in r["results"]] == ["rejected", "accepted"]
    assert "belongs to DEP02" in r["results"][0]["reason"]
    assert r["results"][0]["field"] == "payload.location_id"
    assert _stock(db, world.dep02_wh, world.soap) == start
    # The rejection is kept for a person, with its payload.
    with db.connect() as conn:
        kept = conn.execute(
            select(RejectedItem.reason, RejectedItem.seq).where(
                RejectedItem.installation_id == inst.installation_id
            )
        ).all()
    assert kept and kept[0].seq == 1


def test_rejections_name_their_reason_and_block_only_what_depends_on_them(
    server, admin_token, world, db
):
    inst = enrol(server, admin_token, site="DEP01")
    short = ledger_item(inst, location_id=world.dep01_wh, product_id=world.soap, quantity=-(10**6))
    unknown = ledger_item(inst, location_id=world.dep01_wh, product_id=uuid.uuid4(), quantity=1)
    # Refers to the rejected item (its voucher is that entry): rejected with it.
    dependent = ledger_item(
        inst,
        location_id=world.dep01_wh,
        product_id=world.soap,
        quantity=1,
        voucher_id=uuid.UUID(unknown["entity_id"]),
    )
    fine = ledger_item(inst, location_id=world.dep01_wh, product_id=world.soap, quantity=1)
    bad = ledger_item(inst, location_id=world.dep01_wh, product_id=world.soap, quantity=1)
    bad["payload"]["quantity"] = "many"
    results = push(server, inst, [short, unknown, dependent, fine, bad]).json()["results"]
    assert [x["status"] for x in results] == [
        "rejected",
        "rejected",
        "rejected",
        "accepted",
        "rejected",
    ]
    assert "below zero" in results[0]["reason"] and "available" in results[0]["reason"]
    assert results[1]["field"] == "payload.product_id"
    assert results[2]["depends_on"] == 2
    assert results[4]["field"] == "payload.quantity"


def test_push_refusals(server, admin_token, world):
    inst = enrol(server, admin_token, site="DEP01")
    other = enrol(server, admin_token, site="DEP01")
    item = ledger_item(inst, location_id=world.dep01_wh, product_id=world.soap, quantity=1)
    with server.client() as c:
        # Another installation's change log.
        body = {"installation_id": str(other.installation_id), "epoch": 1, "items": [item]}
        r = c.post("/sync/push", json=body, headers=inst.headers())
        assert r.status_code == 403 and r.json()["detail"][0]["loc"] == ["installation_id"]
        # Too many items: 413 with the limit said.
        many = [dict(item, seq=i) for i in range(1, 1002)]
        r = c.post(
            "/sync/push",
            json={**body, "installation_id": str(inst.installation_id), "items": many},
            headers=inst.headers(),
        )
        assert r.status_code == 413 and "at most 1000 items" in r.json()["message"]
        # A body past the byte limit: 413 before anything is parsed.
        r = c.post(
            "/sync/push",
            content=b"x" * (17 * 1024 * 1024),
            headers=inst.headers() | {"content-type": "application/json"},
        )
        assert r.status_code == 413
        # Payloads newer than the server reads.
        newer = dict(item, payload_version=99)
        r = c.post(
            "/sync/push",
            json={**body, "installation_id": str(inst.installation_id), "items": [newer]},
            headers=inst.headers(),
        )
        assert r.status_code == 426 and "update" in r.json()["message"]
        # A malformed envelope: 422 naming the field.
        r = c.post(
            "/sync/push",
            json={"installation_id": "x", "epoch": 1, "items": [item]},
            headers=inst.headers(),
        )
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "installation_id"]


def test_pull_is_scoped_and_paginated(server, admin_token, world):
    north_depot = enrol(server, admin_token, site="DEP01")
    south_depot = enrol(server, admin_token, site="DEP02")
    manager = enrol(server, admin_token, geo="N-ZON")
    push(
        server,
        north_depot,
        [
            ledger_item(north_depot, location_id=world.dep01_wh, product_id=world.soap, quantity=4)
            for _ in range(5)
        ],
    )
    push(
        server,
        south_depot,
        [
            ledger_item(south_depot, location_id=world.dep02_wh, product_id=world.soap, quantity=4)
            for _ in range(3)
        ],
    )

    def has(inst, count):
        return lambda items: (
            count <= sum(i["origin_installation_id"] == str(inst.installation_id) for i in items)
        )

    north = pull_all(server, north_depot, limit=2, until=has(north_depot, 5))
    south = pull_all(server, south_depot, limit=2, until=has(south_depot, 3))
    managed = pull_all(server, manager, limit=3, until=has(north_depot, 5))
    dep01, dep02 = str(world.dep01), str(world.dep02)
    assert north and all(i["site_id"] == dep01 for i in north if i["entity"] == "stock_ledger")
    assert south and all(i["site_id"] == dep02 for i in south if i["entity"] == "stock_ledger")
    assert {i["site_id"] for i in managed} <= {dep01, str(world.fac01)}
    # Every change of the installation's own site comes back (a replacement PC restores from it).
    mine = {(i["origin_installation_id"], i["origin_seq"]) for i in north}
    assert {(str(north_depot.installation_id), s) for s in range(1, 6)} <= mine
    # No change twice, and in one stable order.
    keys = [(i["origin_installation_id"], i["origin_seq"]) for i in north]
    assert len(keys) == len(set(keys))
    assert pull_all(server, north_depot, limit=1000) == north
    with server.client() as c:
        r = c.get("/sync/pull", params={"cursor": "garbage"}, headers=north_depot.headers())
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["cursor"]
        r = c.get("/sync/pull", params={"limit": 0}, headers=north_depot.headers())
        assert r.status_code == 422
