"""The product master: SKU, prices, batch tracking, paging, type-ahead, permissions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hom.core.errors import DomainError, Duplicate, NotFound, PermissionDenied
from hom.crud import audit as audit_crud
from hom.crud import product as product_crud
from hom.services import products, stock
from tests.utils.builders import context_with


def product_in(sku: str = "SOAP-NEEM-100", **extra) -> dict:
    return {
        "sku": sku,
        "name": "Neem bathing soap 100 g",
        "category": "Personal care",
        "brand": "Herbashine",
        "pack_size": 72,
        "mrp": "45.00",
        "distributor_price": "34.50",
        "retailer_price": "39.00",
        **extra,
    }


def count(kit) -> int:
    with kit.store.reader() as s:
        return product_crud.count_all(s)


def create(kit, **data):
    with kit.session() as s:
        return products.create_product(s, ctx=kit.ctx, product_in=product_in(**data))


def refused_create(kit, error=DomainError, **data) -> DomainError:
    before = count(kit)
    with pytest.raises(error) as exc, kit.session() as s:
        products.create_product(s, ctx=kit.ctx, product_in=product_in(**data))
    assert count(kit) == before
    return exc.value


def test_create_keeps_sku_as_typed(kit):
    p = create(kit, sku="  Soap-Neem-100 ", unit="pcs", track_batches=True, shelf_life_days=730)
    assert (p.sku, p.sku_key) == ("Soap-Neem-100", "soap-neem-100")
    with kit.store.reader() as s:
        found = products.get_by_sku(s, "SOAP-NEEM-100")
        assert found.id == p.id
        assert found.mrp == Decimal("45.00")
        assert found.distributor_price == Decimal("34.50")
        public = products.to_public(found)
        assert public.retailer_price == Decimal("39.00")
        assert (public.pack_size, public.shelf_life_days, public.active) == (72, 730, True)
        entries = audit_crud.for_entity(s, entity="products", entity_id=p.id)
        assert [e.action for e in entries] == ["product.create"]
        with pytest.raises(NotFound) as exc:
            products.get_by_sku(s, "nope")
        assert exc.value.field == "sku"


def test_sku_unique_ignoring_case(kit):
    create(kit)
    err = refused_create(kit, Duplicate, sku="soap-neem-100")
    assert err.field == "sku"
    assert "already used" in err.message


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"name": ""}, "name", "at least 1 character"),
        ({"sku": ""}, "sku", "at least 1 character"),
        ({"sku": "SOAP 100"}, "sku", "letters, digits"),
        ({"pack_size": 0}, "pack_size", "greater than or equal to 1"),
        ({"mrp": "0"}, "mrp", "more than 0"),
        ({"retailer_price": "-1"}, "retailer_price", "more than 0"),
        ({"mrp": "45.005"}, "mrp", "at most 2 decimal places"),
        ({"distributor_price": "34.501"}, "distributor_price", "at most 2 decimal places"),
        ({"mrp": "abc"}, "mrp", "decimal"),
        ({"distributor_price": "39.50"}, "distributor_price", "retailer price (39.00)"),
        ({"retailer_price": "45.01", "distributor_price": "30"}, "retailer_price", "MRP (45.00)"),
        ({"track_batches": True}, "shelf_life_days", "batch-tracked"),
        ({"shelf_life_days": 0}, "shelf_life_days", "greater than 0"),
        ({"reorder_level": -1}, "reorder_level", "greater than or equal to 0"),
        ({"colour": "red"}, "colour", "Extra inputs"),
    ],
)
def test_create_refusals(kit, data, field, words):
    err = refused_create(kit, **data)
    assert err.field == field
    assert words in err.message


def test_prices_may_be_equal_and_trailing_zeros_are_fine(kit):
    p = create(kit, mrp="40.000", distributor_price="40", retailer_price=Decimal("40.0"))
    assert p.mrp == p.distributor_price == p.retailer_price == Decimal("40.00")


def test_update_product(kit):
    p = create(kit)
    other = create(kit, sku="SOAP-ROSE-75", name="Rose soap")
    with kit.session() as s:
        updated = products.update_product(
            s, ctx=kit.ctx, product_id=p.id, product_in={"sku": "NEEM-100", "mrp": "48.00"}
        )
        assert (updated.sku, updated.sku_key, updated.mrp) == (
            "NEEM-100",
            "neem-100",
            Decimal("48"),
        )
        # changing only the case of its own SKU is not a clash with itself
        products.update_product(s, ctx=kit.ctx, product_id=p.id, product_in={"sku": "neem-100"})
    with kit.store.reader() as s:
        assert products.get_by_sku(s, "NEEM-100").sku == "neem-100"
        entries = audit_crud.for_entity(s, entity="products", entity_id=p.id)
        assert [e.action for e in entries] == ["product.create", "product.update", "product.update"]
        assert entries[1].changes == {
            "sku": ["SOAP-NEEM-100", "NEEM-100"],
            "mrp": ["45.00", "48.00"],
        }

    def refused(data: dict) -> DomainError:
        with pytest.raises(DomainError) as exc, kit.session() as s:
            products.update_product(s, ctx=kit.ctx, product_id=p.id, product_in=data)
        return exc.value

    assert refused({"sku": "soap-rose-75"}).field == "sku"
    assert refused({"retailer_price": "49.00"}).field == "retailer_price"  # merged with mrp 48
    assert refused({"mrp": "38.99"}).field == "retailer_price"
    assert refused({"track_batches": True}).field == "shelf_life_days"
    assert refused({"name": None}).field == "name"
    assert refused({"mrp": "1.001"}).field == "mrp"
    with kit.session() as s:
        products.update_product(
            s,
            ctx=kit.ctx,
            product_id=p.id,
            product_in={"track_batches": True, "shelf_life_days": 90},
        )
    err = refused({"shelf_life_days": None})
    assert err.field == "shelf_life_days"
    with kit.store.reader() as s:
        again = products.get_product(s, p.id)
        assert (again.mrp, again.retailer_price, again.shelf_life_days) == (
            Decimal("48.00"),
            Decimal("39.00"),
            90,
        )
        assert products.get_product(s, other.id).sku == "SOAP-ROSE-75"


def test_batch_tracking_cannot_flip_with_stock_on_hand(kit):
    p = create(kit)
    with kit.session() as s:
        stock.receive(
            s,
            ctx=kit.ctx,
            receipt_in={"location_id": kit.location_id, "product_id": p.id, "quantity": 12},
        )
    with pytest.raises(DomainError) as exc, kit.session() as s:
        products.update_product(
            s,
            ctx=kit.ctx,
            product_id=p.id,
            product_in={"track_batches": True, "shelf_life_days": 30},
        )
    assert exc.value.field == "track_batches"
    assert "12 units are in stock without a batch" in exc.value.message
    with kit.store.reader() as s:
        assert products.get_product(s, p.id).track_batches is False


def test_set_active_and_type_ahead(kit):
    create(kit, sku="SOAP-NEEM-100", name="Neem soap")
    create(kit, sku="SOAP-ROSE-75", name="Rose soap")
    detergent = create(kit, sku="DET-BAR-250", name="Detergent bar with soap flakes")
    old = create(kit, sku="SOAP-OLD", name="Old soap")
    with kit.session() as s:
        assert products.set_active(s, ctx=kit.ctx, product_id=old.id, active=False).active is False
    with kit.store.reader() as s:
        skus = [p.sku for p in products.complete_products(s, "soap")]
        assert skus == ["SOAP-NEEM-100", "SOAP-ROSE-75", "DET-BAR-250"]  # SKU prefix first
        assert [p.sku for p in products.complete_products(s, "so", limit=1)] == ["SOAP-NEEM-100"]
        assert [p.id for p in products.complete_products(s, "flakes")] == [detergent.id]
        assert products.complete_products(s, "  ") == []
        assert products.complete_products(s, "%") == []
        actions = [e.action for e in audit_crud.for_entity(s, entity="products", entity_id=old.id)]
        assert actions == ["product.create", "product.deactivate"]


def test_page_count_and_categories(kit):
    for sku, name, category, mrp in (
        ("SOAP-NEEM-100", "Neem soap", "Personal care", "45"),
        ("SOAP-ROSE-75", "Rose soap", "personal care", "30"),
        ("TP-MINT-150", "Mint toothpaste", "Oral care", "95"),
        ("DET-BAR-250", "Detergent bar", "Home care", "28"),
        ("TEA_LEAF", "Assam tea", "", "285"),
    ):
        create(
            kit,
            sku=sku,
            name=name,
            category=category,
            mrp=mrp,
            distributor_price="20",
            retailer_price="25",
        )
    with kit.session() as s:
        products.set_active(
            s, ctx=kit.ctx, product_id=products.get_by_sku(s, "TP-MINT-150").id, active=False
        )
    with kit.store.reader() as s:

        def skus(**kw) -> list[str]:
            return [p.sku for p in products.page_products(s, **kw)]

        assert skus() == ["DET-BAR-250", "SOAP-NEEM-100", "SOAP-ROSE-75", "TEA_LEAF", "TP-MINT-150"]
        assert skus(search="soap") == ["SOAP-NEEM-100", "SOAP-ROSE-75"]
        assert skus(search="ROSE") == ["SOAP-ROSE-75"]
        assert skus(search="mint") == ["TP-MINT-150"]
        assert skus(search="_") == ["TEA_LEAF"]  # the underscore is matched literally
        assert skus(active=True, search="t") == ["DET-BAR-250", "TEA_LEAF"]
        assert skus(category="PERSONAL CARE") == ["SOAP-NEEM-100", "SOAP-ROSE-75"]
        assert skus(sort="mrp", descending=True, limit=2) == ["TEA_LEAF", "TP-MINT-150"]
        assert skus(sort="name", offset=1, limit=2) == ["DET-BAR-250", "TP-MINT-150"]
        assert products.count_products(s) == 5
        assert products.count_products(s, search="soap", active=True) == 2
        assert products.count_products(s, category="oral care") == 1
        assert products.categories(s) == [
            "Home care",
            "Oral care",
            "Personal care",
            "personal care",
        ]
        with pytest.raises(DomainError) as exc:
            products.page_products(s, sort="sku_key; DROP TABLE products")
        assert exc.value.field == "sort"
        assert "sort by one of sku, name" in exc.value.message


def test_writes_need_products_manage(kit):
    p = create(kit)
    clerk = context_with(kit.ctx, "stock.view", "parties.manage")
    before = count(kit)
    with pytest.raises(PermissionDenied) as exc, kit.session() as s:
        products.create_product(s, ctx=clerk, product_in=product_in("NEW-1"))
    assert "products.manage" in exc.value.message
    with pytest.raises(PermissionDenied), kit.session() as s:
        products.update_product(s, ctx=clerk, product_id=p.id, product_in={"mrp": "99"})
    with pytest.raises(PermissionDenied), kit.session() as s:
        products.set_active(s, ctx=clerk, product_id=p.id, active=False)
    assert count(kit) == before
    with kit.store.reader() as s:
        again = products.get_product(s, p.id)
        assert (again.mrp, again.active) == (Decimal("45.00"), True)


def test_a_decimal_comma_in_a_price_says_how_to_write_it():
    from hom.core.errors import ValidationFailed
    from hom.schemas.base import validate
    from hom.schemas.product import ProductCreate

    with pytest.raises(ValidationFailed) as info:
        validate(
            ProductCreate,
            {
                "sku": "X-1",
                "name": "x",
                "mrp": "45,50",
                "distributor_price": "30",
                "retailer_price": "40",
            },
        )
    assert info.value.field == "mrp"
    assert "use a point for decimals" in info.value.message
