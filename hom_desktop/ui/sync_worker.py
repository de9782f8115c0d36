"""Sync in the background: the engine's runs off the Qt thread, their news in signals.

One ``SyncWorker`` per signed-in session (``for_session``). It runs ``SyncEngine.run_once`` as
an ``ops.Operation`` on a pool of its own with one thread (a run that waits on the network must
not hold up the store's jobs, and two syncs never run at once, even across sign-outs). It runs
on its own timer (every ``watch_interval_s`` after a success, backing off with jitter after a
failure), at once on "Sync now", and at once when the network comes back after a failure.
What the status bar and the sync view show reaches them through signals: ``statusChanged`` (a
``SyncStatus``: online, pending, rejected, last success, last error), ``progressed`` while a
run goes, ``runningChanged`` and ``finished``.

A store that is not enrolled with a server works alone: the worker says so and never tries.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from hom_desktop.ui import formats, ops, prompts

if TYPE_CHECKING:
    from hom.sync.state import SyncStatus
    from hom_desktop.sync.api import SyncEngine, SyncProgress, SyncReport
    from hom_desktop.ui.base import AppSession

log = logging.getLogger(__name__)

NOT_ENROLLED = "Not enrolled (works alone)"
DEMO_STORE = "Demo store (never syncs)"

#: What a run touched that the views show: after a pull that wrote rows, each redraws itself.
PULLED_DOMAINS = (
    "stock",
    "orders",
    "production",
    "products",
    "parties",
    "geography",
    "sites",
    "users",
)

_PHASES = {
    "connect": "Connecting to the server",
    "push": "Sending changes",
    "pull": "Receiving changes",
    "check": "Checking that both sides agree",
    "done": "Finishing",
}

_pool: QThreadPool | None = None


def sync_pool() -> QThreadPool:
    """The one thread syncs run on: never two at once."""
    global _pool
    if _pool is None:
        _pool = ops.one_thread_pool()
    return _pool


def busy() -> bool:
    """Whether a sync is running in this program now."""
    return _pool is not None and _pool.activeThreadCount() > 0


def wait_for_idle(timeout_ms: int = -1) -> bool:
    """Block until a running sync has stopped (at exit: never kill a run mid-transaction)."""
    return sync_pool().waitForDone(timeout_ms)


def progress_label(p: SyncProgress) -> str:
    """``Sending changes: 500 of 1,200`` (the pull knows no total ahead)."""
    text = _PHASES.get(str(p.phase), str(p.phase).title())
    if p.total:
        text += f": {formats.quantity(p.done)} of {formats.quantity(p.total)}"
    elif p.done:
        text += f": {formats.quantity(p.done)}"
    return text + (f" ({p.message})" if p.message else "")


def connection_text(status: SyncStatus | None, running: bool = False) -> str:
    """The status bar's word for the connection."""
    if status is not None and status.demo:
        return DEMO_STORE
    if status is None or not status.enrolled:
        return NOT_ENROLLED
    if running or status.running:  # this window's run, or ``hom-desktop sync`` elsewhere
        return "Syncing…"
    if status.online is None:
        return "Not synced yet"
    return "Online" if status.online else "Offline"


def last_sync_text(status: SyncStatus | None) -> str:
    """``Last sync: 08-12-2026 14:05`` in local time (stored UTC)."""
    if status is None or status.last_success_at is None:
        return "Last sync: never"
    return f"Last sync: {formats.moment(status.last_success_at)}"


def report_text(report: SyncReport) -> str:
    """One line for the status bar: ``Synced 14:05: sent 3, 1 rejected, received 12``."""
    if report.error:
        return f"Sync failed: {report.error}"
    parts = [f"sent {formats.quantity(report.pushed + report.duplicates)}"]
    if report.rejected:
        parts.append(f"{formats.quantity(report.rejected)} rejected")
    parts.append(f"received {formats.quantity(report.applied)}")
    text = f"Synced {report.finished_at.astimezone():%H:%M}: " + ", ".join(parts)
    if report.cancelled:
        text += " (cancelled; what was sent or received stays so)"
    if report.notices:
        text += f"; {formats.plural(len(report.notices), 'draft')} to review"
    if report.conflicts:
        text += f"; {formats.plural(len(report.conflicts), 'received change')} not applied"
    if report.check is not None and not report.check.ok:
        text += "; sanity check MISMATCH"
    return text


