"""The closed vocabularies of the domain, stored as their string values."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from sqlalchemy import Enum as SAEnum


class GeoLevel(IntEnum):
    ZONE = 1
    STATE = 2
    REGION = 3
    AREA = 4
    TERRITORY = 5

    @property
    def label(self) -> str:
        return self.name.title()


class SiteKind(StrEnum):
    HEAD_OFFICE = "head_office"
    FACTORY = "factory"
    DEPOT = "depot"
    DISTRIBUTOR = "distributor"


class LocationKind(StrEnum):
    FINISHED_GOODS = "finished_goods"
    WAREHOUSE = "warehouse"
    DISTRIBUTOR_STOCK = "distributor_stock"
    DAMAGED = "damaged"


class PartyKind(StrEnum):
    DISTRIBUTOR = "distributor"
    RETAILER = "retailer"


class Shift(StrEnum):
    A = "A"
    B = "B"
    C = "C"


class VoucherType(StrEnum):
    OPENING = "opening"
    PRODUCTION = "production"
    PRODUCTION_REVERSAL = "production_reversal"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    ADJUSTMENT = "adjustment"
    DISPATCH = "dispatch"
    RECEIPT = "receipt"


class OrderStatus(StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class OrderLevel(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"

    @property
    def letter(self) -> str:
        return self.value[0].upper()


def enum_column(enum_cls: type[StrEnum], name: str) -> SAEnum:
    """A portable string column holding the enum's values: no native ENUM type, and a CHECK
    named ``ck_<table>_<name>`` (``name`` is the column's name) refusing any other value, so a
    program writing past the services cannot store a status the domain does not know."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        name=name,
        length=24,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
