"""Factories' daily production: posting a log into finished-goods stock, and reversing one.

A posted log is never edited. A mistake is corrected by a reversal (a second log with the
quantities negated, pointing at the first) and, if needed, a new correct log, so the ledger and the
log always tell the same story and a recall can see both.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy.orm import Session

from hom.core.clock import to_local, utcnow
from hom.core.errors import (
    Conflict,
    DomainError,
    InsufficientStock,
    NotFound,
    WrongSite,
)
from hom.core.ids import new_id
from hom.crud import product as product_crud
from hom.crud import production as production_crud
from hom.crud import site as site_crud
from hom.models.enums import LocationKind, SiteKind, VoucherType
from hom.models.product import Product
from hom.models.production import Batch, ProductionLog
from hom.models.site import Site, StockLocation
from hom.schemas.base import validate
from hom.schemas.production import (
    ProductionLogCreate,
    ProductionLogRow,
    ProductionReversal,
)
from hom.services import audit, sites, stock
from hom.services.context import ActorContext
from hom.services.permissions import require
from hom.sync import changelog, entities

LOG_ENTITY = entities.PRODUCTION_LOGS
BATCH_ENTITY = entities.BATCHES
MAX_PAGE = 1000


def local_today() -> date:
    """Today in this machine's zone, for a screen's default date only: the rules use the
    factory's own calendar (``sites.today``)."""
    return to_local(utcnow()).date()


def post_log(
    session: Session, *, ctx: ActorContext, log_in: ProductionLogCreate | dict
) -> ProductionLog:
    """Record one production line and put its good quantity into the factory's finished goods.

    The stock movement goes through ``stock.post``, so the one-writer rule (only the factory's own
    installation posts its stock) is enforced there and its ``WrongSite`` reaches the caller as is.
    """
    require(ctx, "production.post")
    data = validate(ProductionLogCreate, log_in)
    if data.good_qty + data.rejected_qty == 0:
        raise DomainError(
            "nothing produced: good_qty plus rejected_qty must be more than zero",
            field="good_qty",
        )
    site = _factory(session, data.site_id or ctx.site_id)
    if data.production_date > sites.today(session, site_id=site.id):
        raise DomainError(
            f"{data.production_date.isoformat()} is in the future: production is logged on or "
            "after the day it is made",
            field="production_date",
        )
    product = _active_product(session, data.product_id)
    location = _finished_goods(session, site)
    _check_writer(ctx, location)  # before anything is written
    batch, new_batch = _batch_for(session, ctx=ctx, site=site, product=product, data=data)

    log = ProductionLog(
        id=new_id(),
        site_id=site.id,
        location_id=location.id,
        production_date=data.production_date,
        shift=data.shift,
        product_id=product.id,
        batch_id=batch.id if batch else None,
        good_qty=data.good_qty,
        rejected_qty=data.rejected_qty,
        remarks=data.remarks,
        created_by=ctx.user_id,
        installation_id=ctx.installation_id,
    )
    production_crud.add_log(session, log, new_batch=batch if new_batch else None)
    if new_batch:
        # Ledger entries elsewhere will name this batch: it syncs with them.
        changelog.queue(session, ctx=ctx, entity=BATCH_ENTITY, rows=[batch], operation="insert")
    if data.good_qty > 0:
        stock.post(
            session,
            ctx=ctx,
            movements=[
                stock.Movement(location.id, product.id, data.good_qty, log.batch_id, "site_id")
            ],
            voucher_type=VoucherType.PRODUCTION,
            voucher_id=log.id,
            voucher_no=_voucher_no(site, data.production_date, data.shift.value),
            reason=data.remarks[:200],
        )
    changelog.queue(session, ctx=ctx, entity=LOG_ENTITY, rows=[log], operation="insert")
    batch_text = f" batch {batch.code}" if batch else ""
    audit.record(
        session,
        ctx=ctx,
        action="production.post",
        entity=LOG_ENTITY,
        entity_id=log.id,
        summary=(
            f"{site.code} {data.production_date.isoformat()} shift {data.shift.value}: "
            f"{product.sku}{batch_text} good {data.good_qty}, rejected {data.rejected_qty}"
        ),
    )
    return log


