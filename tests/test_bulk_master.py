"""Bulk writes of master data (what the CSV import uses): the same rules as one at a time,
a refusal naming the item, nothing written then, and an audit row per record."""

from __future__ import annotations

import pytest

from hom.core.errors import DomainError, Duplicate, NotFound
from hom.core.ids import new_id
from hom.crud import audit as audit_crud
from hom.crud import geography as geo_crud
from hom.crud import party as party_crud
from hom.models.enums import GeoLevel, PartyKind
from hom.services import geography, parties, products
from tests.test_geography import CHAIN, make_chain


def _node(level, code, name, parent_id=None, node_id=None):
    row = {"level": level, "code": code, "name": name, "parent_id": parent_id}
    return {**row, "id": node_id} if node_id else row


def test_create_nodes_writes_a_subtree_in_one_call_with_audit_rows(kit):
    zone, state = new_id(), new_id()
    with kit.session() as s:
        ids = geography.create_nodes(
            s,
            ctx=kit.ctx,
            nodes_in=[
                _node(GeoLevel.ZONE, "ZN-W", "West", node_id=zone),
                _node(GeoLevel.STATE, "ST-MH", "Maharashtra", zone, state),
                _node(GeoLevel.REGION, "RG-PN", "Pune region", state),
            ],
        )
    assert ids[:2] == [zone, state]
    with kit.store.reader() as s:
        region = geo_crud.get(s, ids[2])
        assert (region.code, region.parent_id, region.name_key) == ("RG-PN", state, "pune region")
        entry = audit_crud.for_entity(s, entity="geo_nodes", entity_id=state)[0]
        assert entry.action == "geo.create" and entry.summary.endswith("under ZN-W")


@pytest.mark.parametrize(
    ("items", "error", "field"),
    [
        ([("ST-X", GeoLevel.STATE, "X", "ZN-N")], Duplicate, "nodes_in.0.code"),  # taken code
        ([("ST-Y", GeoLevel.STATE, "uttar pradesh", "ZN-N")], Duplicate, "nodes_in.0.name"),
        ([("RG-Y", GeoLevel.REGION, "Y", "ZN-N")], DomainError, "nodes_in.0.parent_id"),
        (
            [("ST-A", GeoLevel.STATE, "Same", "ZN-N"), ("ST-B", GeoLevel.STATE, "SAME", "ZN-N")],
            Duplicate,
            "nodes_in.1.name",
        ),
        (
            [("ST-A", GeoLevel.STATE, "A", "ZN-N"), ("ST-A", GeoLevel.STATE, "B", "ZN-N")],
            Duplicate,
            "nodes_in.1.code",
        ),
        ([("ST-Z", GeoLevel.STATE, "Z", None)], DomainError, "nodes_in.0.parent_id"),
    ],
)
def test_create_nodes_refuses_what_create_node_refuses(kit, items, error, field):
    with kit.session() as s:
        chain = make_chain(s, kit.ctx, CHAIN[:2])
    taken = {"ST-X": "ST-UP"}
    rows = [
        _node(level, taken.get(code, code), name, chain.get(parent) if parent else None)
        for code, level, name, parent in items
    ]
    before = _count(kit)
    with pytest.raises(error) as caught, kit.session() as s:
        geography.create_nodes(s, ctx=kit.ctx, nodes_in=rows)
    assert caught.value.field == field or caught.value.errors[0][0] == field
    assert _count(kit) == before


def test_create_nodes_refuses_an_unknown_parent(kit):
    with pytest.raises(NotFound) as caught, kit.session() as s:
        geography.create_nodes(
            s, ctx=kit.ctx, nodes_in=[_node(GeoLevel.STATE, "ST-Q", "Q", new_id())]
        )
    assert caught.value.field == "nodes_in.0.parent_id"


def _count(kit) -> int:
    with kit.store.reader() as s:
        return geo_crud.count(s)


def test_create_parties_checks_territory_and_distributor_links(kit):
    with kit.session() as s:
        chain = make_chain(s, kit.ctx)
    territory, area = chain["TR-LKO-1"], chain["AR-LKO"]
    dist = new_id()
    good = [
        {
            "id": dist,
            "kind": PartyKind.DISTRIBUTOR,
            "code": "D1",
            "name": "D",
            "territory_id": territory,
        },
        {
            "kind": "retailer",
            "code": "R1",
            "name": "R",
            "territory_id": territory,
            "distributor_id": dist,
        },
    ]
    bad_cases = [
        (
            {"kind": "retailer", "code": "R2", "name": "R", "territory_id": area},
            "parties_in.2.territory_id",
        ),
        (
            {"kind": "retailer", "code": "R1", "name": "R", "territory_id": territory},
            "parties_in.2.code",
        ),
        (
            {
                "kind": "distributor",
                "code": "D2",
                "name": "D",
                "territory_id": territory,
                "distributor_id": dist,
            },
            "parties_in.2.distributor_id",
        ),
        (
            {
                "kind": "retailer",
                "code": "R3",
                "name": "R",
                "territory_id": territory,
                "distributor_id": new_id(),
            },
            "parties_in.2.distributor_id",
        ),
    ]
    for bad, field in bad_cases:
        with pytest.raises(DomainError) as caught, kit.session() as s:
            parties.create_parties(s, ctx=kit.ctx, parties_in=[*good, bad])
        assert caught.value.field == field, bad
        with kit.store.reader() as s:
            assert party_crud.get_by_code(s, "D1") is None
    with kit.session() as s:
        ids = parties.create_parties(s, ctx=kit.ctx, parties_in=good)
    with kit.store.reader() as s:
        retailer = party_crud.get(s, ids[1])
        assert (retailer.kind, retailer.distributor_id) == (PartyKind.RETAILER, dist)
        assert audit_crud.for_entity(s, entity="parties", entity_id=ids[1])[0].action == (
            "party.create"
        )


