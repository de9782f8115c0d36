"""Every table exports what it shows: its columns, its filters and its sort, to CSV or XLSX.

``make_table`` installs two actions on each table (its context menu; Ctrl+E for CSV and
Ctrl+Shift+E for Excel while the table has the keyboard). The export reads the model's own page
source from the first page to the last in the background, so a filtered million-row ledger is
written without ever being loaded into the view, and it can be cancelled. Files carry plain
values (ISO dates, digits without grouping, amounts as numbers); the screen's formats stay on
screen.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QTableView, QWidget

from hom_desktop.ui import formats, prompts
from hom_desktop.ui.ops import Operation, Progress
from hom_desktop.ui.table_model import Column, PagedTableModel, PageRequest

EXPORT_PAGE = 2000
FORMATS = {
    "csv": ("CSV", "CSV files (*.csv)"),
    "xlsx": ("Excel", "Excel workbooks (*.xlsx)"),
}


def file_value(column: Column, row: Any) -> Any:
    """What a cell holds in a file: the column's raw value (or its screen text without one),
    with dates in ISO form."""
    value = column.raw(row) if column.raw is not None else column.value(row)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, int | Decimal | str):
        return value.value  # an enum
    return "" if value is None else value


def all_rows(model: PagedTableModel, progress: Progress | None = None) -> Iterator[list[Any]]:
    """Every row the model's query gives, page after page, as file values (off the UI thread:
    it calls only the page source, which opens its own session)."""
    fetch = model.page_source
    columns = model.columns
    if fetch is None:
        return
    cursor, done = None, 0
    while True:
        if progress is not None:
            progress.check()
        page = fetch(PageRequest(cursor, EXPORT_PAGE, model.sort_key, model.descending))
        for row in page.rows:
            yield [file_value(c, row) for c in columns]
        done += len(page.rows)
        if progress is not None:
            progress.report(done, 0, f"{formats.quantity(done)} rows written")
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def write_csv(path: Path, headers: list[str], rows: Iterator[list[Any]]) -> int:
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(headers)
        for row in rows:
            out.writerow([str(v) for v in row])
            n += 1
    return n


def write_xlsx(path: Path, headers: list[str], rows: Iterator[list[Any]], title: str) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=(title or "Export")[:31])
    sheet.append(headers)
    n = 0
    for row in rows:
        sheet.append(row)
        n += 1
    book.save(str(path))
    return n


def export_table(
    view: QTableView, fmt: str, *, parent: QWidget | None = None, path: str | None = None
) -> Operation[tuple[str, int]] | None:
    """Ask where to save (unless ``path`` is given), then write the table's rows in the
    background with progress and Cancel. Returns the running operation, or None if cancelled."""
    model = view.model()
    if not isinstance(model, PagedTableModel):
        return None
    title = view.accessibleName() or view.objectName() or "table"
    return export_model(
        model, fmt, parent=parent or view.window(), title=title, path=path, teller=_teller(view)
    )


def export_model(
    model: PagedTableModel,
    fmt: str,
    *,
    parent: QWidget | None,
    title: str,
    path: str | None = None,
    teller: Any = None,
) -> Operation[tuple[str, int]] | None:
    """Write every row of ``model``'s query (shown in a table or not) to CSV or XLSX."""
    kind, filters = FORMATS[fmt]
    stem = title.lower().replace(" ", "-")
    path = path or prompts.save_file(parent, f"Export to {kind}", f"{stem}.{fmt}", filters)
    if not path:
        return None
    target = Path(path)
    if target.suffix.lower() != f".{fmt}":
        target = target.with_name(target.name + f".{fmt}")
    headers = [c.title for c in model.columns]

    def work(p: Progress) -> tuple[str, int]:
        rows = all_rows(model, p)
        partial = target.with_name(target.name + ".part")
        try:
            if fmt == "csv":
                n = write_csv(partial, headers, rows)
            else:
                n = write_xlsx(partial, headers, rows, title)
            p.check()
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        return str(target), n

    def done(result: tuple[str, int]) -> None:
        where, n = result
        text = f"Exported {formats.plural(n, 'row')} to {where}."
        if teller is not None:
            teller(text)
        else:
            prompts.info(parent, "Export", text)

    return (
        Operation(parent, work)
        .with_progress(f"Exporting {title} to {kind}…", title="Export", cancellable=True)
        .success(done)
        .run()
    )


def _teller(view: QWidget) -> Any:
    """The ``say`` of the screen holding ``view`` (its banner), if there is one."""
    w = view.parentWidget()
    while w is not None:
        say = getattr(w, "say", None)
        if callable(say) and hasattr(w, "banner"):
            return say
        w = w.parentWidget()
    return None


def install(view: QTableView) -> list[QAction]:
    """The export actions on ``view``: its context menu, and keys while it has the focus."""
    actions = []
    for fmt, keys in (("csv", "Ctrl+E"), ("xlsx", "Ctrl+Shift+E")):
        kind = FORMATS[fmt][0]
        act = QAction(f"Export to {kind}…", view)
        act.setShortcut(QKeySequence(keys))
        act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        act.setToolTip(f"Save the rows this table shows, with its filters, as {kind} ({keys})")
        act.triggered.connect(lambda _c=False, fmt=fmt: export_table(view, fmt))
        view.addAction(act)
        actions.append(act)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    return actions
