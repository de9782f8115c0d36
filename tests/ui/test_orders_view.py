"""The orders list as a clerk uses it: each level entered by keyboard and taken through its
lifecycle (confirm, dispatch, receive) with the ledger and the balances checked after each step,
and every refusal: short stock, an illegal transition, no permission."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hom.core.errors import IllegalTransition, InsufficientStock, PermissionDenied
from hom.models.enums import OrderLevel, OrderStatus, VoucherType
from hom.services import goods_receipts, orders, stock
from hom_desktop.ui.goods_receipt import GoodsReceiptDialog
from hom_desktop.ui.orders import ORDER_COLUMNS, DispatchDialog, OrdersView
from hom_desktop.ui.table_model import PagedTableModel
from tests.ui.conftest import drain, make_session
from tests.ui.helpers import on_hand
from tests.ui.order_keys import CTRL, Keyboard, make_shop
from tests.utils.builders import context_with
from tests.utils.order_builders import refused

P, S, T = OrderLevel.PRIMARY, OrderLevel.SECONDARY, OrderLevel.TERTIARY


@pytest.fixture
def view(qtbot, app_session) -> OrdersView:
    v = OrdersView(app_session)
    qtbot.addWidget(v)
    v.resize(1200, 700)
    v.show()
    v.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is v, timeout=3000)
    return v


def wait_active(qtbot, widget) -> None:
    """The window the keys go to next (the offscreen platform has no window manager to give
    the main window back its activation when a dialog closes: done here for it)."""
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=3000)


def enter_order(qtbot, view: OrdersView, keys: Keyboard, party: str, lines) -> str:
    """Ctrl+N, the party, the lines (word, cases, pieces), Ctrl+S; the new order's number."""
    keys.press(Qt.Key.Key_N, CTRL)
    form = view.dialog
    got: list[str] = []
    form.saved.connect(lambda _text, f=form: got.append(f.number))
    wait_active(qtbot, form)
    keys.type(party)
    keys.enter()
    for word, cases, pieces in lines:
        keys.type(word)
        keys.enter()
        if form.focusWidget() is form.cases:
            keys.type(cases)
            keys.enter()
        keys.type(pieces)
        keys.enter()
    keys.press(Qt.Key.Key_S, CTRL)
    assert got, form.line_error.text() or form.form.errors.banner.text()
    QApplication.processEvents()
    wait_active(qtbot, view)
    assert view.banner.text().startswith(f"Order {got[0]} saved as a draft: ₹")
    return got[0]


def draft_primary(session, kit, shop, quantity: int):
    """A draft primary order of ``quantity`` neem soaps, written through the service."""
    return orders.create_order(
        session,
        ctx=kit.ctx,
        level=P,
        order_in=orders.order_in_for(
            session,
            level=P,
            party_id=shop.distributor_id,
            seller_location_id=kit.location_id,
            lines=[{"product_id": shop.products["neem"], "quantity": quantity}],
        ),
    )


def status_of(kit, level, number) -> OrderStatus:
    with kit.store.reader() as s:
        return orders.get_by_number(s, number=number, level=level).status


def ledger_of(kit, level, number) -> list[tuple[VoucherType, str, int]]:
    with kit.store.reader() as s:
        order = orders.get_by_number(s, number=number, level=level)
        return [
            (e.voucher_type, str(e.location_id), e.quantity)
            for e in stock.ledger_for_voucher(s, voucher_id=order.id)
        ]


