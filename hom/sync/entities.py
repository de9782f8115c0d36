"""Every synced entity by name (its table's name), with the schema its snapshots are built from.

The change log writes ``SYNC_SCHEMAS[entity].model_validate(row).model_dump(mode="json")``; the
server validates an incoming payload with the same schema before it applies it.
"""

from __future__ import annotations

from pydantic import BaseModel

from hom.schemas.base import SyncSchema
from hom.schemas.geography import GeoNodeSync
from hom.schemas.goods_receipts import GoodsReceiptSync
from hom.schemas.inventory import LedgerEntrySync
from hom.schemas.orders import PrimaryOrderSync, SecondaryOrderSync, TertiaryOrderSync
from hom.schemas.party import PartySync
from hom.schemas.product import ProductSync
from hom.schemas.production import BatchSync, ProductionLogSync
from hom.schemas.site import SiteSync, StockLocationSync
from hom.schemas.user import RoleSync, UserSync

LEDGER = "stock_ledger"
BATCHES = "batches"
PRODUCTION_LOGS = "production_logs"
PRIMARY_ORDERS = "primary_orders"
SECONDARY_ORDERS = "secondary_orders"
TERTIARY_ORDERS = "tertiary_orders"
GOODS_RECEIPTS = "goods_receipts"
PRODUCTS = "products"
GEO_NODES = "geo_nodes"
PARTIES = "parties"
SITES = "sites"
LOCATIONS = "stock_locations"
USERS = "users"
ROLES = "roles"

SYNC_SCHEMAS: dict[str, type[SyncSchema]] = {
    LEDGER: LedgerEntrySync,
    BATCHES: BatchSync,
    PRODUCTION_LOGS: ProductionLogSync,
    PRIMARY_ORDERS: PrimaryOrderSync,
    SECONDARY_ORDERS: SecondaryOrderSync,
    TERTIARY_ORDERS: TertiaryOrderSync,
    GOODS_RECEIPTS: GoodsReceiptSync,
    PRODUCTS: ProductSync,
    GEO_NODES: GeoNodeSync,
    PARTIES: PartySync,
    SITES: SiteSync,
    LOCATIONS: StockLocationSync,
    USERS: UserSync,
    ROLES: RoleSync,
}


def schema_for(entity: str) -> type[BaseModel]:
    try:
        return SYNC_SCHEMAS[entity]
    except KeyError:
        known = ", ".join(sorted(SYNC_SCHEMAS))
        raise ValueError(f"{entity!r} is not a synced entity; one of {known}") from None
