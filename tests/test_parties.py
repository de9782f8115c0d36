"""Distributors and retailers: territory, distributor link, codes, paging, permissions."""

from __future__ import annotations

import pytest

from hom.core.errors import DomainError, Duplicate, NotFound, PermissionDenied
from hom.crud import audit as audit_crud
from hom.crud import party as party_crud
from hom.models.enums import GeoLevel, PartyKind
from hom.services import geography, parties
from tests.utils.builders import context_with

D, R = PartyKind.DISTRIBUTOR, PartyKind.RETAILER


def build_tree(session, ctx) -> dict:
    """North > UP > Central UP > {Lucknow > TR-LKO-1, TR-LKO-2; Kanpur > TR-KNP-1}."""
    ids: dict = {}

    def node(level, code, name, parent=None) -> None:
        ids[code] = geography.create_node(
            session,
            ctx=ctx,
            node_in={"level": level, "code": code, "name": name, "parent_id": ids.get(parent)},
        ).id

    node(GeoLevel.ZONE, "ZN-N", "North")
    node(GeoLevel.STATE, "ST-UP", "Uttar Pradesh", "ZN-N")
    node(GeoLevel.REGION, "RG-UPC", "Central UP", "ST-UP")
    node(GeoLevel.AREA, "AR-LKO", "Lucknow", "RG-UPC")
    node(GeoLevel.AREA, "AR-KNP", "Kanpur", "RG-UPC")
    node(GeoLevel.TERRITORY, "TR-LKO-1", "Lucknow East", "AR-LKO")
    node(GeoLevel.TERRITORY, "TR-LKO-2", "Lucknow West", "AR-LKO")
    node(GeoLevel.TERRITORY, "TR-KNP-1", "Kanpur City", "AR-KNP")
    return ids


@pytest.fixture
def geo(kit):
    with kit.session() as s:
        return build_tree(s, kit.ctx)


def party_in(kind, code, territory, name=None, **extra) -> dict:
    return {
        "kind": kind,
        "code": code,
        "name": name or f"{code} name",
        "territory_id": territory,
        **extra,
    }


def count(kit) -> int:
    with kit.store.reader() as s:
        return party_crud.count(s)


@pytest.fixture
def dist(kit, geo):
    with kit.session() as s:
        return parties.create_party(
            s, ctx=kit.ctx, party_in=party_in(D, "dist-01", geo["TR-LKO-1"], "Awadh Traders")
        ).id


def test_create_distributor_and_retailer(kit, geo, dist):
    with kit.session() as s:
        retailer = parties.create_party(
            s,
            ctx=kit.ctx,
            party_in=party_in(
                R,
                " ret-01 ",
                geo["TR-LKO-2"],
                "Sharma General Store",
                distributor_id=dist,
                phone="+91 98390 11223",
                address="Indira Nagar, Lucknow",
            ),
        )
        assert retailer.code == "RET-01"
        assert retailer.active is True
    with kit.store.reader() as s:
        found = parties.get_party_by_code(s, "ret-01")
        assert found.distributor_id == dist
        assert parties.get_party(s, dist).code == "DIST-01"
        assert parties.to_public(found).phone == "+91 98390 11223"
        entries = audit_crud.for_entity(s, entity="parties", entity_id=found.id)
        assert [e.action for e in entries] == ["party.create"]
        assert "Sharma General Store" in entries[0].summary
        with pytest.raises(NotFound) as exc:
            parties.get_party_by_code(s, "NOPE")
        assert exc.value.field == "code"


def test_territory_must_be_a_territory(kit, geo):
    with pytest.raises(DomainError) as exc, kit.session() as s:
        parties.create_party(s, ctx=kit.ctx, party_in=party_in(D, "D-1", geo["AR-LKO"]))
    assert exc.value.field == "territory_id"
    assert "AR-LKO (Lucknow) is a area, not a territory" in exc.value.message
    with pytest.raises(NotFound) as exc, kit.session() as s:
        parties.create_party(s, ctx=kit.ctx, party_in=party_in(D, "D-1", kit.site_id))
    assert exc.value.field == "territory_id"
    assert count(kit) == 0


