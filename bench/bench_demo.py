"""The demo load (``hom-desktop demo``): how long it takes, where the time goes, and how long
it holds the real store's write lock.

    python bench/bench_demo.py                 # default scale, 90 days
    python bench/bench_demo.py --days 30

Loads the demo into a fresh store in a temporary folder, timing the setup steps, the simulated
days and the final copy into the store (the only time the store's write lock is held), and
reports the CPU time beside the wall time (this machine is often busy: CPU time is what a quiet
machine would take), the size of the ``-wal`` file after, and whether ``verify`` passes. Target:
at most 30 s at the default scale on a quiet machine. Figures only, no pass/fail.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()

    from hom.core.config import Settings
    from hom.core.store import Store, open_store
    from hom.services import demo, stock

    folder = Path(tempfile.mkdtemp(prefix="hom-bench-demo-"))
    marks: dict[str, float] = {}
    copy_time: list[float] = []
    replace = Store.replace_contents

    def timed_replace(self: Store, source: Store) -> None:
        t = time.perf_counter()
        replace(self, source)
        copy_time.append(time.perf_counter() - t)

    Store.replace_contents = timed_replace  # type: ignore[method-assign]
    last_label = [""]

    def progress(done: int, total: int, label: str) -> None:
        name = label.split(":")[0].split(" — ")[0]
        if name.startswith("day "):
            name = "days"
        marks.setdefault(name, time.perf_counter())
        last_label[0] = label
        print(f"\r  [{done:>3}/{total}] {label:<60}", end="", flush=True)

    try:
        store = open_store(Settings(data_dir=folder), auto_backup=False)
        cpu0, t0 = cpu_s(), time.perf_counter()
        summary = demo.load_demo(store, scale=args.scale, days=args.days, progress=progress)
        wall, cpu = time.perf_counter() - t0, cpu_s() - cpu0
        print()
        with store.reader() as s:
            ok = stock.verify(s).ok
        wal = folder / "hom.sqlite3-wal"
        wal_mb = wal.stat().st_size / 2**20 if wal.exists() else 0.0
        store_mb = (folder / "hom.sqlite3").stat().st_size / 2**20
        store.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    order = sorted(marks.items(), key=lambda kv: kv[1])
    print(f"demo load, scale {args.scale}, {args.days} days: {summary.describe().splitlines()[0]}")
    for (name, start), (_next, end) in zip(order, [*order[1:], ("end", t0 + wall)], strict=True):
        print(f"  {name:<40}{end - start:>8.1f} s")
    print(f"{'wall time':42}{wall:>8.1f} s   (target <= 30 s on a quiet machine)")
    print(f"{'CPU time':42}{cpu:>8.1f} s")
    print(f"{'store write lock held (copy into place)':42}{copy_time[0]:>8.2f} s")
    print(f"{'store / -wal after':42}{store_mb:>8.1f} MB / {wal_mb:.1f} MB")
    print(f"{'verify':42}{'passes' if ok else 'FAILS':>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
