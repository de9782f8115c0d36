"""The Money column stores exactly what it is given or refuses: no floats, nothing finer than
the currency's minor unit, never rounded silently."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from hom.models.product import Product
from tests.utils.builders import add_product


def _mrp(kit, sku: str) -> Decimal | None:
    with kit.store.reader() as s:
        return s.scalar(select(Product.mrp).where(Product.sku == sku))


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        (Decimal("45.005"), ValueError, "finer than the currency allows"),
        (Decimal("0.001"), ValueError, "finer than the currency allows"),
        (45.5, TypeError, "never a float"),
        (Decimal("NaN"), ValueError, "not an amount"),
    ],
)
def test_money_refuses_floats_and_values_finer_than_paise(kit, value, error, words):
    with pytest.raises(StatementError) as info, kit.session() as s:
        product = add_product(s, sku="EXACT")
        product.mrp = value
        s.flush()
    assert isinstance(info.value.orig, error)
    assert words in str(info.value.orig)
    assert _mrp(kit, "EXACT") is None  # nothing was written


@pytest.mark.parametrize("value", [Decimal("45.5"), Decimal("45.50"), Decimal("45"), 45, "0.01"])
def test_money_stores_exact_amounts_exactly(kit, value):
    with kit.session() as s:
        product = add_product(s, sku="EXACT")
        product.mrp = value
    assert _mrp(kit, "EXACT") == Decimal(value)
