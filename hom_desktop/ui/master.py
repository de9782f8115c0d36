"""What the master-data screens (products, parties) share: a searchable table paged from SQL
beside an edit form, with CSV import and export.

The two screens are one layout with different fields, so the frame lives here once and a
clerk's hands learn it once: the actions and their keys (Ctrl+N, Ctrl+S, Ctrl+I, Ctrl+F), the
header, the search row, the table-and-form split, the form panel and the CSV flow. What a row
shows, the filters, the form's fields and what a save sends to the service stay in each view.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QLineEdit, QSplitter, QVBoxLayout, QWidget

from hom_desktop.ui import csv_import
from hom_desktop.ui.base import AppSession, BaseView, button_for, hbox
from hom_desktop.ui.forms import EnterMovesFocus, Form, debounce, label
from hom_desktop.ui.ops import Operation
from hom_desktop.ui.table_model import PagedTableModel, make_table


class MasterDataView(BaseView):
    """A master-data screen. A subclass builds, in order: ``add_search_row``, then
    ``add_table_and_form`` with a panel from ``form_panel``; and it supplies ``save``,
    ``reload_table`` and ``_picked``."""

    noun = ""
    """What one row is ("product"): it names the actions and the empty form's title."""
    manage_permission = ""
    """Who may create and edit rows; for anyone else the form is read-only."""
    csv_kind = ""
    """The data set ``services.csv_io`` imports and exports for this screen."""

    def __init__(
        self, app: AppSession, parent: QWidget | None, *, heading: str, new: Callable[[], Any]
    ) -> None:
        super().__init__(app, parent)
        manage = app.can(self.manage_permission)
        self.new_action = self.action(
            f"Ne&w {self.noun}",
            lambda: (new(), self.form.mark_clean()),
            icon="add",
            shortcut="Ctrl+N",
            enabled=manage,
        )
        self.save_action = self.action(
            f"Sa&ve {self.noun}", self._save_typed, icon="save", shortcut="Ctrl+S", enabled=manage
        )
        self.import_action = self.action(
            "&Import CSV…",
            self.open_import,
            icon="import",
            shortcut="Ctrl+I",
            enabled=manage and app.can("data.import"),
        )
        self.export_action = self.action(
            "E&xport CSV…", self.export, icon="export", enabled=app.can("data.export")
        )
        self.find_action = self.action(
            f"&Find {self.noun}", self.focus_first, icon="search", shortcut="Ctrl+F"
        )
        self.page = self.page_layout(
            heading, button_for(self.import_action), button_for(self.export_action)
        )

    # --- what each view supplies ---------------------------------------------------------

    def save(self) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def reload_table(self, select: uuid.UUID | None = None) -> None:  # pragma: no cover
        raise NotImplementedError

    def _picked(self, index: QModelIndex) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    # --- the frame -----------------------------------------------------------------------

    def _save_typed(self) -> bool:
        saved = self.save()
        if saved:
            self.form.mark_clean()
        return saved

    def _pick(self, index: QModelIndex) -> None:
        self._picked(index)
        self.form.mark_clean()

    def unsaved_changes(self) -> str:
        if self.form.dirty:
            return f"the {self.noun} you were typing on the {self.title} screen"
        return ""

    def add_search_row(self, search: QLineEdit, *filters: QWidget) -> None:
        """``search``, the view's ``filters`` and the row count at the right. The table reloads
        when typing pauses, not at every key (each reload is a count and a page in SQL)."""
        self.search = search
        self.count_label = label("", "hint")
        self.page.addLayout(hbox(search, *filters, None, self.count_label))
        self._timer = debounce(self, 150, self.reload_table)
        search.textEdited.connect(lambda _t: self._timer.start())

    def add_table_and_form(
        self, model: PagedTableModel, *, table_name: str, form_panel: QWidget
    ) -> None:
        """The table takes the spare width and the form panel keeps its own; neither can be
        collapsed out of sight. Picking a row fills the form (``_picked``)."""
        self.model = model
        self.table = make_table(model, object_name=table_name)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(form_panel)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setChildrenCollapsible(False)
        self.page.addWidget(splitter, 1)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._pick(cur))

    def form_panel(self, form: Form, *extra_buttons: QWidget) -> QWidget:
        """The edit panel: a title ("New product" until a row is picked), ``form``, then New at
        the left and Save at the right with ``extra_buttons`` just before it. Enter moves on
        from field to field; without the manage permission the fields are read-only."""
        panel = QWidget()
        char = self.fontMetrics().averageCharWidth()
        panel.setMinimumWidth(char * 46)
        panel.setMaximumWidth(char * 60)
        col = QVBoxLayout(panel)
        col.setContentsMargins(8, 0, 0, 0)
        self.form_title = label(f"New {self.noun}", "title")
        col.addWidget(self.form_title)
        col.addWidget(form)
        EnterMovesFocus(self, form.inputs)
        self.save_button = button_for(self.save_action, primary=True)
        col.addLayout(hbox(button_for(self.new_action), None, *extra_buttons, self.save_button))
        col.addStretch(1)
        manage = self.app.can(self.manage_permission)
        for w in form.inputs:
            w.setEnabled(manage)
        form.mark_clean()
        return panel

    def focus_first(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # --- CSV -----------------------------------------------------------------------------

    def open_import(self) -> csv_import.ImportDialog:
        dialog = csv_import.ImportDialog(self.app, self.csv_kind, self)
        dialog.imported.connect(self._imported)
        return self.open_dialog(dialog)

    def _imported(self, result: Any) -> None:
        self.say(csv_import.import_summary(result))
        self.refresh()

    def export(self) -> Operation[str] | None:
        return csv_import.export(self.app, self, self.csv_kind)