def reverse_log(
    session: Session, *, ctx: ActorContext, log_id: uuid.UUID, reason: str
) -> ProductionLog:
    """Undo a posted log with a second log of negated quantities and a matching ledger entry.

    Refused when the good quantity has already left the finished-goods stock (it cannot be taken
    back twice), when the log was already reversed, and for a reversal itself.
    """
    require(ctx, "production.reverse")
    data = validate(ProductionReversal, {"reason": reason})
    original = production_crud.get_log(session, log_id)
    if original is None:
        raise NotFound(f"unknown production log {log_id}", field="log_id")
    if original.reverses_id is not None:
        raise Conflict(
            "this log is itself a reversal and cannot be reversed; post a new log instead",
            field="log_id",
        )
    if production_crud.get_reversal_of(session, original.id) is not None:
        raise Conflict("this log has already been reversed", field="log_id")

    reversal = ProductionLog(
        id=new_id(),
        site_id=original.site_id,
        location_id=original.location_id,
        production_date=original.production_date,
        shift=original.shift,
        product_id=original.product_id,
        batch_id=original.batch_id,
        good_qty=-original.good_qty,
        rejected_qty=-original.rejected_qty,
        remarks=data.reason,
        reverses_id=original.id,
        created_by=ctx.user_id,
        installation_id=ctx.installation_id,
    )
    if original.good_qty > 0:
        site = site_crud.get_site(session, original.site_id)
        assert site is not None  # a foreign key guarantees it
        movement = stock.Movement(
            original.location_id, original.product_id, -original.good_qty, original.batch_id
        )
        try:
            stock.post(
                session,
                ctx=ctx,
                movements=[movement],
                voucher_type=VoucherType.PRODUCTION_REVERSAL,
                voucher_id=reversal.id,
                voucher_no=_voucher_no(site, original.production_date, original.shift.value),
                reason=data.reason,
            )
        except InsufficientStock as exc:
            raise InsufficientStock(
                f"cannot reverse {original.good_qty} produced: the stock has already moved on "
                f"({exc.message})",
                available=exc.available,
                field="log_id",
            ) from None
    else:
        location = site_crud.get_location(session, original.location_id)
        assert location is not None
        _check_writer(ctx, location)
    production_crud.add_log(session, reversal)
    changelog.queue(session, ctx=ctx, entity=LOG_ENTITY, rows=[reversal], operation="insert")
    audit.record(
        session,
        ctx=ctx,
        action="production.reverse",
        entity=LOG_ENTITY,
        entity_id=reversal.id,
        summary=f"reversed production log {original.id}: {data.reason}",
        changes={"good_qty": (original.good_qty, 0), "rejected_qty": (original.rejected_qty, 0)},
    )
    return reversal


# --- reading ------------------------------------------------------------------------------


def get_log(session: Session, *, log_id: uuid.UUID) -> ProductionLog:
    log = production_crud.get_log(session, log_id)
    if log is None:
        raise NotFound(f"unknown production log {log_id}", field="log_id")
    return log


def day_log(session: Session, *, site_id: uuid.UUID, day: date) -> list[ProductionLogRow]:
    """A factory's production sheet for one day, reversals included and marked."""
    flt = production_crud.LogFilter(site_id=site_id, since=day, until=day)
    return [ProductionLogRow.model_validate(r) for r in production_crud.log_rows(session, flt=flt)]


def logs_page(
    session: Session,
    *,
    site_id: uuid.UUID | None = None,
    product_id: uuid.UUID | None = None,
    batch_id: uuid.UUID | None = None,
    since: date | None = None,
    until: date | None = None,
    offset: int = 0,
    limit: int = 200,
) -> list[ProductionLogRow]:
    """Log rows newest day first; ``since`` and ``until`` are inclusive production dates."""
    flt = production_crud.LogFilter(
        site_id=site_id, product_id=product_id, batch_id=batch_id, since=since, until=until
    )
    rows = production_crud.log_rows(
        session, flt=flt, offset=max(0, offset), limit=max(1, min(limit, MAX_PAGE))
    )
    return [ProductionLogRow.model_validate(r) for r in rows]


