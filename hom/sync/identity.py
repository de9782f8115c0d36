"""The change log's identity: installation, epoch, and what starts a new epoch.

Every change-log row is numbered ``(installation_id, epoch, seq)``. A store file that is
restored from a backup, or copied to another PC, would hand out seqs (and document numbers)
that its earlier self already used, so it starts a new epoch:

- **restore** (``hom-desktop restore``) starts one explicitly, and carries the replaced store's
  document counters forward;
- **copies** are noticed when the store opens: the installation row keeps a fingerprint of where
  its file lives (this machine's id, the file's path and its file id). A copied file (another
  PC, another folder, or a file put back by hand) no longer matches, so it starts a new epoch.
  Moving the data folder also does, which costs only a re-registration with the server.

A new epoch's number is the larger of the previous one plus one and the current Unix time in
milliseconds, so restoring the same backup twice never gives the same epoch twice.

Document numbers: a new epoch raises every document counter past the next block of
``NUMBER_BLOCK`` (``DEP01-P-2026-000002`` is followed by ``DEP01-P-2026-010001``), so numbers
issued after the backup was taken are not issued again, even before the store syncs; a restore
through the command also starts above the replaced store's own counters.
"""

from __future__ import annotations

import os
import platform
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from hom.core.clock import utcnow
from hom.core.errors import DomainError
from hom.crud import outbox as outbox_crud
from hom.crud import site as site_crud
from hom.models.store import Installation

NUMBER_BLOCK = 10_000

#: (site_id, doc_type, year, last_value) of a document counter.
Counter = tuple[uuid.UUID, str, int, int]


def _machine_id() -> str:
    for candidate in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            text = Path(candidate).read_text().strip()
        except OSError:
            continue
        if text:
            return text
    return f"{platform.node()}-{uuid.getnode():012x}"


def fingerprint(path: Path) -> str:
    """Where the store file lives: machine, absolute path and file id (a copy changes one)."""
    resolved = path.resolve()
    return f"{_machine_id()}|{resolved}|{os.stat(resolved).st_ino}"[:300]


def next_epoch(previous: int) -> int:
    return max(previous + 1, int(utcnow().timestamp() * 1000))


@dataclass(frozen=True)
class NewEpoch:
    installation_id: uuid.UUID
    previous: int
    epoch: int
    reason: str


def start_new_epoch(
    session: Session,
    *,
    reason: str,
    store_fingerprint: str = "",
    carry: Iterable[Counter] = (),
    after_epoch: int = 0,
) -> NewEpoch:
    """Begin a new epoch (its counter row starts at seq 0) and move every document counter past
    the next number block; ``carry`` are counters of a replaced store to start above too."""
    installation = _installation(session)
    previous = installation.epoch
    epoch = next_epoch(max(previous, after_epoch))
    outbox_crud.add_epoch(session, installation_id=installation.id, epoch=epoch, reason=reason)
    installation.epoch = epoch
    if store_fingerprint:
        installation.fingerprint = store_fingerprint
    highest: dict[tuple[uuid.UUID, str, int], int] = {}
    for seq in site_crud.document_sequences(session):
        highest[(seq.site_id, seq.doc_type, seq.year)] = seq.last_value
    for site_id, doc_type, year, value in carry:
        key = (site_id, doc_type, year)
        highest[key] = max(highest.get(key, 0), value)
    for (site_id, doc_type, year), value in highest.items():
        site_crud.raise_document_sequence(
            session,
            site_id=site_id,
            doc_type=doc_type,
            year=year,
            at_least=(value // NUMBER_BLOCK + 1) * NUMBER_BLOCK,
        )
    session.flush()
    return NewEpoch(installation.id, previous, epoch, reason)


def check_store_file(session: Session, *, path: Path) -> NewEpoch | None:
    """On opening: a store file that is not where its installation recorded it (copied, or
    restored by hand) starts a new epoch. The first open just records where it is."""
    installation = site_crud.get_installation(session)
    if installation is None:
        return None
    here = fingerprint(path)
    if installation.fingerprint == here:
        return None
    if not installation.fingerprint:
        installation.fingerprint = here
        session.flush()
        return None
    return start_new_epoch(session, reason="copy", store_fingerprint=here)


def ensure_can_enrol(session: Session) -> Installation:
    """What ``enrol`` checks first: a demo store never syncs, and a store enrols once."""
    installation = _installation(session)
    if installation.is_demo:
        raise DomainError(
            "this is a demo store: it cannot be enrolled with a server (its data is invented); "
            "create a real store with 'hom-desktop init'",
            field="store",
        )
    if installation.enrolled_at is not None:
        raise DomainError(
            f"this store is already enrolled with {installation.server_url or 'a server'}",
            field="store",
        )
    return installation


def _installation(session: Session) -> Installation:
    installation = site_crud.get_installation(session)
    if installation is None:
        raise DomainError("this store has not been initialised", field="store")
    return installation
