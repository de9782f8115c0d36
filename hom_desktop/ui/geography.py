"""The geography tree: zones, states, regions, areas, territories.

Add, rename, move and delete go through ``services.geography``; what its rules refuse (a parent
at the wrong level, a duplicate name among siblings, deleting a node something still points at)
is shown with the service's own words. The tree is small (hundreds to a few thousand nodes), so
it is read whole into a model of plain ``GeoChoice`` rows.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from hom.core.errors import DomainError
from hom.models.enums import GeoLevel
from hom.services import geography, reports
from hom.services.reports import GeoChoice
from hom_desktop.ui import csv_import, prompts, theme
from hom_desktop.ui.base import AppSession, BaseView, button_for, hbox
from hom_desktop.ui.forms import Form, GuardedDialog, find_data, label

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
    """The tree as plain nodes; an index's internal id is a small integer key of its node."""

    HEADERS = ("Name", "Code", "Level")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._nodes: dict[uuid.UUID, GeoChoice] = {}
        self._children: dict[uuid.UUID | None, list[uuid.UUID]] = {None: []}
        self._key_of: dict[uuid.UUID, int] = {}
        self._id_of: dict[int, uuid.UUID] = {}

    def load(self, nodes: list[GeoChoice]) -> None:
        self.beginResetModel()
        self._nodes = {n.id: n for n in nodes}
        self._children = {None: []}
        for n in sorted(nodes, key=lambda x: (x.name.lower(), x.code)):
            parent = n.parent_id if n.parent_id in self._nodes else None
            self._children.setdefault(parent, []).append(n.id)
        for n in nodes:
            if n.id not in self._key_of:
                key = len(self._key_of) + 1
                self._key_of[n.id] = key
                self._id_of[key] = n.id
        self.endResetModel()

    def node(self, index: Index) -> GeoChoice | None:
        if not index.isValid():
            return None
        node_id = self._id_of.get(index.internalId())
        return self._nodes.get(node_id) if node_id else None

    def index_of(self, node_id: uuid.UUID) -> QModelIndex:
        node = self._nodes.get(node_id)
        if node is None:
            return QModelIndex()
        parent = node.parent_id if node.parent_id in self._nodes else None
        row = self._children[parent].index(node_id)
        return self.createIndex(row, 0, self._key_of[node_id])

    def all_nodes(self) -> list[GeoChoice]:
        return list(self._nodes.values())

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
        if node is None or node.parent_id is None or node.parent_id not in self._nodes:
            return QModelIndex()
        return self.index_of(node.parent_id)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self.node(parent)
        return len(self._children.get(node.id if node else None, []))

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
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
        self.model = GeoTreeModel(self)
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
        self.refresh()

    # --- reading -----------------------------------------------------------------------

    def refresh(self, select: uuid.UUID | None = None) -> None:
        super().refresh()
        current = self.selected()
        expanded = self._expanded_ids()
        self.model.load(self.app.read(reports.geo_nodes))
        for node_id in expanded:
            self.tree.setExpanded(self.model.index_of(node_id), True)
        target = select or (current.id if current else None)
        if target is not None:
            self.select(target)
        self._selection_changed()

    def _expanded_ids(self) -> list[uuid.UUID]:
        return [
            n.id for n in self.model.all_nodes() if self.tree.isExpanded(self.model.index_of(n.id))
        ]

    def select(self, node_id: uuid.UUID) -> bool:
        index = self.model.index_of(node_id)
        if not index.isValid():
            return False
        parent = index.parent()
        while parent.isValid():
            self.tree.setExpanded(parent, True)
            parent = parent.parent()
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)
        return True

    def selected(self) -> GeoChoice | None:
        return self.model.node(self.tree.currentIndex())

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
        path = self.app.read(lambda s: geography.path_text(s, node.id))
        self.detail_title.setText(f"{node.name}")
        self.detail_path.setText(path)
        below = self.model.rowCount(self.model.index_of(node.id))
        self.detail_text.setText(
            f"{node.level.label} · code {node.code}\n{below} node(s) directly below"
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
        self._say(text)
        self.app.notify("geography")
        self.refresh(select=select)

    def add_zone(self) -> NodeDialog:
        return self._open_node_dialog(None)

    def add_child(self) -> NodeDialog | None:
        node = self.selected()
        if node is None or node.level >= GeoLevel.TERRITORY:
            return None
        return self._open_node_dialog(node)

    def _open_node_dialog(self, parent_node: GeoChoice | None) -> NodeDialog:
        dialog = NodeDialog(self.app, self, parent_node=parent_node)
        dialog.saved.connect(lambda text, nid: self._after_write(text, nid))
        return self.open_dialog(dialog)

    def rename(self) -> NodeDialog | None:
        node = self.selected()
        if node is None:
            return None
        dialog = NodeDialog(self.app, self, node=node)
        dialog.saved.connect(lambda text, nid: self._after_write(text, nid))
        return self.open_dialog(dialog)

    def move(self) -> MoveDialog | None:
        node = self.selected()
        if node is None:
            return None
        dialog = MoveDialog(self.app, self, node=node, nodes=self.model.all_nodes())
        dialog.saved.connect(lambda text, nid: self._after_write(text, nid))
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
        self._after_write(f"Deleted {node.level.label.lower()} {node.name}.", node.parent_id)
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
    """Pick the new parent; the service refuses a parent at the wrong level or inside the
    node's own subtree, with its reason shown under the field."""

    def __init__(
        self,
        app: AppSession,
        parent: QWidget | None = None,
        *,
        node: GeoChoice,
        nodes: list[GeoChoice],
    ) -> None:
        super().__init__(app, parent, f"Move {node.level.label.lower()} {node.name}", "&Move")
        self.node = node
        self.new_parent = QComboBox()
        self.new_parent.setObjectName("geo-new-parent")
        self.new_parent.addItem("— the top (zones only) —", None)
        by_parent: dict[uuid.UUID | None, list[GeoChoice]] = {}
        for n in nodes:
            by_parent.setdefault(n.parent_id, []).append(n)

        def walk(parent_id: uuid.UUID | None, depth: int) -> None:
            for n in sorted(by_parent.get(parent_id, []), key=lambda x: x.name.lower()):
                self.new_parent.addItem(
                    "   " * depth + f"{n.name} ({n.code}) — {n.level.label.lower()}", n.id
                )
                walk(n.id, depth + 1)

        walk(None, 0)
        self.new_parent.setCurrentIndex(max(find_data(self.new_parent, node.parent_id), 0))
        self.form.add_plain("Node", label(f"{node.level.label} {node.name} ({node.code})"))
        self.form.add(("new_parent_id", "name", "parent_id"), "New &parent", self.new_parent)
        self.layout_.addWidget(
            label(
                f"A {node.level.label.lower()} moves under a node one level above it; "
                "everything below it moves along.",
                "hint",
                wrap=True,
            )
        )
        self.layout_.addWidget(self.buttons)
        self.new_parent.setFocus()

    def save(self) -> bool:
        self.form.errors.clear()
        ctx, node_id, new_parent = self.app.ctx, self.node.id, self.new_parent.currentData()
        try:
            self.app.run_action(
                lambda s: geography.move_node(s, ctx=ctx, node_id=node_id, new_parent_id=new_parent)
            )
        except DomainError as exc:
            self.form.errors.show(exc)
            return False
        where = self.new_parent.currentText().strip().split(" — ")[0]
        self.saved.emit(f"Moved {self.node.name} under {where}.", node_id)
        self.accept()
        return True
