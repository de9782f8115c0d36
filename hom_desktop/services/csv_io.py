"""CSV import and export of master data: products, geography and parties.

Import is two steps so the GUI can show what will happen before anything is written:

1. ``preview_import`` parses every row and checks it with the same schemas and rule functions
   the services use, without writing. Each row gets its line number in the file, its parsed
   values, the action it would take (``create``, ``update`` or ``unchanged``) and, when it is
   bad, its error (field and message). Header problems (missing, unknown or repeated columns)
   are reported apart. Rows are checked in file order against the store *as the earlier rows
   would leave it*, so a geography row may name a parent defined on an earlier line and a
   retailer a distributor defined on an earlier line.
2. ``apply_import`` refuses a preview with any error (``CsvRowError`` naming the first bad line
   and field) and otherwise writes every row through the services, in the caller's one
   transaction. Rows keep the action the user saw: a row previewed as ``create`` that exists by
   now, or one to update that is gone, is refused like any rule the services enforce. Any refusal
   at this point (the store changed since the preview) is raised as ``CsvRowError`` for that
   row's line and the caller's transaction rolls back, so nothing of the file is kept.

Rows upsert by their natural key (product SKU, geography code, party code); every row describes
the whole record, and an empty optional cell takes the field's default. ``export_csv`` writes
exactly the import columns, so exporting and importing the result changes nothing.

Both ``apply_import`` and ``export_csv`` take an optional ``cancelled`` callable, asked before
every row: when it answers True they raise ``ImportCancelled`` (a ``DomainError``), so the
caller's transaction rolls back and nothing of the file is kept (or no file is written). The
service knows nothing of who asks: the GUI passes its background operation's cancel flag.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.orm import Session

from hom_desktop.core.errors import CsvRowError, DomainError, ValidationFailed
from hom_desktop.crud import geography as geo_crud
from hom_desktop.crud import party as party_crud
from hom_desktop.crud import product as product_crud
from hom_desktop.models.enums import GeoLevel, PartyKind
from hom_desktop.schemas.base import validate
from hom_desktop.schemas.geography import GeoNodeCreate
from hom_desktop.schemas.party import PartyCreate
from hom_desktop.schemas.product import ProductCreate
from hom_desktop.schemas.site import check_code
from hom_desktop.services import geography, parties, products
from hom_desktop.services.context import ActorContext
from hom_desktop.services.permissions import require

Kind = Literal["products", "geography", "parties"]
Action = Literal["create", "update", "unchanged"]

COLUMNS: dict[str, tuple[str, ...]] = {
    "products": (
        "sku",
        "name",
        "category",
        "brand",
        "unit",
        "pack_size",
        "mrp",
        "distributor_price",
        "retailer_price",
        "active",
        "track_batches",
        "shelf_life_days",
        "reorder_level",
    ),
    "geography": ("level", "code", "name", "parent_code"),
    "parties": (
        "kind",
        "code",
        "name",
        "territory_code",
        "distributor_code",
        "phone",
        "address",
        "active",
    ),
}

REQUIRED: dict[str, frozenset[str]] = {
    "products": frozenset({"sku", "name", "mrp", "distributor_price", "retailer_price"}),
    "geography": frozenset({"level", "code", "name"}),
    "parties": frozenset({"kind", "code", "name", "territory_code"}),
}

MANAGE_PERMISSION: dict[str, str] = {
    "products": products.PERMISSION,
    "geography": geography.PERMISSION,
    "parties": parties.PERMISSION,
}

Cancelled = Callable[[], bool]
"""Asked before each row: True means stop (see ``ImportCancelled``)."""

CREATE_CHUNK = 500
"""New products are written this many at a time, so a cancel is heard between batches."""

_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


# --- results ---------------------------------------------------------------------------------


class ImportCancelled(DomainError):
    """The caller asked an import or export to stop. Raised before anything is final: the
    caller's transaction must roll back (``store.transaction()`` does), and nothing is kept."""

    code = "cancelled"

    def __init__(self, message: str = "cancelled: nothing was imported") -> None:
        super().__init__(message)


