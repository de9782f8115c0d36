"""Orders at the three levels of the chain, with one set of rules.

- primary: a company location (depot or factory) sells to a distributor's stock point;
- secondary: a distributor sells from its stock point to one of its own retailers;
- tertiary: a retailer's sell-out to a consumer (stock moves only if it keeps a stock point).

The levels differ only in a few facts (their tables, which price applies, who may write, their
number letter, their counterparties), kept in one table ``LEVELS``; everything else is shared:
draft -> confirmed -> dispatched -> delivered, or cancelled before dispatch. Dispatch takes stock
out of the seller's location (first-expiry-first across batches when no batch is fixed); a
primary order's goods arrive through the buyer's goods receipt (``goods_receipts``), after which
the seller's site marks it delivered.
Every change bumps the order's version and queues it for sync in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hom.core.clock import moment_on, to_local, utcnow
from hom.core.errors import (
    Conflict,
    DomainError,
    IllegalTransition,
    InsufficientStock,
    NotFound,
    WrongSite,
)
from hom.crud import goods_receipts as receipts_crud
from hom.crud import inventory as inventory_crud
from hom.crud import orders as orders_crud
from hom.crud import product as product_crud
from hom.crud import production as production_crud
from hom.crud import site as site_crud
from hom.models.base import to_money
from hom.models.enums import (
    LocationKind,
    OrderLevel,
    OrderStatus,
    PartyKind,
    VoucherType,
)
from hom.models.party import Party
from hom.models.production import Batch
from hom.models.sales_primary import PrimaryOrder, PrimaryOrderLine
from hom.models.sales_secondary import SecondaryOrder, SecondaryOrderLine
from hom.models.sales_tertiary import TertiaryOrder, TertiaryOrderLine
from hom.models.site import Site, StockLocation
from hom.schemas.base import Schema, validate
from hom.schemas.orders import (
    OrderCancel,
    OrderCreateBase,
    OrderLineIn,
    OrderLinesReplace,
    OrderPublic,
    OrderRow,
    PrimaryOrderCreate,
    SecondaryOrderCreate,
    TertiaryOrderCreate,
)
from hom.schemas.sync import Operation
from hom.services import audit, sites, stock
from hom.services.context import ActorContext
from hom.services.permissions import require
from hom.sync import changelog

Order = PrimaryOrder | SecondaryOrder | TertiaryOrder
MAX_PAGE = 1000

# Which status may follow which. Cancelling is only possible before stock has moved.
NEXT_STATUS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.DRAFT: frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED}),
    OrderStatus.CONFIRMED: frozenset({OrderStatus.DISPATCHED, OrderStatus.CANCELLED}),
    OrderStatus.DISPATCHED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}

_COMPANY_LOCATIONS = frozenset({LocationKind.WAREHOUSE, LocationKind.FINISHED_GOODS})


def local_today() -> date:
    """Today in this machine's zone, for a screen's default date only: the rules use the
    calendar of the order's site (``sites.today``)."""
    return to_local(utcnow()).date()


# --- the level table ----------------------------------------------------------------------


HeaderResolver = Callable[[Session, Any], dict[str, Any]]


@dataclass(frozen=True)
class LevelSpec:
    """What differs between the three order levels; the rules themselves are shared."""

    level: OrderLevel
    model: type[Any]
    line_model: type[Any]
    create_schema: type[OrderCreateBase]
    price_field: str  # the product-master price the level sells at
    permission: str  # needed to write orders of this level
    counterparty_field: str  # the party an order list shows
    party_fields: tuple[str, ...]  # every party column (a party filter matches any of them)
    search_fields: tuple[str, ...]  # extra text columns a list search looks in
    resolve_header: HeaderResolver  # checks the header's parties and locations

    @property
    def letter(self) -> str:
        return self.level.letter

    @property
    def entity(self) -> str:
        return self.model.__tablename__


def _distributor(parties: dict[uuid.UUID, Party], party_id: uuid.UUID, field: str) -> Party:
    return _party(parties, party_id, field, PartyKind.DISTRIBUTOR)


def _retailer(parties: dict[uuid.UUID, Party], party_id: uuid.UUID, field: str) -> Party:
    return _party(parties, party_id, field, PartyKind.RETAILER)


def _party(
    parties: dict[uuid.UUID, Party], party_id: uuid.UUID, field: str, kind: PartyKind
) -> Party:
    party = parties.get(party_id)
    if party is None:
        raise NotFound(f"unknown {kind.value} {party_id}", field=field)
    if party.kind != kind:
        raise DomainError(f"{party.code} is a {party.kind.value}, not a {kind.value}", field=field)
    if not party.active:
        raise DomainError(f"{kind.value} {party.code} is inactive", field=field)
    return party


def _location(
    locations: dict[uuid.UUID, StockLocation], location_id: uuid.UUID, field: str
) -> StockLocation:
    location = locations.get(location_id)
    if location is None:
        raise NotFound(f"unknown stock location {location_id}", field=field)
    if not location.active:
        raise DomainError(f"stock location {location.code} is inactive", field=field)
    return location


