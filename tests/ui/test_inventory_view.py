"""Inventory as a clerk uses it: find stock, read the ledger, transfer, count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QDialog

from hom.core.clock import to_local, utcnow
from hom.models.enums import VoucherType
from hom_desktop.ui.forms import find_data
from hom_desktop.ui.inventory import InventoryView, TransferDialog, local_day_start
from tests.ui.conftest import drain
from tests.ui.helpers import on_hand, second_location, stocked_products


@pytest.fixture
def view(qtbot, app_session) -> InventoryView:
    v = InventoryView(app_session)
    qtbot.addWidget(v)
    v.resize(1100, 600)
    v.show()
    return v


def _skus(v: InventoryView) -> list[str]:
    return [r.sku for r in v.stock_model.rows()]


def test_stock_is_listed_with_low_stock_highlighted(qtbot, kit, app_session):
    made = stocked_products(
        kit, [3, 40, 12], reorder_levels=[5, 5, 0], names=["Neem soap", "Rose soap", "Lemon soap"]
    )
    v = InventoryView(app_session)
    qtbot.addWidget(v)
    assert _skus(v) == [sku for _, sku in made]
    assert v.stock_summary.text() == "3 rows · 1 low"
    low = v.stock_model.find(lambda r: r.low)
    assert v.stock_model.row(low).product_name == "Neem soap"
    v.low_only.click()
    assert [r.product_name for r in v.stock_model.rows()] == ["Neem soap"]


def test_search_as_you_type_by_sku_or_name(qtbot, kit, view):
    made = stocked_products(kit, [1, 2, 3], names=["Neem soap", "Rose soap", "Neem oil"])
    view.refresh()
    qtbot.keyClicks(view.search, "neem")
    qtbot.waitUntil(lambda: len(view.stock_model.rows()) == 2, timeout=2000)
    assert {r.product_name for r in view.stock_model.rows()} == {"Neem soap", "Neem oil"}
    view.search.clear()
    qtbot.keyClicks(view.search, made[1][1])  # a whole SKU
    qtbot.waitUntil(lambda: _skus(view) == [made[1][1]], timeout=2000)


def test_location_filter(qtbot, kit, app_session):
    ((_pid, sku),) = stocked_products(kit, [10])
    other = second_location(kit)
    v = InventoryView(app_session)
    qtbot.addWidget(v)
    v.show()  # a view on screen reloads when it hears of a change
    dialog = v.open_transfer()
    qtbot.addWidget(dialog)
    dialog.from_location.select(kit.location_id)
    dialog.to_location.select(other)
    qtbot.keyClicks(dialog.product, sku)
    dialog.quantity.setValue(4)
    dialog.reason.setText("restock")
    assert dialog.save()
    assert v.stock_summary.text() == "2 rows · 0 low"
    v.location.select(other)
    assert [(r.location_id, r.quantity) for r in v.stock_model.rows()] == [(other, 4)]


def test_stock_opens_on_this_sites_locations(qtbot, kit, app_session):
    """Other sites' stock (read-only, from sync) is one choice away, not the first screen."""
    from tests.utils.builders import add_location, add_site

    ((pid, _sku),) = stocked_products(kit, [10])
    with kit.session() as s:
        other_site = add_site(s, kit.ctx, code="DEP02")
        foreign = add_location(s, kit.ctx, site_id=other_site, code="DEP02-WH")
    with kit.session() as s:  # stock that arrived from DEP02's own installation
        from hom.services import stock

        stock.receive(
            s,
            ctx=kit.ctx.for_site(other_site),
            receipt_in={"location_id": foreign, "product_id": pid, "quantity": 3},
        )
    v = InventoryView(app_session)
    qtbot.addWidget(v)
    assert v.location.currentText() == "This site's locations (DEP01)"
    assert {r.location_id for r in v.stock_model.rows()} == {kit.location_id}
    v.location.setCurrentIndex(0)  # All locations
    assert {r.location_id for r in v.stock_model.rows()} == {kit.location_id, foreign}