def _checker(cancelled: Cancelled | None) -> Callable[[], None]:
    """A function that raises ``ImportCancelled`` once ``cancelled()`` says so."""

    def check() -> None:
        if cancelled is not None and cancelled():
            raise ImportCancelled()

    return check


@dataclass(frozen=True)
class FieldError:
    """What is wrong with a row or the header: the column (None for the row as a whole)."""

    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass
class RowPreview:
    """One data row of the file as the import would treat it."""

    line: int
    raw: dict[str, str]
    key: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    action: Action | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    error: FieldError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class ImportPreview:
    """Everything ``apply_import`` needs, as plain data (no ORM objects: it may cross sessions)."""

    kind: Kind
    header_line: int
    columns: list[str]
    header_errors: list[FieldError]
    rows: list[RowPreview]

    @property
    def ok(self) -> bool:
        return not self.header_errors and all(r.ok for r in self.rows)

    @property
    def bad_rows(self) -> list[RowPreview]:
        return [r for r in self.rows if not r.ok]

    def counts(self) -> dict[str, int]:
        """How many rows would be created, updated, left unchanged, and how many are bad."""
        out = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
        for row in self.rows:
            out[row.action if row.ok and row.action else "error"] += 1
        return out

    def first_error(self) -> tuple[int, FieldError] | None:
        """(line, error) of the first problem in the file, header first."""
        if self.header_errors:
            return self.header_line, self.header_errors[0]
        for row in self.rows:
            if row.error is not None:
                return row.line, row.error
        return None


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


class _RowRefused(Exception):
    """Internal: a row's first problem, raised while it is being checked."""

    def __init__(self, field_name: str | None, message: str) -> None:
        super().__init__(message)
        self.error = FieldError(field_name, message)


# --- reading the file -------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The text of a CSV file as saved by a spreadsheet: UTF-8 (with or without BOM), else
    Windows-1252, which is what Excel writes by default on many machines."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


@dataclass
class _Parsed:
    header_line: int
    columns: list[str]
    header_errors: list[FieldError]
    records: list[tuple[int, dict[str, str]]]
    broken: list[RowPreview]


def _parse(kind: Kind, text: str) -> _Parsed:
    """Split the text into a checked header and data records, each with its first line number."""
    expected = COLUMNS[kind]
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    records: list[tuple[int, dict[str, str]]] = []
    broken: list[RowPreview] = []
    header: list[str] | None = None
    header_line = 1
    header_errors: list[FieldError] = []
    last_line = 0
    while True:
        start = last_line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problem = FieldError(
                None, f"malformed CSV ({exc}); this row and any after it were not read"
            )
            if header is None:
                header_line = start
                header_errors.append(problem)
            else:
                broken.append(RowPreview(line=start, raw={}, error=problem))
            break
        last_line = reader.line_num
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if header is None:
            header_line = start
            while cells and not cells[-1]:  # spreadsheets add empty columns at the end
                cells.pop()
            header = [c.lower() for c in cells]
            header_errors = _check_header(header, expected)
            if header_errors:
                break
            continue
        if len(cells) > len(header) and not any(cells[len(header) :]):
            cells = cells[: len(header)]
        if len(cells) != len(header):
            broken.append(
                RowPreview(
                    line=start,
                    raw=dict(zip(header, cells, strict=False)),
                    error=FieldError(
                        None,
                        f"has {len(cells)} values but the header has {len(header)} columns "
                        "(a value with a comma must be in double quotes)",
                    ),
                )
            )
            continue
        records.append((start, dict(zip(header, cells, strict=True))))
    if header is None and not header_errors:
        header_errors.append(
            FieldError(None, f"the file is empty; expected the header {','.join(expected)}")
        )
    return _Parsed(header_line, header or [], header_errors, records, broken)


def _check_header(header: list[str], expected: tuple[str, ...]) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            errors.append(FieldError(name, f"column {name!r} appears more than once"))
        seen.add(name)
    for name in header:
        if name not in expected:
            errors.append(
                FieldError(
                    name or None,
                    f"unknown column {name!r}; the columns are {','.join(expected)}"
                    if name
                    else f"a column has no name; the columns are {','.join(expected)}",
                )
            )
    for name in expected:
        if name not in seen:
            errors.append(FieldError(name, f"missing column {name!r}"))
    return errors


