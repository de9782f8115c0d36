"""Daily production: the fast entry line, the day's log, and reversing an entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hom.models.enums import SiteKind
from hom.services import production, products, sites, stock
from hom_desktop.ui.production import ProductionView, qdate
from tests.ui.conftest import drain, make_session
from tests.utils.builders import make_store


@pytest.fixture
def factory(tmp_path):
    kit = make_store(tmp_path, site_code="FAC01", site_kind=SiteKind.FACTORY)
    with kit.session() as s:
        for sku, name, batches in (("SOAP-1", "Neem soap", False), ("GHEE-1", "Ghee 1 l", True)):
            products.create_product(
                s,
                ctx=kit.ctx,
                product_in={
                    "sku": sku,
                    "name": name,
                    "mrp": "50",
                    "distributor_price": "40",
                    "retailer_price": "45",
                    "track_batches": batches,
                    "shelf_life_days": 180 if batches else None,
                },
            )
    yield kit
    drain()
    kit.store.close()


@pytest.fixture
def view(qtbot, factory, prompt_log) -> ProductionView:
    v = ProductionView(make_session(factory))
    qtbot.addWidget(v)
    v.resize(1200, 600)
    v.show()
    v.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is v, timeout=2000)
    return v


def _fg_stock(kit, sku: str) -> int:
    with kit.store.reader() as s:
        loc = sites.list_locations(s, site_id=kit.site_id)[0]
        return stock.on_hand(s, location_id=loc.id, product_id=products.get_by_sku(s, sku).id)


def test_fast_entry_by_keyboard(qtbot, factory, view):
    view.shift.setCurrentIndex(1)  # shift B
    view.product.setFocus()
    qtbot.keyClicks(view.product, "SOAP-1")
    qtbot.keyClick(view.product, Qt.Key.Key_Return)
    assert view.batch.hasFocus()  # Enter moves on
    qtbot.keyClick(view.batch, Qt.Key.Key_Return)
    qtbot.keyClicks(view.good, "120")
    qtbot.keyClick(view.good, Qt.Key.Key_Return)
    qtbot.keyClicks(view.rejected, "3")
    qtbot.keyClick(view.rejected, Qt.Key.Key_Return)
    qtbot.keyClicks(view.remarks, "line 2")
    qtbot.keyClick(view.remarks, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert _fg_stock(factory, "SOAP-1") == 120
    rows = view.model.rows()
    assert [(r.sku, r.shift.value, r.good_qty, r.rejected_qty, r.remarks) for r in rows] == [
        ("SOAP-1", "B", 120, 3, "line 2")
    ]
    assert view.banner.text() == "Posted 120 good and 3 rejected of SOAP-1, shift B."
    # Ready for the next line: date and shift kept, the rest cleared, cursor on the product.
    assert view.shift.currentText() == "B" and view.product.text() == ""
    assert view.good.text() == "" and view.remarks.text() == ""
    assert view.product.hasFocus()
    assert view.day_summary.text() == "1 line · net good 120 · net rejected 3"


def test_refusals_show_beside_their_fields_and_keep_the_line(qtbot, factory, view):
    qtbot.keyClicks(view.product, "GHEE-1")
    qtbot.keyClicks(view.good, "10")
    assert not view.post()
    assert "a batch code is required" in view.errors.error_text("batch_code")
    assert view.product.text().startswith("GHEE-1") and view.good.text() == "10"
    view.day.setDate(qdate(production.local_today() + timedelta(days=1)))
    qtbot.keyClicks(view.batch, "b-001")
    assert not view.post()
    assert "is in the future" in view.errors.error_text("production_date")
    view.day.setDate(qdate(production.local_today()))
    view.good.clear()
    assert not view.post()
    assert "nothing produced" in view.errors.error_text("good_qty")
    view.product.clear()
    qtbot.keyClicks(view.product, "NOPE")
    qtbot.keyClicks(view.good, "5")
    assert not view.post()
    assert "no product with SKU 'NOPE'" in view.errors.error_text("product_id")
    assert _fg_stock(factory, "GHEE-1") == 0
    view.product.clear()
    qtbot.keyClicks(view.product, "ghee")  # a unique part of the name is enough
    assert view.post()
    assert [(r.sku, r.batch_code) for r in view.model.rows()] == [("GHEE-1", "B-001")]


def test_reverse_with_a_reason_and_refuse_a_second_reversal(qtbot, factory, view, prompt_log):
    qtbot.keyClicks(view.product, "SOAP-1")
    qtbot.keyClicks(view.good, "40")
    assert view.post()
    view.table.selectRow(0)
    assert view.reverse_action.isEnabled()
    prompt_log.answers.append("wrong product")
    assert view.reverse()
    assert _fg_stock(factory, "SOAP-1") == 0
    statuses = sorted(view.model.data(view.model.index(i, 6)) for i in range(2))
    assert statuses == ["reversal", "reversed"]
    assert view.day_summary.text() == "2 lines · net good 0 · net rejected 0"
    original = view.model.find(lambda r: r.reverses_id is None)
    view.table.selectRow(original)
    prompt_log.answers.append("again")
    assert not view.reverse()
    assert "already been reversed" in prompt_log.texts("error")[-1]
    view.table.selectRow(original)
    assert view.reverse() is False  # cancelled: no answer given, nothing happens
    assert _fg_stock(factory, "SOAP-1") == 0


def test_a_day_with_no_production(qtbot, factory, view):
    view.day.setDate(qdate(production.local_today() - timedelta(days=3)))
    assert view.model.rows() == []
    assert view.day_summary.text() == "0 lines · net good 0 · net rejected 0"


def test_product_completion_as_you_type(qtbot, factory, view, qtmodeltester):
    view.product.setFocus()
    qtbot.keyClicks(view.product, "ghe")
    completer = view.product.completer()
    qtbot.waitUntil(lambda: completer.model().rowCount() == 1, timeout=2000)
    label = completer.model().index(0, 0).data()
    assert label == "GHEE-1 — Ghee 1 l"
    completer.activated[str].emit(label)  # the clerk picks the suggestion
    assert view.product.chosen is not None and view.product.chosen.sku == "GHEE-1"
    qtbot.keyClicks(view.batch, "B-9")
    qtbot.keyClicks(view.good, "12")
    assert view.post()
    qtmodeltester.check(view.model)


def test_enter_on_the_open_suggestions_takes_the_typed_sku_and_moves_on(qtbot, factory, view):
    """With the suggestions open, Enter goes to the list (Qt's completer takes the key): it
    must still move on to Batch, with the product whose SKU was typed in full chosen."""
    view.product.setFocus()
    qtbot.keyClicks(view.product, "SOAP-1")
    popup = view.product.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=2000)  # the clerk glances at the suggestion
    assert view.product.text() == "SOAP-1"  # what was typed stays while the list is open
    assert popup.currentIndex().data() == "SOAP-1 — Neem soap"  # and Enter will take it
    qtbot.keyClick(popup, Qt.Key.Key_Return)  # the open list has the keyboard
    assert not popup.isVisible()
    assert view.batch.hasFocus()
    assert view.product.chosen is not None and view.product.chosen.sku == "SOAP-1"
    qtbot.keyClick(view.batch, Qt.Key.Key_Return)
    qtbot.keyClicks(view.good, "25")
    qtbot.keyClick(view.good, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert _fg_stock(factory, "SOAP-1") == 25


def test_a_suggestion_picked_by_name_with_the_arrows_and_enter(qtbot, factory, view):
    view.product.setFocus()
    qtbot.keyClicks(view.product, "ghee")
    popup = view.product.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=2000)
    assert not popup.currentIndex().isValid()  # no SKU typed in full: nothing taken yet
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert view.batch.hasFocus()
    assert view.product.chosen is not None and view.product.chosen.sku == "GHEE-1"
    assert view.product.text() == "GHEE-1 — Ghee 1 l"
