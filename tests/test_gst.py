"""GST master data: GSTIN check characters, HSN codes and GST rates, refused with specific
messages through the shared schemas and services, captured on order lines, carried by sync and
by CSV import and export."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hom.core.errors import DomainError, ValidationFailed
from hom.crud import product as product_crud
from hom.models.enums import GeoLevel, OrderLevel, PartyKind
from hom.schemas.gst import (
    GST_RATES,
    check_gst_rate,
    check_gstin,
    check_hsn,
    gst_state_code,
    gstin_check_character,
)
from hom.schemas.party import PartySync
from hom.schemas.product import ProductSync
from hom.services import csv_io, geography, parties, products
from hom.sync import apply
from tests.utils.gst_world import KA_GSTIN, MH_GSTIN, SELLER_GSTIN, make_gst_world, primary_order

# Real registrations whose check characters are public, and the ones made for the tests.
VALID = ["27AAPFU0939F1ZV", "29AAGCB7383J1Z4", "33AAACH7409R1Z8", SELLER_GSTIN, MH_GSTIN, KA_GSTIN]


# --- GSTIN -----------------------------------------------------------------------------------


@pytest.mark.parametrize("gstin", VALID)
def test_valid_gstins_are_accepted_and_normalised(gstin):
    assert check_gstin(gstin) == gstin
    spaced = f" {gstin[:2]} {gstin[2:12].lower()} {gstin[12:]} "
    assert check_gstin(spaced) == gstin
    assert gstin_check_character(gstin[:14]) == gstin[14]


@pytest.mark.parametrize("gstin", VALID)
def test_any_one_altered_character_is_refused(gstin):
    """Changing any one of the first 14 characters (keeping the format) breaks the check."""
    for index in range(14):
        original = gstin[index]
        swap = "7" if original.isdigit() and original != "7" else "8"
        if original.isalpha():
            swap = "Q" if original != "Q" else "R"
        if index == 13:  # the fixed Z: altering it is its own error
            continue
        altered = gstin[:index] + swap + gstin[index + 1 :]
        # inside the PAN the swap keeps the format, so only the check character can catch it
        message = "fails its check character" if 2 <= index <= 12 else None
        with pytest.raises(ValueError, match=message):
            check_gstin(altered)
    changed_check = gstin[:14] + ("A" if gstin[14] != "A" else "B")
    with pytest.raises(ValueError, match="fails its check character"):
        check_gstin(changed_check)


@pytest.mark.parametrize(
    ("gstin", "message"),
    [
        ("27AAPFU0939F1Z", "must be 15 characters .* got 14"),
        ("45AAPFU0939F1ZV", "'45', which is not a GST state code"),
        ("27AAPF00939F1ZV", "characters 3 to 12 must be the holder's PAN"),
        ("27AAPFU0939F1YV", "character 14 must be the letter Z"),
        ("27AAPFU0939F0ZV", "entity number"),
        ("27AAPFU0939F1Z-", "only the letters A-Z and digits"),
        ("27AAPFU0939F1ZW", "fails its check character"),
    ],
)
def test_gstin_refusals_say_what_is_wrong(gstin, message):
    with pytest.raises(ValueError, match=message):
        check_gstin(gstin)


def test_state_codes_from_geography_names():
    assert gst_state_code("Maharashtra") == "27"
    assert gst_state_code("tamil  nadu") == "33"
    assert gst_state_code("Jammu & Kashmir") == "01"
    assert gst_state_code("Orissa") == "21"
    assert gst_state_code("Atlantis") is None


# --- HSN and rates ---------------------------------------------------------------------------


def test_hsn_codes():
    assert check_hsn("3401") == "3401"
    assert check_hsn("3401.11") == "340111"
    assert check_hsn("3401 1190") == "34011190"
    assert check_hsn("") == ""
    for bad in ("340", "34011", "3401119", "34A1", "340111900"):
        with pytest.raises(ValueError, match="must be 4, 6 or 8 digits"):
            check_hsn(bad)


def test_gst_rates_are_the_notified_slabs():
    assert [check_gst_rate(str(r)) for r in GST_RATES] == [
        r.quantize(Decimal("0.01")) for r in GST_RATES
    ]
    assert check_gst_rate("18%") == Decimal("18.00")
    assert check_gst_rate(Decimal("0.25")) == Decimal("0.25")
    assert check_gst_rate("") is None and check_gst_rate(None) is None
    with pytest.raises(ValueError, match=r"one of the GST slabs 0, 0.25, 3, 5, 12, 18, 28, 40"):
        check_gst_rate("7")
    with pytest.raises(ValueError, match="not a float"):
        check_gst_rate(18.0)


# --- through the services --------------------------------------------------------------------


def _product(**over) -> dict:
    return {
        "sku": "BIS-1",
        "name": "Glucose biscuits 100 g",
        "mrp": "10.00",
        "distributor_price": "7.80",
        "retailer_price": "8.80",
    } | over


def test_product_service_refuses_bad_hsn_and_rate_naming_the_field(kit):
    for field, value, message in (
        ("hsn_code", "19O5", "must be 4, 6 or 8 digits"),
        ("gst_rate", "17", "one of the GST slabs"),
    ):
        with kit.session() as s, pytest.raises(ValidationFailed) as caught:
            products.create_product(s, ctx=kit.ctx, product_in=_product(**{field: value}))
        assert caught.value.field == field and message in caught.value.message
    with kit.store.reader() as s:
        assert product_crud.count_all(s) == 0
    with kit.session() as s:
        made = products.create_product(
            s, ctx=kit.ctx, product_in=_product(hsn_code="1905", gst_rate="18")
        )
        assert (made.hsn_code, made.gst_rate) == ("1905", Decimal("18.00"))
        products.update_product(s, ctx=kit.ctx, product_id=made.id, product_in={"gst_rate": "5"})
    with kit.store.reader() as s:
        assert products.get_by_sku(s, "BIS-1").gst_rate == Decimal("5.00")


def _territory(kit):
    with kit.session() as s:
        parent = None
        for level in GeoLevel:
            parent = geography.create_node(
                s,
                ctx=kit.ctx,
                node_in={
                    "level": level,
                    "code": f"G{int(level)}",
                    "name": f"Node {int(level)}",
                    "parent_id": parent,
                },
            ).id
        return parent


def test_party_service_checks_the_gstin(kit):
    territory = _territory(kit)
    party = {
        "kind": PartyKind.DISTRIBUTOR,
        "code": "D1",
        "name": "Awadh Traders",
        "territory_id": territory,
    }
    with kit.session() as s, pytest.raises(ValidationFailed) as caught:
        parties.create_party(s, ctx=kit.ctx, party_in=party | {"gstin": "09AABFA1234C1Z8"})
    assert caught.value.field == "gstin" and "check character" in caught.value.message
    with kit.session() as s:
        made = parties.create_party(s, ctx=kit.ctx, party_in=party | {"gstin": "09aabfa1234c1z7"})
        assert made.gstin == "09AABFA1234C1Z7"
        retailer = parties.create_party(
            s,
            ctx=kit.ctx,
            party_in={
                "kind": PartyKind.RETAILER,
                "code": "R1",
                "name": "Gupta Kirana",
                "territory_id": territory,
            },
        )
        assert retailer.gstin == ""  # unregistered
        with pytest.raises(ValidationFailed, match="cannot be cleared"):
            parties.update_party(s, ctx=kit.ctx, party_id=made.id, party_in={"gstin": None})
        parties.update_party(s, ctx=kit.ctx, party_id=made.id, party_in={"gstin": ""})
        assert made.gstin == ""


def test_order_lines_capture_hsn_and_rate_and_sync_carries_them(kit):
    world = make_gst_world(kit)
    order_id = primary_order(kit, world, world.mh, dispatch=False)
    from hom.services import orders

    with kit.store.reader() as s:
        order = orders.get_order(s, level=OrderLevel.PRIMARY, order_id=order_id)
        assert [(ln.hsn_code, ln.gst_rate) for ln in order.lines] == [
            ("3401", Decimal("18.00")),
            ("0902", Decimal("5.00")),
        ]
        public = orders.to_public(OrderLevel.PRIMARY, order)
        assert public.lines[0].gst_rate == Decimal("18.00")
        payload = apply.parse("primary_orders", _json(apply, order))
        assert payload.lines[1].hsn_code == "0902"
        soap = products.get_product(s, world.soap)
        assert ProductSync.model_validate(soap).gst_rate == Decimal("18.00")
        party = parties.get_party(s, world.ka)
        assert PartySync.model_validate(party).gstin == KA_GSTIN
    # a payload from an installation that predates GST still validates
    old = ProductSync.model_validate(soap).model_dump(mode="json")
    del old["hsn_code"], old["gst_rate"]
    assert apply.parse("products", old).gst_rate is None


def _json(apply_module, order) -> dict:
    from hom.sync import entities

    return entities.schema_for("primary_orders").model_validate(order).model_dump(mode="json")


# --- CSV -------------------------------------------------------------------------------------


def test_csv_round_trip_of_the_gst_columns_and_old_files_still_import(kit):
    geo = (
        "level,code,name,parent_code\nzone,ZN-W,West,\nstate,ST-MH,Maharashtra,ZN-W\n"
        "region,RG-PUN,Pune region,ST-MH\narea,AR-PUN,Pune,RG-PUN\n"
        "territory,TR-PUN,Pune market,AR-PUN\n"
    )
    product_text = (
        "sku,name,mrp,distributor_price,retailer_price,category,brand,unit,pack_size,active,"
        "track_batches,shelf_life_days,reorder_level,hsn_code,gst_rate\n"
        "TEA-1,Tea 250 g,140.00,112.10,123.20,Foods,Kesar,pcs,40,true,false,,0,0902,5\n"
        "SOAP-1,Soap 75 g,32.00,24.96,28.16,Personal care,Neela,pcs,72,true,false,,0,3401,18\n"
    )
    party_text = (
        "kind,code,name,territory_code,distributor_code,phone,address,active,gstin\n"
        f"distributor,D-PUN,Patil Agencies,TR-PUN,,,,true,{MH_GSTIN.lower()}\n"
        "retailer,R-PUN,Joshi Kirana,TR-PUN,D-PUN,,,true,\n"
    )
    with kit.session() as s:
        for kind, text in (("geography", geo), ("products", product_text), ("parties", party_text)):
            preview = csv_io.preview_import(s, kind=kind, text=text)
            assert preview.ok, [(r.line, r.error) for r in preview.bad_rows]
            csv_io.apply_import(s, ctx=kit.ctx, preview=preview)
    with kit.store.reader() as s:
        exported_products = csv_io.export_csv(s, ctx=kit.ctx, kind="products")
        exported_parties = csv_io.export_csv(s, ctx=kit.ctx, kind="parties")
        assert products.get_by_sku(s, "TEA-1").gst_rate == Decimal("5.00")
    assert exported_products.splitlines()[0].endswith(",hsn_code,gst_rate")
    assert "TEA-1,Tea 250 g,Foods,Kesar,pcs,40,140.00,112.10,123.20,true,false,,0,0902,5.00" in (
        exported_products
    )
    assert exported_parties.splitlines()[0].endswith(",gstin")
    assert f"Patil Agencies,TR-PUN,,,,true,{MH_GSTIN}" in exported_parties
    with kit.store.reader() as s:
        for kind, text in (("products", exported_products), ("parties", exported_parties)):
            preview = csv_io.preview_import(s, kind=kind, text=text)
            assert preview.counts() == {"create": 0, "update": 0, "unchanged": 2, "error": 0}
    # An old file without the GST columns imports and leaves the GST fields as they are.
    old = (
        "sku,name,mrp,distributor_price,retailer_price,category,brand,unit,pack_size,active,"
        "track_batches,shelf_life_days,reorder_level\n"
        "TEA-1,Tea 250 g (new pack),140.00,112.10,123.20,Foods,Kesar,pcs,40,true,false,,0\n"
    )
    with kit.session() as s:
        preview = csv_io.preview_import(s, kind="products", text=old)
        assert preview.ok and preview.rows[0].changes.keys() == {"name"}
        csv_io.apply_import(s, ctx=kit.ctx, preview=preview)
    with kit.store.reader() as s:
        tea = products.get_by_sku(s, "TEA-1")
        assert (tea.name, tea.hsn_code, tea.gst_rate) == (
            "Tea 250 g (new pack)",
            "0902",
            Decimal("5.00"),
        )
    # A bad value is refused on its line, naming the column.
    bad = party_text.replace(MH_GSTIN.lower(), "27ABCDE1234F1Z1")
    with kit.store.reader() as s:
        preview = csv_io.preview_import(s, kind="parties", text=bad)
    error = preview.bad_rows[0]
    assert error.line == 2 and error.error.field == "gstin"
    assert "check character" in error.error.message


# --- the demo data ---------------------------------------------------------------------------


def test_demo_data_has_hsn_codes_rates_and_valid_gstins(tmp_path):
    from sqlalchemy import select

    from hom.core.config import load_settings
    from hom.core.store import open_store
    from hom.models import Party, PrimaryOrder, Product, Site
    from hom.models.enums import OrderStatus
    from hom.services import demo, invoices, sites

    store = open_store(load_settings(tmp_path / "demo"), auto_backup=False)
    try:
        demo.load_demo(store, days=3)
        with store.reader() as s:
            made = list(s.scalars(select(Product)))
            assert all(check_hsn(p.hsn_code) == p.hsn_code != "" for p in made)
            assert {p.gst_rate for p in made} <= {r.quantize(Decimal("0.01")) for r in GST_RATES}
            soap = next(p for p in made if "bathing soap" in p.name)
            assert (soap.hsn_code, soap.gst_rate) == ("3401", Decimal("18.00"))
            distributors = list(s.scalars(select(Party).where(Party.kind == PartyKind.DISTRIBUTOR)))
            for party in distributors:
                assert check_gstin(party.gstin) == party.gstin
                state = next(
                    n for n in geography.path(s, party.territory_id) if n.level == GeoLevel.STATE
                )
                assert party.gstin[:2] == gst_state_code(state.name), party.code
            for site in s.scalars(select(Site).where(Site.gstin != "")):
                assert check_gstin(site.gstin) == site.gstin and site.legal_name
            ctx = sites.system_context(s)
            splits = set()
            for order in s.scalars(
                select(PrimaryOrder).where(PrimaryOrder.status == OrderStatus.DISPATCHED).limit(40)
            ):
                inv = invoices.invoice_for(s, ctx=ctx, level=OrderLevel.PRIMARY, order_id=order.id)
                assert inv.seller.gstin and inv.buyer.gstin and inv.lines
                assert inv.intra_state == (inv.seller.state_code == inv.buyer.state_code)
                splits.add(inv.intra_state)
            assert splits == {True, False}  # the demo has both kinds of supply
    finally:
        store.close()


def test_a_gstin_of_another_state_is_refused(kit):
    world = make_gst_world(kit)  # D-KA sits in Karnataka (29)
    with kit.session() as s:
        ka_territory = parties.get_party(s, world.ka).territory_id
        with pytest.raises(DomainError) as caught:
            parties.update_party(s, ctx=kit.ctx, party_id=world.ka, party_in={"gstin": MH_GSTIN})
    assert caught.value.field == "gstin"
    assert caught.value.message == (
        f"{MH_GSTIN} is registered in Maharashtra (state code 27), but the party's territory is "
        "in Karnataka (state code 29): check the GSTIN or the territory"
    )
    text = (
        "kind,code,name,territory_code,distributor_code,phone,address,active,gstin\n"
        f"distributor,D-X,X Traders,KA5,,,,true,{MH_GSTIN}\n"
    )
    with kit.store.reader() as s:
        assert geography.state_name(s, ka_territory) == "Karnataka"
        preview = csv_io.preview_import(s, kind="parties", text=text)
    assert preview.bad_rows[0].error.field == "gstin"
    assert "registered in Maharashtra" in preview.bad_rows[0].error.message
