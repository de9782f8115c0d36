"""Cancelling a CSV import or export: nothing of the file is kept, no file is written.

The single background worker is held busy (``worker_held``) while the clerk presses Cancel, so
the cancel is there before the work starts, at a known moment; the service then hears it on its
first row (``csv_io``'s ``cancelled`` hook), raises ``ImportCancelled`` and the transaction rolls
back. Without the hook the work would run to the end and be reported as a success.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from hom.services import csv_io, products
from hom_desktop.ui.csv_import import ImportDialog
from hom_desktop.ui.products import ProductsView
from tests.ui.conftest import drain
from tests.ui.helpers import worker_held

HEADER = (
    "sku,name,category,brand,unit,pack_size,mrp,distributor_price,retailer_price,active,"
    "track_batches,shelf_life_days,reorder_level\n"
)


def _rows(n: int) -> str:
    return "".join(
        f"P-{i:04d},Prod {i},Cat,,pcs,12,65.00,52.00,58.00,true,false,,10\n" for i in range(n)
    )


def _product_values(n: int) -> list[dict[str, str]]:
    """Products as the service takes them, to be in the store before an export."""
    return [
        {
            "sku": f"S-{i}",
            "name": f"Soap {i}",
            "mrp": "50",
            "distributor_price": "40",
            "retailer_price": "45",
        }
        for i in range(n)
    ]


@pytest.fixture
def view(qtbot, app_session) -> ProductsView:
    v = ProductsView(app_session)
    qtbot.addWidget(v)
    v.resize(1200, 650)
    v.show()
    return v


def _count(kit) -> int:
    with kit.store.reader() as s:
        return products.count_products(s)


def _previewed(qtbot, view: ProductsView, tmp_path, prompt_log, rows: int = 30) -> ImportDialog:
    """The import dialog with a clean file chosen and previewed, as the clerk gets there."""
    path = tmp_path / "products.csv"
    path.write_text(HEADER + _rows(rows), encoding="utf-8")
    prompt_log.answers.append(str(path))
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view, timeout=2000)
    qtbot.keyClick(view, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)  # Import CSV…
    dialog = view.dialog
    assert isinstance(dialog, ImportDialog)
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=5000)
    assert dialog.import_button.isEnabled()
    return dialog


def _cancel_button(progress) -> QPushButton:
    buttons = [b for b in progress.findChildren(QPushButton) if b.text() == "Cancel"]
    assert buttons, "the progress dialog has no Cancel button"
    return buttons[0]


def test_cancel_in_the_import_progress_keeps_nothing(qtbot, kit, view, tmp_path, prompt_log):
    dialog = _previewed(qtbot, view, tmp_path, prompt_log)
    with worker_held():
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        assert not dialog.choose_button.isEnabled()  # no other file while importing
        assert not dialog.import_button.isEnabled()
        progress = dialog.operation.progress_dialog
        qtbot.waitUntil(progress.isVisible, timeout=3000)
        qtbot.mouseClick(_cancel_button(progress), Qt.MouseButton.LeftButton)
    drain()
    assert not dialog.operation.running
    assert _count(kit) == 0
    assert dialog.result is None and dialog.isVisible()
    assert dialog.problems.text() == "Import cancelled: nothing was imported."
    assert dialog.choose_button.isEnabled() and dialog.import_button.isEnabled()
    # The preview still stands: importing again writes every row.
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=5000)
    assert _count(kit) == 30
    assert view.banner.text() == "Imported: 30 created, 0 updated, 0 unchanged."


def test_the_dialogs_cancel_stops_a_running_import(qtbot, kit, view, tmp_path, prompt_log):
    dialog = _previewed(qtbot, view, tmp_path, prompt_log)
    with worker_held():
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        cancel = [
            b
            for b in dialog.findChildren(QPushButton)
            if b.text() == "Cancel" and b.window() is dialog
        ]
        qtbot.mouseClick(cancel[0], Qt.MouseButton.LeftButton)
        assert not dialog.isVisible()
    drain()
    assert _count(kit) == 0
    assert view.banner.isHidden()  # no "Imported: …" news: nothing was imported
    qtbot.waitUntil(lambda: view.dialog is None, timeout=2000)  # and the dialog is gone


def test_cancel_in_the_export_progress_writes_no_file(qtbot, kit, view, tmp_path, prompt_log):
    with kit.session() as s:
        products.create_products(s, ctx=kit.ctx, products_in=_product_values(5))
    target = tmp_path / "out.csv"
    prompt_log.answers.append(str(target))
    with worker_held():
        op = view.export()
        assert op is not None
        progress = op.progress_dialog
        qtbot.waitUntil(progress.isVisible, timeout=3000)
        qtbot.mouseClick(_cancel_button(progress), Qt.MouseButton.LeftButton)
    drain()
    assert not target.exists()
    assert prompt_log.texts("info") == []
    assert view.banner.text() == "Export cancelled: out.csv was not written."


# --- the service's hook, which the dialogs rely on ------------------------------------------


class _After:
    """A ``cancelled`` that answers True from its ``n``-th question on (the clerk presses
    Cancel part-way through)."""

    def __init__(self, n: int) -> None:
        self.n, self.asked = n, 0

    def __call__(self) -> bool:
        self.asked += 1
        return self.asked >= self.n


def test_apply_import_stops_part_way_and_the_transaction_keeps_nothing(kit):
    preview_text = HEADER + _rows(1200)  # more than one batch of new products
    with kit.store.reader() as s:
        preview = csv_io.preview_import(s, kind="products", text=preview_text)
    stop = _After(1203)  # after every row was looked at, between the batches of creates
    with pytest.raises(csv_io.ImportCancelled) as caught, kit.store.transaction() as s:
        csv_io.apply_import(s, ctx=kit.ctx, preview=preview, cancelled=stop)
    assert caught.value.code == "cancelled"
    assert "nothing was imported" in caught.value.message
    assert stop.asked == 1203
    assert _count(kit) == 0
    # Never cancelled: the same preview imports whole.
    with kit.store.transaction() as s:
        result = csv_io.apply_import(s, ctx=kit.ctx, preview=preview, cancelled=lambda: False)
    assert result.created == 1200 and _count(kit) == 1200


def test_export_stops_part_way(kit):
    with kit.session() as s:
        products.create_products(s, ctx=kit.ctx, products_in=_product_values(5))
    stop = _After(3)
    with kit.store.reader() as s, pytest.raises(csv_io.ImportCancelled):
        csv_io.export_csv(s, ctx=kit.ctx, kind="products", cancelled=stop)
    assert stop.asked == 3
    with kit.store.reader() as s:
        text = csv_io.export_csv(s, ctx=kit.ctx, kind="products")  # the hook is optional
    assert len(text.splitlines()) == 6
