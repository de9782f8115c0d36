"""The goods receipt dialog, used by keyboard only: a short quantity with its reason is received
into the distributor's stock point; a short quantity without a reason is refused beside the
reason field, with everything typed kept and nothing written."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hom.core.clock import DEFAULT_TIME_ZONE, today_in
from hom.crud import inventory as inventory_crud
from hom.models.enums import OrderLevel, OrderStatus, VoucherType
from hom.services import goods_receipts, orders, stock
from hom_desktop.ui.goods_receipt import GoodsReceiptDialog
from tests.utils.builders import add_product
from tests.utils.order_builders import add_batch, make_chain, receive, snapshot

P = OrderLevel.PRIMARY
TODAY = today_in(DEFAULT_TIME_ZONE)


@dataclass
class Dispatched:
    order_id: uuid.UUID
    number: str
    point: uuid.UUID
    soap: uuid.UUID
    gel: uuid.UUID
    batches: list[uuid.UUID]


@pytest.fixture
def dispatched(kit) -> Dispatched:
    """A primary order of 12 soap and 30 gel (20 of one batch, 10 of the next), dispatched from
    the depot to a distributor whose stock point the depot keeps."""
    with kit.session() as s:
        chain = make_chain(s, kit)
        soap = add_product(s, sku="SOAP-100", name="Neem soap 100 g")
        gel = add_product(s, sku="GEL-50", name="Aloe gel 50 ml", track_batches=True)
        receive(s, kit.ctx, location_id=kit.location_id, product_id=soap.id, quantity=50)
        batches = []
        for code, days, qty in (("G-SOON", 30, 20), ("G-LATE", 300, 40)):
            b = add_batch(s, product_id=gel.id, code=code, expires_on=TODAY + timedelta(days))
            receive(
                s,
                kit.ctx,
                location_id=kit.location_id,
                product_id=gel.id,
                quantity=qty,
                batch_id=b.id,
            )
            batches.append(b.id)
        order = orders.create_order(
            s,
            ctx=kit.ctx,
            level=P,
            order_in={
                "seller_location_id": kit.location_id,
                "distributor_id": chain.distributor.id,
                "lines": [
                    {"product_id": soap.id, "quantity": 12},
                    {"product_id": gel.id, "quantity": 30},
                ],
            },
        )
        orders.confirm(s, ctx=kit.ctx, level=P, order_id=order.id)
        orders.dispatch(s, ctx=kit.ctx, level=P, order_id=order.id)
        return Dispatched(order.id, order.number, chain.stock_point_id, soap.id, gel.id, batches)


def _open(qtbot, app_session, order_id) -> GoodsReceiptDialog:
    dialog = GoodsReceiptDialog(app_session, order_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
    return dialog


def _type(qtbot, dialog, text: str) -> None:
    """Type into whatever has the keyboard focus, as a clerk does."""
    widget = QApplication.focusWidget()
    assert widget is not None and widget.window() is dialog
    qtbot.keyClicks(widget, text)


def _key(qtbot, dialog, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(QApplication.focusWidget() or dialog, key, modifier)


def test_a_short_receipt_entered_by_keyboard(qtbot, kit, app_session, dispatched, tmp_path) -> None:
    d = dispatched
    dialog = _open(qtbot, app_session, d.order_id)
    assert not dialog.refusal.isVisible()
    assert [e.text() for e in dialog.received_edits] == ["12", "20", "10"]  # all received
    # The dialog draws (the README's picture, docs/img/goods-receipt.png, is made the same way;
    # a test run never writes into the checkout).
    assert dialog.grab().save(str(tmp_path / "goods-receipt.png"))

    # soap: 10 received, 2 damaged; Tab and Enter move on; the gel batches arrive in full
    assert QApplication.focusWidget() is dialog.received_edits[0]
    _type(qtbot, dialog, "10")  # the prefilled 12 is selected: typing replaces it
    _key(qtbot, dialog, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.damaged_edits[0]
    _type(qtbot, dialog, "2")
    for _ in range(5):  # Enter moves on, past the two gel lines' quantities
        _key(qtbot, dialog, Qt.Key.Key_Return)
    assert QApplication.focusWidget() in (dialog.on, dialog.on.lineEdit())
    _key(qtbot, dialog, Qt.Key.Key_Return)  # today's date stands (Tab walks its parts)
    assert QApplication.focusWidget() is dialog.reason
    _type(qtbot, dialog, "two packs crushed")
    assert dialog.totals.text() == "Dispatched 42 · received 40 · damaged 2 · short 0"
    _key(qtbot, dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    assert dialog.result() == dialog.DialogCode.Accepted
    with kit.store.reader() as s:
        receipt = goods_receipts.get_for_order(s, order_id=d.order_id)
        assert [(ln.received_qty, ln.damaged_qty, ln.reason) for ln in receipt.lines] == [
            (10, 2, "two packs crushed"),
            (20, 0, ""),
            (10, 0, ""),
        ]
        entries = inventory_crud.ledger_for_voucher(s, voucher_id=receipt.id)
        assert [(e.voucher_type, e.location_id, e.quantity) for e in entries] == [
            (VoucherType.RECEIPT, d.point, 10),
            (VoucherType.RECEIPT, d.point, 20),
            (VoucherType.RECEIPT, d.point, 10),
        ]
        assert stock.on_hand(s, location_id=d.point, product_id=d.soap) == 10
        assert stock.on_hand(s, location_id=d.point, product_id=d.gel) == 30
        assert stock.on_hand(s, location_id=kit.location_id, product_id=d.soap) == 38
        assert stock.verify(s).ok
        assert orders.get_order(s, level=P, order_id=d.order_id).status == OrderStatus.DELIVERED


def test_a_short_receipt_without_a_reason_is_refused_and_keeps_the_input(
    qtbot, kit, app_session, dispatched, prompt_log
) -> None:
    d = dispatched
    dialog = _open(qtbot, app_session, d.order_id)
    _type(qtbot, dialog, "9")
    with kit.store.reader() as s:
        before = snapshot(s)
    _key(qtbot, dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    assert dialog.isVisible() and dialog.result() != dialog.DialogCode.Accepted
    message = dialog.form.errors.error_text("reason")
    assert message == "SOAP-100: 9 of 12 received (3 short): give a reason (at least 3 characters)"
    assert QApplication.focusWidget() is dialog.reason
    assert dialog.received_edits[0].text() == "9"  # what was typed stays
    with kit.store.reader() as s:
        assert snapshot(s) == before
        assert goods_receipts.get_for_order(s, order_id=d.order_id) is None

    # Esc asks before throwing the typed quantity away
    prompt_log.answers.append(False)
    _key(qtbot, dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and prompt_log.texts("confirm")


def test_a_store_that_may_not_receive_says_why_on_opening(qtbot, kit, dispatched) -> None:
    from dataclasses import replace

    from tests.ui.conftest import make_session

    elsewhere = make_session(kit, replace(kit.ctx, site_id=None))
    dialog = _open(qtbot, elsewhere, dispatched.order_id)
    assert dialog.refusal.isVisible() and "read-only" in dialog.refusal.text()
