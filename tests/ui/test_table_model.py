"""The paged table model: pages read on demand from SQL, sorted in SQL, checked by qtmodeltester."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from hom.core.ids import new_id
from hom.models.enums import VoucherType
from hom.services import reports, stock
from hom.services.reports import LedgerFilter
from hom_desktop.ui.inventory import LEDGER_COLUMNS, STOCK_COLUMNS, low_stock_style
from hom_desktop.ui.table_model import (
    ROW_ROLE,
    PagedTableModel,
    PageRequest,
    keyset_pager,
    make_table,
    offset_pager,
)
from tests.ui.helpers import stocked_products


def _stock_fetch(kit: Any, requests: list[PageRequest] | None = None):
    def read(offset: int, limit: int, sort: str | None, desc: bool):
        with kit.store.reader() as s:
            return reports.stock_rows(
                s, sort=sort or "location", descending=desc, limit=limit, offset=offset
            )

    inner = offset_pager(read)

    def fetch(req: PageRequest):
        if requests is not None:
            requests.append(req)
        return inner(req)

    return fetch


def test_stock_model_pages_and_passes_the_model_tester(qtmodeltester, kit):
    stocked_products(kit, list(range(1, 26)), reorder_levels=[10] * 25)
    requests: list[PageRequest] = []
    model = PagedTableModel(STOCK_COLUMNS, _stock_fetch(kit, requests), page_size=10)
    assert model.rowCount() == 10
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 20
    model.fetchMore()
    assert model.rowCount() == 25
    assert not model.canFetchMore()
    assert [r.cursor for r in requests] == [None, 10, 20]
    qtmodeltester.check(model)


def test_sorting_is_asked_of_sql_and_resets_the_cache(kit):
    stocked_products(kit, [5, 50, 20, 1])
    requests: list[PageRequest] = []
    model = PagedTableModel(STOCK_COLUMNS, _stock_fetch(kit, requests), page_size=3)
    on_hand = next(i for i, c in enumerate(STOCK_COLUMNS) if c.title == "On hand")
    model.sort(on_hand, Qt.SortOrder.DescendingOrder)
    assert requests[-1].sort == "quantity" and requests[-1].descending
    assert [model.row(i).quantity for i in range(model.rowCount())] == [50, 20, 5]
    model.fetchMore()
    assert [r.quantity for r in model.rows()] == [50, 20, 5, 1]
    # A column SQL cannot sort by is ignored: no new query.
    asked = len(requests)
    unit = next(i for i, c in enumerate(STOCK_COLUMNS) if c.title == "Unit")
    model.sort(unit, Qt.SortOrder.AscendingOrder)
    assert len(requests) == asked


def test_low_stock_rows_are_marked(kit):
    stocked_products(kit, [3, 30], reorder_levels=[5, 5])
    model = PagedTableModel(STOCK_COLUMNS, _stock_fetch(kit), row_style=low_stock_style)
    status = next(i for i, c in enumerate(STOCK_COLUMNS) if c.title == "Status")
    low = [model.row(i).low for i in range(model.rowCount())]
    assert low == [True, False]
    assert model.data(model.index(0, status)) == "Low"
    assert model.data(model.index(1, status)) == ""
    assert model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(model.index(1, 0), Qt.ItemDataRole.BackgroundRole) is None
    assert model.data(model.index(0, 0), ROW_ROLE).quantity == 3


def test_ledger_model_keyset_pages_a_long_ledger(qtmodeltester, kit):
    ((pid, _),) = stocked_products(kit, [0])
    with kit.session() as s:
        stock.post(
            s,
            ctx=kit.ctx,
            movements=[stock.Movement(kit.location_id, pid, 1) for _ in range(450)],
            voucher_type=VoucherType.RECEIPT,
            voucher_id=new_id(),
        )
    flt = LedgerFilter(location_id=kit.location_id)
    cursors: list[Any] = []

    def read(after: Any, limit: int):
        cursors.append(after)
        with kit.store.reader() as s:
            return reports.ledger_page(s, flt=flt, after=after, limit=limit)

    model = PagedTableModel(LEDGER_COLUMNS, keyset_pager(read, lambda r: r.cursor))
    assert model.rowCount() == 200
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == 450
    assert not model.canFetchMore()
    balances = [r.balance_after for r in model.rows()]
    assert balances == list(range(450, 0, -1))  # newest first, no row twice, none skipped
    assert cursors[0] is None and cursors[1] == model.row(199).cursor
    qtmodeltester.check(model)


def test_a_failed_read_is_reported_not_raised(qtbot):
    def fetch(_req: PageRequest):
        raise RuntimeError("disk I/O error")

    model = PagedTableModel(STOCK_COLUMNS)
    with qtbot.waitSignal(model.loadFailed) as blocker:
        model.set_fetch(fetch)
    assert "disk I/O error" in blocker.args[0]
    assert model.rowCount() == 0 and not model.canFetchMore()


def test_the_view_scrolls_pages_in_on_demand(qtbot, kit):
    stocked_products(kit, list(range(1, 61)))
    model = PagedTableModel(STOCK_COLUMNS, _stock_fetch(kit), page_size=20)
    view = make_table(model)
    qtbot.addWidget(view)
    view.resize(600, 300)
    view.show()
    qtbot.waitExposed(view)
    assert model.rowCount() == 20
    view.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() > 20, timeout=3000)
    assert model.rowCount() <= 60
    assert not model.index(0, 0).parent().isValid()
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.rowCount(QModelIndex()) == model.rowCount()