def test_transfer_by_keyboard_moves_stock_and_shows_it(qtbot, kit, view):
    ((pid, sku),) = stocked_products(kit, [10])
    other = second_location(kit)
    view.refresh()
    view.stock_table.selectRow(0)
    qtbot.keyClick(view, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    dialog = view.dialog
    assert isinstance(dialog, TransferDialog)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
    assert dialog.product.text().startswith(sku)  # prefilled from the selected row
    assert dialog.on_hand.text() == "On hand at DEP01-WH: 10"
    dialog.to_location.select(other)
    qtbot.keyClicks(dialog.quantity, "6")
    qtbot.keyClick(dialog.quantity, Qt.Key.Key_Return)  # Enter moves on to the reason
    assert dialog.reason.hasFocus() or dialog.focusWidget() is dialog.reason
    qtbot.keyClicks(dialog.reason, "shelf restock")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert on_hand(kit, kit.location_id, pid) == 4
    assert on_hand(kit, other, pid) == 6
    assert view.banner.text() == f"Transferred 6 × {sku} from DEP01-WH to DEP01-DMG."
    assert sorted(r.quantity for r in view.stock_model.rows()) == [4, 6]
    view.show_ledger(kit.location_id, None)
    assert [(r.voucher_type, r.quantity, r.reason) for r in view.ledger_model.rows()][:1] == [
        (VoucherType.TRANSFER_OUT, -6, "shelf restock")
    ]


def test_transfer_of_more_than_available_is_refused_beside_the_quantity(qtbot, kit, view):
    ((pid, sku),) = stocked_products(kit, [5])
    other = second_location(kit)
    dialog = view.open_transfer()
    qtbot.addWidget(dialog)
    dialog.from_location.select(kit.location_id)
    dialog.to_location.select(other)
    qtbot.keyClicks(dialog.product, sku)
    qtbot.keyClicks(dialog.quantity, "8")
    qtbot.keyClicks(dialog.reason, "try")
    assert not dialog.save()
    message = dialog.form.errors.error_text("quantity")
    assert "5 available, 8 requested" in message
    assert dialog.quantity.property("invalid") is True
    assert dialog.isVisible() and dialog.quantity.value() == 8  # what was typed stays
    assert dialog.reason.text() == "try"
    assert on_hand(kit, kit.location_id, pid) == 5 and on_hand(kit, other, pid) == 0


def test_transfer_names_a_missing_or_unknown_product(qtbot, kit, view):
    stocked_products(kit, [5])
    second_location(kit)
    view.location.reload()
    dialog = view.open_transfer()
    qtbot.addWidget(dialog)
    dialog.quantity.setValue(1)
    assert not dialog.save()
    assert dialog.form.errors.error_text("product_id") == "choose a product: type its SKU or name"
    qtbot.keyClicks(dialog.product, "NOPE-1")
    assert not dialog.save()
    assert "no product with SKU 'NOPE-1'" in dialog.form.errors.error_text("product_id")


def test_transfer_to_the_same_location_is_refused(qtbot, kit, view):
    ((_pid, sku),) = stocked_products(kit, [5])
    dialog = view.open_transfer()
    qtbot.addWidget(dialog)
    dialog.to_location.select(kit.location_id)
    qtbot.keyClicks(dialog.product, sku)
    dialog.quantity.setValue(1)
    dialog.reason.setText("restock")
    assert not dialog.save()
    assert "must differ" in dialog.form.errors.error_text("to_location_id")


def test_count_posts_the_difference_and_says_so(qtbot, kit, view):
    ((pid, sku),) = stocked_products(kit, [10])
    view.refresh()
    view.stock_table.selectRow(0)
    dialog = view.open_count()
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.counted, "7")
    qtbot.keyClicks(dialog.reason, "ok")
    assert not dialog.save()
    assert "at least 3 characters" in dialog.form.errors.error_text("reason")
    assert on_hand(kit, kit.location_id, pid) == 10
    qtbot.keyClicks(dialog.reason, " - damaged")
    assert dialog.save()
    assert on_hand(kit, kit.location_id, pid) == 7
    assert view.banner.text() == f"Count of {sku} posted: the books now show 7."
    view.show_ledger(kit.location_id, None)
    assert view.ledger_model.row(0).voucher_type == VoucherType.ADJUSTMENT
    assert view.ledger_model.row(0).quantity == -3


def test_a_count_that_matches_posts_nothing(qtbot, kit, view):
    ((_pid, sku),) = stocked_products(kit, [10])
    dialog = view.open_count()
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.product, sku)
    qtbot.keyClicks(dialog.counted, "10")
    qtbot.keyClicks(dialog.reason, "weekly count")
    assert dialog.save()
    assert view.banner.text() == f"The count of {sku} matches the books: nothing was posted."