def test_distributor_link_rules(kit, geo, dist):
    with kit.session() as s:
        retailer = parties.create_party(
            s, ctx=kit.ctx, party_in=party_in(R, "R-1", geo["TR-LKO-1"])
        )
        retailer_id = retailer.id
        sleeping = parties.create_party(
            s, ctx=kit.ctx, party_in=party_in(D, "D-SLEEP", geo["TR-KNP-1"], active=False)
        ).id
    before = count(kit)

    def refused(data: dict, error=DomainError) -> DomainError:
        with pytest.raises(error) as exc, kit.session() as s:
            parties.create_party(s, ctx=kit.ctx, party_in=data)
        assert exc.value.field == "distributor_id"
        return exc.value

    msg = refused(party_in(D, "D-2", geo["TR-LKO-1"], distributor_id=dist)).message
    assert "a distributor has no distributor" in msg
    msg = refused(party_in(R, "R-2", geo["TR-LKO-1"], distributor_id=retailer_id)).message
    assert "must be a distributor; R-1 is a retailer" in msg
    msg = refused(party_in(R, "R-2", geo["TR-LKO-1"], distributor_id=sleeping)).message
    assert "D-SLEEP is inactive" in msg
    refused(party_in(R, "R-2", geo["TR-LKO-1"], distributor_id=geo["ZN-N"]), NotFound)
    assert count(kit) == before


def test_code_and_name_rules(kit, geo, dist):
    before = count(kit)
    with pytest.raises(Duplicate) as exc, kit.session() as s:
        parties.create_party(s, ctx=kit.ctx, party_in=party_in(R, "Dist-01", geo["TR-LKO-1"]))
    assert exc.value.field == "code"
    for bad, field in (
        ({"name": "  "}, "name"),
        ({"code": "R 1"}, "code"),
        ({"phone": "call me"}, "phone"),
        ({"kind": "wholesaler"}, "kind"),
    ):
        data = party_in(R, "R-1", geo["TR-LKO-1"]) | bad
        with pytest.raises(DomainError) as exc, kit.session() as s:
            parties.create_party(s, ctx=kit.ctx, party_in=data)
        assert exc.value.field == field
    assert count(kit) == before


def test_update_party(kit, geo, dist):
    with kit.session() as s:
        other = parties.create_party(
            s, ctx=kit.ctx, party_in=party_in(D, "DIST-02", geo["TR-KNP-1"])
        ).id
        r = parties.create_party(
            s, ctx=kit.ctx, party_in=party_in(R, "R-1", geo["TR-LKO-1"], distributor_id=dist)
        ).id
        updated = parties.update_party(
            s,
            ctx=kit.ctx,
            party_id=r,
            party_in={"name": "Gupta Kirana", "territory_id": geo["TR-LKO-2"], "code": "r-100"},
        )
        assert (updated.name, updated.code) == ("Gupta Kirana", "R-100")
        parties.update_party(s, ctx=kit.ctx, party_id=r, party_in={"distributor_id": other})
    with kit.store.reader() as s:
        entry = audit_crud.for_entity(s, entity="parties", entity_id=r)[-1]
        assert entry.action == "party.update"
        assert entry.changes == {"distributor_id": [str(dist), str(other)]}
    # a deactivated distributor stays linked to its retailers; other edits still go through
    with kit.session() as s:
        parties.set_active(s, ctx=kit.ctx, party_id=other, active=False)
        parties.update_party(s, ctx=kit.ctx, party_id=r, party_in={"phone": "0522 400"})
    with pytest.raises(DomainError) as exc, kit.session() as s:
        parties.update_party(s, ctx=kit.ctx, party_id=r, party_in={"distributor_id": dist})
        parties.update_party(s, ctx=kit.ctx, party_id=r, party_in={"distributor_id": other})
    assert "inactive" in exc.value.message
    with kit.store.reader() as s:  # the first update of the failed transaction was rolled back
        assert parties.get_party(s, r).distributor_id == other

    def refused(data: dict, party=r) -> DomainError:
        with pytest.raises(DomainError) as exc, kit.session() as s:
            parties.update_party(s, ctx=kit.ctx, party_id=party, party_in=data)
        return exc.value

    assert refused({"code": "DIST-01"}).field == "code"
    assert refused({"territory_id": geo["AR-KNP"]}).field == "territory_id"
    assert refused({"distributor_id": dist}, party=other).field == "distributor_id"
    assert refused({"kind": "distributor"}).field == "kind"  # a party's kind never changes
    assert refused({"name": None}).field == "name"
    with kit.session() as s:  # an explicit None clears the retailer's distributor
        assert (
            parties.update_party(
                s, ctx=kit.ctx, party_id=r, party_in={"distributor_id": None}
            ).distributor_id
            is None
        )
    with kit.store.reader() as s:
        p = parties.get_party(s, r)
        assert (p.code, p.phone, p.territory_id) == ("R-100", "0522 400", geo["TR-LKO-2"])


