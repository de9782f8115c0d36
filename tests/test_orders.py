"""Orders at three levels: creation, pricing, numbering, lifecycle, dispatch (FEFO), delivery,
reads, and every refusal with proof that nothing was written."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from hom.core.clock import DEFAULT_TIME_ZONE, frozen_at, today_in
from hom.core.errors import (
    Conflict,
    DomainError,
    IllegalTransition,
    InsufficientStock,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongSite,
)
from hom.crud import audit as audit_crud
from hom.crud import inventory as inventory_crud
from hom.crud import outbox as outbox_crud
from hom.models.enums import LocationKind, OrderLevel, OrderStatus, SiteKind, VoucherType
from hom.services import goods_receipts, orders, sites, stock
from tests.utils.builders import add_location, add_product, add_site, context_with
from tests.utils.order_builders import (
    Chain,
    add_batch,
    add_distributor,
    add_retailer,
    make_chain,
    receive,
    refused,
    snapshot,
)

P, S, T = OrderLevel.PRIMARY, OrderLevel.SECONDARY, OrderLevel.TERTIARY
TODAY = today_in(DEFAULT_TIME_ZONE)  # the sites' calendar (India), not the machine's
YEAR = TODAY.year


@dataclass
class World:
    chain: Chain
    soap: uuid.UUID  # untracked, 100 in the depot warehouse
    gel: uuid.UUID  # batch-tracked, no stock
    other: uuid.UUID  # another tracked product
    inactive: uuid.UUID


@pytest.fixture
def kit(any_kit):
    """Every test here runs on SQLite and on PostgreSQL."""
    return any_kit


@pytest.fixture
def world(kit) -> World:
    with kit.session() as s:
        chain = make_chain(s, kit)
        soap = add_product(
            s, sku="SOAP", mrp="45.50", distributor_price="36.35", retailer_price="40.10"
        )
        gel = add_product(s, sku="GEL", track_batches=True)
        other = add_product(s, sku="OTHER", track_batches=True)
        inactive = add_product(s, sku="OLD")
        inactive.active = False
        receive(s, kit.ctx, location_id=kit.location_id, product_id=soap.id, quantity=100)
        return World(chain, soap.id, gel.id, other.id, inactive.id)


def _primary(w: World, *lines: tuple[uuid.UUID, int], **kw) -> dict:
    data = {
        "seller_location_id": w.chain.depot_location_id,
        "distributor_id": w.chain.distributor.id,
        "lines": [{"product_id": p, "quantity": q} for p, q in lines]
        or [{"product_id": w.soap, "quantity": 3}],
    }
    data.update(kw)
    return data


def _secondary(w: World, *lines: tuple[uuid.UUID, int], **kw) -> dict:
    data = {
        "distributor_id": w.chain.distributor.id,
        "retailer_id": w.chain.retailer.id,
        "lines": [{"product_id": p, "quantity": q} for p, q in lines]
        or [{"product_id": w.soap, "quantity": 3}],
    }
    data.update(kw)
    return data


def _tertiary(w: World, *lines: tuple[uuid.UUID, int], **kw) -> dict:
    data = {
        "retailer_id": w.chain.retailer.id,
        "consumer_name": "Asha Rao",
        "consumer_phone": "98450 00001",
        "lines": [{"product_id": p, "quantity": q} for p, q in lines]
        or [{"product_id": w.soap, "quantity": 3}],
    }
    data.update(kw)
    return data


def _refused(kit, action, *, ctx=None):
    """Run ``action(session, ctx)``; return the error it raised and prove nothing was written
    (ledger, outbox, audit, orders, lines, sequences), not even before the refusal."""
    return refused(kit.store, action, ctx or kit.ctx)


def _create(kit, level, data, ctx=None):
    with kit.session() as s:
        return orders.create_order(s, ctx=ctx or kit.ctx, level=level, order_in=data)


# --- creation -------------------------------------------------------------------------------


def test_create_primary_prices_from_master_and_records_the_change(kit, world) -> None:
    data = _primary(world, (world.soap, 3), (world.soap, 7), notes="first order")
    order = _create(kit, P, data)
    with kit.store.reader() as s:
        order = orders.get_order(s, level=P, order_id=order.id)
        assert order.number == f"DEP01-P-{YEAR}-000001"
        assert order.site_id == kit.site_id and order.order_date == TODAY
        assert order.status == OrderStatus.DRAFT and order.version == 1
        assert order.buyer_location_id == world.chain.stock_point_id  # its only stock point
        assert [(ln.line_no, ln.quantity, ln.unit_price, ln.line_total) for ln in order.lines] == [
            (1, 3, Decimal("36.35"), Decimal("109.05")),
            (2, 7, Decimal("36.35"), Decimal("254.45")),
        ]
        assert order.total_amount == Decimal("363.50")
        assert isinstance(order.total_amount, Decimal)
        assert order.notes == "first order" and order.created_by == kit.ctx.user_id
        sync = outbox_crud.for_entity(s, entity="primary_orders", entity_id=order.id)
        assert [o.operation for o in sync] == ["insert"]
        payload = sync[0].payload
        assert (payload["number"], payload["status"], payload["version"]) == (
            order.number,
            "draft",
            1,
        )
        assert payload["total_amount"] == "363.50"
        assert payload["distributor_id"] == str(world.chain.distributor.id)
        assert [(ln["quantity"], ln["unit_price"]) for ln in payload["lines"]] == [
            (3, "36.35"),
            (7, "36.35"),
        ]
        trail = audit_crud.for_entity(s, entity="primary_orders", entity_id=order.id)
        assert [a.action for a in trail] == ["order.create"]
        public = orders.to_public(P, order)
        assert public.level == P and public.buyer_location_id == world.chain.stock_point_id
        assert public.retailer_id is None and len(public.lines) == 2


def test_each_level_sells_at_its_own_price(kit, world) -> None:
    sec = _create(kit, S, _secondary(world, (world.soap, 3)))
    ter = _create(kit, T, _tertiary(world, (world.soap, 3)))
    assert (sec.lines[0].unit_price, sec.total_amount) == (Decimal("40.10"), Decimal("120.30"))
    assert (ter.lines[0].unit_price, ter.total_amount) == (Decimal("45.50"), Decimal("136.50"))
    assert sec.seller_location_id == world.chain.stock_point_id
    assert sec.number == f"DEP01-S-{YEAR}-000001"
    assert ter.number == f"DEP01-T-{YEAR}-000001"
    assert ter.seller_location_id is None and ter.consumer_name == "Asha Rao"


def test_numbers_run_per_site_level_and_year_and_stay_unique(kit, world) -> None:
    numbers = [_create(kit, P, _primary(world)).number for _ in range(3)]
    assert numbers == [f"DEP01-P-{YEAR}-{n:06d}" for n in (1, 2, 3)]
    last_year = _create(kit, P, _primary(world, order_date=date(YEAR - 1, 12, 31)))
    assert last_year.number == f"DEP01-P-{YEAR - 1}-000001"
    assert _create(kit, S, _secondary(world)).number == f"DEP01-S-{YEAR}-000001"

    # another depot numbers its own orders from 1, and the numbers never collide
    with kit.session() as s:
        dep2 = add_site(s, kit.ctx, code="DEP02", kind=SiteKind.DEPOT)
        dep2_wh = add_location(s, kit.ctx, site_id=dep2, code="DEP02-WH")
    ctx2 = kit.ctx.for_site(dep2)
    other = _create(kit, P, _primary(world) | {"seller_location_id": dep2_wh}, ctx=ctx2)
    assert other.number == f"DEP02-P-{YEAR}-000001" and other.site_id == dep2
    assert _create(kit, P, _primary(world)).number == f"DEP01-P-{YEAR}-000004"

    # a transaction that rolls back does not burn a number
    with pytest.raises(RuntimeError), kit.session() as s:
        orders.create_order(s, ctx=kit.ctx, level=P, order_in=_primary(world))
        raise RuntimeError("user pressed cancel")
    assert _create(kit, P, _primary(world)).number == f"DEP01-P-{YEAR}-000005"
    with kit.store.reader() as s:
        rows = orders.page_orders(s, level=P, limit=100)
        assert len({r.number for r in rows}) == len(rows) == 7


def test_read_only_store_cannot_create_orders(kit, world) -> None:
    exc = _refused(
        kit,
        lambda s, c: orders.create_order(s, ctx=c, level=T, order_in=_tertiary(world)),
        ctx=kit.ctx.for_site(None),
    )
    assert type(exc) is WrongSite and exc.field == "site_id" and "read-only" in exc.message


def _bad(world: World, level: OrderLevel, change) -> dict:
    base = {P: _primary, S: _secondary, T: _tertiary}[level](world)
    change(world, base)
    return base


def _line(**kw):
    def apply(w: World, d: dict) -> None:
        line = {"product_id": w.soap, "quantity": 1}
        line.update({k: (v(w) if callable(v) else v) for k, v in kw.items()})
        d["lines"] = [{"product_id": w.soap, "quantity": 1}, line]

    return apply


def _set(**kw):
    def apply(w: World, d: dict) -> None:
        d.update({k: (v(w) if callable(v) else v) for k, v in kw.items()})

    return apply


CREATE_REFUSALS = [
    (
        P,
        _line(product_id=lambda w: uuid.uuid4()),
        NotFound,
        "lines.1.product_id",
        "unknown product",
    ),
    (
        P,
        _line(product_id=lambda w: w.inactive),
        DomainError,
        "lines.1.product_id",
        "OLD is inactive",
    ),
    (P, _line(quantity=0), ValidationFailed, "lines.1.quantity", "greater than 0"),
    (P, _line(batch_id=lambda w: uuid.uuid4()), NotFound, "lines.1.batch_id", "unknown batch"),
    (P, _set(lines=[]), ValidationFailed, "lines", "at least 1"),
    (P, _set(price="1.00"), ValidationFailed, "price", "Extra inputs"),
    (
        P,
        _set(distributor_id=lambda w: uuid.uuid4()),
        NotFound,
        "distributor_id",
        "unknown distributor",
    ),
    (
        P,
        _set(distributor_id=lambda w: w.chain.retailer.id),
        DomainError,
        "distributor_id",
        "is a retailer, not a distributor",
    ),
    (
        P,
        _set(seller_location_id=lambda w: uuid.uuid4()),
        NotFound,
        "seller_location_id",
        "unknown stock location",
    ),
    (
        P,
        _set(seller_location_id=lambda w: w.chain.stock_point_id),
        DomainError,
        "seller_location_id",
        "not a company depot or factory location",
    ),
    (
        P,
        _set(buyer_location_id=lambda w: w.chain.own_stock_point_id),
        DomainError,
        "buyer_location_id",
        "is not a stock point of distributor",
    ),
    (
        P,
        _set(buyer_location_id=lambda w: w.chain.depot_location_id),
        DomainError,
        "buyer_location_id",
        "is not a stock point of distributor",
    ),
    (
        S,
        _set(retailer_id=lambda w: w.chain.own_retailer.id),
        DomainError,
        "retailer_id",
        "is served by distributor",
    ),
    (
        S,
        _set(retailer_id=lambda w: w.chain.distributor.id),
        DomainError,
        "retailer_id",
        "is a distributor, not a retailer",
    ),
    (
        S,
        _set(seller_location_id=lambda w: w.chain.own_stock_point_id),
        DomainError,
        "seller_location_id",
        "is not a stock point of distributor",
    ),
    (S, _line(product_id=lambda w: w.inactive), DomainError, "lines.1.product_id", "inactive"),
    (T, _set(retailer_id=lambda w: uuid.uuid4()), NotFound, "retailer_id", "unknown retailer"),
    (
        T,
        _set(seller_location_id=lambda w: w.chain.depot_location_id),
        DomainError,
        "seller_location_id",
        "is not a stock point of retailer",
    ),
    (T, _set(consumer_name="x" * 121), ValidationFailed, "consumer_name", "at most 120"),
]


@pytest.mark.parametrize(("level", "change", "error", "field", "words"), CREATE_REFUSALS)
def test_create_refusals_name_the_field_and_write_nothing(
    kit, world, level, change, error, field, words
) -> None:
    data = _bad(world, level, change)
    exc = _refused(kit, lambda s, c: orders.create_order(s, ctx=c, level=level, order_in=data))
    assert type(exc) is error
    assert exc.field == field
    assert words in exc.message


def test_create_refuses_batch_rules(kit, world) -> None:
    with kit.session() as s:
        other_batch = add_batch(s, product_id=world.other, code="OB1").id
        gel_batch = add_batch(s, product_id=world.gel, code="GB1").id
    data = _primary(world)
    data["lines"] = [{"product_id": world.gel, "quantity": 1, "batch_id": other_batch}]
    exc = _refused(kit, lambda s, c: orders.create_order(s, ctx=c, level=P, order_in=data))
    assert (type(exc), exc.field) == (DomainError, "lines.0.batch_id")
    assert "OB1 is not a batch of product GEL" in exc.message

    data["lines"] = [{"product_id": world.soap, "quantity": 1, "batch_id": gel_batch}]
    exc = _refused(kit, lambda s, c: orders.create_order(s, ctx=c, level=P, order_in=data))
    assert (type(exc), exc.field) == (DomainError, "lines.0.batch_id")


def test_create_refuses_inactive_distributor_and_missing_stock_point(kit, world) -> None:
    with kit.session() as s:
        sleepy = add_distributor(s, active=False).id
        pointless = add_distributor(s).id
    exc = _refused(
        kit,
        lambda s, c: orders.create_order(
            s, ctx=c, level=P, order_in=_primary(world, distributor_id=sleepy)
        ),
    )
    assert (type(exc), exc.field) == (DomainError, "distributor_id") and "inactive" in exc.message
    exc = _refused(
        kit,
        lambda s, c: orders.create_order(
            s, ctx=c, level=P, order_in=_primary(world, distributor_id=pointless)
        ),
    )
    assert (type(exc), exc.field) == (DomainError, "buyer_location_id")
    assert "has no stock point" in exc.message


@pytest.mark.parametrize(
    ("level", "make", "needed"),
    [
        (P, _primary, "orders.primary"),
        (S, _secondary, "orders.secondary"),
        (T, _tertiary, "orders.tertiary"),
    ],
)
def test_each_level_needs_its_permission(kit, world, level, make, needed) -> None:
    others = {"orders.primary", "orders.secondary", "orders.tertiary", "orders.view"} - {needed}
    clerk = context_with(kit.ctx, *others)
    exc = _refused(
        kit,
        lambda s, c: orders.create_order(s, ctx=c, level=level, order_in=make(world)),
        ctx=clerk,
    )
    assert type(exc) is PermissionDenied and needed in exc.message
    # holding it is enough
    assert _create(kit, level, make(world), ctx=context_with(kit.ctx, needed)).version == 1


# --- lifecycle ------------------------------------------------------------------------------


def test_full_lifecycle_bumps_version_and_records_every_change(kit, world) -> None:
    order = _create(kit, P, _primary(world, (world.soap, 10)))
    with kit.session() as s:
        orders.confirm(s, ctx=kit.ctx, level=P, order_id=order.id)
        orders.dispatch(s, ctx=kit.ctx, level=P, order_id=order.id)
    # two days later the goods arrive: this site keeps the distributor's stock point, so its
    # goods receipt also marks the order delivered, on the day received
    later = datetime.combine(TODAY + timedelta(days=2), time(12), tzinfo=UTC)
    with frozen_at(later), kit.session() as s:
        goods_receipts.receive_primary(s, ctx=kit.ctx, order_id=order.id)
    with kit.store.reader() as s:
        order = orders.get_order(s, level=P, order_id=order.id)
        assert order.status == OrderStatus.DELIVERED and order.version == 4
        assert order.confirmed_at and order.dispatched_at and order.delivered_at
        assert order.delivered_at.date() == TODAY + timedelta(days=2)
        assert order.cancelled_at is None
        sync = outbox_crud.for_entity(s, entity="primary_orders", entity_id=order.id)
        assert [(o.payload["status"], o.payload["version"]) for o in sync] == [
            ("draft", 1),
            ("confirmed", 2),
            ("dispatched", 3),
            ("delivered", 4),
        ]
        assert [o.operation for o in sync] == ["insert", "update", "update", "update"]
        assert all(o.payload["number"] == order.number for o in sync)
        trail = audit_crud.for_entity(s, entity="primary_orders", entity_id=order.id)
        assert [a.action for a in trail] == [
            "order.create",
            "order.confirmed",
            "order.dispatched",
            "order.delivered",
        ]
        assert trail[2].changes == {"status": ["confirmed", "dispatched"]}


def _to(kit, level, order_id, status) -> None:
    """Walk an order forward to ``status``."""
    path = {
        OrderStatus.DRAFT: [],
        OrderStatus.CONFIRMED: [orders.confirm],
        OrderStatus.DISPATCHED: [orders.confirm, orders.dispatch],
        OrderStatus.DELIVERED: [orders.confirm, orders.dispatch, _deliver],
    }
    with kit.session() as s:
        if status == OrderStatus.CANCELLED:
            orders.cancel(s, ctx=kit.ctx, level=level, order_id=order_id, reason="not needed")
            return
        for step in path[status]:
            step(s, ctx=kit.ctx, level=level, order_id=order_id)


def _deliver(s, *, ctx, level, order_id) -> None:
    """Deliver as a clerk does: a primary order through its goods receipt (this site owns the
    distributor's stock point, so the receipt marks the order delivered), others directly."""
    if level == P:
        goods_receipts.receive_primary(s, ctx=ctx, order_id=order_id)
    else:
        orders.deliver(s, ctx=ctx, level=level, order_id=order_id)


def _attempt(name):
    def run(s, c, level, order_id):
        if name == "cancel":
            return orders.cancel(s, ctx=c, level=level, order_id=order_id, reason="changed mind")
        return getattr(orders, name)(s, ctx=c, level=level, order_id=order_id)

    return run


@pytest.mark.parametrize(
    ("status", "attempt", "target"),
    [
        (OrderStatus.DRAFT, "dispatch", "dispatched"),
        (OrderStatus.DRAFT, "deliver", "delivered"),
        (OrderStatus.CONFIRMED, "confirm", "confirmed"),
        (OrderStatus.CONFIRMED, "deliver", "delivered"),
        (OrderStatus.DISPATCHED, "cancel", "cancelled"),
        (OrderStatus.DISPATCHED, "confirm", "confirmed"),
        (OrderStatus.DELIVERED, "cancel", "cancelled"),
        (OrderStatus.DELIVERED, "dispatch", "dispatched"),
        (OrderStatus.CANCELLED, "confirm", "confirmed"),
        (OrderStatus.CANCELLED, "cancel", "cancelled"),
    ],
)
def test_illegal_transitions_name_both_states(kit, world, status, attempt, target) -> None:
    order = _create(kit, S, _secondary(world, (world.soap, 1)))
    with kit.session() as s:  # give the distributor's stock point something to sell
        receive(
            s, kit.ctx, location_id=world.chain.stock_point_id, product_id=world.soap, quantity=5
        )
    _to(kit, S, order.id, status)
    exc = _refused(kit, lambda s, c: _attempt(attempt)(s, c, S, order.id))
    assert type(exc) is IllegalTransition and exc.field == "status"
    assert f"cannot go from {status.value} to {target}" in exc.message
    with kit.store.reader() as s:
        assert orders.get_order(s, level=S, order_id=order.id).status == status


def test_cancel_from_draft_and_confirmed(kit, world) -> None:
    a = _create(kit, T, _tertiary(world))
    b = _create(kit, T, _tertiary(world))
    _to(kit, T, b.id, OrderStatus.CONFIRMED)
    exc = _refused(kit, lambda s, c: orders.cancel(s, ctx=c, level=T, order_id=a.id, reason=" x "))
    assert type(exc) is ValidationFailed and exc.field == "reason"
    versions = []
    with kit.session() as s:
        for oid in (a.id, b.id):
            done = orders.cancel(s, ctx=kit.ctx, level=T, order_id=oid, reason="customer left")
            assert done.status == OrderStatus.CANCELLED and done.cancel_reason == "customer left"
            assert done.cancelled_at is not None
            versions.append(done.version)
    assert versions == [2, 3]


def test_unknown_order_and_wrong_level(kit, world) -> None:
    order = _create(kit, P, _primary(world))
    exc = _refused(kit, lambda s, c: orders.confirm(s, ctx=c, level=S, order_id=order.id))
    assert type(exc) is NotFound and exc.field == "order_id"
    assert "unknown secondary order" in exc.message
    exc = _refused(
        kit, lambda s, c: orders.confirm(s, ctx=c, level="quaternary", order_id=order.id)
    )
    assert type(exc) is DomainError and exc.field == "level"


def test_transitions_need_the_level_permission(kit, world) -> None:
    order = _create(kit, P, _primary(world))
    viewer = context_with(kit.ctx, "orders.view", "orders.secondary")
    exc = _refused(
        kit, lambda s, c: orders.confirm(s, ctx=c, level=P, order_id=order.id), ctx=viewer
    )
    assert type(exc) is PermissionDenied and "orders.primary" in exc.message


# --- replacing lines ------------------------------------------------------------------------


def test_replace_lines_while_draft(kit, world) -> None:
    order = _create(kit, P, _primary(world, (world.soap, 3)))
    with kit.session() as s:
        new = orders.replace_lines(
            s,
            ctx=kit.ctx,
            level=P,
            order_id=order.id,
            lines=[
                {"product_id": world.soap, "quantity": 1},
                {"product_id": world.gel, "quantity": 2},
            ],
        )
        assert [(ln.line_no, ln.quantity) for ln in new.lines] == [(1, 1), (2, 2)]
        assert new.total_amount == Decimal("36.35") + 2 * Decimal("36.00")
        assert new.version == 2
    with kit.store.reader() as r:
        again = orders.get_order(r, level=P, order_id=order.id)
        assert len(again.lines) == 2 and snapshot(r)["primary_lines"] == 2
        sync = outbox_crud.for_entity(r, entity="primary_orders", entity_id=order.id)
        assert [o.payload["version"] for o in sync] == [1, 2]
        trail = audit_crud.for_entity(r, entity="primary_orders", entity_id=order.id)
        assert trail[-1].action == "order.replace_lines"
        assert trail[-1].changes["lines"] == [1, 2]

    bad = [{"product_id": world.soap, "quantity": 1}, {"product_id": uuid.uuid4(), "quantity": 1}]
    exc = _refused(
        kit, lambda s, c: orders.replace_lines(s, ctx=c, level=P, order_id=order.id, lines=bad)
    )
    assert type(exc) is NotFound and exc.field == "lines.1.product_id"
    exc = _refused(
        kit,
        lambda s, c: orders.replace_lines(
            s, ctx=c, level=P, order_id=order.id, lines=[{"product_id": world.soap, "quantity": -4}]
        ),
    )
    assert type(exc) is ValidationFailed and exc.field == "lines.0.quantity"

    _to(kit, P, order.id, OrderStatus.CONFIRMED)
    exc = _refused(
        kit,
        lambda s, c: orders.replace_lines(
            s, ctx=c, level=P, order_id=order.id, lines=[{"product_id": world.soap, "quantity": 1}]
        ),
    )
    assert type(exc) is IllegalTransition and exc.field == "status"
    assert "only while it is a draft; it is confirmed" in exc.message


# --- dispatch -------------------------------------------------------------------------------


def test_dispatch_takes_stock_from_the_seller(kit, world) -> None:
    order = _create(kit, P, _primary(world, (world.soap, 30), (world.soap, 20)))
    _to(kit, P, order.id, OrderStatus.DISPATCHED)
    with kit.store.reader() as s:
        entries = inventory_crud.ledger_for_voucher(s, voucher_id=order.id)
        assert [(e.voucher_type, e.location_id, e.quantity, e.voucher_no) for e in entries] == [
            (VoucherType.DISPATCH, kit.location_id, -30, order.number),
            (VoucherType.DISPATCH, kit.location_id, -20, order.number),
        ]
        assert stock.on_hand(s, location_id=kit.location_id, product_id=world.soap) == 50


def test_dispatch_refused_without_enough_stock(kit, world) -> None:
    order = _create(kit, P, _primary(world, (world.soap, 60), (world.soap, 50)))
    _to(kit, P, order.id, OrderStatus.CONFIRMED)
    exc = _refused(kit, lambda s, c: orders.dispatch(s, ctx=c, level=P, order_id=order.id))
    assert type(exc) is InsufficientStock
    assert exc.field == "lines.1.quantity" and exc.available == 40  # 100 less line 0's 60
    assert "not enough stock of SOAP" in exc.message and "40 available, 50 requested" in (
        exc.message
    )
    with kit.store.reader() as s:
        assert orders.get_order(s, level=P, order_id=order.id).version == 2


def _gel_batches(kit, world) -> dict[str, uuid.UUID]:
    """Four batches of GEL in the depot: one expired, two dated, one without an expiry."""
    plan = [
        ("G-EXP", TODAY - timedelta(days=1), 50),
        ("G-LATE", TODAY + timedelta(days=300), 40),
        ("G-SOON", TODAY + timedelta(days=30), 20),
        ("G-NONE", None, 10),
    ]
    ids = {}
    with kit.session() as s:
        for code, expires, qty in plan:
            batch = add_batch(s, product_id=world.gel, code=code, expires_on=expires)
            receive(
                s,
                kit.ctx,
                location_id=kit.location_id,
                product_id=world.gel,
                quantity=qty,
                batch_id=batch.id,
            )
            ids[code] = batch.id
    return ids


def test_first_expiry_first_is_one_rule_for_stock_lists_and_dispatch(kit, world) -> None:
    """Two batches expiring the same day: the one made first leaves first, in the stock list
    (what the clerk and the demo read) and in a dispatch alike, whatever their codes say."""
    expires = TODAY + timedelta(days=90)
    ids = {}
    with kit.session() as s:
        for code, made in (
            ("A-NEW", TODAY - timedelta(days=2)),
            ("Z-OLD", TODAY - timedelta(days=9)),
        ):
            batch = add_batch(
                s, product_id=world.gel, code=code, expires_on=expires, manufactured_on=made
            )
            receive(
                s,
                kit.ctx,
                location_id=kit.location_id,
                product_id=world.gel,
                quantity=5,
                batch_id=batch.id,
            )
            ids[code] = batch.id
    with kit.store.reader() as s:
        listed = [
            b
            for b, _q, _e in stock.batches_on_hand(
                s, location_id=kit.location_id, product_id=world.gel
            )
        ]
    order = _create(kit, P, _primary(world, (world.gel, 7)))
    _to(kit, P, order.id, OrderStatus.DISPATCHED)
    with kit.store.reader() as s:
        taken = [e.batch_id for e in inventory_crud.ledger_for_voucher(s, voucher_id=order.id)]
    assert listed == [ids["Z-OLD"], ids["A-NEW"]]
    assert taken == listed


def test_fefo_allocation_splits_across_batches_and_skips_expired(kit, world) -> None:
    b = _gel_batches(kit, world)
    first = _create(kit, P, _primary(world, (world.gel, 50)))
    _to(kit, P, first.id, OrderStatus.DISPATCHED)
    with kit.store.reader() as s:
        taken = [
            (e.batch_id, e.quantity)
            for e in inventory_crud.ledger_for_voucher(s, voucher_id=first.id)
        ]
        assert taken == [(b["G-SOON"], -20), (b["G-LATE"], -30)]

    # 25 more: 10 left in G-LATE, 10 in G-NONE, the expired 50 cannot be used
    second = _create(kit, P, _primary(world, (world.gel, 25)))
    _to(kit, P, second.id, OrderStatus.CONFIRMED)
    exc = _refused(kit, lambda s, c: orders.dispatch(s, ctx=c, level=P, order_id=second.id))
    assert type(exc) is InsufficientStock and exc.field == "lines.0.quantity"
    assert exc.available == 20
    assert "20 available in unexpired batches, 25 requested" in exc.message
    assert "50 more in expired batches" in exc.message

    # two lines of the same product share the batches without counting units twice
    third = _create(kit, P, _primary(world, (world.gel, 12), (world.gel, 8)))
    _to(kit, P, third.id, OrderStatus.DISPATCHED)
    with kit.store.reader() as s:
        taken = [
            (e.batch_id, e.quantity)
            for e in inventory_crud.ledger_for_voucher(s, voucher_id=third.id)
        ]
        assert taken == [(b["G-LATE"], -10), (b["G-NONE"], -2), (b["G-NONE"], -8)]
        assert stock.on_hand(s, location_id=kit.location_id, product_id=world.gel) == 50
        assert (
            stock.on_hand(s, location_id=kit.location_id, product_id=world.gel, batch_id=b["G-EXP"])
            == 50
        )
        assert stock.verify(s).ok


def test_fefo_uses_a_batch_on_its_expiry_day(kit, world) -> None:
    b = _gel_batches(kit, world)
    order = _create(kit, P, _primary(world, (world.gel, 5), order_date=TODAY - timedelta(days=3)))
    _to(kit, P, order.id, OrderStatus.CONFIRMED)
    expiry_day_noon = datetime.combine(TODAY - timedelta(days=1), time(12)).astimezone(UTC)
    with kit.session() as s, frozen_at(expiry_day_noon):
        # dispatched on the day G-EXP expires, it is still usable and comes first
        orders.dispatch(s, ctx=kit.ctx, level=P, order_id=order.id)
        taken = [
            (e.batch_id, e.quantity)
            for e in inventory_crud.ledger_for_voucher(s, voucher_id=order.id)
        ]
        assert taken == [(b["G-EXP"], -5)]


def test_fixed_batch_is_used_as_given_and_expired_one_is_refused(kit, world) -> None:
    b = _gel_batches(kit, world)
    late = _primary(world)
    late["lines"] = [{"product_id": world.gel, "quantity": 4, "batch_id": b["G-LATE"]}]
    order = _create(kit, P, late)
    _to(kit, P, order.id, OrderStatus.DISPATCHED)
    with kit.store.reader() as s:
        taken = [
            (e.batch_id, e.quantity)
            for e in inventory_crud.ledger_for_voucher(s, voucher_id=order.id)
        ]
        assert taken == [(b["G-LATE"], -4)]

    expired = _primary(world)
    expired["lines"] = [{"product_id": world.gel, "quantity": 4, "batch_id": b["G-EXP"]}]
    order = _create(kit, P, expired)  # taking the order is allowed; dispatching it is not
    _to(kit, P, order.id, OrderStatus.CONFIRMED)
    exc = _refused(kit, lambda s, c: orders.dispatch(s, ctx=c, level=P, order_id=order.id))
    assert type(exc) is DomainError and exc.field == "lines.0.batch_id"
    expiry = (TODAY - timedelta(days=1)).isoformat()
    assert f"batch G-EXP of GEL expired on {expiry}" in exc.message

    too_many = _primary(world)
    too_many["lines"] = [{"product_id": world.gel, "quantity": 21, "batch_id": b["G-SOON"]}]
    order = _create(kit, P, too_many)
    _to(kit, P, order.id, OrderStatus.CONFIRMED)
    exc = _refused(kit, lambda s, c: orders.dispatch(s, ctx=c, level=P, order_id=order.id))
    assert type(exc) is InsufficientStock and exc.available == 20
    assert "GEL batch G-SOON" in exc.message


def test_dispatch_date_before_order_date_is_refused(kit, world) -> None:
    order = _create(kit, P, _primary(world))
    _to(kit, P, order.id, OrderStatus.CONFIRMED)
    exc = _refused(
        kit,
        lambda s, c: orders.dispatch(
            s, ctx=c, level=P, order_id=order.id, on=TODAY - timedelta(days=1)
        ),
    )
    assert type(exc) is DomainError and exc.field == "on"


def test_dispatch_only_by_the_site_owning_the_seller_location(kit, world) -> None:
    order = _create(kit, P, _primary(world))
    _to(kit, P, order.id, OrderStatus.CONFIRMED)
    exc = _refused(
        kit,
        lambda s, c: orders.dispatch(s, ctx=c, level=P, order_id=order.id),
        ctx=kit.ctx.for_site(world.chain.own_site_id),
    )
    assert type(exc) is WrongSite and exc.field == "order_id"
    assert "belongs to another site" in exc.message


def test_an_order_sells_from_the_writing_sites_own_location(kit, world) -> None:
    other_site = world.chain.own_site_id
    exc = _refused(
        kit,
        lambda s, c: orders.create_order(s, ctx=c, level=P, order_in=_primary(world)),
        ctx=kit.ctx.for_site(other_site),
    )
    assert type(exc) is WrongSite and exc.field == "seller_location_id"


def test_only_the_orders_site_confirms_or_cancels_it(kit, world) -> None:
    order = _create(kit, P, _primary(world))
    for ctx in (kit.ctx.for_site(world.chain.own_site_id), kit.ctx.for_site(None)):
        for action in (
            lambda s, c: orders.confirm(s, ctx=c, level=P, order_id=order.id),
            lambda s, c: orders.cancel(s, ctx=c, level=P, order_id=order.id, reason="not mine"),
        ):
            exc = _refused(kit, action, ctx=ctx)
            assert type(exc) is WrongSite and exc.field == "order_id"


def test_dispatch_cannot_be_dated_in_the_future(kit, world) -> None:
    order = _create(kit, P, _primary(world))
    _to(kit, P, order.id, OrderStatus.CONFIRMED)
    exc = _refused(
        kit,
        lambda s, c: orders.dispatch(
            s, ctx=c, level=P, order_id=order.id, on=TODAY + timedelta(days=1)
        ),
    )
    assert exc.field == "on" and "future" in exc.message


def test_back_dating_a_dispatch_does_not_ship_an_expired_batch(kit, world) -> None:
    b = _gel_batches(kit, world)
    expired = _primary(world, order_date=TODAY - timedelta(days=30))
    expired["lines"] = [{"product_id": world.gel, "quantity": 4, "batch_id": b["G-EXP"]}]
    order = _create(kit, P, expired)
    _to(kit, P, order.id, OrderStatus.CONFIRMED)
    exc = _refused(
        kit,
        lambda s, c: orders.dispatch(
            s, ctx=c, level=P, order_id=order.id, on=TODAY - timedelta(days=20)
        ),
    )
    assert exc.field == "lines.0.batch_id" and "expired" in exc.message


def test_a_concurrent_change_to_an_order_is_refused_not_overwritten(kit, world) -> None:
    """A copy read before someone else's change cannot overwrite it (the version must match)."""
    order = _create(kit, P, _primary(world))
    with kit.store.writer_sessions() as mine:
        with mine.begin():
            stale = orders.get_order(mine, level=P, order_id=order.id)
            assert (stale.version, stale.status) == (1, OrderStatus.DRAFT)
        with kit.session() as s:  # another clerk cancels it meanwhile
            orders.cancel(s, ctx=kit.ctx, level=P, order_id=order.id, reason="duplicate order")
        with pytest.raises(Conflict) as info, mine.begin():
            orders.confirm(mine, ctx=kit.ctx, level=P, order_id=order.id)  # still "draft" here
    assert info.value.field == "order_id" and "changed elsewhere" in info.value.message
    with kit.store.reader() as s:
        assert orders.get_order(s, level=P, order_id=order.id).status == OrderStatus.CANCELLED


# --- delivery -------------------------------------------------------------------------------


def test_primary_delivery_receives_what_was_dispatched(kit, world) -> None:
    b = _gel_batches(kit, world)
    order = _create(kit, P, _primary(world, (world.gel, 25), (world.soap, 5)))
    _to(kit, P, order.id, OrderStatus.DELIVERED)
    with kit.store.reader() as s:
        out = [
            (e.product_id, e.batch_id, -e.quantity)
            for e in inventory_crud.ledger_for_voucher(s, voucher_id=order.id)
        ]
        receipt = goods_receipts.get_for_order(s, order_id=order.id)
        assert receipt is not None and receipt.dispatch_no == order.number
        entries = inventory_crud.ledger_for_voucher(s, voucher_id=receipt.id)
        into = [(e.product_id, e.batch_id, e.quantity) for e in entries]
        assert (
            out
            == into
            == [
                (world.gel, b["G-SOON"], 20),
                (world.gel, b["G-LATE"], 5),
                (world.soap, None, 5),
            ]
        )
        assert {e.voucher_type for e in entries} == {VoucherType.RECEIPT}
        assert {e.location_id for e in entries} == {world.chain.stock_point_id}
        point = world.chain.stock_point_id
        assert stock.on_hand(s, location_id=point, product_id=world.gel) == 25
        assert stock.verify(s).ok


def test_delivery_only_by_the_site_owning_the_buyer_location(kit, world) -> None:
    own = world.chain.own_distributor
    order = _create(kit, P, _primary(world, (world.soap, 8), distributor_id=own.id))
    assert order.buyer_location_id == world.chain.own_stock_point_id
    _to(kit, P, order.id, OrderStatus.DISPATCHED)
    receive_here = lambda s, c: goods_receipts.receive_primary(s, ctx=c, order_id=order.id)  # noqa: E731
    exc = _refused(kit, receive_here)
    assert type(exc) is WrongSite and exc.field == "order_id"
    assert "belongs to" in exc.message and "only that site's installation" in exc.message
    # nor may the seller mark it delivered before the buyer's receipt exists
    exc = _refused(kit, lambda s, c: orders.deliver(s, ctx=c, level=P, order_id=order.id))
    assert type(exc) is DomainError and "no goods receipt" in exc.message
    with kit.store.reader() as s:
        assert orders.get_order(s, level=P, order_id=order.id).status == OrderStatus.DISPATCHED

    # the distributor's own installation receives it; then the seller marks it delivered
    with kit.session() as s:
        ctx = kit.ctx.for_site(world.chain.own_site_id)
        goods_receipts.receive_primary(s, ctx=ctx, order_id=order.id)
        assert orders.get_order(s, level=P, order_id=order.id).status == OrderStatus.DISPATCHED
        assert (
            stock.on_hand(s, location_id=world.chain.own_stock_point_id, product_id=world.soap) == 8
        )
    with kit.session() as s:
        orders.deliver(s, ctx=kit.ctx, level=P, order_id=order.id)
        assert orders.get_order(s, level=P, order_id=order.id).status == OrderStatus.DELIVERED


def test_secondary_moves_stock_at_dispatch_and_only_status_at_delivery(kit, world) -> None:
    point = world.chain.stock_point_id
    with kit.session() as s:
        receive(s, kit.ctx, location_id=point, product_id=world.soap, quantity=12)
    order = _create(kit, S, _secondary(world, (world.soap, 12)))
    _to(kit, S, order.id, OrderStatus.DISPATCHED)
    with kit.store.reader() as s:
        before = snapshot(s)["ledger"]
        assert stock.on_hand(s, location_id=point, product_id=world.soap) == 0
    with kit.session() as s:
        orders.deliver(s, ctx=kit.ctx, level=S, order_id=order.id)
    with kit.store.reader() as s:
        assert snapshot(s)["ledger"] == before
        assert orders.get_order(s, level=S, order_id=order.id).status == OrderStatus.DELIVERED


def test_tertiary_moves_stock_only_with_a_seller_location(kit, world) -> None:
    plain = _create(kit, T, _tertiary(world, (world.soap, 2)))
    with kit.store.reader() as s:
        before = snapshot(s)["ledger"]
    _to(kit, T, plain.id, OrderStatus.DELIVERED)
    with kit.store.reader() as s:
        assert snapshot(s)["ledger"] == before

    with kit.session() as s:
        shelf = add_location(s, kit.ctx, site_id=kit.site_id, party_id=world.chain.retailer.id)
        receive(s, kit.ctx, location_id=shelf, product_id=world.soap, quantity=6)
    tracked = _create(kit, T, _tertiary(world, (world.soap, 2), seller_location_id=shelf))
    _to(kit, T, tracked.id, OrderStatus.DELIVERED)
    with kit.store.reader() as s:
        assert stock.on_hand(s, location_id=shelf, product_id=world.soap) == 4
        kinds = [
            e.voucher_type for e in inventory_crud.ledger_for_voucher(s, voucher_id=tracked.id)
        ]
        assert kinds == [VoucherType.DISPATCH]


# --- reads ----------------------------------------------------------------------------------


def test_get_by_number_and_page_orders(kit, world) -> None:
    with kit.session() as s:
        second_dist = add_distributor(s, code="ZED01")
        sites.create_location(
            s,
            ctx=kit.ctx,
            location_in={
                "site_id": kit.site_id,
                "code": "ZED-PT",
                "name": "Zed stock",
                "kind": LocationKind.DISTRIBUTOR_STOCK,
                "party_id": second_dist.id,
            },
        )
        add_retailer(s, distributor_id=second_dist.id)
    days = [TODAY - timedelta(days=d) for d in (4, 3, 2, 1, 0)]
    made = []
    for i, day in enumerate(days):
        dist = second_dist.id if i % 2 else world.chain.distributor.id
        made.append(
            _create(
                kit, P, _primary(world, (world.soap, i + 1), order_date=day, distributor_id=dist)
            )
        )
    _to(kit, P, made[0].id, OrderStatus.CONFIRMED)
    _to(kit, P, made[1].id, OrderStatus.CANCELLED)
    ter = _create(kit, T, _tertiary(world, consumer_name="Ravi Kumar"))

    with kit.store.reader() as s:
        found = orders.get_by_number(s, number=made[2].number.lower())
        assert found.id == made[2].id
        assert orders.get_by_number(s, number=ter.number, level=T).id == ter.id
        with pytest.raises(NotFound) as nf:
            orders.get_by_number(s, number=f"DEP01-S-{YEAR}-000009")
        assert nf.value.field == "number"
        with pytest.raises(DomainError) as bad:
            orders.get_by_number(s, number="nonsense")
        assert bad.value.field == "number"

        rows = orders.page_orders(s, level=P)
        assert [r.number for r in rows] == [m.number for m in reversed(made)]  # newest first
        assert rows[-1].counterparty_code == world.chain.distributor.code
        assert rows[-1].total_amount == Decimal("36.35") and rows[-1].level == P
        assert [r.number for r in orders.page_orders(s, level=P, sort="number")] == [
            m.number for m in made
        ]
        assert [r.number for r in orders.page_orders(s, level=P, offset=1, limit=2)] == [
            made[3].number,
            made[2].number,
        ]
        drafts = orders.page_orders(s, level=P, status=OrderStatus.DRAFT)
        assert {r.id for r in drafts} == {m.id for m in made[2:]}
        assert orders.count_orders(s, level=P, status="draft") == 3
        zed = orders.page_orders(s, level=P, party_id=second_dist.id)
        assert {r.id for r in zed} == {made[1].id, made[3].id}
        window = orders.page_orders(s, level=P, since=days[1], until=days[3])
        assert {r.id for r in window} == {made[1].id, made[2].id, made[3].id}
        assert orders.count_orders(s, level=P, since=days[1], until=days[3]) == 3
        assert {r.id for r in orders.page_orders(s, level=P, search="zed01")} == {
            made[1].id,
            made[3].id,
        }
        assert [r.id for r in orders.page_orders(s, level=P, search=made[4].number[-6:])] == [
            made[4].id
        ]
        assert orders.count_orders(s, level=P, search="100%") == 0  # wildcards are literal
        assert [r.id for r in orders.page_orders(s, level=T, search="ravi")] == [ter.id]
        assert orders.count_orders(s, level=T, party_id=world.chain.retailer.id) == 1
        assert orders.count_orders(s, level=S) == 0
        with pytest.raises(DomainError) as bad_sort:
            orders.page_orders(s, level=P, sort="-secret")
        assert bad_sort.value.field == "sort"

        viewer = context_with(kit.ctx, "orders.view")
        assert orders.count_orders(s, level=P, ctx=viewer) == 5
        stranger = context_with(kit.ctx, "stock.view")
        for read in (
            lambda: orders.page_orders(s, level=P, ctx=stranger),
            lambda: orders.count_orders(s, level=P, ctx=stranger),
            lambda: orders.get_order(s, level=P, order_id=made[0].id, ctx=stranger),
            lambda: orders.get_by_number(s, number=made[0].number, ctx=stranger),
        ):
            with pytest.raises(PermissionDenied) as denied:
                read()
            assert "orders.view" in denied.value.message
        with pytest.raises(NotFound) as missing:
            orders.get_order(s, level=P, order_id=uuid.uuid4())
        assert missing.value.field == "order_id"


def test_the_refusal_check_catches_a_service_that_writes_before_refusing(kit, world) -> None:
    def writes_then_refuses(s, c) -> None:
        orders.create_order(s, ctx=c, level=P, order_in=_primary(world))
        raise DomainError("refused after writing")

    with pytest.raises(AssertionError, match="wrote before it refused"):
        _refused(kit, writes_then_refuses)
