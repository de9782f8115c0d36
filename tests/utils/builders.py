"""Builders for test data on a real SQLite store.

Tests build through the services wherever one exists; these helpers only shorten the setup.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from hom.core import backup
from hom.core.config import load_settings
from hom.core.store import Store, open_store
from hom.crud import product as product_crud
from hom.models.enums import LocationKind, SiteKind
from hom.models.product import Product
from hom.services import setup, sites, users
from hom.services.context import ActorContext

ADMIN_PASSWORD = "admin-pass-123"
_seq = itertools.count(1)


@dataclass
class StoreKit:
    store: Store
    ctx: ActorContext  # the admin's context on this store's site
    site_id: uuid.UUID
    location_id: uuid.UUID  # the site's default location

    def session(self):
        return self.store.transaction()


_templates: dict[tuple[str, SiteKind], Path] = {}


def _template(site_code: str, site_kind: SiteKind) -> Path:
    """An initialised store file made once per test process and copied for each test.

    Migrating and hashing the admin's password take ~0.4 s; copying a file takes ~1 ms.
    """
    key = (site_code, site_kind)
    if key not in _templates:
        folder = Path(tempfile.mkdtemp(prefix="hom-template-"))
        store = open_store(load_settings(folder), auto_backup=False)
        with store.transaction() as s:
            _initialize(s, key)
        store.close()
        copy = folder / "template.sqlite3"
        backup.backup_file(store.settings.store_path, copy)
        _templates[key] = copy
    return _templates[key]


def make_store(
    tmp_path: Path,
    *,
    site_code: str = "DEP01",
    site_kind: SiteKind = SiteKind.DEPOT,
    backend: str = "sqlite",
) -> StoreKit:
    """A store initialised for one site, with its admin's context: a SQLite file, or (with
    ``backend="postgresql"``) the test process's PostgreSQL database reset to the same state."""
    if backend == "postgresql":
        from tests import pg

        store = pg.store_at_template(tmp_path, (site_code, site_kind), _initialize)
        return _kit(store)
    settings = load_settings(tmp_path / "data")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template(site_code, site_kind), settings.store_path)
    return _kit(open_store(settings, auto_backup=False))


def _initialize(session: Session, key: tuple[str, SiteKind]) -> None:
    site_code, site_kind = key
    setup.initialize(
        session,
        admin_username="admin",
        admin_password=ADMIN_PASSWORD,
        site_code=site_code,
        site_name=f"{site_code} site",
        site_kind=site_kind,
    )


def _kit(store: Store) -> StoreKit:
    with store.reader() as s:
        admin = users.list_users(s)[0]
        ctx = users.context_for(s, user=admin)
        site = sites.installation(s).site_id
        location = sites.list_locations(s, site_id=site)[0]
        return StoreKit(store=store, ctx=ctx, site_id=site, location_id=location.id)


def add_product(
    session: Session,
    *,
    sku: str | None = None,
    name: str = "Test soap 100 g",
    track_batches: bool = False,
    mrp: str = "45.00",
    distributor_price: str = "36.00",
    retailer_price: str = "40.00",
    pack_size: int = 12,
    hsn_code: str = "3401",
    gst_rate: str | None = "18",
) -> Product:
    """A product with a GST classification (soap: HSN 3401 at 18 %), so its orders invoice."""
    sku = sku or f"TST-{next(_seq):05d}"
    return product_crud.add(
        session,
        Product(
            sku=sku,
            sku_key=sku.lower(),
            name=name,
            mrp=Decimal(mrp),
            distributor_price=Decimal(distributor_price),
            retailer_price=Decimal(retailer_price),
            pack_size=pack_size,
            track_batches=track_batches,
            hsn_code=hsn_code,
            gst_rate=Decimal(gst_rate) if gst_rate is not None else None,
        ),
    )


def add_location(
    session: Session,
    ctx: ActorContext,
    *,
    site_id: uuid.UUID,
    code: str | None = None,
    kind: LocationKind = LocationKind.WAREHOUSE,
    party_id: uuid.UUID | None = None,
) -> uuid.UUID:
    code = code or f"LOC-{next(_seq):05d}"
    loc = sites.create_location(
        session,
        ctx=ctx,
        location_in={
            "site_id": site_id,
            "code": code,
            "name": code,
            "kind": kind,
            "party_id": party_id,
        },
    )
    return loc.id


def add_site(
    session: Session, ctx: ActorContext, *, code: str | None = None, kind: SiteKind = SiteKind.DEPOT
) -> uuid.UUID:
    code = code or f"S{next(_seq):04d}"
    return sites.create_site(
        session, ctx=ctx, site_in={"code": code, "name": code, "kind": kind}
    ).id


def context_with(ctx: ActorContext, *permissions: str, username: str = "clerk") -> ActorContext:
    """The same installation and site, acting as a user holding only ``permissions``."""
    return ActorContext(
        installation_id=ctx.installation_id,
        site_id=ctx.site_id,
        user_id=uuid.uuid4(),
        username=username,
        permissions=frozenset(permissions),
    )


def product_cells(sku: str, **over: str) -> dict[str, str]:
    """The cells of one valid products CSV row (in the import's column order), with ``over``."""
    return {
        "sku": sku,
        "name": f"{sku} name",
        "category": "Personal care",
        "brand": "Herbashine",
        "unit": "pcs",
        "pack_size": "12",
        "mrp": "45.00",
        "distributor_price": "34.50",
        "retailer_price": "39.00",
        "active": "true",
        "track_batches": "false",
        "shelf_life_days": "",
        "reorder_level": "0",
    } | over
