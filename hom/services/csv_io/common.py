"""What every kind of CSV import and export shares: the columns, the result types, reading
the file and checking its header, parsing cells, and turning refusals into row errors.

The per-kind modules (``products``, ``geography``, ``parties``) build on these; the package's
``__init__`` is the public face. Names with a leading underscore are internal to the package.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from hom.core.errors import CsvRowError, DomainError, ValidationFailed
from hom.core.ids import new_id
from hom.models.enums import PartyKind
from hom.schemas.base import validate
from hom.schemas.site import check_code
from hom.services import geography, parties, products

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
        "hsn_code",
        "gst_rate",
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
        "gstin",
    ),
}

REQUIRED: dict[str, frozenset[str]] = {
    "products": frozenset({"sku", "name", "mrp", "distributor_price", "retailer_price"}),
    "geography": frozenset({"level", "code", "name"}),
    "parties": frozenset({"kind", "code", "name", "territory_code"}),
}

OPTIONAL: dict[str, frozenset[str]] = {
    "products": frozenset({"hsn_code", "gst_rate"}),
    "geography": frozenset(),
    "parties": frozenset({"gstin"}),
}
"""Columns a file may leave out (files written before GST was recorded): a missing column leaves
that field of an existing row as it is, and a new row without it."""

MANAGE_PERMISSION: dict[str, str] = {
    "products": products.PERMISSION,
    "geography": geography.PERMISSION,
    "parties": parties.PERMISSION,
}

Cancelled = Callable[[], bool]
"""Asked before each row: True means stop (see ``ImportCancelled``)."""

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


MAX_IMPORT_BYTES = 64 * 1024 * 1024
"""The most a CSV import reads (64 MiB, several hundred thousand rows); a larger or endless
file is refused before it fills the memory."""


class CsvFileRefused(DomainError):
    """The file as a whole cannot be read as CSV text (too large, wrong encoding, not text)."""

    code = "csv_file"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


def read_file(path: Path, *, max_bytes: int = MAX_IMPORT_BYTES) -> bytes:
    """The bytes of the CSV file at ``path``, refusing anything larger than ``max_bytes``."""
    limit = _size_text(max_bytes)
    try:
        if path.is_dir():
            raise CsvFileRefused(f"{path} is a folder: give the CSV file inside it")
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise CsvFileRefused(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise CsvFileRefused(
            f"{path.name} is larger than {limit}, the most one import reads; "
            "split it into smaller files"
        )
    return data


def _size_text(size: int) -> str:
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    return f"{size:,} bytes"


def _where(data: bytes, offset: int) -> str:
    """``line 3, byte 17`` for a byte offset in the file (lines and bytes counted from 1)."""
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line}, byte {column}"


def decode(data: bytes, encoding: str | None = None) -> str:
    """The text of a CSV file: strictly UTF-8 (with or without a BOM), or UTF-16 when the file
    starts with a UTF-16 BOM (certain); any other encoding only when the caller names it.

    Nothing is guessed: a file that is not valid in its encoding is refused, naming the line and
    byte of the first bad byte, instead of being read as Windows-1252 (mojibake) or with U+FFFD
    in place of what could not be read.
    """
    if encoding is not None:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise CsvFileRefused(
                f"unknown encoding {encoding!r}; use a name such as utf-8, cp1252 or utf-16"
            ) from None
        if name == "utf-8":
            name = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        name = "utf-16"
    else:
        name = "utf-8-sig"
    shown = "UTF-8" if name == "utf-8-sig" else name
    try:
        text = data.decode(name)
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex().upper()
        hint = (
            "save it as 'CSV UTF-8', or choose its encoding (hom-desktop import --encoding cp1252)"
            if encoding is None
            else "check the encoding named"
        )
        raise CsvFileRefused(
            f"{_where(data, exc.start)}: the byte 0x{bad} is not valid {shown}; {hint}"
        ) from None
    if "\x00" in text:
        offset = data.find(b"\x00") if name == "utf-8-sig" else None
        where = _where(data, offset) if offset is not None and offset >= 0 else "the file"
        raise CsvFileRefused(
            f"{where}: a NUL byte; this is not a CSV text file "
            "(a spreadsheet must be saved as 'CSV UTF-8')"
        )
    return text


# --- spreadsheet formula protection -----------------------------------------------------------

FORMULA_TRIGGERS = frozenset("=+-@\t\r")
"""A cell starting with one of these is run as a formula by spreadsheets (OWASP, CSV Injection)."""


def protect_cell(value: str) -> str:
    """A cell safe to open in a spreadsheet: one that would start a formula gets a leading
    apostrophe (the spreadsheet then shows it as text). A value that already starts with an
    apostrophe followed by a trigger or another apostrophe gets one more, so ``unprotect_cell``
    restores every value exactly."""
    if value and (
        value[0] in FORMULA_TRIGGERS
        or (value[0] == "'" and len(value) > 1 and value[1] in FORMULA_TRIGGERS | {"'"})
    ):
        return "'" + value
    return value


def unprotect_cell(value: str) -> str:
    """The value ``protect_cell`` was given (the inverse: drops that one leading apostrophe)."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS | {"'"}:
        return value[1:]
    return value


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
        # Only spaces are trimmed: any other character at either end is checked like the rest.
        cells = [unprotect_cell(c.strip(" ")) for c in cells]
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
    optional = next((OPTIONAL[k] for k, v in COLUMNS.items() if v == expected), frozenset())
    for name in expected:
        if name not in seen and name not in optional:
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
        if column in REQUIRED[kind] and not raw.get(column):
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


# --- checking rows ----------------------------------------------------------------------------


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


# --- applying rows ----------------------------------------------------------------------------


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


def _batch_error(
    exc: DomainError, lines: list[int], renames: dict[str, str] | None = None
) -> CsvRowError:
    """A bulk write's refusal (field ``<items>.<index>.<field>``) as its row's ``CsvRowError``."""
    name, message = exc.errors[0] if isinstance(exc, ValidationFailed) else (exc.field, exc.message)
    _prefix, index, *rest = (name or "items.0").split(".", 2)
    field_name = rest[0] if rest else None
    if field_name is not None:
        field_name = (renames or {}).get(field_name, field_name)
    return CsvRowError(f"{message} ({_STALE})", line=lines[int(index)], field=field_name)


BATCH = 2_000
"""New rows are written this many at a time, so a cancel is heard between batches."""


def _create_in_batches(
    rows: list[RowPreview],
    *,
    check: Callable[[], None],
    item: Callable[[dict[str, Any]], dict[str, Any]],
    write: Callable[[list[dict[str, Any]]], Any],
    renames: dict[str, str],
    id_of: dict[str, Any],
) -> None:
    """Write the new records of ``rows`` (then empty it), ``BATCH`` at a time: ``item(values)``
    is a record's input to the bulk service ``write``; each gets a new id, kept in ``id_of`` by
    code so later rows can refer to it. A refusal becomes its row's ``CsvRowError``."""
    for start in range(0, len(rows), BATCH):
        check()
        chunk = rows[start : start + BATCH]
        items = []
        for row in chunk:
            with _at_line(row.line, renames):
                items.append({"id": new_id(), **item(row.values)})
            id_of[row.values["code"]] = items[-1]["id"]
        try:
            write(items)
        except DomainError as exc:
            raise _batch_error(exc, [r.line for r in chunk], renames) from exc
    rows.clear()


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
