"""The products and parties forms show and edit the GST fields; bad values are refused beside
their field by the shared schemas, with nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from hom.models.enums import GeoLevel, PartyKind
from hom.services import geography, parties, products
from hom_desktop.ui.forms import find_data
from hom_desktop.ui.parties import PartiesView
from hom_desktop.ui.products import ProductsView
from tests.utils.gst_world import MH_GSTIN


@pytest.fixture
def products_view(qtbot, app_session) -> ProductsView:
    v = ProductsView(app_session)
    qtbot.addWidget(v)
    v.resize(1280, 800)
    v.show()
    return v


def _column(view, title: str) -> int:
    return next(i for i, c in enumerate(view.model.columns) if c.title == title)


def test_a_product_gets_its_hsn_code_and_gst_rate_by_keyboard(qtbot, kit, products_view):
    v = products_view
    v.new_product()
    qtbot.keyClicks(v.sku, "BIS-100")
    qtbot.keyClicks(v.name, "Glucose biscuits 100 g")
    qtbot.keyClicks(v.mrp, "10.00")
    qtbot.keyClicks(v.distributor_price, "7.80")
    qtbot.keyClicks(v.retailer_price, "8.80")
    qtbot.keyClicks(v.hsn_code, "19O5")  # a letter O for a zero
    v.gst_rate.setCurrentIndex(find_data(v.gst_rate, Decimal("18")))
    assert not v.save()
    assert "must be 4, 6 or 8 digits" in v.form.errors.error_text("hsn_code")
    with kit.store.reader() as s:
        assert products.count_products(s) == 0
    v.hsn_code.clear()
    qtbot.keyClicks(v.hsn_code, "1905")
    qtbot.keyClick(v.hsn_code, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    with kit.store.reader() as s:
        made = products.get_by_sku(s, "BIS-100")
        assert (made.hsn_code, made.gst_rate) == ("1905", Decimal("18.00"))
    row = v.model.row(0)
    gst = v.model.columns[_column(v, "GST")]
    assert (gst.value(row), gst.tooltip(row)) == ("18%", "HSN 1905, GST 18%")
    # editing shows the saved rate, and "not set" clears it
    v._fill(products.to_public(made))
    assert v.gst_rate.currentText() == "18%"
    v.gst_rate.setCurrentIndex(0)
    assert v.save()
    with kit.store.reader() as s:
        assert products.get_by_sku(s, "BIS-100").gst_rate is None
    v.grab().save(str(kit.store.settings.data_dir / "products.png"))


def _territory(kit):
    with kit.session() as s:
        parent = None
        for level in GeoLevel:
            parent = geography.create_node(
                s,
                ctx=kit.ctx,
                node_in={
                    "level": level,
                    "code": f"N{int(level)}",
                    "name": "Maharashtra" if level == GeoLevel.STATE else f"Node {int(level)}",
                    "parent_id": parent,
                },
            ).id
        return parent


def test_a_party_gstin_is_checked_beside_the_field(qtbot, kit, app_session):
    territory = _territory(kit)
    v = PartiesView(app_session)
    qtbot.addWidget(v)
    v.resize(1280, 800)
    v.show()
    v.new_party()
    qtbot.keyClicks(v.code, "D-PUN")
    qtbot.keyClicks(v.name, "Patil Agencies")
    v.territory.setCurrentIndex(find_data(v.territory, territory))
    qtbot.keyClicks(v.gstin, MH_GSTIN[:-1] + "1")  # one wrong character
    assert not v.save()
    assert "fails its check character" in v.form.errors.error_text("gstin")
    assert v.gstin.text() == MH_GSTIN[:-1] + "1"  # kept as typed for the clerk to correct
    with kit.store.reader() as s:
        assert parties.count_parties(s) == 0
    v.gstin.clear()
    qtbot.keyClicks(v.gstin, MH_GSTIN.lower())
    assert v.save()
    with kit.store.reader() as s:
        saved = parties.get_party_by_code(s, "D-PUN")
        assert (saved.kind, saved.gstin) == (PartyKind.DISTRIBUTOR, MH_GSTIN)
    assert v.gstin.text() == MH_GSTIN  # shown as stored
    gst = v.model.columns[_column(v, "GST")]
    row = v.model.row(0)
    assert (gst.value(row), gst.tooltip(row), gst.raw(row)) == (
        "yes",
        f"GSTIN {MH_GSTIN}",
        MH_GSTIN,
    )
    v.grab().save(str(kit.store.settings.data_dir / "parties.png"))
