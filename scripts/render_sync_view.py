"""Render the sync view at 1280x800 to docs/img/sync.png, headless, with real sync state.

    python scripts/render_sync_view.py [--out docs/img/sync.png]

Starts a real ``hom-server`` on loopback (SQLite, the test company) and enrols a depot store.
It posts a few receipts, one entry for another site's location (the server refuses it, saying
why) and a draft order whose product's price the head office then changes. It syncs through the
application's worker, posts two more receipts (pending) and grabs the main window on the sync
view.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HOM_CREDENTIAL_BACKEND", "file")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from hom_desktop.ui.app import ensure_app, style  # noqa: E402
from hom_desktop.ui.main_window import MainWindow  # noqa: E402
from hom_desktop.ui.sync_worker import wait_for_idle  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "sync.png")
    args = parser.parse_args()
    # The test company and its helpers: the same world the sync tests run against.
    from tests.server.harness import running_server
    from tests.sync.helpers import draft_then_price_change
    from tests.ui.test_sync_view import (
        depot_clerk,
        queue_foreign_entry,
        receive_stock,
        sqlite_company,
    )

    app = ensure_app()
    style(app)
    work = Path(tempfile.mkdtemp(prefix="hom-render-sync-"))
    env, _url, world = sqlite_company(work)
    with ExitStack() as stack, running_server(env, work / "server.log") as server:
        session = stack.enter_context(depot_clerk(server, work / "dep01"))
        receive_stock(session, world.dep01_wh, world.soap, [40, 12, 3])
        queue_foreign_entry(session, world.dep02_wh)
        draft_then_price_change(server, session.store, session.ctx, world)
        qsettings = QSettings(str(work / "render.ini"), QSettings.Format.IniFormat)
        window = MainWindow(session, qsettings)
        window.resize(1280, 800)
        window.show()
        window.sync.sync_now()
        deadline = time.monotonic() + 60
        while window.sync.running and time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.02)
        receive_stock(session, world.dep01_wh, world.shampoo, [24, 6])
        session.notify("stock")
        window.show_view("sync")
        for _ in range(10):
            QApplication.processEvents()
            time.sleep(0.02)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        ok = window.grab().save(str(args.out))
        print(f"{args.out}: {'written' if ok else 'NOT written'}")
        window.sync.stop()
        window.close()
        wait_for_idle()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
