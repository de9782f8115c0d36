"""Appliers: a change that arrived through sync (its self-contained payload) becomes rows.

The server applies what installations push; the desktop's sync engine applies what it pulls. Both
call these, so a payload is turned into rows in one place. Appliers write through crud bulk
inserts, not through the services' local one-writer rules: the writer was checked where the
change was made (and the server checks it against the ownership table before it applies).
They still refuse what would corrupt the store: an unknown location or product, a batch of
another product, stock below zero. Each returns, per change, ``None`` (applied),
``ALREADY_APPLIED`` (the row is here already, e.g. a restored store pushing it again under a new
epoch) or the ``DomainError`` that refused it; the caller decides what a refusal means.

Balances are derived from the ledger entries applied here, in the receiver's own order: the
sender's ``balance_after`` is its own running figure and is never trusted.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from hom.core.errors import DomainError, InsufficientStock, NotFound
from hom.crud import inventory as inventory_crud
from hom.crud import product as product_crud
from hom.crud import production as production_crud
from hom.crud import site as site_crud
from hom.schemas.base import validate
from hom.schemas.inventory import LedgerEntryPublic as LedgerPayload

LEDGER = "stock_ledger"


class _AlreadyApplied:
    def __repr__(self) -> str:
        return "ALREADY_APPLIED"


ALREADY_APPLIED: Final = _AlreadyApplied()
Outcome = DomainError | _AlreadyApplied | None


def _payload_error(exc: DomainError) -> DomainError:
    """A schema refusal with its field named inside the payload (``payload.quantity``)."""
    exc.field = f"payload.{exc.field}" if exc.field else "payload"
    return exc


def parse_ledger(payload: Mapping[str, Any]) -> LedgerPayload:
    try:
        return validate(LedgerPayload, dict(payload))
    except DomainError as exc:
        raise _payload_error(exc) from None


def apply_ledger_entries(
    session: Session, entries: Sequence[LedgerPayload], *, at: datetime
) -> list[Outcome]:
    """Insert ledger entries in order, each moving the receiver's own balance; an entry that
    would take a balance below zero (or names unknown master data) is refused and moves nothing.
    ``at`` stamps the balance rows (the receive time)."""
    outcomes: list[Outcome] = [None] * len(entries)
    present = inventory_crud.ledger_ids_present(session, (e.id for e in entries))
    locations = site_crud.get_locations(session, (e.location_id for e in entries))
    products = product_crud.get_many(session, (e.product_id for e in entries))
    batches = production_crud.get_batches(session, (e.batch_id for e in entries if e.batch_id))
    keys = [(e.location_id, e.product_id, e.batch_id) for e in entries]
    existing = inventory_crud.balances_for_keys(session, keys)
    running = {k: row.quantity for k, row in existing.items()}
    rows: list[dict[str, Any]] = []
    seen: set[uuid.UUID] = set()
    for index, (key, e) in enumerate(zip(keys, entries, strict=True)):
        if e.id in present or e.id in seen:
            outcomes[index] = ALREADY_APPLIED
            continue
        problem = _check_entry(e, locations, products, batches)
        if problem is None:
            after = running.get(key, 0) + e.quantity
            if e.quantity == 0:
                problem = DomainError("quantity must not be zero", field="payload.quantity")
            elif after < 0:
                available = running.get(key, 0)
                problem = InsufficientStock(
                    f"would take {products[e.product_id].sku} at "
                    f"{locations[e.location_id].code} below zero here: {available} available, "
                    f"{-e.quantity} taken out (the sender's balance_after was {e.balance_after})",
                    available=available,
                    field="payload.quantity",
                )
        if problem is not None:
            outcomes[index] = problem
            continue
        running[key] = after
        seen.add(e.id)
        row = e.model_dump()
        row["balance_after"] = after
        rows.append(row)
    inventory_crud.insert_ledger_rows(session, rows)
    inventory_crud.write_balances(session, existing=existing, running=running, at=at)
    return outcomes


def _check_entry(e: LedgerPayload, locations, products, batches) -> DomainError | None:
    if e.location_id not in locations:
        return NotFound(f"unknown stock location {e.location_id}", field="payload.location_id")
    product = products.get(e.product_id)
    if product is None:
        return NotFound(f"unknown product {e.product_id}", field="payload.product_id")
    if e.batch_id is not None:
        batch = batches.get(e.batch_id)
        if batch is None:
            return NotFound(f"unknown batch {e.batch_id}", field="payload.batch_id")
        if batch.product_id != e.product_id:
            return DomainError(
                f"batch {batch.code} is not a batch of product {product.sku}",
                field="payload.batch_id",
            )
    elif product.track_batches:
        return DomainError(
            f"product {product.sku} is tracked by batch: the entry needs its batch",
            field="payload.batch_id",
        )
    return None
