"""CSV import and export of products: rows keyed by SKU, which do not refer to each other."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy.orm import Session

from hom.core.errors import CsvRowError, DomainError
from hom.crud import product as product_crud
from hom.schemas.product import ProductCreate
from hom.services import products
from hom.services.context import ActorContext
from hom.services.csv_io.common import (
    _STALE,
    BATCH,
    COLUMNS,
    OPTIONAL,
    RowPreview,
    _at_line,
    _batch_error,
    _bool,
    _cell,
    _check_rows,
    _diff,
    _refused,
    _require,
    _RowRefused,
    _validated,
)

CREATE_CHUNK = BATCH


def _product_input(raw: dict[str, str]) -> dict[str, Any]:
    _require(raw, "products")
    data: dict[str, Any] = {}
    for column in COLUMNS["products"]:
        if column not in raw:  # an optional column the file leaves out
            continue
        if column in ("active", "track_batches"):
            value = _bool(raw, column)
            if value is not None:
                data[column] = value
        elif raw[column]:
            data[column] = raw[column]
    return data


def _preview_products(
    session: Session, records: list[tuple[int, dict[str, str]]]
) -> list[RowPreview]:
    existing = product_crud.get_by_sku_keys(
        session, (products.sku_key(raw["sku"]) for _line, raw in records if raw["sku"])
    )
    seen: dict[str, int] = {}

    def check(row: RowPreview) -> None:
        data = _validated(ProductCreate, _product_input(row.raw))
        values = {
            k: v
            for k, v in data.model_dump().items()
            if k in row.raw or k not in OPTIONAL["products"]
        }
        row.key = values["sku"]
        key = products.sku_key(values["sku"])
        if key in seen:
            raise _RowRefused("sku", f"SKU {values['sku']} is already on line {seen[key]}")
        try:
            products.check_rules(values)
        except DomainError as exc:
            raise _refused(exc) from None
        row.values = values
        current = existing.get(key)
        if current is None:
            row.action = "create"
        else:
            row.changes = _diff({k: getattr(current, k) for k in values}, values)
            if "track_batches" in row.changes:
                try:
                    products.check_tracking_change(
                        session, product=current, track_batches=values["track_batches"]
                    )
                except DomainError as exc:
                    raise _refused(exc) from None
            row.action = "update" if row.changes else "unchanged"
        seen[key] = row.line

    return _check_rows(records, check)


def _apply_products(
    session: Session, ctx: ActorContext, rows: list[RowPreview], check: Callable[[], None]
) -> list[str]:
    """Updates row by row, then the new products in batched service calls of ``CREATE_CHUNK``
    (products do not refer to each other, so the order of the writes does not matter)."""
    existing = product_crud.get_by_sku_keys(
        session, (products.sku_key(r.values["sku"]) for r in rows)
    )
    outcomes: list[str] = []
    creates: list[RowPreview] = []
    for row in rows:
        check()
        if row.action == "create":
            creates.append(row)
            outcomes.append("create")
            continue
        current = existing.get(products.sku_key(row.values["sku"]))
        if current is None:
            raise CsvRowError(
                f"SKU {row.values['sku']} no longer exists ({_STALE})", line=row.line, field="sku"
            )
        changes = {k: v for k, v in row.values.items() if getattr(current, k) != v}
        if changes:
            with _at_line(row.line):
                products.update_product(session, ctx=ctx, product_id=current.id, product_in=changes)
        outcomes.append("update" if changes else "unchanged")
    for start in range(0, len(creates), CREATE_CHUNK):
        check()
        chunk = creates[start : start + CREATE_CHUNK]
        try:
            products.create_products(session, ctx=ctx, products_in=[r.values for r in chunk])
        except DomainError as exc:
            raise _batch_error(exc, [r.line for r in chunk]) from exc
    return outcomes


def _export_products(session: Session, check: Callable[[], None]) -> Iterator[list[str]]:
    """Every product as a row of the import columns; ``check`` is asked before each row."""
    for p in product_crud.list_all(session):
        check()
        yield [_cell(getattr(p, c)) for c in COLUMNS["products"]]
