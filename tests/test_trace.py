"""Batch trace for a recall: from the factory's production through primary, secondary and
tertiary orders, with the stock left at each location."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import event

from hom.core.clock import DEFAULT_TIME_ZONE, today_in
from hom.core.errors import DomainError, NotFound
from hom.models.enums import LocationKind, OrderLevel, OrderStatus, SiteKind, VoucherType
from hom.services import goods_receipts, orders, production, trace
from tests.utils.builders import add_location, add_product, add_site
from tests.utils.order_builders import Chain, make_chain

P, S, T = OrderLevel.PRIMARY, OrderLevel.SECONDARY, OrderLevel.TERTIARY
TODAY = today_in(DEFAULT_TIME_ZONE)  # the sites' calendar (India), not the machine's
YESTERDAY = TODAY - timedelta(days=1)


@dataclass
class Recall:
    chain: Chain
    factory_id: uuid.UUID
    factory_fg: uuid.UUID
    gel: uuid.UUID
    batch_id: uuid.UUID
    log_ids: list[uuid.UUID]
    primary: str
    receipt: str
    secondary: str
    tertiary: str


def _walk(session, ctx, level, order_id, *steps) -> None:
    for step in steps:
        getattr(orders, step)(session, ctx=ctx, level=level, order_id=order_id)


def _recall_world(kit) -> Recall:
    """FAC01 makes batch LOT-7 of GEL; it sells 60 to the distributor (whose stock DEP01 keeps),
    the distributor sells 25 to its retailer, the retailer sells 2 to a consumer."""
    with kit.session() as s:
        chain = make_chain(s, kit)
        factory = add_site(s, kit.ctx, code="FAC01", kind=SiteKind.FACTORY)
        fg = add_location(
            s, kit.ctx, site_id=factory, code="FAC01-FG", kind=LocationKind.FINISHED_GOODS
        )
        gel = add_product(s, sku="GEL-50", name="Gel 50 ml", track_batches=True)
        gel.shelf_life_days = 365
        # the same code on another product: a trace by code alone is ambiguous
        cream = add_product(s, sku="CREAM-9", track_batches=True)
        s.flush()
        fac = kit.ctx.for_site(factory)

        def log(product, code, qty, shift="A"):
            return production.post_log(
                s,
                ctx=fac,
                log_in={
                    "production_date": YESTERDAY,
                    "shift": shift,
                    "product_id": product,
                    "batch_code": code,
                    "good_qty": qty,
                    "rejected_qty": 1,
                },
            )

        first = log(gel.id, "LOT-7", 100)
        extra = log(gel.id, "LOT-7", 20, shift="B")
        reversal = production.reverse_log(s, ctx=fac, log_id=extra.id, reason="counted twice")
        log(gel.id, "LOT-8", 500)  # a later batch: FEFO takes LOT-7 first
        log(cream.id, "LOT-7", 5)

        # primary: the factory sells to the distributor; the depot receives into its stock point
        po = orders.create_order(
            s,
            ctx=fac,
            level=P,
            order_in={
                "seller_location_id": fg,
                "distributor_id": chain.distributor.id,
                "lines": [{"product_id": gel.id, "quantity": 60}],
            },
        )
        _walk(s, fac, P, po.id, "confirm", "dispatch")
        receipt = goods_receipts.receive_primary(s, ctx=kit.ctx, order_id=po.id)
        orders.deliver(s, ctx=fac, level=P, order_id=po.id)  # the seller, once it has the receipt

        # secondary: the distributor sells to its retailer from the stock point
        so = orders.create_order(
            s,
            ctx=kit.ctx,
            level=S,
            order_in={
                "distributor_id": chain.distributor.id,
                "retailer_id": chain.retailer.id,
                "lines": [{"product_id": gel.id, "quantity": 25}],
            },
        )
        _walk(s, kit.ctx, S, so.id, "confirm", "dispatch", "deliver")

        # tertiary: the retailer's sale, no stock point, the batch read off the pack
        to = orders.create_order(
            s,
            ctx=kit.ctx,
            level=T,
            order_in={
                "retailer_id": chain.retailer.id,
                "consumer_name": "Meera Iyer",
                "consumer_phone": "90000 11111",
                "lines": [{"product_id": gel.id, "quantity": 2, "batch_id": first.batch_id}],
            },
        )
        # an order of another batch, which the trace must leave out
        other = orders.create_order(
            s,
            ctx=fac,
            level=P,
            order_in={
                "seller_location_id": fg,
                "distributor_id": chain.distributor.id,
                "lines": [{"product_id": gel.id, "quantity": 5}],
            },
        )
        _walk(s, fac, P, other.id, "confirm")
        return Recall(
            chain=chain,
            factory_id=factory,
            factory_fg=fg,
            gel=gel.id,
            batch_id=first.batch_id,
            log_ids=[first.id, extra.id, reversal.id],
            primary=po.number,
            receipt=receipt.number,
            secondary=so.number,
            tertiary=to.number,
        )


def test_full_trace_from_production_to_the_consumer(kit) -> None:
    w = _recall_world(kit)
    with kit.store.reader() as s:
        t = trace.trace_batch(s, batch_code=" lot-7 ", sku="gel-50")

    assert t.batch.id == w.batch_id and t.batch.code == "LOT-7"
    assert (t.batch.sku, t.batch.product_name, t.batch.factory_code) == (
        "GEL-50",
        "Gel 50 ml",
        "FAC01",
    )
    assert t.batch.manufactured_on == YESTERDAY
    assert t.batch.expires_on == YESTERDAY + timedelta(days=365)

    assert [p.log_id for p in t.production] == w.log_ids
    assert [(p.good_qty, p.reversed, p.reverses_id) for p in t.production] == [
        (100, False, None),
        (20, True, None),
        (-20, False, w.log_ids[1]),
    ]
    assert {(p.site_code, p.production_date) for p in t.production} == {("FAC01", YESTERDAY)}
    assert t.produced == 100

    by_code = {loc.code: loc for loc in t.locations}
    assert set(by_code) == {"FAC01-FG", _code_of(kit, w.chain.stock_point_id)}
    fg = by_code["FAC01-FG"]
    assert [(m.voucher_type, m.quantity) for m in fg.movements] == [
        (VoucherType.PRODUCTION, 100),
        (VoucherType.PRODUCTION, 20),
        (VoucherType.PRODUCTION_REVERSAL, -20),
        (VoucherType.DISPATCH, -60),
    ]
    assert (fg.on_hand, fg.received, fg.issued, fg.site_code) == (40, 120, 80, "FAC01")
    point = by_code[_code_of(kit, w.chain.stock_point_id)]
    assert point.kind == LocationKind.DISTRIBUTOR_STOCK and point.site_code == "DEP01"
    assert [(m.voucher_type, m.quantity, m.voucher_no) for m in point.movements] == [
        (VoucherType.RECEIPT, 60, w.receipt),
        (VoucherType.DISPATCH, -25, w.secondary),
    ]
    assert t.on_hand == 40 + 35

    assert [(o.level, o.number, o.quantity, o.status) for o in t.orders] == [
        (P, w.primary, 60, OrderStatus.DELIVERED),
        (S, w.secondary, 25, OrderStatus.DELIVERED),
        (T, w.tertiary, 2, OrderStatus.DRAFT),
    ]
    primary, secondary, tertiary = t.orders
    assert (primary.counterparty_code, primary.counterparty_name) == (
        w.chain.distributor.code,
        w.chain.distributor.name,
    )
    assert primary.number.startswith("FAC01-P-")
    assert secondary.counterparty_id == w.chain.retailer.id
    assert tertiary.counterparty_code == w.chain.retailer.code
    assert (tertiary.consumer_name, tertiary.consumer_phone) == ("Meera Iyer", "90000 11111")
    assert t.orders_of(S) == [secondary]


def _code_of(kit, location_id) -> str:
    from hom.services import sites

    with kit.store.reader() as s:
        return sites.get_location(s, location_id).code


def test_trace_refusals(kit) -> None:
    _recall_world(kit)
    with kit.store.reader() as s:
        with pytest.raises(DomainError) as ambiguous:
            trace.trace_batch(s, batch_code="LOT-7")
        assert ambiguous.value.field == "sku"
        assert "used by 2 products (CREAM-9, GEL-50)" in ambiguous.value.message
        assert "give the SKU" in ambiguous.value.message

        with pytest.raises(NotFound) as missing:
            trace.trace_batch(s, batch_code="LOT-404")
        assert missing.value.field == "batch_code" and "LOT-404" in missing.value.message

        with pytest.raises(NotFound) as wrong_sku:
            trace.trace_batch(s, batch_code="LOT-8", sku="CREAM-9")
        assert wrong_sku.value.field == "sku"

        with pytest.raises(DomainError) as bad:
            trace.trace_batch(s, batch_code="lot 7")
        assert bad.value.field == "batch_code"

        # a code used by one product alone needs no SKU
        assert trace.trace_batch(s, batch_code="LOT-8").batch.sku == "GEL-50"
        assert {b.sku for b in trace.find_batches(s, batch_code="lot-7")} == {"GEL-50", "CREAM-9"}


def test_trace_costs_the_same_queries_whatever_the_number_of_orders(kit) -> None:
    w = _recall_world(kit)

    def queries() -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, *args) -> None:
            seen.append(statement)

        event.listen(kit.store.engine, "before_cursor_execute", count)
        try:
            with kit.store.reader() as s:
                trace.trace_batch(s, batch_code="LOT-7", sku="GEL-50")
        finally:
            event.remove(kit.store.engine, "before_cursor_execute", count)
        return len(seen)

    before = queries()
    with kit.session() as s:
        for _ in range(6):
            o = orders.create_order(
                s,
                ctx=kit.ctx,
                level=S,
                order_in={
                    "distributor_id": w.chain.distributor.id,
                    "retailer_id": w.chain.retailer.id,
                    "lines": [{"product_id": w.gel, "quantity": 1}],
                },
            )
            _walk(s, kit.ctx, S, o.id, "confirm", "dispatch")
    with kit.store.reader() as s:
        assert len(trace.trace_batch(s, batch_code="LOT-7", sku="GEL-50").orders_of(S)) == 7
    assert queries() == before
