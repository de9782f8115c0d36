"""The order form entered by keyboard alone: party, ten lines in cases and pieces, Ctrl+S."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hom.models.enums import OrderLevel, OrderStatus
from hom.services import orders, parties
from hom_desktop.ui.order_form import OrderForm
from tests.ui.conftest import drain
from tests.ui.order_keys import CTRL, WORDS, Keyboard, make_shop

KEYSTROKES_10_LINES = 100
"""Keys for a ten-line primary order by keyboard (see the README): the party's code and Enter,
each line's product word, Enter, cases, Enter, pieces, Enter; then Ctrl+S."""


def open_form(qtbot, app_session, level: OrderLevel) -> tuple[OrderForm, Keyboard]:
    form = OrderForm(app_session, level)
    qtbot.addWidget(form)
    form.show()
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form, timeout=3000)
    return form, Keyboard(qtbot, form)


def test_a_ten_line_primary_order_by_keyboard_only(qtbot, kit, app_session):
    shop = make_shop(kit)
    form, keys = open_form(qtbot, app_session, OrderLevel.PRIMARY)
    assert form.focusWidget() is form.party  # typing starts at the party
    keys.type("dsharma")
    keys.enter()
    assert form.party.chosen is not None and form.party.chosen.code == "DSHARMA"
    assert "DSHARMA-ST" not in form.party_hint.text()  # sold from the depot, not to it
    assert form.focusWidget() is form.product
    for i, word in enumerate(WORDS):
        keys.type(word[:4])  # a few letters of any word of the name
        keys.enter()
        assert form.focusWidget() is form.cases, word
        assert "case of 12" in form.line_info.text() and "600 in stock" in form.line_info.text()
        keys.type(str(i + 1))
        keys.enter()
        keys.type(str(i % 3))
        keys.enter()
        assert form.focusWidget() is form.product  # Enter after the pieces: the next line
    assert len(form.lines) == 10
    assert form.totals.text() == (
        "10 lines · 669 units · Value ₹24,084.00 · GST ₹4,335.12 · Total ₹28,419.12"
    )
    keys.press(Qt.Key.Key_S, CTRL)
    assert keys.count == KEYSTROKES_10_LINES
    with kit.store.reader() as s:
        (row,) = orders.page_orders(s, level=OrderLevel.PRIMARY)
        order = orders.get_order(s, level=OrderLevel.PRIMARY, order_id=row.id)
        assert order.status == OrderStatus.DRAFT
        assert order.distributor_id == shop.distributor_id
        assert [ln.quantity for ln in order.lines] == [(i + 1) * 12 + i % 3 for i in range(10)]
        assert order.total_amount == Decimal("24084.00")  # 669 units at the distributor price
    assert form.result() == form.DialogCode.Accepted


def test_secondary_and_tertiary_forms_start_from_the_retailer(qtbot, kit, app_session):
    shop = make_shop(kit)
    form, keys = open_form(qtbot, app_session, OrderLevel.SECONDARY)
    keys.type("mehta")
    keys.enter()
    assert form.party.chosen.id == shop.retailer_id
    assert "Sold by its distributor from DSHARMA-ST" in form.party_hint.text()
    keys.type("neem")
    keys.enter()
    assert "0 in stock" in form.line_info.text()  # the distributor's stock point holds none
    form.close()
    form, keys = open_form(qtbot, app_session, OrderLevel.TERTIARY)
    keys.type("mehta")
    keys.enter()
    assert "no stock moves" in form.party_hint.text()
    keys.type("rose")
    keys.enter()
    keys.type("1")
    keys.enter()
    keys.enter()
    # the retailer has no GSTIN: not registered, a bill of supply without tax
    assert form.totals.text() == (
        "1 line · 12 units · GST included ₹0.00 · Total ₹540.00 · "
        "(the seller is not registered for GST: a bill of supply, no tax)"
    )
    form.editable = False
    form.close()
    with kit.session() as s:  # registered, it charges GST
        parties.update_party(
            s, ctx=kit.ctx, party_id=shop.retailer_id, party_in={"gstin": "27ABCDE1234F1Z0"}
        )
    form, keys = open_form(qtbot, app_session, OrderLevel.TERTIARY)
    keys.type("mehta")
    keys.enter()
    keys.type("rose")
    keys.enter()
    keys.type("1")
    keys.enter()
    keys.enter()
    # a sale at MRP (₹45 × 12) includes its 18% GST: taken out, not added (the invoice's rule)
    assert form.totals.text() == "1 line · 12 units · GST included ₹82.38 · Total ₹540.00"


def test_esc_with_typed_lines_asks_before_discarding(qtbot, kit, app_session, prompt_log):
    make_shop(kit)
    form, keys = open_form(qtbot, app_session, OrderLevel.PRIMARY)
    keys.type("dsharma")
    keys.enter()
    keys.type("rose")
    keys.enter()
    keys.type("2")
    keys.enter()
    keys.enter()
    prompt_log.answers.append(False)  # "No": keep typing
    keys.press(Qt.Key.Key_Escape)
    assert form.isVisible() and len(form.lines) == 1
    assert prompt_log.texts("confirm")[-1].endswith("Close and discard it?")
    prompt_log.answers.append(True)
    keys.press(Qt.Key.Key_Escape)
    assert not form.isVisible()
    with kit.store.reader() as s:
        assert orders.count_orders(s, level=OrderLevel.PRIMARY) == 0


def test_an_empty_form_closes_without_asking(qtbot, kit, app_session, prompt_log):
    form, keys = open_form(qtbot, app_session, OrderLevel.PRIMARY)
    keys.press(Qt.Key.Key_Escape)
    assert not form.isVisible() and prompt_log.shown == []


def test_an_unknown_product_is_refused_on_the_line(qtbot, kit, app_session):
    make_shop(kit)
    form, keys = open_form(qtbot, app_session, OrderLevel.PRIMARY)
    keys.type("dsharma")
    keys.enter()
    keys.type("zzqx")
    keys.enter()
    assert form.line_error.isVisible() and "no product" in form.line_error.text()
    assert form.focusWidget() is form.product and form.lines == []


def test_a_line_can_be_taken_back_and_changed(qtbot, kit, app_session):
    make_shop(kit)
    form, keys = open_form(qtbot, app_session, OrderLevel.PRIMARY)
    keys.type("dsharma")
    keys.enter()
    keys.type("lemon")
    keys.enter()
    keys.type("3")
    keys.enter()
    keys.enter()
    assert [ln.quantity for ln in form.lines] == [36]
    keys.press(Qt.Key.Key_Tab)
    keys.press(Qt.Key.Key_Tab)
    keys.press(Qt.Key.Key_Tab)
    assert form.focusWidget() is form.table
    keys.press(Qt.Key.Key_Down)
    keys.enter()  # back into the entry row
    assert form.lines == [] and form.focusWidget() is form.cases
    keys.type("5")
    keys.enter()
    keys.enter()
    assert [ln.quantity for ln in form.lines] == [60]


@pytest.mark.parametrize("level", list(OrderLevel))
def test_the_form_refuses_to_save_without_lines(qtbot, kit, app_session, level):
    make_shop(kit)
    form, keys = open_form(qtbot, app_session, level)
    keys.type("dsharma" if level == OrderLevel.PRIMARY else "mehta")
    keys.enter()
    keys.press(Qt.Key.Key_S, CTRL)
    assert form.isVisible() and "at least one line" in form.line_error.text()
    drain()
