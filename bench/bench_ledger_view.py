"""How the ledger view behaves on a million-entry store compared with an empty one.

    python bench/bench_ledger_view.py              # builds the stores once, then measures
    python bench/bench_ledger_view.py --rebuild    # build the million-entry store again

For each store a fresh process opens the Inventory view on its Ledger tab and reports the time
from creating the view to the first paint of the ledger table, the resident memory that took
(RSS delta), and the time to read the next pages as a user scrolls. The two stores are built
through ``services.stock.post`` (50,000 movements a call: receipts of +1 and dispatches of -1
alternating on 300 products at 4 locations) and cached under bench/results/ (git-ignored).
Figures only, no pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BIG = RESULTS / "ledger-1m"
EMPTY = RESULTS / "ledger-empty"
ENTRIES = 1_000_000
PER_CALL = 50_000
PRODUCTS = 300
LOCATIONS = 4

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def rss_bytes() -> int:
    """Resident set size of this process now (Linux /proc; no psutil needed)."""
    with open("/proc/self/statm") as f:
        resident_pages = int(f.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


# --- building the stores ------------------------------------------------------------------


def build(data_dir: Path, entries: int) -> None:
    from hom.core.clock import utcnow
    from hom.core.config import Settings
    from hom.core.ids import new_id
    from hom.core.store import open_store
    from hom.models.enums import LocationKind, VoucherType
    from hom.services import products, setup, sites, stock, users

    store = open_store(Settings(data_dir=data_dir), auto_backup=False)
    started = time.perf_counter()
    with store.transaction() as s:
        init = setup.initialize(
            s,
            admin_username="admin",
            admin_password="bench-pass-123",
            site_code="DEP01",
            site_name="Bench depot",
        )
        ctx = users.context_for(s, user=init.admin)
        for n in range(2, LOCATIONS + 1):
            sites.create_location(
                s,
                ctx=ctx,
                location_in={
                    "site_id": init.site.id,
                    "code": f"DEP01-L{n}",
                    "name": f"Bay {n}",
                    "kind": LocationKind.WAREHOUSE,
                },
            )
        made = products.create_products(
            s,
            ctx=ctx,
            products_in=[
                {
                    "sku": f"B-{i:04d}",
                    "name": f"Bench product {i}",
                    "mrp": Decimal("10"),
                    "distributor_price": Decimal("8"),
                    "retailer_price": Decimal("9"),
                    "reorder_level": 5,
                }
                for i in range(PRODUCTS)
            ],
        )
        product_ids = list(made)
        location_ids = [loc.id for loc in sites.list_locations(s, site_id=init.site.id)]
    keys = [(loc, prod) for loc in location_ids for prod in product_ids]
    calls = entries // PER_CALL
    start_at = utcnow() - timedelta(hours=calls)
    for call in range(calls):
        receipt = call % 2 == 0  # a receipt of +1 on every key, then a dispatch of -1 on each
        movements = [
            stock.Movement(keys[i % len(keys)][0], keys[i % len(keys)][1], 1 if receipt else -1)
            for i in range(PER_CALL)
        ]
        with store.transaction() as s:
            stock.post(
                s,
                ctx=ctx,
                movements=movements,
                voucher_type=VoucherType.RECEIPT if receipt else VoucherType.DISPATCH,
                voucher_id=new_id(),
                at=start_at + timedelta(hours=call),
                reason="bench receipt" if receipt else "bench dispatch",
            )
        done = (call + 1) * PER_CALL
        rate = done / (time.perf_counter() - started)
        print(f"\r  {done:,} entries ({rate:,.0f}/s)", end="", flush=True)
    if calls:
        print()
    store.close()


def ensure_stores(rebuild: bool) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    for folder, entries in ((EMPTY, 0), (BIG, ENTRIES)):
        marker = folder / "built.json"
        if rebuild and folder.exists():
            for f in folder.glob("*"):
                if f.is_file():
                    f.unlink()
        if marker.exists():
            continue
        print(f"building {folder.relative_to(ROOT)} ({entries:,} ledger entries; once)…")
        start = time.perf_counter()
        build(folder, entries)
        took = time.perf_counter() - start
        marker.write_text(json.dumps({"entries": entries, "seconds": round(took, 1)}))
        print(f"  built in {took:.0f} s")


# --- measuring (in a fresh process per store) ---------------------------------------------


def measure(data_dir: Path) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from hom.core.config import Settings
    from hom.core.store import open_store
    from hom.services import reports, users
    from hom_desktop.ui import ops
    from hom_desktop.ui.app import ensure_app
    from hom_desktop.ui.base import AppSession
    from hom_desktop.ui.inventory import InventoryView
    from hom_desktop.ui.signin import _who

    app = ensure_app()
    store = open_store(Settings(data_dir=data_dir), auto_backup=False)
    with store.transaction() as s:
        admin = users.list_users(s)[0]
        session = AppSession(
            store=store,
            settings=store.settings,
            ctx=users.context_for(s, user=admin),
            who=_who(s, admin),
        )
        entries = reports.ledger_count(s, flt=reports.LedgerFilter())
    app.processEvents()

    class FirstPaint(QObject):
        at: float | None = None

        def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and self.at is None:
                self.at = time.perf_counter()
            return False

    watcher = FirstPaint()
    rss_before = rss_bytes()
    t0 = time.perf_counter()
    view = InventoryView(session)
    view.tabs.setCurrentIndex(1)  # the Ledger tab
    view.ledger_table.viewport().installEventFilter(watcher)
    view.resize(1280, 800)
    view.show()
    while watcher.at is None and time.perf_counter() - t0 < 60:
        app.processEvents()
    first_paint = (watcher.at or time.perf_counter()) - t0
    rss_first = rss_bytes()
    rows_first = view.ledger_model.rowCount()

    # Scrolling: jump to the bottom again and again, as a user dragging the scroll bar does;
    # the view asks the model for the next page each time (time per page read and painted).
    model = view.ledger_model
    start_pages, t1 = model.pages_loaded, time.perf_counter()
    for _ in range(25):
        if not model.canFetchMore():
            break
        view.ledger_table.scrollToBottom()
        app.processEvents()
    pages = model.pages_loaded - start_pages
    per_page = (time.perf_counter() - t1) / pages if pages else 0.0
    rss_scrolled = rss_bytes()
    ops.wait_for_idle()
    app.processEvents()
    summary = view.ledger_summary.text()
    view.close()
    QApplication.processEvents()
    store.close()
    return {
        "entries": entries,
        "location_entries": int("".join(ch for ch in summary if ch.isdigit()) or 0),
        "first_paint_ms": first_paint * 1000,
        "rss_first_paint_mb": (rss_first - rss_before) / 2**20,
        "rows_first_paint": rows_first,
        "page_ms": per_page * 1000,
        "pages_scrolled": pages,
        "rows_after_scroll": model.rowCount(),
        "rss_after_scroll_mb": (rss_scrolled - rss_before) / 2**20,
    }


def run_measure(folder: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(folder)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def explain() -> list[str]:
    """SQLite's plan for the first and a later ledger page (what makes paging cheap or not)."""
    from sqlalchemy import text

    from hom.core.config import Settings
    from hom.core.store import open_store

    store = open_store(Settings(data_dir=BIG), auto_backup=False)
    lines = []
    with store.reader() as s:
        loc = s.execute(text("SELECT id FROM stock_locations ORDER BY code LIMIT 1")).scalar()
        for label, where in (
            ("first page", ""),
            ("next page", "AND (created_at < :at OR (created_at = :at AND id < :id))"),
        ):
            sql = (
                f"EXPLAIN QUERY PLAN SELECT * FROM stock_ledger WHERE location_id = :loc "
                f"{where} ORDER BY created_at DESC, id DESC LIMIT 200"
            )
            rows = s.execute(text(sql), {"loc": loc, "at": "2100-01-01", "id": "x"}).all()
            lines.append(f"{label}: " + "; ".join(r[-1] for r in rows))
    store.close()
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=3, help="measurements per store (median)")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    ensure_stores(args.rebuild)
    results = {}
    for name, folder in (("empty", EMPTY), ("1M", BIG)):
        runs = sorted(
            (run_measure(folder) for _ in range(args.runs)), key=lambda r: r["first_paint_ms"]
        )
        results[name] = runs[len(runs) // 2]
    e, b = results["empty"], results["1M"]
    print()
    print(f"{'':28}{'empty store':>14}{'1M-entry store':>16}{'ratio':>8}")
    print(f"{'ledger entries (store)':28}{e['entries']:>14,}{b['entries']:>16,}")
    print(f"{'entries at the location':28}{e['location_entries']:>14,}{b['location_entries']:>16,}")
    for key, label, fmt in (
        ("first_paint_ms", "time to first paint (ms)", "{:>14.0f}{:>16.0f}"),
        ("rss_first_paint_mb", "RSS delta at first paint (MB)", "{:>14.1f}{:>16.1f}"),
        ("page_ms", "next page while scrolling (ms)", "{:>14.1f}{:>16.1f}"),
        ("rss_after_scroll_mb", "RSS delta after scrolling (MB)", "{:>14.1f}{:>16.1f}"),
    ):
        ratio = b[key] / e[key] if e[key] else float("nan")
        print(f"{label:28}" + fmt.format(e[key], b[key]) + f"{ratio:>8.2f}")
    print(
        f"{'rows loaded at first paint':28}{e['rows_first_paint']:>14}{b['rows_first_paint']:>16}"
    )
    print(f"{'rows after scrolling':28}{e['rows_after_scroll']:>14}{b['rows_after_scroll']:>16}")
    print()
    for line in explain():
        print("plan, " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
