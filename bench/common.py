"""Helpers the benchmarks share: a timer, RSS, and building stores through the services."""

from __future__ import annotations

import resource
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from hom.core.config import load_settings
from hom.core.ids import new_id
from hom.core.store import Store, open_store
from hom.crud import product as product_crud
from hom.models.enums import LocationKind, VoucherType
from hom.models.product import Product
from hom.services import setup, sites, stock, users
from hom.services.context import ActorContext

RESULTS = Path(__file__).parent / "results"


@contextmanager
def timed() -> Iterator[list[float]]:
    """``with timed() as t: ...`` then ``t[0]`` is the elapsed seconds."""
    box: list[float] = []
    start = time.perf_counter()
    yield box
    box.append(time.perf_counter() - start)


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 1e6


@dataclass
class BenchStore:
    store: Store
    ctx: ActorContext
    locations: list[uuid.UUID]
    products: list[uuid.UUID]


def new_store(folder: Path, *, n_locations: int = 4, n_products: int = 300) -> BenchStore:
    """A depot store with a few locations and products, built through the services."""
    folder.mkdir(parents=True, exist_ok=True)
    store = open_store(load_settings(folder), auto_backup=False)
    with store.transaction() as s:
        result = setup.initialize(
            s,
            admin_username="bench",
            admin_password="bench-password",
            site_code="BEN01",
            site_kind=sites.SiteKind.DEPOT,
        )
        ctx = users.context_for(s, user=result.admin)
        locations = [sites.list_locations(s, site_id=result.site.id)[0].id]
        for i in range(1, n_locations):
            loc = sites.create_location(
                s,
                ctx=ctx,
                location_in={
                    "site_id": result.site.id,
                    "code": f"BEN01-L{i}",
                    "name": f"Bay {i}",
                    "kind": LocationKind.WAREHOUSE,
                },
            )
            locations.append(loc.id)
        products = []
        for i in range(n_products):
            p = product_crud.add(
                s,
                Product(
                    sku=f"BEN-{i:05d}",
                    sku_key=f"ben-{i:05d}",
                    name=f"Bench product {i}",
                    mrp=Decimal("50.00"),
                    distributor_price=Decimal("40.00"),
                    retailer_price=Decimal("45.00"),
                ),
            )
            products.append(p.id)
    return BenchStore(store, ctx, locations, products)


def movements(bs: BenchStore, n: int, *, offset: int = 0) -> list[stock.Movement]:
    """``n`` movements: a receipt of 2 then an issue of 1, cycling over products and locations,
    so stock stays positive and every balance keeps changing."""
    out = []
    n_loc, n_prod = len(bs.locations), len(bs.products)
    for i in range(offset, offset + n):
        pair = i // 2
        loc = bs.locations[pair % n_loc]
        prod = bs.products[(pair // n_loc) % n_prod]
        out.append(stock.Movement(loc, prod, 2 if i % 2 == 0 else -1))
    return out


def fill(bs: BenchStore, total: int, *, chunk: int = 50_000, report: bool = True) -> float:
    """Post ``total`` ledger entries through the stock service; returns entries per second."""
    start = time.perf_counter()
    done = 0
    while done < total:
        n = min(chunk, total - done)
        with bs.store.transaction() as s:
            stock.post(
                s,
                ctx=bs.ctx,
                movements=movements(bs, n, offset=done),
                voucher_type=VoucherType.ADJUSTMENT,
                voucher_id=new_id(),
            )
        done += n
        if report:
            print(f"  posted {done:,}/{total:,}", end="\r", flush=True)
    if report:
        print()
    return total / (time.perf_counter() - start)
