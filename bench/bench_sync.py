"""Sync engine benchmarks. Prints figures and ratios measured in one run; asserts nothing.

1. Push: a full sync of 100,000 change-log items (ledger receipts of a depot store) to a local
   ``hom-server`` through the engine (handshake, batches of 1,000, answers recorded), against
   the server's direct insert of the same rows into its ledger (COPY on PostgreSQL, one
   ``executemany`` on SQLite). Target: at most 3x the time.
2. Pull: a manager's store pulling and applying those 100,000 ledger entries, against a raw
   ``sqlite3`` ``executemany`` of the same rows into the same table of a fresh store. Target: at
   least 0.25 of the raw rate. Printed twice: applying alone (pages already fetched) and the
   whole pull (HTTP, parsing, applying, cursor).

Run: ``python -m bench.bench_sync [--entries 100000] [--backend sqlite|postgresql]``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from hom.core.clock import utcnow
from hom.core.config import load_settings
from hom.core.store import open_store
from hom.crud import sync_state as state_crud
from hom.models.enums import VoucherType
from hom.schemas.sync import PullPage
from hom.services import sites, stock
from hom.sync import inbound
from hom_desktop.sync.api import Phase, SyncOptions
from hom_desktop.sync.engine import client_for
from hom_server.core.config import ServerSettings
from tests.server.harness import running_server, server_env
from tests.server.world import build_world
from tests.sync.helpers import enrol_desk, publish


class PhaseClock:
    """Seconds spent in each phase of one run, from the engine's progress callbacks."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.seconds: dict[str, float] = {}
        self.current: str | None = None

    def __call__(self, p) -> None:
        phase = str(p.phase)
        if phase != self.current:
            now = time.perf_counter()
            if self.current is not None:
                self.seconds[self.current] = now - self.started[self.current]
            self.current = phase
            self.started[phase] = now


def _fill(desk, location_id, product_id, n: int) -> float:
    start = time.perf_counter()
    for offset in range(0, n, 10_000):
        with desk.store.transaction() as s:
            stock.post(
                s,
                ctx=desk.ctx(),
                movements=[
                    stock.Movement(location_id, product_id, 1)
                    for _ in range(min(10_000, n - offset))
                ],
                voucher_type=VoucherType.RECEIPT,
                voucher_id=uuid.uuid4(),
                voucher_no="BENCH",
                reason="bench",
            )
    return time.perf_counter() - start


_COLUMNS = (
    "id, location_id, product_id, batch_id, quantity, balance_after, voucher_type, voucher_id, "
    "voucher_no, reason, created_at, created_by, installation_id"
)


