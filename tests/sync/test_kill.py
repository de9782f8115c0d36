"""The client is killed with SIGKILL at a random point of a push, again and again, and
restarted: every item reaches the server once, and balances agree.

The default run does a shorter series (each round starts a real ``hom-desktop sync`` process);
``python -m pytest -m slow tests/sync/test_kill.py`` runs the issue's 50 rounds."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from tests.sync.helpers import assert_converged, enrol_desk, open_desk, write_receipts


def _kill_series(server, world, deployment, tmp_path, rounds: int) -> None:
    path = tmp_path / "killed"
    desk = enrol_desk(server, path, site="DEP01")
    write_receipts(desk, world.dep01_wh, world.soap, 1500)
    desk.close()
    rng = random.Random(8)
    command = [sys.executable, "-m", "hom_desktop", "sync", "--data-dir", str(path)]
    command += ["--batch-size", "25"]
    killed_with_work_left = 0
    for round_no in range(rounds):
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ)
        )
        time.sleep(rng.uniform(0.6, 2.2))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed_with_work_left += 1
        process.wait()
        if round_no % 4 == 3:  # the clerk keeps working between crashes
            desk = open_desk(path)
            write_receipts(desk, world.dep01_wh, world.soap, 120)
            desk.close()
    assert killed_with_work_left >= rounds // 2  # most kills landed while it was running
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
