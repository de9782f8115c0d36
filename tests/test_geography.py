"""The geography tree: levels, codes, sibling names, moves, deletes, walks, permissions."""

from __future__ import annotations

import pytest

from hom.core.errors import Conflict, DomainError, Duplicate, NotFound, PermissionDenied
from hom.crud import audit as audit_crud
from hom.crud import geography as geo_crud
from hom.models.enums import GeoLevel, PartyKind
from hom.services import geography, parties, sites, users
from tests.utils.builders import context_with

CHAIN = [
    (GeoLevel.ZONE, "ZN-N", "North"),
    (GeoLevel.STATE, "ST-UP", "Uttar Pradesh"),
    (GeoLevel.REGION, "RG-UPC", "Central UP"),
    (GeoLevel.AREA, "AR-LKO", "Lucknow"),
    (GeoLevel.TERRITORY, "TR-LKO-1", "Lucknow East"),
]


def make_chain(session, ctx, chain=CHAIN, parent_id=None) -> dict[str, object]:
    """Create the nodes in ``chain``, each under the previous one; ids by code."""
    ids = {}
    for level, code, name in chain:
        node = geography.create_node(
            session,
            ctx=ctx,
            node_in={"level": level, "code": code, "name": name, "parent_id": parent_id},
        )
        ids[code] = parent_id = node.id
    return ids


def node_count(kit) -> int:
    with kit.store.reader() as s:
        return geo_crud.count(s)


@pytest.fixture
def tree(kit):
    with kit.session() as s:
        return make_chain(s, kit.ctx)


def test_create_chain_and_walk_it(kit, tree):
    with kit.store.reader() as s:
        territory = geography.get_node(s, tree["TR-LKO-1"])
        assert territory.level == GeoLevel.TERRITORY
        assert [n.code for n in geography.ancestors(s, territory.id)] == [
            "ZN-N",
            "ST-UP",
            "RG-UPC",
            "AR-LKO",
        ]
        assert [n.code for n in geography.path(s, territory.id)][-1] == "TR-LKO-1"
        assert geography.path_text(s, territory.id) == (
            "North > Uttar Pradesh > Central UP > Lucknow > Lucknow East"
        )
        assert geography.ancestors(s, tree["ZN-N"]) == []
        assert [n.code for n in geography.children(s, None)] == ["ZN-N"]
        assert [n.code for n in geography.children(s, tree["ZN-N"])] == ["ST-UP"]
        assert geography.subtree_ids(s, tree["RG-UPC"]) == {
            tree["RG-UPC"],
            tree["AR-LKO"],
            tree["TR-LKO-1"],
        }
        assert geography.subtree_ids(s, tree["TR-LKO-1"]) == {tree["TR-LKO-1"]}
        assert geography.get_node_by_code(s, "tr-lko-1").id == tree["TR-LKO-1"]
        entries = audit_crud.for_entity(s, entity="geo_nodes", entity_id=tree["AR-LKO"])
        assert [e.action for e in entries] == ["geo.create"]
        assert entries[0].user_id == kit.ctx.user_id
        assert geography.to_public(territory).code == "TR-LKO-1"


def test_subtree_covers_every_branch(kit, tree):
    with kit.session() as s:
        second = make_chain(
            s,
            kit.ctx,
            [(GeoLevel.AREA, "AR-KNP", "Kanpur"), (GeoLevel.TERRITORY, "TR-KNP-1", "Kanpur City")],
            parent_id=tree["RG-UPC"],
        )
    with kit.store.reader() as s:
        below_state = geography.subtree_ids(s, tree["ST-UP"])
        assert set(second.values()) <= below_state
        assert tree["ZN-N"] not in below_state
        assert len(below_state) == 6
        with pytest.raises(NotFound):
            geography.subtree_ids(s, kit.site_id)


def test_code_is_upper_cased_and_unique(kit, tree):
    with kit.session() as s:
        node = geography.create_node(
            s, ctx=kit.ctx, node_in={"level": "zone", "code": " zn-s ", "name": "South"}
        )
        assert node.code == "ZN-S"
    before = node_count(kit)
    with pytest.raises(Duplicate) as exc, kit.session() as s:
        geography.create_node(s, ctx=kit.ctx, node_in={"level": 1, "code": "zn-s", "name": "X"})
    assert exc.value.field == "code"
    assert "ZN-S" in exc.value.message
    with pytest.raises(DomainError) as exc, kit.session() as s:
        geography.create_node(s, ctx=kit.ctx, node_in={"level": 1, "code": "Z N", "name": "X"})
    assert exc.value.field == "code"
    with pytest.raises(DomainError) as exc, kit.session() as s:
        geography.create_node(s, ctx=kit.ctx, node_in={"level": "county", "code": "C", "name": "X"})
    assert exc.value.field == "level"
    assert "territory" in exc.value.message
    assert node_count(kit) == before


