"""Data for GUI tests, built through the services (as the application would)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hom.services import stock
from hom_desktop.ui import ops
from tests.utils.builders import add_location, add_product


def stocked_products(
    kit: Any,
    quantities: list[int],
    *,
    reorder_levels: list[int] | None = None,
    names: list[str] | None = None,
) -> list[tuple[uuid.UUID, str]]:
    """Products received into the kit's default location: (id, sku) per quantity."""
    made = []
    with kit.session() as s:
        for i, qty in enumerate(quantities):
            p = add_product(s, name=names[i] if names else f"Soap {i:03d}")
            if reorder_levels:
                p.reorder_level = reorder_levels[i]
            s.flush()
            if qty:
                stock.receive(
                    s,
                    ctx=kit.ctx,
                    receipt_in={
                        "location_id": kit.location_id,
                        "product_id": p.id,
                        "quantity": qty,
                    },
                )
            made.append((p.id, p.sku))
    return made


def second_location(kit: Any, code: str = "DEP01-DMG") -> uuid.UUID:
    with kit.session() as s:
        return add_location(s, kit.ctx, site_id=kit.site_id, code=code)


def on_hand(kit: Any, location_id: uuid.UUID, product_id: uuid.UUID) -> int:
    with kit.store.reader() as s:
        return stock.on_hand(s, location_id=location_id, product_id=product_id)


def geo_chain(kit: Any, prefix: str = "N", *, territories: int = 1) -> dict[str, uuid.UUID]:
    """Zone > state > region > area > territories, named after ``prefix``; code -> id."""
    from hom.services import geography

    made: dict[str, uuid.UUID] = {}
    with kit.session() as s:
        parent = None
        for level, name in enumerate(("zone", "state", "region", "area"), start=1):
            code = f"{prefix}-{name[:3].upper()}"
            node = geography.create_node(
                s,
                ctx=kit.ctx,
                node_in={
                    "level": level,
                    "code": code,
                    "name": f"{prefix} {name}",
                    "parent_id": parent,
                },
            )
            made[code] = parent = node.id
        for i in range(1, territories + 1):
            code = f"{prefix}-T{i}"
            node = geography.create_node(
                s,
                ctx=kit.ctx,
                node_in={
                    "level": 5,
                    "code": code,
                    "name": f"{prefix} territory {i}",
                    "parent_id": parent,
                },
            )
            made[code] = node.id
    return made


@contextmanager
def worker_held() -> Iterator[None]:
    """Keep the single background worker busy until the block ends, so operations started
    inside it wait in the queue: a test can then press Cancel at a known moment."""
    started, release = threading.Event(), threading.Event()

    def hold(_p: ops.Progress) -> None:
        started.set()
        release.wait(30)

    ops.Operation(None, hold).run()
    assert started.wait(5), "the background worker did not start"
    try:
        yield
    finally:
        release.set()


def batches_in_stock(
    kit: Any, sku: str, batches: list[tuple[str, int, int]]
) -> tuple[uuid.UUID, str]:
    """A batch-tracked product with (code, days to expiry, quantity received) batches at the
    kit's default location (a quantity of 0 makes the batch without stock); (id, sku)."""
    from datetime import date, timedelta

    from hom.models import Batch

    with kit.session() as s:
        p = add_product(s, sku=sku, name=f"Tea {sku}", track_batches=True)
        for code, days, qty in batches:
            batch = Batch(product_id=p.id, code=code, expires_on=date.today() + timedelta(days))
            s.add(batch)
            s.flush()
            if qty:
                stock.receive(
                    s,
                    ctx=kit.ctx,
                    receipt_in={
                        "location_id": kit.location_id,
                        "product_id": p.id,
                        "batch_id": batch.id,
                        "quantity": qty,
                    },
                )
        return p.id, p.sku
