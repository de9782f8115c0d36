"""Stock service benchmarks. Prints figures and ratios measured in one run; asserts nothing.

1. Posting 100,000 ledger entries through ``services.stock.post`` (rules, balances, outbox)
   against raw ``sqlite3.executemany`` of the same ledger rows into the same table: the physical
   limit. Target: the service reaches at least a quarter of the raw rate.
2. A current-stock lookup on a small ledger and on a million-entry ledger. Target: no growth.
3. A stock-by-location summary on the million-entry ledger.

Run: ``python -m bench.bench_stock [--entries 100000] [--big 1000000]``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import BenchStore, fill, movements, new_store, timed
from hom.core.clock import utcnow
from hom.core.ids import new_id
from hom.services import stock


def service_rate(folder: Path, entries: int) -> float:
    bs = new_store(folder / "service")
    with timed() as t, bs.store.transaction() as s:
        stock.post(
            s,
            ctx=bs.ctx,
            movements=movements(bs, entries),
            voucher_type=stock.VoucherType.ADJUSTMENT,
            voucher_id=new_id(),
        )
    bs.store.close()
    return entries / t[0]


def service_rate_small_calls(folder: Path, entries: int, per_call: int = 10) -> float:
    """The same entries posted as many small user actions (one transaction each)."""
    bs = new_store(folder / "small")
    moves = movements(bs, entries)
    with timed() as t:
        for start in range(0, entries, per_call):
            with bs.store.transaction() as s:
                stock.post(
                    s,
                    ctx=bs.ctx,
                    movements=moves[start : start + per_call],
                    voucher_type=stock.VoucherType.ADJUSTMENT,
                    voucher_id=new_id(),
                )
    bs.store.close()
    return entries / t[0]


def raw_rate(folder: Path, entries: int) -> float:
    """executemany of the same ledger rows into a fresh store's stock_ledger, same pragmas."""
    bs = new_store(folder / "raw")
    bs.store.close()
    moves = movements(bs, entries)
    now = utcnow().replace(tzinfo=None).isoformat(sep=" ")
    voucher = new_id().hex
    running: dict[tuple, int] = {}
    rows = []
    for m in moves:
        key = (m.location_id, m.product_id)
        running[key] = running.get(key, 0) + m.quantity
        rows.append(
            (
                new_id().hex,
                m.location_id.hex,
                m.product_id.hex,
                None,
                m.quantity,
                running[key],
                "adjustment",
                voucher,
                "",
                "",
                now,
                None,
                None,
            )
        )
    conn = sqlite3.connect(bs.store.settings.store_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    sql = (
        "INSERT INTO stock_ledger (id, location_id, product_id, batch_id, quantity, balance_after,"
        " voucher_type, voucher_id, voucher_no, reason, created_at, created_by, installation_id)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
    )
    with timed() as t, conn:
        conn.executemany(sql, rows)
    conn.close()
    return entries / t[0]


def lookup_us(bs: BenchStore, samples: int = 2000) -> float:
    rng = random.Random(7)
    times = []
    with bs.store.reader() as s:
        for _ in range(samples):
            loc, prod = rng.choice(bs.locations), rng.choice(bs.products)
            start = time.perf_counter()
            stock.on_hand(s, location_id=loc, product_id=prod)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def summary_ms(bs: BenchStore, repeats: int = 5) -> float:
    times = []
    with bs.store.reader() as s:
        for _ in range(repeats):
            start = time.perf_counter()
            rows = stock.stock_by_location(s)
            times.append(time.perf_counter() - start)
    assert rows
    return statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hom-bench-"))
    try:
        print(f"1. posting {args.entries:,} ledger entries")
        raw = raw_rate(folder, args.entries)
        svc = service_rate(folder, args.entries)
        small = service_rate_small_calls(folder, min(args.entries, 20_000))
        print(f"   raw sqlite3 executemany          {raw:>10,.0f} entries/s")
        print(
            f"   stock service, one call          {svc:>10,.0f} entries/s  "
            f"ratio {svc / raw:.2f} (target >= 0.25)"
        )
        print(
            f"   stock service, 10 per action     {small:>10,.0f} entries/s  "
            f"ratio {small / raw:.2f} (user-action sized transactions)"
        )

        print(f"2. current-stock lookup: {args.small:,} vs {args.big:,} ledger entries")
        small_store = new_store(folder / "lookup-small")
        fill(small_store, args.small, report=False)
        big_store = new_store(folder / "lookup-big")
        rate = fill(big_store, args.big)
        print(f"   (filled the big store at {rate:,.0f} entries/s through the service)")
        us_small, us_big = lookup_us(small_store), lookup_us(big_store)
        print(f"   median lookup, small ledger      {us_small:>10.1f} us")
        print(
            f"   median lookup, big ledger        {us_big:>10.1f} us  "
            f"ratio {us_big / us_small:.2f} (target ~1: no growth)"
        )
        print("3. stock-by-location summary")
        print(f"   summary, small ledger            {summary_ms(small_store):>10.1f} ms")
        print(
            f"   summary, big ledger              {summary_ms(big_store):>10.1f} ms  "
            f"({len(big_store.locations)} locations x {len(big_store.products)} products)"
        )
        with big_store.store.reader() as s:
            report = stock.verify(s)
        print(f"   verify on the big ledger: ok={report.ok} entries={report.ledger_entries:,}")
        small_store.store.close()
        big_store.store.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