def _direct_insert(url: str, rows: list[tuple]) -> float:
    """The server's own insert of the same ledger rows, with nothing around it."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            start = time.perf_counter()
            marks = ", ".join("?" * 13)
            conn.executemany(f"INSERT INTO stock_ledger ({_COLUMNS}) VALUES ({marks})", rows)
            conn.commit()
            return time.perf_counter() - start
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        start = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY stock_ledger ({_COLUMNS}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
        conn.commit()
        return time.perf_counter() - start


def _rows_for(location_id, product_id, n: int, *, sqlite_text: bool) -> list[tuple]:
    from datetime import UTC, datetime

    now = datetime.now(UTC).replace(tzinfo=None)
    voucher = uuid.uuid4()

    def u(value):
        return value.hex if sqlite_text else value

    return [
        (
            u(uuid.uuid4()),
            u(location_id),
            u(product_id),
            None,
            1,
            i + 1,
            "receipt",
            u(voucher),
            "BENCH",
            "bench",
            now.isoformat(sep=" ") if sqlite_text else now,
            None,
            None,
        )
        for i in range(n)
    ]


def _raw_executemany(folder: Path, rows: list[tuple]) -> float:
    """A raw sqlite3 executemany of the rows into a fresh store's ledger (same table, same
    indexes and triggers)."""
    store = open_store(load_settings(folder), auto_backup=False, daily_backup=False)
    store.close()
    conn = sqlite3.connect(folder / "hom.sqlite3")
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        start = time.perf_counter()
        marks = ", ".join("?" * 13)
        conn.executemany(f"INSERT INTO stock_ledger ({_COLUMNS}) VALUES ({marks})", rows)
        conn.commit()
        return time.perf_counter() - start
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--profile", action="store_true", help="profile the manager's pull")
    args = parser.parse_args()
    n = args.entries
    os.environ["HOM_CREDENTIAL_BACKEND"] = "file"
    folder = Path(tempfile.mkdtemp(prefix="hom-bench-sync-"))
    options = SyncOptions(timeout_s=300, batch_size=1000, page_limit=5000)
    with ExitStack() as stack:
        if args.backend == "sqlite":
            url = f"sqlite:///{folder / 'server.sqlite3'}"
        else:
            from tests.pg import fresh_database

            url = stack.enter_context(fresh_database())
        env = server_env(url, folder)
        settings = ServerSettings(
            database_url=url,
            data_dir=folder,
            jwt_secret=env["HOM_SERVER_JWT_SECRET"],
            environment="production",
        )
        world = build_world(settings)
        publish(settings)
        server = stack.enter_context(running_server(env, folder / "server.log"))
        dep = enrol_desk(server, folder / "dep01", site="DEP01", options=options)
        mgr = enrol_desk(server, folder / "mgr", geo="N-ZON", options=options)
        fetcher = enrol_desk(server, folder / "mgr2", geo="N-ZON", options=options)
        stack.callback(dep.close)
        stack.callback(mgr.close)
        stack.callback(fetcher.close)
        took = _fill(dep, world.dep01_wh, world.soap, n)
        print(f"queued {n:,} ledger entries in the depot store through the services: {took:.1f} s")

        # 1. push
        clock = PhaseClock()
        report = dep.engine.run_once(progress=clock)
        assert report.ok and report.pushed == n, report.summary()
        pushed = clock.seconds[str(Phase.PUSH)]
        direct = _direct_insert(
            url, _rows_for(world.dep02_wh, world.soap, n, sqlite_text=args.backend == "sqlite")
        )
        print(
            f"push {n:,} change-log items through the engine ({args.backend} server): "
            f"{pushed:.1f} s ({n / pushed:,.0f} items/s); the server's direct insert of the same "
            f"rows: {direct:.2f} s ({n / direct:,.0f}/s); ratio {pushed / direct:.1f}x "
            "(target <= 3x)"
        )

        # 2. pull: the whole pull through the engine
        time.sleep(1)
        clock = PhaseClock()
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            report = profiler.runcall(mgr.engine.run_once, progress=clock)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        else:
            report = mgr.engine.run_once(progress=clock)
        assert report.ok, report.summary()
        pulled_s = clock.seconds[str(Phase.PULL)]
        # ... and applying alone: the same pages fetched first, then applied with their cursor
        pages: list[PullPage] = []
        with fetcher.store.reader() as s:
            installation_id = sites.installation(s).id
            cursor = state_crud.get(s, installation_id).pull_cursor
        with client_for(
            fetcher.engine, server.url, _credential(fetcher, installation_id), None
        ) as c:
            fetch_start = time.perf_counter()
            while True:
                params = {"limit": 5000, "cursor": cursor}
                page = PullPage.model_validate_json(c.request("GET", "/sync/pull", params=params))
                pages.append(page)
                cursor = page.next_cursor
                if not page.has_more:
                    break
            fetched = time.perf_counter() - fetch_start
        count = sum(len(p.items) for p in pages)
        apply_start = time.perf_counter()
        for page in pages:
            with fetcher.store.transaction() as s:
                inbound.apply_page(s, page.items, installation_id=installation_id, at=utcnow())
                state_crud.get_or_add(s, installation_id).pull_cursor = page.next_cursor
        applied = time.perf_counter() - apply_start
        raw = _raw_executemany(
            folder / "raw", _rows_for(world.dep01_wh, world.soap, count, sqlite_text=True)
        )
        raw_rate = count / raw
        print(
            f"pull {report.pulled:,} ledger entries into a manager's store through the engine: "
            f"{pulled_s:.1f} s ({report.pulled / pulled_s:,.0f}/s), "
            f"{report.pulled / pulled_s / raw_rate:.2f} of raw"
        )
        print(
            f"  of which fetching {count:,} over HTTP: {fetched:.1f} s; applying alone: "
            f"{applied:.1f} s ({count / applied:,.0f}/s), {count / applied / raw_rate:.2f} of "
            f"raw sqlite3 executemany ({raw:.2f} s, {raw_rate:,.0f}/s) (target >= 0.25)"
        )


def _credential(desk, installation_id) -> str:
    return desk.engine.credentials.load(installation_id)


if __name__ == "__main__":
    main()
