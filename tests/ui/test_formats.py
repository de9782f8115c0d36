"""Screen formats: Indian digit grouping and day-month-year dates, exact for Decimal money."""

from datetime import UTC, date, datetime
from decimal import Decimal

from hom_desktop.ui import formats


def test_money_reads_with_the_rupee_sign_and_lakh_grouping():
    assert formats.money(Decimal("123456")) == "₹1,23,456.00"
    assert formats.money(Decimal("12345678.5")) == "₹1,23,45,678.50"
    assert formats.money(None) == ""


def test_money_never_goes_through_float():
    assert formats.money(Decimal("1000000000000000.01")) == "₹1,00,00,00,00,00,00,000.01"


def test_quantities_and_dates():
    assert formats.quantity(1234567) == "12,34,567"
    assert formats.day(date(2026, 12, 1)) == "01-12-2026"
    assert formats.moment(datetime(2026, 12, 1, 6, 30, tzinfo=UTC)).startswith("01-12-2026")
