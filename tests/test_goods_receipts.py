"""Goods receipts: a primary order's goods arrive in the distributor's stock point through the
buyer's own document; the seller's order is delivered only once that receipt exists.

Every refusal is proved to write nothing (``refused`` compares the row counts inside the
transaction). The services' tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from hom.core import backup
from hom.core.clock import DEFAULT_TIME_ZONE, frozen_at, today_in
from hom.core.config import load_settings
from hom.core.errors import (
    DomainError,
    Duplicate,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    WrongSite,
)
from hom.core.store import open_store
from hom.crud import audit as audit_crud
from hom.crud import inventory as inventory_crud
from hom.crud import outbox as outbox_crud
from hom.models.enums import OrderLevel, OrderStatus, VoucherType
from hom.models.goods_receipt import GoodsReceiptLine
from hom.schemas.goods_receipts import GoodsReceiptSync
from hom.services import goods_receipts, orders, stock
from hom.services.context import ActorContext
from hom.sync import apply, changelog, ownership
from hom.sync import entities as E
from tests.utils.builders import _kit, add_product, context_with
from tests.utils.order_builders import Chain, add_batch, make_chain, receive, refused, snapshot

P = OrderLevel.PRIMARY
TODAY = today_in(DEFAULT_TIME_ZONE)
YEAR = TODAY.year


@dataclass
class World:
    chain: Chain
    soap: uuid.UUID  # untracked, 100 in the depot warehouse
    gel: uuid.UUID  # batch-tracked: 20 of G-SOON, 40 of G-LATE in the depot warehouse
    soon: uuid.UUID
    late: uuid.UUID


@pytest.fixture
def kit(any_kit):
    """Every test here runs on SQLite and on PostgreSQL (unless it says otherwise)."""
    return any_kit


@pytest.fixture
def world(kit) -> World:
    with kit.session() as s:
        chain = make_chain(s, kit)
        soap = add_product(s, sku="SOAP")
        gel = add_product(s, sku="GEL", name="Aloe gel 50 ml", track_batches=True)
        soon = add_batch(s, product_id=gel.id, code="G-SOON", expires_on=TODAY + timedelta(30))
        late = add_batch(s, product_id=gel.id, code="G-LATE", expires_on=TODAY + timedelta(300))
        receive(s, kit.ctx, location_id=kit.location_id, product_id=soap.id, quantity=100)
        for batch, qty in ((soon, 20), (late, 40)):
            receive(
                s,
                kit.ctx,
                location_id=kit.location_id,
                product_id=gel.id,
                quantity=qty,
                batch_id=batch.id,
            )
        return World(chain, soap.id, gel.id, soon.id, late.id)


def _order(
    kit, w: World, *lines: tuple[uuid.UUID, int], own: bool = False, to=OrderStatus.DISPATCHED
):
    """A primary order from the depot to the chain's distributor (its stock point is the
    depot's), or with ``own`` to the distributor running its own site; walked to ``to``."""
    distributor = w.chain.own_distributor if own else w.chain.distributor
    with kit.session() as s:
        order = orders.create_order(
            s,
            ctx=kit.ctx,
            level=P,
            order_in={
                "seller_location_id": kit.location_id,
                "distributor_id": distributor.id,
                "lines": [{"product_id": p, "quantity": q} for p, q in lines]
                or [{"product_id": w.soap, "quantity": 10}],
            },
        )
        steps = {OrderStatus.CONFIRMED: 1, OrderStatus.DISPATCHED: 2}[to]
        for step in (orders.confirm, orders.dispatch)[:steps]:
            step(s, ctx=kit.ctx, level=P, order_id=order.id)
        return order.id


def _own_site(kit, w: World) -> ActorContext:
    """The distributor's own installation, played in this store (its changes are queued on its
    own installation, not here)."""
    return kit.ctx.for_site(w.chain.own_site_id)


