"""Declarative base, column types and mixins shared by every model.

Every row that syncs carries a UUIDv7 made where it is created, UTC timestamps, and who created it
on which installation. Money is stored as integer minor units (cents, paise) so SQLite, which has
no exact decimal type, never rounds it; Python code only ever sees ``Decimal``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from sqlalchemy import BigInteger, DateTime, MetaData, Text, Uuid, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from hom.core.clock import utcnow
from hom.core.folding import fold, search_key
from hom.core.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MONEY_SCALE = 2
_MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, stored as naive UTC (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def to_money(value: Decimal | int | str) -> Decimal:
    """A Decimal rounded half-up to the money scale (2 places)."""
    return Decimal(value).quantize(_MONEY_QUANTUM, rounding=ROUND_HALF_UP)


class Money(TypeDecorator[Decimal]):
    """Exact money: ``Decimal`` in Python, integer minor units in the database.

    It stores exactly what it is given or refuses: a float (binary, never exact) and a value
    finer than the currency's minor unit (₹1.005) raise instead of being rounded silently.
    Rounding is a business rule, done where the amount is computed (``to_money``).
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | str | None, dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, float | bool):
            raise TypeError(
                f"money must be a Decimal, never a {type(value).__name__} ({value!r}): "
                "write Decimal('12.50')"
            )
        amount = Decimal(value)
        if not amount.is_finite():
            raise ValueError(f"{value} is not an amount of money")
        minor = amount.scaleb(MONEY_SCALE)
        if minor != minor.to_integral_value():
            raise ValueError(
                f"{value} is finer than the currency allows ({MONEY_SCALE} decimal places): "
                "round it where it is computed"
            )
        return int(minor)

    def process_result_value(self, value: int | None, dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-MONEY_SCALE).quantize(_MONEY_QUANTUM)


class Percent(Money):
    """An exact percentage with two decimal places (a GST rate: 18.00, 0.25), stored as an
    integer of hundredths like money; None means not set."""

    cache_ok = True


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OriginMixin:
    """Who made the row and on which installation (ids, not foreign keys: users and installations
    of other sites may not be in this store)."""

    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    installation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class SyncedMixin(IdMixin, TimestampMixin, OriginMixin):
    """Columns every synced row carries."""


# Folded text sorts byte by byte on both databases: PostgreSQL's "C" collation is SQLite's BINARY.
FoldedText = Text().with_variant(Text(collation="C"), "postgresql")


class SearchableMixin:
    """A folded copy of the row's text, kept by the model whenever the row is written.

    ``search_key`` holds the folded ``__search_fields__`` (searched word by word, see
    ``hom.crud.search``); ``sort_key`` the folded ``__sort_field__``, the order people read a
    list in (Åland beside Albania). Both are refreshed before every INSERT and UPDATE the ORM
    flushes, so no service or crud can forget them.
    """

    __search_fields__: ClassVar[tuple[str, ...]] = ("name",)
    __sort_field__: ClassVar[str] = "name"

    search_key: Mapped[str] = mapped_column(FoldedText, default="")
    sort_key: Mapped[str] = mapped_column(FoldedText, default="", index=True)

    @classmethod
    def text_keys_of(cls, values: Mapping[str, Any]) -> dict[str, str]:
        """The folded keys of a row given as column values (what a bulk insert writes, where no
        ORM event runs)."""
        return {
            "search_key": search_key(*(values.get(f) for f in cls.__search_fields__)),
            "sort_key": fold(values.get(cls.__sort_field__)),
        }

    def refresh_text_keys(self) -> None:
        keys = self.text_keys_of(
            {f: getattr(self, f) for f in self.__search_fields__}
            | {self.__sort_field__: getattr(self, self.__sort_field__)}
        )
        self.search_key, self.sort_key = keys["search_key"], keys["sort_key"]


@event.listens_for(SearchableMixin, "before_insert", propagate=True)
@event.listens_for(SearchableMixin, "before_update", propagate=True)
def _refresh_text_keys(_mapper: Any, _connection: Any, target: SearchableMixin) -> None:
    target.refresh_text_keys()
