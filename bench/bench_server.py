"""Server benchmarks on PostgreSQL. Prints figures and ratios measured in one run; asserts nothing.

1. Push: 100,000 ledger entries through ``/sync/push`` (batches of 1,000, one installation)
   against the same number of ledger rows written straight into the table with COPY.
   Target: at most 3x the time of COPY.
2. Pull: the whole feed paged through ``/sync/pull`` (pages of 5,000): rows per second.
3. Many depots: 50 installations, each its own depot, pushing concurrently to two server
   processes on one PostgreSQL: items/s, p95 push latency and errors (target: 0).

Run: ``python -m bench.bench_server [--entries 100000] [--depots 50]`` (needs PostgreSQL at
``HOM_TEST_PG_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import create_engine, text

from hom.core.clock import utcnow
from hom.core.ids import new_id
from hom.services import sites
from hom_server.core.config import ServerSettings
from hom_server.core.database import open_database
from tests.pg import PG_ADMIN_URL
from tests.server.harness import ADMIN, ADMIN_PASSWORD, login, running_server, server_env
from tests.server.syncing import enrol, ledger_item, push
from tests.server.world import build_world


def _database() -> tuple[str, str]:
    name = f"hom_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _add_depots(settings: ServerSettings, count: int) -> list[tuple[str, uuid.UUID]]:
    db = open_database(settings)
    made = []
    with db.transaction() as s:
        ctx = sites.system_context(s)
        for i in range(count):
            site = sites.create_site(
                s, ctx=ctx, site_in={"code": f"BD{i:03d}", "name": f"Bench {i}", "kind": "depot"}
            )
            loc = sites.create_location(
                s,
                ctx=ctx,
                location_in={
                    "site_id": site.id,
                    "code": f"BD{i:03d}-WH",
                    "name": "WH",
                    "kind": "warehouse",
                },
            )
            made.append((site.code, loc.id))
    db.close()
    return made


def bench_push(server, token, world, entries: int) -> float:
    inst = enrol(server, token, site="DEP01")
    batches = [
        [
            ledger_item(inst, location_id=world.dep01_wh, product_id=world.soap, quantity=1)
            for _ in range(min(1000, entries - start))
        ]
        for start in range(0, entries, 1000)
    ]
    with httpx.Client(base_url=server.url, timeout=300) as c:
        start = time.perf_counter()
        for batch in batches:
            r = push(c, inst, batch)
            assert r.status_code == 200, r.text
        return time.perf_counter() - start


def bench_copy(url: str, world, entries: int) -> float:
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    now = utcnow().replace(tzinfo=None)
    voucher = new_id()
    rows = [
        (new_id(), world.dep01_wh, world.shampoo, None, 1, i + 1, "receipt", voucher, "", "", now)
        for i in range(entries)
    ]
    columns = (
        "id, location_id, product_id, batch_id, quantity, balance_after, voucher_type, "
        "voucher_id, voucher_no, reason, created_at"
    )
    with psycopg.connect(dsn) as conn:
        start = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY stock_ledger ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return time.perf_counter() - start


def bench_pull(server, token) -> tuple[int, float]:
    reader = enrol(server, token, site="HO")
    count = 0
    cursor = None
    with httpx.Client(base_url=server.url, timeout=300) as c:
        start = time.perf_counter()
        while True:
            params = {"limit": 5000} | ({"cursor": cursor} if cursor else {})
            page = c.get("/sync/pull", params=params, headers=reader.headers()).json()
            count += len(page["items"])
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return count, time.perf_counter() - start


def bench_many(servers, token, depots, batches: int, size: int):
    installations = [(enrol(servers[0], token, site=code), loc) for code, loc in depots]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        inst, location = installations[index]
        with httpx.Client(base_url=servers[index % 2].url, timeout=300) as c:
            for _ in range(batches):
                items = [
                    ledger_item(inst, location_id=location, product_id=world_soap, quantity=1)
                    for _ in range(size)
                ]
                start = time.perf_counter()
                r = push(c, inst, items)
                took = time.perf_counter() - start
                bad = r.status_code != 200 or any(
                    x["status"] != "accepted" for x in r.json()["results"]
                )
                with lock:
                    latencies.append(took)
                    if bad:
                        errors.append(r.text[:200])

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(installations)) as pool:
        list(pool.map(run, range(len(installations))))
    elapsed = time.perf_counter() - start
    items = len(installations) * batches * size
    p95 = statistics.quantiles(latencies, n=20)[18]
    return items / elapsed, p95, len(errors), elapsed


world_soap: uuid.UUID


def main() -> None:
    global world_soap
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--depots", type=int, default=50)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()
    name, url = _database()
    folder = Path(tempfile.mkdtemp(prefix="hom-bench-server-"))
    try:
        env = server_env(url, folder)
        settings = ServerSettings(
            database_url=url,
            data_dir=folder,
            jwt_secret=env["HOM_SERVER_JWT_SECRET"],
            environment="production",
        )
        world = build_world(settings)
        world_soap = world.soap
        depots = _add_depots(settings, args.depots)
        with (
            running_server(env, folder / "a.log") as a,
            running_server(env, folder / "b.log") as b,
        ):
            token = login(a, ADMIN, ADMIN_PASSWORD)["access_token"]
            pushed = bench_push(a, token, world, args.entries)
            copied = bench_copy(url, world, args.entries)
            print(
                f"push {args.entries:,} ledger entries via /sync/push: {pushed:.1f} s "
                f"({args.entries / pushed:,.0f}/s); COPY: {copied:.2f} s "
                f"({args.entries / copied:,.0f}/s); ratio {pushed / copied:.1f}x (target <= 3x)"
            )
            rows, took = bench_pull(a, token)
            print(f"pull {rows:,} changes via /sync/pull: {took:.1f} s ({rows / took:,.0f} rows/s)")
            rate, p95, errors, elapsed = bench_many(
                [a, b], token, depots, args.batches, args.batch_size
            )
            print(
                f"{args.depots} installations x {args.batches} pushes x {args.batch_size} items "
                f"on 2 processes: {elapsed:.1f} s, {rate:,.0f} items/s, p95 push "
                f"{p95 * 1000:.0f} ms, errors {errors} (target 0)"
            )
    finally:
        _drop(name)


if __name__ == "__main__":
    main()
