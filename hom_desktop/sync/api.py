"""The sync engine as the GUI and the command line use it (keep stable: extend, don't rename).

- ``SyncEngine(store).run_once(progress, cancelled) -> SyncReport``: one full sync (handshake,
  register a new epoch, push, pull and apply, sanity check). Run it off the Qt thread; it opens
  its own sessions. ``progress`` is called from that thread with ``SyncProgress``; ``cancelled``
  is polled between batches and pages (what was acknowledged or applied stays so).
- ``read_status(session) -> SyncStatus``: the status bar's facts, read from the store.
- ``exceptions(session, offset=, limit=) -> list[SyncItem]``: pending and rejected items with
  their reason and age, for the sync view.
- ``resend(session, ids) -> list[ItemKey]``: queue rejected items again after a fix (the caller's
  transaction; then run a sync).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from hom.core.errors import DomainError
from hom.sync.state import ItemKey, SyncItem, SyncStatus, exceptions, read_status, resend

if TYPE_CHECKING:
    import httpx

    from hom.core.store import Store
    from hom_desktop.sync.credentials import CredentialStore

__all__ = [
    "CheckRow",
    "ItemKey",
    "Phase",
    "SanityCheck",
    "SyncEngine",
    "SyncError",
    "SyncItem",
    "SyncOptions",
    "SyncProgress",
    "SyncReport",
    "SyncStatus",
    "exceptions",
    "read_status",
    "resend",
]


class SyncError(DomainError):
    """A sync that cannot go on, in words for a person (not enrolled, versions, credential)."""


class Phase(StrEnum):
    CONNECT = "connect"  # handshake, and registering a new epoch
    PUSH = "push"
    PULL = "pull"
    CHECK = "check"
    DONE = "done"


@dataclass(frozen=True)
class SyncProgress:
    phase: Phase
    done: int
    #: None when not known ahead (pulling: the server says only whether more pages follow).
    total: int | None
    message: str = ""


@dataclass(frozen=True)
class CheckRow:
    entity: str
    local: int
    server: int

    @property
    def ok(self) -> bool:
        return self.local == self.server


@dataclass(frozen=True)
class SanityCheck:
    """Per-entity counts of what both sides hold for this installation."""

    rows: tuple[CheckRow, ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def mismatches(self) -> tuple[CheckRow, ...]:
        return tuple(r for r in self.rows if not r.ok)

    def summary(self) -> str:
        if self.ok:
            total = sum(r.local for r in self.rows)
            return f"both sides agree ({total} rows in {len(self.rows)} kinds)"
        return "MISMATCH: " + "; ".join(
            f"{r.entity}: here {r.local}, server {r.server}" for r in self.mismatches
        )


@dataclass(frozen=True)
class SyncReport:
    ok: bool
    online: bool
    started_at: datetime
    finished_at: datetime
    pushed: int = 0  # accepted by the server
    duplicates: int = 0  # the server had them already (delivered)
    rejected: int = 0  # refused with a reason, kept for a person
    pulled: int = 0  # feed items received
    applied: int = 0  # rows written here
    skipped: int = 0  # echoes of this installation's own writes, and rows already here
    conflicts: tuple[str, ...] = ()  # pulled changes that could not be applied, and why
    check: SanityCheck | None = None
    error: str = ""
    cancelled: bool = False
    delivered_orders: int = 0  # primary orders marked delivered after the pull
    #: Head-office master-data changes that local drafts were made against, for a person.
    notices: tuple[str, ...] = ()

    def summary(self) -> str:
        if self.error:
            return f"sync failed: {self.error}"
        parts = [
            f"pushed {self.pushed}",
            f"{self.duplicates} already there",
            f"{self.rejected} rejected",
            f"pulled {self.pulled} ({self.applied} applied, {self.skipped} skipped)",
        ]
        if self.conflicts:
            parts.append(f"{len(self.conflicts)} not applied")
        if self.notices:
            parts.append(f"{len(self.notices)} draft(s) to review")
        if self.cancelled:
            parts.append("cancelled")
        text = "sync: " + ", ".join(parts)
        if self.check is not None:
            text += f"; check: {self.check.summary()}"
        return text


@dataclass(frozen=True)
class SyncOptions:
    timeout_s: float = 30.0  # per request (connect, read, write)
    batch_size: int = 500  # items per push (at most hom.schemas.sync.MAX_PUSH_ITEMS)
    page_limit: int = 2_000  # items per pull page (at most MAX_PULL_LIMIT)
    retries: int = 4  # retries of a failed request (network error, 5xx) within one run
    backoff_s: float = 0.5  # first retry's base delay; doubles each time, with jitter
    backoff_max_s: float = 30.0
    watch_interval_s: float = 60.0  # ``sync --watch``: between successful runs

    def next_run_in_s(self, failures: int) -> float:
        """How long to wait before the next run (``watch`` and the GUI's worker alike): the watch
        interval after a run that reached the server, else a backoff that doubles per failure up
        to ten times ``backoff_max_s``, with jitter so a depot's PCs do not all call back at
        once."""
        if failures <= 0:
            return self.watch_interval_s
        base = min(self.backoff_max_s * 10, self.backoff_s * 4 * 2 ** min(failures, 10))
        return base * random.uniform(0.5, 1.5)


Progress = Callable[[SyncProgress], None]
Cancelled = Callable[[], bool]


class SyncEngine:
    """One installation's sync with its server. Not thread-safe: one run at a time per engine
    (the GUI's worker holds one). Each run opens its own sessions on ``store``."""

    def __init__(
        self,
        store: Store,
        *,
        options: SyncOptions | None = None,
        credentials: CredentialStore | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        from hom_desktop.sync.credentials import CredentialStore

        self.store = store
        self.options = options or SyncOptions()
        self.credentials = credentials or CredentialStore(store.settings.data_dir)
        self.transport = transport
        self._wake = threading.Event()

    def wake(self) -> None:
        """Run the next sync of ``watch`` at once (the person pressed "Sync now", or the
        network came back); safe to call from any thread."""
        self._wake.set()

    def _wait(self, seconds: float, stop: Cancelled, probe: Callable[[], bool] | None) -> None:
        """Wait up to ``seconds``, ending early on ``wake()``, on ``stop()``, or when ``probe``
        (called every few seconds) says the server answers again."""
        deadline = time.monotonic() + seconds
        next_probe = time.monotonic() + 2.0
        while not stop():
            left = deadline - time.monotonic()
            if left <= 0 or self._wake.wait(min(0.25, left)):
                break
            if probe is not None and time.monotonic() >= next_probe:
                if probe():
                    break
                next_probe = time.monotonic() + 2.0
        self._wake.clear()

    def run_once(
        self,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> SyncReport:
        """One full sync; never raises for a network or server failure (the report says it),
        only for a store that cannot sync at all (``SyncError``: not enrolled, a demo store)."""
        from hom_desktop.sync import engine

        return engine.run(self, progress=progress, cancelled=cancelled)

    def status(self) -> SyncStatus:
        with self.store.reader() as session:
            return read_status(session)

    def watch(
        self,
        *,
        stop: Cancelled,
        on_report: Callable[[SyncReport], None] | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Sync, wait, sync again until ``stop()``: after a failure the wait grows (backoff
        with jitter, up to ``backoff_max_s`` x 10) and ends as soon as the server answers
        again; after a success it is ``watch_interval_s``. ``wake()`` ends any wait at once."""
        from hom_desktop.sync import engine

        engine.watch(self, stop=stop, on_report=on_report, progress=progress)
