"""The geography view on a generated 50,555-node tree: it reads a level at a time, and every
edit changes only the rows it touches, keeping what is expanded and selected."""

from __future__ import annotations

import time

import pytest

from hom.services import geography, reports
from hom_desktop.ui.geography import GeographyView
from tests.utils.geo_tree import build_geo_tree, tree_size


@pytest.fixture
def big(kit):
    with kit.session() as s:
        ids = build_geo_tree(s)
    assert len(ids) == tree_size() == 50_555
    return ids


def _children(view, node_id) -> list[str]:
    model = view.model
    parent = model.index_of(node_id)
    return [model.node(model.index(r, 0, parent)).code for r in range(model.rowCount(parent))]


def test_open_expand_add_rename_move_delete_on_50k_nodes(qtbot, kit, big, app_session):
    started = time.perf_counter()
    view = GeographyView(app_session)
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    opened = time.perf_counter() - started
    model = view.model
    assert model.rowCount() == 5 and model.loaded_count() == 5  # the zones only
    assert opened < 5  # generous: a whole-tree read took 9 s here; the bench measures it

    # expand: a zone, then its first state; children are read as they are shown
    zone, state = big["Z1"], big["Z1-S1"]
    view.select(zone)
    view.tree.expand(model.index_of(zone))
    assert _children(view, zone)[:2] == ["Z1-S1", "Z1-S10"]  # by name: "State 1.1", "State 1.10"
    view.select(state)
    view.tree.expand(model.index_of(state))
    assert len(_children(view, state)) == 10
    assert model.loaded_count() == 5 + 10 + 10

    # add: a territory under an area that was never read; the path to it opens
    area = big["Z1-S1-R1-A1"]
    view.select(area)
    assert view.selected().children == 9
    dialog = view.add_child()
    qtbot.addWidget(dialog)
    dialog.code.setText("NEW-T")
    dialog.name.setText("Territory 1.1.1.1.0 new")
    assert dialog.save()
    assert view.selected().code == "NEW-T"
    assert "NEW-T" in _children(view, area) and len(_children(view, area)) == 10
    assert model.get(area).children == 10
    assert view.tree.isExpanded(model.index_of(zone)) and view.tree.isExpanded(
        model.index_of(state)
    )
    assert model.loaded_count() < 100  # still only what was opened, never the whole tree

    # rename: the row moves to its sorted place among its siblings, and stays selected
    dialog = view.rename()
    qtbot.addWidget(dialog)
    dialog.name.setText("Zzz last territory")
    assert dialog.save()
    assert _children(view, area)[-1] == "NEW-T"
    assert view.selected().name == "Zzz last territory"

    # move: under another area (found by typing its code); the old area loses the row
    target = big["Z1-S1-R1-A2"]
    dialog = view.move()
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.search, "Z1-S1-R1-A2")
    dialog.find()
    assert dialog.matches.count() < dialog.LIMIT + 1  # a search, not a list of every node
    assert dialog.choose(target)
    assert dialog.save()
    assert "NEW-T" not in _children(view, area) and len(_children(view, area)) == 9
    assert "NEW-T" in _children(view, target)
    assert view.selected().code == "NEW-T"
    assert model.parent(view.tree.currentIndex()) == model.index_of(target)
    with kit.store.reader() as s:
        assert geography.get_node_by_code(s, "NEW-T").parent_id == target

    # delete: the row goes, its parent is selected with one child fewer
    assert view.delete()
    assert "NEW-T" not in _children(view, target)
    assert view.selected().id == target and view.selected().children == 9
    with kit.store.reader() as s:
        assert reports.geo_node(s, target).children == 9
    assert view.tree.isExpanded(model.index_of(zone))
    assert model.loaded_count() < 100

    # a refresh (F5, or another window's change) keeps what was expanded and selected
    view.refresh()
    assert view.tree.isExpanded(model.index_of(zone))
    assert view.tree.isExpanded(model.index_of(state))
    assert view.selected().id == target
