"""The read-only queries behind the screens (services/reports.py): filters, sorting, paging."""

from __future__ import annotations

import pytest

from hom.core.errors import NotFound
from hom.services import reports
from tests.ui.helpers import second_location, stocked_products


def test_stock_rows_filter_sort_and_page_in_sql(kit):
    made = stocked_products(
        kit,
        [5, 0, 50, 20],
        reorder_levels=[10, 3, 0, 0],
        names=["Neem soap", "Rose soap", "Neem oil", "Tea 100%_pack"],
    )
    with kit.store.reader() as s:
        rows = reports.stock_rows(s)
        # The product never stocked (0, reorder 3) has no balance row; zero rows without a
        # reorder level would be left out too.
        assert [r.sku for r in rows] == [made[0][1], made[2][1], made[3][1]]
        assert [r.low for r in rows] == [True, False, False]
        by_qty = reports.stock_rows(s, sort="quantity", descending=True)
        assert [r.quantity for r in by_qty] == [50, 20, 5]
        assert [r.quantity for r in reports.stock_rows(s, sort="quantity", limit=2, offset=2)] == [
            50
        ]
        assert {r.product_name for r in reports.stock_rows(s, search="NEEM")} == {
            "Neem soap",
            "Neem oil",
        }
        assert [r.product_name for r in reports.stock_rows(s, search="100%_")] == ["Tea 100%_pack"]
        assert reports.stock_rows(s, search="%soap") == []  # wildcards are matched literally
        assert reports.stock_row_count(s) == 3
        assert reports.stock_row_count(s, low_only=True) == 1
        with pytest.raises(ValueError, match="unknown sort key"):
            reports.stock_rows(s, sort="price")


def test_stock_rows_by_location(kit):
    stocked_products(kit, [5])
    other = second_location(kit)
    with kit.store.reader() as s:
        assert reports.stock_rows(s, location_ids=[other]) == []
        assert len(reports.stock_rows(s, location_ids=[kit.location_id])) == 1
        assert len(reports.stock_rows(s, site_id=kit.site_id)) == 1


def test_find_product_by_sku_label_or_unique_name(kit):
    (pid, sku), _ = stocked_products(kit, [1, 1], names=["Neem soap", "Rose soap"])
    with kit.store.reader() as s:
        assert reports.find_product(s, text=sku.lower()).id == pid
        assert reports.find_product(s, text=f"{sku} — Neem soap").id == pid
        assert reports.find_product(s, text="neem").id == pid
        with pytest.raises(NotFound, match="several names match") as err:
            reports.find_product(s, text="soap")
        assert err.value.field == "product_id"
        with pytest.raises(NotFound, match="no product with SKU 'ZZZ'"):
            reports.find_product(s, text="ZZZ")
        with pytest.raises(NotFound, match="no batch 'B-1' of this product") as err:
            reports.find_batch(s, product_id=pid, code="b-1")
        assert err.value.field == "batch_id"
        choices = reports.product_choices(s, search="soap")
        assert [c.label for c in choices] == [f"{sku} — Neem soap", f"{_[1]} — Rose soap"]


def test_pending_sync_counts_outbox_rows(kit):
    with kit.store.reader() as s:
        before = reports.pending_sync_count(s)
    stocked_products(kit, [1, 2, 3])
    with kit.store.reader() as s:
        assert reports.pending_sync_count(s) == before + 3


def test_reorder_levels_are_watched_at_company_stores_not_distributor_stock_points(kit):
    from hom.models.enums import LocationKind, PartyKind
    from hom.models.party import Party
    from hom.services import geography, stock
    from tests.utils.builders import add_location

    ((pid, _sku),) = stocked_products(kit, [4], reorder_levels=[10])
    with kit.session() as s:
        parent = None
        for level, code in enumerate(["Z", "Z-S", "Z-S-R", "Z-S-R-A", "Z-S-R-A1"], start=1):
            parent = geography.create_node(
                s,
                ctx=kit.ctx,
                node_in={"level": level, "code": code, "name": code, "parent_id": parent},
            ).id
        dist = Party(kind=PartyKind.DISTRIBUTOR, code="D1", name="Dist", territory_id=parent)
        s.add(dist)
        s.flush()
        point = add_location(
            s, kit.ctx, site_id=kit.site_id, kind=LocationKind.DISTRIBUTOR_STOCK, party_id=dist.id
        )
        stock.receive(
            s, ctx=kit.ctx, receipt_in={"location_id": point, "product_id": pid, "quantity": 2}
        )
    with kit.store.reader() as s:
        rows = {r.location_id: r for r in reports.stock_rows(s)}
        assert rows[kit.location_id].low and rows[kit.location_id].reorder_level == 10
        assert not rows[point].low and rows[point].reorder_level == 0
        assert [r.location_id for r in reports.stock_rows(s, low_only=True)] == [kit.location_id]
        assert reports.stock_rows(s, sort="reorder_level", descending=True)[0].reorder_level == 10
