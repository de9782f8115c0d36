"""Permission codes, the seed roles, and the check every service makes before it writes."""

from __future__ import annotations

from hom.core.errors import PermissionDenied
from hom.services.context import ActorContext

PERMISSIONS: dict[str, str] = {
    "users.manage": "Create users, assign roles, reset passwords, unlock accounts",
    "geography.manage": "Add, rename, move and delete geography nodes",
    "parties.manage": "Create and edit distributors and retailers",
    "products.manage": "Create and edit products and prices",
    "sites.manage": "Create and edit sites and stock locations",
    "production.post": "Post daily production",
    "production.reverse": "Reverse a posted production entry",
    "stock.view": "See stock and the ledger",
    "stock.receive": "Post opening stock and goods received",
    "stock.transfer": "Transfer stock between locations",
    "stock.adjust": "Post stock counts and adjustments",
    "orders.view": "See orders",
    "orders.primary": "Create and progress primary orders",
    "orders.secondary": "Create and progress secondary orders",
    "orders.tertiary": "Record tertiary (sell-out) orders",
    "dashboards.view": "See dashboards",
    "data.import": "Import master data from CSV",
    "data.export": "Export data to CSV",
    "store.backup": "Back up and restore the store",
    "sync.run": "Run synchronisation",
}

SEED_ROLES: dict[str, tuple[str, frozenset[str]]] = {
    "admin": ("Everything, including users and roles", frozenset(PERMISSIONS)),
    "manager": (
        "Reads everything, dashboards and exports; edits master data",
        frozenset(
            {
                "stock.view",
                "orders.view",
                "dashboards.view",
                "data.export",
                "geography.manage",
                "parties.manage",
                "products.manage",
                "sync.run",
            }
        ),
    ),
    "depot clerk": (
        "Stock movements and orders at a depot",
        frozenset(
            {
                "stock.view",
                "stock.receive",
                "stock.transfer",
                "stock.adjust",
                "orders.view",
                "orders.primary",
                "orders.secondary",
                "orders.tertiary",
                "parties.manage",
                "data.export",
                "sync.run",
            }
        ),
    ),
    "factory staff": (
        "Daily production at a factory",
        frozenset({"production.post", "production.reverse", "stock.view", "stock.transfer"}),
    ),
}


def require(ctx: ActorContext, permission: str) -> None:
    """Raise ``PermissionDenied`` unless the actor holds ``permission``."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission code {permission!r}")
    if not ctx.can(permission):
        raise PermissionDenied(
            f"{ctx.username} may not do this: it needs the permission '{permission}' "
            f"({PERMISSIONS[permission].lower()})"
        )