def _receive(kit, order_id, ctx=None, **kw):
    with kit.session() as s:
        return goods_receipts.receive_primary(s, ctx=ctx or kit.ctx, order_id=order_id, **kw)


def _status(kit, order_id) -> OrderStatus:
    with kit.store.reader() as s:
        return orders.get_order(s, level=P, order_id=order_id).status


# --- receiving ------------------------------------------------------------------------------


def test_a_full_receipt_moves_the_dispatch_into_the_stock_point(kit, world) -> None:
    order_id = _order(kit, world, (world.gel, 25), (world.soap, 5))
    point = world.chain.stock_point_id
    with kit.store.reader() as s:
        shown = goods_receipts.receivable(s, ctx=kit.ctx, order_id=order_id)
    assert [(r.sku, r.batch_code, r.expires_on, r.dispatched_qty) for r in shown] == [
        ("GEL", "G-SOON", TODAY + timedelta(30), 20),
        ("GEL", "G-LATE", TODAY + timedelta(300), 5),
        ("SOAP", "", None, 5),
    ]
    assert shown[0].product_name == "Aloe gel 50 ml"

    receipt = _receive(kit, order_id)

    with kit.store.reader() as s:
        order = orders.get_order(s, level=P, order_id=order_id)
        receipt = goods_receipts.get_for_order(s, ctx=kit.ctx, order_id=order_id)
        assert receipt.number == f"DEP01-GR-{YEAR}-000001"
        assert (receipt.site_id, receipt.location_id) == (kit.site_id, point)
        assert (receipt.dispatch_no, receipt.business_date, receipt.version) == (
            order.number,
            TODAY,
            1,
        )
        assert receipt.created_by == kit.ctx.user_id
        assert [
            (ln.line_no, ln.batch_id, ln.dispatched_qty, ln.received_qty, ln.damaged_qty)
            for ln in receipt.lines
        ] == [
            (1, world.soon, 20, 20, 0),
            (2, world.late, 5, 5, 0),
            (3, None, 5, 5, 0),
        ]
        entries = inventory_crud.ledger_for_voucher(s, voucher_id=receipt.id)
        assert [(e.location_id, e.batch_id, e.quantity, e.balance_after) for e in entries] == [
            (point, world.soon, 20, 20),
            (point, world.late, 5, 5),
            (point, None, 5, 5),
        ]
        assert {(e.voucher_type, e.voucher_no) for e in entries} == {
            (VoucherType.RECEIPT, receipt.number)
        }
        assert stock.on_hand(s, location_id=point, product_id=world.gel) == 25
        assert stock.on_hand(s, location_id=point, product_id=world.soap) == 5
        assert stock.on_hand(s, location_id=kit.location_id, product_id=world.gel) == 35
        assert stock.verify(s).ok
        # this depot keeps the distributor's stock point and writes the order: delivered now
        assert order.status == OrderStatus.DELIVERED and order.delivered_at == receipt.received_at
        trail = audit_crud.for_entity(s, entity=E.GOODS_RECEIPTS, entity_id=receipt.id)
        assert [a.action for a in trail] == ["goods_receipt.create"]
        assert "30 received, 0 damaged, 0 short of 30 dispatched" in trail[0].summary


def test_a_short_quantity_with_its_reason(kit, world) -> None:
    order_id = _order(kit, world, (world.soap, 10))
    receipt = _receive(
        kit,
        order_id,
        lines=[{"product_id": world.soap, "received_qty": 8, "reason": "2 cartons missing"}],
    )
    with kit.store.reader() as s:
        (line,) = goods_receipts.get_for_order(s, order_id=order_id).lines
        assert (line.dispatched_qty, line.received_qty, line.damaged_qty, line.reason) == (
            10,
            8,
            0,
            "2 cartons missing",
        )
        point = world.chain.stock_point_id
        assert stock.on_hand(s, location_id=point, product_id=world.soap) == 8
        entries = inventory_crud.ledger_for_voucher(s, voucher_id=receipt.id)
        assert [e.quantity for e in entries] == [8]
        assert stock.verify(s).ok


