"""SQL for the stock ledger and balances. No rules here: the stock service decides what to post.

Hot paths use Core bulk inserts and one query per batch of keys, never a query per row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Uuid, and_, any_, bindparam, func, literal, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from hom.core.ids import new_id
from hom.crud import bulk
from hom.models.enums import VoucherType
from hom.models.inventory import StockBalance, StockLedgerEntry
from hom.models.product import Product
from hom.models.production import Batch
from hom.models.site import StockLocation

BalanceKey = tuple[uuid.UUID, uuid.UUID, uuid.UUID | None]  # location, product, batch

_CHUNK = 400  # keys per IN (...) query: well under SQLite's variable limit
_FEW_LOCATIONS = 4  # up to this many locations, balances are read by location and product lists


@dataclass(frozen=True)
class BalanceRow:
    id: uuid.UUID
    quantity: int


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Hot statements are built once, with bound parameters: building a statement costs several
# times what running a cached one does.
_balances = StockBalance.__table__
_BALANCES_AT = select(
    _balances.c.location_id,
    _balances.c.product_id,
    _balances.c.batch_id,
    _balances.c.id,
    _balances.c.quantity,
).where(
    _balances.c.location_id == bindparam("location_id"),
    _balances.c.product_id.in_(bindparam("product_ids", expanding=True)),
)
_BALANCES_AT_FOR_UPDATE = _BALANCES_AT.order_by(
    _balances.c.product_id, _balances.c.batch_id
).with_for_update()


def balances_for_keys(
    session: Session, keys: Iterable[BalanceKey], *, for_update: bool = False
) -> dict[BalanceKey, BalanceRow]:
    """The balance rows that exist for ``keys`` (missing keys mean zero stock).

    ``for_update`` locks the rows until the transaction ends (``SELECT ... FOR UPDATE``, in key
    order (location, product, batch) across every chunk, so two writers of overlapping keys
    take them in one order and never deadlock): on PostgreSQL a second writer of the same
    balance waits, then reads the first one's result. SQLite's BEGIN IMMEDIATE already
    serialises writers, and its dialect leaves the clause out."""
    found: dict[BalanceKey, BalanceRow] = {}
    pairs = {(loc, prod) for loc, prod, _ in keys}
    cols = (
        StockBalance.location_id,
        StockBalance.product_id,
        StockBalance.batch_id,
        StockBalance.id,
        StockBalance.quantity,
    )
    locations = sorted({loc for loc, _ in pairs})
    if for_update or len(locations) == 1:
        # Location by location, products in order, each query's rows in (product, batch) order:
        # locks are taken in one global (location, product, batch) order, so two writers of
        # overlapping keys never wait for each other in a cycle. One location (one voucher) is
        # the common case, and the query is prebuilt.
        stmt = _BALANCES_AT_FOR_UPDATE if for_update else _BALANCES_AT
        for location in locations:
            products = sorted({prod for loc, prod in pairs if loc == location})
            for chunk in _chunks(products):
                for loc, prod, batch, bid, qty in session.execute(
                    stmt, {"location_id": location, "product_ids": list(chunk)}
                ):
                    found[(loc, prod, batch)] = BalanceRow(bid, qty)
        return found
    if len(locations) <= _FEW_LOCATIONS:
        # A voucher touches a location or two: two plain IN lists read (a few more rows than)
        # the pairs wanted, and are much cheaper to run than a tuple IN of pairs.
        products = sorted({prod for _, prod in pairs})
        wheres = [
            and_(StockBalance.location_id.in_(locations), StockBalance.product_id.in_(chunk))
            for chunk in _chunks(products)
        ]
    else:
        wheres = [
            tuple_(StockBalance.location_id, StockBalance.product_id).in_(chunk)
            for chunk in _chunks(sorted(pairs))
        ]
    for where in wheres:
        for loc, prod, batch, bid, qty in session.execute(select(*cols).where(where)):
            if (loc, prod) in pairs:
                found[(loc, prod, batch)] = BalanceRow(bid, qty)
    return found


def insert_ledger_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    bulk.insert_rows(session, StockLedgerEntry.__table__, rows)


def insert_balances(session: Session, rows: list[dict[str, Any]]) -> None:
    bulk.insert_rows(session, StockBalance.__table__, rows)


def add_to_balances(session: Session, rows: list[dict[str, Any]]) -> None:
    """``rows`` hold ``b_id``, ``delta`` and ``updated_at`` for existing balance rows.

    Relative updates (``quantity = quantity + delta``): even a writer that read a stale value
    cannot overwrite another's change, and the table's CHECK refuses a negative result.
    """
    if rows:
        session.connection().execute(_ADD_TO_BALANCE, rows)


_ADD_TO_BALANCE = (
    update(_balances)
    .where(_balances.c.id == bindparam("b_id"))
    .values(
        quantity=_balances.c.quantity + bindparam("delta"),
        updated_at=bindparam("updated_at"),
    )
)


def on_hand(
    session: Session,
    *,
    location_id: uuid.UUID,
    product_id: uuid.UUID,
    batch_id: uuid.UUID | None = None,
    any_batch: bool = True,
) -> int:
    """Current quantity at a location: all batches summed, or one batch (None = unbatched)."""
    stmt = select(func.coalesce(func.sum(StockBalance.quantity), 0)).where(
        StockBalance.location_id == location_id, StockBalance.product_id == product_id
    )
    if not any_batch or batch_id is not None:
        stmt = stmt.where(
            StockBalance.batch_id.is_(None)
            if batch_id is None
            else StockBalance.batch_id == batch_id
        )
    return int(session.scalar(stmt) or 0)


def batch_balances(
    session: Session, *, location_id: uuid.UUID, product_id: uuid.UUID
) -> list[tuple[uuid.UUID | None, int]]:
    """(batch, quantity) rows with stock at a location, for allocation."""
    stmt = select(StockBalance.batch_id, StockBalance.quantity).where(
        StockBalance.location_id == location_id,
        StockBalance.product_id == product_id,
        StockBalance.quantity > 0,
    )
    return [(b, q) for b, q in session.execute(stmt)]


def stock_by_location(
    session: Session,
    *,
    location_ids: Sequence[uuid.UUID] | None = None,
    product_ids: Sequence[uuid.UUID] | None = None,
) -> list[tuple[uuid.UUID, uuid.UUID, int]]:
    """(location, product, quantity) summed over batches, leaving out zero rows."""
    qty = func.sum(StockBalance.quantity)
    stmt = select(StockBalance.location_id, StockBalance.product_id, qty).group_by(
        StockBalance.location_id, StockBalance.product_id
    )
    if location_ids is not None:
        stmt = stmt.where(StockBalance.location_id.in_(location_ids))
    if product_ids is not None:
        stmt = stmt.where(StockBalance.product_id.in_(product_ids))
    stmt = stmt.having(qty != 0)
    return [(loc, prod, int(q)) for loc, prod, q in session.execute(stmt)]


@dataclass(frozen=True)
class LedgerFilter:
    location_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None
    batch_id: uuid.UUID | None = None
    voucher_type: VoucherType | None = None
    voucher_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


def _ledger_where(flt: LedgerFilter) -> list[Any]:
    clauses: list[Any] = []
    e = StockLedgerEntry
    if flt.location_id is not None:
        clauses.append(e.location_id == flt.location_id)
    if flt.product_id is not None:
        clauses.append(e.product_id == flt.product_id)
    if flt.batch_id is not None:
        clauses.append(e.batch_id == flt.batch_id)
    if flt.voucher_type is not None:
        clauses.append(e.voucher_type == flt.voucher_type)
    if flt.voucher_id is not None:
        clauses.append(e.voucher_id == flt.voucher_id)
    if flt.since is not None:
        clauses.append(e.created_at >= flt.since)
    if flt.until is not None:
        clauses.append(e.created_at < flt.until)
    return clauses


def _ledger_keyset(stmt, after: tuple[datetime, uuid.UUID] | None):
    """Rows strictly after (older than) the last row of the previous page."""
    if after is None:
        return stmt
    e = StockLedgerEntry
    at, last_id = after
    # The plain ``created_at <= at`` lets SQLite narrow the index range; the OR then breaks
    # ties between entries of the same moment by id.
    return stmt.where(
        e.created_at <= at, or_(e.created_at < at, and_(e.created_at == at, e.id < last_id))
    )


def ledger_page(
    session: Session,
    *,
    flt: LedgerFilter,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int = 200,
) -> list[StockLedgerEntry]:
    """Newest first, keyset-paged: pass the last row's (created_at, id) to get the next page.

    Keyset paging costs the same on page 5,000 as on page 1, where OFFSET would scan.
    """
    e = StockLedgerEntry
    stmt = _ledger_keyset(select(e).where(*_ledger_where(flt)), after)
    stmt = stmt.order_by(e.created_at.desc(), e.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def ledger_page_with_names(
    session: Session,
    *,
    flt: LedgerFilter,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int = 200,
) -> list[Row[Any]]:
    """The same page as ``ledger_page`` as plain rows with the location code, SKU, product name
    and batch code joined in: one query and no ORM objects, for the ledger view's scrolling."""
    e = StockLedgerEntry
    stmt = (
        select(
            e.id,
            e.created_at,
            e.location_id,
            StockLocation.code.label("location_code"),
            e.product_id,
            Product.sku,
            Product.name.label("product_name"),
            e.batch_id,
            Batch.code.label("batch_code"),
            e.quantity,
            e.balance_after,
            e.voucher_type,
            e.voucher_no,
            e.reason,
        )
        .join(StockLocation, StockLocation.id == e.location_id)
        .join(Product, Product.id == e.product_id)
        .outerjoin(Batch, Batch.id == e.batch_id)
        .where(*_ledger_where(flt))
    )
    stmt = _ledger_keyset(stmt, after).order_by(e.created_at.desc(), e.id.desc()).limit(limit)
    return list(session.execute(stmt))