def _stock_point(
    session: Session, distributor: Party, location_id: uuid.UUID | None, field: str
) -> StockLocation:
    """The distributor's stock point: the one given (checked), or its only one."""
    if location_id is not None:
        location = _location(site_crud.get_locations(session, [location_id]), location_id, field)
        if location.kind != LocationKind.DISTRIBUTOR_STOCK or location.party_id != distributor.id:
            raise DomainError(
                f"location {location.code} is not a stock point of distributor {distributor.code}",
                field=field,
            )
        return location
    points = [
        loc
        for loc in site_crud.list_locations(
            session, kind=LocationKind.DISTRIBUTOR_STOCK, party_id=distributor.id
        )
        if loc.active
    ]
    if not points:
        raise DomainError(
            f"distributor {distributor.code} has no stock point to hold its stock", field=field
        )
    if len(points) > 1:
        codes = ", ".join(p.code for p in points)
        raise DomainError(
            f"distributor {distributor.code} has several stock points ({codes}): choose one",
            field=field,
        )
    return points[0]


def _primary_header(session: Session, data: PrimaryOrderCreate) -> dict[str, Any]:
    parties = orders_crud.get_parties(session, [data.distributor_id])
    distributor = _distributor(parties, data.distributor_id, "distributor_id")
    locations = site_crud.get_locations(session, [data.seller_location_id])
    seller = _location(locations, data.seller_location_id, "seller_location_id")
    if seller.kind not in _COMPANY_LOCATIONS:
        raise DomainError(
            f"location {seller.code} is not a company depot or factory location: a primary "
            "order sells from the company's own stock",
            field="seller_location_id",
        )
    buyer = _stock_point(session, distributor, data.buyer_location_id, "buyer_location_id")
    return {
        "seller_location_id": seller.id,
        "distributor_id": distributor.id,
        "buyer_location_id": buyer.id,
    }


def _secondary_header(session: Session, data: SecondaryOrderCreate) -> dict[str, Any]:
    parties = orders_crud.get_parties(session, [data.distributor_id, data.retailer_id])
    distributor = _distributor(parties, data.distributor_id, "distributor_id")
    retailer = _retailer(parties, data.retailer_id, "retailer_id")
    if retailer.distributor_id != distributor.id:
        served_by = None
        if retailer.distributor_id is not None:
            served_by = orders_crud.get_party(session, retailer.distributor_id)
        by = f"distributor {served_by.code}" if served_by else "no distributor"
        raise DomainError(
            f"retailer {retailer.code} is served by {by}, not by {distributor.code}",
            field="retailer_id",
        )
    seller = _stock_point(session, distributor, data.seller_location_id, "seller_location_id")
    return {
        "distributor_id": distributor.id,
        "seller_location_id": seller.id,
        "retailer_id": retailer.id,
    }


def _tertiary_header(session: Session, data: TertiaryOrderCreate) -> dict[str, Any]:
    parties = orders_crud.get_parties(session, [data.retailer_id])
    retailer = _retailer(parties, data.retailer_id, "retailer_id")
    seller_id = None
    if data.seller_location_id is not None:
        locations = site_crud.get_locations(session, [data.seller_location_id])
        seller = _location(locations, data.seller_location_id, "seller_location_id")
        if seller.party_id != retailer.id:
            raise DomainError(
                f"location {seller.code} is not a stock point of retailer {retailer.code}",
                field="seller_location_id",
            )
        seller_id = seller.id
    return {
        "retailer_id": retailer.id,
        "seller_location_id": seller_id,
        "consumer_name": data.consumer_name,
        "consumer_phone": data.consumer_phone,
    }


LEVELS: dict[OrderLevel, LevelSpec] = {
    OrderLevel.PRIMARY: LevelSpec(
        level=OrderLevel.PRIMARY,
        model=PrimaryOrder,
        line_model=PrimaryOrderLine,
        create_schema=PrimaryOrderCreate,
        price_field="distributor_price",
        permission="orders.primary",
        counterparty_field="distributor_id",
        party_fields=("distributor_id",),
        search_fields=(),
        resolve_header=_primary_header,
    ),
    OrderLevel.SECONDARY: LevelSpec(
        level=OrderLevel.SECONDARY,
        model=SecondaryOrder,
        line_model=SecondaryOrderLine,
        create_schema=SecondaryOrderCreate,
        price_field="retailer_price",
        permission="orders.secondary",
        counterparty_field="retailer_id",
        party_fields=("distributor_id", "retailer_id"),
        search_fields=(),
        resolve_header=_secondary_header,
    ),
    OrderLevel.TERTIARY: LevelSpec(
        level=OrderLevel.TERTIARY,
        model=TertiaryOrder,
        line_model=TertiaryOrderLine,
        create_schema=TertiaryOrderCreate,
        price_field="mrp",
        permission="orders.tertiary",
        counterparty_field="retailer_id",
        party_fields=("retailer_id",),
        search_fields=("consumer_name", "consumer_phone"),
        resolve_header=_tertiary_header,
    ),
}


def spec_for(level: OrderLevel | str) -> LevelSpec:
    try:
        return LEVELS[OrderLevel(level)]
    except ValueError:
        known = ", ".join(lv.value for lv in OrderLevel)
        raise DomainError(f"unknown order level {level!r}; one of {known}", field="level") from None


# --- writing ------------------------------------------------------------------------------


