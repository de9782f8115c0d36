"""Unexpected errors in the desktop application: logged, then shown, never a silent exit.

``guarded(run_gui, data_dir)`` installs the hooks and runs the application. An exception that
escapes a slot, a thread or start-up itself is written to the log (through its redacting
formatter: no secrets) and a dialog tells the clerk what happened and where the log file is.
Errors in a worker thread are logged there and shown on the main thread.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

from hom.core import logs
from hom.core.names import APP_NAME, data_dir_for
from hom_desktop.ui import prompts

log = logging.getLogger("hom.crash")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def message(exc: BaseException, log_file: Path) -> str:
    """What the dialog says: what went wrong (redacted, short), that saved work is safe, and
    where the details are."""
    detail = logs.redact(str(exc)).strip().splitlines()
    first = detail[0][:300] if detail else ""
    return (
        f"{APP_NAME} ran into an error it did not expect:\n"
        f"{type(exc).__name__}{': ' + first if first else ''}\n\n"
        "What you saved before this is safe in the store; the action you were doing may not "
        "have finished, so check it.\n\n"
        f"The details were written to the log file:\n{log_file}\n"
        "Please send that file to whoever supports your installation."
    )


class _Reporter(QObject):
    """Lives on the main thread: a worker's error reaches the dialog through a queued signal."""

    raised = Signal(str)

    def __init__(self, log_file: Path) -> None:
        super().__init__()
        self.log_file = log_file
        self.showing = False
        self.raised.connect(self.show)

    def show(self, text: str) -> None:
        if self.showing:  # an error while the dialog is up (or from it): logged only
            return
        self.showing = True
        try:
            prompts.critical(None, f"{APP_NAME}: unexpected error", text)
        finally:
            self.showing = False

    def report(self, info: ExcInfo, *, where: str = "") -> None:
        log.critical("unexpected error%s", f" in {where}" if where else "", exc_info=info)
        text = message(info[1], self.log_file)
        app = QCoreApplication.instance()
        if app is not None and QThread.currentThread() is app.thread():
            self.show(text)
        else:
            self.raised.emit(text)  # queued to the main thread


_reporter: _Reporter | None = None


def install(log_file: Path) -> _Reporter:
    """Route uncaught exceptions (main thread, Qt slots, Python threads) to the log and a
    dialog. Needs the QApplication to exist (the reporter lives on its thread)."""
    global _reporter
    reporter = _Reporter(log_file)
    _reporter = reporter

    def on_exception(kind, exc, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        reporter.report((kind, exc, tb))

    def on_thread_exception(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            where = f"thread {args.thread.name}" if args.thread else "a thread"
            reporter.report((args.exc_type, args.exc_value, args.exc_traceback), where=where)

    sys.excepthook = on_exception
    threading.excepthook = on_thread_exception
    return reporter


def guarded(run: Callable[[str | Path | None], int], data_dir: str | Path | None) -> int:
    """Run the application on ``data_dir`` with the hooks installed; an error that ends it is
    shown too. Needs no settings: the sign-in dialog paints before they are loaded."""
    from hom_desktop.ui.app import ensure_app

    ensure_app()
    reporter = install(logs.log_path(data_dir_for(data_dir)))
    try:
        return run(data_dir)
    except Exception:
        reporter.report(sys.exc_info(), where="start-up")  # type: ignore[arg-type]
        return 1
