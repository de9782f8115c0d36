"""Where a command may write a file: never over the store, its sidecar files or a backup.

``check_output_file`` is asked before any export, ``backup --to`` or restore writes: it refuses
the store itself (also through a symbolic or hard link), its ``-wal``, ``-shm`` and
``-journal`` files, its lock files, and the backups of the rolling set; and it turns the usual
mistakes (a folder, a folder that does not exist, a path below a regular file, a place that
cannot be written) into one plain sentence, before anything is written.
"""

from __future__ import annotations

import os
from pathlib import Path

from hom.core.errors import DomainError

SIDECARS = ("-wal", "-shm", "-journal", ".lock")


class PathRefused(DomainError):
    code = "path_refused"


def store_files(store_path: Path) -> list[Path]:
    """The store and every file SQLite or HOM keeps beside it."""
    return [store_path, *(store_path.with_name(store_path.name + s) for s in SIDECARS)]


def _same(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def protected_reason(path: Path, *, store_path: Path, backup_dir: Path | None = None) -> str:
    """Why ``path`` must not be written over ("" when it may be)."""
    for protected in store_files(store_path):
        if _same(path, protected):
            return "the store" if protected == store_path else f"the store's {protected.name} file"
    holders = store_path.with_name(store_path.name + ".users")
    if path.resolve().parent == holders.resolve():
        return "a lock file of the store"
    if backup_dir is not None and backup_dir.exists():
        for existing in backup_dir.iterdir():
            if existing.is_file() and _same(path, existing):
                return "a backup of the store"
    return ""


def check_output_file(
    path: Path, *, field: str, store_path: Path | None = None, backup_dir: Path | None = None
) -> Path:
    """``path`` if a new file may be written there; else ``PathRefused`` saying why and what to do.

    ``field`` names the flag or input that gave the path (``output``, ``destination``).
    """
    path = Path(path).expanduser()
    if store_path is not None:
        reason = protected_reason(path, store_path=store_path, backup_dir=backup_dir)
        if reason:
            raise PathRefused(
                f"{path} is {reason}; writing there would destroy it: choose another file",
                field=field,
            )
    if path.is_dir():
        raise PathRefused(f"{path} is a folder: give a file name inside it", field=field)
    parent = path.parent
    ancestor = parent
    while not ancestor.exists():
        if ancestor.parent == ancestor:
            break
        ancestor = ancestor.parent
    if ancestor.exists() and not ancestor.is_dir():
        raise PathRefused(
            f"{ancestor} is a file, not a folder, so nothing can be written below it",
            field=field,
        )
    if not parent.exists():
        raise PathRefused(f"the folder {parent} does not exist: create it first", field=field)
    if path.exists() and not path.is_file():
        raise PathRefused(f"{path} is not a regular file: give a file name", field=field)
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise PathRefused(f"cannot write {path}: permission denied", field=field)
    return path


def write_text_file(path: Path, text: str, *, field: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file, replacing it at the end;
    an operating-system refusal becomes ``PathRefused`` and leaves no partial file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        tmp.write_text(text, encoding="utf-8", newline="")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PathRefused(f"cannot write {path}: {exc.strerror or exc}", field=field) from None