def test_ledger_filters_by_product_voucher_and_date(qtbot, kit, view, qtmodeltester):
    (p1, sku1), (p2, _sku2) = stocked_products(kit, [10, 20])
    other = second_location(kit)
    dialog = view.open_transfer()
    qtbot.addWidget(dialog)
    dialog.from_location.select(kit.location_id)
    dialog.to_location.select(other)
    qtbot.keyClicks(dialog.product, sku1)
    dialog.quantity.setValue(2)
    dialog.reason.setText("restock")
    assert dialog.save()
    view.tabs.setCurrentIndex(1)
    view.refresh_ledger()
    assert len(view.ledger_model.rows()) == 3
    drain()
    assert view.ledger_summary.text() == "3 entries"  # counted in the background
    qtbot.keyClicks(view.ledger_product, sku1)
    qtbot.keyClick(view.ledger_product, Qt.Key.Key_Return)
    assert {r.product_id for r in view.ledger_model.rows()} == {p1}
    assert len(view.ledger_model.rows()) == 2
    view.ledger_voucher.setCurrentIndex(find_data(view.ledger_voucher, VoucherType.TRANSFER_OUT))
    assert [r.quantity for r in view.ledger_model.rows()] == [-2]
    qtmodeltester.check(view.ledger_model)
    view.ledger_voucher.setCurrentIndex(0)
    view.ledger_product.clear()
    today = to_local(utcnow()).date()
    view.ledger_since.set_value(today + timedelta(days=1))
    assert view.ledger_model.rows() == []
    view.ledger_since.set_value(today)
    view.ledger_until.set_value(today)
    assert len(view.ledger_model.rows()) == 3
    view.ledger_until.set_value(today - timedelta(days=2))
    assert view.ledger_error.text() == "'To' is before 'From'"
    assert p2  # the second product only adds rows to the unfiltered ledger
    assert local_day_start(today) <= utcnow()


def test_ledger_with_an_unknown_product_says_so(qtbot, kit, view):
    stocked_products(kit, [1])
    view.tabs.setCurrentIndex(1)
    qtbot.keyClicks(view.ledger_product, "ZZZ-404")
    qtbot.keyClick(view.ledger_product, Qt.Key.Key_Return)
    assert "no product with SKU 'ZZZ-404'" in view.ledger_error.text()
    assert view.ledger_model.rows() == []


def test_double_click_opens_the_ledger_of_the_row(qtbot, kit, view):
    (pid, sku), _ = stocked_products(kit, [4, 5])
    view.refresh()
    view.stock_table.selectRow(0)
    view.show_selected_ledger()
    assert view.tabs.currentIndex() == 1
    assert view.ledger_product.text().startswith(sku)
    assert [r.product_id for r in view.ledger_model.rows()] == [pid]


def test_without_permissions_the_actions_are_off(qtbot, kit, prompt_log):
    from tests.ui.conftest import make_session
    from tests.utils.builders import context_with

    v = InventoryView(make_session(kit, context_with(kit.ctx, "stock.view")))
    qtbot.addWidget(v)
    assert not v.transfer_action.isEnabled() and not v.count_action.isEnabled()


def _foreign_stock(kit, pid) -> object:
    """A second site with stock of ``pid``, as it arrives from that site's installation."""
    from hom.services import stock
    from tests.utils.builders import add_location, add_site

    with kit.session() as s:
        other_site = add_site(s, kit.ctx, code="DEP02")
        foreign = add_location(s, kit.ctx, site_id=other_site, code="DEP02-WH")
    with kit.session() as s:
        stock.receive(
            s,
            ctx=kit.ctx.for_site(other_site),
            receipt_in={"location_id": foreign, "product_id": pid, "quantity": 3},
        )
    return foreign


def _active(qtbot, widget) -> None:
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget.window(), timeout=2000)


def test_this_sites_filter_survives_a_stock_change(qtbot, kit, view):
    ((pid, sku),) = stocked_products(kit, [10])
    _foreign_stock(kit, pid)
    view.refresh()
    assert view.location.currentText() == "This site's locations (DEP01)"
    _active(qtbot, view)
    qtbot.keyClick(view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)  # Stock count…
    dialog = view.dialog
    assert dialog is not None
    _active(qtbot, dialog)
    qtbot.keyClicks(dialog.product, sku)
    dialog.counted.setFocus()
    qtbot.keyClicks(dialog.counted, "9")
    qtbot.keyClicks(dialog.reason, "damaged in storage")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert on_hand(kit, kit.location_id, pid) == 9
    assert view.location.currentText() == "This site's locations (DEP01)"
    assert [(r.location_id, r.quantity) for r in view.stock_model.rows()] == [(kit.location_id, 9)]


