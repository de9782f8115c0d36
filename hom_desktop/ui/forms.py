"""Building blocks of every form: field rows that show a service's error beside the field,
pickers for products and locations, and keyboard habits for fast entry.

A service raises a ``DomainError`` naming a field (``quantity``, ``movements.0.location_id``,
``sku``); ``FormErrors.show`` puts the message under the widget bound to that name and outlines
it, or, for a field the form does not show, in a banner at the top. What the user typed stays.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QDate,
    QEvent,
    QItemSelectionModel,
    QObject,
    QRegularExpression,
    QStringListModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hom.core.errors import DomainError, ValidationFailed
from hom_desktop.ui import prompts

if TYPE_CHECKING:  # loaded when first used: the sign-in dialog paints before the domain loads
    from hom.core.store import Store
    from hom.services.reports import ProductChoice


def repolish(widget: QWidget) -> None:
    """Re-apply the stylesheet after a dynamic property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def label(text: str, role: str = "", *, wrap: bool = False) -> QLabel:
    lab = QLabel(text)
    if role:
        lab.setProperty("role", role)
    lab.setWordWrap(wrap)
    return lab


def find_data(combo: QComboBox, value: Any) -> int:
    """The index of the item whose data equals ``value``, or -1.

    ``QComboBox.findData`` compares Python objects (UUIDs, enums) by identity, not equality.
    """
    for i in range(combo.count()):
        if combo.itemData(i) == value:
            return i
    return -1


def select_data(combo: QComboBox, value: Any) -> bool:
    i = find_data(combo, value)
    if i >= 0:
        combo.setCurrentIndex(i)
    return i >= 0


def error_pairs(exc: BaseException) -> list[tuple[str | None, str]]:
    """(field, message) pairs of an error (a schema failure may name several fields)."""
    if isinstance(exc, ValidationFailed):
        return [(f, m) for f, m in exc.errors]
    if isinstance(exc, DomainError):
        return [(exc.field, exc.message)]
    return [(None, f"{type(exc).__name__}: {exc}")]


def _changed_signal(widget: QWidget) -> Any:
    if isinstance(widget, QLineEdit):
        return widget.textEdited
    if isinstance(widget, QComboBox):
        return widget.currentIndexChanged
    if isinstance(widget, QAbstractSpinBox) and hasattr(widget, "valueChanged"):
        return widget.valueChanged
    if isinstance(widget, QDateEdit):
        return widget.dateChanged
    if isinstance(widget, QPlainTextEdit):
        return widget.textChanged
    if isinstance(widget, QCheckBox):
        return widget.toggled
    return None


def _input_value(widget: QWidget) -> Any:
    if isinstance(widget, QComboBox):
        return (widget.currentIndex(), widget.currentText())
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QDateEdit):
        return widget.date().toJulianDay()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QAbstractSpinBox):
        return widget.text()
    return None