def test_damaged_quantity_is_recorded_on_the_receipt_not_stocked(kit, world) -> None:
    order_id = _order(kit, world, (world.gel, 30))  # 20 of G-SOON, 10 of G-LATE
    _receive(
        kit,
        order_id,
        reason="crushed in transit",  # the receipt's reason covers its lines
        lines=[
            {"product_id": world.gel, "batch_id": world.soon, "received_qty": 17, "damaged_qty": 3},
            {"product_id": world.gel, "batch_id": world.late, "received_qty": 10},
        ],
    )
    with kit.store.reader() as s:
        receipt = goods_receipts.get_for_order(s, order_id=order_id)
        assert [(ln.received_qty, ln.damaged_qty, ln.reason) for ln in receipt.lines] == [
            (17, 3, "crushed in transit"),
            (10, 0, ""),
        ]
        point = world.chain.stock_point_id
        assert stock.on_hand(s, location_id=point, product_id=world.gel, batch_id=world.soon) == 17
        assert stock.on_hand(s, location_id=point, product_id=world.gel) == 27


def test_nothing_received_records_the_receipt_and_moves_no_stock(kit, world) -> None:
    order_id = _order(kit, world, (world.soap, 4))
    receipt = _receive(
        kit,
        order_id,
        lines=[{"product_id": world.soap, "received_qty": 0, "damaged_qty": 4}],
        reason="water damage",
    )
    with kit.store.reader() as s:
        assert inventory_crud.ledger_for_voucher(s, voucher_id=receipt.id) == []
        assert stock.on_hand(s, location_id=world.chain.stock_point_id, product_id=world.soap) == 0
        assert goods_receipts.get_for_order(s, order_id=order_id).lines[0].damaged_qty == 4


def test_a_back_dated_receipt_keeps_its_business_date(kit, world) -> None:
    yesterday = TODAY - timedelta(days=1)
    with frozen_at(datetime.combine(yesterday, time(6), tzinfo=UTC)):
        order_id = _order(kit, world)
    receipt = _receive(kit, order_id, on=yesterday)
    with kit.store.reader() as s:
        receipt = goods_receipts.get_for_order(s, order_id=order_id)
        assert receipt.business_date == yesterday
        assert receipt.number == f"DEP01-GR-{yesterday.year}-000001"
        assert orders.get_order(s, level=P, order_id=order_id).delivered_at == receipt.received_at


# --- refusals: each writes nothing ----------------------------------------------------------


def _refused(kit, order_id, *, ctx=None, **kw) -> Exception:
    def action(s, c):
        return goods_receipts.receive_primary(s, ctx=c, order_id=order_id, **kw)

    return refused(kit.store, action, ctx or kit.ctx)


def test_only_the_buyers_site_receives(kit, world) -> None:
    order_id = _order(kit, world)  # into the depot's own stock point for the distributor
    manager = replace(kit.ctx, site_id=None)
    exc = _refused(kit, order_id, ctx=manager)
    assert type(exc) is WrongSite and exc.field == "order_id" and "read-only" in exc.message
    exc = _refused(kit, order_id, ctx=kit.ctx.for_site(world.chain.own_site_id))
    assert type(exc) is WrongSite and "belongs to DEP01" in exc.message
    # the seller does not receive into a stock point of the distributor's own site
    theirs = _order(kit, world, own=True)
    exc = _refused(kit, theirs)
    assert type(exc) is WrongSite and exc.field == "order_id"
    assert "only that site's installation writes its goods receipt" in exc.message


def test_receiving_needs_the_permission(kit, world) -> None:
    order_id = _order(kit, world)
    exc = _refused(kit, order_id, ctx=context_with(kit.ctx, "stock.view", "orders.primary"))
    assert type(exc) is PermissionDenied and "stock.receive" in exc.message


