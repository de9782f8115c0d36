"""Soak: 20 installations in separate processes work and sync concurrently against two server
processes on one PostgreSQL for a few minutes (``HOM_SOAK_SECONDS``, default 120). Zero lost,
zero doubled. Slow: ``python -m pytest -m slow tests/sync/test_soak.py``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hom.services import sites
from hom_server.core.config import ServerSettings
from hom_server.core.database import open_database
from tests.pg import fresh_database
from tests.server.harness import running_server, server_env
from tests.server.world import build_world
from tests.sync.helpers import assert_converged, enrol_desk, ledger_ids, open_desk, publish

INSTALLATIONS = 20


def _add_depots(settings: ServerSettings, territory, count: int) -> list[tuple[str, object]]:
    db = open_database(settings)
    made = []
    try:
        with db.transaction() as s:
            ctx = sites.system_context(s)
            for i in range(count):
                code = f"SK{i:02d}"
                site = sites.create_site(
                    s,
                    ctx=ctx,
                    site_in={"code": code, "name": code, "kind": "depot", "geo_node_id": territory},
                )
                loc = sites.create_location(
                    s,
                    ctx=ctx,
                    location_in={
                        "site_id": site.id,
                        "code": f"{code}-W",
                        "name": code,
                        "kind": "warehouse",
                    },
                )
                made.append((code, loc.id))
    finally:
        db.close()
    return made


@pytest.mark.slow
@pytest.mark.postgres
def test_soak_twenty_installations_two_servers(tmp_path: Path) -> None:
    seconds = os.environ.get("HOM_SOAK_SECONDS", "120")
    with fresh_database() as url:
        env = server_env(url, tmp_path)
        settings = ServerSettings(
            database_url=url,
            data_dir=tmp_path,
            jwt_secret=env["HOM_SERVER_JWT_SECRET"],
            environment="production",
        )
        world = build_world(settings)
        depots = _add_depots(settings, world.north_territory, INSTALLATIONS)
        publish(settings)
        with (
            running_server(env, tmp_path / "a.log") as a,
            running_server(env, tmp_path / "b.log") as b,
        ):
            paths = []
            for index, (code, _loc) in enumerate(depots):
                path = tmp_path / code
                enrol_desk((a, b)[index % 2], path, site=code).close()
                paths.append(path)
            workers = [
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "tests.sync.soak_worker",
                        str(path),
                        str(loc),
                        str(world.soap),
                        seconds,
                    ],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
                for path, (_code, loc) in zip(paths, depots, strict=True)
            ]
            outputs = [w.communicate(timeout=float(seconds) + 600)[0] for w in workers]
            assert [w.returncode for w in workers] == [0] * INSTALLATIONS, outputs
            total = 0
            for path, (_code, loc) in zip(paths, depots, strict=True):
                desk = open_desk(path)
                try:
                    assert_converged(desk, url, {loc})  # zero lost, zero doubled
                    total += len(ledger_ids(desk.store))
                finally:
                    desk.close()
            assert total > INSTALLATIONS * 10