def create_order(
    session: Session,
    *,
    ctx: ActorContext,
    level: OrderLevel,
    order_in: OrderCreateBase | dict[str, Any],
) -> Order:
    """A new draft order numbered ``{site}-{P|S|T}-{year}-{n:06d}`` in this site's sequence."""
    spec = spec_for(level)
    require(ctx, spec.permission)
    site = _writing_site(session, ctx)
    data = validate(spec.create_schema, order_in)
    header = spec.resolve_header(session, data)
    _check_seller_site(session, ctx, header.get("seller_location_id"))
    lines = _build_lines(session, spec, data.lines)
    order_date = data.order_date or sites.today(session, site_id=site.id)
    n = site_crud.next_sequence_value(
        session, site_id=site.id, doc_type=spec.letter, year=order_date.year
    )
    order = spec.model(
        number=f"{site.code}-{spec.letter}-{order_date.year}-{n:06d}",
        site_id=site.id,
        order_date=order_date,
        status=OrderStatus.DRAFT,
        total_amount=_total(lines),
        notes=data.notes,
        version=1,
        created_by=ctx.user_id,
        installation_id=ctx.installation_id,
        lines=lines,
        **header,
    )
    orders_crud.add_order(session, order)
    _changed(
        session,
        ctx=ctx,
        spec=spec,
        order=order,
        action="order.create",
        summary=f"created {spec.level.value} order {order.number}: {len(lines)} line(s), "
        f"total {order.total_amount}",
    )
    return order


def replace_lines(
    session: Session,
    *,
    ctx: ActorContext,
    level: OrderLevel,
    order_id: uuid.UUID,
    lines: Sequence[OrderLineIn | dict[str, Any]],
) -> Order:
    """Replace every line of a draft (prices are taken afresh from the product master)."""
    spec, order = _open_for_change(session, ctx=ctx, level=level, order_id=order_id, to=None)
    if order.status != OrderStatus.DRAFT:
        raise IllegalTransition(
            f"the lines of {order.number} can be changed only while it is a draft; "
            f"it is {order.status.value}",
            field="status",
        )
    data = validate(
        OrderLinesReplace,
        {"lines": [ln.model_dump() if isinstance(ln, Schema) else ln for ln in lines]},
    )
    new_lines = _build_lines(session, spec, data.lines)
    before_total, before_count = order.total_amount, len(order.lines)
    order.lines = new_lines
    order.total_amount = _total(new_lines)
    _changed(
        session,
        ctx=ctx,
        spec=spec,
        order=order,
        action="order.replace_lines",
        summary=f"replaced the lines of {order.number}: {len(new_lines)} line(s)",
        changes={
            "total_amount": (before_total, order.total_amount),
            "lines": (before_count, len(new_lines)),
        },
    )
    return order


def confirm(
    session: Session,
    *,
    ctx: ActorContext,
    level: OrderLevel,
    order_id: uuid.UUID,
    on: date | None = None,
) -> Order:
    spec, order = _open_for_change(
        session, ctx=ctx, level=level, order_id=order_id, to=OrderStatus.CONFIRMED
    )
    order.confirmed_at = _stamp(session, order, on)
    return _transition(session, ctx=ctx, spec=spec, order=order, to=OrderStatus.CONFIRMED)


def dispatch(
    session: Session,
    *,
    ctx: ActorContext,
    level: OrderLevel,
    order_id: uuid.UUID,
    on: date | None = None,
) -> Order:
    """Take the order's goods out of the seller's location (first-expiry-first where no batch is
    fixed); ``on`` is the dispatch date that decides which batches have expired."""
    spec, order = _open_for_change(
        session, ctx=ctx, level=level, order_id=order_id, to=OrderStatus.DISPATCHED
    )
    today = sites.today(session, site_id=order.site_id)
    day = on or today
    if day < order.order_date:
        raise DomainError(
            f"dispatch date {day.isoformat()} is before the order date "
            f"{order.order_date.isoformat()}",
            field="on",
        )
    if day > today:
        raise DomainError(
            f"dispatch date {day.isoformat()} is in the future: record a dispatch when it happens",
            field="on",
        )
    # Expiry is judged on the day the dispatch is entered: back-dating cannot ship expired stock.
    if order.seller_location_id is not None:
        movements = _allocate(session, ctx=ctx, order=order, day=today)
        stock.post(
            session,
            ctx=ctx,
            movements=movements,
            voucher_type=VoucherType.DISPATCH,
            voucher_id=order.id,
            voucher_no=order.number,
            reason=f"{spec.level.value} order dispatch",
        )
    else:
        _refuse_expired_fixed_batches(session, order=order, day=today)
    order.dispatched_at = _stamp(session, order, on)
    return _transition(session, ctx=ctx, spec=spec, order=order, to=OrderStatus.DISPATCHED)


def deliver(
    session: Session,
    *,
    ctx: ActorContext,
    level: OrderLevel,
    order_id: uuid.UUID,
    on: date | None = None,
) -> Order:
    """Mark the order delivered; only the order's own (seller's) site does.

    A primary order moves no stock here: its goods arrive through the buyer's goods receipt
    (``hom.services.goods_receipts``), so it is delivered only once that receipt exists, and by
    default on the day it was received.
    """
    spec, order = _open_for_change(
        session, ctx=ctx, level=level, order_id=order_id, to=OrderStatus.DELIVERED
    )
    if spec.level == OrderLevel.PRIMARY:
        receipt = receipts_crud.for_order(session, order.id)
        if receipt is None:
            point = site_crud.get_location(session, order.buyer_location_id)
            raise DomainError(
                f"order {order.number} has no goods receipt: the site owning the stock point "
                f"{point.code if point else order.buyer_location_id} receives the goods first "
                "(a goods receipt), and the order is delivered once that receipt is here",
                field="order_id",
            )
        order.delivered_at = receipt.received_at if on is None else _stamp(session, order, on)
    else:
        order.delivered_at = _stamp(session, order, on)
    return _transition(session, ctx=ctx, spec=spec, order=order, to=OrderStatus.DELIVERED)