@pytest.mark.parametrize(
    ("level", "parent", "message"),
    [
        (GeoLevel.ZONE, "ZN-N", "a zone is the top of the tree"),
        (GeoLevel.STATE, None, "needs a parent zone"),
        (GeoLevel.TERRITORY, "RG-UPC", "must be a area; RG-UPC is a region"),
        (GeoLevel.AREA, "AR-LKO", "must be a region; AR-LKO is a area"),
    ],
)
def test_parent_must_be_one_level_above(kit, tree, level, parent, message):
    before = node_count(kit)
    with pytest.raises(DomainError) as exc, kit.session() as s:
        geography.create_node(
            s,
            ctx=kit.ctx,
            node_in={
                "level": level,
                "code": "NEW-1",
                "name": "New",
                "parent_id": tree[parent] if parent else None,
            },
        )
    assert exc.value.field == "parent_id"
    assert message in exc.value.message
    assert node_count(kit) == before


def test_unknown_parent_is_not_found(kit, tree):
    with pytest.raises(NotFound) as exc, kit.session() as s:
        geography.create_node(
            s,
            ctx=kit.ctx,
            node_in={"level": 2, "code": "ST-X", "name": "X", "parent_id": kit.site_id},
        )
    assert exc.value.field == "parent_id"


def test_sibling_names_are_unique_ignoring_case(kit, tree):
    before = node_count(kit)
    # zones have no parent: SQLite's unique index ignores NULL parents, the service does not
    with pytest.raises(Duplicate) as exc, kit.session() as s:
        geography.create_node(s, ctx=kit.ctx, node_in={"level": 1, "code": "ZN-2", "name": "NORTH"})
    assert exc.value.field == "name"
    assert "the top level already has a node named 'NORTH'" in exc.value.message
    with pytest.raises(Duplicate) as exc, kit.session() as s:
        geography.create_node(
            s,
            ctx=kit.ctx,
            node_in={"level": 4, "code": "AR-2", "name": "lucknow", "parent_id": tree["RG-UPC"]},
        )
    assert exc.value.field == "name"
    assert node_count(kit) == before
    with kit.session() as s:  # the same name elsewhere in the tree is fine
        other = make_chain(s, kit.ctx, [(GeoLevel.ZONE, "ZN-S", "South")])
        node = geography.create_node(
            s,
            ctx=kit.ctx,
            node_in={
                "level": 2,
                "code": "ST-UP2",
                "name": "Uttar Pradesh",
                "parent_id": other["ZN-S"],
            },
        )
        assert node.name_key == "uttar pradesh"


def test_rename(kit, tree):
    with kit.session() as s:
        make_chain(s, kit.ctx, [(GeoLevel.AREA, "AR-KNP", "Kanpur")], parent_id=tree["RG-UPC"])
        node = geography.rename_node(s, ctx=kit.ctx, node_id=tree["AR-LKO"], name="  Lucknow City ")
        assert (node.name, node.name_key) == ("Lucknow City", "lucknow city")
        # a change of case only is a rename of the same node, not a clash with itself
        geography.rename_node(s, ctx=kit.ctx, node_id=tree["AR-LKO"], name="LUCKNOW CITY")
    with pytest.raises(Duplicate) as exc, kit.session() as s:
        geography.rename_node(s, ctx=kit.ctx, node_id=tree["AR-LKO"], name="kanpur")
    assert exc.value.field == "name"
    assert "region RG-UPC (Central UP) already has a node named 'kanpur'" in exc.value.message
    with pytest.raises(DomainError) as exc, kit.session() as s:
        geography.rename_node(s, ctx=kit.ctx, node_id=tree["AR-LKO"], name="   ")
    assert exc.value.field == "name"
    with kit.store.reader() as s:
        assert geography.get_node(s, tree["AR-LKO"]).name == "LUCKNOW CITY"
        actions = [
            e.action for e in audit_crud.for_entity(s, entity="geo_nodes", entity_id=tree["AR-LKO"])
        ]
        assert actions == ["geo.create", "geo.rename", "geo.rename"]


def test_move(kit, tree):
    with kit.session() as s:
        south = make_chain(
            s,
            kit.ctx,
            [
                (GeoLevel.ZONE, "ZN-S", "South"),
                (GeoLevel.STATE, "ST-KA", "Karnataka"),
                (GeoLevel.REGION, "RG-KA", "South Karnataka"),
            ],
        )
        moved = geography.move_node(
            s, ctx=kit.ctx, node_id=tree["AR-LKO"], new_parent_id=south["RG-KA"]
        )
        assert moved.parent_id == south["RG-KA"]
    with kit.store.reader() as s:
        # the subtree moved with it
        assert [n.code for n in geography.ancestors(s, tree["TR-LKO-1"])] == [
            "ZN-S",
            "ST-KA",
            "RG-KA",
            "AR-LKO",
        ]
        entry = audit_crud.for_entity(s, entity="geo_nodes", entity_id=tree["AR-LKO"])[-1]
        assert entry.action == "geo.move"
        assert entry.changes == {"parent": ["RG-UPC", "RG-KA"]}