def test_only_a_dispatched_order_with_its_dispatch_entries_is_received(kit, world) -> None:
    confirmed = _order(kit, world, to=OrderStatus.CONFIRMED)
    exc = _refused(kit, confirmed)
    assert type(exc) is IllegalTransition and "is confirmed" in exc.message
    # an order row that says dispatched while its dispatch entries have not arrived (a pulled
    # order ahead of its stock): nothing to receive yet
    with kit.session() as s:
        orders.get_order(s, level=P, order_id=confirmed).status = OrderStatus.DISPATCHED
    exc = _refused(kit, confirmed)
    assert type(exc) is DomainError and "no dispatch entries" in exc.message
    with kit.store.reader() as s:
        assert goods_receipts.receivable(s, ctx=kit.ctx, order_id=confirmed) == []
    exc = _refused(kit, uuid.uuid4())
    assert type(exc) is NotFound and exc.field == "order_id"


def test_an_order_is_received_once(kit, world) -> None:
    own = _own_site(kit, world)
    order_id = _order(kit, world, own=True)
    first = _receive(kit, order_id, ctx=own)
    exc = _refused(kit, order_id, ctx=own)
    assert type(exc) is Duplicate and first.number in exc.message


@pytest.mark.parametrize(
    ("lines", "field", "words"),
    [
        ([{"product_id": "OTHER", "received_qty": 1}], "lines.0.product_id", "was not dispatched"),
        (
            [{"product_id": "SOAP", "batch_id": "SOON", "received_qty": 1}],
            "lines.0.batch_id",
            "was not dispatched",
        ),
        (
            [{"product_id": "SOAP", "received_qty": 9, "damaged_qty": 2}],
            "lines.0.received_qty",
            "more than the 10 dispatched",
        ),
        (
            [{"product_id": "SOAP", "received_qty": -1}],
            "lines.0.received_qty",
            "greater than or equal to 0",
        ),
        (
            [{"product_id": "SOAP", "received_qty": 5, "damaged_qty": -2}],
            "lines.0.damaged_qty",
            "greater than or equal to 0",
        ),
        ([{"product_id": "SOAP", "received_qty": 8}], "lines.0.reason", "2 short): give a reason"),
        (
            [{"product_id": "SOAP", "received_qty": 8, "damaged_qty": 2, "reason": "x"}],
            "lines.0.reason",
            "2 damaged): give a reason",
        ),
        (
            [
                {"product_id": "SOAP", "received_qty": 10},
                {"product_id": "SOAP", "received_qty": 10},
            ],
            "lines.1.product_id",
            "listed twice",
        ),
    ],
)
def test_bad_lines_are_refused_by_field(kit, world, lines, field, words) -> None:
    order_id = _order(kit, world, (world.soap, 10))
    ids = {"SOAP": world.soap, "OTHER": uuid.uuid4(), "SOON": world.soon}
    given = [{k: ids.get(v, v) if k.endswith("_id") else v for k, v in ln.items()} for ln in lines]
    exc = _refused(kit, order_id, lines=given)
    assert isinstance(exc, DomainError) and exc.field == field, exc
    assert words in exc.message
    assert _status(kit, order_id) == OrderStatus.DISPATCHED


def test_lines_list_every_dispatched_product_or_none(kit, world) -> None:
    order_id = _order(kit, world, (world.soap, 10), (world.gel, 5))
    exc = _refused(kit, order_id, lines=[{"product_id": world.soap, "received_qty": 10}])
    assert exc.field == "lines" and "GEL batch G-SOON was dispatched but has no line" in exc.message


def test_the_receipt_date_is_not_in_the_future_nor_before_the_dispatch(kit, world) -> None:
    order_id = _order(kit, world)
    exc = _refused(kit, order_id, on=TODAY + timedelta(days=1))
    assert exc.field == "on" and "in the future" in exc.message
    exc = _refused(kit, order_id, on=TODAY - timedelta(days=1))
    assert exc.field == "on" and "before order" in exc.message


