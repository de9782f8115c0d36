"""Sites and stock locations in and out."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from pydantic import Field, field_validator

from hom.core import text
from hom.core.clock import DEFAULT_TIME_ZONE, zone
from hom.models.enums import LocationKind, SiteKind
from hom.schemas.base import PublicSchema, Schema, SyncedRowSync
from hom.schemas.gst import Gstin

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")


def check_code(value: str) -> str:
    """Codes are upper-case letters, digits and hyphens (they appear in document numbers)."""
    value = value.strip().upper()
    if not _CODE.match(value):
        raise ValueError("must be 1 to 32 characters: letters, digits or hyphens")
    return value


class SiteCreate(Schema):
    code: str = Field(max_length=16)
    name: str = Field(min_length=1, max_length=120)
    kind: SiteKind
    geo_node_id: uuid.UUID | None = None
    party_id: uuid.UUID | None = None
    time_zone: str = Field(default=DEFAULT_TIME_ZONE, max_length=64)
    legal_name: str = Field(default="", max_length=160, description="the name on its invoices")
    address: Annotated[str, Field(max_length=300), text.MULTILINE] = ""
    gstin: Gstin = Field(default="", description="the GSTIN of the site's state registration")

    _code = field_validator("code")(check_code)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        value = value.strip()
        zone(value)  # refuses an unknown name with what to write instead
        return value


class SiteInvoiceDetails(Schema):
    """What a tax invoice from the site names as its supplier; only the fields given change."""

    legal_name: str | None = Field(default=None, max_length=160)
    address: Annotated[str, Field(max_length=300), text.MULTILINE] | None = None
    gstin: Gstin | None = None
    geo_node_id: uuid.UUID | None = Field(
        default=None, description="where the site is (its state decides CGST/SGST or IGST)"
    )


class LocationCreate(Schema):
    site_id: uuid.UUID
    code: str = Field(max_length=32)
    name: str = Field(min_length=1, max_length=120)
    kind: LocationKind
    party_id: uuid.UUID | None = None

    _code = field_validator("code")(check_code)


class SitePublic(PublicSchema):
    id: uuid.UUID
    code: str
    name: str
    kind: SiteKind
    geo_node_id: uuid.UUID | None
    party_id: uuid.UUID | None
    active: bool
    time_zone: str
    legal_name: str
    address: str
    gstin: str


class LocationPublic(PublicSchema):
    id: uuid.UUID
    site_id: uuid.UUID
    code: str
    name: str
    kind: LocationKind
    party_id: uuid.UUID | None
    active: bool


class SiteSync(SyncedRowSync):
    code: str
    name: str
    kind: SiteKind
    geo_node_id: uuid.UUID | None = None
    party_id: uuid.UUID | None = None
    active: bool
    time_zone: str = DEFAULT_TIME_ZONE  # the site's calendar, the same on every installation
    legal_name: str = ""
    address: str = ""
    gstin: str = ""


class StockLocationSync(SyncedRowSync):
    site_id: uuid.UUID
    code: str
    name: str
    kind: LocationKind
    party_id: uuid.UUID | None = None
    active: bool
