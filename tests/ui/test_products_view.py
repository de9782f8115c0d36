"""Products: search as you type, SQL sorting, the edit form, CSV import with a preview."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from hom.services import products
from hom_desktop.ui.csv_import import ImportDialog
from hom_desktop.ui.forms import find_data
from hom_desktop.ui.products import ProductsView
from tests.ui.conftest import drain


def _make(kit, sku: str, name: str, mrp: str, **extra):
    with kit.session() as s:
        return products.create_product(
            s,
            ctx=kit.ctx,
            product_in={
                "sku": sku,
                "name": name,
                "mrp": mrp,
                "distributor_price": "1.00",
                "retailer_price": "1.50",
                **extra,
            },
        ).id


@pytest.fixture
def view(qtbot, app_session) -> ProductsView:
    v = ProductsView(app_session)
    qtbot.addWidget(v)
    v.resize(1200, 650)
    v.show()
    return v


def _skus(v: ProductsView) -> list[str]:
    return [p.sku for p in v.model.rows()]


def test_search_as_you_type_and_sort_by_clicking_a_header(qtbot, kit, view, qtmodeltester):
    _make(kit, "SOAP-1", "Neem soap", "30.00", category="Soap")
    _make(kit, "SOAP-2", "Rose soap", "25.00", category="Soap")
    _make(kit, "OIL-1", "Coconut oil", "90.00", category="Oil")
    view.refresh()
    assert _skus(view) == ["OIL-1", "SOAP-1", "SOAP-2"]
    assert view.count_label.text() == "3 products"
    qtbot.keyClicks(view.search, "soap")
    qtbot.waitUntil(lambda: _skus(view) == ["SOAP-1", "SOAP-2"], timeout=2000)
    view.search.clear()
    qtbot.keyClicks(view.search, "oil")
    qtbot.waitUntil(lambda: _skus(view) == ["OIL-1"], timeout=2000)
    view.search.clear()
    view.reload_table()
    header = view.table.horizontalHeader()
    mrp = next(i for i, c in enumerate(view.model.columns) if c.title == "MRP")
    x = header.sectionViewportPosition(mrp) + header.sectionSize(mrp) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert _skus(view) == ["SOAP-2", "SOAP-1", "OIL-1"]  # by MRP, ascending
    qtbot.wait(QApplication.doubleClickInterval() + 100)  # a second click, not a double one
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert _skus(view) == ["OIL-1", "SOAP-1", "SOAP-2"]
    view.category_filter.setCurrentIndex(find_data(view.category_filter, "Oil"))
    assert _skus(view) == ["OIL-1"]
    qtmodeltester.check(view.model)


def test_create_a_product_from_the_form(qtbot, kit, view):
    view.new_product()
    qtbot.keyClicks(view.sku, "TEA-250")
    qtbot.keyClicks(view.name, "Assam tea 250 g")
    qtbot.keyClicks(view.category, "Tea")
    qtbot.keyClicks(view.mrp, "120.50")
    qtbot.keyClicks(view.distributor_price, "95")
    qtbot.keyClicks(view.retailer_price, "105.25")
    view.pack_size.setValue(24)
    view.reorder_level.setValue(50)
    qtbot.keyClick(view.retailer_price, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    with kit.store.reader() as s:
        made = products.get_by_sku(s, "tea-250")
        assert (made.mrp, made.distributor_price, made.retailer_price) == (
            Decimal("120.50"),
            Decimal("95.00"),
            Decimal("105.25"),
        )
        assert made.pack_size == 24 and made.reorder_level == 50
    assert view.banner.text() == "Product TEA-250 created."
    assert view.form_title.text() == "Edit TEA-250"
    assert _skus(view) == ["TEA-250"]


def test_price_rules_are_shown_beside_the_field_and_nothing_is_written(qtbot, kit, view):
    view.new_product()
    qtbot.keyClicks(view.sku, "TEA-1")
    qtbot.keyClicks(view.name, "Tea")
    qtbot.keyClicks(view.mrp, "10.00")
    qtbot.keyClicks(view.distributor_price, "12.00")
    qtbot.keyClicks(view.retailer_price, "11.00")
    assert not view.save()
    assert "must not be more than the retailer price" in view.form.errors.error_text(
        "distributor_price"
    )
    assert view.distributor_price.property("invalid") is True
    assert view.distributor_price.text() == "12.00"  # kept as typed
    view.mrp.clear()
    qtbot.keyClicks(view.mrp, "abc")
    assert not view.save()
    assert "decimal" in view.form.errors.error_text("mrp").lower()
    view.mrp.setText("10.005")
    assert not view.save()
    assert "at most 2 decimal places" in view.form.errors.error_text("mrp")
    with kit.store.reader() as s:
        assert products.count_products(s) == 0


def test_a_decimal_comma_is_refused_beside_the_price_not_read_as_100_times(qtbot, kit, view):
    """The form sends prices as typed: "45,50" is refused by the service's schema, naming the
    field, where stripping the comma used to store 4550.00."""
    view.new_product()
    qtbot.keyClicks(view.sku, "TEA-1")
    qtbot.keyClicks(view.name, "Tea")
    qtbot.keyClicks(view.mrp, "45,50")
    qtbot.keyClicks(view.distributor_price, "36.00")
    qtbot.keyClicks(view.retailer_price, "40,00")
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert "decimal" in view.form.errors.error_text("mrp").lower()
    assert "decimal" in view.form.errors.error_text("retailer_price").lower()
    assert view.form.errors.error_text("distributor_price") == ""
    assert view.mrp.text() == "45,50"  # kept as typed, for the clerk to correct
    with kit.store.reader() as s:
        assert products.count_products(s) == 0
    view.mrp.clear()
    qtbot.keyClicks(view.mrp, "45.50")
    view.retailer_price.clear()
    qtbot.keyClicks(view.retailer_price, "40.00")
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    with kit.store.reader() as s:
        assert products.get_by_sku(s, "TEA-1").mrp == Decimal("45.50")


def test_edit_a_selected_product(qtbot, kit, view):
    pid = _make(kit, "SOAP-1", "Neem soap", "30.00")
    view.refresh()
    view.table.selectRow(0)
    assert view.sku.text() == "SOAP-1" and view.mrp.text() == "30.00"
    view.name.clear()
    qtbot.keyClicks(view.name, "Neem soap 75 g")
    view.active.setChecked(False)
    assert view.save()
    with kit.store.reader() as s:
        p = products.get_product(s, pid)
        assert p.name == "Neem soap 75 g" and p.active is False
    row = view.model.find(lambda p: p.id == pid)
    assert view.model.data(view.model.index(row, 1)) == "Neem soap 75 g"


def test_duplicate_sku_is_refused(qtbot, kit, view):
    _make(kit, "SOAP-1", "Neem soap", "30.00")
    view.new_product()
    qtbot.keyClicks(view.sku, "soap-1")
    qtbot.keyClicks(view.name, "Another")
    for w, v in ((view.mrp, "3"), (view.distributor_price, "1"), (view.retailer_price, "2")):
        qtbot.keyClicks(w, v)
    assert not view.save()
    assert "SKU soap-1 is already used" in view.form.errors.error_text("sku")


GOOD_CSV = (
    "sku,name,category,brand,unit,pack_size,mrp,distributor_price,retailer_price,active,"
    "track_batches,shelf_life_days,reorder_level\n"
    "GHEE-1,Cow ghee 1 l,Dairy,,pcs,12,650.00,520.00,580.00,true,false,,10\n"
    "GHEE-2,Cow ghee 500 ml,Dairy,,pcs,24,340.00,270.00,300.00,true,false,,20\n"
)
BAD_CSV = GOOD_CSV + "GHEE-3,Broken ghee,Dairy,,pcs,24,abc,270.00,300.00,true,false,,20\n"


def _import(qtbot, view, tmp_path, text: str, prompt_log) -> ImportDialog:
    path = tmp_path / "products.csv"
    path.write_text(text, encoding="utf-8")
    prompt_log.answers.append(str(path))  # the file the user picks
    dialog = view.open_import()
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=5000)
    return dialog


def test_csv_import_shows_each_rows_error_and_writes_nothing(
    qtbot, kit, view, tmp_path, prompt_log, qtmodeltester
):
    dialog = _import(qtbot, view, tmp_path, BAD_CSV, prompt_log)
    rows = dialog.model.rows()
    assert [r.line for r in rows] == [2, 3, 4]
    assert [dialog.model.data(dialog.model.index(i, 1)) for i in range(3)] == [
        "create",
        "create",
        "error",
    ]
    assert "mrp" in dialog.model.data(dialog.model.index(2, 3))
    assert "first on line 4" in dialog.problems.text()
    assert not dialog.import_button.isEnabled()
    qtmodeltester.check(dialog.model)
    with kit.store.reader() as s:
        assert products.count_products(s) == 0


def test_csv_import_of_a_clean_file(qtbot, kit, view, tmp_path, prompt_log):
    dialog = _import(qtbot, view, tmp_path, GOOD_CSV, prompt_log)
    assert dialog.summary.text() == ("2 rows: 2 to create, 0 to update, 0 unchanged, 0 refused.")
    assert dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=5000)
    assert dialog.result.created == 2
    with kit.store.reader() as s:
        assert products.count_products(s) == 2
    assert view.banner.text() == "Imported: 2 created, 0 updated, 0 unchanged."
    assert _skus(view) == ["GHEE-1", "GHEE-2"]


def test_export_writes_the_file_in_the_background(qtbot, kit, view, tmp_path, prompt_log):
    _make(kit, "SOAP-1", "Neem soap", "30.00")
    target = tmp_path / "out.csv"
    prompt_log.answers.append(str(target))
    view.export()
    drain()
    assert target.read_text(encoding="utf-8").splitlines()[1].startswith("SOAP-1,Neem soap")
    assert prompt_log.texts("info") == [f"Saved {target}"]


def test_a_windows_1252_file_is_refused_until_its_encoding_is_chosen(
    qtbot, kit, view, tmp_path, prompt_log
):
    path = tmp_path / "products.csv"
    path.write_bytes(GOOD_CSV.replace("Cow ghee 1 l", "Ghee crème 1 l").encode("cp1252"))
    prompt_log.answers.append(str(path))
    dialog = view.open_import()
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.problems.isVisible(), timeout=5000)
    assert "line 2, byte 15: the byte 0xE8 is not valid UTF-8" in dialog.problems.text()
    dialog.grab().save(str(tmp_path.parent / "import-encoding.png"))
    assert dialog.preview is None and not dialog.import_button.isEnabled()
    dialog.encoding.setCurrentIndex(dialog.encoding.findData("cp1252"))
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=5000)
    assert dialog.preview.rows[0].values["name"] == "Ghee crème 1 l"
    assert dialog.import_button.isEnabled()


def test_export_onto_the_store_is_refused_and_the_store_survives(
    qtbot, kit, view, tmp_path, prompt_log
):
    _make(kit, "SOAP-1", "Neem soap", "30.00")
    store_path = kit.store.settings.store_path
    before = store_path.read_bytes()[:16]
    prompt_log.answers.append(str(store_path))
    view.export()
    drain()
    assert store_path.read_bytes()[:16] == before == b"SQLite format 3\x00"
    assert any("is the store" in text for text in prompt_log.texts("error")), prompt_log
    with kit.store.reader() as s:
        assert products.count_products(s) == 1