class SyncWorker(QObject):
    """The installation's sync for the signed-in window: timer, "Sync now", cancel, signals."""

    statusChanged = Signal(object)
    """A ``SyncStatus``, read from the store after every run and on ``refresh_status``."""
    progressed = Signal(int, int, str)
    """done, total (0 when not known), what the run is doing."""
    runningChanged = Signal(bool)
    finished = Signal(object)
    """The ``SyncReport`` of a run that ended (a failed run's report carries its error)."""
    message = Signal(str)
    """A sentence for the person (why "Sync now" did not start, how a run ended)."""

    def __init__(
        self,
        app: AppSession,
        *,
        engine: SyncEngine | None = None,
        start_delay_ms: int = 2_000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent if parent is not None else app)
        from hom_desktop.sync.api import SyncEngine

        self.app = app
        self.engine = engine or SyncEngine(app.store)
        self.status: SyncStatus | None = None
        self.last_report: SyncReport | None = None
        self.failures = 0
        self.runs = 0
        self.operation: ops.Operation[SyncReport] | None = None
        self._cancel: threading.Event | None = None
        self._stopped = False
        self._raised = False
        """The last run raised: the store may still name this process as syncing."""
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._timer_fired)
        self.refresh_status()
        if self.enrolled:
            self.timer.start(max(0, start_delay_ms))
            self._watch_network()

    # --- what the status bar and the sync view use --------------------------------------

    @property
    def enrolled(self) -> bool:
        return self.status is not None and self.status.enrolled

    @property
    def running(self) -> bool:
        return self.operation is not None and self.operation.running

    def refresh_status(self) -> SyncStatus | None:
        """Read where the store stands (two small queries) and tell the listeners."""
        from hom.services import sync_console

        if self._stopped:
            return self.status
        self.status = self.app.read(sync_console.status)
        self.statusChanged.emit(self.status)
        return self.status

    def sync_now(self) -> ops.Operation[SyncReport] | None:
        """Run a sync at once (the person asked): refused when not enrolled or already running."""
        from hom.core.errors import PermissionDenied
        from hom.services.permissions import require

        try:
            require(self.app.ctx, "sync.run")
        except PermissionDenied as exc:
            self.message.emit(prompts.describe(exc))
            return None
        return self.start(reason="asked")

    def start(self, *, reason: str = "timer") -> ops.Operation[SyncReport] | None:
        if self._stopped:
            return None
        status = self.refresh_status()
        if status is None or not status.enrolled:
            self.timer.stop()
            if reason == "asked":
                self.message.emit(f"{NOT_ENROLLED}: there is no server to sync with.")
            return None
        if self.running:
            if reason == "asked":
                self.message.emit("A sync is already running.")
            return self.operation
        if status.running and reason != "asked" and not self._raised:
            # Another program (``hom-desktop sync --watch``) is syncing this store: look again
            # later rather than queue behind it.
            self._schedule(self.engine.options.watch_interval_s)
            return None
        self.timer.stop()
        cancel = threading.Event()
        self._cancel = cancel
        engine = self.engine

        def work(progress: ops.Progress) -> SyncReport:
            def tell(p: SyncProgress) -> None:
                progress.report(p.done, p.total or 0, progress_label(p))

            return engine.run_once(progress=tell, cancelled=cancel.is_set)

        self.operation = (
            ops.Operation(None, work)
            .on_progress(self._progressed)
            .success(self._succeeded)
            .failure(self._failed)
            .finally_(self._ended)
            .run(pool=sync_pool())
        )
        self.runs += 1
        self.runningChanged.emit(True)
        self.progressed.emit(0, 0, _PHASES["connect"])
        return self.operation

    def cancel(self) -> None:
        """Ask a running sync to stop between batches (what was sent or applied stays so)."""
        if self._cancel is not None:
            self._cancel.set()

    def stop(self) -> None:
        """The window is closing: no more runs, the running one asked to stop."""
        self._stopped = True
        self.timer.stop()
        self.cancel()

    # --- main thread, after a run ---------------------------------------------------------

    def _alive(self) -> bool:
        return not self._stopped and shiboken6.isValid(self)

    def _watch_network(self) -> None:
        """Hear when the network comes back (where the platform tells: NetworkManager, glib)."""
        try:
            from PySide6.QtNetwork import QNetworkInformation

            if QNetworkInformation.instance() is None:
                QNetworkInformation.loadDefaultBackend()
            info = QNetworkInformation.instance()
        except Exception:  # no backend on this platform: the timer alone retries
            log.info("no network information backend: sync retries on its timer only")
            return
        if info is not None:
            info.reachabilityChanged.connect(self.network_changed)

    def network_changed(self, reachability: object) -> None:
        """The network came back after a failed run: try again at once, not at the backoff."""
        from PySide6.QtNetwork import QNetworkInformation

        if reachability == QNetworkInformation.Reachability.Online and self.failures > 0:
            self.start(reason="network")

    def _timer_fired(self) -> None:
        self.start(reason="timer")

    def _schedule(self, seconds: float) -> None:
        if self._alive():
            self.timer.start(int(seconds * 1000))

    def _progressed(self, done: int, total: int, label: str) -> None:
        if self._alive():
            self.progressed.emit(done, total, label)

    def _succeeded(self, report: SyncReport) -> None:
        if not self._alive():
            return
        self.last_report = report
        self._raised = False
        self.failures = self.failures + 1 if report.error else 0
        if report.applied:
            self.app.notify(*PULLED_DOMAINS)
        self.app.notify("sync")
        self.message.emit(report_text(report))
        self.finished.emit(report)

    def _failed(self, exc: BaseException) -> None:
        """A store that cannot sync at all (``SyncError``) or a fault in the run: said, and
        tried again on the backoff."""
        if not self._alive():
            return
        self.failures += 1
        self._raised = True
        self.message.emit(f"Sync failed: {prompts.describe(exc)}")
        self.finished.emit(None)

    def _ended(self) -> None:
        self._cancel = None
        if not self._alive():
            return
        self.runningChanged.emit(False)
        status = self.refresh_status()
        if status is not None and status.enrolled:
            self._schedule(self.engine.options.next_run_in_s(self.failures))


def for_session(app: AppSession) -> SyncWorker:
    """The signed-in session's one worker, made on first use (the window and the sync view
    share it)."""
    worker = app.sync_worker
    if not isinstance(worker, SyncWorker) or not shiboken6.isValid(worker):
        worker = SyncWorker(app)
        app.sync_worker = worker
    return worker


def stop_session(app: AppSession) -> None:
    """No more runs for this session, and the running one asked to stop (a restore is about
    to replace the store)."""
    worker = app.sync_worker
    if isinstance(worker, SyncWorker) and shiboken6.isValid(worker):
        worker.stop()