def test_create_products_returns_ids_and_audits_each(kit):
    values = {"mrp": "10", "distributor_price": "8", "retailer_price": "9"}
    with kit.session() as s:
        ids = products.create_products(
            s,
            ctx=kit.ctx,
            products_in=[{"sku": f"B-{i}", "name": f"P{i}", **values} for i in range(3)],
        )
    with kit.store.reader() as s:
        made = products.get_product(s, ids[2])
        assert (made.sku, str(made.mrp)) == ("B-2", "10.00")
        assert len(audit_crud.for_entity(s, entity="products", entity_id=ids[0])) == 1


def test_rename_nodes_checks_siblings_in_order_and_audits_each(kit):
    with kit.session() as s:
        chain = make_chain(s, kit.ctx, CHAIN[:2])
        other = geography.create_node(
            s,
            ctx=kit.ctx,
            node_in={
                "level": GeoLevel.STATE,
                "code": "ST-BR",
                "name": "Bihar",
                "parent_id": chain["ZN-N"],
            },
        ).id
    up = chain["ST-UP"]
    with pytest.raises(Duplicate) as caught, kit.session() as s:
        geography.rename_nodes(s, ctx=kit.ctx, renames=[(up, "Awadh"), (other, "AWADH")])
    assert caught.value.field == "renames.1.name"
    with kit.store.reader() as s:
        assert geo_crud.get(s, up).name == "Uttar Pradesh"  # nothing changed
    # a swap through a free name works in order, as one rename after another would
    with kit.session() as s:
        geography.rename_nodes(
            s, ctx=kit.ctx, renames=[(up, "Spare"), (other, "Uttar Pradesh"), (up, "Bihar")]
        )
    with kit.store.reader() as s:
        assert (geo_crud.get(s, up).name, geo_crud.get(s, other).name) == ("Bihar", "Uttar Pradesh")
        entries = audit_crud.for_entity(s, entity="geo_nodes", entity_id=up)
        assert [e.action for e in entries][-2:] == ["geo.rename", "geo.rename"]
        assert entries[-1].changes == {"name": ["Spare", "Bihar"]}


def test_bulk_writes_queue_a_change_log_row_per_record(kit):
    """An import is as synced as a form: every node and party it adds is in the change log, with
    a snapshot of the sync schema's fields (not the store's local search keys)."""
    from hom.crud import outbox as outbox_crud

    zone, party = new_id(), new_id()
    with kit.session() as s:
        geography.create_nodes(
            s, ctx=kit.ctx, nodes_in=[_node(GeoLevel.ZONE, "ZN-X", "X", node_id=zone)]
        )
        territory = make_chain(s, kit.ctx)["TR-LKO-1"]
        parties.create_parties(
            s,
            ctx=kit.ctx,
            parties_in=[
                {
                    "id": party,
                    "kind": PartyKind.DISTRIBUTOR,
                    "code": "DQ",
                    "name": "Dq",
                    "territory_id": territory,
                }
            ],
        )
    with kit.store.reader() as s:
        nodes = outbox_crud.for_entity(s, entity="geo_nodes", entity_id=zone)
        party_rows = outbox_crud.for_entity(s, entity="parties", entity_id=party)
    assert [r.operation for r in nodes] == ["insert"]
    assert nodes[0].payload["code"] == "ZN-X" and "name_key" not in nodes[0].payload
    assert [r.payload["code"] for r in party_rows] == ["DQ"]


def test_bulk_written_products_are_found_and_sorted_like_typed_ones(kit):
    """A bulk insert runs no ORM event, so the folded search and sort keys are computed for it:
    an imported product is found by any of its words, accents and case aside."""
    from hom.crud import product as product_crud

    values = {"mrp": "10", "distributor_price": "8", "retailer_price": "9"}
    with kit.session() as s:
        products.create_products(
            s,
            ctx=kit.ctx,
            products_in=[{"sku": "KS-200", "name": "Kesar Sandal dishwash bar 200 g", **values}],
        )
    with kit.store.reader() as s:
        assert product_crud.count(s, search="sandal DISHWASH 200") == 1
        made = product_crud.get_by_sku(s, "KS-200")
        assert made.sort_key.startswith("kesar sandal")