def test_ledger_dates_are_typed_and_the_box_says_whether_they_count(qtbot, kit, view):
    stocked_products(kit, [10])
    view.show_ledger(kit.location_id, None)
    _active(qtbot, view)
    since = view.ledger_since
    today = to_local(utcnow()).date()
    # Unticked: any date; the field shows today, so its calendar opens on today.
    assert since.value() is None and not since.check.isChecked()
    assert since.edit.date().toPython() == today
    assert since.edit.calendarWidget().selectedDate().toPython() == today
    assert len(view.ledger_model.rows()) == 1
    # Tab from the box into the field and type a date: it counts from there on.
    since.check.setFocus()
    qtbot.keyClick(since.check, Qt.Key.Key_Tab)
    assert since.edit.hasFocus()
    tomorrow = today + timedelta(days=1)
    qtbot.keyClicks(since.edit, f"{tomorrow:%d-%m-%Y}")
    qtbot.keyClick(since.edit, Qt.Key.Key_Tab)
    assert since.check.isChecked() and since.value() == tomorrow
    assert view.ledger_model.rows() == []
    # Unticking the box is "any date" again.
    qtbot.mouseClick(since.check, Qt.MouseButton.LeftButton)
    assert since.value() is None
    assert len(view.ledger_model.rows()) == 1
    # A click on the year selects it, so a whole date can be typed over it; typing the date
    # already shown ticks the box all the same.
    until = view.ledger_until
    year = QPoint(4, until.edit.height() // 2)
    # The click lands on the field's text, the keys on the field that then has the focus.
    qtbot.mouseClick(until.edit.lineEdit(), Qt.MouseButton.LeftButton, pos=year)
    assert QApplication.focusWidget() is until.edit
    qtbot.keyClicks(until.edit, f"{today:%d-%m-%Y}")
    qtbot.keyClick(until.edit, Qt.Key.Key_Tab)
    assert until.check.isChecked() and until.value() == today
    assert len(view.ledger_model.rows()) == 1
    qtbot.mouseClick(until.edit.lineEdit(), Qt.MouseButton.LeftButton, pos=year)
    qtbot.keyClicks(until.edit, "31-01-2020")
    qtbot.keyClick(until.edit, Qt.Key.Key_Tab)
    assert until.value().isoformat() == "2020-01-31"
    assert view.ledger_model.rows() == []  # nothing in 2020


def test_dialogs_are_deleted_once_closed(qtbot, kit, view):
    stocked_products(kit, [5])
    view.refresh()
    for key in (Qt.Key.Key_T, Qt.Key.Key_K, Qt.Key.Key_T):
        _active(qtbot, view)
        qtbot.keyClick(view, key, Qt.KeyboardModifier.ControlModifier)
        dialog = view.dialog
        assert isinstance(dialog, QDialog) and dialog.isVisible()
        _active(qtbot, dialog)
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)  # the clerk changes their mind
        assert not dialog.isVisible()
    qtbot.waitUntil(lambda: view.findChildren(QDialog) == [], timeout=2000)
    assert view.dialog is None


@pytest.mark.parametrize("key", [Qt.Key.Key_T, Qt.Key.Key_K], ids=["transfer", "count"])
def test_enter_on_the_open_suggestions_moves_on_in_the_stock_dialogs(qtbot, kit, view, key):
    ((_pid, sku),) = stocked_products(kit, [10])
    view.refresh()
    _active(qtbot, view)
    qtbot.keyClick(view, key, Qt.KeyboardModifier.ControlModifier)
    dialog = view.dialog
    _active(qtbot, dialog)
    assert dialog.product.hasFocus()
    qtbot.keyClicks(dialog.product, sku.lower())  # any case
    popup = dialog.product.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=2000)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert dialog.batch.hasFocus()
    assert dialog.product.chosen is not None and dialog.product.chosen.sku == sku
    assert dialog.on_hand.text() == "On hand at DEP01-WH: 10"
