"""The geography tree: zones, states, regions, areas, territories.

Add, rename, move and delete go through ``services.geography``; what its rules refuse (a parent
at the wrong level, a duplicate name among siblings, deleting a node something still points at)
is shown with the service's own words. The tree may be large (every ISO 3166-2 subdivision is
50,000 nodes), so it is read a level at a time as nodes are expanded, an edit changes only the
rows it touches, and the Move dialog finds its target by typing instead of listing every node.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from hom.core.errors import DomainError
from hom.models.enums import GeoLevel
from hom.services import geography, reports
from hom.services.reports import GeoChoice, GeoMatch, GeoTreeRow
from hom_desktop.ui import csv_import, prompts, theme
from hom_desktop.ui.base import AppSession, BaseView, button_for, hbox
from hom_desktop.ui.forms import Form, GuardedDialog, label

Index = QModelIndex | QPersistentModelIndex
NODE_ROLE = Qt.ItemDataRole.UserRole + 1
LEVEL_ICONS = {
    GeoLevel.ZONE: "geography",
    GeoLevel.STATE: "folder",
    GeoLevel.REGION: "folder",
    GeoLevel.AREA: "folder",
    GeoLevel.TERRITORY: "parties",
}


class GeoTreeModel(QAbstractItemModel):
    """The tree, read a level at a time: the zones first, a node's children when it is
    expanded (``canFetchMore``/``fetchMore``), each node knowing how many children it has so it
    shows an expander before they are read. An edit changes the rows it touches (``upsert``,
    ``remove``) instead of reloading, so the view keeps its expanded nodes and selection.
    An index's internal id is a small integer key of its node."""

    HEADERS = ("Name", "Code", "Level")

    def __init__(
        self,
        loader: Callable[[uuid.UUID | None], list[GeoTreeRow]] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._load = loader or (lambda _parent: [])
        self._nodes: dict[uuid.UUID, GeoTreeRow] = {}
        self._children: dict[uuid.UUID | None, list[uuid.UUID]] = {None: []}  # read parents
        self._key_of: dict[uuid.UUID, int] = {}
        self._id_of: dict[int, uuid.UUID] = {}

    # --- reading ---------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything and read the zones."""
        self.beginResetModel()
        self._nodes, self._children = {}, {None: []}
        self._remember(None, self._load(None))
        self.endResetModel()

    def load(self, nodes: list[GeoChoice]) -> None:
        """Show ``nodes`` (a whole small tree, already read) instead of reading level by level."""
        below: dict[uuid.UUID | None, list[GeoChoice]] = {}
        for n in nodes:
            below.setdefault(n.parent_id, []).append(n)
        by_name: dict[uuid.UUID | None, list[GeoTreeRow]] = {
            parent: [
                GeoTreeRow(n.id, n.level, n.code, n.name, n.parent_id, len(below.get(n.id, [])))
                for n in sorted(kids, key=lambda x: (x.name.lower(), x.code))
            ]
            for parent, kids in below.items()
        }
        self._load = lambda parent: by_name.get(parent, [])
        self.reset()

    def _remember(self, parent: uuid.UUID | None, rows: list[GeoTreeRow]) -> None:
        self._children[parent] = [r.id for r in rows]
        for r in rows:
            self._nodes[r.id] = r
            if r.id not in self._key_of:
                key = len(self._key_of) + 1
                self._key_of[r.id] = key
                self._id_of[key] = r.id

    def ensure_loaded(self, node_id: uuid.UUID | None) -> None:
        """Read the children of ``node_id`` if the view has not yet."""
        if node_id is None or node_id in self._children or node_id not in self._nodes:
            return
        self.fetchMore(self.index_of(node_id))

    def node(self, index: Index) -> GeoTreeRow | None:
        if not index.isValid():
            return None
        node_id = self._id_of.get(index.internalId())
        return self._nodes.get(node_id) if node_id else None

    def get(self, node_id: uuid.UUID) -> GeoTreeRow | None:
        """The node if the view has read it."""
        return self._nodes.get(node_id)

    def index_of(self, node_id: uuid.UUID | None, column: int = 0) -> QModelIndex:
        node = self._nodes.get(node_id) if node_id else None
        if node is None:
            return QModelIndex()
        siblings = self._children.get(node.parent_id)
        if siblings is None or node_id not in siblings:
            return QModelIndex()
        return self.createIndex(siblings.index(node_id), column, self._key_of[node_id])

    def loaded_count(self) -> int:
        return len(self._nodes)

    # --- changing ---------------------------------------------------------------------

    def upsert(self, row: GeoTreeRow) -> None:
        """Show a node as it now is: a new one among its siblings, a renamed one in its new
        place, a moved one under its new parent (read or not)."""
        old = self._nodes.get(row.id)
        if old is not None and self.index_of(row.id).isValid():
            if old.parent_id != row.parent_id:
                self._move(old, row)
            else:
                self._rename(old, row)
            return
        self._count(row.parent_id, +1)
        siblings = self._children.get(row.parent_id)
        if siblings is None:  # its parent's children are not read yet: they will be
            return
        at = self._place(row, siblings)
        self.beginInsertRows(self.index_of(row.parent_id), at, at)
        siblings.insert(at, row.id)
        self._remember_one(row)
        self.endInsertRows()

    def remove(self, node_id: uuid.UUID) -> None:
        """Take a deleted node (and anything read below it) out of the view."""
        node = self._nodes.get(node_id)
        if node is None:
            return
        self._count(node.parent_id, -1)
        siblings = self._children.get(node.parent_id)
        if siblings is not None and node_id in siblings:
            row = siblings.index(node_id)
            self.beginRemoveRows(self.index_of(node.parent_id), row, row)
            siblings.pop(row)
            self._forget(node_id)
            self.endRemoveRows()
        else:
            self._forget(node_id)

    def _remember_one(self, row: GeoTreeRow) -> None:
        self._nodes[row.id] = row
        if row.id not in self._key_of:
            key = len(self._key_of) + 1
            self._key_of[row.id] = key
            self._id_of[key] = row.id

    def _forget(self, node_id: uuid.UUID) -> None:
        """Drop a node and whatever was read below it (only read nodes are walked)."""
        for child in self._children.pop(node_id, []):
            self._forget(child)
        self._nodes.pop(node_id, None)

    def _count(self, node_id: uuid.UUID | None, delta: int) -> None:
        node = self._nodes.get(node_id) if node_id else None
        if node is None:
            return
        self._nodes[node.id] = replace(node, children=max(node.children + delta, 0))
        if node.children == 0 and delta > 0 and node.id not in self._children:
            # A first child: its (empty) list counts as read, so the child arrives as an
            # inserted row and the view draws the expander (no layout change of the tree).
            self._children[node.id] = []
        index = self.index_of(node.id)
        if index.isValid():
            self.dataChanged.emit(index, self.index_of(node.id, len(self.HEADERS) - 1))

    @staticmethod
    def _sort_key(node: GeoChoice) -> tuple[str, str]:
        return (geography.name_key(node.name), node.code)

    def _place(self, row: GeoTreeRow, siblings: list[uuid.UUID]) -> int:
        """Where ``row`` goes among ``siblings`` (already sorted; ``row`` not among them)."""
        keys = [self._sort_key(self._nodes[s]) for s in siblings]
        return bisect.bisect_left(keys, self._sort_key(row))

    def _rename(self, old: GeoTreeRow, row: GeoTreeRow) -> None:
        siblings = self._children[old.parent_id]
        at = siblings.index(old.id)
        rest = siblings[:at] + siblings[at + 1 :]
        self._nodes[row.id] = replace(row, children=row.children)
        to = self._place(row, rest)
        parent = self.index_of(old.parent_id)
        if to != at:
            # Qt's destination counts rows before the move: moving down lands one further on
            self.beginMoveRows(parent, at, at, parent, to + 1 if to > at else to)
            siblings.pop(at)
            siblings.insert(to, row.id)
            self.endMoveRows()
        self.dataChanged.emit(self.index_of(row.id), self.index_of(row.id, len(self.HEADERS) - 1))

    def _move(self, old: GeoTreeRow, row: GeoTreeRow) -> None:
        source = self._children[old.parent_id]
        at = source.index(old.id)
        self._count(old.parent_id, -1)
        self._count(row.parent_id, +1)
        target = self._children.get(row.parent_id)
        if target is None:  # the new parent's children are not read yet: they will be
            self.beginRemoveRows(self.index_of(old.parent_id), at, at)
            source.pop(at)
            self._forget(old.id)
            self.endRemoveRows()
            return
        to = self._place(row, target)
        self.beginMoveRows(self.index_of(old.parent_id), at, at, self.index_of(row.parent_id), to)
        source.pop(at)
        target.insert(to, row.id)
        self._nodes[row.id] = row
        self.endMoveRows()

    # --- QAbstractItemModel --------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(self.HEADERS) or row < 0:
            return QModelIndex()
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        parent_node = self.node(parent)
        siblings = self._children.get(parent_node.id if parent_node else None, [])
        if row >= len(siblings):
            return QModelIndex()
        return self.createIndex(row, column, self._key_of[siblings[row]])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        node = self.node(index)
        if node is None or node.parent_id is None:
            return QModelIndex()
        return self.index_of(node.parent_id)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self.node(parent)
        return len(self._children.get(node.id if node else None, []))

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if not parent.isValid():
            return bool(self._children.get(None))
        if parent.column() != 0:
            return False
        node = self.node(parent)
        return node is not None and node.children > 0

    def canFetchMore(self, parent: Index) -> bool:
        node = self.node(parent)
        return node is not None and node.children > 0 and node.id not in self._children

    def fetchMore(self, parent: Index) -> None:
        node = self.node(parent)
        if node is None or node.id in self._children:
            return
        rows = self._load(node.id)
        if not rows:
            self._children[node.id] = []
            return
        self.beginInsertRows(parent, 0, len(rows) - 1)
        self._remember(node.id, rows)
        self.endInsertRows()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    _ROLES = frozenset(
        {
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.DecorationRole,
            Qt.ItemDataRole.ToolTipRole,
            NODE_ROLE,
        }
    )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in self._ROLES:  # the view asks a dozen roles per cell on every paint
            return None
        node = self.node(index)
        if node is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return (node.name, node.code, node.level.label)[index.column()]
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0:
            return theme.icon(LEVEL_ICONS[node.level])
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{node.level.label} {node.code}"
        if role == NODE_ROLE:
            return node
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class GeographyView(BaseView):
    key = "geography"
    title = "Geography"
    icon_name = "geography"
    permissions = frozenset({"geography.manage"})
    watches = frozenset({"geography"})

    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.add_zone_action = self.action(
            "Add &zone…", self.add_zone, icon="add", shortcut="Ctrl+Shift+N"
        )
        self.add_child_action = self.action(
            "Add &below…", self.add_child, icon="add", shortcut="Ctrl+N"
        )
        self.rename_action = self.action("&Rename…", self.rename, icon="edit", shortcut="F2")
        self.move_action = self.action("&Move…", self.move, icon="move", shortcut="Ctrl+M")
        self.delete_action = self.action(
            "&Delete", self.delete, icon="delete", shortcut=QKeySequence.StandardKey.Delete
        )
        self.import_action = self.action(
            "&Import CSV…",
            self.open_import,
            icon="import",
            shortcut="Ctrl+I",
            enabled=app.can("data.import"),
        )
        self.export_action = self.action(
            "E&xport CSV…", self.export, icon="export", enabled=app.can("data.export")
        )

        layout = self.page_layout(
            "Geography", button_for(self.import_action), button_for(self.export_action)
        )
        self.error_banner = label("", "banner-error", wrap=True)
        self.error_banner.hide()
        layout.addWidget(self.error_banner)
        layout.addLayout(
            hbox(
                button_for(self.add_zone_action),
                button_for(self.add_child_action),
                button_for(self.rename_action),
                button_for(self.move_action),
                button_for(self.delete_action),
                None,
            )
        )
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.model = GeoTreeModel(self._read_children, self)
        self.tree = QTreeView()
        self.tree.setObjectName("geo-tree")
        self.tree.setAccessibleName("Geography tree")
        self.tree.setModel(self.model)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        splitter.addWidget(self.tree)
        details = QWidget()
        dcol = QVBoxLayout(details)
        dcol.setContentsMargins(10, 0, 0, 0)
        self.detail_title = label("", "title", wrap=True)
        self.detail_path = label("", "hint", wrap=True)
        self.detail_text = label("Choose a node to see where it sits.", wrap=True)
        dcol.addWidget(self.detail_title)
        dcol.addWidget(self.detail_path)
        dcol.addWidget(self.detail_text)
        dcol.addStretch(1)
        splitter.addWidget(details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self.tree.selectionModel().currentChanged.connect(lambda *_: self._selection_changed())
        self._expanded: dict[uuid.UUID, int] = {}  # expanded node -> its level
        self.tree.expanded.connect(self._on_expanded)
        self.tree.collapsed.connect(self._on_collapsed)
        self._own_change = False
        self.refresh()

    # --- reading -----------------------------------------------------------------------

    def _read_children(self, parent_id: uuid.UUID | None) -> list[GeoTreeRow]:
        return self.app.read(lambda s: reports.geo_children(s, parent_id))

    def _on_expanded(self, index: QModelIndex) -> None:
        node = self.model.node(index)
        if node is not None:
            self._expanded[node.id] = node.level

    def _on_collapsed(self, index: QModelIndex) -> None:
        node = self.model.node(index)
        if node is not None:
            self._expanded.pop(node.id, None)

    def _heard_change(self, domain: str) -> None:
        if not self._own_change:  # this view has already shown its own edit
            super()._heard_change(domain)

    def refresh(self, select: uuid.UUID | None = None) -> None:
        """Read the tree again (the zones, then the children of each node that was expanded,
        parents first), keeping what was expanded and selected."""
        super().refresh()
        current = self.selected()
        expanded = sorted(self._expanded.items(), key=lambda item: item[1])
        self._expanded = {}
        self.model.reset()
        for node_id, _level in expanded:
            index = self.model.index_of(node_id)
            if index.isValid():
                self.model.ensure_loaded(node_id)
                self.tree.expand(index)
        target = select or (current.id if current else None)
        if target is not None:
            self.select(target)
        self._selection_changed()

    def select(self, node_id: uuid.UUID, *, parent_id: uuid.UUID | None = None) -> bool:
        """Make ``node_id`` current, reading and expanding the nodes above it as needed
        (``parent_id``, when known and already shown, saves reading the path)."""
        index = self.model.index_of(node_id)
        if not index.isValid() and parent_id is not None and self.model.get(parent_id):
            self.model.ensure_loaded(parent_id)
            index = self.model.index_of(node_id)
        if not index.isValid():
            for above in self.app.read(lambda s: reports.geo_path(s, node_id))[:-1]:
                self.model.ensure_loaded(above.id)
                self.tree.expand(self.model.index_of(above.id))
            index = self.model.index_of(node_id)
            if not index.isValid():
                return False
        parent = index.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)
        return True

    def selected(self) -> GeoTreeRow | None:
        return self.model.node(self.tree.currentIndex())

    def _path_text(self, node: GeoTreeRow) -> str:
        """ "Zone > State > …" of a shown node, from the nodes above it (all shown too)."""
        names = [node.name]
        above = self.model.get(node.parent_id) if node.parent_id else None
        while above is not None:
            names.append(above.name)
            above = self.model.get(above.parent_id) if above.parent_id else None
        if names and len(names) == node.level:
            return " > ".join(reversed(names))
        return self.app.read(lambda s: geography.path_text(s, node.id))

    def _selection_changed(self) -> None:
        node = self.selected()
        manage = self.app.can("geography.manage")
        self.add_zone_action.setEnabled(manage)
        self.add_child_action.setEnabled(
            manage and node is not None and node.level < GeoLevel.TERRITORY
        )
        for act in (self.rename_action, self.move_action, self.delete_action):
            act.setEnabled(manage and node is not None)
        if node is None:
            self.detail_title.setText("")
            self.detail_path.setText("")
            return
        path = self._path_text(node)
        self.detail_title.setText(f"{node.name}")
        self.detail_path.setText(path)
        self.detail_text.setText(
            f"{node.level.label} · code {node.code}\n{node.children} node(s) directly below"
        )

    def focus_first(self) -> None:
        self.tree.setFocus()

    # --- writing -----------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.error_banner.hide()
        self.say(text)

    def _refused(self, what: str, exc: DomainError) -> None:
        text = f"{what} refused — {prompts.describe(exc)}"
        self.banner.hide()
        self.error_banner.setText(text)
        self.error_banner.show()
        prompts.error(self, "Geography", text)

    def _after_write(self, text: str, select: uuid.UUID | None) -> None:
        """After a whole import: read the tree again."""
        self._say(text)
        self._tell_others()
        self.refresh(select=select)

    def _after_edit(self, text: str, node_id: uuid.UUID) -> None:
        """After an add, rename or move of ``node_id``: show it as it now is, touching only its
        row (and its old and new parents' expanders), then select it."""
        self._say(text)
        row = self.app.read(lambda s: reports.geo_node(s, node_id))
        if row is not None:
            self.model.upsert(row)
            self.select(node_id, parent_id=row.parent_id)
        self._selection_changed()
        self._tell_others()

    def _tell_others(self) -> None:
        self._own_change = True
        try:
            self.app.notify("geography")
        finally:
            self._own_change = False

    def add_zone(self) -> NodeDialog:
        return self._open_node_dialog(None)

    def add_child(self) -> NodeDialog | None:
        node = self.selected()
        if node is None or node.level >= GeoLevel.TERRITORY:
            return None
        return self._open_node_dialog(node)

    def _open_node_dialog(self, parent_node: GeoChoice | None) -> NodeDialog:
        dialog = NodeDialog(self.app, self, parent_node=parent_node)
        dialog.saved.connect(self._after_edit)
        return self.open_dialog(dialog)

    def rename(self) -> NodeDialog | None:
        node = self.selected()
        if node is None:
            return None
        dialog = NodeDialog(self.app, self, node=node)
        dialog.saved.connect(self._after_edit)
        return self.open_dialog(dialog)

    def move(self) -> MoveDialog | None:
        node = self.selected()
        if node is None:
            return None
        dialog = MoveDialog(self.app, self, node=node)
        dialog.saved.connect(self._after_edit)
        return self.open_dialog(dialog)

    def delete(self) -> bool:
        node = self.selected()
        if node is None:
            return False
        if not prompts.confirm(
            self, "Delete", f"Delete {node.level.label.lower()} {node.name} ({node.code})?"
        ):
            return False
        ctx = self.app.ctx
        try:
            self.app.run_action(lambda s: geography.delete_node(s, ctx=ctx, node_id=node.id))
        except DomainError as exc:
            self._refused(f"Deleting {node.name}", exc)
            return False
        self._say(f"Deleted {node.level.label.lower()} {node.name}.")
        self.model.remove(node.id)
        if node.parent_id is not None:
            self.select(node.parent_id)
        self._selection_changed()
        self._tell_others()
        return True

    # --- CSV ---------------------------------------------------------------------------

    def open_import(self) -> csv_import.ImportDialog:
        dialog = csv_import.ImportDialog(self.app, "geography", self)
        dialog.imported.connect(lambda r: self._after_write(csv_import.import_summary(r), None))
        return self.open_dialog(dialog)

    def export(self) -> Any:
        return csv_import.export(self.app, self, "geography")


class _GeoDialog(GuardedDialog):
    saved = Signal(str, object)  # message, node id to select

    def __init__(self, app: AppSession, parent: QWidget | None, title: str, ok: str) -> None:
        super().__init__(parent)
        self.app = app
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self.layout_ = QVBoxLayout(self)
        self.form = Form()
        self.layout_.addWidget(self.form)
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(ok, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setDefault(True)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)

    def save(self) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError


class NodeDialog(_GeoDialog):
    """A new node (code and name, under a parent) or a new name for an existing node."""

    def __init__(
        self,
        app: AppSession,
        parent: QWidget | None = None,
        *,
        parent_node: GeoChoice | None = None,
        node: GeoChoice | None = None,
    ) -> None:
        self.node = node
        self.parent_node = parent_node
        if node is not None:
            title, ok = f"Rename {node.level.label.lower()} {node.code}", "&Rename"
            self.level = node.level
        else:
            self.level = GeoLevel(parent_node.level + 1) if parent_node else GeoLevel.ZONE
            where = f" in {parent_node.name}" if parent_node else ""
            title, ok = f"New {self.level.label.lower()}{where}", "&Add"
        super().__init__(app, parent, title, ok)
        self.code = QLineEdit(node.code if node else "")
        self.code.setObjectName("geo-code")
        self.name = QLineEdit(node.name if node else "")
        self.name.setObjectName("geo-name")
        if node is None:
            self.form.add_plain("Level", label(self.level.label))
            self.form.add_plain("Under", label(parent_node.label if parent_node else "the top"))
            self.form.add("code", "&Code", self.code)
        else:
            self.form.add_plain("Code", label(node.code))
        self.form.add("name", "&Name", self.name)
        self.layout_.addWidget(self.buttons)
        (self.name if node else self.code).setFocus()

    def save(self) -> bool:
        self.form.errors.clear()
        ctx, name = self.app.ctx, self.name.text().strip()
        try:
            if self.node is None:
                data = {
                    "level": self.level,
                    "code": self.code.text().strip(),
                    "name": name,
                    "parent_id": self.parent_node.id if self.parent_node else None,
                }
                made = self.app.run_action(
                    lambda s: geography.to_public(geography.create_node(s, ctx=ctx, node_in=data))
                )
                text, node_id = (
                    f"Added {self.level.label.lower()} {made.name} ({made.code}).",
                    made.id,
                )
            else:
                node_id = self.node.id
                self.app.run_action(
                    lambda s: geography.rename_node(s, ctx=ctx, node_id=node_id, name=name)
                )
                text = f"Renamed {self.node.code} to {name}."
        except DomainError as exc:
            self.form.errors.show(exc)
            return False
        self.saved.emit(text, node_id)
        self.accept()
        return True


class MoveDialog(_GeoDialog):
    """Find the new parent by typing part of its name or code: the list shows the nodes one
    level above the moving node that match (a few dozen at most, read from SQL as the user
    types). The service refuses a parent at the wrong level or inside the node's own subtree,
    with its reason shown under the field."""

    LIMIT = 50

    def __init__(self, app: AppSession, parent: QWidget | None = None, *, node: GeoChoice) -> None:
        super().__init__(app, parent, f"Move {node.level.label.lower()} {node.name}", "&Move")
        self.node = node
        self.level = GeoLevel(node.level - 1) if node.level > GeoLevel.ZONE else None
        self.search = QLineEdit()
        self.search.setObjectName("geo-parent-search")
        self.search.setClearButtonEnabled(True)
        self.matches = QListWidget()
        self.matches.setObjectName("geo-new-parent")
        self.matches.setMinimumHeight(220)
        self.form.add_plain("Node", label(f"{node.level.label} {node.name} ({node.code})"))
        if self.level is None:
            self.search.setEnabled(False)
            self.search.setPlaceholderText("A zone stays at the top")
            self.form.add(("new_parent_id", "name", "parent_id"), "New &parent", self.search)
        else:
            self.search.setPlaceholderText(
                f"Type part of the {self.level.label.lower()}'s name or code"
            )
            self.form.add(("new_parent_id", "name", "parent_id"), "New &parent", self.search)
        self.layout_.addWidget(self.matches)
        self.layout_.addWidget(
            label(
                f"A {node.level.label.lower()} moves under a node one level above it; "
                "everything below it moves along.",
                "hint",
                wrap=True,
            )
        )
        self.layout_.addWidget(self.buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.find)
        self.search.textEdited.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._entered)
        self.matches.itemActivated.connect(lambda _i: self.save())
        self.find()
        self.search.setFocus()

    def find(self) -> list[GeoMatch]:
        """Read the nodes matching what is typed (at the new parent's level) into the list."""
        self._timer.stop()
        self.matches.clear()
        if self.level is None:
            item = QListWidgetItem("— the top (zones only) —")
            item.setData(Qt.ItemDataRole.UserRole, None)
            self.matches.addItem(item)
            self.matches.setCurrentRow(0)
            return []
        text, level = self.search.text(), self.level
        found = self.app.read(
            lambda s: reports.geo_search(s, text=text, level=level, limit=self.LIMIT)
        )
        for match in found:
            item = QListWidgetItem(match.label)
            item.setData(Qt.ItemDataRole.UserRole, match.node.id)
            self.matches.addItem(item)
            if match.node.id == self.node.parent_id:
                item.setText(f"{match.label}  (now)")
        if found:
            self.matches.setCurrentRow(0)
        return found

    def _entered(self) -> None:
        if self._timer.isActive():
            self.find()
        if self.matches.count():
            self.matches.setFocus()

    def choose(self, node_id: uuid.UUID | None) -> bool:
        """Make ``node_id`` the chosen parent if it is in the list."""
        for row in range(self.matches.count()):
            if self.matches.item(row).data(Qt.ItemDataRole.UserRole) == node_id:
                self.matches.setCurrentRow(row)
                return True
        return False

    def chosen(self) -> tuple[uuid.UUID | None, str] | None:
        item = self.matches.currentItem()
        if item is None:
            return None
        return item.data(Qt.ItemDataRole.UserRole), item.text().split(" — ")[0]

    def save(self) -> bool:
        self.form.errors.clear()
        chosen = self.chosen()
        if chosen is None:
            self.form.errors.show(
                DomainError("type part of a name or code and choose the new parent", field="name")
            )
            return False
        new_parent, where = chosen
        ctx, node_id = self.app.ctx, self.node.id
        try:
            self.app.run_action(
                lambda s: geography.move_node(s, ctx=ctx, node_id=node_id, new_parent_id=new_parent)
            )
        except DomainError as exc:
            self.form.errors.show(exc)
            return False
        self.saved.emit(f"Moved {self.node.name} under {where}.", node_id)
        self.accept()
        return True