class FormErrors:
    """Field name -> widget and its error label; shows and clears service errors."""

    def __init__(self, banner: QLabel) -> None:
        self.banner = banner
        self.banner.setProperty("role", "banner-error")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self._fields: dict[str, tuple[QWidget, QLabel, str]] = {}

    def bind(self, names: str | Iterable[str], widget: QWidget, error_label: QLabel, title: str):
        """Errors naming any of ``names`` are shown under ``widget``."""
        for name in [names] if isinstance(names, str) else names:
            self._fields[name] = (widget, error_label, title)
        signal = _changed_signal(widget)
        if signal is not None:
            signal.connect(lambda *_: self.clear_field(widget))

    def error_text(self, name: str) -> str:
        """The message shown under the field bound to ``name`` ("" when none)."""
        found = self._lookup(name)
        if found is None or found[1].isHidden():
            return ""
        return found[1].text()

    def _lookup(self, name: str | None) -> tuple[QWidget, QLabel, str] | None:
        if not name:
            return None
        if name in self._fields:
            return self._fields[name]
        last = name.rsplit(".", 1)[-1]
        return self._fields.get(last)

    def clear(self) -> None:
        self.banner.hide()
        self.banner.setText("")
        for widget, lab, _ in self._fields.values():
            self._set_invalid(widget, lab, None)

    def clear_field(self, widget: QWidget) -> None:
        for w, lab, _ in self._fields.values():
            if w is widget:
                self._set_invalid(w, lab, None)

    def show(self, exc: BaseException) -> None:
        """Put each error beside its field (or in the banner) and focus the first such field."""
        self.clear()
        unplaced: list[str] = []
        first: QWidget | None = None
        for field, message in error_pairs(exc):
            found = self._lookup(field)
            if found is None:
                name = (field or "").rsplit(".", 1)[-1].replace("_", " ")
                unplaced.append(f"{name}: {message}" if name else message)
                continue
            widget, lab, _title = found
            self._set_invalid(widget, lab, message)
            first = first or widget
        if unplaced:
            self.banner.setText("Not saved — " + "\n".join(unplaced))
            self.banner.show()
        self._make_room()
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
            if isinstance(first, QLineEdit):
                first.selectAll()

    def show_message(self, text: str) -> None:
        self.clear()
        self.banner.setText(text)
        self.banner.show()
        self._make_room()

    def _make_room(self) -> None:
        """Grow a dialog so wrapped messages get their height instead of overlapping the next
        row (a top-level window does not grow for a label's height-for-width by itself)."""
        window = self.banner.window()
        if isinstance(window, QDialog) and window.isVisible():
            layout = window.layout()
            if layout is not None:
                layout.activate()
            width = window.width()
            height = window.heightForWidth(width) if window.hasHeightForWidth() else -1
            hint = window.sizeHint()
            window.resize(width, max(window.height(), height, hint.height()))

    @staticmethod
    def _set_invalid(widget: QWidget, lab: QLabel, message: str | None) -> None:
        widget.setProperty("invalid", message is not None)
        repolish(widget)
        lab.setText(message or "")
        lab.setVisible(message is not None)


