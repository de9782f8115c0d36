"""The geography tree: add, rename, move, delete, and what the rules refuse."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from hom.models.enums import GeoLevel
from hom.services import geography, parties, reports
from hom_desktop.ui.geography import GeographyView, GeoTreeModel, MoveDialog, NodeDialog
from tests.ui.helpers import geo_chain


@pytest.fixture
def view(qtbot, app_session) -> GeographyView:
    v = GeographyView(app_session)
    qtbot.addWidget(v)
    v.resize(1000, 600)
    v.show()
    return v


def _codes(kit) -> set[str]:
    with kit.store.reader() as s:
        return {n.code for n in reports.geo_nodes(s)}


def test_tree_model_passes_the_model_tester(qtmodeltester, kit):
    geo_chain(kit, "N", territories=3)
    geo_chain(kit, "S")
    model = GeoTreeModel()
    with kit.store.reader() as s:
        model.load(reports.geo_nodes(s))
    assert model.rowCount() == 2
    north = model.index(0, 0)
    assert model.data(north) == "N zone"
    qtmodeltester.check(model)


def test_add_a_zone_then_a_state_below_it(qtbot, kit, view):
    dialog = view.add_zone()
    assert isinstance(dialog, NodeDialog)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.code, "west")
    qtbot.keyClicks(dialog.name, "West")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)  # the default button adds
    assert _codes(kit) == {"WEST"}
    assert view.selected().code == "WEST"
    assert view.banner.text() == "Added zone West (WEST)."
    assert view.add_child_action.isEnabled()
    child = view.add_child()
    qtbot.addWidget(child)
    assert child.level == GeoLevel.STATE
    qtbot.keyClicks(child.code, "MH")
    qtbot.keyClicks(child.name, "Maharashtra")
    assert child.save()
    node = view.selected()
    assert (node.code, node.level, node.parent_id is not None) == ("MH", GeoLevel.STATE, True)
    assert view.detail_path.text() == "West > Maharashtra"


def test_a_duplicate_sibling_name_is_refused_beside_the_name(qtbot, kit, view):
    geo_chain(kit, "N", territories=2)
    view.refresh()
    with kit.store.reader() as s:
        t2 = geography.get_node_by_code(s, "N-T2")
    view.select(t2.id)
    dialog = view.rename()
    qtbot.addWidget(dialog)
    dialog.name.clear()
    qtbot.keyClicks(dialog.name, "n TERRITORY 1")
    assert not dialog.save()
    assert "already has a node named 'n TERRITORY 1'" in dialog.form.errors.error_text("name")
    assert dialog.isVisible() and dialog.name.text() == "n TERRITORY 1"
    dialog.name.clear()
    qtbot.keyClicks(dialog.name, "Nashik")
    assert dialog.save()
    with kit.store.reader() as s:
        assert geography.get_node(s, t2.id).name == "Nashik"


def test_move_to_a_parent_at_the_wrong_level_is_refused(qtbot, kit, view):
    ids = {**geo_chain(kit, "N"), **geo_chain(kit, "S")}
    view.refresh()
    view.select(ids["N-T1"])
    dialog = view.move()
    assert isinstance(dialog, MoveDialog)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.search, "s-")
    dialog.find()
    assert dialog.choose(ids["S-ARE"])  # areas are offered (a territory's parent level) ...
    assert not dialog.choose(ids["S-REG"])  # ... regions are not
    qtbot.keyClicks(dialog.search, "nothing like it")
    dialog.find()
    assert dialog.matches.count() == 0
    assert not dialog.save()
    assert "choose the new parent" in dialog.form.errors.error_text("new_parent_id")
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, "s are")  # part of the name "S area"
    dialog.find()
    assert dialog.choose(ids["S-ARE"])
    assert dialog.save()
    with kit.store.reader() as s:
        assert geography.get_node(s, ids["N-T1"]).parent_id == ids["S-ARE"]
    assert view.selected().id == ids["N-T1"]


def test_delete_refuses_a_node_in_use_and_removes_a_free_one(qtbot, kit, view, prompt_log):
    ids = geo_chain(kit, "N", territories=2)
    with kit.session() as s:
        parties.create_party(
            s,
            ctx=kit.ctx,
            party_in={
                "kind": "distributor",
                "code": "D1",
                "name": "D",
                "territory_id": ids["N-T1"],
            },
        )
    view.refresh()
    view.select(ids["N-T1"])
    assert not view.delete()
    assert "cannot delete territory N-T1" in view.error_banner.text()
    assert "1 party" in prompt_log.texts("error")[0]
    view.select(ids["N-ARE"])
    assert not view.delete()
    assert "2 child nodes" in view.error_banner.text()
    view.select(ids["N-T2"])
    prompt_log.answers.append(False)  # the user says no
    assert not view.delete()
    assert "N-T2" in _codes(kit)
    assert view.delete()  # and then yes
    assert "N-T2" not in _codes(kit)
    assert view.selected().id == ids["N-ARE"]


def test_territories_take_no_children(qtbot, kit, view):
    ids = geo_chain(kit, "N")
    view.refresh()
    view.select(ids["N-T1"])
    assert not view.add_child_action.isEnabled()
    assert view.add_child() is None
