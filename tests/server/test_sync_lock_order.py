"""The push's lock order on PostgreSQL, driven through the exact interleavings that deadlocked.

A push takes the (installation, epoch) applied-seq row first and holds no other row lock while it
waits for it; then it locks the balance rows it moves in key order. Here one connection plays a
concurrent push that already holds a lock, the real push route runs in a thread against it, and
the holder then takes the next lock a real push would take. With the wrong order PostgreSQL
reports a deadlock (or the holder waits past its lock timeout); with the right one both finish.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import create_engine, text

from hom.schemas.sync import PushRequest
from hom_server.api import deps
from hom_server.api.routes import sync as sync_routes
from hom_server.core.config import ServerSettings
from hom_server.core.database import ServerDatabase, open_database
from tests.server.harness import ADMIN, ADMIN_PASSWORD, login
from tests.server.syncing import enrol, hello, ledger_item, push

pytestmark = pytest.mark.parametrize(
    "deployment", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture(scope="module")
def admin_token(server) -> str:
    return login(server, ADMIN, ADMIN_PASSWORD)["access_token"]


@pytest.fixture(scope="module")
def db(deployment) -> Iterator[ServerDatabase]:
    env = deployment.env
    settings = ServerSettings(
        database_url=deployment.database_url,
        data_dir=env["HOM_SERVER_DATA_DIR"],
        jwt_secret=env["HOM_SERVER_JWT_SECRET"],
        environment="production",
    )
    database = open_database(settings)
    yield database
    database.close()


@pytest.fixture
def holder(deployment):
    """A connection playing the other push: it takes locks inside one open transaction."""
    engine = create_engine(deployment.database_url)
    conn = engine.connect()
    conn.execute(text("SET lock_timeout = '8s'"))
    yield conn
    conn.rollback()
    conn.close()
    engine.dispose()


def _push_in_thread(db: ServerDatabase, inst, items) -> tuple[threading.Thread, dict]:
    """The push route, as uvicorn runs it: the device from the authentication dependency (a
    reader session, so possibly stale by the time the push's transaction starts), then the
    route in a write transaction."""
    credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=inst.credential)
    device = deps.current_device(db, credentials)
    request = PushRequest.model_validate(
        {"installation_id": str(inst.installation_id), "epoch": inst.epoch, "items": items}
    )
    outcome: dict = {}

    def run() -> None:
        try:
            with db.transaction() as session:
                outcome["answer"] = sync_routes.push(request, device, session)
        except Exception as exc:  # reported by the test's assertion
            outcome["error"] = exc

    outcome["device"] = device
    return threading.Thread(target=run), outcome


def _wait_until_blocked(holder, thread: threading.Thread) -> None:
    """Until another backend of this database waits for a lock (the push, behind the holder)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        waiting = holder.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
        ).scalar()
        if waiting:
            return
        assert thread.is_alive(), "the push finished without waiting for the held lock"
        time.sleep(0.05)
    raise AssertionError("the push never waited for the lock the holder holds")


def _finish(holder, thread: threading.Thread, outcome: dict, take_next) -> None:
    """The holder takes the next lock a real push would take, then commits; both must finish."""
    try:
        take_next()
    except Exception as exc:
        holder.rollback()
        thread.join(30)
        pytest.fail(
            "lock order: the waiting push holds a row the holder needs next "
            f"({type(exc).__name__}: {str(exc).splitlines()[0]})"
        )
    holder.commit()
    thread.join(30)
    assert not thread.is_alive()
    assert "error" not in outcome, repr(outcome.get("error"))


def test_a_push_waiting_for_its_applied_seq_holds_no_device_row(
    db, server, admin_token, world, holder
):
    """The deadlock seen under overlapping retries: a push authenticated the device, another
    request then updated the device row (last seen), and the push's transaction wrote its stale
    copy of the device before waiting for the applied-seq row, which an overlapping push held
    while it went on to update the device row."""
    inst = enrol(server, admin_token, site="DEP01")
    first = ledger_item(inst, location_id=world.dep01_wh, product_id=world.soap, quantity=5)
    assert push(server, inst, [first]).status_code == 200
    second = ledger_item(inst, location_id=world.dep01_wh, product_id=world.soap, quantity=1)
    thread, outcome = _push_in_thread(db, inst, [second])
    with server.client() as c:  # the device row changes after the push authenticated
        assert c.post("/sync/handshake", json=hello(), headers=inst.headers()).status_code == 200
    holder.execute(  # the overlapping push holds the applied-seq row
        text(
            "SELECT last_seq FROM server_applied_seqs "
            "WHERE installation_id = :i AND epoch = 1 FOR UPDATE"
        ),
        {"i": inst.installation_id},
    )
    thread.start()
    _wait_until_blocked(holder, thread)
    _finish(
        holder,
        thread,
        outcome,
        lambda: holder.execute(  # ... and records that it saw the device
            text("UPDATE server_devices SET last_seen_at = now() WHERE id = :d"),
            {"d": outcome["device"].id},
        ),
    )
    answer = outcome["answer"]
    assert answer.last_applied_seq == 2
    assert [r.status.value for r in answer.results] == ["accepted"]


def test_a_push_locks_balance_rows_in_key_order(db, server, admin_token, world, holder):
    """Two installations of one site move the same balances: each push locks the rows in one
    order (location, product, batch), whatever order its entries come in, so a push holding
    the first key never waits for one holding the second."""
    setup = enrol(server, admin_token, site="DEP01")
    low, high = sorted([world.soap, world.shampoo], key=lambda p: p.bytes)
    items = [
        ledger_item(setup, location_id=world.dep01_wh, product_id=p, quantity=10)
        for p in (high, low)  # stored in this order: a plain read returns them so
    ]
    assert push(server, setup, items).status_code == 200
    inst = enrol(server, admin_token, site="DEP01")
    items = [  # the higher key first
        ledger_item(inst, location_id=world.dep01_wh, product_id=p, quantity=-1)
        for p in (high, low)
    ]
    thread, outcome = _push_in_thread(db, inst, items)
    lock = "SELECT quantity FROM stock_balances WHERE location_id = :l AND product_id = :p"
    holder.execute(  # the other push holds the lower key's balance ...
        text(lock + " FOR UPDATE"), {"l": world.dep01_wh, "p": low}
    )
    thread.start()
    _wait_until_blocked(holder, thread)
    _finish(
        holder,
        thread,
        outcome,
        lambda: holder.execute(  # ... and moves the higher key next
            text(
                "UPDATE stock_balances SET quantity = quantity + 1 "
                "WHERE location_id = :l AND product_id = :p"
            ),
            {"l": world.dep01_wh, "p": high},
        ),
    )
    assert [r.status.value for r in outcome["answer"].results] == ["accepted", "accepted"]