class Form(QWidget):
    """A QFormLayout whose rows carry an error line, with a banner above for other errors."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.banner = QLabel()
        outer.addWidget(self.banner)
        self.layout_ = QFormLayout()
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.layout_.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.layout_.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        outer.addLayout(self.layout_)
        self.errors = FormErrors(self.banner)
        self.inputs: list[QWidget] = []
        self._clean: tuple[Any, ...] | None = None

    def snapshot(self) -> tuple[Any, ...]:
        """What the inputs hold now (to tell typed input from what was loaded)."""
        return tuple(_input_value(w) for w in self.inputs)

    def mark_clean(self) -> None:
        """What the inputs hold now is saved (or was loaded): nothing to lose."""
        self._clean = self.snapshot()

    @contextmanager
    def keeping_clean(self) -> Iterator[None]:
        """Refill choices (a combo's items) without that counting as typed input: a form that
        held nothing unsaved before still holds nothing unsaved after."""
        was_clean = self._clean is not None and not self.dirty
        yield
        if was_clean:
            self.mark_clean()

    @property
    def dirty(self) -> bool:
        """Input typed since ``mark_clean`` and not saved (False if never marked)."""
        return self._clean is not None and self.snapshot() != self._clean

    def add(self, names: str | Sequence[str], title: str, widget: QWidget) -> QWidget:
        """A row ``title: widget``; errors naming ``names`` appear under it."""
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        err = label("", "error", wrap=True)
        err.hide()
        column.addWidget(err)
        self.layout_.addRow(title, holder)
        # The label's Alt+letter goes to the input itself, not to the holder around it (which
        # takes no focus), and a screen reader names the input by its label.
        row_label = self.layout_.labelForField(holder)
        if isinstance(row_label, QLabel):
            row_label.setBuddy(widget)
        widget.setAccessibleName(title.replace("&", ""))
        self.errors.bind(names, widget, err, title)
        self.inputs.append(widget)
        return widget

    def add_plain(self, title: str, widget: QWidget) -> QWidget:
        self.layout_.addRow(title, widget)
        return widget


DISCARD_TITLE = "Discard what you typed?"


class GuardedDialog(QDialog):
    """A dialog with a ``form`` that asks before throwing away what was typed into it: Esc,
    Cancel and the close box all come through ``reject``. What the form held when the dialog
    first showed (a prefilled product, say) counts as nothing typed."""

    form: Form

    def showEvent(self, event: Any) -> None:
        if self.form._clean is None:
            self.form.mark_clean()
        super().showEvent(event)

    def reject(self) -> None:
        if self.form.dirty and not prompts.confirm(
            self,
            DISCARD_TITLE,
            f"{self.windowTitle()}: what you typed has not been saved. Close and discard it?",
        ):
            return
        super().reject()


class EnterMovesFocus(QObject):
    """Return/Enter in a field moves to the next field, as on a paper form.

    A line edit with its suggestions open is the exception Qt makes: the key goes to the
    completer's popup, which hands it to the line edit (``returnPressed``) and then takes the
    highlighted suggestion (``activated``). So for such fields the move happens on those
    signals instead, and Enter on an open list still moves on (with the suggestion taken).
    """

    def __init__(self, parent: QWidget, widgets: Sequence[QWidget]) -> None:
        super().__init__(parent)
        self._widgets = list(widgets)
        for w in self._widgets:
            w.installEventFilter(self)
            if isinstance(w, QLineEdit) and w.completer() is not None:
                w.returnPressed.connect(lambda w=w: self._entered(w))
                w.completer().activated[str].connect(lambda _text, w=w: self._entered(w))

    def _entered(self, widget: QLineEdit) -> None:
        """Enter reached the line edit through its completer, or a suggestion was taken: move
        on once (the second of the two signals finds the focus already gone)."""
        if widget.hasFocus():
            self.advance(widget)

    def advance(self, widget: QWidget) -> None:
        """Focus the next enabled, visible field after ``widget``."""
        i = self._widgets.index(widget)
        for nxt in self._widgets[i + 1 :]:
            if nxt.isEnabled() and nxt.isVisible():
                nxt.setFocus(Qt.FocusReason.TabFocusReason)
                if isinstance(nxt, QLineEdit):
                    nxt.selectAll()
                return
        self.parent().focusNextChild()  # type: ignore[union-attr]

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            plain = event.modifiers() in (
                Qt.KeyboardModifier.NoModifier,
                Qt.KeyboardModifier.KeypadModifier,
            )
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
                if isinstance(obj, QPushButton):
                    obj.click()
                    return True
                if isinstance(obj, QLineEdit):
                    comp = obj.completer()
                    if comp is not None and comp.popup().isVisible():
                        return False  # the completer's turn: see ``_entered``
                if isinstance(obj, QComboBox) and obj.view().isVisible():
                    return False
                if obj in self._widgets:
                    self.advance(obj)  # type: ignore[arg-type]
                    return True
        return False


def debounce(parent: QObject, msec: int, fn: Callable[[], None]) -> QTimer:
    """A single-shot timer: ``timer.start()`` on every keystroke runs ``fn`` once typing pauses."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(msec)
    timer.timeout.connect(fn)
    return timer


class DateEdit(QDateEdit):
    """An ordinary date field (dd-MM-yyyy as en-IN writes it, with a calendar) that takes a
    date typed in full.

    Qt moves on to the next part of the date by itself once a part is complete, so the
    separator a clerk types next would skip a part ("2024-05-01" became 2024-11-05); a
    separator typed right after such a move is therefore taken as already done.
    """

    SEPARATORS = frozenset("-/.")

    entered = Signal()
    """The clerk typed a date (when they leave the field) or picked one in the calendar, even
    the date already shown, which ``dateChanged`` does not report."""

    def __init__(self, value: QDate | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        from hom_desktop.ui import formats  # Babel loads with the first date field, not sign-in

        self.setDisplayFormat(formats.DATE_INPUT)
        self.setDate(value if value is not None else QDate.currentDate())
        self._moved_on = False
        self._typed = False
        self.editingFinished.connect(self._finished)
        self.calendarWidget().clicked.connect(lambda _d: self.entered.emit())
        self.lineEdit().installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        """A click leaves a bare cursor inside a part of the date, where typed digits are
        refused; select the part clicked instead (as Tab selects the first), so typing
        replaces it."""
        if (
            obj is self.lineEdit()
            and event.type() == QEvent.Type.MouseButtonRelease
            and not self.lineEdit().hasSelectedText()
        ):
            self.setSelectedSection(self.currentSection())
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text and text in self.SEPARATORS and self._moved_on:
            self._moved_on = False
            event.accept()
            return
        before = self.currentSection()
        super().keyPressEvent(event)
        self._moved_on = text.isdigit() and self.currentSection() != before
        self._typed = self._typed or text.isdigit()

    def _finished(self) -> None:
        if self._typed:
            self._typed = False
            self.entered.emit()


class QuantityEdit(QLineEdit):
    """A whole number typed the way clerks type: empty until typed, digits only, no spin arrows.

    The range is the service's to check (it names the field and the limit when it refuses).
    """

    def __init__(self, parent: QWidget | None = None, *, max_digits: int = 9) -> None:
        super().__init__(parent)
        self.setValidator(QRegularExpressionValidator(QRegularExpression(rf"\d{{0,{max_digits}}}")))
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setPlaceholderText("0")

    def value(self) -> int | None:
        text = self.text().strip()
        return int(text) if text else None

    def setValue(self, value: int | None) -> None:
        self.setText("" if value is None else str(value))


class ProductPicker(QLineEdit):
    """A product chosen by typing its SKU or part of its name, with completion from SQL.

    The text is resolved to a product when the form is saved (``resolve(session)``), so a clerk
    who types a whole SKU and moves on never has to touch the list.
    """

    productChosen = Signal(object)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._choices: dict[str, ProductChoice] = {}
        self._chosen: ProductChoice | None = None
        self.setPlaceholderText("SKU or name")
        self.setClearButtonEnabled(True)
        self._list = QStringListModel(self)
        completer = QCompleter(self._list, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(12)
        completer.activated[str].connect(self._picked)
        self.setCompleter(completer)
        self._timer = debounce(self, 120, self.refresh_choices)
        self.textEdited.connect(self._typed)
        self.returnPressed.connect(self._entered)

    def _typed(self, _text: str) -> None:
        self._chosen = None
        self._timer.start()

    def refresh_choices(self, *, popup: bool = True) -> None:
        """Ask SQL for the products matching what is typed (a few dozen at most), and show
        them (unless ``popup`` is False: the choice is being taken now)."""
        text = self.text().strip()
        with self._store.reader() as s:
            from hom.services import reports

            found = reports.product_choices(s, search=text, limit=30)
        self._choices = {c.label: c for c in found}
        self._list.setStringList(list(self._choices))
        if popup and text and self.hasFocus() and found:
            self.completer().complete()
            self._preselect(text)

    def _exact(self, text: str) -> ProductChoice | None:
        """The suggestion ``text`` names exactly: its whole SKU (any case), or its label."""
        want = text.strip().casefold()
        for choice in self._choices.values():
            if choice.sku.casefold() == want or choice.label.casefold() == want:
                return choice
        return None

    def _preselect(self, text: str) -> None:
        """Make the suggestion whose SKU was typed in full the popup's current one, so Enter
        takes it. Only the popup's cursor moves: the text typed stays as it is (selecting the
        row would replace it with the label while the clerk may still be typing)."""
        exact = self._exact(text)
        if exact is None:
            return
        completer = self.completer()
        model = completer.completionModel()
        for row in range(model.rowCount()):
            index = model.index(row, 0)
            if index.data() == exact.label:
                selection = completer.popup().selectionModel()
                selection.blockSignals(True)  # no "highlighted": the text must not change
                selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
                selection.blockSignals(False)
                completer.popup().viewport().update()
                return

    def _entered(self) -> None:
        """Enter with the suggestions open (the completer hands the key over before it takes
        the current suggestion): a SKU typed in full is the product chosen."""
        if self._chosen is None or self.text() != self._chosen.label:
            exact = self._exact(self.text())
            if exact is not None:
                self.set_product(exact)

    def _picked(self, text: str) -> None:
        choice = self._choices.get(text)
        if choice is not None:
            self._chosen = choice
            self.productChosen.emit(choice)

    def set_product(self, choice: ProductChoice | None) -> None:
        self._chosen = choice
        self.setText(choice.label if choice else "")
        if choice:
            self.productChosen.emit(choice)

    @property
    def chosen(self) -> ProductChoice | None:
        return self._chosen

    def resolve(self, session: Any) -> ProductChoice | None:
        """The product meant by the text (None when empty); raises NotFound naming product_id."""
        if self._chosen is not None and self.text() == self._chosen.label:
            return self._chosen
        if not self.text().strip():
            return None
        from hom.services import reports

        choice = reports.find_product(session, text=self.text())
        self._chosen = choice
        self.setText(choice.label)
        return choice


@dataclass(frozen=True)
class _SiteEntry:
    site_id: uuid.UUID


class LocationCombo(QComboBox):
    """Stock locations (of one site, or all), shown as "CODE — name", data = location id."""

    def __init__(
        self,
        store: Store,
        *,
        site_id: uuid.UUID | None = None,
        any_label: str | None = None,
        prefer_site_id: uuid.UUID | None = None,
        own_site: tuple[uuid.UUID, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``site_id`` lists one site's locations; ``prefer_site_id`` starts on that site's
        first location (a clerk's own stock before other sites'); ``own_site`` (id, label) adds
        an entry for all of that site's locations, selected at first."""
        super().__init__(parent)
        self._store = store
        self._site_id = site_id
        self._any_label = any_label
        self._own_site = own_site
        self.reload()
        if own_site is not None:
            self.setCurrentIndex(1 if any_label is not None else 0)
        if prefer_site_id is not None and any_label is None:
            from hom.models.enums import LocationKind

            # The site's own stores first, then the distributor stock points it keeps.
            mine = sorted(
                (kind == LocationKind.DISTRIBUTOR_STOCK, i)
                for i, (loc, (site, kind)) in enumerate(self._sites.items())
                if site == prefer_site_id
            )
            if mine:
                self.setCurrentIndex(mine[0][1] + (0 if any_label is None else 1))

    def reload(self) -> None:
        """Re-read the locations and keep what was chosen: a location, the "any" entry or the
        own-site entry (a clerk's filter must survive every stock change). Listeners hear
        ``currentIndexChanged`` only when the choice itself could not be kept."""
        from hom.services import sites

        with self._store.reader() as s:
            rows = [
                (loc.id, f"{loc.code} — {loc.name}", (loc.site_id, loc.kind))
                for loc in sites.list_locations(s, site_id=self._site_id)
                if loc.active
            ]
        current, had_items = self.currentData(), self.count() > 0
        self.blockSignals(True)
        try:
            self.clear()
            if self._any_label is not None:
                self.addItem(self._any_label, None)
            if self._own_site is not None:
                self.addItem(self._own_site[1], _SiteEntry(self._own_site[0]))
            self._sites = {loc_id: owner for loc_id, _text, owner in rows}
            for loc_id, text, _owner in rows:
                self.addItem(text, loc_id)
            select_data(self, current)
        finally:
            self.blockSignals(False)
        if had_items and self.currentData() != current:
            self.currentIndexChanged.emit(self.currentIndex())

    def location_id(self) -> uuid.UUID | None:
        data = self.currentData()
        return data if isinstance(data, uuid.UUID) else None

    def site_id(self) -> uuid.UUID | None:
        """The site whose locations are chosen together (the ``own_site`` entry), if it is."""
        data = self.currentData()
        return data.site_id if isinstance(data, _SiteEntry) else None

    def select(self, location_id: uuid.UUID | None) -> bool:
        return select_data(self, location_id)


class BatchPicker(QComboBox):
    """A batch chosen from those held at the source location, each shown with its expiry and
    quantity, first expiry first, so nobody types a batch code from memory. A code can still be
    typed (completion offers the batches listed; a count may find one the books lack)."""

    SEPARATOR = " — "

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMinimumContentsLength(28)
        self.lineEdit().setPlaceholderText("only for batch-tracked products")
        self.lineEdit().setClearButtonEnabled(True)
        self.batches: list[Any] = []

    def load(self, product_id: uuid.UUID | None, location_id: uuid.UUID | None) -> None:
        """List the product's batches held at the location (nothing chosen yet)."""
        from hom.services import reports
        from hom_desktop.ui import formats

        typed = self.lineEdit().text()
        self.batches = []
        if product_id is not None and location_id is not None:
            with self._store.reader() as s:
                self.batches = reports.batches_in_stock(
                    s, product_id=product_id, location_id=location_id
                )
        self.blockSignals(True)
        try:
            self.clear()
            for b in self.batches:
                expiry = f"expires {formats.day(b.expires_on)}" if b.expires_on else "no expiry"
                sep = self.SEPARATOR
                self.addItem(f"{b.code}{sep}{expiry}{sep}{formats.quantity(b.quantity)} here", b.id)
            self.setCurrentIndex(-1)
            self.setEditText(typed)
        finally:
            self.blockSignals(False)
        n = len(self.batches)
        self.setToolTip(
            f"{n} batch{'es' if n != 1 else ''} of this product here, first expiry first "
            "(Alt+Down lists them)"
            if n
            else "No batch of this product is held here"
        )

    def code(self) -> str:
        """The batch code chosen or typed ("" for none)."""
        return self.currentText().split(self.SEPARATOR, 1)[0].strip()

    def text(self) -> str:
        return self.code()

    def setText(self, code: str) -> None:
        self.setEditText(code)
