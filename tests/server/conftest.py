"""One real server per test module and backend: SQLite always, PostgreSQL where it runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from hom_server.core.config import ServerSettings
from tests.pg import fresh_database
from tests.server.harness import ServerProcess, running_server, server_env
from tests.server.world import World, build_world


@dataclass
class Deployment:
    backend: str
    database_url: str
    env: dict[str, str]
    world: World
    stack: ExitStack


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def deployed(
    backend: str, data_dir: Path, *, then: Callable[[ServerSettings], None] | None = None
) -> Iterator[Deployment]:
    """A migrated database on ``backend`` holding the test world (no server yet); ``then``
    runs on its settings before it is handed out (the sync tests publish the world)."""
    with ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{data_dir / 'server.sqlite3'}"
        else:
            url = stack.enter_context(fresh_database())
        env = server_env(url, data_dir)
        settings = ServerSettings(
            database_url=url,
            data_dir=data_dir,
            jwt_secret=env["HOM_SERVER_JWT_SECRET"],
            environment="production",
        )
        world = build_world(settings)
        if then is not None:
            then(settings)
        yield Deployment(backend, url, env, world, stack)


@pytest.fixture(scope="module", params=BACKENDS)
def deployment(request, tmp_path_factory) -> Iterator[Deployment]:
    """A migrated database holding the test world (no server yet)."""
    with deployed(request.param, tmp_path_factory.mktemp(f"server-{request.param}")) as d:
        yield d


@pytest.fixture(scope="module")
def server(deployment, tmp_path_factory) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp("log") / "server.log"
    with running_server(deployment.env, log) as proc:
        yield proc


@pytest.fixture(scope="module")
def world(deployment) -> World:
    return deployment.world
