"""The client is killed with SIGKILL at a random point of a push, again and again, and
restarted: every item reaches the server once, and balances agree.

The default run does a shorter series (each round starts a real ``hom-desktop sync`` process);
``python -m pytest -m slow tests/sync/test_kill.py`` runs the issue's 50 rounds."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest

from tests.sync.helpers import assert_converged, enrol_desk, open_desk, write_receipts


def _pending(path) -> int:
    """Items of the change log not yet acknowledged, read beside the running sync (a read-only
    connection: it never takes the write lock the sync needs)."""
    with closing(sqlite3.connect(f"file:{path / 'hom.sqlite3'}?mode=ro", uri=True)) as db:
        db.execute("PRAGMA busy_timeout = 5000")
        return db.execute("SELECT count(*) FROM sync_outbox WHERE status = 'pending'").fetchone()[0]


def _kill_series(server, world, deployment, tmp_path, rounds: int) -> None:
    path = tmp_path / "killed"
    desk = enrol_desk(server, path, site="DEP01")
    write_receipts(desk, world.dep01_wh, world.soap, 1500)
    desk.close()
    rng = random.Random(8)
    command = [sys.executable, "-m", "hom_desktop", "sync", "--data-dir", str(path)]
    command += ["--batch-size", "25"]
    killed_mid_push = 0
    for _ in range(rounds):
        before = _pending(path)
        # Kill once a random share of the waiting items is acknowledged: a point inside the
        # push whatever the machine's speed (a timer would land after the push on a quiet
        # machine and before it started on a busy one).
        target = before - rng.randint(1, max(1, before - 1))
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ)
        )
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            if _pending(path) <= target:
                break
            time.sleep(0.01)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait()
        if process.returncode == -signal.SIGKILL and _pending(path) > 0:
            killed_mid_push += 1
        desk = open_desk(path)  # the clerk keeps working between crashes
        write_receipts(desk, world.dep01_wh, world.soap, 150)
        desk.close()
    # The kills landed inside pushes, with items still waiting.
    assert killed_mid_push >= rounds * 2 // 3
    desk = open_desk(path)
    try:
        report = desk.sync()
        assert report.ok, report.summary()
        assert report.check is not None and report.check.ok
        assert_converged(desk, deployment.database_url, {world.dep01_wh})
    finally:
        desk.close()


def test_killed_at_random_points_of_a_push(server, world, deployment, tmp_path) -> None:
    _kill_series(server, world, deployment, tmp_path, rounds=12)


@pytest.mark.slow
def test_killed_fifty_times_in_a_row(server, world, deployment, tmp_path) -> None:
    _kill_series(server, world, deployment, tmp_path, rounds=50)