def deliver_received(session: Session, *, ctx: ActorContext) -> int:
    """Mark delivered every dispatched primary order of this site whose goods receipt is here,
    on the day it was received; the number of orders marked.

    The receipt is the buyer's document and the order the seller's row, so the seller's
    installation does this itself: the sync engine calls it after a pull has brought receipts,
    and ``goods_receipts.receive_primary`` calls it when the receiving site also writes the
    order. It takes no decision of its own (each receipt was checked where it was written), so
    it needs no permission beyond writing for a site; a read-only store marks nothing.
    """
    if ctx.site_id is None:
        return 0
    spec = LEVELS[OrderLevel.PRIMARY]
    found = receipts_crud.received_dispatched_orders(session, site_id=ctx.site_id)
    for order, receipt_no, received_at in found:
        order.delivered_at = received_at
        _transition(
            session,
            ctx=ctx,
            spec=spec,
            order=order,
            to=OrderStatus.DELIVERED,
            note=f"goods receipt {receipt_no}",
        )
    return len(found)


def cancel(
    session: Session,
    *,
    ctx: ActorContext,
    level: OrderLevel,
    order_id: uuid.UUID,
    reason: str,
    on: date | None = None,
) -> Order:
    """Cancel a draft or confirmed order (nothing has moved yet, so nothing is undone)."""
    spec, order = _open_for_change(
        session, ctx=ctx, level=level, order_id=order_id, to=OrderStatus.CANCELLED
    )
    data = validate(OrderCancel, {"reason": reason})
    order.cancelled_at = _stamp(session, order, on)
    order.cancel_reason = data.reason
    return _transition(
        session, ctx=ctx, spec=spec, order=order, to=OrderStatus.CANCELLED, note=data.reason
    )


# --- reading ------------------------------------------------------------------------------


def get_order(
    session: Session,
    *,
    level: OrderLevel,
    order_id: uuid.UUID,
    ctx: ActorContext | None = None,
) -> Order:
    """One order with its lines. With ``ctx`` the actor must hold ``orders.view``."""
    if ctx is not None:
        require(ctx, "orders.view")
    return _load(session, spec_for(level), order_id)


def get_by_number(
    session: Session,
    *,
    number: str,
    level: OrderLevel | None = None,
    ctx: ActorContext | None = None,
) -> Order:
    """The order numbered ``number``; without ``level`` it is read from the number's letter."""
    if ctx is not None:
        require(ctx, "orders.view")
    number = number.strip().upper()
    if level is None:
        level = _level_from_number(number)
    order = orders_crud.get_order_by_number(session, spec_for(level).model, number)
    if order is None:
        raise NotFound(f"no {OrderLevel(level).value} order numbered {number}", field="number")
    return order


def page_orders(
    session: Session,
    *,
    level: OrderLevel,
    status: OrderStatus | None = None,
    party_id: uuid.UUID | None = None,
    since: date | None = None,
    until: date | None = None,
    search: str = "",
    sort: str = "-order_date",
    offset: int = 0,
    limit: int = 200,
    ctx: ActorContext | None = None,
    site_ids: Collection[uuid.UUID] | None = None,
) -> list[OrderRow]:
    """A page of order rows; ``party_id`` matches any party of the order, ``since``/``until``
    bound the order date (inclusive), ``search`` looks in the number and the counterparty's code
    and name, ``sort`` is one of ``crud.orders.SORT_KEYS`` (``-`` for descending); ``site_ids``
    keeps the orders of those sites only (a reader's scope)."""
    if ctx is not None:
        require(ctx, "orders.view")
    spec = spec_for(level)
    key = sort.lstrip("-")
    if key not in orders_crud.SORT_KEYS:
        raise DomainError(
            f"cannot sort by {key!r}; one of {', '.join(orders_crud.SORT_KEYS)}", field="sort"
        )
    rows = orders_crud.page_rows(
        session,
        spec.model,
        query=_query(spec, status, party_id, since, until, search, site_ids),
        level=spec.level.value,
        sort=sort,
        offset=max(0, offset),
        limit=max(1, min(limit, MAX_PAGE)),
    )
    return [OrderRow.model_validate(r) for r in rows]


def count_orders(
    session: Session,
    *,
    level: OrderLevel,
    status: OrderStatus | None = None,
    party_id: uuid.UUID | None = None,
    since: date | None = None,
    until: date | None = None,
    search: str = "",
    ctx: ActorContext | None = None,
    site_ids: Collection[uuid.UUID] | None = None,
) -> int:
    if ctx is not None:
        require(ctx, "orders.view")
    spec = spec_for(level)
    return orders_crud.count_rows(
        session, spec.model, query=_query(spec, status, party_id, since, until, search, site_ids)
    )


def to_public(level: OrderLevel, order: Order) -> OrderPublic:
    """The order as the sync wire format and the screens read it."""
    spec = spec_for(level)
    fields = {name: getattr(order, name, None) for name in OrderPublic.model_fields}
    fields["level"] = spec.level
    return OrderPublic.model_validate(fields)


# --- what an order form and a list need -----------------------------------------------------

PARTY_KIND: dict[OrderLevel, PartyKind] = {
    OrderLevel.PRIMARY: PartyKind.DISTRIBUTOR,  # the buyer
    OrderLevel.SECONDARY: PartyKind.RETAILER,  # the buyer; its distributor sells
    OrderLevel.TERTIARY: PartyKind.RETAILER,  # the seller (to a consumer)
}
"""The one party a clerk types on an order of each level; the rest follows from it."""