def ledger_count(session: Session, *, flt: LedgerFilter) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(StockLedgerEntry).where(*_ledger_where(flt))
        )
        or 0
    )


_LEDGER_FOR_VOUCHER = (
    select(StockLedgerEntry)
    .where(StockLedgerEntry.voucher_id == bindparam("voucher_id"))
    .order_by(StockLedgerEntry.created_at, StockLedgerEntry.id)
)


def ledger_for_voucher(session: Session, *, voucher_id: uuid.UUID) -> list[StockLedgerEntry]:
    return list(session.scalars(_LEDGER_FOR_VOUCHER, {"voucher_id": voucher_id}))


_LEDGER_ROWS_FOR_VOUCHERS = (
    select(
        StockLedgerEntry.voucher_id,
        StockLedgerEntry.product_id,
        StockLedgerEntry.batch_id,
        StockLedgerEntry.quantity,
    )
    .where(StockLedgerEntry.voucher_id.in_(bindparam("voucher_ids", expanding=True)))
    .order_by(StockLedgerEntry.created_at, StockLedgerEntry.id)
)


def ledger_rows_for_vouchers(
    session: Session, voucher_ids: Sequence[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID, uuid.UUID | None, int]]:
    """(voucher, product, batch, quantity) of every entry of ``voucher_ids``, in posting order
    within each chunk of vouchers: the columns only, for many documents at once."""
    rows: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID | None, int]] = []
    for chunk in _chunks(list(voucher_ids)):
        rows.extend(
            (v, p, b, q)
            for v, p, b, q in session.execute(_LEDGER_ROWS_FOR_VOUCHERS, {"voucher_ids": chunk})
        )
    return rows


