"""Tools that were on the command line only: batch trace, backup and restore, ledger export."""

from __future__ import annotations

import csv

from hom.services import products
from hom_desktop.ui.tools import ToolsView
from tests.ui.conftest import drain
from tests.ui.helpers import batches_in_stock, stocked_products


def _view(qtbot, app_session) -> ToolsView:
    view = ToolsView(app_session)
    qtbot.addWidget(view)
    view.show()
    return view


def test_batch_trace_finds_where_the_batch_is(qtbot, kit, app_session):
    batches_in_stock(kit, "TEA-9", [("F1-261201-A", 90, 1500)])
    view = _view(qtbot, app_session)
    qtbot.keyClicks(view.batch_code, "f1-261201-a")
    view.run_trace()
    drain()
    assert view.trace_result is not None and view.trace_result.on_hand == 1500
    assert "still in stock 1,500 (DEP01-WH 1,500)" in view.trace_summary.text()
    assert "in 0 orders" in view.trace_summary.text()
    qtbot.keyClicks(view.batch_code, "X")  # an unknown code: the service's words
    view.run_trace()
    drain()
    assert "F1-261201-AX" in view.trace_summary.text()


def test_backup_then_restore_brings_the_store_back(qtbot, kit, app_session, prompt_log):
    view = _view(qtbot, app_session)
    before = view.backups.count()
    view.backup_now()
    drain()
    assert view.backups.count() == before + 1
    assert "Backed up to" in view.banner.text()
    stocked_products(kit, [5], names=["Made after the backup"])
    view.backups.setCurrentRow(0)  # the newest
    prompt_log.answers.append(True)  # "replace the whole store?"
    view.restore_selected()
    drain()
    assert "restored from" in prompt_log.texts("info")[-1]
    with kit.store.reader() as s:
        assert products.count_products(s) == 0  # the store is the backup again


def test_ledger_export_writes_the_locations_entries(qtbot, kit, app_session, tmp_path):
    stocked_products(kit, [7, 9])
    view = _view(qtbot, app_session)
    view.export_location.select(kit.location_id)
    target = tmp_path / "ledger.csv"
    view.export_ledger("csv", path=str(target))
    drain()
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert rows[0][:3] == ["When", "Voucher", "Voucher no."]
    assert sorted(r[6] for r in rows[1:]) == ["7", "9"]  # plain numbers, no "+" or grouping
    assert rows[1][0][:4].isdigit() and "T" in rows[1][0]  # ISO time in files
    assert "Exported 2 rows" in view.banner.text()
