"""GUI test fixtures: an isolated QSettings folder, the signed-in session, recorded prompts.

Modal message boxes and file dialogs are replaced at their one seam (``hom_desktop.ui.prompts``)
by a recorder that answers from a queue, so no test blocks on a modal dialog.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from hom.services import users
from hom_desktop.ui import ops, prompts, sync_worker
from hom_desktop.ui.app import style
from hom_desktop.ui.base import AppSession
from hom_desktop.ui.signin import _who


@pytest.fixture(autouse=True)
def qsettings_dir(tmp_path, qapp):
    """QSettings writes into the test's own folder, never the user's configuration."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings")
    )
    if not qapp.styleSheet():
        style(qapp)
    return tmp_path / "qsettings"


def drain() -> None:
    """Let queued background jobs finish and their results reach the main thread."""
    sync_worker.wait_for_idle()
    ops.wait_for_idle()
    for _ in range(3):
        QApplication.processEvents()


@dataclass
class PromptLog:
    """What the application asked or told the user, and the answers it will get."""

    shown: list[tuple[str, str, str]] = field(default_factory=list)
    answers: deque[Any] = field(default_factory=deque)

    def texts(self, kind: str | None = None) -> list[str]:
        return [t for k, _title, t in self.shown if kind is None or k == kind]

    def _answer(self, default: Any) -> Any:
        return self.answers.popleft() if self.answers else default


@pytest.fixture
def prompt_log(monkeypatch) -> PromptLog:
    log = PromptLog()

    def record(kind: str, default: Any = None):
        def fn(_parent: Any, title: str, text: str = "", *args: Any, **kwargs: Any) -> Any:
            log.shown.append((kind, title, text))
            return log._answer(default)

        return fn

    monkeypatch.setattr(prompts, "info", record("info"))
    monkeypatch.setattr(prompts, "error", record("error"))
    monkeypatch.setattr(prompts, "critical", record("critical"))
    monkeypatch.setattr(prompts, "confirm", record("confirm", True))
    monkeypatch.setattr(prompts, "ask_text", record("ask_text", None))
    monkeypatch.setattr(prompts, "open_file", record("open_file", None))
    monkeypatch.setattr(prompts, "save_file", record("save_file", None))
    return log


def make_session(kit: Any, ctx: Any = None) -> AppSession:
    with kit.store.reader() as s:
        who = _who(s, users.get_user(s, kit.ctx.user_id))
    return AppSession(store=kit.store, settings=kit.store.settings, ctx=ctx or kit.ctx, who=who)


@pytest.fixture
def app_session(kit, prompt_log) -> AppSession:
    """The admin signed in on the kit's store (DEP01)."""
    session = make_session(kit)
    yield session
    drain()