def ledger_for_batch(session: Session, *, batch_id: uuid.UUID) -> list[StockLedgerEntry]:
    stmt = (
        select(StockLedgerEntry)
        .where(StockLedgerEntry.batch_id == batch_id)
        .order_by(StockLedgerEntry.created_at, StockLedgerEntry.id)
    )
    return list(session.scalars(stmt))


def balance_mismatches(
    session: Session, *, location_ids: Sequence[uuid.UUID] | None = None
) -> list[tuple[uuid.UUID, uuid.UUID, uuid.UUID | None, int, int]]:
    """(location, product, batch, balance, ledger sum) wherever the two disagree (at
    ``location_ids`` only, when given).

    One pass over each table, joined in SQL (a full outer join written as two left joins so it
    runs on SQLite as well as PostgreSQL).
    """
    e, b = StockLedgerEntry, StockBalance
    sums_stmt = select(
        e.location_id, e.product_id, e.batch_id, func.sum(e.quantity).label("total")
    ).group_by(e.location_id, e.product_id, e.batch_id)
    if location_ids is not None:
        sums_stmt = sums_stmt.where(e.location_id.in_(list(location_ids)))
    sums = sums_stmt.subquery()
    same_key = and_(
        sums.c.location_id == b.location_id,
        sums.c.product_id == b.product_id,
        or_(sums.c.batch_id == b.batch_id, and_(sums.c.batch_id.is_(None), b.batch_id.is_(None))),
    )
    from_ledger = (
        select(
            sums.c.location_id,
            sums.c.product_id,
            sums.c.batch_id,
            func.coalesce(b.quantity, 0),
            sums.c.total,
        )
        .select_from(sums.outerjoin(b, same_key))
        .where(func.coalesce(b.quantity, 0) != sums.c.total)
    )
    from_balances = (
        select(b.location_id, b.product_id, b.batch_id, b.quantity, literal(0))
        .select_from(b.__table__.outerjoin(sums, same_key))
        .where(sums.c.total.is_(None), b.quantity != 0)
    )
    if location_ids is not None:
        from_balances = from_balances.where(b.location_id.in_(list(location_ids)))
    rows = list(session.execute(from_ledger)) + list(session.execute(from_balances))
    return [(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in rows]


@dataclass(frozen=True)
class ChainBreak:
    """A ledger entry whose balance before it is not its predecessor's ``balance_after``."""

    entry_id: uuid.UUID
    location_id: uuid.UUID
    product_id: uuid.UUID
    batch_id: uuid.UUID | None
    expected_before: int  # the previous entry's balance_after (0 for the first)
    recorded_before: int  # balance_after - quantity of this entry


def balance_chain_breaks(
    session: Session, *, limit: int = 1000, location_ids: Sequence[uuid.UUID] | None = None
) -> list[ChainBreak]:
    """Entries, in posting order per (location, product, batch), whose ``balance_after`` minus
    their quantity differs from the previous entry's ``balance_after``. One window-function pass
    (SQLite 3.25+ and PostgreSQL); two concurrent posts that both wrote 15 from 20 show here even
    when the sums agree."""
    e = StockLedgerEntry
    previous = func.lag(e.balance_after).over(
        partition_by=(e.location_id, e.product_id, e.batch_id), order_by=(e.created_at, e.id)
    )
    chain_stmt = select(
        e.id,
        e.location_id,
        e.product_id,
        e.batch_id,
        e.quantity,
        e.balance_after,
        func.coalesce(previous, 0).label("expected"),
    )
    if location_ids is not None:
        chain_stmt = chain_stmt.where(e.location_id.in_(list(location_ids)))
    chain = chain_stmt.subquery()
    before = chain.c.balance_after - chain.c.quantity
    stmt = (
        select(
            chain.c.id,
            chain.c.location_id,
            chain.c.product_id,
            chain.c.batch_id,
            chain.c.expected,
            before,
        )
        .where(before != chain.c.expected)
        .limit(limit)
    )
    return [ChainBreak(r[0], r[1], r[2], r[3], int(r[4]), int(r[5])) for r in session.execute(stmt)]


def counts(session: Session) -> tuple[int, int]:
    """(ledger entries, balance rows)."""
    n_ledger = session.scalar(select(func.count()).select_from(StockLedgerEntry)) or 0
    n_bal = session.scalar(select(func.count()).select_from(StockBalance)) or 0
    return n_ledger, n_bal


def negative_balance_count(session: Session) -> int:
    stmt = select(func.count()).select_from(StockBalance).where(StockBalance.quantity < 0)
    return session.scalar(stmt) or 0


_batches = Batch.__table__
_HOLDINGS = (
    select(
        _balances.c.product_id,
        _balances.c.batch_id,
        _balances.c.quantity,
        _batches.c.code,
        _batches.c.manufactured_on,
        _batches.c.expires_on,
    )
    .select_from(_balances.outerjoin(_batches, _batches.c.id == _balances.c.batch_id))
    .where(_balances.c.location_id == bindparam("location_id"), _balances.c.quantity > 0)
)
_HOLDINGS_OF = _HOLDINGS.where(_balances.c.product_id.in_(bindparam("product_ids", expanding=True)))


def holdings(
    session: Session, *, location_id: uuid.UUID, product_ids: Sequence[uuid.UUID] | None = None
) -> list[tuple[uuid.UUID, uuid.UUID | None, int, Row | None]]:
    """(product id, batch id, quantity, batch dates) with stock at a location, of every product
    (or of ``product_ids``), in no particular order: one query for a whole location. The batch
    dates row has the batch's ``code``, ``manufactured_on`` and ``expires_on`` (None for
    unbatched stock): what the first-expiry-first rule orders by, without loading whole batch
    objects."""
    if product_ids is None:
        rows = list(session.execute(_HOLDINGS, {"location_id": location_id}))
    else:
        rows = []
        for chunk in _chunks(list(product_ids)):
            params = {"location_id": location_id, "product_ids": list(chunk)}
            rows.extend(session.execute(_HOLDINGS_OF, params))
    return [
        (row.product_id, row.batch_id, int(row.quantity), row if row.batch_id else None)
        for row in rows
    ]


def ledger_ids_present(session: Session, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``ids`` are already ledger entries (a sync applier skips those)."""
    wanted = list(set(ids))
    found: set[uuid.UUID] = set()
    if wanted and session.get_bind().dialect.name == "postgresql":
        # One array parameter instead of chunks of IN lists: one short statement to plan.
        ids_param = bindparam("ids", wanted, type_=postgresql.ARRAY(Uuid))
        stmt = select(StockLedgerEntry.id).where(StockLedgerEntry.id == any_(ids_param))
        return set(session.scalars(stmt))
    for chunk in _chunks(wanted):
        found.update(
            session.scalars(select(StockLedgerEntry.id).where(StockLedgerEntry.id.in_(chunk)))
        )
    return found


def write_balances(
    session: Session,
    *,
    existing: dict[BalanceKey, BalanceRow],
    running: dict[BalanceKey, int],
    at: datetime,
) -> None:
    """Bring the balance rows of ``running``'s keys to its quantities: relative updates of the
    rows that exist (``existing``, as read before the change) and inserts of new keys."""
    updates = [
        {"b_id": existing[k].id, "delta": q - existing[k].quantity, "updated_at": at}
        for k, q in running.items()
        if k in existing and existing[k].quantity != q
    ]
    inserts = [
        {
            "id": new_id(),
            "location_id": k[0],
            "product_id": k[1],
            "batch_id": k[2],
            "quantity": q,
            "updated_at": at,
        }
        for k, q in running.items()
        if k not in existing
    ]
    add_to_balances(session, updates)
    insert_balances(session, inserts)


def ledger_rows_by_id(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """The stored ledger rows of ``ids`` (column mappings), to compare with a pulled copy."""
    table = StockLedgerEntry.__table__
    found: dict[uuid.UUID, Any] = {}
    for chunk in _chunks(list(set(ids))):
        for row in session.execute(select(table).where(table.c.id.in_(chunk))).mappings():
            found[row["id"]] = row
    return found
