"""The dashboard's figures against sums worked out by hand on a small known data set.

Today is T. The period is T-9 … T (10 days); the previous period is T-19 … T-10.
Zone N holds distributor D1 and retailer R1, zone S holds D2 and R2.

Primary:   PO1 D1 T-1 confirmed  P1 10 × 36.00 + P2 5 × 20.00 = 460.00
           PO2 D2 T-2 delivered  P1 20 × 36.00                = 720.00
           PO3 D1 T-3 cancelled, PO4 D1 T-3 draft, PO5 D2 T-15 confirmed: not counted
Secondary: SO1 D1→R1 T-1 dispatched P1 4 × 40.00   = 160.00
           SO2 D2→R2 T   confirmed  P3 3 × 15.50   =  46.50
Tertiary:  TO1 R1 T delivered       P1 2 × 45.00   =  90.00
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest

from hom.core.errors import PermissionDenied, ValidationFailed
from hom.models import (
    Batch,
    GeoNode,
    Party,
    PrimaryOrder,
    PrimaryOrderLine,
    ProductionLog,
    SecondaryOrder,
    SecondaryOrderLine,
    Site,
    TertiaryOrder,
    TertiaryOrderLine,
    User,
)
from hom.models.enums import GeoLevel, OrderLevel, OrderStatus, PartyKind, Shift, SiteKind
from hom.services import dashboards, stock
from hom.services.dashboards import DashboardFilter
from hom.services.production import local_today
from tests.utils.builders import add_location, add_product, add_site, context_with

T = local_today()  # the ledger stamps entries with the real clock
D = Decimal
_n = itertools.count(1)


def _geo(s, prefix: str) -> dict[str, uuid.UUID]:
    ids, parent = {}, None
    for level, name in zip(GeoLevel, ("ZON", "STA", "REG", "ARE", "T1"), strict=True):
        node = GeoNode(
            level=int(level),
            code=f"{prefix}-{name}",
            name=f"{prefix} {name.lower()}",
            name_key=f"{prefix}-{name}".lower(),
            parent_id=parent,
        )
        s.add(node)
        s.flush()
        ids[name] = parent = node.id
    return ids


def _order(s, model, line_model, *, kit, day, status, lines, **parties):
    total = sum((D(price) * qty for _p, qty, price in lines), D(0))
    order = model(
        number=f"X-{next(_n):05d}",
        site_id=kit.site_id,
        order_date=day,
        status=status,
        total_amount=total,
        **parties,
    )
    order.lines = [
        line_model(
            line_no=i,
            product_id=p,
            quantity=qty,
            unit_price=D(price),
            line_total=D(price) * qty,
        )
        for i, (p, qty, price) in enumerate(lines, 1)
    ]
    s.add(order)


@pytest.fixture
def data(kit):
    with kit.session() as s:
        north, south = _geo(s, "N"), _geo(s, "S")
        s.get(Site, kit.site_id).geo_node_id = north["REG"]
        p1 = add_product(s, sku="P1", name="Neem soap")
        p2 = add_product(s, sku="P2", name="Rose soap")
        p3 = add_product(s, sku="P3", name="Tea", track_batches=True)
        p2.reorder_level = 50
        parties = {}
        for code, kind, terr, dist in (
            ("D1", PartyKind.DISTRIBUTOR, north["T1"], None),
            ("D2", PartyKind.DISTRIBUTOR, south["T1"], None),
            ("R1", PartyKind.RETAILER, north["T1"], "D1"),
            ("R2", PartyKind.RETAILER, south["T1"], "D2"),
        ):
            party = Party(
                kind=kind,
                code=code,
                name=f"Party {code}",
                territory_id=terr,
                distributor_id=parties[dist].id if dist else None,
            )
            s.add(party)
            s.flush()
            parties[code] = party
        loc = kit.location_id
        prim = {"seller_location_id": loc, "buyer_location_id": loc}
        for dist, day, status, lines in (
            ("D1", T - timedelta(1), OrderStatus.CONFIRMED, [(p1.id, 10, "36"), (p2.id, 5, "20")]),
            ("D2", T - timedelta(2), OrderStatus.DELIVERED, [(p1.id, 20, "36")]),
            ("D1", T - timedelta(3), OrderStatus.CANCELLED, [(p1.id, 100, "36")]),
            ("D1", T - timedelta(3), OrderStatus.DRAFT, [(p2.id, 1, "20")]),
            ("D2", T - timedelta(15), OrderStatus.CONFIRMED, [(p1.id, 1, "36")]),
        ):
            _order(
                s,
                PrimaryOrder,
                PrimaryOrderLine,
                kit=kit,
                day=day,
                status=status,
                lines=lines,
                distributor_id=parties[dist].id,
                **prim,
            )
        for dist, ret, day, status, lines in (
            ("D1", "R1", T - timedelta(1), OrderStatus.DISPATCHED, [(p1.id, 4, "40")]),
            ("D2", "R2", T, OrderStatus.CONFIRMED, [(p3.id, 3, "15.50")]),
        ):
            _order(
                s,
                SecondaryOrder,
                SecondaryOrderLine,
                kit=kit,
                day=day,
                status=status,
                lines=lines,
                distributor_id=parties[dist].id,
                retailer_id=parties[ret].id,
                seller_location_id=loc,
            )
        _order(
            s,
            TertiaryOrder,
            TertiaryOrderLine,
            kit=kit,
            day=T,
            status=OrderStatus.DELIVERED,
            lines=[(p1.id, 2, "45")],
            retailer_id=parties["R1"].id,
        )
        # Production: F1 in the north, F2 in the south.
        f1 = add_site(s, kit.ctx, code="F1", kind=SiteKind.FACTORY)
        f2 = add_site(s, kit.ctx, code="F2", kind=SiteKind.FACTORY)
        s.get(Site, f1).geo_node_id = north["REG"]
        s.get(Site, f2).geo_node_id = south["REG"]
        for site, day, good in (
            (f1, T - timedelta(1), 100),
            (f1, T - timedelta(1), 50),
            (f1, T, 70),
            (f1, T, -20),  # a reversal
            (f1, T - timedelta(11), 120),  # the previous period's day matching T-1
            (f2, T - timedelta(5), 30),
        ):
            s.add(
                ProductionLog(
                    site_id=site,
                    location_id=loc,
                    production_date=day,
                    shift=Shift.A,
                    product_id=p1.id,
                    good_qty=good,
                    rejected_qty=0,
                )
            )
        s.flush()
        # Stock: P1 500 in, 100 moved to L2; P2 10 (below its level of 50); P3 in two batches.
        l2 = add_location(s, kit.ctx, site_id=kit.site_id, code="DEP01-L2")
        b1 = Batch(product_id=p3.id, code="B1", expires_on=T + timedelta(20))
        b2 = Batch(product_id=p3.id, code="B2", expires_on=T + timedelta(200))
        s.add_all([b1, b2])
        s.flush()
        for product, qty, batch in ((p1, 500, None), (p2, 10, None), (p3, 30, b1), (p3, 7, b2)):
            stock.receive(
                s,
                ctx=kit.ctx,
                receipt_in={
                    "location_id": loc,
                    "product_id": product.id,
                    "quantity": qty,
                    "batch_id": batch.id if batch else None,
                },
            )
        stock.transfer(
            s,
            ctx=kit.ctx,
            transfer_in={
                "from_location_id": loc,
                "to_location_id": l2,
                "product_id": p1.id,
                "quantity": 100,
                "reason": "restock",
            },
        )
    return {"north": north, "south": south, "kit": kit}


def load(kit, **kw):
    today = kw.pop("today", date.today())
    ctx = kw.pop("ctx", None) or kit.ctx
    flt = DashboardFilter(since=T - timedelta(9), until=T, **kw)
    with kit.store.reader() as s:
        return dashboards.load(s, ctx=ctx, flt=flt, today=today)


def test_sales_totals_per_level_and_over_time(data):
    dash = load(data["kit"])
    assert dash.totals == {
        OrderLevel.PRIMARY: D("1180.00"),
        OrderLevel.SECONDARY: D("206.50"),
        OrderLevel.TERTIARY: D("90.00"),
    }
    assert not dash.weekly and len(dash.sales) == 10
    by_day = {p.start: (p.primary, p.secondary, p.tertiary) for p in dash.sales}
    assert by_day[T - timedelta(1)] == (D("460.00"), D("160.00"), D("0.00"))
    assert by_day[T - timedelta(2)] == (D("720.00"), D("0.00"), D("0.00"))
    assert by_day[T] == (D("0.00"), D("46.50"), D("90.00"))
    assert by_day[T - timedelta(3)] == (D("0.00"), D("0.00"), D("0.00"))  # cancelled, draft


def test_sales_by_zone_and_by_state(data):
    dash = load(data["kit"])
    assert [(g.code, g.primary, g.secondary, g.tertiary, g.total) for g in dash.sales_by_geo] == [
        ("S-ZON", D("720.00"), D("46.50"), D("0.00"), D("766.50")),
        ("N-ZON", D("460.00"), D("160.00"), D("90.00"), D("710.00")),
    ]
    states = load(data["kit"], geo_level=GeoLevel.STATE).sales_by_geo
    assert [g.code for g in states] == ["S-STA", "N-STA"]


def test_geography_filter_keeps_one_zone(data):
    dash = load(data["kit"], geo_node_id=data["north"]["ZON"])
    assert dash.scope_name == "N zon"
    assert dash.totals[OrderLevel.PRIMARY] == D("460.00")
    assert dash.totals[OrderLevel.SECONDARY] == D("160.00")
    assert dash.totals[OrderLevel.TERTIARY] == D("90.00")
    assert [g.code for g in dash.sales_by_geo] == ["N-ZON"]
    assert dash.production_total == 200  # F1 only
    assert [d.code for d in dash.top_distributors] == ["D1"]
    south = load(data["kit"], geo_node_id=data["south"]["ZON"])
    assert south.stock == [] and south.near_expiry == []  # the depot stands in the north


def test_top_products_and_distributors(data):
    dash = load(data["kit"])
    assert [(p.sku, p.quantity, p.primary, p.secondary, p.tertiary) for p in dash.top_products] == [
        ("P1", 36, D("1080.00"), D("160.00"), D("90.00")),
        ("P2", 5, D("100.00"), D("0.00"), D("0.00")),
        ("P3", 3, D("0.00"), D("46.50"), D("0.00")),
    ]
    assert [(d.code, d.bought, d.sold) for d in dash.top_distributors] == [
        ("D2", D("720.00"), D("46.50")),
        ("D1", D("460.00"), D("160.00")),
    ]


def test_production_against_the_previous_period(data):
    dash = load(data["kit"])
    rows = {
        (f.site_code, f.day): (f.good, f.previous_day, f.previous_good) for f in dash.production
    }
    assert len(dash.production) == 20  # two factories × ten days
    assert rows[("F1", T - timedelta(1))] == (150, T - timedelta(11), 120)
    assert rows[("F1", T)] == (50, T - timedelta(10), 0)
    assert rows[("F2", T - timedelta(5))] == (30, T - timedelta(15), 0)
    assert (dash.production_total, dash.production_previous_total) == (230, 120)


def test_stock_cover_low_stock_and_expiry(data):
    dash = load(data["kit"], today=T)
    by_code = {s.code: s for s in dash.stock}
    home = by_code[next(c for c in by_code if c != "DEP01-L2")]
    assert (home.on_hand, home.outflow, home.products, home.low) == (400 + 10 + 37, 100, 3, 1)
    assert home.days_of_cover == 447 * 10 // 100  # 44 days at 10 a day
    assert (by_code["DEP01-L2"].on_hand, by_code["DEP01-L2"].days_of_cover) == (100, None)
    assert [(lo.sku, lo.on_hand, lo.reorder_level) for lo in dash.low_stock] == [("P2", 10, 50)]
    assert [(b.batch, b.quantity, b.days_left) for b in dash.near_expiry] == [("B1", 30, 20)]
    assert [b.batch for b in load(data["kit"], today=T, expiry_days=365).near_expiry] == [
        "B1",
        "B2",
    ]


def test_long_ranges_chart_by_week(data):
    kit = data["kit"]
    flt = DashboardFilter(since=T - timedelta(89), until=T)
    with kit.store.reader() as s:
        dash = dashboards.load(s, ctx=kit.ctx, flt=flt)
    assert dash.weekly
    assert all(p.start.weekday() == 0 for p in dash.sales)
    assert sum(p.primary for p in dash.sales) == D("1216.00")  # PO5 (T-15) is in range now


def test_refusals_permission_scope_and_range(data):
    kit = data["kit"]
    with pytest.raises(PermissionDenied, match=r"dashboards\.view"):
        load(kit, ctx=context_with(kit.ctx, "stock.view"))
    with kit.session() as s:
        s.get(User, kit.ctx.user_id).geo_node_id = data["north"]["ZON"]
    assert load(kit).totals[OrderLevel.PRIMARY] == D("460.00")  # the user's own zone
    with pytest.raises(PermissionDenied) as refused:
        load(kit, geo_node_id=data["south"]["ZON"])
    assert refused.value.field == "geo_node_id"
    with kit.store.reader() as s, pytest.raises(ValidationFailed) as bad:
        dashboards.load(s, ctx=kit.ctx, flt=DashboardFilter(since=T, until=T - timedelta(1)))
    assert bad.value.field == "until"