def next_steps(
    ctx: ActorContext, *, level: OrderLevel, status: OrderStatus, site_id: uuid.UUID
) -> frozenset[OrderStatus]:
    """The statuses this actor may move an order (of ``status``, written by ``site_id``) to:
    legal from its status and permitted to the actor on this installation's own orders. A
    dispatched primary order is also "received" by whoever may receive stock: its goods arrive
    through the buyer's goods receipt (``goods_receipts.receive_primary``), which refuses a site
    that does not own the stock point. A screen offers these; the services check each again."""
    spec = spec_for(level)
    if ctx.site_id is None:
        return frozenset()
    steps = NEXT_STATUS[OrderStatus(status)]
    allowed = set(steps) if site_id == ctx.site_id and ctx.can(spec.permission) else set()
    receivable = spec.level == OrderLevel.PRIMARY and OrderStatus.DELIVERED in steps
    if receivable and ctx.can("stock.receive"):
        allowed.add(OrderStatus.DELIVERED)
    return frozenset(allowed)


def seller_locations(session: Session, *, ctx: ActorContext) -> list[StockLocation]:
    """The company locations of this site a primary order can sell from, the main store first."""
    if ctx.site_id is None:
        return []
    found = [
        loc
        for loc in site_crud.list_locations(session, site_id=ctx.site_id)
        if loc.active and loc.kind in _COMPANY_LOCATIONS
    ]
    return sorted(found, key=lambda loc: (loc.kind != LocationKind.WAREHOUSE, loc.code))


def order_in_for(
    session: Session,
    *,
    level: OrderLevel,
    party_id: uuid.UUID,
    lines: Sequence[dict[str, Any]],
    seller_location_id: uuid.UUID | None = None,
    order_date: date | None = None,
    notes: str = "",
    consumer_name: str = "",
    consumer_phone: str = "",
) -> dict[str, Any]:
    """The ``create_order`` input of an order entered by its one party (``PARTY_KIND``): a
    secondary order's seller is the retailer's own distributor. Checked by ``create_order``."""
    spec = spec_for(level)
    data: dict[str, Any] = {"lines": list(lines), "order_date": order_date, "notes": notes}
    if spec.level == OrderLevel.PRIMARY:
        data |= {"distributor_id": party_id, "seller_location_id": seller_location_id}
    elif spec.level == OrderLevel.SECONDARY:
        retailer = orders_crud.get_party(session, party_id)
        distributor_id = retailer.distributor_id if retailer is not None else None
        if retailer is not None and distributor_id is None:
            raise DomainError(
                f"retailer {retailer.code} is served by no distributor: nobody sells it stock",
                field="retailer_id",
            )
        data |= {"retailer_id": party_id, "distributor_id": distributor_id or party_id}
    else:
        data |= {
            "retailer_id": party_id,
            "seller_location_id": seller_location_id,
            "consumer_name": consumer_name,
            "consumer_phone": consumer_phone,
        }
    return data


def seller_location_for(
    session: Session,
    *,
    level: OrderLevel,
    party_id: uuid.UUID,
    seller_location_id: uuid.UUID | None = None,
) -> StockLocation | None:
    """Where an order for ``party_id`` would take its stock from (None: no stock moves, a
    tertiary sale without a stock point); refuses as ``create_order`` would, naming the field."""
    spec = spec_for(level)
    if spec.level == OrderLevel.SECONDARY:
        data = order_in_for(session, level=level, party_id=party_id, lines=[])
        parties = orders_crud.get_parties(session, [data["distributor_id"], party_id])
        _retailer(parties, party_id, "retailer_id")  # refuses an unknown or inactive one
        distributor = _distributor(parties, data["distributor_id"], "retailer_id")
        return _stock_point(session, distributor, None, "retailer_id")
    _party(  # refuses an unknown or inactive party, or one of the wrong kind
        orders_crud.get_parties(session, [party_id]),
        party_id,
        spec.counterparty_field,
        PARTY_KIND[spec.level],
    )
    if seller_location_id is None:
        return None
    return _location(
        site_crud.get_locations(session, [seller_location_id]),
        seller_location_id,
        "seller_location_id",
    )


@dataclass(frozen=True)
class LineQuote:
    """A product as an order line shows it: its price at this level, case size and the stock
    at the seller's location (None when no stock moves)."""

    product_id: uuid.UUID
    sku: str
    name: str
    unit: str
    pack_size: int
    unit_price: Decimal
    on_hand: int | None
    track_batches: bool
    gst_rate: Decimal | None = None  # per cent; None: the product has none yet
    hsn_code: str = ""


def quote_line(
    session: Session,
    *,
    level: OrderLevel,
    product_id: uuid.UUID,
    seller_location_id: uuid.UUID | None,
) -> LineQuote:
    """The price ``create_order`` will write for the product (``_build_lines`` reads the same
    field) and what the seller holds of it."""
    spec = spec_for(level)
    product = product_crud.get_many(session, [product_id]).get(product_id)
    if product is None:
        raise NotFound(f"unknown product {product_id}", field="product_id")
    on_hand = None
    if seller_location_id is not None:
        on_hand = inventory_crud.on_hand(
            session, location_id=seller_location_id, product_id=product_id, batch_id=None
        )
    return LineQuote(
        product_id=product.id,
        sku=product.sku,
        name=product.name,
        unit=product.unit,
        pack_size=max(1, product.pack_size or 1),
        unit_price=to_money(getattr(product, spec.price_field)),
        on_hand=on_hand,
        track_batches=product.track_batches,
        gst_rate=product.gst_rate,
        hsn_code=product.hsn_code,
    )


