"""The sync view's reads and its one write: the status line, the exceptions list, resend.

A thin layer over ``hom.sync.state`` (the engine's store-side facts) that adds what a person needs
and the services' one rule: the permission. Anyone signed in may read the status line; listing
the exceptions and resending need ``sync.run``, checked here and not only by hiding a button.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hom.crud import sync_state as state_crud
from hom.services.context import ActorContext
from hom.services.permissions import require
from hom.sync import state
from hom.sync.state import ItemKey, SyncItem, SyncStatus

PERMISSION = "sync.run"

#: The payload fields that name a row for a person, most telling first.
_DOCUMENT_FIELDS = ("number", "sku", "code", "username", "name")


@dataclass(frozen=True)
class ExceptionRow:
    """One pending or rejected item with the document it is about ("" when it has no name)."""

    item: SyncItem
    document: str

    @property
    def key(self) -> ItemKey:
        return self.item.key

    @property
    def rejected(self) -> bool:
        return self.item.status == "rejected"


def document_of(payload: Mapping[str, Any] | None) -> str:
    """What a person calls the row a change is about: an order's number, a stock entry's
    voucher (and quantity), a code or SKU with its name, a username; "" when it names nothing."""
    if not payload:
        return ""
    if payload.get("voucher_type"):
        label = str(payload["voucher_type"]).replace("_", " ")
        if payload.get("voucher_no"):
            label += f" {payload['voucher_no']}"
        if isinstance(payload.get("quantity"), int):
            label += f" ({payload['quantity']:+d})"
        return label
    for name in _DOCUMENT_FIELDS:
        value = payload.get(name)
        if value:
            label = str(value)
            title = payload.get("name")
            if name in ("sku", "code") and title:
                label = f"{label} — {title}"
            return label
    return ""


def status(session: Session) -> SyncStatus:
    """Where this store stands with its server (the status bar's facts; no permission needed)."""
    return state.read_status(session)


def list_exceptions(
    session: Session, *, ctx: ActorContext, offset: int = 0, limit: int = 200
) -> list[ExceptionRow]:
    """Pending and rejected items, rejected first then oldest, each with its document."""
    require(ctx, PERMISSION)
    items = state.exceptions(session, offset=offset, limit=limit)
    payloads = {
        (r.installation_id, r.epoch, r.seq): r.payload
        for r in state_crud.get_items(session, [i.key for i in items])
    }
    return [ExceptionRow(i, document_of(payloads.get(i.key))) for i in items]


def resend(session: Session, *, ctx: ActorContext, keys: Sequence[ItemKey]) -> list[ItemKey]:
    """Queue rejected items again after a person fixed what was wrong (the caller's
    transaction); the new keys. Anything but a rejected item is refused, naming it."""
    require(ctx, PERMISSION)
    return state.resend(session, list(keys))