def _bool(raw: dict[str, str], column: str) -> bool | None:
    text = raw[column].strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _RowRefused(column, f"must be true or false (or yes/no, 1/0), not {raw[column]!r}")


def _require(raw: dict[str, str], kind: Kind) -> None:
    for column in COLUMNS[kind]:
        if column in REQUIRED[kind] and not raw[column]:
            raise _RowRefused(column, "is required")


def _code(raw: dict[str, str], column: str) -> str | None:
    text = raw[column]
    if not text:
        return None
    try:
        return check_code(text)
    except ValueError as exc:
        raise _RowRefused(column, str(exc)) from None


def _validated(schema: type, data: dict[str, Any], rename: dict[str, str] | None = None) -> Any:
    """``validate`` with the first field error raised as the row's error, in column names."""
    try:
        return validate(schema, data)
    except ValidationFailed as exc:
        name, message = exc.errors[0]
        raise _RowRefused((rename or {}).get(name, name), message) from None


def _refused(exc: DomainError, rename: dict[str, str] | None = None) -> _RowRefused:
    name = exc.field
    if isinstance(exc, ValidationFailed):
        name, message = exc.errors[0]
    else:
        message = exc.message
    return _RowRefused((rename or {}).get(name, name) if name else None, message)


def _later_lines(records: list[tuple[int, dict[str, str]]], column: str) -> dict[str, int]:
    """Each (normalised) code in ``column`` with the first line that defines it."""
    lines: dict[str, int] = {}
    for line, raw in records:
        text = raw[column].strip().upper()
        if text:
            lines.setdefault(text, line)
    return lines


def _diff(current: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (current.get(k), v) for k, v in new.items() if current.get(k) != v}


# --- preview ----------------------------------------------------------------------------------


def preview_import(session: Session, *, kind: Kind, text: str) -> ImportPreview:
    """Parse and check every row of ``text`` without writing anything."""
    if kind not in COLUMNS:
        raise DomainError(
            f"cannot import {kind!r}; choose one of {', '.join(COLUMNS)}", field="kind"
        )
    parsed = _parse(kind, text)
    rows: list[RowPreview] = []
    if not parsed.header_errors and parsed.records:
        checker = {
            "products": _preview_products,
            "geography": _preview_geography,
            "parties": _preview_parties,
        }[kind]
        rows = checker(session, parsed.records)
    rows = sorted([*rows, *parsed.broken], key=lambda r: r.line)
    return ImportPreview(
        kind=kind,
        header_line=parsed.header_line,
        columns=parsed.columns,
        header_errors=parsed.header_errors,
        rows=rows,
    )


def _check_rows(
    records: list[tuple[int, dict[str, str]]], check: Callable[[RowPreview], None]
) -> list[RowPreview]:
    """Run ``check(row)`` on every row, turning its refusal into the row's error."""
    rows = []
    for line, raw in records:
        row = RowPreview(line=line, raw=raw)
        try:
            check(row)
        except _RowRefused as refused:
            row.error = refused.error
            row.action = None
            row.changes = {}
        rows.append(row)
    return rows


def _product_input(raw: dict[str, str]) -> dict[str, Any]:
    _require(raw, "products")
    data: dict[str, Any] = {}
    for column in COLUMNS["products"]:
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
        values = data.model_dump()
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


@dataclass
class _SimNode:
    level: int
    name: str
    name_key: str
    parent_code: str | None
    line: int | None = None