# --- helpers ------------------------------------------------------------------------------


def _open_for_change(
    session: Session,
    *,
    ctx: ActorContext,
    level: OrderLevel,
    order_id: uuid.UUID,
    to: OrderStatus | None,
) -> tuple[LevelSpec, Order]:
    """The checks every change of an existing order makes, in order: the level's permission,
    the order exists, this site writes it, and (for a status change) the transition is legal."""
    spec = spec_for(level)
    require(ctx, spec.permission)
    order = _load(session, spec, order_id)
    _check_order_writer(ctx, order)
    if to is not None:
        _check_transition(order, to)
    return spec, order


def _check_order_writer(ctx: ActorContext, order: Order) -> None:
    """The one-writer rule for orders: only the installation of the order's site changes it."""
    if ctx.site_id is None:
        raise WrongSite(
            f"this installation is read-only (it writes for no site): order {order.number} is "
            "changed by its own site's installation",
            field="order_id",
        )
    if order.site_id != ctx.site_id:
        raise WrongSite(
            f"order {order.number} belongs to another site: only that site's installation "
            "changes it, and its changes arrive here through sync",
            field="order_id",
        )


def _check_seller_site(session: Session, ctx: ActorContext, location_id: uuid.UUID | None) -> None:
    """An order sells from a location of the site writing it (that site will dispatch it)."""
    if location_id is None:
        return
    location = site_crud.get_location(session, location_id)
    if location is not None and location.site_id != ctx.site_id:
        raise WrongSite(
            f"location {location.code} belongs to another site: this site's orders sell from "
            "its own locations",
            field="seller_location_id",
        )


def _refuse_expired_fixed_batches(session: Session, *, order: Order, day: date) -> None:
    """Lines that name their batch are held to its expiry even when no stock moves."""
    fixed = [ln for ln in order.lines if ln.batch_id is not None]
    batches = production_crud.get_batches(session, (ln.batch_id for ln in fixed))
    for index, line in enumerate(order.lines):
        batch = batches.get(line.batch_id) if line.batch_id else None
        if batch is not None and _is_expired(batch, day):
            raise DomainError(
                f"batch {batch.code} expired on {batch.expires_on.isoformat()}: expired stock "
                "cannot be dispatched",
                field=f"lines.{index}.batch_id",
            )


def _writing_site(session: Session, ctx: ActorContext) -> Site:
    if ctx.site_id is None:
        raise WrongSite(
            "this installation is read-only (it writes for no site): orders are created by a "
            "site's own installation",
            field="site_id",
        )
    site = site_crud.get_site(session, ctx.site_id)
    if site is None:
        raise NotFound(f"unknown site {ctx.site_id}", field="site_id")
    return site


def _build_lines(session: Session, spec: LevelSpec, lines: Sequence[OrderLineIn]) -> list[Any]:
    """Order lines priced from the product master, each product and batch checked."""
    products = product_crud.get_many(session, (ln.product_id for ln in lines))
    batches = production_crud.get_batches(session, (ln.batch_id for ln in lines if ln.batch_id))
    built = []
    for index, line in enumerate(lines):
        where = f"lines.{index}"
        product = products.get(line.product_id)
        if product is None:
            raise NotFound(f"unknown product {line.product_id}", field=f"{where}.product_id")
        if not product.active:
            raise DomainError(
                f"product {product.sku} is inactive and cannot be ordered",
                field=f"{where}.product_id",
            )
        if line.batch_id is not None:
            batch = batches.get(line.batch_id)
            if batch is None:
                raise NotFound(f"unknown batch {line.batch_id}", field=f"{where}.batch_id")
            if batch.product_id != product.id:
                raise DomainError(
                    f"batch {batch.code} is not a batch of product {product.sku}",
                    field=f"{where}.batch_id",
                )
            if not product.track_batches:
                raise DomainError(
                    f"product {product.sku} is not tracked by batch: leave the batch empty",
                    field=f"{where}.batch_id",
                )
        unit_price = to_money(getattr(product, spec.price_field))
        built.append(
            spec.line_model(
                line_no=index + 1,
                product_id=product.id,
                batch_id=line.batch_id,
                quantity=line.quantity,
                unit_price=unit_price,
                line_total=to_money(unit_price * line.quantity),
                # GST as the master says today; the order keeps it if the master changes
                hsn_code=product.hsn_code,
                gst_rate=product.gst_rate,
            )
        )
    return built


def _total(lines: Sequence[Any]) -> Decimal:
    return to_money(sum((ln.line_total for ln in lines), Decimal(0)))


def _load(session: Session, spec: LevelSpec, order_id: uuid.UUID) -> Order:
    order = orders_crud.get_order(session, spec.model, order_id)
    if order is None:
        raise NotFound(f"unknown {spec.level.value} order {order_id}", field="order_id")
    return order


def _check_transition(order: Order, to: OrderStatus) -> None:
    current = OrderStatus(order.status)
    if to not in NEXT_STATUS[current]:
        allowed = ", ".join(sorted(s.value for s in NEXT_STATUS[current])) or "nothing"
        raise IllegalTransition(
            f"order {order.number} cannot go from {current.value} to {to.value} "
            f"(from {current.value} it can go to {allowed})",
            field="status",
        )


