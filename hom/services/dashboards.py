"""The managers' dashboard: what sold, what was made and what is in stock, for a date range and
a part of the country, read from the local store (it works offline).

Every figure is an SQL aggregate (``crud.dashboards``); this module decides what the figures mean:
which orders count as sales, which vouchers are outflows, what "days of cover" is, and whose
geography a user may read. It returns plain frozen dataclasses (they cross threads and outlive
the session). Reading a dashboard needs the permission ``dashboards.view``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from hom.core.clock import to_local, utcnow
from hom.core.errors import NotFound, PermissionDenied, ValidationFailed
from hom.crud import dashboards as dash_crud
from hom.crud import geography as geo_crud
from hom.crud import user as user_crud
from hom.models.base import MONEY_SCALE
from hom.models.enums import GeoLevel, LocationKind, OrderLevel, OrderStatus, VoucherType
from hom.services.context import ActorContext
from hom.services.permissions import require

SALE_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.DISPATCHED, OrderStatus.DELIVERED)
"""An order counts as a sale once confirmed (drafts may change; cancelled ones never happened)."""

OUTFLOW_VOUCHERS = (VoucherType.DISPATCH, VoucherType.TRANSFER_OUT)
"""Stock leaving a location for use elsewhere: what days of cover are measured against."""

WATCHED_KINDS = (LocationKind.WAREHOUSE, LocationKind.FINISHED_GOODS)
"""Reorder levels are the company's figures for its own stores (as in the stock view)."""

GEO_GROUP_LEVELS = (GeoLevel.ZONE, GeoLevel.STATE, GeoLevel.REGION)
MAX_DAYS = 366
LIST_LIMIT = 5
"""Lists (low stock, batches near expiry) hold up to this many times ``top`` rows."""
WEEKLY_AFTER_DAYS = 45
"""Longer ranges chart sales by week (Monday first) instead of by day."""


def _money(minor: int) -> Decimal:
    return Decimal(minor).scaleb(-MONEY_SCALE).quantize(Decimal(1).scaleb(-MONEY_SCALE))


@dataclass(frozen=True)
class DashboardFilter:
    since: date
    until: date
    geo_node_id: uuid.UUID | None = None
    """Only this part of the country (a node and everything below it); None: the user's scope."""
    geo_level: GeoLevel = GeoLevel.ZONE
    """How sales by geography are grouped: zone, state or region."""
    expiry_days: int = 60
    """Batches expiring within this many days of today are listed."""
    top: int = 10

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def previous(self) -> tuple[date, date]:
        """The period of the same length just before this one."""
        return self.since - timedelta(days=self.days), self.since - timedelta(days=1)


@dataclass(frozen=True, kw_only=True)
class ByLevel:
    """A value per order level (primary, secondary, tertiary)."""

    primary: Decimal
    secondary: Decimal
    tertiary: Decimal

    def value(self, level: OrderLevel) -> Decimal:
        return getattr(self, level.value)

    @property
    def total(self) -> Decimal:
        return self.primary + self.secondary + self.tertiary


def _by_level(minor: dict[OrderLevel, int]) -> dict[str, Decimal]:
    """``ByLevel`` fields from minor units per level."""
    return {level.value: _money(minor.get(level, 0)) for level in OrderLevel}


@dataclass(frozen=True, kw_only=True)
class SalesPoint(ByLevel):
    start: date
    """The day (or the Monday of the week) this point sums."""


@dataclass(frozen=True, kw_only=True)
class GeoSales(ByLevel):
    code: str
    name: str


@dataclass(frozen=True)
class FactoryDay:
    site_code: str
    site_name: str
    day: date
    good: int
    previous_day: date
    previous_good: int


@dataclass(frozen=True)
class LocationStock:
    code: str
    name: str
    kind: LocationKind
    on_hand: int
    outflow: int
    """Units that left in the period (dispatches and transfers out)."""
    days_of_cover: int | None
    """How many days the stock lasts at the period's average outflow; None without outflow."""
    products: int
    low: int


@dataclass(frozen=True)
class LowStock:
    location_code: str
    sku: str
    name: str
    on_hand: int
    reorder_level: int


