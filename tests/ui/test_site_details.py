"""Tools: the supplier details of this site's invoices, edited by keyboard, refused beside the
field, and what the invoice then shows."""

from __future__ import annotations

from PySide6.QtCore import Qt

from hom.models.enums import GeoLevel
from hom.services import geography, sites
from hom_desktop.ui.forms import find_data
from hom_desktop.ui.site_details import SupplierBox, SupplierDetailsDialog
from tests.utils.gst_world import SELLER_GSTIN


def _state(kit):
    with kit.session() as s:
        zone = geography.create_node(
            s, ctx=kit.ctx, node_in={"level": GeoLevel.ZONE, "code": "W", "name": "West"}
        )
        return geography.create_node(
            s,
            ctx=kit.ctx,
            node_in={
                "level": GeoLevel.STATE,
                "code": "MH",
                "name": "Maharashtra",
                "parent_id": zone.id,
            },
        ).id


def test_supplier_details_are_set_from_tools(qtbot, kit, app_session, prompt_log):
    state = _state(kit)
    box = SupplierBox(app_session)
    qtbot.addWidget(box)
    assert "no GSTIN recorded" in box.summary.text()
    dialog = SupplierDetailsDialog(app_session, box)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    qtbot.keyClicks(dialog.legal_name, "Neela Consumer Products Pvt Ltd")
    qtbot.keyClicks(dialog.address, "Plot 12, MIDC Bhosari")
    qtbot.keyClick(dialog.address, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.address, "Pune 411026")
    qtbot.keyClicks(dialog.gstin, SELLER_GSTIN[:-1] + "Q")  # a wrong check character
    dialog.place.setCurrentIndex(find_data(dialog.place, state))
    qtbot.keyClick(dialog.gstin, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "fails its check character" in dialog.form.errors.error_text("gstin")
    assert dialog.isVisible()
    with kit.store.reader() as s:
        assert sites.get_site(s, kit.site_id).gstin == ""  # nothing written
    dialog.gstin.clear()
    qtbot.keyClicks(dialog.gstin, SELLER_GSTIN.lower())
    dialog.grab().save(str(kit.store.settings.data_dir / "supplier-dialog.png"))
    assert dialog.save()
    with kit.store.reader() as s:
        site = sites.get_site(s, kit.site_id)
        assert (site.legal_name, site.gstin, site.geo_node_id) == (
            "Neela Consumer Products Pvt Ltd",
            SELLER_GSTIN,
            state,
        )
        assert site.address == "Plot 12, MIDC Bhosari\nPune 411026"
    box.refresh()
    assert box.summary.text() == (
        f"Neela Consumer Products Pvt Ltd · GSTIN {SELLER_GSTIN}, Maharashtra"
    )
    assert prompt_log.shown == []  # saved: closing asked nothing


def test_tools_shows_the_supplier_box(qtbot, kit, app_session):
    from hom_desktop.ui.tools import ToolsView

    view = ToolsView(app_session)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    assert view.supplier_box.edit_button.isEnabled()  # the admin holds sites.manage
    assert "no GSTIN recorded" in view.supplier_box.summary.text()
    view.grab().save(str(kit.store.settings.data_dir / "tools.png"))
