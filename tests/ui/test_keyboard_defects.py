"""Regression tests for the defects found when the application was tried by keyboard alone
(issue 9): one test (or more) per defect."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from hom.core.config import Settings
from hom.core.errors import DomainError
from hom.models.enums import LocationKind, PartyKind
from hom.services import reports, stock
from hom_desktop.ui import formats
from hom_desktop.ui.inventory import InventoryView
from hom_desktop.ui.main_window import MainWindow
from hom_desktop.ui.signin import SignInDialog
from tests.ui.conftest import drain
from tests.ui.helpers import batches_in_stock, on_hand, second_location, stocked_products
from tests.utils.builders import ADMIN_PASSWORD, add_location
from tests.utils.order_builders import add_party


def _sign_in_dialog(qtbot, kit) -> SignInDialog:
    dialog = SignInDialog(kit.store, Settings(data_dir=kit.store.settings.data_dir))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def focused(window):
    """The widget of ``window`` the keyboard is in (offscreen, the window may not be active)."""
    return window.focusWidget()


def _tab_to(qtbot, window, widget, limit: int = 12) -> None:
    """Press Tab until ``widget`` has the focus, as a clerk would."""
    for _ in range(limit):
        if focused(window) is widget:
            return
        qtbot.keyClick(focused(window) or window, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {widget}")


def test_sign_in_enter_after_a_tab_round_signs_in_not_quits(qtbot, kit):
    dialog = _sign_in_dialog(qtbot, kit)
    qtbot.keyClicks(dialog.username, "admin")
    qtbot.keyClick(dialog.username, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.password, ADMIN_PASSWORD)
    _tab_to(qtbot, dialog, dialog.quit_button)  # the Tab round ends on Quit
    with qtbot.waitSignal(dialog.signedIn, timeout=5000):
        qtbot.keyClick(dialog.quit_button, Qt.Key.Key_Return)
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.ctx is not None


def test_sign_in_escape_does_not_quit(qtbot, kit):
    dialog = _sign_in_dialog(qtbot, kit)
    with qtbot.assertNotEmitted(dialog.rejected):
        qtbot.keyClick(dialog.username, Qt.Key.Key_Escape)
    assert dialog.isVisible()


# --- transfer: no destination guessed, a reason required -----------------------------------


@pytest.fixture
def inventory(qtbot, app_session):
    view = InventoryView(app_session)
    qtbot.addWidget(view)
    view.resize(1200, 650)
    view.show()
    return view


def _active(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)


def test_transfer_starts_with_no_destination_and_enter_enter_posts_nothing(qtbot, kit, inventory):
    ((pid, _sku),) = stocked_products(kit, [10])
    with kit.session() as s:  # a distributor's stock point kept at this site
        dist = add_party(s, kind=PartyKind.DISTRIBUTOR)
        add_location(
            s,
            kit.ctx,
            site_id=kit.site_id,
            code="DEP01-D1",
            kind=LocationKind.DISTRIBUTOR_STOCK,
            party_id=dist.id,
        )
    inventory.refresh()
    inventory.stock_table.selectRow(0)
    dialog = inventory.open_transfer()
    qtbot.addWidget(dialog)
    _active(qtbot, dialog)
    assert dialog.to_location.currentIndex() == -1 and dialog.to_location.location_id() is None
    qtbot.keyClicks(dialog.quantity, "4")
    for _ in range(3):
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert dialog.isVisible()
    assert dialog.form.errors.error_text("to_location_id") == "choose where the stock goes"
    assert on_hand(kit, kit.location_id, pid) == 10


def test_a_transfer_needs_a_reason(qtbot, kit, inventory):
    ((pid, sku),) = stocked_products(kit, [10])
    other = second_location(kit)
    dialog = inventory.open_transfer()
    qtbot.addWidget(dialog)
    dialog.from_location.select(kit.location_id)
    dialog.to_location.select(other)
    qtbot.keyClicks(dialog.product, sku)
    dialog.quantity.setValue(3)
    assert not dialog.save()
    assert "at least 3 characters" in dialog.form.errors.error_text("reason"), (
        dialog.form.errors.error_text("product_id"),
        dialog.form.banner.text(),
    )
    assert on_hand(kit, other, pid) == 0
    dialog.reason.setText("restock the bay")
    assert dialog.save() and on_hand(kit, other, pid) == 3


# --- Alt-key mnemonics -------------------------------------------------------------------------


def _mnemonics(root) -> list[tuple[str, QWidget]]:
    found = []
    for lab in root.findChildren(QLabel):
        text = lab.text()
        if "&" in text.replace("&&", "") and lab.isVisibleTo(root):
            found.append((text[text.index("&") + 1].lower(), lab.buddy()))
    for button in root.findChildren(QAbstractButton):
        text = button.text()
        if "&" in text.replace("&&", "") and button.isVisibleTo(root):
            found.append((text[text.index("&") + 1].lower(), button))
    return found


def test_mnemonics_reach_the_inputs_and_never_clash_with_the_menus(qtbot, app_session):
    window = MainWindow(app_session, QSettings())
    qtbot.addWidget(window)
    window.show()
    menu_letters = {a.text()[a.text().index("&") + 1].lower() for a in window.menuBar().actions()}
    assert menu_letters == {"f", "g", "a", "h"}
    for cls in window.view_types:
        view = window.show_view(cls.key) or window.views[cls.key]
        letters = _mnemonics(view)
        assert letters, cls.key
        for letter, target in letters:
            assert target is not None, f"{cls.key}: a label with &{letter} has no buddy"
            assert target.focusPolicy() != Qt.FocusPolicy.NoFocus, (cls.key, letter, target)
            assert letter not in menu_letters, f"{cls.key}: Alt+{letter} also opens a menu"
        keys = [letter for letter, _t in letters]
        assert len(keys) == len(set(keys)), f"{cls.key}: the same Alt key twice: {sorted(keys)}"
    drain()


def test_alt_letter_in_a_form_focuses_its_input(qtbot, kit, inventory):
    stocked_products(kit, [10])
    dialog = inventory.open_transfer()
    qtbot.addWidget(dialog)
    _active(qtbot, dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is dialog.quantity
    qtbot.keyClick(dialog, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is dialog.reason
    assert dialog.quantity.accessibleName() == "Quantity"


# --- tables: selection on focus and after a post; Tab leaves -----------------------------


def test_tabbing_into_a_table_selects_a_row_and_down_moves_from_it(qtbot, kit, inventory):
    stocked_products(kit, [5, 6, 7])
    inventory.refresh()
    table = inventory.stock_table
    _active(qtbot, inventory)
    inventory.low_only.setFocus()
    qtbot.keyClick(inventory.low_only, Qt.Key.Key_Tab)
    assert inventory.focusWidget() is table
    assert [i.row() for i in table.selectionModel().selectedRows()] == [0]
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert [i.row() for i in table.selectionModel().selectedRows()] == [1]
    qtbot.keyClick(table, Qt.Key.Key_Tab)  # Tab leaves the table, it does not walk its cells
    assert inventory.focusWidget() is not table


def test_with_one_row_found_the_row_is_selected_on_arrival(qtbot, kit, inventory):
    stocked_products(kit, [5, 6], names=["Neem soap", "Rose soap"])
    inventory.refresh()
    _active(qtbot, inventory)
    qtbot.keyClicks(inventory.search, "rose")
    qtbot.waitUntil(lambda: inventory.stock_model.rowCount() == 1, timeout=2000)
    _tab_to(qtbot, inventory, inventory.stock_table)
    assert inventory.selected_stock_row().product_name == "Rose soap"


def test_the_selection_stays_on_its_row_after_a_post(qtbot, kit, inventory):
    stocked_products(kit, [5, 6, 7])
    other = second_location(kit)
    inventory.refresh()
    inventory.stock_table.selectRow(1)
    picked = inventory.selected_stock_row()
    dialog = inventory.open_transfer()
    qtbot.addWidget(dialog)
    dialog.to_location.select(other)
    dialog.quantity.setValue(2)
    dialog.reason.setText("restock")
    assert dialog.save()
    after = inventory.selected_stock_row()
    assert after is not None and after.key == picked.key and after.quantity == picked.quantity - 2


# --- batches: a picker with expiry and quantity, a batch column in stock -----------------


def test_batch_picker_lists_batches_first_expiry_first_with_quantity(qtbot, kit, inventory):
    today = date.today()
    pid, _sku = batches_in_stock(
        kit, "TEA-1", [("B-LATE", 200, 5), ("B-SOON", 20, 1200), ("B-GONE", 30, 0)]
    )
    inventory.refresh()
    row = inventory.stock_model.rows()[0]
    assert (row.batches, row.first_expiry) == (2, today + timedelta(20))
    texts = [inventory.stock_model.data(inventory.stock_model.index(0, c)) for c in range(9)]
    assert "2 batches" in texts and formats.day(today + timedelta(20)) in texts
    inventory.stock_table.selectRow(0)
    dialog = inventory.open_count()
    qtbot.addWidget(dialog)
    items = [dialog.batch.itemText(i) for i in range(dialog.batch.count())]
    assert items == [
        f"B-SOON — expires {formats.day(today + timedelta(20))} — 1,200 here",
        f"B-LATE — expires {formats.day(today + timedelta(200))} — 5 here",
    ]
    dialog.batch.setCurrentIndex(0)
    dialog.counted.setValue(1190)
    dialog.reason.setText("ten damaged")
    assert dialog.save()
    with kit.store.reader() as s:
        got = reports.batches_in_stock(s, product_id=pid, location_id=kit.location_id)
    assert [(b.code, b.quantity) for b in got] == [("B-SOON", 1190), ("B-LATE", 5)]


# --- unsaved input -----------------------------------------------------------------------


def test_closing_a_dialog_with_typed_input_asks_first(qtbot, kit, inventory, prompt_log):
    stocked_products(kit, [10])
    dialog = inventory.open_transfer()
    qtbot.addWidget(dialog)
    _active(qtbot, dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # nothing typed: closes without a question
    assert not dialog.isVisible() and prompt_log.texts("confirm") == []
    dialog = inventory.open_transfer()
    qtbot.addWidget(dialog)
    _active(qtbot, dialog)
    qtbot.keyClicks(dialog.quantity, "7")
    prompt_log.answers.append(False)  # "discard?" - no
    qtbot.keyClick(dialog.quantity, Qt.Key.Key_Escape)
    assert dialog.isVisible() and dialog.quantity.text() == "7"
    assert "not been saved" in prompt_log.texts("confirm")[0]
    prompt_log.answers.append(True)
    dialog.close()  # the close box
    assert not dialog.isVisible()


def test_signing_out_with_a_typed_form_asks_first(qtbot, app_session, prompt_log):
    window = MainWindow(app_session, QSettings())
    qtbot.addWidget(window)
    window.show()
    products_view = window.show_view("products")
    qtbot.keyClicks(products_view.name, "Half-typed product")
    prompt_log.answers.append(False)
    with qtbot.assertNotEmitted(window.signOutRequested):
        window.sign_out()
    assert window.isVisible() and products_view.name.text() == "Half-typed product"
    assert "product you were typing" in prompt_log.texts("confirm")[0]
    prompt_log.answers.append(True)
    with qtbot.waitSignal(window.signOutRequested):
        window.sign_out()
    drain()


# --- words and numbers -------------------------------------------------------------------


def test_refusals_group_their_numbers_the_indian_way(kit):
    ((pid, _sku),) = stocked_products(kit, [123456])
    other = second_location(kit)
    with pytest.raises(DomainError) as refused, kit.session() as s:
        stock.transfer(
            s,
            ctx=kit.ctx,
            transfer_in={
                "from_location_id": kit.location_id,
                "to_location_id": other,
                "product_id": pid,
                "quantity": 1234567,
                "reason": "too many",
            },
        )
    assert "1,23,456 available, 12,34,567 requested" in refused.value.message


def test_counts_agree_with_their_nouns():
    assert formats.plural(1, "line") == "1 line"
    assert formats.plural(2, "row") == "2 rows"
    assert formats.plural(123456, "entry", "entries") == "1,23,456 entries"