def test_the_database_refuses_more_than_dispatched(kit, world) -> None:
    order_id = _order(kit, world)
    receipt = _receive(kit, order_id)
    bad = {
        "id": uuid.uuid4(),
        "receipt_id": receipt.id,
        "line_no": 9,
        "product_id": world.soap,
        "dispatched_qty": 5,
        "received_qty": 4,
        "damaged_qty": 2,
        "reason": "",
    }
    with pytest.raises(IntegrityError), kit.session() as s:
        s.execute(insert(GoodsReceiptLine.__table__).values(**bad))


# --- the seller's order ---------------------------------------------------------------------


def _deliver(kit, order_id, ctx=None):
    return refused(
        kit.store, lambda s, c: orders.deliver(s, ctx=c, level=P, order_id=order_id), ctx or kit.ctx
    )


def test_deliver_is_refused_without_a_receipt(kit, world) -> None:
    order_id = _order(kit, world)  # dispatched, not received
    exc = _deliver(kit, order_id)
    assert type(exc) is DomainError and exc.field == "order_id"
    assert "no goods receipt" in exc.message
    with kit.store.reader() as s:
        assert stock.on_hand(s, location_id=world.chain.stock_point_id, product_id=world.soap) == 0


def test_deliver_is_refused_without_a_dispatch(kit, world) -> None:
    order_id = _order(kit, world, to=OrderStatus.CONFIRMED)
    with kit.session() as s:  # the order row says dispatched; no stock has moved
        orders.get_order(s, level=P, order_id=order_id).status = OrderStatus.DISPATCHED
    exc = _deliver(kit, order_id)
    assert type(exc) is DomainError and "no goods receipt" in exc.message
    assert _status(kit, order_id) == OrderStatus.DISPATCHED


def test_deliver_is_refused_from_another_site_or_a_managers_store(kit, world) -> None:
    order_id = _order(kit, world, own=True)
    own = _own_site(kit, world)
    exc = _deliver(kit, order_id, ctx=own)  # the buyer never writes the seller's order
    assert type(exc) is WrongSite and "belongs to another site" in exc.message
    _receive(kit, order_id, ctx=own)
    for ctx in (own, replace(kit.ctx, site_id=None)):
        exc = _deliver(kit, order_id, ctx=ctx)
        assert type(exc) is WrongSite
    assert _status(kit, order_id) == OrderStatus.DISPATCHED
    with kit.session() as s:  # the seller, once the receipt is here
        orders.deliver(s, ctx=kit.ctx, level=P, order_id=order_id)
    assert _status(kit, order_id) == OrderStatus.DELIVERED


def test_deliver_received_marks_the_sellers_received_orders(kit, world) -> None:
    own = _own_site(kit, world)
    received = [_order(kit, world, own=True) for _ in range(2)]
    waiting = _order(kit, world, own=True)
    stamps = {}
    for order_id in received:
        stamps[order_id] = _receive(kit, order_id, ctx=own).received_at
    with kit.session() as s:
        assert orders.deliver_received(s, ctx=replace(kit.ctx, site_id=None)) == 0
        assert orders.deliver_received(s, ctx=own) == 0  # the buyer writes no seller's order
        assert orders.deliver_received(s, ctx=kit.ctx) == 2
        assert orders.deliver_received(s, ctx=kit.ctx) == 0
    with kit.store.reader() as s:
        for order_id in received:
            order = orders.get_order(s, level=P, order_id=order_id)
            assert order.status == OrderStatus.DELIVERED
            assert order.delivered_at == stamps[order_id] and order.version == 4
            queued = outbox_crud.for_entity(s, entity=E.PRIMARY_ORDERS, entity_id=order_id)
            assert queued[-1].payload["status"] == "delivered"
    assert _status(kit, waiting) == OrderStatus.DISPATCHED


