"""Test helpers that speak the sync API the way an installation does."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from hom.core import migrate
from hom.schemas.sync import PAYLOAD_VERSION
from tests.server.harness import ServerProcess


@dataclass
class Installation:
    """An enrolled installation: its identity, credential and next seq."""

    installation_id: uuid.UUID
    credential: str
    site_id: str | None
    epoch: int = 1
    next_seq: int = 1
    device_id: str = ""
    sent: list[dict[str, Any]] = field(default_factory=list)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credential}"}


def enrol(
    server: ServerProcess, admin_token: str, *, site: str | None = None, geo: str | None = None
) -> Installation:
    with server.client(admin_token) as c:
        body = {"site": site} if site else {"geo_node": geo}
        r = c.post("/devices/codes", json=body)
        assert r.status_code == 201, r.text
        code = r.json()["code"]
        installation_id = uuid.uuid4()
        r = c.post("/devices/enrol", json={"code": code, "installation_id": str(installation_id)})
        assert r.status_code == 201, r.text
    e = r.json()
    return Installation(installation_id, e["credential"], e["site_id"], device_id=e["device_id"])


_voucher = itertools.count(1)


def ledger_item(
    inst: Installation,
    *,
    location_id: uuid.UUID,
    product_id: uuid.UUID,
    quantity: int,
    seq: int | None = None,
    balance_after: int = 0,
    entity_id: uuid.UUID | None = None,
    voucher_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """A ledger change-log item (a receipt when ``quantity`` > 0), numbered from ``inst``."""
    if seq is None:
        seq = inst.next_seq
        inst.next_seq += 1
    entity_id = entity_id or uuid.uuid4()
    now = datetime.now(UTC).isoformat()
    return {
        "seq": seq,
        "entity": "stock_ledger",
        "entity_id": str(entity_id),
        "operation": "insert",
        "site_id": inst.site_id,
        "payload_version": PAYLOAD_VERSION,
        "payload": {
            "id": str(entity_id),
            "location_id": str(location_id),
            "product_id": str(product_id),
            "batch_id": None,
            "quantity": quantity,
            "balance_after": balance_after,
            "voucher_type": "receipt" if quantity > 0 else "adjustment",
            "voucher_id": str(voucher_id or uuid.uuid4()),
            "voucher_no": f"V-{next(_voucher)}",
            "reason": "",
            "created_at": now,
            "created_by": None,
            "installation_id": str(inst.installation_id),
        },
        "created_at": now,
    }


def push(
    client: httpx.Client | ServerProcess, inst: Installation, items: list[dict[str, Any]], **extra
) -> httpx.Response:
    body = {"installation_id": str(inst.installation_id), "epoch": inst.epoch, "items": items}
    body.update(extra)
    if isinstance(client, ServerProcess):
        with client.client() as c:
            return c.post("/sync/push", json=body, headers=inst.headers())
    return client.post("/sync/push", json=body, headers=inst.headers())


def pull_all(
    server: ServerProcess,
    inst: Installation,
    *,
    limit: int = 1000,
    until: Callable[[list[dict]], bool] | None = None,
    timeout: float = 60,
) -> list[dict]:
    """Every item the installation may pull, from the start of the feed.

    With ``until``, pull again until it holds: on PostgreSQL a change is delivered once every
    older transaction of the whole cluster has finished (the watermark), so a long transaction
    elsewhere (another test run on the same server) delays it; it never skips it.
    """
    deadline = time.monotonic() + timeout
    while True:
        items = _pull_once(server, inst, limit)
        if until is None or until(items) or time.monotonic() > deadline:
            return items
        time.sleep(0.2)


def _pull_once(server: ServerProcess, inst: Installation, limit: int) -> list[dict]:
    items: list[dict] = []
    cursor = None
    with server.client() as c:
        while True:
            params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
            r = c.get("/sync/pull", params=params, headers=inst.headers())
            assert r.status_code == 200, r.text
            page = r.json()
            items.extend(page["items"])
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return items


def hello(
    app_version: str = "0.1.0", head: str | None = None, payload_version: int = PAYLOAD_VERSION
):
    return {
        "app_version": app_version,
        "migration_head": head or migrate.head_revision(None),  # type: ignore[arg-type]
        "payload_version": payload_version,
    }
