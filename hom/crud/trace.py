"""SQL for tracing one batch through production, stock and the three order levels.

Each question is one query with the names it needs joined in, so a trace of a batch that went
into thousands of orders still costs a handful of queries, never one per row.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import RowMapping, func, or_, select
from sqlalchemy.orm import Session, aliased

from hom.models.enums import VoucherType
from hom.models.inventory import StockLedgerEntry
from hom.models.party import Party
from hom.models.product import Product
from hom.models.production import Batch, ProductionLog
from hom.models.site import Site, StockLocation

ORDER_VOUCHERS = (VoucherType.DISPATCH, VoucherType.RECEIPT)


def batches_with_code(session: Session, code: str) -> list[RowMapping]:
    """Every batch with ``code``, whatever its product, with the product and factory named."""
    stmt = (
        select(
            Batch.id,
            Batch.code,
            Batch.product_id,
            Product.sku,
            Product.sku_key,
            Product.name.label("product_name"),
            Batch.factory_site_id,
            Site.code.label("factory_code"),
            Batch.manufactured_on,
            Batch.expires_on,
        )
        .join(Product, Product.id == Batch.product_id)
        .outerjoin(Site, Site.id == Batch.factory_site_id)
        .where(Batch.code == code)
        .order_by(Product.sku_key)
    )
    return list(session.execute(stmt).mappings())


def production_rows(session: Session, *, batch_id: uuid.UUID) -> list[RowMapping]:
    """The batch's production logs (reversals included) with the factory named."""
    log = ProductionLog
    later = aliased(ProductionLog)
    stmt = (
        select(
            log.id.label("log_id"),
            log.site_id,
            Site.code.label("site_code"),
            Site.name.label("site_name"),
            log.production_date,
            log.shift,
            log.good_qty,
            log.rejected_qty,
            log.remarks,
            log.reverses_id,
            (later.id.is_not(None)).label("reversed"),
            log.created_at,
        )
        .join(Site, Site.id == log.site_id)
        .outerjoin(later, later.reverses_id == log.id)
        .where(log.batch_id == batch_id)
        .order_by(log.production_date, log.created_at, log.id)
    )
    return list(session.execute(stmt).mappings())


def ledger_rows(session: Session, *, batch_id: uuid.UUID) -> list[RowMapping]:
    """Every ledger movement of the batch with its location and the location's site named,
    grouped by location (then in the order they were written)."""
    e = StockLedgerEntry
    stmt = (
        select(
            e.id.label("entry_id"),
            e.location_id,
            StockLocation.code.label("location_code"),
            StockLocation.name.label("location_name"),
            StockLocation.kind.label("location_kind"),
            Site.code.label("site_code"),
            e.quantity,
            e.balance_after,
            e.voucher_type,
            e.voucher_id,
            e.voucher_no,
            e.created_at,
        )
        .join(StockLocation, StockLocation.id == e.location_id)
        .join(Site, Site.id == StockLocation.site_id)
        .where(e.batch_id == batch_id)
        .order_by(StockLocation.code, e.created_at, e.id)
    )
    return list(session.execute(stmt).mappings())


def order_rows(
    session: Session,
    *,
    model: type[Any],
    line_model: type[Any],
    counterparty_field: str,
    batch_id: uuid.UUID,
    extra_fields: tuple[str, ...] = (),
) -> list[RowMapping]:
    """Orders of one level the batch went into: those whose dispatch or receipt moved the batch
    (ledger entries carry the order id as their voucher) and those with a line naming the batch.

    ``quantity`` is what the dispatch took from the batch, or, for an order that moved no stock,
    the quantity of its lines naming the batch.
    """
    e = StockLedgerEntry
    by_ledger = select(e.voucher_id).where(
        e.batch_id == batch_id, e.voucher_type.in_(ORDER_VOUCHERS)
    )
    by_line = select(line_model.order_id).where(line_model.batch_id == batch_id)
    dispatched = (
        select(e.voucher_id.label("order_id"), func.sum(-e.quantity).label("qty"))
        .where(e.batch_id == batch_id, e.voucher_type == VoucherType.DISPATCH)
        .group_by(e.voucher_id)
        .subquery()
    )
    on_lines = (
        select(line_model.order_id.label("order_id"), func.sum(line_model.quantity).label("qty"))
        .where(line_model.batch_id == batch_id)
        .group_by(line_model.order_id)
        .subquery()
    )
    counterparty = getattr(model, counterparty_field)
    stmt = (
        select(
            model.id.label("order_id"),
            model.number,
            model.status,
            model.order_date,
            model.site_id,
            Party.id.label("counterparty_id"),
            Party.code.label("counterparty_code"),
            Party.name.label("counterparty_name"),
            func.coalesce(dispatched.c.qty, on_lines.c.qty, 0).label("quantity"),
            *(getattr(model, f) for f in extra_fields),
        )
        .join(Party, Party.id == counterparty)
        .outerjoin(dispatched, dispatched.c.order_id == model.id)
        .outerjoin(on_lines, on_lines.c.order_id == model.id)
        .where(or_(model.id.in_(by_ledger), model.id.in_(by_line)))
        .order_by(model.order_date, model.number)
    )
    return list(session.execute(stmt).mappings())