def test_each_level_by_keyboard_through_its_lifecycle(qtbot, kit, view, prompt_log):
    """Primary: entered, confirmed, dispatched, received short on the goods receipt;
    secondary from the stock point it filled; tertiary at the retailer's counter."""
    shop = make_shop(kit, stock=600)
    neem, rose = shop.products["neem"], shop.products["rose"]
    keys = Keyboard(qtbot, view)
    depot, point = kit.location_id, shop.stock_point_id

    # Primary: the depot sells to the distributor (Alt+P is the primary tab).
    keys.press(Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    assert view.level == P
    number = enter_order(qtbot, view, keys, "dsharma", [("neem", "5", "0"), ("rose", "2", "6")])
    assert view.selected().number == number and view.selected().status == OrderStatus.DRAFT
    assert not view.dispatch_action.isEnabled() and not view.receive_action.isEnabled()
    keys.press(Qt.Key.Key_Return, CTRL)  # confirm
    assert status_of(kit, P, number) == OrderStatus.CONFIRMED
    assert ledger_of(kit, P, number) == []  # confirming moves nothing
    keys.press(Qt.Key.Key_D, CTRL)  # dispatch: the batches first
    dialog = view.dialog
    assert isinstance(dialog, DispatchDialog) and dialog.plan.ok
    assert [(t.sku, t.quantity) for t in dialog.plan.takes] == [("SP-00", 60), ("SP-01", 30)]
    wait_active(qtbot, dialog)
    keys.press(Qt.Key.Key_S, CTRL)
    wait_active(qtbot, view)
    assert status_of(kit, P, number) == OrderStatus.DISPATCHED
    assert on_hand(kit, depot, neem) == 540 and on_hand(kit, depot, rose) == 570
    assert sorted(q for _vt, _loc, q in ledger_of(kit, P, number)) == [-60, -30]
    keys.press(Qt.Key.Key_R, CTRL)  # receive: the buyer's goods receipt
    receipt_dialog = view.dialog
    assert isinstance(receipt_dialog, GoodsReceiptDialog)
    wait_active(qtbot, receipt_dialog)
    assert receipt_dialog.focusWidget() is receipt_dialog.received_edits[0]
    keys.type("55")  # of 60 neem dispatched, 55 arrived whole
    keys.enter()
    keys.type("2")  # and 2 damaged: 3 short
    keys.enter()
    keys.enter()  # the 30 rose soaps arrived
    keys.enter()
    keys.enter()  # received today
    keys.type("3 short, 2 crushed")
    keys.press(Qt.Key.Key_S, CTRL)
    wait_active(qtbot, view)
    assert status_of(kit, P, number) == OrderStatus.DELIVERED  # this site writes the order too
    assert on_hand(kit, point, neem) == 55 and on_hand(kit, point, rose) == 30
    assert on_hand(kit, depot, neem) == 540  # what left the depot stays gone
    with kit.store.reader() as s:
        order_id = orders.get_by_number(s, number=number).id
        receipt = goods_receipts.get_for_order(s, order_id=order_id)
        assert receipt.reason == "3 short, 2 crushed"
        assert sorted(
            (e.voucher_type, e.quantity) for e in stock.ledger_for_voucher(s, voucher_id=receipt.id)
        ) == [(VoucherType.RECEIPT, 30), (VoucherType.RECEIPT, 55)]
    assert view.banner.text().startswith(f"Received {number} into DSHARMA-ST: 85 of 90")
    assert not any(
        a.isEnabled() for a in (view.confirm_action, view.dispatch_action, view.receive_action)
    )

    # Secondary: the distributor sells from its stock point to its retailer.
    keys.press(Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    assert view.level == S
    number = enter_order(qtbot, view, keys, "mehta", [("neem", "1", "6")])
    keys.press(Qt.Key.Key_Return, CTRL)
    keys.press(Qt.Key.Key_D, CTRL)
    wait_active(qtbot, view.dialog)
    keys.press(Qt.Key.Key_S, CTRL)
    wait_active(qtbot, view)
    assert on_hand(kit, point, neem) == 37  # 55 received, 18 sold on
    keys.press(Qt.Key.Key_R, CTRL)
    assert status_of(kit, S, number) == OrderStatus.DELIVERED
    assert ledger_of(kit, S, number) == [(VoucherType.DISPATCH, str(point), -18)]

    # Tertiary: the retailer's sale to a consumer; it keeps no stock point, nothing moves.
    keys.press(Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    number = enter_order(qtbot, view, keys, "mehta", [("rose", "", "3")])
    keys.press(Qt.Key.Key_Return, CTRL)
    keys.press(Qt.Key.Key_D, CTRL)
    wait_active(qtbot, view.dialog)
    assert view.dialog.plan.takes == [] and view.dialog.plan.location_code == ""
    keys.press(Qt.Key.Key_S, CTRL)
    wait_active(qtbot, view)
    keys.press(Qt.Key.Key_R, CTRL)
    assert status_of(kit, T, number) == OrderStatus.DELIVERED
    assert ledger_of(kit, T, number) == []
    with kit.store.reader() as s:
        assert stock.verify(s).ok  # every balance is still the sum of its ledger


def test_dispatch_short_of_stock_names_the_product_and_both_quantities(qtbot, kit, view):
    shop = make_shop(kit, stock=20)
    keys = Keyboard(qtbot, view)
    number = enter_order(qtbot, view, keys, "dsharma", [("neem", "2", "0"), ("rose", "1", "0")])
    keys.press(Qt.Key.Key_Return, CTRL)
    keys.press(Qt.Key.Key_D, CTRL)
    dialog = view.dialog
    assert not dialog.plan.ok and not dialog.ok_button.isEnabled()
    text = dialog.shortage.text()
    assert "Line 1, SP-00 Neem bath soap 75 g: 24 needed, 20 in stock at DEP01" in text
    assert "SP-01" not in text  # the rose soap line is covered
    dialog.dispatch()  # Ctrl+S does nothing either
    assert status_of(kit, P, number) == OrderStatus.CONFIRMED
    assert on_hand(kit, kit.location_id, shop.products["neem"]) == 20
    with kit.store.reader() as s:
        order_id = orders.get_by_number(s, number=number).id
    exc = refused(
        kit.store, lambda s, ctx: orders.dispatch(s, ctx=ctx, level=P, order_id=order_id), kit.ctx
    )
    assert isinstance(exc, InsufficientStock) and "20 available, 24 requested" in exc.message


def test_an_illegal_transition_is_refused_in_its_own_words(qtbot, kit, view):
    make_shop(kit)
    keys = Keyboard(qtbot, view)
    number = enter_order(qtbot, view, keys, "dsharma", [("neem", "1", "0")])
    with kit.store.reader() as s:
        order_id = orders.get_by_number(s, number=number).id
    with kit.session() as s:  # confirmed meanwhile (another window)
        orders.confirm(s, ctx=kit.ctx, level=P, order_id=order_id)
    assert view.confirm_action.isEnabled()  # the list still shows the draft
    keys.press(Qt.Key.Key_Return, CTRL)
    assert view.banner.property("role") == "banner-error"
    assert view.banner.text() == (
        f"{number} not confirmed: status: order {number} cannot go from confirmed to confirmed "
        "(from confirmed it can go to cancelled, dispatched)"
    )
    view.reload()
    view.select_number(number)
    assert not view.confirm_action.isEnabled()  # offered only when legal
    keys.press(Qt.Key.Key_Return, CTRL)
    assert status_of(kit, P, number) == OrderStatus.CONFIRMED
    exc = refused(
        kit.store, lambda s, ctx: orders.deliver(s, ctx=ctx, level=P, order_id=order_id), kit.ctx
    )
    assert isinstance(exc, IllegalTransition)


def test_cancel_asks_why_and_a_too_short_reason_is_refused(qtbot, kit, view, prompt_log):
    make_shop(kit)
    keys = Keyboard(qtbot, view)
    number = enter_order(qtbot, view, keys, "dsharma", [("neem", "1", "0")])
    prompt_log.answers.append("no")
    keys.press(Qt.Key.Key_Delete, CTRL)
    assert "reason" in view.banner.text() and view.banner.property("role") == "banner-error"
    assert status_of(kit, P, number) == OrderStatus.DRAFT
    prompt_log.answers.append("distributor changed his mind")
    keys.press(Qt.Key.Key_Delete, CTRL)
    assert status_of(kit, P, number) == OrderStatus.CANCELLED
    assert not view.cancel_action.isEnabled()


def test_no_permission_the_actions_are_absent_and_the_service_refuses(qtbot, kit):
    shop = make_shop(kit)
    with kit.session() as s:
        order = draft_primary(s, kit, shop, 12)
        order_id = order.id
    # A clerk who may read orders and write secondary ones only: no primary tab at all.
    clerk = context_with(kit.ctx, "orders.view", "orders.secondary", username="sec-clerk")
    v = OrdersView(make_session(kit, clerk))
    qtbot.addWidget(v)
    assert v.levels == [S]
    # A reader sees every level and no action that writes: absent, not merely greyed.
    reader = context_with(kit.ctx, "orders.view", username="mgr")
    r = OrdersView(make_session(kit, reader))
    qtbot.addWidget(r)
    r.show()
    assert r.levels == [P, S, T] and r.level == P
    r.table.setFocus()
    r.table.keyboard.select(0)
    assert r.selected().id == order_id
    assert not any(b.isVisible() for b in r.buttons.values())
    assert {a.text().replace("&", "") for a in r.view_actions()} == {
        "Open order",
        "Find order",
        "Print invoice…",  # reading is enough to print
        "Print dispatch note…",
    }
    assert not r.confirm_action.isEnabled() and r.new_order() is None
    assert r.confirm_selected() is False
    for ctx in (clerk, reader):  # and the service refuses them
        exc = refused(
            kit.store, lambda s, c: orders.confirm(s, ctx=c, level=P, order_id=order_id), ctx
        )
        assert isinstance(exc, PermissionDenied) and "orders.primary" in exc.message
    assert status_of(kit, P, order.number) == OrderStatus.DRAFT
    drain()


def test_print_invoice_and_dispatch_note_to_pdf(qtbot, kit, view, prompt_log, tmp_path):
    make_shop(kit)
    keys = Keyboard(qtbot, view)
    number = enter_order(qtbot, view, keys, "dsharma", [("neem", "1", "0")])
    assert not view.invoice_action.isEnabled()  # a draft has no invoice yet
    keys.press(Qt.Key.Key_Return, CTRL)
    assert view.invoice_action.isEnabled() and view.note_action.isEnabled()
    prompt_log.answers.append(str(tmp_path / "invoice.pdf"))
    keys.press(Qt.Key.Key_P, CTRL)
    assert (tmp_path / "invoice.pdf").read_bytes().startswith(b"%PDF")
    assert view.banner.text() == f"The invoice of {number} is saved as {tmp_path / 'invoice.pdf'}."
    prompt_log.answers.append(str(tmp_path / "note.pdf"))
    keys.press(Qt.Key.Key_P, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert (tmp_path / "note.pdf").read_bytes().startswith(b"%PDF")
    assert prompt_log.shown[-1][1] == "Save the dispatch note as PDF"


def test_the_list_filters_sorts_and_pages_in_sql(qtbot, kit, view, qtmodeltester):
    shop = make_shop(kit)
    with kit.session() as s:
        made = []
        for qty in (12, 36, 24):
            order = draft_primary(s, kit, shop, qty)
            made.append(order.number)
        orders.confirm(s, ctx=kit.ctx, level=P, order_id=order.id)
    view.model._page_size = 2  # paged: two rows a read
    view.reload()
    # the same query behind a model of its own (a shown table fetches as it lays out)
    qtmodeltester.check(PagedTableModel(ORDER_COLUMNS, view.model.page_source, page_size=2))
    # read two rows at a time: the visible table asked for the next page as it had room
    assert view.summary.text() == "3 orders"
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=2000)
    assert view.model.pages_loaded == 2 and not view.model.canFetchMore()
    view.model.sort(5, Qt.SortOrder.DescendingOrder)  # by total, in SQL
    assert [r.total_amount for r in view.model.rows()][:2] == [
        Decimal("1296.00"),
        Decimal("864.00"),
    ]
    view.status_filter.setCurrentIndex(view.status_filter.findText("Confirmed"))
    assert [r.number for r in view.model.rows()] == [made[2]]
    view.status_filter.setCurrentIndex(0)
    keys = Keyboard(qtbot, view)
    view.search.setFocus()
    keys.type(made[1][-3:])  # the last digits of a number
    qtbot.waitUntil(lambda: [r.number for r in view.model.rows()] == [made[1]], timeout=2000)
    view.search.clear()
    view.since.set_value(date.today() + timedelta(days=2))
    assert view.model.rowCount() == 0 and view.summary.text() == "0 orders"
    view.until.set_value(date.today())
    assert view.filter_error.text() == "'To' is before 'From'"
    view.since.set_value(None)
    view.party_filter.setFocus()
    keys.type("sharma")
    keys.enter()
    assert view.party_filter.chosen.code == "DSHARMA" and view.summary.text() == "3 orders"


def test_enter_opens_a_draft_to_change_its_lines_and_others_read_only(qtbot, kit, view):
    make_shop(kit)
    keys = Keyboard(qtbot, view)
    number = enter_order(qtbot, view, keys, "dsharma", [("neem", "1", "0"), ("rose", "2", "0")])
    keys.enter()  # Enter on the selected order opens it
    form = view.dialog
    wait_active(qtbot, form)
    assert form.editable and form.windowTitle() == f"Primary order {number}"
    assert not form.party.isEnabled() and [ln.quantity for ln in form.lines] == [12, 24]
    assert view.unsaved_changes() == ""  # nothing typed yet
    form.table.setFocus()
    keys.press(Qt.Key.Key_Delete)  # the first line goes
    assert view.unsaved_changes() == "the primary order being entered"
    keys.press(Qt.Key.Key_S, CTRL)
    wait_active(qtbot, view)
    with kit.store.reader() as s:
        order = orders.get_by_number(s, number=number)
        assert [ln.quantity for ln in order.lines] == [24] and order.total_amount == Decimal("864")
    keys.press(Qt.Key.Key_Return, CTRL)  # confirmed: opens read only
    keys.enter()
    form = view.dialog
    wait_active(qtbot, form)
    assert not form.editable and "(read only)" in form.heading.text()
    assert not form.save_button.isVisible() and not form.product.isVisible()
    assert form.save() is False
    keys.press(Qt.Key.Key_Escape)  # nothing to lose: closes without asking
    assert not form.isVisible()