def test_set_active(kit, geo, dist):
    with kit.session() as s:
        assert parties.set_active(s, ctx=kit.ctx, party_id=dist, active=False).active is False
        parties.set_active(s, ctx=kit.ctx, party_id=dist, active=False)  # no change, no audit
    with kit.store.reader() as s:
        actions = [e.action for e in audit_crud.for_entity(s, entity="parties", entity_id=dist)]
        assert actions == ["party.create", "party.deactivate"]
        assert parties.count_parties(s, active=True) == 0
    with pytest.raises(NotFound), kit.session() as s:
        parties.set_active(s, ctx=kit.ctx, party_id=geo["ZN-N"], active=True)


def test_page_and_count(kit, geo):
    rows = [
        (D, "D-LKO", "Awadh Traders", "TR-LKO-1"),
        (D, "D-KNP", "Ganga Distributors", "TR-KNP-1"),
        (R, "R-001", "Sharma General Store", "TR-LKO-1"),
        (R, "R-002", "Gupta Kirana", "TR-LKO-2"),
        (R, "R-003", "Verma 100% Store", "TR-KNP-1"),
        (R, "R-004", "sharma medicals", "TR-KNP-1"),
    ]
    with kit.session() as s:
        for kind, code, name, territory in rows:
            parties.create_party(
                s, ctx=kit.ctx, party_in=party_in(kind, code, geo[territory], name)
            )
    with kit.store.reader() as s:

        def codes(**kw) -> list[str]:
            return [p.code for p in parties.page_parties(s, **kw)]

        assert codes() == ["D-KNP", "D-LKO", "R-001", "R-002", "R-003", "R-004"]
        assert codes(kind=D) == ["D-KNP", "D-LKO"]
        assert codes(search="SHARMA") == ["R-001", "R-004"]
        assert codes(search="r-00", kind=R, limit=2, offset=1) == ["R-002", "R-003"]
        assert codes(search="100%") == ["R-003"]  # LIKE wildcards are matched literally
        assert codes(search="_") == []
        assert codes(territory_id=geo["TR-KNP-1"]) == ["D-KNP", "R-003", "R-004"]
        assert codes(territory_id=geo["AR-LKO"]) == ["D-LKO", "R-001", "R-002"]
        assert codes(sort="name") == ["D-LKO", "D-KNP", "R-002", "R-001", "R-004", "R-003"]
        assert codes(sort="name", descending=True)[:2] == ["R-003", "R-004"]
        assert parties.count_parties(s) == 6
        assert parties.count_parties(s, kind=R, search="sharma") == 2
        assert parties.count_parties(s, territory_id=geo["RG-UPC"]) == 6
        for bad, field in (
            ({"sort": "password"}, "sort"),
            ({"limit": 0}, "limit"),
            ({"offset": -1}, "offset"),
        ):
            with pytest.raises(DomainError) as exc:
                parties.page_parties(s, **bad)
            assert exc.value.field == field


def test_writes_need_parties_manage(kit, geo, dist):
    clerk = context_with(kit.ctx, "stock.view", "orders.view")
    before = count(kit)
    with pytest.raises(PermissionDenied) as exc, kit.session() as s:
        parties.create_party(s, ctx=clerk, party_in=party_in(R, "R-1", geo["TR-LKO-1"]))
    assert "parties.manage" in exc.value.message
    with pytest.raises(PermissionDenied), kit.session() as s:
        parties.update_party(s, ctx=clerk, party_id=dist, party_in={"name": "Hacked"})
    with pytest.raises(PermissionDenied), kit.session() as s:
        parties.set_active(s, ctx=clerk, party_id=dist, active=False)
    assert count(kit) == before
    with kit.store.reader() as s:
        p = parties.get_party(s, dist)
        assert (p.name, p.active) == ("Awadh Traders", True)