def _preview_geography(
    session: Session, records: list[tuple[int, dict[str, str]]]
) -> list[RowPreview]:
    nodes: dict[str, _SimNode] = {
        node.code: _SimNode(node.level, node.name, node.name_key, parent_code)
        for node, parent_code in geo_crud.export_rows(session)
    }
    siblings: dict[tuple[str | None, str], str] = {
        (n.parent_code, n.name_key): code for code, n in nodes.items()
    }
    defined_at = _later_lines(records, "code")
    from_file: dict[str, int] = {}
    bad_lines: dict[str, int] = {}

    def label(code: str | None) -> str:
        if code is None:
            return "the top level"
        node = nodes[code]
        return f"{GeoLevel(node.level).name.lower()} {code} ({node.name})"

    def check(row: RowPreview) -> None:
        raw = row.raw
        row.key = raw["code"].upper()
        try:
            _require(raw, "geography")
            data = _validated(
                GeoNodeCreate, {"level": raw["level"], "code": raw["code"], "name": raw["name"]}
            )
        except _RowRefused:
            bad_lines.setdefault(row.key, row.line)
            raise
        code, level, name = data.code, data.level, data.name
        row.key = code
        if code in from_file:
            raise _RowRefused("code", f"code {code} is already on line {from_file[code]}")
        try:
            current = nodes.get(code)
            if current is not None and current.level != level:
                raise _RowRefused(
                    "level",
                    f"{code} is a {GeoLevel(current.level).name.lower()}; "
                    "a node's level cannot change",
                )
            parent_code = _code(raw, "parent_code")
            if parent_code is not None and parent_code not in nodes:
                if parent_code in bad_lines:
                    raise _RowRefused(
                        "parent_code",
                        f"parent {parent_code} is on line {bad_lines[parent_code]}, "
                        "which has an error",
                    )
                if parent_code in defined_at:
                    raise _RowRefused(
                        "parent_code",
                        f"parent {parent_code} is defined later, on line "
                        f"{defined_at[parent_code]}; list parents before their children",
                    )
                raise _RowRefused("parent_code", f"unknown parent code {parent_code}")
            parent = nodes.get(parent_code) if parent_code else None
            try:
                geography.check_parent(
                    level=level,
                    parent_level=parent.level if parent else None,
                    parent_code=parent_code,
                    field="parent_code",
                )
            except DomainError as exc:
                raise _refused(exc) from None
            key = geography.name_key(name)
            row.values = {
                "level": level,
                "code": code,
                "name": name,
                "parent_code": parent_code,
            }
            if current is None:
                clash = siblings.get((parent_code, key))
                if clash is not None:
                    raise _RowRefused(
                        "name", geography.sibling_clash_message(name, label(parent_code))
                    )
                nodes[code] = _SimNode(int(level), name, key, parent_code, row.line)
                siblings[(parent_code, key)] = code
                row.action = "create"
            else:
                # The services rename first (under the old parent), then move: check both steps.
                if name != current.name:
                    clash = siblings.get((current.parent_code, key))
                    if clash is not None and clash != code:
                        raise _RowRefused(
                            "name",
                            geography.sibling_clash_message(name, label(current.parent_code)),
                        )
                if parent_code != current.parent_code:
                    clash = siblings.get((parent_code, key))
                    if clash is not None and clash != code:
                        raise _RowRefused(
                            "name", geography.sibling_clash_message(name, label(parent_code))
                        )
                row.changes = _diff(
                    {"name": current.name, "parent_code": current.parent_code},
                    {"name": name, "parent_code": parent_code},
                )
                siblings.pop((current.parent_code, current.name_key), None)
                siblings[(parent_code, key)] = code
                current.name, current.name_key, current.parent_code = name, key, parent_code
                row.action = "update" if row.changes else "unchanged"
            from_file[code] = row.line
        except _RowRefused:
            bad_lines.setdefault(code, row.line)
            raise

    return _check_rows(records, check)


@dataclass
class _SimParty:
    kind: PartyKind
    active: bool
    line: int | None = None


_PARTY_RENAMES = {"territory_id": "territory_code", "distributor_id": "distributor_code"}
_GEO_RENAMES = {"parent_id": "parent_code", "new_parent_id": "parent_code"}