def test_move_refusals(kit, tree):
    with kit.session() as s:
        other_region = make_chain(
            s,
            kit.ctx,
            [(GeoLevel.REGION, "RG-UPW", "West UP"), (GeoLevel.AREA, "AR-MRT", "Lucknow")],
            parent_id=tree["ST-UP"],
        )

    def refused(node: str, parent, error=DomainError):
        with pytest.raises(error) as exc, kit.session() as s:
            geography.move_node(s, ctx=kit.ctx, node_id=tree[node], new_parent_id=parent)
        return exc.value

    assert "under itself" in refused("RG-UPC", tree["RG-UPC"]).message
    below = refused("RG-UPC", tree["AR-LKO"])
    assert below.field == "new_parent_id"
    assert "under itself or a node below it" in below.message
    wrong_level = refused("AR-LKO", tree["ST-UP"])
    assert "must be a region; ST-UP is a state" in wrong_level.message
    assert "needs a parent region" in refused("AR-LKO", None).message
    clash = refused("AR-LKO", other_region["RG-UPW"], Duplicate)
    assert clash.field == "name"
    assert "West UP" in clash.message
    assert refused("AR-LKO", kit.site_id, NotFound).field == "new_parent_id"
    with kit.store.reader() as s:
        assert geography.get_node(s, tree["AR-LKO"]).parent_id == tree["RG-UPC"]
        assert [
            e.action for e in audit_crud.for_entity(s, entity="geo_nodes", entity_id=tree["AR-LKO"])
        ] == ["geo.create"]
    with kit.session() as s:  # a zone stays at the top: "moving" it there changes nothing
        zone = geography.move_node(s, ctx=kit.ctx, node_id=tree["ZN-N"], new_parent_id=None)
        assert zone.parent_id is None


def test_delete_leaf(kit, tree):
    with kit.session() as s:
        geography.delete_node(s, ctx=kit.ctx, node_id=tree["TR-LKO-1"])
    with kit.store.reader() as s:
        with pytest.raises(NotFound):
            geography.get_node(s, tree["TR-LKO-1"])
        entries = audit_crud.for_entity(s, entity="geo_nodes", entity_id=tree["TR-LKO-1"])
        assert entries[-1].action == "geo.delete"
        assert "TR-LKO-1" in entries[-1].summary


def test_delete_refused_while_referenced(kit, tree):
    before = node_count(kit)

    def refused(node: str) -> Conflict:
        with pytest.raises(Conflict) as exc, kit.session() as s:
            geography.delete_node(s, ctx=kit.ctx, node_id=tree[node])
        assert exc.value.field == "node_id"
        return exc.value

    assert "it still has 1 child node;" in refused("AR-LKO").message
    with kit.session() as s:
        parties.create_party(
            s,
            ctx=kit.ctx,
            party_in={
                "kind": PartyKind.DISTRIBUTOR,
                "code": "D1",
                "name": "Awadh Traders",
                "territory_id": tree["TR-LKO-1"],
            },
        )
    assert "it still has 1 party;" in refused("TR-LKO-1").message
    with kit.session() as s:
        site = sites.create_site(
            s,
            ctx=kit.ctx,
            site_in={
                "code": "DEP02",
                "name": "Depot 2",
                "kind": "depot",
                "geo_node_id": tree["ZN-N"],
            },
        )
        assert site.geo_node_id == tree["ZN-N"]
    message = refused("ZN-N").message
    assert "1 child node, 1 site;" in message
    assert "move or remove them first" in message
    with kit.session() as s:
        users.create_user(
            s,
            ctx=kit.ctx,
            user_in={
                "username": "regional",
                "password": "regional-pass-1",
                "roles": ["manager"],
                "geo_node_id": tree["ST-UP"],
            },
            password_hash="not-a-real-hash",  # skip argon2: this test is about the reference
        )
    assert "1 user;" in refused("ST-UP").message
    assert node_count(kit) == before


def test_writes_need_geography_manage(kit, tree):
    clerk = context_with(kit.ctx, "stock.view")
    before = node_count(kit)
    with pytest.raises(PermissionDenied) as exc, kit.session() as s:
        geography.create_node(s, ctx=clerk, node_in={"level": 1, "code": "ZN-S", "name": "South"})
    assert "geography.manage" in exc.value.message
    for call in (
        lambda s: geography.rename_node(s, ctx=clerk, node_id=tree["ZN-N"], name="N"),
        lambda s: geography.move_node(s, ctx=clerk, node_id=tree["AR-LKO"], new_parent_id=None),
        lambda s: geography.delete_node(s, ctx=clerk, node_id=tree["TR-LKO-1"]),
    ):
        with pytest.raises(PermissionDenied), kit.session() as s:
            call(s)
    assert node_count(kit) == before
    with kit.store.reader() as s:
        assert geography.get_node(s, tree["ZN-N"]).name == "North"
    manager = context_with(kit.ctx, "geography.manage")
    with kit.session() as s:
        geography.create_node(s, ctx=manager, node_in={"level": 1, "code": "ZN-S", "name": "South"})
    assert node_count(kit) == before + 1
