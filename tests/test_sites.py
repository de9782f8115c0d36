"""Sites and stock locations: codes, owners and the parties they belong to."""

from __future__ import annotations

import uuid

import pytest

from hom.core.errors import DomainError, Duplicate, NotFound, PermissionDenied
from hom.models.enums import LocationKind, PartyKind, SiteKind
from hom.models.party import Party
from hom.services import geography, sites
from tests.utils.builders import context_with


@pytest.fixture
def retailer(kit):
    with kit.session() as s:
        parent = None
        for level, code in enumerate(["Z", "Z-S", "Z-S-R", "Z-S-R-A", "Z-S-R-A1"], start=1):
            parent = geography.create_node(
                s,
                ctx=kit.ctx,
                node_in={"level": level, "code": code, "name": code, "parent_id": parent},
            ).id
        party = Party(kind=PartyKind.RETAILER, code="R1", name="Shop", territory_id=parent)
        s.add(party)
        s.flush()
        return party.id


def test_site_codes_are_unique_and_upper_cased(kit):
    with kit.session() as s:
        site = sites.create_site(
            s, ctx=kit.ctx, site_in={"code": "dep09", "name": "x", "kind": "depot"}
        )
        assert site.code == "DEP09"
    with pytest.raises(Duplicate) as info, kit.session() as s:
        sites.create_site(s, ctx=kit.ctx, site_in={"code": "DEP09", "name": "y", "kind": "depot"})
    assert info.value.field == "code"


def test_unknown_references_are_refused_by_name(kit):
    with pytest.raises(NotFound) as info, kit.session() as s:
        sites.create_site(
            s,
            ctx=kit.ctx,
            site_in={
                "code": "D9",
                "name": "x",
                "kind": SiteKind.DEPOT,
                "geo_node_id": uuid.uuid4(),
            },
        )
    assert info.value.field == "geo_node_id"
    with pytest.raises(NotFound) as info, kit.session() as s:
        sites.create_location(
            s,
            ctx=kit.ctx,
            location_in={"site_id": uuid.uuid4(), "code": "L9", "name": "x", "kind": "warehouse"},
        )
    assert info.value.field == "site_id"


def test_a_distributor_stock_point_belongs_to_a_distributor(kit, retailer):
    with pytest.raises(DomainError, match="needs its distributor"), kit.session() as s:
        sites.create_location(
            s,
            ctx=kit.ctx,
            location_in={
                "site_id": kit.site_id,
                "code": "STK1",
                "name": "x",
                "kind": LocationKind.DISTRIBUTOR_STOCK,
            },
        )
    with pytest.raises(DomainError, match="is a retailer") as info, kit.session() as s:
        sites.create_location(
            s,
            ctx=kit.ctx,
            location_in={
                "site_id": kit.site_id,
                "code": "STK1",
                "name": "x",
                "kind": LocationKind.DISTRIBUTOR_STOCK,
                "party_id": retailer,
            },
        )
    assert info.value.field == "party_id"


def test_only_site_managers_create_sites(kit):
    with pytest.raises(PermissionDenied), kit.session() as s:
        sites.create_site(
            s,
            ctx=context_with(kit.ctx, "stock.view"),
            site_in={"code": "X1", "name": "x", "kind": "depot"},
        )
