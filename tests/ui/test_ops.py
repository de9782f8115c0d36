"""The background-operation helper: work off the UI thread, results on it, one job at a time."""

from __future__ import annotations

import threading
import time

import pytest
import shiboken6
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from hom.core.errors import DomainError
from hom.services import stock
from hom_desktop.ui.ops import Operation, OperationCancelled, Progress
from tests.ui.conftest import drain
from tests.ui.helpers import stocked_products


def _main() -> QThread:
    return QApplication.instance().thread()


def test_work_runs_off_the_ui_thread_and_success_runs_on_it(qtbot, kit):
    ((pid, _sku),) = stocked_products(kit, [7])
    seen: dict[str, object] = {}

    def work(_p: Progress) -> int:
        seen["work_thread"] = threading.current_thread()
        with kit.store.reader() as s:  # the worker opens its own session
            return stock.on_hand(s, location_id=kit.location_id, product_id=pid)

    def success(value: int) -> None:
        seen["value"] = value
        seen["success_on_main"] = QThread.currentThread() is _main()

    Operation(None, work).success(success).run()
    qtbot.waitUntil(lambda: "value" in seen, timeout=5000)
    assert seen["value"] == 7
    assert seen["work_thread"] is not threading.main_thread()
    assert seen["success_on_main"] is True


def test_a_domain_error_reaches_the_failure_callback(qtbot):
    got: list[BaseException] = []

    def work(_p: Progress) -> None:
        raise DomainError("no such thing", field="code")

    Operation(None, work).failure(got.append).run()
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert isinstance(got[0], DomainError)
    assert got[0].field == "code"


def test_without_a_failure_callback_the_user_is_told_what_was_wrong(qtbot, prompt_log):
    def work(_p: Progress) -> None:
        raise DomainError("must be a three-letter code", field="currency")

    Operation(None, work).run()
    qtbot.waitUntil(lambda: bool(prompt_log.shown), timeout=5000)
    kind, _title, text = prompt_log.shown[0]
    assert kind == "error"
    assert text == "currency: must be a three-letter code"


def test_jobs_run_one_at_a_time_in_the_order_queued(qtbot):
    events: list[str] = []
    lock = threading.Lock()
    finished: list[int] = []

    def job(n: int):
        def work(_p: Progress) -> int:
            with lock:
                events.append(f"start {n}")
            time.sleep(0.03)
            with lock:
                events.append(f"end {n}")
            return n

        return work

    for n in range(3):
        Operation(None, job(n)).success(finished.append).run()
    qtbot.waitUntil(lambda: len(finished) == 3, timeout=5000)
    assert events == ["start 0", "end 0", "start 1", "end 1", "start 2", "end 2"]
    assert finished == [0, 1, 2]


def test_progress_is_shown_and_cancel_stops_the_work(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    started = threading.Event()
    outcome: list[str] = []

    def work(progress: Progress) -> str:
        for i in range(1000):
            progress.report(i, 1000, f"step {i}")
            started.set()
            progress.check()
            time.sleep(0.005)
        return "finished"

    op = (
        Operation(parent, work)
        .with_progress("Working…", cancellable=True)
        .success(outcome.append)
        .on_cancel(lambda: outcome.append("cancelled"))
        .run()
    )
    assert op.progress_dialog is not None
    assert started.wait(5)
    qtbot.waitUntil(
        lambda: op.progress_dialog is not None and op.progress_dialog.value() > 0, timeout=5000
    )
    cancel = op.progress_dialog.findChild(QPushButton)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)  # the user presses Cancel
    qtbot.waitUntil(lambda: bool(outcome), timeout=5000)
    assert outcome == ["cancelled"]
    assert op.progress_dialog is None  # closed when the work stopped


def test_cancelled_exception_is_not_a_failure(qtbot):
    outcome: list[str] = []

    def work(_p: Progress) -> None:
        raise OperationCancelled()

    Operation(None, work).failure(lambda e: outcome.append("failed")).on_cancel(
        lambda: outcome.append("cancelled")
    ).finally_(lambda: outcome.append("done")).run()
    qtbot.waitUntil(lambda: len(outcome) == 2, timeout=5000)
    assert outcome == ["cancelled", "done"]


@pytest.fixture(autouse=True)
def _drain():
    yield
    drain()


def test_callbacks_are_skipped_when_the_asking_widget_is_gone(qtbot):
    parent = QWidget()
    release = threading.Event()
    calls: list[str] = []
    done: list[bool] = []

    def work(_p: Progress) -> int:
        release.wait(5)
        return 1

    Operation(parent, work).success(lambda _v: calls.append("success")).finally_(
        lambda: calls.append("finally")
    ).run()
    shiboken6.delete(parent)  # the window is deleted (sign-out) while the work still runs
    assert not shiboken6.isValid(parent)
    release.set()
    Operation(None, lambda _p: True).success(done.append).run()  # queued behind the first
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    assert calls == []
