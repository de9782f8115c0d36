"""The one way slow work leaves the UI thread (after Anki's ``QueryOp``).

    Operation(parent, work).success(show).with_progress("Importing…", cancellable=True).run()

``work(progress)`` runs on a single background worker, so database work is serialised: one job
at a time, each opening its own session (``with store.transaction() as s``) and returning plain
data (ids, numbers, dataclasses), never ORM objects or widgets. ``success`` and ``failure`` run
on the main thread through a queued signal, where touching widgets is allowed. The progress
dialog and the cancel flag are built in; the work reads ``progress.cancelled()``.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from hom.core.errors import DomainError
from hom_desktop.ui import prompts

T = TypeVar("T")
log = logging.getLogger(__name__)


class OperationCancelled(Exception):
    """Raised by work that noticed ``progress.cancelled()``; not reported as a failure."""


class Progress:
    """Handed to the work: report how far it got, and ask whether the user cancelled."""

    def __init__(self, bridge: _Bridge, cancel: threading.Event) -> None:
        self._bridge = bridge
        self._cancel = cancel

    def report(self, done: int, total: int, label: str = "") -> None:
        self._bridge.progressed.emit(int(done), int(total), str(label))

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise ``OperationCancelled`` if the user asked to stop."""
        if self._cancel.is_set():
            raise OperationCancelled()


class _Bridge(QObject):
    """Lives on the main thread; the worker only emits its signals.

    The slots are methods of this QObject, connected queued, so Qt runs them on the thread the
    bridge lives on (the main thread) whichever thread emitted.
    """

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object, str)
    cancelled = Signal()

    def __init__(self, op: Operation[Any]) -> None:
        super().__init__()
        self._op = op
        queued = Qt.ConnectionType.QueuedConnection
        self.progressed.connect(self._on_progress, queued)
        self.succeeded.connect(self._on_success, queued)
        self.failed.connect(self._on_failure, queued)
        self.cancelled.connect(self._on_cancel, queued)

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, label: str) -> None:
        self._op._progressed(done, total, label)

    @Slot(object)
    def _on_success(self, result: object) -> None:
        self._op._succeeded(result)

    @Slot(object, str)
    def _on_failure(self, exc: object, trace: str) -> None:
        self._op._failed(exc, trace)  # type: ignore[arg-type]

    @Slot()
    def _on_cancel(self) -> None:
        self._op._cancelled()


class _Task(QRunnable):
    def __init__(self, work: Callable[[Progress], Any], bridge: _Bridge, progress: Progress):
        super().__init__()
        self.setAutoDelete(True)
        self._work = work
        self._bridge = bridge
        self._progress = progress

    def run(self) -> None:  # on the worker thread: no widget may be touched here
        try:
            result = self._work(self._progress)
        except OperationCancelled:
            self._bridge.cancelled.emit()
        except BaseException as exc:  # every failure must reach the main thread
            if self._progress.cancelled():
                # The work stopped the way it stops when asked to (e.g. a loader raising its
                # own "cancelled" error): the user asked for this, it is not a failure.
                self._bridge.cancelled.emit()
            else:
                self._bridge.failed.emit(exc, traceback.format_exc())
        else:
            # Finished (and committed, if it wrote) even if Cancel was pressed at the very end:
            # that is a success, and the user must hear of it as one.
            self._bridge.succeeded.emit(result)


def _finished_work(_progress: Progress) -> Any:  # pragma: no cover - never run
    raise RuntimeError("this operation has finished; make a new one to run again")


_pool: QThreadPool | None = None
_running: set[Operation[Any]] = set()


def one_thread_pool() -> QThreadPool:
    """A pool with one thread that stays up: its jobs run one after another, and the
    application waits for them when it quits (a running job must never be killed)."""
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    pool.setExpiryTimeout(-1)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(lambda: pool.waitForDone(-1))
    return pool


def worker_pool() -> QThreadPool:
    """The single background worker: jobs run one after another, never two at once."""
    global _pool
    if _pool is None:
        _pool = one_thread_pool()
    return _pool


def running_label() -> str:
    """The progress text of a running background operation ("" when none shows one)."""
    for op in list(_running):
        if op._progress_label:
            return op._progress_label
    return ""


def wait_for_idle(timeout_ms: int = -1) -> bool:
    """Block until queued jobs are done (at exit: a running job must never be killed)."""
    return worker_pool().waitForDone(timeout_ms)