# --- sync -----------------------------------------------------------------------------------


def test_the_change_log_carries_a_self_contained_receipt_before_its_stock(kit, world) -> None:
    order_id = _order(kit, world, (world.gel, 25), (world.soap, 5))
    receipt = _receive(
        kit,
        order_id,
        lines=[
            {"product_id": world.gel, "batch_id": world.soon, "received_qty": 20},
            {"product_id": world.gel, "batch_id": world.late, "received_qty": 4, "reason": "torn"},
            {"product_id": world.soap, "received_qty": 5},
        ],
    )
    with kit.store.reader() as s:
        (row,) = outbox_crud.for_entity(s, entity=E.GOODS_RECEIPTS, entity_id=receipt.id)
        assert row.operation == "insert" and row.site_id == kit.site_id
        payload = GoodsReceiptSync.model_validate(row.payload)
        order = orders.get_order(s, level=P, order_id=order_id)
        assert (payload.order_id, payload.dispatch_no, payload.location_id) == (
            order_id,
            order.number,
            world.chain.stock_point_id,
        )
        assert payload.number == receipt.number and payload.site_id == kit.site_id
        assert [
            (ln.product_id, ln.batch_id, ln.dispatched_qty, ln.received_qty, ln.reason)
            for ln in payload.lines
        ] == [
            (world.gel, world.soon, 20, 20, ""),
            (world.gel, world.late, 5, 4, "torn"),
            (world.soap, None, 5, 5, ""),
        ]
        entries = inventory_crud.ledger_for_voucher(s, voucher_id=receipt.id)
        ledger_rows = [
            outbox_crud.for_entity(s, entity=E.LEDGER, entity_id=e.id)[0] for e in entries
        ]
        assert all(r.seq > row.seq for r in ledger_rows)  # the receipt goes first
        owner = ownership.writer_of(
            E.GOODS_RECEIPTS,
            row.payload,
            site_of_location=lambda _: None,
            site_of_distributor=lambda _: None,
        )
        assert owner == kit.site_id


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_applier_writes_a_pulled_receipt_into_another_store(kit, world, tmp_path) -> None:
    """A copy of the store taken before the receipt plays the seller's installation: it applies
    the receipt and its ledger entries as pulled, then marks its order delivered."""
    own = _own_site(kit, world)
    order_id = _order(kit, world, (world.soap, 10), own=True)
    settings = load_settings(tmp_path / "seller" / "data")
    settings.data_dir.mkdir(parents=True)
    backup.backup_file(kit.store.settings.store_path, settings.store_path)
    seller = _kit(open_store(settings, auto_backup=False))
    try:
        receipt = _receive(
            kit,
            order_id,
            ctx=own,
            lines=[{"product_id": world.soap, "received_qty": 9}],
            reason="one short",
        )
        with kit.store.reader() as s:  # what the buyer's installation queues and pushes
            receipt = goods_receipts.get_for_order(s, order_id=order_id)
            entries = inventory_crud.ledger_for_voucher(s, voucher_id=receipt.id)
            payload = changelog.snapshot(E.GOODS_RECEIPTS, receipt)
            ledger = [changelog.snapshot(E.LEDGER, e) for e in entries]
        assert len(ledger) == 1
        point = world.chain.own_stock_point_id
        with seller.session() as s:
            snap = apply.parse(E.GOODS_RECEIPTS, payload)
            assert (
                apply.apply_change(s, entity=E.GOODS_RECEIPTS, operation="insert", snapshot=snap)
                is None
            )
            entries = [apply.parse_ledger(p) for p in ledger]
            assert apply.apply_ledger_entries(s, entries, at=receipt.received_at) == [None]
            # applied again (a pull repeated): already there, nothing doubled
            assert (
                apply.apply_change(s, entity=E.GOODS_RECEIPTS, operation="insert", snapshot=snap)
                is apply.ALREADY_APPLIED
            )
            assert apply.apply_ledger_entries(s, entries, at=receipt.received_at) == [
                apply.ALREADY_APPLIED
            ]
            assert orders.deliver_received(s, ctx=seller.ctx) == 1
        with seller.store.reader() as s:
            copy = goods_receipts.get_for_order(s, order_id=order_id)
            assert copy.number == receipt.number and copy.reason == "one short"
            assert [(ln.dispatched_qty, ln.received_qty, ln.reason) for ln in copy.lines] == [
                (10, 9, "one short")
            ]
            assert stock.on_hand(s, location_id=point, product_id=world.soap) == 9
            assert stock.verify(s).ok
            order = orders.get_order(s, level=P, order_id=order_id)
            assert (
                order.status == OrderStatus.DELIVERED and order.delivered_at == receipt.received_at
            )
        # a receipt that does not match its order is refused, and writes nothing
        tampered = payload | {"id": str(uuid.uuid4()), "location_id": str(kit.location_id)}
        with seller.session() as s:
            snap = apply.parse(E.GOODS_RECEIPTS, tampered)
            outcome = apply.apply_change(
                s, entity=E.GOODS_RECEIPTS, operation="insert", snapshot=snap
            )
            assert isinstance(outcome, Duplicate)  # the order has its receipt already
        with seller.store.reader() as s:
            assert snapshot(s)["receipts"] == 1
    finally:
        seller.store.close()


