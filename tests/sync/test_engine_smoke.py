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
