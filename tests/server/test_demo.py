"""``hom-server demo``: the demo company loaded centrally; its codes enrol installations that
then pull the company's master data."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.server.harness import run_cli, running_server, server_env


@pytest.mark.slow
def test_demo_loads_and_its_codes_enrol_installations_that_pull(tmp_path):
    env = server_env(f"sqlite:///{tmp_path / 'demo.sqlite3'}", tmp_path)
    result = run_cli(env, "demo", "--days", "1")
    assert result.returncode == 0, result.stderr
    codes = dict(
        (what.split()[0], code)
        for code, what in re.findall(
            r"^  ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})  (.+)$", result.stdout, re.M
        )
    )
    assert set(codes) == {"factory", "depot", "distributor", "manager"}
    again = run_cli(env, "demo", "--days", "1")
    assert again.returncode == 2 and "already holds data" in again.stderr
    with running_server(env, tmp_path / "server.log") as server, server.client() as c:
        r = c.post(
            "/devices/enrol", json={"code": codes["depot"], "installation_id": str(uuid.uuid4())}
        )
        assert r.status_code == 201, r.text
        headers = {"Authorization": f"Bearer {r.json()['credential']}"}
        page = c.get("/sync/pull", params={"limit": 5000}, headers=headers).json()
        entities = {i["entity"] for i in page["items"]}
        assert {"products", "geo_nodes", "sites", "stock_locations", "users"} <= entities
        assert len([i for i in page["items"] if i["entity"] == "products"]) == 300
