"""A table model that reads its rows a page at a time from SQL (after Anki's browser table).

The model holds only the pages loaded so far. Qt asks ``canFetchMore``/``fetchMore`` as the user
scrolls near the end, and the next page is read then; sorting and filtering are parameters of the
query (the service does them in SQL), so a million-row ledger opens as fast as an empty one.

A page source is any callable ``fetch(PageRequest) -> Page``; ``offset_pager`` and
``keyset_pager`` build one from a service function. Rows are plain frozen dataclasses, never ORM
objects, so a row stays readable after the session that read it is closed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QIcon
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from hom_desktop.ui import prompts

log = logging.getLogger(__name__)

ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ALIGN_CENTER = Qt.AlignmentFlag.AlignCenter

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
"""``index.data(ROW_ROLE)`` is the whole row object (for the view that owns the model)."""

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[Any], Any]
    sort_key: str | None = None
    """The name the service sorts by in SQL; None: the column is not sortable."""
    align: Qt.AlignmentFlag = ALIGN_LEFT
    tooltip: Callable[[Any], str] | None = None
    icon: Callable[[Any], QIcon | None] | None = None
    width_chars: int | None = None
    stretch: bool = False
    """Takes the width left over (the column people read: a name), instead of the last one."""
    raw: Callable[[Any], Any] | None = None
    """The value written to an exported file (a number, a date); None: the text shown."""


@dataclass(frozen=True)
class PageRequest:
    cursor: Any
    """None for the first page, then whatever the previous ``Page.next_cursor`` was."""
    limit: int
    sort: str | None
    descending: bool


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_cursor: Any = None
    """None when there is nothing after this page."""


PageFetch = Callable[[PageRequest], Page]


def offset_pager(read: Callable[[int, int, str | None, bool], Sequence[Any]]) -> PageFetch:
    """Pages from ``read(offset, limit, sort, descending)`` (small or medium tables)."""

    def fetch(req: PageRequest) -> Page:
        offset = req.cursor or 0
        rows = list(read(offset, req.limit, req.sort, req.descending))
        return Page(rows, offset + len(rows) if len(rows) == req.limit else None)

    return fetch


def keyset_pager(
    read: Callable[[Any, int], Sequence[Any]], cursor_of: Callable[[Any], Any]
) -> PageFetch:
    """Pages from ``read(after, limit)`` where ``after`` is the last row's key (large tables)."""

    def fetch(req: PageRequest) -> Page:
        rows = list(read(req.cursor, req.limit))
        return Page(rows, cursor_of(rows[-1]) if len(rows) == req.limit else None)

    return fetch


@dataclass(frozen=True)
class RowStyle:
    background: QColor | None = None
    foreground: QColor | None = None
    bold: bool = False


@dataclass
class _State:
    rows: list[Any] = field(default_factory=list)
    next_cursor: Any = None
    more: bool = False


class PagedTableModel(QAbstractTableModel):
    """Rows loaded page by page on demand; sort and filter are done by the source in SQL."""

    loadFailed = Signal(str)
    reloaded = Signal()

    def __init__(
        self,
        columns: Sequence[Column],
        fetch: PageFetch | None = None,
        *,
        page_size: int = 200,
        row_style: Callable[[Any], RowStyle | None] | None = None,
        sort_column: int = -1,
        descending: bool = False,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._fetch = fetch
        self._page_size = page_size
        self._row_style = row_style
        self._sort_column = sort_column
        self._descending = descending
        self._state = _State()
        self.pages_loaded = 0
        if fetch is not None:
            self.reload()

    # --- what the owning view uses ------------------------------------------------------

    @property
    def columns(self) -> list[Column]:
        return self._columns

    @property
    def sort_column(self) -> int:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder

    @property
    def page_source(self) -> PageFetch | None:
        """The query behind the rows (an export reads every page of it)."""
        return self._fetch

    @property
    def sort_key(self) -> str | None:
        if 0 <= self._sort_column < len(self._columns):
            return self._columns[self._sort_column].sort_key
        return None

    @property
    def descending(self) -> bool:
        return self._descending

    def set_fetch(self, fetch: PageFetch) -> None:
        """A new query (filters changed): drop the cache and read the first page."""
        self._fetch = fetch
        self.reload()

    def reload(self) -> None:
        """Forget every loaded page and read the first one again."""
        self.beginResetModel()
        self._state = _State()
        self.pages_loaded = 0
        try:
            self._state.rows = self._read(None)
        finally:
            self.endResetModel()
        self.reloaded.emit()

    def row(self, index: int) -> Any:
        return self._state.rows[index]

    def rows(self) -> list[Any]:
        """The rows loaded so far (a copy)."""
        return list(self._state.rows)

    def find(self, predicate: Callable[[Any], bool]) -> int:
        """Row number of the first loaded row matching ``predicate``, or -1."""
        for i, r in enumerate(self._state.rows):
            if predicate(r):
                return i
        return -1

    def is_sortable(self, column: int) -> bool:
        return 0 <= column < len(self._columns) and self._columns[column].sort_key is not None

    # --- paging -------------------------------------------------------------------------

    def _read(self, cursor: Any) -> list[Any]:
        """The page after ``cursor``; advances the cursor but does not add the rows."""
        if self._fetch is None:
            return []
        req = PageRequest(cursor, self._page_size, self.sort_key, self._descending)
        try:
            page = self._fetch(req)
        except Exception as exc:  # a failed read must not take the window down
            log.exception("reading a page failed")
            self._state.more = False
            self.loadFailed.emit(prompts.describe(exc))
            return []
        self._state.next_cursor = page.next_cursor
        self._state.more = page.next_cursor is not None
        self.pages_loaded += 1
        return list(page.rows)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._state.more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._state.more:
            return
        new_rows = self._read(self._state.next_cursor)
        if not new_rows:
            return
        first = len(self._state.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new_rows) - 1)
        self._state.rows.extend(new_rows)
        self.endInsertRows()

    # --- QAbstractTableModel ------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._state.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._state.rows):
            return None
        row = self._state.rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = column.value(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align.value)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        if role == Qt.ItemDataRole.DecorationRole and column.icon is not None:
            return column.icon(row)
        if role == ROW_ROLE:
            return row
        if (
            role
            in (
                Qt.ItemDataRole.BackgroundRole,
                Qt.ItemDataRole.ForegroundRole,
                Qt.ItemDataRole.FontRole,
            )
            and self._row_style is not None
        ):
            style = self._row_style(row)
            if style is None:
                return None
            if role == Qt.ItemDataRole.BackgroundRole and style.background is not None:
                return QBrush(style.background)
            if role == Qt.ItemDataRole.ForegroundRole and style.foreground is not None:
                return QBrush(style.foreground)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(self._columns[section].align.value)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not self.is_sortable(column):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if column == self._sort_column and descending == self._descending:
            return
        self._sort_column = column
        self._descending = descending
        self.reload()


