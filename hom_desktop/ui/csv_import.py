"""CSV import with a preview of every row and its error before anything is written, and export.

Reading and checking the file (``csv_io.preview_import``) and writing it (``csv_io.apply_import``)
both run off the UI thread through ``Operation``; the preview is plain data, so it crosses from
the worker to the dialog and back to the worker for the write, in a new transaction.

Every step can be cancelled: the progress dialog's Cancel, or the import dialog's own Cancel
while a step runs. The write and the export ask the operation's cancel flag before each row
(``csv_io``'s ``cancelled`` hook); a cancelled write rolls back whole, a cancelled export writes
no file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hom.core import paths
from hom.services import csv_io
from hom.services.csv_io import ImportPreview, ImportResult, RowPreview
from hom_desktop.ui import formats, prompts, theme
from hom_desktop.ui.base import AppSession, hbox, info_banner
from hom_desktop.ui.forms import label, repolish
from hom_desktop.ui.ops import Operation, OperationCancelled, Progress
from hom_desktop.ui.table_model import (
    ALIGN_RIGHT,
    Column,
    PagedTableModel,
    RowStyle,
    make_table,
    offset_pager,
)

KIND_TITLES = {"products": "products", "geography": "geography", "parties": "parties"}
ERROR_BACKGROUND = QColor("#fbe3e1")


def _details(row: RowPreview) -> str:
    if row.error is not None:
        return str(row.error)
    if row.action == "update" and row.changes:
        return "; ".join(f"{k}: {old} → {new}" for k, (old, new) in row.changes.items())
    return ""


PREVIEW_COLUMNS = [
    Column("Line", lambda r: r.line, align=ALIGN_RIGHT, width_chars=5),
    Column(
        "Will",
        lambda r: "error" if r.error else (r.action or ""),
        width_chars=9,
        icon=lambda r: theme.icon("warning") if r.error else None,
    ),
    Column("Key", lambda r: r.key or next(iter(r.raw.values()), ""), width_chars=16),
    Column("Details", _details, tooltip=_details),
]


ENCODINGS = [("UTF-8 (recommended)", None), ("Windows-1252 (older Excel)", "cp1252")]
"""The encodings the import offers: UTF-8 (with or without BOM; UTF-16 with a BOM is recognised
too) and the one older Excel versions write. Nothing is guessed (``csv_io.decode``)."""


def _row_style(row: RowPreview) -> RowStyle | None:
    return RowStyle(background=ERROR_BACKGROUND) if row.error else None


def _rows_fetch(rows: list[RowPreview]) -> Any:
    return offset_pager(lambda off, lim, _s, _d: rows[off : off + lim])


class ImportDialog(QDialog):
    """Choose a CSV file, see what each row would do (and why a row is refused), then import."""

    imported = Signal(object)  # ImportResult

    def __init__(self, app: AppSession, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.kind = kind
        self.preview: ImportPreview | None = None
        self.result: ImportResult | None = None
        self.operation: Operation[Any] | None = None
        self.setWindowTitle(f"Import {KIND_TITLES[kind]} from CSV")
        self.setMinimumSize(760, 460)
        layout = QVBoxLayout(self)
        columns = ", ".join(csv_io.COLUMNS[kind])
        layout.addWidget(
            label(
                f"Columns: {columns}. Rows update by their key; nothing is written until "
                "you press Import, and nothing at all if any row is refused.",
                "hint",
                wrap=True,
            )
        )
        self.choose_button = QPushButton(theme.icon("folder"), "Choose file…")
        self.choose_button.clicked.connect(self.choose)
        self.path_label = QLabel("No file chosen")
        self.encoding = QComboBox()
        self.encoding.setObjectName("import-encoding")
        for text, codec in ENCODINGS:
            self.encoding.addItem(text, codec)
        self.encoding.setToolTip(
            "How the file's text is stored. Save from the spreadsheet as 'CSV UTF-8' where you "
            "can; choose Windows-1252 only for a file an older Excel saved as plain 'CSV'."
        )
        self.encoding.currentIndexChanged.connect(self._encoding_changed)
        self.path: Path | None = None
        layout.addLayout(
            hbox(self.choose_button, self.path_label, None, QLabel("Encoding:"), self.encoding)
        )
        self.problems = label("", "banner-error", wrap=True)
        self.problems.hide()
        layout.addWidget(self.problems)
        self.summary = info_banner()
        layout.addWidget(self.summary)
        self.model = PagedTableModel(PREVIEW_COLUMNS, _rows_fetch([]), row_style=_row_style)
        self.table = make_table(self.model, object_name="import-preview")
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox()
        self.import_button = buttons.addButton("&Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.apply)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(buttons)

    def running(self) -> bool:
        """True while a check of a file or an import is under way."""
        return self.operation is not None and self.operation.running

    def reject(self) -> None:
        """Cancel (the button, Esc, closing the window) stops what is running, then closes:
        an import stopped this way rolls back whole, nothing of the file is kept."""
        if self.running():
            self.operation.cancel()  # type: ignore[union-attr]
        super().reject()

    def choose(self) -> None:
        path = prompts.open_file(self, f"Import {KIND_TITLES[self.kind]}")
        if path:
            self.load_file(path)

    def _encoding_changed(self) -> None:
        if self.path is not None and not self.running():
            self.load_file(self.path)

    def load_file(self, path: str | Path) -> Operation[ImportPreview]:
        """Read and check the file in the background; the preview appears when it is done."""
        path = Path(path)
        self.path = path
        encoding = self.encoding.currentData()
        self.path_label.setText(str(path))
        self.import_button.setEnabled(False)
        self.problems.hide()
        store, kind = self.app.store, self.kind

        def work(p: Progress) -> ImportPreview:
            text = csv_io.decode(csv_io.read_file(path), encoding)
            p.check()
            with store.reader() as s:
                preview = csv_io.preview_import(s, kind=kind, text=text)
            p.check()
            return preview

        def failed(exc: BaseException) -> None:
            self.problems.setText(f"The file could not be read: {prompts.describe(exc)}")
            self.problems.show()

        def cancelled() -> None:
            self.path_label.setText("No file chosen")
            self.preview = None
            self.model.set_fetch(_rows_fetch([]))
            self.summary.hide()

        self.choose_button.setEnabled(False)
        self.operation = (
            Operation(self, work)
            .with_progress(f"Checking {path.name}…", title="Import", cancellable=True)
            .success(self.show_preview)
            .failure(failed)
            .on_cancel(cancelled)
            .finally_(lambda: self.choose_button.setEnabled(True))
            .run()
        )
        return self.operation

    def show_preview(self, preview: ImportPreview) -> None:
        self.preview = preview
        self.model.set_fetch(_rows_fetch(preview.rows))
        counts = preview.counts()
        q = formats.quantity
        self.summary.setText(
            f"{formats.plural(len(preview.rows), 'row')}: {q(counts['create'])} to create, "
            f"{q(counts['update'])} to update, {q(counts['unchanged'])} unchanged, "
            f"{q(counts['error'])} refused."
        )
        # A summary with refused rows is a warning, not good news: not in the green banner.
        self.summary.setProperty("role", "banner-error" if counts["error"] else "banner-info")
        repolish(self.summary)
        self.summary.show()
        problems = [f"Header (line {preview.header_line}): {e}" for e in preview.header_errors]
        if preview.bad_rows:
            first = preview.bad_rows[0]
            problems.append(
                f"{formats.plural(len(preview.bad_rows), 'row')} refused, "
                f"first on line {first.line}: "
                f"{first.error}. Fix the file and choose it again; nothing will be imported "
                "until every row is accepted."
            )
        if not preview.rows and not preview.header_errors:
            problems.append("The file has no data rows.")
        self.problems.setText("\n".join(problems))
        self.problems.setVisible(bool(problems))
        self.import_button.setEnabled(preview.ok and bool(preview.rows))

    def apply(self) -> Operation[ImportResult] | None:
        """Write the previewed rows in one transaction in the background."""
        if self.preview is None or not self.preview.ok:
            return None
        preview, store, ctx = self.preview, self.app.store, self.app.ctx

        def work(p: Progress) -> ImportResult:
            try:
                with store.transaction() as s:  # rolls back whole when anything is raised
                    result = csv_io.apply_import(s, ctx=ctx, preview=preview, cancelled=p.cancelled)
            except csv_io.ImportCancelled:
                raise OperationCancelled() from None
            store.checkpoint()  # the -wal file shrinks back after a big write
            return result

        def failed(exc: BaseException) -> None:
            self.problems.setText(f"Nothing was imported: {prompts.describe(exc)}")
            self.problems.show()

        def cancelled() -> None:
            self.problems.setText("Import cancelled: nothing was imported.")
            self.problems.show()
            self.import_button.setEnabled(True)  # the preview still stands

        self.import_button.setEnabled(False)
        self.choose_button.setEnabled(False)
        self.operation = (
            Operation(self, work)
            .with_progress(
                f"Importing {formats.quantity(len(preview.rows))} rows…",
                title="Import",
                cancellable=True,
            )
            .success(self._done)
            .failure(failed)
            .on_cancel(cancelled)
            .finally_(lambda: self.choose_button.setEnabled(True))
            .run()
        )
        return self.operation

    def _done(self, result: ImportResult) -> None:
        self.result = result
        self.app.notify(self.kind)
        self.imported.emit(result)
        self.accept()


def import_summary(result: ImportResult) -> str:
    return (
        f"Imported: {formats.quantity(result.created)} created, "
        f"{formats.quantity(result.updated)} updated, "
        f"{formats.quantity(result.unchanged)} unchanged."
    )


def export(app: AppSession, parent: QWidget, kind: str) -> Operation[str] | None:
    """Ask where to save, then write the whole master of ``kind`` as CSV in the background."""
    path = prompts.save_file(parent, f"Export {KIND_TITLES[kind]}", f"{kind}.csv")
    if not path:
        return None
    store, ctx = app.store, app.ctx

    def work(p: Progress) -> str:
        target = paths.check_output_file(
            Path(path),
            field="output",
            store_path=store.settings.store_path,
            backup_dir=store.settings.backup_dir,
        )
        try:
            with store.reader() as s:
                text = csv_io.export_csv(
                    s,
                    ctx=ctx,
                    kind=kind,  # type: ignore[arg-type]
                    cancelled=p.cancelled,
                )
        except csv_io.ImportCancelled:
            raise OperationCancelled() from None
        p.check()  # the last moment to stop: past it the file is written
        paths.write_text_file(target, text, field="output")
        return path

    def cancelled() -> None:
        say = getattr(parent, "say", None)
        if callable(say):
            say(f"Export cancelled: {Path(path).name} was not written.")

    return (
        Operation(parent, work)
        .with_progress(f"Exporting {KIND_TITLES[kind]}…", title="Export", cancellable=True)
        .success(lambda p: prompts.info(parent, "Export", f"Saved {p}"))
        .on_cancel(cancelled)
        .run()
    )