class Operation(Generic[T]):
    """Work off the UI thread, results on it."""

    def __init__(self, parent: QWidget | None, work: Callable[[Progress], T]) -> None:
        self._parent = parent
        self._work = work
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._on_cancel: Callable[[], None] | None = None
        self._on_done: Callable[[], None] | None = None
        self._on_progress: Callable[[int, int, str], None] | None = None
        self._progress_label: str | None = None
        self._progress_title = ""
        self._cancellable = False
        self._dialog: QProgressDialog | None = None
        self._cancel = threading.Event()
        self._bridge: _Bridge | None = None
        self.error_title = "Could not finish"

    def success(self, fn: Callable[[T], None]) -> Operation[T]:
        self._on_success = fn
        return self

    def failure(self, fn: Callable[[BaseException], None]) -> Operation[T]:
        """Replace the default failure handling (a message naming what was wrong)."""
        self._on_failure = fn
        return self

    def on_cancel(self, fn: Callable[[], None]) -> Operation[T]:
        self._on_cancel = fn
        return self

    def finally_(self, fn: Callable[[], None]) -> Operation[T]:
        """Run after success, failure or cancel (re-enable a button, say)."""
        self._on_done = fn
        return self

    def on_progress(self, fn: Callable[[int, int, str], None]) -> Operation[T]:
        """Hear every ``progress.report(done, total, label)`` on the main thread (a status bar
        showing the progress of work that has no dialog)."""
        self._on_progress = fn
        return self

    def with_progress(
        self, label: str, *, title: str = "", cancellable: bool = False
    ) -> Operation[T]:
        self._progress_label = label
        self._progress_title = title
        self._cancellable = cancellable
        return self

    @property
    def progress_dialog(self) -> QProgressDialog | None:
        return self._dialog

    @property
    def running(self) -> bool:
        """True from ``run`` until the outcome (success, failure or cancel) reached the main
        thread."""
        return self in _running

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._cancel.set()

    def run(self, pool: QThreadPool | None = None) -> Operation[T]:
        """Queue the work on the background worker (or on ``pool``: work that waits on the
        network must not hold up the store's jobs) and return at once."""
        bridge = _Bridge(self)
        self._bridge = bridge
        if self._progress_label is not None:
            self._dialog = self._make_dialog()
        _running.add(self)
        (pool or worker_pool()).start(_Task(self._work, bridge, Progress(bridge, self._cancel)))
        return self

    def _make_dialog(self) -> QProgressDialog:
        dialog = QProgressDialog(
            self._progress_label or "",
            "Cancel" if self._cancellable else "",
            0,
            0,
            self._parent,
        )
        if not self._cancellable:
            dialog.setCancelButton(None)
        dialog.setWindowTitle(self._progress_title or "Working…")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumWidth(380)
        dialog.canceled.connect(self._user_cancelled)
        # Starts the dialog's clock: it shows after the minimum duration even when the work
        # never reports progress (a busy bar then), so a slow job can always be cancelled.
        dialog.setValue(0)
        return dialog

    def _user_cancelled(self) -> None:
        self._cancel.set()
        if self._dialog is not None:
            self._dialog.setLabelText("Cancelling…")

    # --- main thread ------------------------------------------------------------------

    def _progressed(self, done: int, total: int, label: str) -> None:
        if self._on_progress is not None and not self._parent_gone():
            self._on_progress(done, total, label)
        if self._dialog is None or not shiboken6.isValid(self._dialog):
            return
        self._dialog.setMaximum(max(total, 0))
        self._dialog.setValue(min(done, total) if total > 0 else 0)
        if label:
            self._dialog.setLabelText(label)

    def _finish(self) -> None:
        if self._dialog is not None and shiboken6.isValid(self._dialog):
            self._dialog.canceled.disconnect(self._user_cancelled)
            self._dialog.close()
            self._dialog.deleteLater()
        self._dialog = None
        _running.discard(self)

    def _parent_gone(self) -> bool:
        """True when the widget that asked for the work has been deleted meanwhile (a window
        closed on sign-out): its callbacks would touch dead widgets, so they are skipped."""
        return self._parent is not None and not shiboken6.isValid(self._parent)

    def _succeeded(self, result: object) -> None:
        def handle() -> None:
            if self._on_success is not None:
                self._on_success(result)  # type: ignore[arg-type]

        self._outcome(handle)

    def _failed(self, exc: BaseException, trace: str) -> None:
        if not isinstance(exc, DomainError):
            log.error("background work failed:\n%s", trace)

        def handle() -> None:
            if self._on_failure is not None:
                self._on_failure(exc)
            else:
                prompts.error(self._parent, self.error_title, prompts.describe(exc))

        self._outcome(handle)

    def _cancelled(self) -> None:
        def handle() -> None:
            if self._on_cancel is not None:
                self._on_cancel()

        self._outcome(handle)

    def _outcome(self, handle: Callable[[], None]) -> None:
        """Close the progress dialog, run ``handle`` and then the ``finally_`` callback (unless
        the parent is gone), then let go of the work, the callbacks and the parent: a finished
        operation that its dialog keeps (``dialog.operation``) must not keep that dialog
        alive in turn once Qt has deleted it."""
        self._finish()
        try:
            if self._parent_gone():
                return
            try:
                handle()
            finally:
                self._done()
        finally:
            self._release()

    def _release(self) -> None:
        self._work = _finished_work
        self._on_success = self._on_failure = self._on_cancel = self._on_done = None
        self._on_progress = None
        self._parent = None

    def _done(self) -> None:
        if self._on_done is not None:
            self._on_done()