def row_key(row: Any) -> Any:
    """What identifies a row across reloads (its ``key`` or ``id``), or None."""
    for name in ("key", "id"):
        value = getattr(row, name, None)
        if value is not None and not callable(value):
            return value
    return None


class _KeyboardTable(QObject):
    """Keyboard habits of every table: tabbing in selects the current (or first) row, so
    Down goes to the next one and an action has a row at once; and a reload (after a post, a
    new filter) keeps the selected row selected, found again by its key."""

    def __init__(self, view: QTableView, model: PagedTableModel) -> None:
        super().__init__(view)
        self._view = view
        self._model = model
        self._kept: tuple[Any, int] | None = None
        view.installEventFilter(self)
        model.modelAboutToBeReset.connect(self._remember)
        model.modelReset.connect(self._restore)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and not self._view.selectionModel().hasSelection():
            current = self._view.currentIndex()
            if self._model.rowCount() > 0:
                self.select(current.row() if current.isValid() else 0)
        return False

    def select(self, row: int) -> None:
        self._view.selectRow(row)
        self._view.setCurrentIndex(self._model.index(row, 0))

    def _remember(self) -> None:
        rows = self._view.selectionModel().selectedRows()
        if rows:
            n = rows[0].row()
            self._kept = (row_key(self._model.row(n)), n)
        else:
            self._kept = None

    def _restore(self) -> None:
        kept, self._kept = self._kept, None
        if kept is None or self._model.rowCount() == 0:
            return
        key, n = kept
        found = self._model.find(lambda r: row_key(r) == key) if key is not None else -1
        self.select(found if found >= 0 else min(n, self._model.rowCount() - 1))


def make_table(model: PagedTableModel, *, object_name: str = "", name: str = "") -> QTableView:
    """A read-only table view set up the same way everywhere: whole-row selection, SQL sorting
    on the columns that support it, sensible widths, Tab leaving the table (arrows move inside
    it), a row selected as the keyboard arrives, and export to CSV and Excel of what it shows.
    ``name`` is what a screen reader says (and an export's title); the object name without."""
    from hom_desktop.ui import table_export

    view = QTableView()
    if object_name:
        view.setObjectName(object_name)
    view.setAccessibleName(name or object_name.replace("-", " ").capitalize())
    view.setModel(model)
    view.setTabKeyNavigation(False)
    view.keyboard = _KeyboardTable(view, model)  # type: ignore[attr-defined]
    view.export_actions = table_export.install(view)  # type: ignore[attr-defined]
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    # Widths follow the font (so they hold at any scale): room for ``width_chars`` digits, and
    # never less than the (bold) header title.
    body = view.fontMetrics()
    bold = QFont(view.font())
    bold.setBold(True)
    head = QFontMetrics(bold)
    for i, column in enumerate(model.columns):
        if column.width_chars:
            text = body.horizontalAdvance("9" * column.width_chars) + 16
            title = head.horizontalAdvance(column.title) + 28
            view.setColumnWidth(i, max(text, title))
    stretched = [i for i, c in enumerate(model.columns) if c.stretch]
    if stretched:
        header.setStretchLastSection(False)
        for i in stretched:
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
    if any(c.sort_key for c in model.columns):
        # The arrow first: enabling sorting sorts at once by whatever the header shows.
        header.setSortIndicator(model.sort_column, model.sort_order)
        view.setSortingEnabled(True)

        def keep_indicator(column: int, _order: Qt.SortOrder) -> None:
            # A click on a column the SQL cannot sort by puts the arrow back where it was.
            if not model.is_sortable(column):
                header.blockSignals(True)
                header.setSortIndicator(model.sort_column, model.sort_order)
                header.blockSignals(False)

        header.sortIndicatorChanged.connect(keep_indicator)
    return view
