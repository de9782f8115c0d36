"""One installation of the soak test, in its own process: work and sync until time is up, then
sync until nothing is pending. ``python -m tests.sync.soak_worker DIR LOCATION PRODUCT SECONDS``.
"""

from __future__ import annotations

import random
import sys
import time
import uuid

from tests.sync.helpers import open_desk, write_receipts


def main() -> int:
    path, location, product, seconds = sys.argv[1:5]
    location_id, product_id = uuid.UUID(location), uuid.UUID(product)
    rng = random.Random(path)
    desk = open_desk(__import__("pathlib").Path(path))
    deadline = time.monotonic() + float(seconds)
    syncs = failures = 0
    try:
        while time.monotonic() < deadline:
            write_receipts(desk, location_id, product_id, rng.randint(1, 40))
            if rng.random() < 0.5:
                report = desk.sync()
                syncs += 1
                failures += bool(report.error)
            time.sleep(rng.uniform(0.05, 0.5))
        for _ in range(20):
            report = desk.sync()
            if report.ok and desk.engine.status().pending == 0:
                break
            time.sleep(0.5)
        print(f"syncs={syncs} failures={failures} pending={desk.engine.status().pending}")
        return 0 if desk.engine.status().pending == 0 else 1
    finally:
        desk.close()


if __name__ == "__main__":
    sys.exit(main())