@dataclass(frozen=True, kw_only=True)
class TopProduct(ByLevel):
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True)
class TopDistributor:
    code: str
    name: str
    bought: Decimal
    """Primary orders: what the distributor bought from the company."""
    sold: Decimal
    """Secondary orders: what it sold on to retailers."""


@dataclass(frozen=True)
class ExpiringBatch:
    batch: str
    sku: str
    name: str
    location_code: str
    expires_on: date
    days_left: int
    quantity: int


@dataclass(frozen=True)
class Dashboard:
    filter: DashboardFilter
    scope_name: str
    weekly: bool
    sales: list[SalesPoint]
    sales_by_geo: list[GeoSales]
    production: list[FactoryDay]
    stock: list[LocationStock]
    low_stock: list[LowStock]
    top_products: list[TopProduct]
    top_distributors: list[TopDistributor]
    near_expiry: list[ExpiringBatch]
    totals: dict[OrderLevel, Decimal] = field(default_factory=dict)
    production_total: int = 0
    production_previous_total: int = 0


def effective_scope(
    session: Session, *, ctx: ActorContext, geo_node_id: uuid.UUID | None
) -> uuid.UUID | None:
    """The geography the user reads: the one asked for, which must lie within the user's own
    scope (a user scoped to a region reads that region only); None means everywhere."""
    user = user_crud.get(session, ctx.user_id) if ctx.user_id is not None else None
    own = user.geo_node_id if user is not None else None
    if geo_node_id is not None and geo_crud.get(session, geo_node_id) is None:
        raise NotFound("no such geography node", field="geo_node_id")
    if own is None:
        return geo_node_id
    if geo_node_id is None:
        return own
    if geo_node_id not in geo_crud.subtree_ids(session, own):
        node = geo_crud.get(session, own)
        raise PermissionDenied(
            f"{ctx.username} reads only {node.name if node else 'their own area'} and what "
            "lies within it",
            field="geo_node_id",
        )
    return geo_node_id


def _check(flt: DashboardFilter) -> None:
    if flt.until < flt.since:
        raise ValidationFailed([("until", "the end of the range is before its start")])
    if flt.days > MAX_DAYS:
        raise ValidationFailed(
            [("until", f"a range of at most {MAX_DAYS} days; {flt.days} were asked for")]
        )
    if flt.geo_level not in GEO_GROUP_LEVELS:
        raise ValidationFailed([("geo_level", "group by zone, state or region")])
    if not 0 <= flt.expiry_days <= 3650:
        raise ValidationFailed([("expiry_days", "a number of days from 0 to 3650")])
    if not 1 <= flt.top <= 100:
        raise ValidationFailed([("top", "from 1 to 100")])


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min).astimezone()


