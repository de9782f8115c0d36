from __future__ import annotations

from hom.services import stock
from tests.sync.helpers import (
    balances,
    draft_then_price_change,
    enrol_desk,
    ledger_sums,
    sync_until,
)


def test_depot_enrols_receives_syncs_and_a_manager_sees_it(server, world, deployment, tmp_path):
    dep = enrol_desk(server, tmp_path / "dep01", site="DEP01")
    try:
        with dep.store.transaction() as s:
            stock.receive(
                s,
                ctx=dep.ctx(),
                receipt_in={
                    "location_id": world.dep01_wh,
                    "product_id": world.soap,
                    "quantity": 40,
                },
            )
        report = dep.sync()
        assert report.ok, report.summary()
        assert report.pushed >= 1
        mgr = enrol_desk(server, tmp_path / "mgr", geo="N-ZON")
        try:
            sync_until(mgr, lambda: ledger_sums(mgr.store) == ledger_sums(dep.store))
            assert ledger_sums(mgr.store) == ledger_sums(dep.store)
            assert balances(mgr.store) == balances(dep.store)
            assert balances(deployment.database_url, {world.dep01_wh}) == balances(dep.store)
        finally:
            mgr.close()
    finally:
        dep.close()


def test_a_head_office_price_change_names_the_drafts_made_before_it(server, world, tmp_path):
    dep = enrol_desk(server, tmp_path / "drafts", site="DEP01")
    try:
        draft = draft_then_price_change(server, dep.store, dep.ctx(), world)
        report = sync_until(dep, lambda: _price(dep, world.shampoo) == "37.50")
        notices = [n for n in report.notices if draft in n]
        assert notices and "distributor_price 36.00 -> 37.50" in notices[0], report.notices
        assert "review" in report.summary()
    finally:
        dep.close()


def _price(desk, product_id) -> str:
    from hom.models.product import Product

    with desk.store.reader() as s:
        return str(s.get(Product, product_id).distributor_price)


def test_a_second_sync_of_the_same_store_waits_for_the_first(server, tmp_path) -> None:
    import subprocess
    import sys

    from hom.crud import sync_state
    from hom.services import sites

    desk = enrol_desk(server, tmp_path / "twice", site="DEP02")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with desk.store.transaction() as s:  # another process is in the middle of a sync
            sync_state.get(s, sites.installation(s).id).running_pid = sleeper.pid
        assert desk.engine.status().running
        try:
            desk.sync()
        except Exception as exc:
            assert f"already running (process {sleeper.pid})" in str(exc)
        else:
            raise AssertionError("a second sync ran beside the first")
        sleeper.kill()
        sleeper.wait()
        assert not desk.engine.status().running  # a dead process holds nothing
        assert desk.sync().ok
    finally:
        sleeper.kill()
        desk.close()


def test_watch_keeps_syncing_until_stopped(server, world, tmp_path) -> None:
    from hom_desktop.sync.api import SyncOptions
    from tests.sync.helpers import pending, write_receipts

    options = SyncOptions(timeout_s=10, retries=0, backoff_s=0.05, watch_interval_s=0.1)
    desk = enrol_desk(server, tmp_path / "watch", site="DEP02", options=options)
    reports = []
    try:

        def seen(report) -> None:
            reports.append(report)
            if len(reports) == 1:  # a clerk saves between two runs
                write_receipts(desk, world.dep02_wh, world.soap, 3)

        desk.engine.watch(stop=lambda: len(reports) >= 3, on_report=seen)
        assert len(reports) == 3 and all(r.ok for r in reports)
        assert sum(r.pushed for r in reports) == 3 and pending(desk) == 0
    finally:
        desk.close()


def test_watch_runs_at_once_when_woken_or_when_the_network_returns(server, world, tmp_path):
    import threading
    import time

    from hom_desktop.sync.api import SyncOptions
    from tests.server.harness import free_port
    from tests.sync.helpers import set_server_url

    options = SyncOptions(
        timeout_s=5, retries=0, backoff_s=30, backoff_max_s=60, watch_interval_s=120
    )
    desk = enrol_desk(server, tmp_path / "wake", site="DEP02", options=options)
    reports = []
    try:
        set_server_url(desk, f"http://127.0.0.1:{free_port()}")  # the network is down

        def seen(report) -> None:
            reports.append(report)
            if len(reports) == 1:  # it comes back while the engine backs off (60 s or more)
                set_server_url(desk, server.url)
            if len(reports) == 2:  # after a success it would wait 120 s; "Sync now" is pressed
                threading.Timer(0.5, desk.engine.wake).start()

        start = time.monotonic()
        desk.engine.watch(stop=lambda: len(reports) >= 3, on_report=seen)
        assert [bool(r.error) for r in reports] == [True, False, False]
        assert not reports[0].online and reports[1].online
        assert time.monotonic() - start < 30
    finally:
        desk.close()
