"""CSV imports: rows per second for geography, parties and products, and how long each holds
the write lock.

    python bench/bench_import.py                 # 10,562 nodes, 6,000 parties, 10,000 products
    python bench/bench_import.py --scale 0.2     # a fifth of that

Each kind is imported into a fresh store the way the application does it: the file is checked
(``csv_io.preview_import`` in a read session), then written (``csv_io.apply_import`` in one write
transaction). Rows per second count both steps (target >= 5,000 rows/s); "write lock" is the
time the write transaction was open, during which any other writer waits. Each import is then
run a second time with a changed name on every tenth row (updates; the rest unchanged).
Figures only, no pass/fail.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def geography_csv(scale: float) -> tuple[str, list[str]]:
    """Zones > states > regions > areas > territories; the territory codes for the parties."""
    per_area = max(1, round(20 * scale))
    lines = ["level,code,name,parent_code"]
    territories = []
    for z in range(1, 3):
        zc = f"Z{z}"
        lines.append(f"zone,{zc},Zone {z},")
        for s in range(1, 6):
            sc = f"{zc}-S{s}"
            lines.append(f"state,{sc},State {z}.{s},{zc}")
            for r in range(1, 6):
                rc = f"{sc}-R{r}"
                lines.append(f"region,{rc},Region {z}.{s}.{r},{sc}")
                for a in range(1, 11):
                    ac = f"{rc}-A{a}"
                    lines.append(f"area,{ac},Area {z}.{s}.{r}.{a},{rc}")
                    for t in range(1, per_area + 1):
                        tc = f"{ac}-T{t}"
                        lines.append(f"territory,{tc},Territory {z}.{s}.{r}.{a}.{t},{ac}")
                        territories.append(tc)
    return "\n".join(lines) + "\n", territories


def parties_csv(scale: float, territories: list[str]) -> str:
    n_dist = max(1, round(500 * scale))
    n_ret = max(1, round(5500 * scale))
    lines = ["kind,code,name,territory_code,distributor_code,phone,address,active"]
    for d in range(n_dist):
        t = territories[d % len(territories)]
        lines.append(f"distributor,D{d:05d},Distributor {d},{t},,98200{d:05d},Shop {d} Main Road,")
    for r in range(n_ret):
        t = territories[(r * 7) % len(territories)]
        lines.append(f'retailer,R{r:06d},Retailer {r},{t},D{r % n_dist:05d},,"Lane {r}, Market",')
    return "\n".join(lines) + "\n"


def products_csv(scale: float) -> str:
    n = max(1, round(10_000 * scale))
    head = (
        "sku,name,category,brand,unit,pack_size,mrp,distributor_price,retailer_price,active,"
        "track_batches,shelf_life_days,reorder_level"
    )
    lines = [head]
    for i in range(n):
        mrp = Decimal(10 + i % 90)
        lines.append(
            f"SKU-{i:06d},Product {i},Soap,Kesar,pcs,24,{mrp},{mrp * Decimal('0.8'):.2f},"
            f"{mrp * Decimal('0.9'):.2f},true,true,365,{i % 50}"
        )
    return "\n".join(lines) + "\n"


def changed(text: str, name_column: int) -> str:
    """Every tenth data row with its name changed."""
    out = []
    for n, line in enumerate(text.splitlines()):
        if n and n % 10 == 0:
            cells = line.split(",")
            cells[name_column] += " (new)"
            line = ",".join(cells)
        out.append(line)
    return "\n".join(out) + "\n"


def run_import(store, ctx, kind: str, text: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from hom.services import csv_io

    t0 = time.perf_counter()
    with store.reader() as s:
        preview = csv_io.preview_import(s, kind=kind, text=text)
    t1 = time.perf_counter()
    assert preview.ok, preview.first_error()
    with store.transaction() as s:
        result = csv_io.apply_import(s, ctx=ctx, preview=preview)
    t2 = time.perf_counter()
    rows = len(preview.rows)
    return {
        "rows": rows,
        "created": result.created,
        "updated": result.updated,
        "preview_s": t1 - t0,
        "apply_s": t2 - t1,
        "rate": rows / (t2 - t0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()

    from hom.core.config import Settings
    from hom.core.store import open_store
    from hom.services import setup, users

    geo_text, territories = geography_csv(args.scale)
    files = [
        ("geography", geo_text, 2),
        ("parties", parties_csv(args.scale, territories), 2),
        ("products", products_csv(args.scale), 1),
    ]
    tmp = Path(tempfile.mkdtemp(prefix="hom-bench-import-"))
    try:
        store = open_store(Settings(data_dir=tmp), auto_backup=False)
        with store.transaction() as s:
            init = setup.initialize(
                s, admin_username="admin", admin_password="bench-pass-123", site_code="DEP01"
            )
            ctx = users.context_for(s, user=init.admin)
        print(
            f"{'import':22}{'rows':>8}{'created':>9}{'updated':>9}{'check s':>9}"
            f"{'write lock s':>14}{'rows/s':>9}"
        )
        for kind, text, name_col in files:
            for label, body in ((kind, text), (f"{kind} again", changed(text, name_col))):
                r = run_import(store, ctx, kind, body)
                print(
                    f"{label:22}{r['rows']:>8,}{r['created']:>9,}{r['updated']:>9,}"
                    f"{r['preview_s']:>9.2f}{r['apply_s']:>14.2f}{r['rate']:>9,.0f}"
                )
        store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("target: >= 5,000 rows/s for every kind")
    return 0


if __name__ == "__main__":
    sys.exit(main())
