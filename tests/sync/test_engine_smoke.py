from __future__ import annotations

from hom.services import stock
from tests.sync.helpers import balances, enrol_desk, ledger_sums, sync_until


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
    from hom.models.enums import OrderLevel
    from hom.services import orders
    from tests.server.harness import ADMIN, ADMIN_PASSWORD, login

    dep = enrol_desk(server, tmp_path / "drafts", site="DEP01")
    try:
        with dep.store.transaction() as s:
            draft = orders.create_order(
                s,
                ctx=dep.ctx(),
                level=OrderLevel.PRIMARY,
                order_in={
                    "seller_location_id": world.dep01_wh,
                    "distributor_id": world.dist_north,
                    "lines": [{"product_id": world.shampoo, "quantity": 2}],
                },
            ).number
        token = login(server, ADMIN, ADMIN_PASSWORD)["access_token"]
        with server.client(token) as c:
            r = c.patch(f"/products/{world.shampoo}", json={"distributor_price": "37.50"})
            assert r.status_code == 200, r.text
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
