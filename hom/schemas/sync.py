"""The sync wire format: the envelope every change travels in, between a store and the server.

This module is the contract the change log (outbox), the server's sync routes and the desktop's
sync engine share; none of them defines its own copy. An item's identity is the writer's identity
and its number, ``(installation_id, epoch, seq)`` (as Replicache's client id and mutation id):
``seq`` rises by one per item within an (installation, epoch), with no gaps and no reuse, and a
restored or copied store starts a new epoch. The ``payload`` is a self-contained, versioned
snapshot of the row built from the entity's own sync schema (``hom.schemas.<domain>``), so the
receiver validates and applies it without reading the sender's database.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: The version of the payload snapshots this code writes and reads. A change to any entity's sync
#: schema that an older reader cannot take raises it; the handshake compares it.
PAYLOAD_VERSION = 1

#: Bounds the server enforces (413 past them) and the engine respects when it batches.
MAX_PUSH_ITEMS = 1_000
MAX_PULL_LIMIT = 5_000


class Operation(StrEnum):
    """What an item does to its row: a new row, a newer version of a row, or a tombstone."""

    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"


class ItemStatus(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChangeItem(WireModel):
    """One change-log row as it is pushed: who wrote it, its number, and the row's snapshot."""

    seq: int = Field(ge=1)
    entity: str = Field(min_length=1, max_length=40)
    entity_id: uuid.UUID
    operation: Operation
    #: The site whose installation wrote the row (None for a store that writes for no site);
    #: the server checks it against the ownership table and the device's site.
    site_id: uuid.UUID | None = None
    payload_version: int = Field(ge=1)
    payload: dict[str, Any]
    #: When the device queued it, by the device's clock (UTC).
    created_at: datetime


class Handshake(WireModel):
    app_version: str = Field(min_length=1, max_length=40)
    migration_head: str = Field(min_length=1, max_length=64)
    payload_version: int = Field(ge=1)


class HandshakeAnswer(WireModel):
    compatible: bool
    #: "update HOM Desktop to at least X" when it is not.
    message: str | None = None
    min_app_version: str
    server_payload_version: int


class PushRequest(WireModel):
    installation_id: uuid.UUID
    epoch: int = Field(ge=1)
    items: list[ChangeItem] = Field(min_length=1, max_length=MAX_PUSH_ITEMS)
    #: When the device sent the batch, by its own clock (UTC): the server records the device's
    #: clock offset from it.
    sent_at: datetime | None = None


class ItemResult(WireModel):
    seq: int
    status: ItemStatus
    #: Why an item was rejected, and which field, in the domain's words.
    reason: str | None = None
    field: str | None = None
    #: The seq of an earlier rejected item this one depends on (rejected with it).
    depends_on: int | None = None


class PushAnswer(WireModel):
    installation_id: uuid.UUID
    epoch: int
    #: The highest seq the server has applied (or answered) for this (installation, epoch).
    last_applied_seq: int
    results: list[ItemResult]


class FeedItem(WireModel):
    """One change as pulled: the snapshot, who wrote it and where it stands in the feed."""

    entity: str
    entity_id: uuid.UUID
    operation: Operation
    site_id: uuid.UUID | None = None
    payload_version: int
    payload: dict[str, Any]
    origin_installation_id: uuid.UUID | None = None
    origin_epoch: int | None = None
    origin_seq: int | None = None
    #: The server's own receive time.
    received_at: datetime


class PullPage(WireModel):
    items: list[FeedItem]
    #: Opaque; pass it back as ``cursor`` for the next page. Moves only over committed changes.
    next_cursor: str
    has_more: bool


class EpochRegistration(WireModel):
    """A store that started a new epoch (restored from a backup, or copied) says so before it
    pushes anything of it: the server then knows the epoch and why it began."""

    installation_id: uuid.UUID
    epoch: int = Field(ge=1)
    #: Why the epoch began: "created", "migrated", "restore" or "copy".
    reason: str = Field(min_length=1, max_length=16)


class EpochState(WireModel):
    epoch: int
    last_applied_seq: int


class EpochRegistered(WireModel):
    installation_id: uuid.UUID
    #: Every epoch of this installation the server knows, with its last applied seq.
    epochs: list[EpochState]


class CheckCounts(WireModel):
    """The sanity check: per entity, how many rows the caller's installation should hold (what
    the feed shows it, rows deleted since excepted)."""

    counts: dict[str, int]
