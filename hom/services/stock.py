"""Stock movements: every change of stock goes through ``post``, which enforces the rules.

- only the site that owns a location writes its ledger (the one-writer rule);
- stock never goes below zero (refused with the quantity available);
- a batch-tracked product always moves with its batch;
- ledger, balances and outbox are written in the caller's one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hom.core.clock import utcnow
from hom.core.errors import Conflict, DomainError, InsufficientStock, NotFound, WrongSite
from hom.core.ids import new_id
from hom.core.text import grouped
from hom.crud import inventory as inventory_crud
from hom.crud import product as product_crud
from hom.crud import production as production_crud
from hom.crud import site as site_crud
from hom.models.enums import VoucherType
from hom.models.inventory import StockLedgerEntry
from hom.models.production import Batch
from hom.schemas.base import validate
from hom.schemas.inventory import ReceiptCreate, StockCountCreate, TransferCreate
from hom.services import audit
from hom.services.context import ActorContext
from hom.services.permissions import require
from hom.sync import changelog, entities, ownership

LEDGER_ENTITY = entities.LEDGER


@dataclass(frozen=True)
class Movement:
    """One signed change of stock at a location (positive in, negative out).

    ``location_field`` is the caller's name for the location, so a refusal points at the field
    the user filled in (``from_location_id``, ``site_id``…) rather than an internal name.
    ``voucher_type`` overrides the voucher's type for this movement (a transfer's two sides are
    one voucher, posted in one call so both are checked before either is written).
    """

    location_id: uuid.UUID
    product_id: uuid.UUID
    quantity: int
    batch_id: uuid.UUID | None = None
    location_field: str = "location_id"
    voucher_type: VoucherType | None = None


@dataclass(frozen=True)
class PostResult:
    voucher_id: uuid.UUID
    entry_ids: list[uuid.UUID]
    balances_after: list[int]


def post(
    session: Session,
    *,
    ctx: ActorContext,
    movements: Sequence[Movement],
    voucher_type: VoucherType,
    voucher_id: uuid.UUID,
    voucher_no: str = "",
    reason: str = "",
    at: datetime | None = None,
) -> PostResult:
    """Write ``movements`` to the ledger and the balances, in order, or nothing at all: every
    movement is checked (site, product, batch, stock left) before the first row is written, so a
    caller that catches a refusal and carries on has written nothing of this voucher.

    Callers check the permission for their own action; ``post`` enforces the stock rules.
    """
    if not movements:
        raise DomainError("nothing to post: at least one movement is required", field="movements")
    locations = site_crud.get_locations(session, (m.location_id for m in movements))
    products = product_crud.get_many(session, (m.product_id for m in movements))
    batches = production_crud.get_batches(session, (m.batch_id for m in movements if m.batch_id))
    _check_movements(ctx, movements, locations, products, batches)

    keys = [(m.location_id, m.product_id, m.batch_id) for m in movements]
    # Locked for the rest of the transaction: what is read here is what the update adds to.
    existing = inventory_crud.balances_for_keys(session, keys, for_update=True)
    running: dict[inventory_crud.BalanceKey, int] = {k: row.quantity for k, row in existing.items()}

    now = at or utcnow()
    entry_ids: list[uuid.UUID] = []
    balances_after: list[int] = []
    ledger_rows = []
    for key, m in zip(keys, movements, strict=True):
        after = running.get(key, 0) + m.quantity
        if after < 0:
            available = running.get(key, 0)
            product = products[m.product_id]
            batch = f" batch {batches[m.batch_id].code}" if m.batch_id else ""
            raise InsufficientStock(
                f"not enough stock of {product.sku}{batch} at {locations[m.location_id].code}: "
                f"{grouped(available)} available, {grouped(-m.quantity)} requested",
                available=available,
            )
        running[key] = after
        entry_id = new_id()
        entry_ids.append(entry_id)
        balances_after.append(after)
        ledger_rows.append(
            {
                "id": entry_id,
                "location_id": m.location_id,
                "product_id": m.product_id,
                "batch_id": m.batch_id,
                "quantity": m.quantity,
                "balance_after": after,
                "voucher_type": m.voucher_type or voucher_type,
                "voucher_id": voucher_id,
                "voucher_no": voucher_no,
                "reason": reason,
                "created_at": now,
                "created_by": ctx.user_id,
                "installation_id": ctx.installation_id,
            }
        )

    inventory_crud.insert_ledger_rows(session, ledger_rows)
    try:
        inventory_crud.write_balances(session, existing=existing, running=running, at=now)
    except IntegrityError:
        # Another writer created the same balance row since it was read (PostgreSQL; the unique
        # key refused this one): nothing of this voucher stands, and trying again will see it.
        raise Conflict(
            "the stock of this product at this location was changed by another user meanwhile: "
            "try again",
            field="movements",
        ) from None
    changelog.queue(session, ctx=ctx, entity=LEDGER_ENTITY, rows=ledger_rows, operation="insert")
    return PostResult(voucher_id=voucher_id, entry_ids=entry_ids, balances_after=balances_after)


def _check_movements(ctx, movements, locations, products, batches) -> None:
    checked: set[tuple] = set()  # (location, product, batch) already found good
    for index, m in enumerate(movements):
        key = (m.location_id, m.product_id, m.batch_id)
        if key in checked and isinstance(m.quantity, int) and m.quantity != 0:
            continue  # the same stock as an earlier movement: only its quantity was left
        # Fields are named by position in a list of movements, unless the caller named the
        # location's field itself (a form with one field per side, like a transfer's).
        listed = len(movements) > 1 and m.location_field == "location_id"
        where = f"movements.{index}" if listed else ""
        location = locations.get(m.location_id)
        loc_field = _f(where, m.location_field)
        if location is None:
            raise NotFound(f"unknown stock location {m.location_id}", field=loc_field)
        if ctx.site_id is None:
            raise WrongSite(
                "this installation is read-only (it writes for no site): stock at "
                f"{location.code} is written by the site that owns it",
                field=loc_field,
            )
        if location.site_id != ctx.site_id:
            raise WrongSite(
                f"location {location.code} belongs to another site; this installation writes "
                "only its own site's stock, and other sites' stock arrives through sync",
                field=loc_field,
            )
        product = products.get(m.product_id)
        if product is None:
            raise NotFound(f"unknown product {m.product_id}", field=_f(where, "product_id"))
        if not isinstance(m.quantity, int) or m.quantity == 0:
            raise DomainError(
                "quantity must be a non-zero whole number", field=_f(where, "quantity")
            )
        if m.batch_id is None:
            if product.track_batches:
                raise DomainError(
                    f"product {product.sku} is tracked by batch: a batch is required",
                    field=_f(where, "batch_id"),
                )
        else:
            if not product.track_batches:
                raise DomainError(
                    f"product {product.sku} is not tracked by batch: leave the batch empty",
                    field=_f(where, "batch_id"),
                )
            batch = batches.get(m.batch_id)
            if batch is None:
                raise NotFound(f"unknown batch {m.batch_id}", field=_f(where, "batch_id"))
            if batch.product_id != m.product_id:
                raise DomainError(
                    f"batch {batch.code} is not a batch of product {product.sku}",
                    field=_f(where, "batch_id"),
                )
        checked.add(key)


def _f(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


# --- user actions -------------------------------------------------------------------------


def receive(session: Session, *, ctx: ActorContext, receipt_in: ReceiptCreate | dict) -> PostResult:
    """Stock arriving from outside the system: an opening balance or goods received."""
    require(ctx, "stock.receive")
    data = validate(ReceiptCreate, receipt_in)
    voucher_id = new_id()
    result = post(
        session,
        ctx=ctx,
        movements=[Movement(data.location_id, data.product_id, data.quantity, data.batch_id)],
        voucher_type=VoucherType.RECEIPT,
        voucher_id=voucher_id,
        reason=data.reason,
    )
    audit.record(
        session,
        ctx=ctx,
        action="stock.receive",
        entity=LEDGER_ENTITY,
        entity_id=voucher_id,
        summary=f"received {data.quantity}",
    )
    return result


def transfer(
    session: Session, *, ctx: ActorContext, transfer_in: TransferCreate | dict
) -> PostResult:
    """Move stock between two locations of this site: two entries, one transaction."""
    require(ctx, "stock.transfer")
    data = validate(TransferCreate, transfer_in)
    voucher_id = new_id()
    out = Movement(
        data.from_location_id,
        data.product_id,
        -data.quantity,
        data.batch_id,
        "from_location_id",
        VoucherType.TRANSFER_OUT,
    )
    into = Movement(
        data.to_location_id,
        data.product_id,
        data.quantity,
        data.batch_id,
        "to_location_id",
        VoucherType.TRANSFER_IN,
    )
    # One post: the destination is checked before the source's entry is written.
    result = post(
        session,
        ctx=ctx,
        movements=[out, into],
        voucher_type=VoucherType.TRANSFER_OUT,
        voucher_id=voucher_id,
        reason=data.reason,
    )
    audit.record(
        session,
        ctx=ctx,
        action="stock.transfer",
        entity=LEDGER_ENTITY,
        entity_id=voucher_id,
        summary=f"transferred {data.quantity}",
    )
    return result


def count(
    session: Session, *, ctx: ActorContext, count_in: StockCountCreate | dict
) -> PostResult | None:
    """A physical count: posts the difference to the book quantity as an adjustment.

    Returns None when the count matches the books (nothing to post).
    """
    require(ctx, "stock.adjust")
    data = validate(StockCountCreate, count_in)
    book = inventory_crud.on_hand(
        session,
        location_id=data.location_id,
        product_id=data.product_id,
        batch_id=data.batch_id,
        any_batch=False,
    )
    difference = data.counted_quantity - book
    if difference == 0:
        return None
    voucher_id = new_id()
    result = post(
        session,
        ctx=ctx,
        movements=[Movement(data.location_id, data.product_id, difference, data.batch_id)],
        voucher_type=VoucherType.ADJUSTMENT,
        voucher_id=voucher_id,
        reason=data.reason,
    )
    audit.record(
        session,
        ctx=ctx,
        action="stock.adjust",
        entity=LEDGER_ENTITY,
        entity_id=voucher_id,
        summary=f"count {data.counted_quantity} against book {book}: {data.reason}",
        changes={"quantity": (book, data.counted_quantity)},
    )
    return result


# --- reading ------------------------------------------------------------------------------


def on_hand(
    session: Session,
    *,
    location_id: uuid.UUID,
    product_id: uuid.UUID,
    batch_id: uuid.UUID | None = None,
) -> int:
    """Current stock of a product at a location (all batches, or one batch)."""
    return inventory_crud.on_hand(
        session, location_id=location_id, product_id=product_id, batch_id=batch_id
    )


def ledger_for_voucher(session: Session, *, voucher_id: uuid.UUID) -> list[StockLedgerEntry]:
    """The entries one document (order, transfer, production log) posted, in posting order."""
    return inventory_crud.ledger_for_voucher(session, voucher_id=voucher_id)


def moved_by_vouchers(
    session: Session, *, voucher_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID | None, int]]]:
    """What each of many documents moved: per voucher, its (product, batch, signed quantity) in
    posting order (one read for all of them)."""
    moved: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID | None, int]]] = {}
    for voucher, product, batch, qty in inventory_crud.ledger_rows_for_vouchers(
        session, voucher_ids
    ):
        moved.setdefault(voucher, []).append((product, batch, qty))
    return moved


def fefo_key(batch: Batch | Any | None) -> tuple[bool, date, date, str]:
    """First expiry first: the one order in which stock leaves a location. Batches without an
    expiry date (and unbatched stock) go last; between equal expiries the oldest made goes
    first, then the batch code decides. ``batch`` is a batch or anything with its ``expires_on``,
    ``manufactured_on`` and ``code``."""
    if batch is None:
        return (True, date.max, date.max, "")
    return (
        batch.expires_on is None,
        batch.expires_on or date.max,
        batch.manufactured_on or date.max,
        batch.code,
    )


def batches_on_hand(
    session: Session, *, location_id: uuid.UUID, product_id: uuid.UUID
) -> list[tuple[uuid.UUID | None, int, date | None]]:
    """What a location holds of a product, batch by batch, first expiry first (``fefo_key``)."""
    return holdings(session, location_id=location_id, product_ids=[product_id]).get(product_id, [])


def holdings(
    session: Session, *, location_id: uuid.UUID, product_ids: Sequence[uuid.UUID] | None = None
) -> dict[uuid.UUID, list[tuple[uuid.UUID | None, int, date | None]]]:
    """What a location holds (of every product, or of ``product_ids``) in one read: per product,
    its (batch id, quantity, expiry date) first expiry first (``fefo_key``), products in the order
    of their ids."""
    by_product: dict[uuid.UUID, list] = {}
    for pid, batch_id, qty, batch in inventory_crud.holdings(
        session, location_id=location_id, product_ids=product_ids
    ):
        by_product.setdefault(pid, []).append((batch_id, qty, batch))
    out = {}
    for pid in sorted(by_product, key=str):
        rows = sorted(by_product[pid], key=lambda row: fefo_key(row[2]))
        out[pid] = [(b, q, batch.expires_on if batch else None) for b, q, batch in rows]
    return out


def stock_by_location(
    session: Session,
    *,
    location_ids: Sequence[uuid.UUID] | None = None,
    product_ids: Sequence[uuid.UUID] | None = None,
) -> list[tuple[uuid.UUID, uuid.UUID, int]]:
    return inventory_crud.stock_by_location(
        session, location_ids=location_ids, product_ids=product_ids
    )


def ledger_page(
    session: Session,
    *,
    flt: inventory_crud.LedgerFilter,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int = 200,
) -> list[StockLedgerEntry]:
    return inventory_crud.ledger_page(session, flt=flt, after=after, limit=limit)


@dataclass(frozen=True)
class VerifyReport:
    ledger_entries: int
    balance_rows: int
    mismatches: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID | None, int, int]]
    negatives: int
    chain_breaks: list[inventory_crud.ChainBreak]

    @property
    def ok(self) -> bool:
        return not self.mismatches and self.negatives == 0 and not self.chain_breaks


def verify(session: Session) -> VerifyReport:
    """Prove balance == sum(ledger) for every location, product and batch, none negative, and
    each entry's ``balance_after`` continuing from the one before it: at every location whose
    whole history this store holds (an enrolled site's store also holds references of other
    sites' entries, a primary order's dispatch, which move no balance here)."""
    n_ledger, n_bal = inventory_crud.counts(session)
    found = site_crud.get_installation(session)
    site = site_crud.get_site(session, found.site_id) if found and found.site_id else None
    kept = ownership.balances_kept(
        enrolled=found is not None and found.enrolled_at is not None,
        site_id=found.site_id if found else None,
        site_kind=site.kind if site else None,
    )
    locations = None if kept is None else site_crud.location_ids_of_sites(session, kept)
    mismatches = inventory_crud.balance_mismatches(session, location_ids=locations)
    negatives = inventory_crud.negative_balance_count(session)
    breaks = inventory_crud.balance_chain_breaks(session, location_ids=locations)
    return VerifyReport(n_ledger, n_bal, mismatches, negatives, breaks)
