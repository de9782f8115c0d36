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

from pydantic import BaseModel
from sqlalchemy.orm import Session

from hom.core.errors import DomainError, Duplicate, InsufficientStock, NotFound, WrongSite
from hom.crud import goods_receipts as receipts_crud
from hom.crud import inventory as inventory_crud
from hom.crud import orders as orders_crud
from hom.crud import product as product_crud
from hom.crud import production as production_crud
from hom.crud import replica as replica_crud
from hom.crud import site as site_crud
from hom.crud import user as user_crud
from hom.models.geography import GeoNode
from hom.models.goods_receipt import GoodsReceipt, GoodsReceiptLine
from hom.models.party import Party
from hom.models.product import Product
from hom.models.production import Batch, ProductionLog
from hom.models.sales_primary import PrimaryOrder, PrimaryOrderLine
from hom.models.sales_secondary import SecondaryOrder, SecondaryOrderLine
from hom.models.sales_tertiary import TertiaryOrder, TertiaryOrderLine
from hom.models.site import Site, StockLocation
from hom.models.user import Role, User
from hom.schemas.base import validate
from hom.schemas.goods_receipts import GoodsReceiptSync
from hom.schemas.inventory import LedgerEntrySync as LedgerPayload
from hom.schemas.sync import Operation
from hom.services.geography import name_key
from hom.services.products import sku_key
from hom.sync import entities as E

LEDGER = E.LEDGER

#: Entities whose snapshot is one row of one table (besides the derived keys added below).
ROW_MODELS: dict[str, type] = {
    E.PRODUCTS: Product,
    E.GEO_NODES: GeoNode,
    E.PARTIES: Party,
    E.SITES: Site,
    E.LOCATIONS: StockLocation,
    E.BATCHES: Batch,
    E.PRODUCTION_LOGS: ProductionLog,
    E.USERS: User,
}

#: Orders: the header's model and its lines' model.
ORDER_MODELS: dict[str, tuple[type, type]] = {
    E.PRIMARY_ORDERS: (PrimaryOrder, PrimaryOrderLine),
    E.SECONDARY_ORDERS: (SecondaryOrder, SecondaryOrderLine),
    E.TERTIARY_ORDERS: (TertiaryOrder, TertiaryOrderLine),
}


class _AlreadyApplied:
    def __repr__(self) -> str:
        return "ALREADY_APPLIED"


ALREADY_APPLIED: Final = _AlreadyApplied()
Outcome = DomainError | _AlreadyApplied | None


def _payload_error(exc: DomainError) -> DomainError:
    """A schema refusal with its field named inside the payload (``payload.quantity``)."""
    exc.field = f"payload.{exc.field}" if exc.field else "payload"
    return exc


def parse(entity: str, payload: Mapping[str, Any]) -> BaseModel:
    """The payload checked against the entity's sync schema (fields named ``payload.<field>``)."""
    try:
        schema = E.schema_for(entity)
    except ValueError as exc:
        raise DomainError(str(exc), field="entity") from None
    try:
        return validate(schema, dict(payload))
    except DomainError as exc:
        raise _payload_error(exc) from None


def parse_ledger(payload: Mapping[str, Any]) -> LedgerPayload:
    return parse(LEDGER, payload)  # type: ignore[return-value]


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


# --- rows other than the ledger ---------------------------------------------------------------


def apply_change(
    session: Session, *, entity: str, operation: Operation | str, snapshot: BaseModel
) -> Outcome:
    """Write one row (and its lines, or its roles) as ``snapshot`` has it.

    An insert or update makes the row equal to the snapshot; a snapshot older than the row
    (an order of a lower version, a row updated later) is ``ALREADY_APPLIED``. A delete removes
    the row (a tombstone for a row already gone is ``ALREADY_APPLIED``).
    """
    operation = Operation(operation)
    if entity == LEDGER:
        raise ValueError("ledger entries go through apply_ledger_entries")
    if entity == E.ROLES:
        return _apply_role(session, snapshot, operation)
    if entity in ORDER_MODELS:
        return _apply_order(session, entity, snapshot, operation)
    if entity == E.GOODS_RECEIPTS:
        return _apply_goods_receipt(session, snapshot, operation)
    model = ROW_MODELS.get(entity)
    if model is None:
        return DomainError(f"{entity!r} is not an entity this store applies", field="entity")
    table = model.__table__
    values = snapshot.model_dump(exclude={"role_names"})
    row_id = values["id"]
    existing = replica_crud.current(session, table, row_id)
    if operation == Operation.DELETE:
        if existing is None:
            return ALREADY_APPLIED
        replica_crud.delete_row(session, table, row_id)
        return None
    if existing is not None and _stale(existing, values):
        return ALREADY_APPLIED
    values.update(_derived(entity, values))
    keys_of = getattr(model, "text_keys_of", None)
    if keys_of is not None:  # the folded search and sort keys the ORM's events would write
        values.update(keys_of(values))
    if entity == E.USERS:
        problem = _check_roles(session, snapshot)
        if problem is not None:
            return problem
    if existing is None:
        replica_crud.insert_row(session, table, values)
    else:
        replica_crud.update_row(session, table, row_id, values)
    if entity == E.USERS:
        roles = user_crud.get_roles(session, snapshot.role_names)  # type: ignore[attr-defined]
        replica_crud.set_user_roles(
            session, user_id=row_id, role_ids=[r.id for r in roles.values()]
        )
    return None