def _transition(
    session: Session,
    *,
    ctx: ActorContext,
    spec: LevelSpec,
    order: Order,
    to: OrderStatus,
    note: str = "",
) -> Order:
    before = order.status
    order.status = to
    _changed(
        session,
        ctx=ctx,
        spec=spec,
        order=order,
        action=f"order.{to.value}",
        summary=f"{order.number}: {before.value} -> {to.value}" + (f" ({note})" if note else ""),
        changes={"status": (before.value, to.value)},
    )
    return order


def _changed(
    session: Session,
    *,
    ctx: ActorContext,
    spec: LevelSpec,
    order: Order,
    action: str,
    summary: str,
    changes: dict[str, tuple[Any, Any]] | None = None,
) -> None:
    """Every order change: a new version, a change-log row with the whole order (header, lines,
    prices, totals, version) and an audit row, together.

    The version is the mapper's ``version_id_col``: the UPDATE (``crud.orders.save_header``, or a
    flush) matches the version this transaction read, so a concurrent change is refused instead of
    silently overwritten.
    """
    number = order.number  # read before the flush: a failed flush leaves the object unusable
    try:
        orders_crud.save_header(session, order)
    except StaleDataError:
        raise Conflict(
            f"order {number} was changed elsewhere meanwhile: reload it and try again",
            field="order_id",
        ) from None
    changelog.queue(
        session,
        ctx=ctx,
        entity=spec.entity,
        rows=[order],
        operation=Operation.INSERT if action == "order.create" else Operation.UPDATE,
    )
    audit.record(
        session,
        ctx=ctx,
        action=action,
        entity=spec.entity,
        entity_id=order.id,
        summary=summary,
        changes=changes,
    )


def _stamp(session: Session, order: Order, on: date | None) -> datetime:
    """When a step happened: now, or the given business date of the order's site at the current
    wall-clock time there, in UTC. The offset is the one in force on that date, so a step
    back-dated across a daylight-saving change stays on its date."""
    zone = sites.time_zone(session, order.site_id)
    if on is None or on == sites.today(session, site_id=order.site_id):
        return utcnow()
    return moment_on(on, zone)


def _is_expired(batch: Batch, day: date) -> bool:
    return batch.expires_on is not None and batch.expires_on < day


@dataclass(frozen=True)
class Shortage:
    """A line the seller's location cannot fill: which product (and fixed batch), how much
    is there and how much the order needs."""

    line_no: int
    product_id: uuid.UUID
    sku: str
    name: str
    location_code: str
    available: int
    needed: int
    batch_code: str | None = None
    expired: int = 0  # units more in expired batches, which cannot be dispatched
    field: str = ""
    tracked: bool = False  # tracked by batch, and no batch fixed: judged over unexpired batches

    @property
    def message(self) -> str:
        if self.batch_code is not None or not self.tracked:
            batch_text = f" batch {self.batch_code}" if self.batch_code else ""
            return (
                f"not enough stock of {self.sku}{batch_text} at {self.location_code}: "
                f"{self.available} available, {self.needed} requested"
            )
        also = (
            f" ({self.expired} more in expired batches, which cannot be dispatched)"
            if self.expired
            else ""
        )
        return (
            f"not enough stock of {self.sku} at {self.location_code}: {self.available} "
            f"available in unexpired batches, {self.needed} requested{also}"
        )

    def error(self) -> InsufficientStock:
        return InsufficientStock(self.message, available=self.available, field=self.field)


@dataclass(frozen=True)
class PlannedTake:
    """Units one order line takes from one batch (or unbatched stock) when dispatched."""

    line_no: int
    product_id: uuid.UUID
    sku: str
    name: str
    batch_id: uuid.UUID | None
    batch_code: str
    expires_on: date | None
    quantity: int


@dataclass(frozen=True)
class DispatchPlan:
    """What a dispatch of the order would take, first expiry first, and what it lacks."""

    order_id: uuid.UUID
    number: str
    location_code: str  # "" when no stock moves (a tertiary sale without a stock point)
    takes: list[PlannedTake]
    shortages: list[Shortage]

    @property
    def ok(self) -> bool:
        return not self.shortages


def dispatch_plan(
    session: Session,
    *,
    ctx: ActorContext,
    level: OrderLevel,
    order_id: uuid.UUID,
) -> DispatchPlan:
    """The batches a dispatch of the order would take today and every line it could not fill,
    read only: the same allocation ``dispatch`` makes (``_plan``), refused the same way when the
    order may not be dispatched by this actor."""
    _spec, order = _open_for_change(
        session, ctx=ctx, level=level, order_id=order_id, to=OrderStatus.DISPATCHED
    )
    if order.seller_location_id is None:
        return DispatchPlan(order.id, order.number, "", [], [])
    day = sites.today(session, site_id=order.site_id)
    location, takes, shortages = _plan(session, ctx=ctx, order=order, day=day)
    return DispatchPlan(
        order.id,
        order.number,
        location.code,
        [
            PlannedTake(
                line_no=line.line_no,
                product_id=product.id,
                sku=product.sku,
                name=product.name,
                batch_id=batch.id if batch else None,
                batch_code=batch.code if batch else "",
                expires_on=batch.expires_on if batch else None,
                quantity=qty,
            )
            for line, product, batch, qty in takes
        ],
        shortages,
    )


def _allocate(
    session: Session, *, ctx: ActorContext, order: Order, day: date
) -> list[stock.Movement]:
    """The dispatch movements of ``order`` (``_plan``); the first line short of stock refuses."""
    location, takes, shortages = _plan(session, ctx=ctx, order=order, day=day)
    if shortages:
        raise shortages[0].error()
    return [
        stock.Movement(location.id, product.id, -qty, batch.id if batch else None)
        for _line, product, batch, qty in takes
    ]


