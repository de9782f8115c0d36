"""A save that meets another job's write lock waits in short steps, says why, and gives up
with a clear message after the busy timeout (the window repaints meanwhile)."""

from __future__ import annotations

import sqlite3
import time

import pytest
from PySide6.QtCore import QTimer

from hom.core.errors import StoreBusy
from hom.models.enums import GeoLevel
from hom.services import geography
from hom_desktop.ui.base import AppSession


def _hold_lock(kit) -> sqlite3.Connection:
    other = sqlite3.connect(kit.store.settings.store_path, timeout=1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # as a background job's long write would
    return other


def _zone(kit, code: str):
    ctx = kit.ctx
    return lambda s: (
        geography.create_node(
            s, ctx=ctx, node_in={"level": GeoLevel.ZONE, "code": code, "name": code}
        ).id
    )


def test_a_save_waits_for_the_lock_and_says_why(qtbot, kit, app_session):
    said: list[str] = []
    app_session.waiting.connect(said.append)
    other = _hold_lock(kit)
    QTimer.singleShot(600, other.rollback)  # the job finishes while the save waits
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(50)
    started = time.perf_counter()
    made = app_session.run_action(_zone(kit, "WEST"))
    timer.stop()
    other.close()
    assert time.perf_counter() - started >= 0.5
    assert said[0] == "Waiting to save: another window or program is writing to it…"
    assert said[-1] == ""
    assert len(ticks) >= 3  # the event loop kept running while it waited
    with kit.store.reader() as s:
        assert geography.get_node(s, made).code == "WEST"


def test_a_save_gives_up_after_the_busy_timeout_with_a_clear_message(qtbot, kit, app_session):
    impatient = AppSession(
        store=kit.store,
        settings=kit.store.settings.model_copy(update={"busy_timeout_ms": 700}),
        ctx=app_session.ctx,
        who=app_session.who,
    )
    other = _hold_lock(kit)
    try:
        with pytest.raises(StoreBusy) as refused:
            impatient.run_action(_zone(kit, "EAST"))
    finally:
        other.rollback()
        other.close()
    assert "the store is busy" in str(refused.value) and "nothing was saved" in str(refused.value)
    assert impatient.run_action(_zone(kit, "EAST"))  # free again: saved at once