def _stale(existing: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    """The stored row is as new as the snapshot or newer (by version, else by updated_at)."""
    if "version" in values and existing.get("version") is not None:
        return existing["version"] >= values["version"]
    stored, incoming = existing.get("updated_at"), values.get("updated_at")
    if stored is not None and incoming is not None:
        return stored >= incoming
    return all(existing.get(k) == v for k, v in values.items() if k in existing)


def _derived(entity: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Columns a store computes from the snapshot's fields (search and uniqueness keys)."""
    if entity == E.PRODUCTS:
        return {"sku_key": sku_key(values["sku"])}
    if entity == E.GEO_NODES:
        return {"name_key": name_key(values["name"])}
    if entity == E.USERS:
        return {"username_key": values["username"].lower()}
    return {}


def _check_roles(session: Session, snapshot: BaseModel) -> DomainError | None:
    names = list(snapshot.role_names)  # type: ignore[attr-defined]
    found = user_crud.get_roles(session, names)
    missing = [n for n in names if n.strip().lower() not in found]
    if missing:
        return NotFound(f"unknown role {missing[0]!r}", field="payload.role_names")
    return None


def _apply_order(
    session: Session, entity: str, snapshot: BaseModel, operation: Operation
) -> Outcome:
    if operation == Operation.DELETE:
        return DomainError("orders are never deleted: cancel them", field="operation")
    header_model, line_model = ORDER_MODELS[entity]
    return _write_with_lines(session, header_model, line_model, "order_id", snapshot)


def _write_with_lines(
    session: Session, header_model: type, line_model: type, parent_column: str, snapshot: BaseModel
) -> Outcome:
    """A document's header as the snapshot has it (unless the stored one is as new) and its lines
    replaced by the snapshot's."""
    table = header_model.__table__  # type: ignore[attr-defined]
    values = snapshot.model_dump(exclude={"lines"})
    row_id = values["id"]
    existing = replica_crud.current(session, table, row_id)
    if existing is not None and _stale(existing, values):
        return ALREADY_APPLIED
    if existing is None:
        replica_crud.insert_row(session, table, values)
    else:
        replica_crud.update_row(session, table, row_id, values)
    lines = [{**line.model_dump(), parent_column: row_id} for line in snapshot.lines]  # type: ignore[attr-defined]
    replica_crud.replace_children(
        session, line_model.__table__, parent_column=parent_column, parent_id=row_id, rows=lines
    )
    return None


def _apply_goods_receipt(session: Session, snapshot: BaseModel, operation: Operation) -> Outcome:
    """A receipt of the buyer's site: its order must be here, it receives into that order's stock
    point, which belongs to the receipt's site, and an order has one receipt. Its stock comes
    as its own RECEIPT ledger entries (``apply_ledger_entries``), never from these rows."""
    if operation == Operation.DELETE:
        return DomainError("goods receipts are never deleted", field="operation")
    r: GoodsReceiptSync = snapshot  # type: ignore[assignment]
    other = receipts_crud.for_order(session, r.order_id)
    if other is not None and other.id != r.id:
        return Duplicate(
            f"order {r.dispatch_no} was received already (goods receipt {other.number})",
            field="payload.order_id",
        )
    order = orders_crud.get_order(session, PrimaryOrder, r.order_id)
    if order is None:
        return NotFound(f"unknown primary order {r.order_id}", field="payload.order_id")
    if r.location_id != order.buyer_location_id:
        return DomainError(
            f"order {order.number} is received into its own stock point, not {r.location_id}",
            field="payload.location_id",
        )
    location = site_crud.get_location(session, r.location_id)
    if location is None or location.site_id != r.site_id:
        return WrongSite(
            f"the stock point of order {order.number} does not belong to the receipt's site: "
            "only the site owning it receives the order",
            field="payload.site_id",
        )
    products = product_crud.get_many(session, (ln.product_id for ln in r.lines))
    batches = production_crud.get_batches(session, (ln.batch_id for ln in r.lines if ln.batch_id))
    for index, line in enumerate(r.lines):
        where = f"payload.lines.{index}"
        if line.product_id not in products:
            return NotFound(f"unknown product {line.product_id}", field=f"{where}.product_id")
        batch = batches.get(line.batch_id) if line.batch_id else None
        if line.batch_id is not None and (batch is None or batch.product_id != line.product_id):
            return NotFound(
                f"batch {line.batch_id} is not a batch of product {products[line.product_id].sku}",
                field=f"{where}.batch_id",
            )
    return _write_with_lines(session, GoodsReceipt, GoodsReceiptLine, "receipt_id", snapshot)


def _apply_role(session: Session, snapshot: BaseModel, operation: Operation) -> Outcome:
    """Roles are matched by name (each store seeds its own role rows)."""
    data = snapshot.model_dump()
    if operation == Operation.DELETE:
        return DomainError("roles are not deleted through sync", field="operation")
    permissions = user_crud.get_permissions(session)
    unknown = [c for c in data["permission_codes"] if c not in permissions]
    if unknown:
        return NotFound(f"unknown permission {unknown[0]!r}", field="payload.permission_codes")
    role = user_crud.get_role(session, data["name"])
    if role is None:
        role = user_crud.add_role(
            session, Role(id=data["id"], name=data["name"], description=data["description"])
        )
    role.description = data["description"]
    role.permissions = [permissions[c] for c in sorted(data["permission_codes"])]
    session.flush()
    return None