def count_logs(
    session: Session,
    *,
    site_id: uuid.UUID | None = None,
    product_id: uuid.UUID | None = None,
    batch_id: uuid.UUID | None = None,
    since: date | None = None,
    until: date | None = None,
) -> int:
    flt = production_crud.LogFilter(
        site_id=site_id, product_id=product_id, batch_id=batch_id, since=since, until=until
    )
    return production_crud.count_logs(session, flt=flt)


# --- helpers ------------------------------------------------------------------------------


def _factory(session: Session, site_id: uuid.UUID | None) -> Site:
    if site_id is None:
        raise DomainError(
            "this installation writes for no site: choose the factory", field="site_id"
        )
    site = site_crud.get_site(session, site_id)
    if site is None:
        raise NotFound(f"unknown site {site_id}", field="site_id")
    if site.kind != SiteKind.FACTORY:
        raise DomainError(
            f"site {site.code} is a {site.kind.value.replace('_', ' ')}, not a factory: "
            "only factories log production",
            field="site_id",
        )
    return site


def _active_product(session: Session, product_id: uuid.UUID) -> Product:
    product = product_crud.get(session, product_id)
    if product is None:
        raise NotFound(f"unknown product {product_id}", field="product_id")
    if not product.active:
        raise DomainError(
            f"product {product.sku} is inactive: it can no longer be produced", field="product_id"
        )
    return product


def _finished_goods(session: Session, site: Site) -> StockLocation:
    locations = [
        loc
        for loc in site_crud.list_locations(
            session, site_id=site.id, kind=LocationKind.FINISHED_GOODS
        )
        if loc.active
    ]
    if not locations:
        raise DomainError(
            f"factory {site.code} has no active finished-goods location to post production into",
            field="site_id",
        )
    return locations[0]  # ordered by code: the factory's main finished-goods store comes first


def _batch_for(
    session: Session,
    *,
    ctx: ActorContext,
    site: Site,
    product: Product,
    data: ProductionLogCreate,
) -> tuple[Batch | None, bool]:
    """The batch the log produces into, and whether it is new: made on its first production
    (and written with the log), reused after."""
    if not product.track_batches:
        if data.batch_code is not None:
            raise DomainError(
                f"product {product.sku} is not tracked by batch: leave the batch code empty",
                field="batch_code",
            )
        return None, False
    if data.batch_code is None:
        raise DomainError(
            f"product {product.sku} is tracked by batch: a batch code is required",
            field="batch_code",
        )
    existing = production_crud.get_batch_by_code(
        session, product_id=product.id, code=data.batch_code
    )
    if existing is not None:
        return existing, False
    expires = (
        data.production_date + timedelta(days=product.shelf_life_days)
        if product.shelf_life_days
        else None
    )
    batch = Batch(
        id=new_id(),
        product_id=product.id,
        code=data.batch_code,
        factory_site_id=site.id,
        manufactured_on=data.production_date,
        expires_on=expires,
        created_by=ctx.user_id,
        installation_id=ctx.installation_id,
    )
    return batch, True  # written with its log


def _check_writer(ctx: ActorContext, location: StockLocation) -> None:
    """The one-writer rule for a log that moves no stock (only rejects): ``stock.post`` checks it
    whenever stock moves, this keeps a rejects-only log to the same rule and the same words."""
    if ctx.site_id is None:
        raise WrongSite(
            "this installation is read-only (it writes for no site): production at "
            f"{location.code} is written by the site that owns it",
            field="site_id",
        )
    if location.site_id != ctx.site_id:
        raise WrongSite(
            f"location {location.code} belongs to another site; this installation writes "
            "only its own site's production, and other sites' arrives through sync",
            field="site_id",
        )


def _voucher_no(site: Site, day: date, shift: str) -> str:
    return f"{site.code}-PRD-{day:%Y%m%d}-{shift}"
