"""Backup, more writes, restore, more writes, all through ``hom-desktop``: no two change-log
rows ever share an (installation_id, epoch, seq) with different contents, and the rows written
after the restore are numbered in a new epoch."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from hom_desktop import cli

ADMIN_PW = "admin-secret-1"


def run(data_dir: Path, *args: str, stdin: str = "") -> str:
    out = io.StringIO()
    code = cli.main(["--data-dir", str(data_dir), *args], stdin=io.StringIO(stdin), out=out)
    assert code == 0, out.getvalue()
    return out.getvalue()


def as_admin(*args: str) -> list[str]:
    return ["--user", "admin", "--password-stdin", *args]


def add_user(data_dir: Path, name: str) -> None:
    run(
        data_dir,
        *as_admin("user", "add", name, "--role", "manager"),
        stdin=f"{ADMIN_PW}\n{name}-pass-123\n",
    )


def identities(data_dir: Path) -> dict[tuple[str, int, int], str]:
    conn = sqlite3.connect(data_dir / "hom.sqlite3")
    try:
        rows = conn.execute(
            "SELECT installation_id, epoch, seq, payload FROM sync_outbox"
        ).fetchall()
    finally:
        conn.close()
    return {(iid, epoch, seq): payload for iid, epoch, seq, payload in rows}


def test_backup_writes_restore_writes_never_reuse_an_identity(tmp_path):
    data = tmp_path / "store"
    run(data, "init", "--site", "DEP07", "--password-stdin", stdin=f"{ADMIN_PW}\n")
    add_user(data, "before")
    target = tmp_path / "backup.sqlite3"
    run(data, *as_admin("backup", "--to", str(target)), stdin=f"{ADMIN_PW}\n")
    add_user(data, "lost")  # pushed, perhaps, before the store was restored
    seen = identities(data)
    run(data, *as_admin("restore", str(target), "--yes"), stdin=f"{ADMIN_PW}\n")
    add_user(data, "after")
    add_user(data, "later")
    now = identities(data)

    clashes = [key for key in now.keys() & seen.keys() if now[key] != seen[key]]
    assert clashes == [], "a change-log identity was handed out twice"
    new_keys = now.keys() - seen.keys()
    assert len(new_keys) == 2 and len({epoch for _, epoch, _ in new_keys}) == 1
    old_epochs = {epoch for _, epoch, _ in seen}
    assert all(epoch > max(old_epochs) for _, epoch, _ in new_keys)
    assert sorted(seq for _, _, seq in new_keys) == [1, 2]
