"""The whole dashboard refresh on a large store, against the same aggregates as raw SQL.

    python bench/bench_dashboard.py              # builds bench/results/dashboard-store once
    python bench/bench_dashboard.py --runs 7

The store is the demo company (90 days, 7,000 orders) with its ledger grown to a million
entries: every demo entry is copied with a fresh id on its own day, so the ledger aggregates
(outflow per location over the period) read a million-entry table. The service's refresh
(``services.dashboards.load``: permission, scope and every panel's figures) is timed against
the same aggregates written by hand as SQL text and run through ``sqlite3``. Target: at most
1.5 times the raw SQL. Prints the medians and the ratio.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import RESULTS  # noqa: E402

TARGET_ENTRIES = 1_000_000
STORE_DIR = RESULTS / "dashboard-store"
DEMO_DIR = RESULTS / "demo-store"
STATUSES = ("confirmed", "dispatched", "delivered")
WATCHED = ("warehouse", "finished_goods")
OUTFLOW = ("dispatch", "transfer_out")


def migrate(target: Path) -> None:
    """Bring the bench store to the current schema (the dashboard's index), then ANALYZE."""
    from hom.core.config import Settings
    from hom.core.store import open_store

    open_store(Settings(data_dir=target.parent), auto_backup=False).close()
    con = sqlite3.connect(target)
    con.execute("ANALYZE")
    con.close()


def build() -> Path:
    from hom.core.config import Settings
    from hom.core.store import open_store
    from hom.services import demo, sites

    target = STORE_DIR / "hom.sqlite3"
    if target.exists():
        migrate(target)
        return target
    demo_file = DEMO_DIR / "hom.sqlite3"
    store = open_store(Settings(data_dir=DEMO_DIR), auto_backup=False)
    with store.reader() as s:
        ready = sites.is_initialised(s)
    if not ready:
        print("loading the demo company (once; a few minutes)…")
        demo.load_demo(store)
    store.close()
    STORE_DIR.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(demo_file)
    dst = sqlite3.connect(target)
    src.backup(dst)
    src.close()
    have = dst.execute("SELECT count(*) FROM stock_ledger").fetchone()[0]
    copies = max(0, (TARGET_ENTRIES - have) // have)
    print(f"growing the ledger from {have:,} to {have * (copies + 1):,} entries…")
    started = time.perf_counter()
    with dst:
        for k in range(1, copies + 1):
            dst.execute(
                """INSERT INTO stock_ledger (location_id, product_id, batch_id, quantity,
                       balance_after, voucher_type, voucher_id, voucher_no, reason, created_at,
                       id, created_by, installation_id)
                   SELECT location_id, product_id, batch_id, quantity, balance_after,
                       voucher_type, voucher_id, voucher_no, reason,
                       strftime('%Y-%m-%d %H:%M:%f', created_at, ?) || '000',
                       lower(hex(randomblob(16))), created_by, installation_id
                   FROM stock_ledger WHERE rowid <= ?""",
                (f"+{k} seconds", have),
            )
    dst.close()
    migrate(target)
    print(f"  built in {time.perf_counter() - started:.0f} s")
    return target


def raw_refresh(
    con: sqlite3.Connection, since: date, until: date, today: date, top: int = 10
) -> int:
    """Every aggregate the dashboard shows, as hand-written SQL; returns the rows read."""
    days = (until - since).days + 1
    prev_since, prev_until = since - timedelta(days=days), since - timedelta(days=1)
    st = ",".join(f"'{s}'" for s in STATUSES)
    s, u = since.isoformat(), until.isoformat()
    n = 0
    orders = (
        ("primary_orders", "primary_order_lines", "distributor_id"),
        ("secondary_orders", "secondary_order_lines", "retailer_id"),
        ("tertiary_orders", "tertiary_order_lines", "retailer_id"),
    )
    for table, _lines, party in orders:
        n += len(
            con.execute(
                f"""SELECT o.order_date, sum(o.total_amount), count(*) FROM {table} o
                    JOIN parties p ON p.id = o.{party}
                    WHERE o.order_date >= ? AND o.order_date <= ? AND o.status IN ({st})
                    GROUP BY o.order_date""",
                (s, u),
            ).fetchall()
        )
    for table, _lines, party in orders:
        n += len(
            con.execute(
                f"""WITH RECURSIVE anc(node_id, ancestor_id) AS (
                        SELECT id, id FROM geo_nodes WHERE level = 1
                        UNION ALL
                        SELECT g.id, a.ancestor_id FROM geo_nodes g
                        JOIN anc a ON g.parent_id = a.node_id)
                    SELECT n.id, n.code, n.name, sum(o.total_amount) FROM {table} o
                    JOIN parties p ON p.id = o.{party}
                    JOIN anc ON anc.node_id = p.territory_id
                    JOIN geo_nodes n ON n.id = anc.ancestor_id
                    WHERE o.order_date >= ? AND o.order_date <= ? AND o.status IN ({st})
                    GROUP BY n.id, n.code, n.name""",
                (s, u),
            ).fetchall()
        )
    for a, b in ((s, u), (prev_since.isoformat(), prev_until.isoformat())):
        n += len(
            con.execute(
                """SELECT si.id, si.code, si.name, l.production_date, sum(l.good_qty),
                          sum(l.rejected_qty)
                   FROM production_logs l JOIN sites si ON si.id = l.site_id
                   WHERE l.production_date >= ? AND l.production_date <= ?
                   GROUP BY si.id, si.code, si.name, l.production_date""",
                (a, b),
            ).fetchall()
        )
    start = datetime.combine(since, dtime.min).astimezone()
    end = datetime.combine(until + timedelta(days=1), dtime.min).astimezone()

    def utc(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    outflow = ",".join(f"'{v}'" for v in OUTFLOW)
    n += len(
        con.execute(
            f"""SELECT location_id, -sum(quantity) FROM stock_ledger
                WHERE created_at >= ? AND created_at < ? AND voucher_type IN ({outflow})
                  AND quantity < 0
                GROUP BY +location_id""",
            (utc(start), utc(end)),
        ).fetchall()
    )
    watched = ",".join(f"'{k}'" for k in WATCHED)
    n += len(
        con.execute(
            f"""SELECT l.id, l.code, l.name, l.kind, sum(pp.qty),
                       sum(CASE WHEN pp.qty > 0 THEN 1 ELSE 0 END),
                       sum(CASE WHEN l.kind IN ({watched}) AND p.reorder_level > 0
                                 AND pp.qty <= p.reorder_level THEN 1 ELSE 0 END)
                FROM (SELECT location_id, product_id, sum(quantity) AS qty
                      FROM stock_balances GROUP BY location_id, product_id) pp
                JOIN stock_locations l ON l.id = pp.location_id
                JOIN products p ON p.id = pp.product_id
                GROUP BY l.id, l.code, l.name, l.kind ORDER BY l.code"""
        ).fetchall()
    )
    n += len(
        con.execute(
            f"""SELECT l.code, p.sku, p.name, sum(b.quantity) AS q, p.reorder_level
                FROM stock_balances b JOIN stock_locations l ON l.id = b.location_id
                JOIN products p ON p.id = b.product_id
                WHERE l.kind IN ({watched}) AND p.reorder_level > 0
                GROUP BY l.id, l.code, p.id, p.sku, p.name
                HAVING q <= p.reorder_level
                ORDER BY q * 1000 / p.reorder_level, l.code, p.sku_key LIMIT ?""",
            (top * 5,),
        ).fetchall()
    )
    parts = []
    for table, lines, party in orders:
        cols = ["ln.line_total" if t == table else "0" for t, _l, _p in orders]
        parts.append(
            f"""SELECT ln.product_id AS product_id, ln.quantity AS quantity,
                       {cols[0]} AS p, {cols[1]} AS s, {cols[2]} AS t
                FROM {table} o JOIN parties pa ON pa.id = o.{party}
                JOIN {lines} ln ON ln.order_id = o.id
                WHERE o.order_date >= :s AND o.order_date <= :u AND o.status IN ({st})"""
        )
    n += len(
        con.execute(
            f"""SELECT p.id, p.sku, p.name, sum(x.quantity), sum(x.p), sum(x.s), sum(x.t)
                FROM ({" UNION ALL ".join(parts)}) x JOIN products p ON p.id = x.product_id
                GROUP BY p.id, p.sku, p.name
                ORDER BY sum(x.p) + sum(x.s) + sum(x.t) DESC, p.sku_key LIMIT :top""",
            {"s": s, "u": u, "top": top},
        ).fetchall()
    )
    for table in ("primary_orders", "secondary_orders"):
        n += len(
            con.execute(
                f"""SELECT pa.id, pa.code, pa.name, sum(o.total_amount) FROM {table} o
                    JOIN parties pa ON pa.id = o.distributor_id
                    WHERE o.order_date >= ? AND o.order_date <= ? AND o.status IN ({st})
                    GROUP BY pa.id, pa.code, pa.name""",
                (s, u),
            ).fetchall()
        )
    n += len(
        con.execute(
            """SELECT bt.code, p.sku, p.name, l.code, bt.expires_on, b.quantity
               FROM stock_balances b JOIN batches bt ON bt.id = b.batch_id
               JOIN products p ON p.id = b.product_id
               JOIN stock_locations l ON l.id = b.location_id
               WHERE b.quantity > 0 AND bt.expires_on IS NOT NULL AND bt.expires_on <= ?
               ORDER BY bt.expires_on, l.code, p.sku_key, bt.code LIMIT ?""",
            ((today + timedelta(days=60)).isoformat(), top * 5),
        ).fetchall()
    )
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--days", type=int, default=30, help="the dashboard's date range")
    args = parser.parse_args()

    from hom.core.config import Settings
    from hom.core.store import open_store
    from hom.services import dashboards, users
    from hom.services.dashboards import DashboardFilter

    path = build()
    store = open_store(Settings(data_dir=STORE_DIR), auto_backup=False)
    with store.reader() as s:
        admin = next(u for u in users.list_users(s) if u.username == "manager")
        ctx = users.context_for(s, user=admin)
    con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    entries = con.execute("SELECT count(*) FROM stock_ledger").fetchone()[0]
    today = date.today()
    flt = DashboardFilter(since=today - timedelta(days=args.days - 1), until=today)

    def service() -> None:
        with store.reader() as s:
            dashboards.load(s, ctx=ctx, flt=flt, today=today)

    def raw() -> None:
        raw_refresh(con, flt.since, flt.until, today)

    service()  # warm both caches once
    raw()
    times: dict[str, list[float]] = {"service": [], "raw": []}
    for _ in range(args.runs):  # interleaved, so machine noise hits both alike
        for name, fn in (("service", service), ("raw", raw)):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    svc, sql = statistics.median(times["service"]), statistics.median(times["raw"])
    print(f"store: {path} ({entries:,} ledger entries), range {args.days} days, {args.runs} runs")
    print(f"dashboard refresh (service, all panels): {svc * 1000:8.1f} ms median")
    print(f"same aggregates as raw SQL (sqlite3):     {sql * 1000:8.1f} ms median")
    print(f"ratio: {svc / sql:.2f}x (target <= 1.5x)")
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