def test_the_applier_refuses_a_receipt_of_another_site(kit, world) -> None:
    own = _own_site(kit, world)
    order_id = _order(kit, world, own=True)
    _receive(kit, order_id, ctx=own)
    with kit.store.reader() as s:
        payload = changelog.snapshot(
            E.GOODS_RECEIPTS, goods_receipts.get_for_order(s, order_id=order_id)
        )
    variants = {
        "payload.site_id": payload
        | {
            "id": str(uuid.uuid4()),
            "order_id": str(_order(kit, world, own=True)),
            "site_id": str(kit.site_id),
        },
        "payload.location_id": payload
        | {
            "id": str(uuid.uuid4()),
            "order_id": str(_order(kit, world, own=True)),
            "location_id": str(kit.location_id),
        },
        "payload.order_id": payload | {"id": str(uuid.uuid4()), "order_id": str(uuid.uuid4())},
    }
    for field, bad in variants.items():
        with kit.session() as s:
            before = snapshot(s)["receipts"]
            outcome = apply.apply_change(
                s,
                entity=E.GOODS_RECEIPTS,
                operation="insert",
                snapshot=apply.parse(E.GOODS_RECEIPTS, bad),
            )
            assert isinstance(outcome, DomainError) and outcome.field == field, outcome
            assert snapshot(s)["receipts"] == before
    with pytest.raises(DomainError) as info:
        lines = [dict(payload["lines"][0]) | {"received_qty": 11}]
        apply.parse(E.GOODS_RECEIPTS, payload | {"lines": lines})
    assert info.value.field == "payload.lines.0"


@pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_two_clerks_receiving_one_order_at_once_make_one_receipt(kit, world) -> None:
    from tests.test_pg_concurrency import _both

    order_id = _order(kit, world, (world.soap, 10))
    results = _both(
        kit, lambda s: goods_receipts.receive_primary(s, ctx=kit.ctx, order_id=order_id).number
    )
    refusals = [r for r in results if isinstance(r, Exception)]
    assert len(refusals) == 1 and isinstance(refusals[0], Duplicate), results
    assert "meanwhile" in refusals[0].message
    with kit.store.reader() as s:
        assert snapshot(s)["receipts"] == 1
        assert stock.on_hand(s, location_id=world.chain.stock_point_id, product_id=world.soap) == 10
        assert stock.verify(s).ok
