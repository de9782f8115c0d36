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

Reading: ``read_file`` refuses a file larger than ``MAX_IMPORT_BYTES``; ``decode`` reads strictly
UTF-8 (with or without BOM), UTF-16 with a BOM, or an encoding the caller names, and refuses
anything else naming the line and byte. Export protects spreadsheets: a cell that would start a
formula (``= + - @``, tab, CR) is written with a leading apostrophe (``protect_cell``) and the
import removes exactly that apostrophe again (``unprotect_cell``), so the round trip is exact.

Both ``apply_import`` and ``export_csv`` take an optional ``cancelled`` callable, asked before
every row: when it answers True they raise ``ImportCancelled`` (a ``DomainError``), so the
caller's transaction rolls back and nothing of the file is kept (or no file is written). The
service knows nothing of who asks: the GUI passes its background operation's cancel flag.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy.orm import Session

from hom.core.errors import CsvRowError, DomainError
from hom.services.context import ActorContext
from hom.services.csv_io.common import (
    COLUMNS,
    MANAGE_PERMISSION,
    MAX_IMPORT_BYTES,
    REQUIRED,
    Action,
    Cancelled,
    CsvFileRefused,
    FieldError,
    ImportCancelled,
    ImportPreview,
    ImportResult,
    Kind,
    RowPreview,
    _checker,
    _parse,
    decode,
    protect_cell,
    read_file,
    unprotect_cell,
)
from hom.services.csv_io.geography import (
    _apply_geography,
    _export_geography,
    _preview_geography,
)
from hom.services.csv_io.parties import _apply_parties, _export_parties, _preview_parties
from hom.services.csv_io.products import (
    CREATE_CHUNK,
    _apply_products,
    _export_products,
    _preview_products,
)
from hom.services.permissions import require

__all__ = [
    "COLUMNS",
    "CREATE_CHUNK",
    "MANAGE_PERMISSION",
    "MAX_IMPORT_BYTES",
    "REQUIRED",
    "Action",
    "Cancelled",
    "CsvFileRefused",
    "FieldError",
    "ImportCancelled",
    "ImportPreview",
    "ImportResult",
    "Kind",
    "RowPreview",
    "apply_import",
    "decode",
    "export_csv",
    "preview_import",
    "protect_cell",
    "read_file",
    "unprotect_cell",
]


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
    rows = {
        "products": _export_products,
        "geography": _export_geography,
        "parties": _export_parties,
    }[kind]
    writer.writerows([protect_cell(c) for c in row] for row in rows(session, check))
    return out.getvalue()