def _preview_parties(
    session: Session, records: list[tuple[int, dict[str, str]]]
) -> list[RowPreview]:
    codes = {raw[c].strip().upper() for _l, raw in records for c in ("code", "distributor_code")}
    existing = party_crud.get_by_codes(session, (c for c in codes if c))
    current_distributors = party_crud.get_many(
        session, (p.distributor_id for p in existing.values() if p.distributor_id)
    )
    territories = geo_crud.get_by_codes(
        session, {raw["territory_code"].strip().upper() for _l, raw in records}
    )
    territory_codes = {node.id: code for code, node in territories.items()}
    missing_territories = {p.territory_id for p in existing.values()} - set(territory_codes)
    territory_codes.update(
        {i: n.code for i, n in geo_crud.get_many(session, missing_territories).items()}
    )
    state: dict[str, _SimParty] = {c: _SimParty(p.kind, p.active) for c, p in existing.items()}
    state.update(
        {
            p.code: _SimParty(p.kind, p.active)
            for p in current_distributors.values()
            if p.code not in state
        }
    )
    current_values: dict[str, dict[str, Any]] = {
        code: {
            "name": p.name,
            "territory_code": territory_codes.get(p.territory_id),
            "distributor_code": (
                current_distributors[p.distributor_id].code if p.distributor_id else None
            ),
            "phone": p.phone,
            "address": p.address,
            "active": p.active,
        }
        for code, p in existing.items()
    }
    defined_at = _later_lines(records, "code")
    from_file: dict[str, int] = {}
    bad_lines: dict[str, int] = {}

    def check(row: RowPreview) -> None:
        raw = row.raw
        row.key = raw["code"].upper()
        try:
            _require(raw, "parties")
            kind_text = raw["kind"].lower()
            if kind_text not in {k.value for k in PartyKind}:
                raise _RowRefused("kind", f"must be distributor or retailer, not {raw['kind']!r}")
            kind = PartyKind(kind_text)
            territory_code = _code(raw, "territory_code")
            territory = territories.get(territory_code or "")
            if territory is None:
                raise _RowRefused("territory_code", f"unknown territory code {territory_code}")
            active = _bool(raw, "active")
            data = _validated(
                PartyCreate,
                {
                    "kind": kind,
                    "code": raw["code"],
                    "name": raw["name"],
                    "territory_id": territory.id,
                    "phone": raw["phone"],
                    "address": raw["address"],
                    "active": True if active is None else active,
                },
                _PARTY_RENAMES,
            )
        except _RowRefused:
            bad_lines.setdefault(row.key, row.line)
            raise
        code = data.code
        row.key = code
        try:
            if code in from_file:
                raise _RowRefused("code", f"code {code} is already on line {from_file[code]}")
            try:
                parties.check_territory(
                    level=territory.level,
                    label=f"{territory.code} ({territory.name})",
                    field="territory_code",
                )
            except DomainError as exc:
                raise _refused(exc) from None
            known = state.get(code)
            if known is not None and known.kind != kind:
                raise _RowRefused(
                    "kind",
                    f"{code} is a {known.kind.value}; a party's kind cannot change",
                )
            distributor_code = _code(raw, "distributor_code")
            values = {
                "kind": kind,
                "code": code,
                "name": data.name,
                "territory_code": territory.code,
                "distributor_code": distributor_code,
                "phone": data.phone,
                "address": data.address,
                "active": data.active,
            }
            current = current_values.get(code) if known is not None and known.line is None else None
            changed_link = current is None or current["distributor_code"] != distributor_code
            if distributor_code is not None and changed_link:
                if distributor_code == code:
                    distributor: _SimParty | None = _SimParty(kind, data.active)
                else:
                    distributor = state.get(distributor_code)
                if distributor is None and kind == PartyKind.RETAILER:
                    if distributor_code in bad_lines:
                        raise _RowRefused(
                            "distributor_code",
                            f"distributor {distributor_code} is on line "
                            f"{bad_lines[distributor_code]}, which has an error",
                        )
                    if distributor_code in defined_at:
                        raise _RowRefused(
                            "distributor_code",
                            f"distributor {distributor_code} is defined later, on line "
                            f"{defined_at[distributor_code]}; list distributors before "
                            "their retailers",
                        )
                    raise _RowRefused(
                        "distributor_code", f"unknown distributor code {distributor_code}"
                    )
                try:
                    parties.check_distributor_link(
                        kind=kind,
                        distributor_kind=distributor.kind if distributor else None,
                        distributor_active=distributor.active if distributor else False,
                        distributor_label=distributor_code,
                        field="distributor_code",
                    )
                except DomainError as exc:
                    raise _refused(exc) from None
            row.values = values
            if current is None:
                row.action = "create"
                state[code] = _SimParty(kind, data.active, row.line)
            else:
                row.changes = _diff(current, {k: values[k] for k in current})
                row.action = "update" if row.changes else "unchanged"
                known.active = data.active
            from_file[code] = row.line
        except _RowRefused:
            bad_lines.setdefault(code, row.line)
            raise

    return _check_rows(records, check)


