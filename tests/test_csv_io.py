"""CSV import (preview, then apply) and export of products, geography and parties."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest

from hom.core.errors import CsvRowError, DomainError, PermissionDenied
from hom.crud import audit as audit_crud
from hom.crud import geography as geo_crud
from hom.crud import party as party_crud
from hom.crud import product as product_crud
from hom.models.enums import GeoLevel, PartyKind
from hom.services import csv_io, geography, parties, products
from tests.utils.builders import context_with, product_cells

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "sample_data"
PRODUCT_HEADER = (
    "sku,name,category,brand,unit,pack_size,mrp,distributor_price,retailer_price,active,"
    "track_batches,shelf_life_days,reorder_level"
)
GEO_HEADER = "level,code,name,parent_code"
PARTY_HEADER = "kind,code,name,territory_code,distributor_code,phone,address,active"


def product_row(sku: str, **over: str) -> str:
    cells = product_cells(sku, **over)
    return ",".join(cells[c] for c in PRODUCT_HEADER.split(","))


def csv_text(header: str, *rows: str) -> str:
    return "\n".join([header, *rows]) + "\n"


def preview(kit, kind: str, text: str) -> csv_io.ImportPreview:
    with kit.store.reader() as s:
        return csv_io.preview_import(s, kind=kind, text=text)


def apply(kit, pv: csv_io.ImportPreview, ctx=None) -> csv_io.ImportResult:
    with kit.session() as s:
        return csv_io.apply_import(s, ctx=ctx or kit.ctx, preview=pv)


def import_text(kit, kind: str, text: str) -> csv_io.ImportResult:
    pv = preview(kit, kind, text)
    assert pv.ok, [(r.line, r.error) for r in pv.bad_rows] or pv.header_errors
    return apply(kit, pv)


def counts(kit) -> tuple[int, int, int]:
    with kit.store.reader() as s:
        return product_crud.count_all(s), geo_crud.count(s), party_crud.count(s)


def export(kit, kind: str, ctx=None) -> str:
    with kit.store.reader() as s:
        return csv_io.export_csv(s, ctx=ctx or kit.ctx, kind=kind)


def load_samples(kit) -> None:
    for kind in ("geography", "parties", "products"):
        import_text(kit, kind, (SAMPLES / f"{kind}.csv").read_text(encoding="utf-8"))


# --- the sample files and the round trip ------------------------------------------------------


def test_sample_files_import_and_round_trip(kit):
    load_samples(kit)
    assert counts(kit) == (10, 18, 10)
    with kit.store.reader() as s:
        soap = products.get_by_sku(s, "soap-neem-100")
        assert (soap.mrp, soap.track_batches, soap.shelf_life_days) == (Decimal("45.00"), True, 730)
        assert products.get_by_sku(s, "DET-PWD-500").active is False
        retailer = parties.get_party_by_code(s, "RET-LKO-002")
        assert parties.get_party(s, retailer.distributor_id).code == "DIST-LKO-01"
        assert geography.path_text(s, retailer.territory_id) == (
            "North > Uttar Pradesh > Central UP > Lucknow > Lucknow West"
        )
        assert parties.get_party_by_code(s, "RET-BLR-001").address == (
            "4th Block, Jayanagar, Bengaluru"
        )
        entries = audit_crud.for_entity(s, entity="products", entity_id=soap.id)
        assert [e.action for e in entries] == ["product.create"]
    for kind, total in (("geography", 18), ("parties", 10), ("products", 10)):
        text = export(kit, kind)
        assert text.splitlines()[0] == ",".join(csv_io.COLUMNS[kind])
        pv = preview(kit, kind, text)
        assert pv.ok
        assert pv.counts() == {"create": 0, "update": 0, "unchanged": total, "error": 0}
        assert apply(kit, pv) == csv_io.ImportResult(created=0, updated=0, unchanged=total)
    assert counts(kit) == (10, 18, 10)


def test_export_orders_parents_and_distributors_first_and_loads_an_empty_store(kit, tmp_path):
    load_samples(kit)
    files = {kind: export(kit, kind) for kind in ("geography", "parties", "products")}
    geo_lines = files["geography"].splitlines()
    assert geo_lines[1] == "zone,ZN-N,North,"
    assert geo_lines[-1].startswith("territory,")
    assert files["parties"].splitlines()[1].startswith("distributor,")
    assert '"12 Hazratganj, Lucknow 226001"' in files["parties"]
    assert (
        "SOAP-NEEM-100,Neem bathing soap 100 g,Personal care,Herbashine,pcs,72,"
        "45.00,34.50,39.00,true,true,730,200"
    ) in files["products"]
    from tests.utils.builders import make_store

    other = make_store(tmp_path / "other", site_code="DEP02")
    try:
        for kind in ("geography", "parties", "products"):
            assert import_text(other, kind, files[kind]).created > 0
        for kind in ("geography", "parties", "products"):
            assert export(other, kind) == files[kind]
    finally:
        other.store.close()


# --- header and file shape ---------------------------------------------------------------------


def test_header_errors_name_the_columns(kit):
    pv = preview(kit, "products", "sku,name,colour,mrp\nA,B,red,1\n")
    assert not pv.ok
    messages = {e.field: e.message for e in pv.header_errors}
    assert "unknown column 'colour'" in messages["colour"]
    assert messages["retailer_price"] == "missing column 'retailer_price'"
    assert "distributor_price" in messages and "shelf_life_days" in messages
    assert pv.rows == []
    with pytest.raises(CsvRowError) as exc:
        apply(kit, pv)
    assert exc.value.line == 1
    assert exc.value.field == "colour"
    assert "nothing was imported" in exc.value.message
    empty = preview(kit, "geography", "\n\n")
    assert "the file is empty" in empty.header_errors[0].message
    twice = preview(kit, "geography", "level,code,name,parent_code,code\n")
    assert twice.header_errors[0] == csv_io.FieldError(
        "code", "column 'code' appears more than once"
    )
    with pytest.raises(DomainError) as exc, kit.store.reader() as s:
        csv_io.preview_import(s, kind="orders", text="a\n")
    assert exc.value.field == "kind"


def test_header_is_case_and_space_tolerant_and_bom_is_ignored(kit):
    header = "\ufeff" + " , ".join(c.upper() for c in PRODUCT_HEADER.split(",")) + ",,"
    pv = preview(kit, "products", csv_text(header, product_row("A-1")))
    assert pv.ok
    assert pv.rows[0].values["sku"] == "A-1"
    assert csv_io.decode(("\ufeff" + PRODUCT_HEADER).encode("utf-8")) == PRODUCT_HEADER
    assert csv_io.decode("café".encode("cp1252"), "cp1252") == "café"


def test_malformed_rows_report_their_line(kit):
    text = csv_text(
        PRODUCT_HEADER,
        product_row("OK-1"),
        "",  # a blank line is skipped but still counted
        product_row("BAD-1", mrp="4O.00"),  # letter O for zero: line 4
        "SHORT-1,only three,cells",  # line 5
        product_row("OK-2", name='"Soap, with\na comma and a newline"'),  # lines 6-7
        product_row("OK-3") + ",,",  # trailing empty cells from a spreadsheet are ignored
        product_row("OK-4") + ",extra",  # line 9
        product_row("BAD-2", track_batches="maybe"),  # line 10
    )
    pv = preview(kit, "products", text)
    by_line = {r.line: r for r in pv.rows}
    assert sorted(by_line) == [2, 4, 5, 6, 8, 9, 10]
    assert by_line[4].error.field == "mrp"
    assert "digits 0-9" in by_line[4].error.message
    assert by_line[5].error.field is None
    assert "has 3 values but the header has 13 columns" in by_line[5].error.message
    # A quoted line break is read as part of the cell, and a name may not hold one.
    assert by_line[6].error.field == "name" and "line break" in by_line[6].error.message
    assert by_line[8].ok
    assert "has 14 values" in by_line[9].error.message
    assert by_line[10].error.field == "track_batches"
    assert "true or false" in by_line[10].error.message
    assert pv.counts() == {"create": 2, "update": 0, "unchanged": 0, "error": 5}
    with pytest.raises(CsvRowError) as exc:
        apply(kit, pv)
    assert (exc.value.line, exc.value.field) == (4, "mrp")
    assert str(exc.value).startswith("mrp: line 4:")
    assert counts(kit)[0] == 0  # the good rows were not written either


def test_broken_quoting_stops_at_the_row_it_starts_on(kit):
    text = csv_text(
        PRODUCT_HEADER, product_row("OK-1"), 'X-1,"unterminated,Cat', product_row("OK-2")
    )
    pv = preview(kit, "products", text)
    assert [r.line for r in pv.rows] == [2, 3]
    assert pv.rows[1].error.field is None
    assert "malformed CSV" in pv.rows[1].error.message
    assert pv.first_error() == (3, pv.rows[1].error)
    stray = preview(kit, "products", csv_text(PRODUCT_HEADER, '"A"B,' + product_row("X")[2:]))
    assert stray.rows[0].line == 2 and "malformed CSV" in stray.rows[0].error.message


# --- products ----------------------------------------------------------------------------------


def test_product_rows_validate_like_the_service(kit):
    text = csv_text(
        PRODUCT_HEADER,
        product_row("P-1", active="Yes", track_batches="1", shelf_life_days="365"),
        product_row("P-2", active="no", unit="", pack_size="", reorder_level=""),
        product_row("p-1"),  # the same SKU again, ignoring case
        product_row("P-3", mrp="45.001"),
        product_row("P-4", distributor_price="40.00"),
        product_row("P-5", track_batches="true"),
        product_row("P-6", name=""),
        product_row("P-7", pack_size="0"),
    )
    pv = preview(kit, "products", text)
    rows = {r.line: r for r in pv.rows}
    assert rows[2].values["active"] is True and rows[2].values["track_batches"] is True
    assert (rows[3].values["unit"], rows[3].values["pack_size"], rows[3].values["active"]) == (
        "pcs",
        1,
        False,
    )
    assert rows[2].values["mrp"] == Decimal("45.00")
    expected = {
        4: ("sku", "already on line 2"),
        5: ("mrp", "at most 2 decimal places"),
        6: ("distributor_price", "retailer price (39.00)"),
        7: ("shelf_life_days", "batch-tracked"),
        8: ("name", "is required"),
        9: ("pack_size", "greater than or equal to 1"),
    }
    for line, (field, words) in expected.items():
        assert rows[line].error.field == field, line
        assert words in rows[line].error.message, line
        assert rows[line].action is None


def test_product_rows_update_by_sku(kit):
    import_text(kit, "products", csv_text(PRODUCT_HEADER, product_row("P-1"), product_row("P-2")))
    pv = preview(
        kit,
        "products",
        csv_text(
            PRODUCT_HEADER,
            product_row("p-1", name="P-1 name", mrp="48.00"),  # the SKU as typed changes too
            product_row("P-2"),
            product_row("P-3"),
        ),
    )
    assert [r.action for r in pv.rows] == ["update", "unchanged", "create"]
    assert pv.rows[0].changes == {
        "sku": ("P-1", "p-1"),
        "mrp": (Decimal("45.00"), Decimal("48.00")),
    }
    assert apply(kit, pv) == csv_io.ImportResult(created=1, updated=1, unchanged=1)
    with kit.store.reader() as s:
        p1 = products.get_by_sku(s, "P-1")
        assert (p1.sku, p1.mrp) == ("p-1", Decimal("48.00"))
        actions = [e.action for e in audit_crud.for_entity(s, entity="products", entity_id=p1.id)]
        assert actions == ["product.create", "product.update"]


def test_a_failure_while_applying_keeps_nothing(kit):
    """A preview that was clean, then the store changed: the import fails as a whole."""
    import_text(kit, "products", csv_text(PRODUCT_HEADER, product_row("OLD-1")))
    pv = preview(
        kit,
        "products",
        csv_text(
            PRODUCT_HEADER,
            product_row("OLD-1", mrp="50.00"),
            product_row("NEW-1"),
            product_row("NEW-2"),
        ),
    )
    assert pv.ok
    with kit.session() as s:  # someone else adds NEW-2 after the preview
        products.create_product(
            s,
            ctx=kit.ctx,
            product_in={
                "sku": "new-2",
                "name": "Competing entry",
                "mrp": "10",
                "distributor_price": "8",
                "retailer_price": "9",
            },
        )
    with pytest.raises(CsvRowError) as exc:
        apply(kit, pv)
    assert (exc.value.line, exc.value.field) == (4, "sku")
    assert "store changed since the preview" in exc.value.message
    with kit.store.reader() as s:
        assert product_crud.count_all(s) == 2  # OLD-1 and the competing NEW-2 only
        assert products.get_by_sku(s, "OLD-1").mrp == Decimal("45.00")  # its update rolled back
        assert product_crud.get_by_sku(s, "NEW-1") is None
    # the same happens for a row written one at a time
    geo = preview(kit, "geography", csv_text(GEO_HEADER, "zone,ZN-A,Alpha,", "zone,ZN-B,Beta,"))
    with kit.session() as s:
        geography.create_node(s, ctx=kit.ctx, node_in={"level": 1, "code": "ZN-X", "name": "beta"})
    with pytest.raises(CsvRowError) as exc:
        apply(kit, geo)
    assert (exc.value.line, exc.value.field) == (3, "name")
    with kit.store.reader() as s:
        assert [n.code for n in geography.children(s, None)] == ["ZN-X"]


def test_import_of_a_thousand_products_is_fast(kit):
    rows = [
        product_row(
            f"SKU-{i:05d}",
            mrp=f"{50 + i % 50}.50",
            track_batches="true" if i % 2 else "false",
            shelf_life_days="365" if i % 2 else "",
        )
        for i in range(1000)
    ]
    text = csv_text(PRODUCT_HEADER, *rows)
    started = time.perf_counter()
    result = import_text(kit, "products", text)
    elapsed = time.perf_counter() - started
    assert result == csv_io.ImportResult(created=1000, updated=0, unchanged=0)
    assert elapsed < 3.0, f"1,000 rows took {elapsed:.2f}s"
    started = time.perf_counter()
    again = preview(kit, "products", export(kit, "products"))
    assert again.counts()["unchanged"] == 1000
    assert time.perf_counter() - started < 2.0


# --- geography ---------------------------------------------------------------------------------


def test_geography_rows(kit):
    import_text(
        kit,
        "geography",
        csv_text(
            GEO_HEADER, "zone,ZN-N,North,", "state,ST-UP,Uttar Pradesh,ZN-N", "zone,ZN-S,South,"
        ),
    )
    pv = preview(
        kit,
        "geography",
        csv_text(
            GEO_HEADER,
            "state,ST-UP,UP,ZN-S",  # 2: rename and move
            "region,rg-c,Central,st-up",  # 3: parent defined in the store, codes upper-cased
            "area,AR-1,Lucknow,RG-C",  # 4: parent defined on an earlier line
            "territory,TR-1,East,AR-LATER",  # 5: parent defined later
            "area,AR-LATER,Kanpur,RG-C",  # 6
            "territory,TR-2,West,AR-9",  # 7: unknown parent
            "region,RG-2,Wrong,ZN-S",  # 8: parent two levels up
            "zone,ZN-X,X,ZN-N",  # 9: a zone with a parent
            "state,ZN-N,North,",  # 10: level change
            "area,AR-2,lucknow,RG-C",  # 11: sibling name clash with line 4
            "county,C-1,X,",  # 12: unknown level
            "area,AR-1,Again,RG-C",  # 13: same code twice
            "territory,TR-3,North,AR-1",  # 14: fine
            "zone,ZN-Y,,",  # 15: name missing
        ),
    )
    rows = {r.line: r for r in pv.rows}
    assert rows[2].action == "update"
    assert rows[2].changes == {"name": ("Uttar Pradesh", "UP"), "parent_code": ("ZN-N", "ZN-S")}
    assert rows[3].action == "create" and rows[3].values["parent_code"] == "ST-UP"
    assert rows[3].values["level"] == GeoLevel.REGION
    assert rows[4].action == "create"
    assert rows[6].action == "create"
    assert rows[14].action == "create"
    expected = {
        5: ("parent_code", "defined later, on line 6"),
        7: ("parent_code", "unknown parent code AR-9"),
        8: ("parent_code", "must be a state; ZN-S is a zone"),
        9: ("parent_code", "a zone is the top of the tree"),
        10: ("level", "ZN-N is a zone; a node's level cannot change"),
        11: ("name", "already has a node named 'lucknow'"),
        12: ("level", "must be one of zone"),
        13: ("code", "already on line 4"),
        15: ("name", "is required"),
    }
    for line, (field, words) in expected.items():
        assert rows[line].error.field == field, line
        assert words in rows[line].error.message, (line, rows[line].error.message)
    before = counts(kit)
    with pytest.raises(CsvRowError) as exc:
        apply(kit, pv)
    assert (exc.value.line, exc.value.field) == (5, "parent_code")
    assert counts(kit) == before

    good = preview(
        kit,
        "geography",
        csv_text(
            GEO_HEADER,
            "state,ST-UP,UP,ZN-S",
            "region,RG-C,Central,ST-UP",
            "area,AR-1,Lucknow,RG-C",
            "territory,TR-1,East,AR-1",
            "state,ST-UP2,Uttar Pradesh,ZN-N",  # the old name is free again after the move
        ),
    )
    assert good.ok, [(r.line, r.error) for r in good.bad_rows]
    assert apply(kit, good) == csv_io.ImportResult(created=4, updated=1, unchanged=0)
    with kit.store.reader() as s:
        tr = geography.get_node_by_code(s, "TR-1")
        assert geography.path_text(s, tr.id) == "South > UP > Central > Lucknow > East"


# --- parties -----------------------------------------------------------------------------------


@pytest.fixture
def territories(kit):
    import_text(kit, "geography", (SAMPLES / "geography.csv").read_text(encoding="utf-8"))


def test_party_rows(kit, territories):
    import_text(
        kit,
        "parties",
        csv_text(
            PARTY_HEADER,
            "distributor,D-OLD,Old Traders,TR-LKO-01,,,,false",
            "retailer,R-OLD,Old Retailer,TR-LKO-01,,,,true",
        ),
    )
    pv = preview(
        kit,
        "parties",
        csv_text(
            PARTY_HEADER,
            'distributor,d-1,Awadh Traders,tr-lko-01,,+91 522 401,"Hazratganj, Lucknow",yes',  # 2
            "retailer,R-1,Sharma Store,TR-LKO-02,D-1,,,",  # 3: distributor from line 2
            "retailer,R-2,Gupta,TR-LKO-02,D-2,,,true",  # 4: distributor defined later
            "distributor,D-2,Ganga,TR-KNP-01,,,,true",  # 5
            "retailer,R-3,Verma,TR-LKO-02,D-OLD,,,true",  # 6: inactive distributor
            "retailer,R-4,Verma,TR-LKO-02,R-1,,,true",  # 7: a retailer is no distributor
            "distributor,D-3,Third,TR-KNP-01,D-2,,,true",  # 8: a distributor's distributor
            "retailer,R-5,Five,AR-LKO,,,,true",  # 9: an area, not a territory
            "retailer,R-6,Six,TR-NOPE,,,,true",  # 10: unknown territory
            "distributor,R-OLD,Old Retailer,TR-LKO-01,,,,true",  # 11: kind change
            "retailer,R-7,Seven,TR-LKO-01,D-9,,,true",  # 12: unknown distributor
            "wholesaler,W-1,W,TR-LKO-01,,,,true",  # 13: unknown kind
            "retailer,R-8,Eight,TR-LKO-01,,phone?,,true",  # 14: bad phone
            "retailer,R-OLD,Old Retailer,TR-LKO-02,D-1,,,true",  # 15: update of R-OLD
            "retailer,R-1,Again,TR-LKO-02,,,,true",  # 16: same code twice
        ),
    )
    rows = {r.line: r for r in pv.rows}
    for line in (2, 3, 5):
        assert rows[line].action == "create", (line, rows[line].error)
    assert rows[2].values["code"] == "D-1" and rows[2].values["territory_code"] == "TR-LKO-01"
    assert rows[3].values["active"] is True  # an empty boolean takes the default
    assert rows[15].action == "update"
    assert rows[15].changes == {
        "territory_code": ("TR-LKO-01", "TR-LKO-02"),
        "distributor_code": (None, "D-1"),
    }
    expected = {
        4: ("distributor_code", "defined later, on line 5"),
        6: ("distributor_code", "D-OLD is inactive"),
        7: ("distributor_code", "must be a distributor; R-1 is a retailer"),
        8: ("distributor_code", "a distributor has no distributor"),
        9: ("territory_code", "AR-LKO (Lucknow) is a area, not a territory"),
        10: ("territory_code", "unknown territory code TR-NOPE"),
        11: ("kind", "R-OLD is a retailer; a party's kind cannot change"),
        12: ("distributor_code", "unknown distributor code D-9"),
        13: ("kind", "must be distributor or retailer"),
        14: ("phone", "only digits"),
        16: ("code", "already on line 3"),
    }
    for line, (field, words) in expected.items():
        assert rows[line].error.field == field, line
        assert words in rows[line].error.message, (line, rows[line].error.message)
    before = counts(kit)
    with pytest.raises(CsvRowError) as exc:
        apply(kit, pv)
    assert (exc.value.line, exc.value.field) == (4, "distributor_code")
    assert counts(kit) == before

    good = preview(
        kit,
        "parties",
        csv_text(
            PARTY_HEADER,
            'distributor,D-1,Awadh Traders,TR-LKO-01,,+91 522 401,"Hazratganj, Lucknow",true',
            "retailer,R-1,Sharma Store,TR-LKO-02,D-1,,,true",
            "retailer,R-OLD,Old Retailer,TR-LKO-02,D-1,,,true",
            "distributor,D-OLD,Old Traders,TR-LKO-01,,,,false",
            "retailer,R-2,Two,TR-LKO-02,,,,false",
        ),
    )
    assert good.ok, [(r.line, r.error) for r in good.bad_rows]
    assert apply(kit, good) == csv_io.ImportResult(created=3, updated=1, unchanged=1)
    with kit.store.reader() as s:
        r_old = parties.get_party_by_code(s, "R-OLD")
        d1 = parties.get_party_by_code(s, "D-1")
        assert r_old.distributor_id == d1.id
        assert d1.kind == PartyKind.DISTRIBUTOR and d1.address == "Hazratganj, Lucknow"
        assert parties.get_party_by_code(s, "R-2").active is False


def test_deactivating_a_distributor_earlier_in_the_file_blocks_new_links(kit, territories):
    import_text(kit, "parties", csv_text(PARTY_HEADER, "distributor,D-1,Awadh,TR-LKO-01,,,,true"))
    pv = preview(
        kit,
        "parties",
        csv_text(
            PARTY_HEADER,
            "distributor,D-1,Awadh,TR-LKO-01,,,,false",
            "retailer,R-1,Sharma,TR-LKO-01,D-1,,,true",
        ),
    )
    assert pv.rows[0].action == "update"
    assert pv.rows[1].error.field == "distributor_code"
    assert "inactive" in pv.rows[1].error.message


# --- permissions -------------------------------------------------------------------------------


def test_import_and_export_permissions(kit):
    pv = preview(kit, "products", csv_text(PRODUCT_HEADER, product_row("P-1")))
    assert pv.ok
    for ctx, missing in (
        (context_with(kit.ctx, "products.manage"), "data.import"),
        (context_with(kit.ctx, "data.import"), "products.manage"),
    ):
        with pytest.raises(PermissionDenied) as exc:
            apply(kit, pv, ctx=ctx)
        assert missing in exc.value.message
    assert counts(kit) == (0, 0, 0)
    assert apply(kit, pv, ctx=context_with(kit.ctx, "data.import", "products.manage")).created == 1
    with pytest.raises(PermissionDenied) as exc:
        export(kit, "products", ctx=context_with(kit.ctx, "products.manage"))
    assert "data.export" in exc.value.message
    text = export(kit, "products", ctx=context_with(kit.ctx, "data.export"))
    assert text.splitlines()[1].startswith("P-1,")
