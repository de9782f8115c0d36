"""A real server per test module (SQLite always, PostgreSQL where it runs), its world published
to the feed, so desktop stores can enrol against it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.conftest import BACKENDS, Deployment, deployed
from tests.server.harness import ServerProcess, running_server
from tests.sync.helpers import publish


@pytest.fixture(scope="module", params=BACKENDS)
def deployment(request, tmp_path_factory) -> Iterator[Deployment]:
    data_dir = tmp_path_factory.mktemp(f"server-{request.param}")
    with deployed(request.param, data_dir, then=publish) as d:
        yield d


@pytest.fixture(scope="module")
def server(deployment, tmp_path_factory) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp("log") / "server.log"
    with running_server(deployment.env, log) as proc:
        yield proc


@pytest.fixture(scope="module")
def world(deployment):
    return deployment.world


@pytest.fixture(autouse=True)
def _credential_file(monkeypatch):
    monkeypatch.setenv("HOM_CREDENTIAL_BACKEND", "file")


@pytest.fixture(autouse=True)
def _slow_only_when_asked(request):
    """Tests marked slow (the soak, the long kill series) run only with ``-m slow``."""
    marked = request.node.get_closest_marker("slow") is not None
    if marked and "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("slow: run with 'python -m pytest -m slow tests/sync'")