# --- apply ------------------------------------------------------------------------------------


def apply_import(
    session: Session,
    *,
    ctx: ActorContext,
    preview: ImportPreview,
    cancelled: Cancelled | None = None,
) -> ImportResult:
    """Write a clean preview through the services, in the caller's transaction.

    Needs ``data.import`` and the managing permission of the kind imported. Any refusal is raised
    as ``CsvRowError`` with the row's line; the caller's transaction must then roll back (as
    ``store.transaction()`` does), so either every row is written or none. ``cancelled`` is
    asked before every row (and once more at the end); when it answers True,
    ``ImportCancelled`` is raised and the same rollback keeps nothing.
    """
    require(ctx, "data.import")
    require(ctx, MANAGE_PERMISSION[preview.kind])
    first = preview.first_error()
    if first is not None:
        line, error = first
        bad = len(preview.header_errors) or len(preview.bad_rows)
        raise CsvRowError(
            f"{error.message} (nothing was imported: {bad} problem{'s' if bad != 1 else ''} "
            "in the file)",
            line=line,
            field=error.field,
        )
    writer = {
        "products": _apply_products,
        "geography": _apply_geography,
        "parties": _apply_parties,
    }[preview.kind]
    check = _checker(cancelled)
    check()
    outcomes = writer(session, ctx, preview.rows, check)
    check()
    return ImportResult(
        created=outcomes.count("create"),
        updated=outcomes.count("update"),
        unchanged=outcomes.count("unchanged"),
    )


_STALE = "the store changed since the preview; nothing was imported"


@contextmanager
def _at_line(line: int, renames: dict[str, str] | None = None) -> Iterator[None]:
    """Turn a service's refusal inside the block into ``CsvRowError`` for ``line``."""
    try:
        yield
    except (CsvRowError, ImportCancelled):
        raise
    except DomainError as exc:
        refused = _refused(exc, renames).error
        raise CsvRowError(f"{refused.message} ({_STALE})", line=line, field=refused.field) from exc


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
            raise _item_error(exc, [r.line for r in chunk]) from exc
    return outcomes


def _item_error(exc: DomainError, lines: list[int]) -> CsvRowError:
    """A batch refusal (field ``products_in.<index>.<field>``) as the row's ``CsvRowError``."""
    name, message = exc.errors[0] if isinstance(exc, ValidationFailed) else (exc.field, exc.message)
    _prefix, index, *rest = (name or "products_in.0").split(".", 2)
    return CsvRowError(
        f"{message} ({_STALE})", line=lines[int(index)], field=rest[0] if rest else None
    )


def _apply_geography(
    session: Session, ctx: ActorContext, rows: list[RowPreview], check: Callable[[], None]
) -> list[str]:
    codes = {r.values["code"] for r in rows} | {
        r.values["parent_code"] for r in rows if r.values["parent_code"]
    }
    known = geo_crud.get_by_codes(session, codes)
    parent_ids = {n.parent_id for n in known.values() if n.parent_id}
    # id -> code of every node that can be a current parent of a node in the file
    code_of = {i: n.code for i, n in geo_crud.get_many(session, parent_ids).items()}
    code_of.update({n.id: n.code for n in known.values()})

    def parent_id(code: str | None) -> uuid.UUID | None:
        if code is None:
            return None
        if code not in known:
            raise DomainError(f"unknown parent code {code}", field="parent_code")
        return known[code].id

    outcomes: list[str] = []
    for row in rows:
        check()
        values = row.values
        with _at_line(row.line, _GEO_RENAMES):
            node = known.get(values["code"])
            if row.action == "create":
                node = geography.create_node(
                    session,
                    ctx=ctx,
                    node_in={
                        "level": values["level"],
                        "code": values["code"],
                        "name": values["name"],
                        "parent_id": parent_id(values["parent_code"]),
                    },
                )
                known[node.code] = node
                code_of[node.id] = node.code
                outcomes.append("create")
                continue
            if node is None:
                raise DomainError(f"{values['code']} no longer exists", field="code")
            if node.level != values["level"]:
                raise DomainError(
                    f"{node.code} is a {GeoLevel(node.level).name.lower()}; "
                    "a node's level cannot change",
                    field="level",
                )
            changed = False
            if values["name"] != node.name:
                geography.rename_node(session, ctx=ctx, node_id=node.id, name=values["name"])
                changed = True
            current_parent = code_of[node.parent_id] if node.parent_id else None
            if values["parent_code"] != current_parent:
                geography.move_node(
                    session,
                    ctx=ctx,
                    node_id=node.id,
                    new_parent_id=parent_id(values["parent_code"]),
                )
                changed = True
            outcomes.append("update" if changed else "unchanged")
    return outcomes


