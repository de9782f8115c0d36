"""SQLAlchemy models, one module per business domain; importing this package registers them all."""

from hom.models.audit import AuditEntry
from hom.models.base import Base
from hom.models.geography import GeoNode
from hom.models.goods_receipt import GoodsReceipt, GoodsReceiptLine
from hom.models.inventory import StockBalance, StockLedgerEntry
from hom.models.outbox import OutboxEntry, SyncEpoch
from hom.models.party import Party
from hom.models.product import Product
from hom.models.production import Batch, ProductionLog
from hom.models.sales_primary import PrimaryOrder, PrimaryOrderLine
from hom.models.sales_secondary import SecondaryOrder, SecondaryOrderLine
from hom.models.sales_tertiary import TertiaryOrder, TertiaryOrderLine
from hom.models.site import Site, StockLocation
from hom.models.store import DocumentSequence, Installation
from hom.models.user import (
    Permission,
    Role,
    User,
    UserSignIn,
    role_permissions,
    user_roles,
)

__all__ = [
    "AuditEntry",
    "Base",
    "Batch",
    "DocumentSequence",
    "GeoNode",
    "GoodsReceipt",
    "GoodsReceiptLine",
    "Installation",
    "OutboxEntry",
    "Party",
    "Permission",
    "PrimaryOrder",
    "PrimaryOrderLine",
    "Product",
    "ProductionLog",
    "Role",
    "SecondaryOrder",
    "SecondaryOrderLine",
    "Site",
    "StockBalance",
    "StockLedgerEntry",
    "StockLocation",
    "SyncEpoch",
    "TertiaryOrder",
    "TertiaryOrderLine",
    "User",
    "UserSignIn",
    "role_permissions",
    "user_roles",
]
