"""Desktop stores that sync with a real ``hom-server`` on loopback: enrol, write, sync, compare."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from hom.core.config import load_settings
from hom.core.store import Store, open_store
from hom.services import sites
from hom.services.context import ActorContext
from hom_desktop.sync.api import SyncEngine, SyncOptions, SyncReport
from hom_desktop.sync.credentials import CredentialStore
from hom_desktop.sync.enrol import enrol
from hom_server.core.config import ServerSettings
from hom_server.core.database import open_database
from hom_server.services import feed
from tests.server.harness import ADMIN, ADMIN_PASSWORD, ServerProcess, login

FAST = SyncOptions(timeout_s=10, retries=2, backoff_s=0.05, backoff_max_s=0.2, page_limit=500)


def publish(settings: ServerSettings) -> int:
    """Move what the services queued on the server (the world's master data) into the feed."""
    db = open_database(settings)
    try:
        with db.transaction() as session:
            return feed.capture_changes(session)
    finally:
        db.close()


def new_code(server: ServerProcess, *, site: str | None = None, geo: str | None = None) -> str:
    token = server.tokens.get("admin") or login(server, ADMIN, ADMIN_PASSWORD)["access_token"]
    server.tokens["admin"] = token
    with server.client(token) as c:
        r = c.post("/devices/codes", json={"site": site} if site else {"geo_node": geo})
        assert r.status_code == 201, r.text
        return r.json()["code"]


@dataclass
class Desk:
    """One installation's store and its engine."""

    store: Store
    engine: SyncEngine
    path: Path

    def ctx(self) -> ActorContext:
        with self.store.reader() as session:
            return sites.system_context(session)

    def sync(self) -> SyncReport:
        return self.engine.run_once()

    def reopen(self, options: SyncOptions = FAST) -> None:
        self.store.close()
        self.store = open_store(load_settings(self.path), daily_backup=False)
        self.engine = SyncEngine(self.store, options=options)

    def close(self) -> None:
        self.store.close()


def enrol_desk(
    server: ServerProcess,
    path: Path,
    *,
    site: str | None = None,
    geo: str | None = None,
    options: SyncOptions = FAST,
) -> Desk:
    store = open_store(load_settings(path), daily_backup=False)
    engine = SyncEngine(store, options=options, credentials=CredentialStore(path))
    enrol(engine, url=server.url, code=new_code(server, site=site, geo=geo), name=path.name)
    return Desk(store, engine, path)


def open_desk(path: Path, options: SyncOptions = FAST) -> Desk:
    store = open_store(load_settings(path), daily_backup=False)
    return Desk(store, SyncEngine(store, options=options), path)


# --- comparing sides ------------------------------------------------------------------------


def ledger_ids(url_or_store) -> set[uuid.UUID]:
    return {r[0] for r in _rows(url_or_store, "SELECT id FROM stock_ledger")}


def balances(url_or_store, location_ids=None) -> dict[tuple, int]:
    rows = _rows(
        url_or_store,
        "SELECT location_id, product_id, batch_id, quantity FROM stock_balances",
    )
    out = {}
    for loc, prod, batch, qty in rows:
        key = (_u(loc), _u(prod), _u(batch))
        if (location_ids is None or key[0] in location_ids) and qty:
            out[key] = int(qty)
    return out


def ledger_sums(url_or_store, location_ids=None) -> dict[tuple, int]:
    rows = _rows(
        url_or_store,
        "SELECT location_id, product_id, batch_id, SUM(quantity) FROM stock_ledger "
        "GROUP BY location_id, product_id, batch_id",
    )
    out = {}
    for loc, prod, batch, qty in rows:
        key = (_u(loc), _u(prod), _u(batch))
        if (location_ids is None or key[0] in location_ids) and int(qty):
            out[key] = int(qty)
    return out


def _u(value):
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value)) if len(str(value)) > 30 else uuid.UUID(hex=str(value))


def _rows(url_or_store, sql: str):
    if isinstance(url_or_store, Store):
        with url_or_store.reader() as session:
            return [
                tuple(_u(c) if isinstance(c, str) and len(c) == 32 else c for c in r)
                for r in session.execute(text(sql))
            ]
    engine = create_engine(url_or_store)
    try:
        with engine.connect() as conn:
            return [
                tuple(_u(c) if isinstance(c, str) and len(c) == 32 else c for c in r)
                for r in conn.execute(text(sql))
            ]
    finally:
        engine.dispose()


def sync_until(desk: Desk, condition, *, timeout: float = 60) -> SyncReport:
    """Sync until ``condition()`` holds: on PostgreSQL a change is delivered once every older
    transaction of the cluster has finished (the feed's watermark); it is delayed, never
    skipped."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        report = desk.sync()
        if condition() or time.monotonic() > deadline:
            return report
        time.sleep(0.3)


def write_receipts(desk: Desk, location_id, product_id, n: int, *, quantity: int = 1) -> None:
    """``n`` ledger entries (receipts) at ``location_id``, in one transaction."""
    from hom.models.enums import VoucherType
    from hom.services import stock

    with desk.store.transaction() as s:
        stock.post(
            s,
            ctx=desk.ctx(),
            movements=[stock.Movement(location_id, product_id, quantity) for _ in range(n)],
            voucher_type=VoucherType.RECEIPT,
            voucher_id=uuid.uuid4(),
            voucher_no="TEST",
            reason="test receipts",
        )


def set_server_url(desk: Desk, url: str) -> None:
    with desk.store.transaction() as s:
        sites.installation(s).server_url = url


def pending(desk: Desk) -> int:
    return desk.engine.status().pending


def assert_converged(desk: Desk, database_url: str, location_ids: set) -> None:
    """Nothing lost, nothing twice, balances equal: the server holds exactly this store's
    entries at its locations, and both sides' balances are the sums of those entries."""
    local = {i for i in ledger_ids(desk.store) if True}
    local_at = _ids_at(desk.store, location_ids)
    server_at = _ids_at(database_url, location_ids)
    assert local_at == server_at, (len(local_at), len(server_at))
    assert local >= local_at
    assert balances(desk.store, location_ids) == balances(database_url, location_ids)
    assert balances(desk.store, location_ids) == ledger_sums(desk.store, location_ids)
    assert ledger_sums(database_url, location_ids) == balances(database_url, location_ids)
    assert pending(desk) == 0


def _ids_at(url_or_store, location_ids: set) -> set:
    rows = _rows(url_or_store, "SELECT id, location_id FROM stock_ledger")
    return {_u(i) for i, loc in rows if _u(loc) in location_ids}


def draft_then_price_change(server: ServerProcess, store: Store, ctx: ActorContext, world) -> str:
    """A draft primary order at the depot, then the head office raises its product's price on
    the server: the next sync names the draft for a person to review. The draft's number."""
    from hom.models.enums import OrderLevel
    from hom.services import orders

    with store.transaction() as s:
        draft = orders.create_order(
            s,
            ctx=ctx,
            level=OrderLevel.PRIMARY,
            order_in={
                "seller_location_id": world.dep01_wh,
                "distributor_id": world.dist_north,
                "lines": [{"product_id": world.shampoo, "quantity": 2}],
            },
        ).number
    token = login(server, ADMIN, ADMIN_PASSWORD)["access_token"]
    with server.client(token) as c:
        r = c.patch(f"/products/{world.shampoo}", json={"distributor_price": "37.50"})
        assert r.status_code == 200, r.text
    return draft
