"""SQLAlchemy models, one module per business domain; importing this package registers them all."""

from hom_desktop.models.audit import AuditEntry
from hom_desktop.models.base import Base
from hom_desktop.models.geography import GeoNode
from hom_desktop.models.inventory import StockBalance, StockLedgerEntry
from hom_desktop.models.outbox import OutboxEntry
from hom_desktop.models.party import Party
from hom_desktop.models.product import Product
from hom_desktop.models.production import Batch, ProductionLog
from hom_desktop.models.sales_primary import PrimaryOrder, PrimaryOrderLine
from hom_desktop.models.sales_secondary import SecondaryOrder, SecondaryOrderLine
from hom_desktop.models.sales_tertiary import TertiaryOrder, TertiaryOrderLine
from hom_desktop.models.site import Site, StockLocation
from hom_desktop.models.store import DocumentSequence, Installation
from hom_desktop.models.user import Permission, Role, User, role_permissions, user_roles

__all__ = [
    "AuditEntry",
    "Base",
    "Batch",
    "DocumentSequence",
    "GeoNode",
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
    "TertiaryOrder",
    "TertiaryOrderLine",
    "User",
    "role_permissions",
    "user_roles",
]
