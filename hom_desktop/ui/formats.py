"""How numbers, money and dates read on screen: the user's locale (en-IN by default), never ISO.

Files and the command line keep ISO dates and plain decimals; only what a person reads on screen
goes through here. Babel formats a ``Decimal`` exactly (no float on the way), with Indian digit
grouping for en-IN: ``₹1,23,456.00``, ``1,23,45,678``, ``01-12-2026``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_currency, format_decimal

DEFAULT_LOCALE = "en_IN"
_DATE_PATTERNS = {"en_IN": "%d-%m-%Y"}
DATE_INPUT = "dd-MM-yyyy"
"""How a date field shows and takes a date (Qt's pattern for ``%d-%m-%Y``)."""


def money(value: Decimal | int | None, currency: str = "INR", locale: str = DEFAULT_LOCALE) -> str:
    """``₹1,23,456.00``; empty for a missing value."""
    if value is None:
        return ""
    return format_currency(Decimal(value), currency, locale=locale)


def amount(value: Decimal | int | None, locale: str = DEFAULT_LOCALE) -> str:
    """``1,23,456.00``: money without the symbol, for a column headed with the currency."""
    if value is None:
        return ""
    pattern = "#,##,##0.00" if locale.endswith("_IN") else "#,##0.00"
    return format_decimal(Decimal(value), format=pattern, locale=locale)


def quantity(value: int | None, locale: str = DEFAULT_LOCALE) -> str:
    """``1,23,456`` (Indian grouping for en-IN); empty for a missing value."""
    if value is None:
        return ""
    return format_decimal(value, locale=locale)


def day(value: date | datetime | None, locale: str = DEFAULT_LOCALE) -> str:
    """A date as the locale writes it (``01-12-2026`` for en-IN); a datetime shows in local time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone().date()
    return value.strftime(_DATE_PATTERNS.get(locale, "%d-%m-%Y"))


def moment(value: datetime | None, locale: str = DEFAULT_LOCALE) -> str:
    """A UTC timestamp shown in local time: ``01-12-2026 14:05``."""
    if value is None:
        return ""
    local = value.astimezone()
    return f"{day(local.date(), locale)} {local:%H:%M}"


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``1 line``, ``2 lines``, ``1,00,000 rows``: the count grouped, the noun agreeing."""
    return f"{quantity(n)} {noun if n == 1 else many or noun + 's'}"