def _apply_parties(
    session: Session, ctx: ActorContext, rows: list[RowPreview], check: Callable[[], None]
) -> list[str]:
    codes = {r.values["code"] for r in rows} | {
        r.values["distributor_code"] for r in rows if r.values["distributor_code"]
    }
    known = party_crud.get_by_codes(session, codes)
    territories = geo_crud.get_by_codes(session, {r.values["territory_code"] for r in rows})

    def territory_id(code: str) -> uuid.UUID:
        if code not in territories:
            raise DomainError(f"unknown territory code {code}", field="territory_code")
        return territories[code].id

    def distributor_id(code: str | None) -> uuid.UUID | None:
        if code is None:
            return None
        if code not in known:
            raise DomainError(f"unknown distributor code {code}", field="distributor_code")
        return known[code].id

    outcomes: list[str] = []
    for row in rows:
        check()
        values = row.values
        with _at_line(row.line, _PARTY_RENAMES):
            party = known.get(values["code"])
            wanted = {
                "name": values["name"],
                "territory_id": territory_id(values["territory_code"]),
                "distributor_id": distributor_id(values["distributor_code"]),
                "phone": values["phone"],
                "address": values["address"],
                "active": values["active"],
            }
            if row.action == "create":
                party = parties.create_party(
                    session,
                    ctx=ctx,
                    party_in={"kind": values["kind"], "code": values["code"], **wanted},
                )
                known[party.code] = party
                outcomes.append("create")
                continue
            if party is None:
                raise DomainError(f"{values['code']} no longer exists", field="code")
            if party.kind != values["kind"]:
                raise DomainError(
                    f"{party.code} is a {party.kind.value}; a party's kind cannot change",
                    field="kind",
                )
            changes = {k: v for k, v in wanted.items() if getattr(party, k) != v}
            if changes:
                parties.update_party(session, ctx=ctx, party_id=party.id, party_in=changes)
            outcomes.append("update" if changes else "unchanged")
    return outcomes


# --- export -----------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, PartyKind):
        return value.value
    return str(value)


def export_csv(
    session: Session, *, ctx: ActorContext, kind: Kind, cancelled: Cancelled | None = None
) -> str:
    """The whole master of ``kind`` as CSV text with exactly the import columns.

    Geography lists parents before children and parties list distributors before retailers, so
    the file imports into an empty store as it stands. ``cancelled`` is asked before every row;
    when it answers True, ``ImportCancelled`` is raised and no text is returned.
    """
    require(ctx, "data.export")
    if kind not in COLUMNS:
        raise DomainError(
            f"cannot export {kind!r}; choose one of {', '.join(COLUMNS)}", field="kind"
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS[kind])
    check = _checker(cancelled)
    check()
    if kind == "products":
        for p in product_crud.list_all(session):
            check()
            writer.writerow([_cell(getattr(p, c)) for c in COLUMNS["products"]])
    elif kind == "geography":
        for node, parent_code in geo_crud.export_rows(session):
            check()
            level = GeoLevel(node.level).name.lower()
            writer.writerow([level, node.code, node.name, _cell(parent_code)])
    else:
        for party, territory_code, distributor_code in party_crud.export_rows(session):
            check()
            writer.writerow(
                [
                    _cell(party.kind),
                    party.code,
                    party.name,
                    territory_code,
                    _cell(distributor_code),
                    party.phone,
                    party.address,
                    _cell(party.active),
                ]
            )
    return out.getvalue()