Take = tuple[Any, Any, Batch | None, int]  # (order line, product, batch, units)


def _plan(
    session: Session, *, ctx: ActorContext, order: Order, day: date
) -> tuple[StockLocation, list[Take], list[Shortage]]:
    """The one allocation rule of a dispatch: fixed batches as given, other batch-tracked lines
    split first-expiry-first (``stock.fefo_key``) over the unexpired batches in stock, all
    checked against what is left after the earlier lines (so two lines never count the same
    units). A line that cannot be filled is a ``Shortage`` (what there is goes to it, so later
    lines are judged fairly); an expired fixed batch is refused outright."""
    location_id = order.seller_location_id
    location = site_crud.get_location(session, location_id)
    assert location is not None  # a foreign key guarantees it
    if ctx.site_id is None or location.site_id != ctx.site_id:
        raise WrongSite(
            f"location {location.code} belongs to another site: only that site's installation "
            f"dispatches order {order.number}",
            field="seller_location_id",
        )
    product_ids = {ln.product_id for ln in order.lines}
    products = product_crud.get_many(session, product_ids)
    balances = inventory_crud.balances_for_keys(
        session, [(location_id, pid, None) for pid in product_ids]
    )
    left: dict[tuple[uuid.UUID, uuid.UUID | None], int] = {
        (pid, bid): row.quantity
        for (loc, pid, bid), row in balances.items()
        if loc == location_id and row.quantity > 0
    }
    batch_ids = {bid for _, bid in left if bid} | {ln.batch_id for ln in order.lines if ln.batch_id}
    batches = production_crud.get_batches(session, batch_ids)
    by_product: dict[uuid.UUID, list[Batch]] = {}
    for pid, bid in left:
        if bid is not None and bid in batches:
            by_product.setdefault(pid, []).append(batches[bid])
    for candidates in by_product.values():
        candidates.sort(key=stock.fefo_key)

    takes: list[Take] = []
    shortages: list[Shortage] = []
    for index, line in enumerate(order.lines):
        where = f"lines.{index}"
        product = products[line.product_id]

        def short(
            available: int,
            batch: Batch | None = None,
            expired: int = 0,
            *,
            line=line,
            product=product,
            where=where,
        ) -> None:
            shortages.append(_shortage(line, product, location, where, available, batch, expired))

        if line.batch_id is not None:
            batch = batches[line.batch_id]
            if _is_expired(batch, day):
                raise DomainError(
                    f"batch {batch.code} of {product.sku} expired on "
                    f"{batch.expires_on.isoformat()}: expired stock cannot be dispatched",
                    field=f"{where}.batch_id",
                )
            available = left.get((product.id, batch.id), 0)
            if available < line.quantity:
                short(available, batch)
            take = min(available, line.quantity)
            left[(product.id, batch.id)] = available - take
            takes.append((line, product, batch, line.quantity))
        elif product.track_batches:
            usable = [b for b in by_product.get(product.id, []) if not _is_expired(b, day)]
            available = sum(left.get((product.id, b.id), 0) for b in usable)
            if available < line.quantity:
                expired = sum(
                    left.get((product.id, b.id), 0)
                    for b in by_product.get(product.id, [])
                    if _is_expired(b, day)
                )
                short(available, expired=expired)
            wanted = line.quantity
            for batch in usable:
                take = min(wanted, left.get((product.id, batch.id), 0))
                if take <= 0:
                    continue
                left[(product.id, batch.id)] -= take
                takes.append((line, product, batch, take))
                wanted -= take
                if wanted == 0:
                    break
        else:
            available = left.get((product.id, None), 0)
            if available < line.quantity:
                short(available)
            left[(product.id, None)] = max(0, available - line.quantity)
            takes.append((line, product, None, line.quantity))
    return location, takes, shortages


def _shortage(
    line: Any,
    product: Any,
    location: StockLocation,
    where: str,
    available: int,
    batch: Batch | None,
    expired: int,
) -> Shortage:
    return Shortage(
        line_no=line.line_no,
        product_id=product.id,
        sku=product.sku,
        name=product.name,
        location_code=location.code,
        available=available,
        needed=line.quantity,
        batch_code=batch.code if batch else None,
        expired=expired,
        field=f"{where}.quantity",
        tracked=product.track_batches,
    )


def _query(
    spec: LevelSpec,
    status: OrderStatus | None,
    party_id: uuid.UUID | None,
    since: date | None,
    until: date | None,
    search: str,
    site_ids: Collection[uuid.UUID] | None = None,
) -> orders_crud.OrderQuery:
    return orders_crud.OrderQuery(
        counterparty_field=spec.counterparty_field,
        party_fields=spec.party_fields,
        search_fields=spec.search_fields,
        status=OrderStatus(status) if status is not None else None,
        party_id=party_id,
        since=since,
        until=until,
        search=search,
        site_ids=list(site_ids) if site_ids is not None else None,
    )


def level_of_number(number: str) -> OrderLevel:
    """The level an order number names (its letter: DEP01-P-2026-000001 is primary)."""
    return _level_from_number(number.strip().upper())


def _level_from_number(number: str) -> OrderLevel:
    parts = number.rsplit("-", 3)
    letters = {lv.letter: lv for lv in OrderLevel}
    if len(parts) != 4 or parts[1] not in letters:
        raise DomainError(
            f"{number!r} is not an order number like DEP01-P-2026-000001", field="number"
        )
    return letters[parts[1]]
