"""Who has the store open: a lock every open store holds, so a restore can refuse and say who.

Each process that opens the store holds two things while it runs:

- a *shared* lock on ``hom.sqlite3.lock`` beside the store (the gate); a restore takes the same
  lock *exclusively*, so it cannot start while anyone has the store open, and nobody can open the
  store while a restore runs;
- its own small file under ``hom.sqlite3.users/`` naming the program and process, locked
  exclusively, so the refusal can say which program has the store. A file whose lock can be
  taken belongs to a process that is gone and is removed.

The locks are the operating system's (``flock`` on POSIX, ``msvcrt.locking`` on Windows for
the per-process files), so a crashed program never leaves a stale lock behind.
"""

from __future__ import annotations

import os
import socket
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from hom.core.errors import DomainError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


class StoreInUse(DomainError):
    """The store is open in another program (or a restore of it is running)."""

    code = "store_in_use"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="store")


def gate_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".lock")


def holders_dir(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".users")


def program_name() -> str:
    """``hom-desktop import`` or ``hom-desktop`` (the GUI): what a refusal shows the user."""
    argv = [a for a in sys.argv if a]
    prog = Path(argv[0]).name if argv else "python"
    if prog in ("__main__.py", "cli.py"):
        prog = "hom-desktop"
    elif prog == "-c":
        prog = "python -c"
    words = [a for a in argv[1:] if not a.startswith("-")][:1]
    return " ".join([prog, *words])


def _try_lock(f: IO[bytes], *, shared: bool = False) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(f.fileno(), (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        elif not shared:  # Windows: byte-range locks are exclusive; the gate is POSIX only
            f.seek(1 << 20)  # lock a byte past the text, so others can still read who it is
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


@dataclass
class StoreLock:
    """Held by an open store (``mode='open'``) or by a restore (``mode='restore'``)."""

    store_path: Path
    gate: IO[bytes]
    mine: IO[bytes] | None = None
    mine_path: Path | None = None
    released: bool = field(default=False)

    def release(self) -> None:
        if self.released:
            return
        self.released = True
        if self.mine is not None:
            self.mine.close()
            if self.mine_path is not None:
                self.mine_path.unlink(missing_ok=True)
        self.gate.close()


def other_holders(store_path: Path, *, exclude: Path | None = None) -> list[str]:
    """What the live per-process files say (``hom-desktop demo, process 123``); stale ones go."""
    folder = holders_dir(store_path)
    found: list[str] = []
    if not folder.is_dir():
        return found
    for entry in sorted(folder.glob("*.holder")):
        if exclude is not None and entry == exclude:
            continue
        try:
            with entry.open("r+b") as f:
                if _try_lock(f):
                    entry.unlink(missing_ok=True)  # its process is gone
                    continue
                found.append(f.read().decode("utf-8", "replace").strip() or "another program")
        except OSError:
            continue
    return found


def describe_holders(store_path: Path, *, exclude: Path | None = None) -> str:
    holders = other_holders(store_path, exclude=exclude)
    return "; ".join(holders) if holders else "another program"


def hold(store_path: Path, *, restore: bool = False) -> StoreLock:
    """Take the store's lock: shared to open it, exclusive to restore it.

    Raises ``StoreInUse`` naming the program that prevents it.
    """
    store_path.parent.mkdir(parents=True, exist_ok=True)
    gate = gate_path(store_path).open("a+b")
    if not _try_lock(gate, shared=not restore):
        gate.close()
        if restore:
            raise StoreInUse(
                f"the store is open in {describe_holders(store_path)}: close it there first, "
                "then restore"
            )
        raise StoreInUse(
            f"the store is being restored by {describe_holders(store_path)}: "
            "wait until it has finished"
        )
    if restore and fcntl is None:
        holders = other_holders(store_path)
        if holders:
            gate.close()
            raise StoreInUse(
                f"the store is open in {'; '.join(holders)}: close it there first, then restore"
            )
    folder = holders_dir(store_path)
    folder.mkdir(exist_ok=True)
    mine_path = folder / f"{os.getpid()}-{uuid.uuid4().hex[:8]}.holder"
    mine = mine_path.open("w+b")
    _try_lock(mine)
    mine.seek(0)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    what = f"{program_name()}{' (restoring)' if restore else ''}"
    mine.write(f"{what}, process {os.getpid()} on {socket.gethostname()}, since {started}".encode())
    mine.flush()
    return StoreLock(store_path=store_path, gate=gate, mine=mine, mine_path=mine_path)