def load(
    session: Session, *, ctx: ActorContext, flt: DashboardFilter, today: date | None = None
) -> Dashboard:
    """Every figure of the dashboard for ``flt``, within the user's scope."""
    require(ctx, "dashboards.view")
    _check(flt)
    today = today or to_local(utcnow()).date()
    node_id = effective_scope(session, ctx=ctx, geo_node_id=flt.geo_node_id)
    scope = dash_crud.scope_of(node_id)
    node = geo_crud.get(session, node_id) if node_id is not None else None
    common = {"since": flt.since, "until": flt.until, "statuses": SALE_STATUSES, "scope": scope}

    # Sales over time, by day or by week.
    weekly = flt.days > WEEKLY_AFTER_DAYS
    buckets: dict[date, dict[OrderLevel, int]] = {}
    day = flt.since
    while day <= flt.until:
        start = day - timedelta(days=day.weekday()) if weekly else day
        buckets.setdefault(start, dict.fromkeys(OrderLevel, 0))
        day += timedelta(days=1)
    totals = dict.fromkeys(OrderLevel, 0)
    for level, d, minor, _n in dash_crud.sales_by_day(session, **common):
        start = d - timedelta(days=d.weekday()) if weekly else d
        buckets[start][level] += minor
        totals[level] += minor
    sales = [SalesPoint(start=start, **_by_level(v)) for start, v in sorted(buckets.items())]

    # Sales by zone, state or region.
    geo: dict[uuid.UUID, tuple[str, str, dict[OrderLevel, int]]] = {}
    for nid, code, name, level, minor in dash_crud.sales_by_geo(
        session, level=int(flt.geo_level), **common
    ):
        geo.setdefault(nid, (code, name, dict.fromkeys(OrderLevel, 0)))[2][level] += minor
    by_geo = sorted(
        (GeoSales(code=code, name=name, **_by_level(v)) for code, name, v in geo.values()),
        key=lambda g: (-g.total, g.code),
    )

    # Production per factory and day, beside the same day of the previous period.
    prev_since, prev_until = flt.previous()
    now = dash_crud.production_by_factory_day(
        session, since=flt.since, until=flt.until, scope=scope
    )
    before = dash_crud.production_by_factory_day(
        session, since=prev_since, until=prev_until, scope=scope
    )
    factories = {sid: (code, name) for sid, code, name, *_ in [*now, *before]}
    good_now = {(sid, d): g for sid, _c, _n, d, g, _r in now}
    good_before = {(sid, d): g for sid, _c, _n, d, g, _r in before}
    production = []
    for sid, (code, name) in sorted(factories.items(), key=lambda kv: kv[1][0]):
        for i in range(flt.days):
            d, p = flt.since + timedelta(days=i), prev_since + timedelta(days=i)
            production.append(
                FactoryDay(
                    code, name, d, good_now.get((sid, d), 0), p, good_before.get((sid, p), 0)
                )
            )

    # Stock by location: on hand, outflow over the period and days of cover.
    outflow = dash_crud.outflow_by_location(
        session,
        since=_local_midnight_utc(flt.since),
        until=_local_midnight_utc(flt.until + timedelta(days=1)),
        vouchers=OUTFLOW_VOUCHERS,
        scope=scope,
    )
    stock = []
    for lid, code, name, kind, on_hand, held, low in dash_crud.stock_by_location(
        session, scope=scope, watched_kinds=WATCHED_KINDS
    ):
        out = outflow.get(lid, 0)
        # on hand / (out / days), in whole days, without a float on the way.
        cover = on_hand * flt.days // out if out > 0 else None
        stock.append(LocationStock(code, name, kind, on_hand, out, cover, held, low))

    low_stock = [
        LowStock(*row)
        for row in dash_crud.low_stock(
            session, scope=scope, watched_kinds=WATCHED_KINDS, limit=flt.top * LIST_LIMIT
        )
    ]

    top_products = [
        TopProduct(
            sku=sku,
            name=name,
            quantity=qty,
            **_by_level({OrderLevel.PRIMARY: p, OrderLevel.SECONDARY: s, OrderLevel.TERTIARY: t}),
        )
        for _pid, sku, name, qty, p, s, t in dash_crud.top_products(
            session, limit=flt.top, **common
        )
    ]

    bought = {
        i: (c, n, v)
        for i, c, n, v in dash_crud.distributor_values(session, level=OrderLevel.PRIMARY, **common)
    }
    sold = {
        i: (c, n, v)
        for i, c, n, v in dash_crud.distributor_values(
            session, level=OrderLevel.SECONDARY, **common
        )
    }
    distributors = [
        TopDistributor(
            (bought.get(i) or sold[i])[0],
            (bought.get(i) or sold[i])[1],
            _money(bought[i][2] if i in bought else 0),
            _money(sold[i][2] if i in sold else 0),
        )
        for i in {*bought, *sold}
    ]
    distributors.sort(key=lambda d: (-d.bought, -d.sold, d.code))

    near = [
        ExpiringBatch(b, sku, name, loc, exp, (exp - today).days, qty)
        for b, sku, name, loc, exp, qty in dash_crud.near_expiry(
            session,
            until=today + timedelta(days=flt.expiry_days),
            scope=scope,
            limit=flt.top * LIST_LIMIT,
        )
    ]

    return Dashboard(
        filter=flt,
        scope_name=node.name if node is not None else "All India",
        weekly=weekly,
        sales=sales,
        sales_by_geo=by_geo,
        production=production,
        stock=stock,
        low_stock=low_stock,
        top_products=top_products,
        top_distributors=distributors[: flt.top],
        near_expiry=near,
        totals={level: _money(v) for level, v in totals.items()},
        production_total=sum(f.good for f in production),
        production_previous_total=sum(f.previous_good for f in production),
    )
