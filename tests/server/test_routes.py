"""The seed's read and write routes over HTTP: happy paths, refusals, and read scope."""

from __future__ import annotations

import uuid

import pytest

from hom_server.core.config import ServerSettings
from tests.server.harness import ADMIN, ADMIN_PASSWORD, login
from tests.server.world import CLERK_PASSWORD, MANAGER_PASSWORD, seed_activity


@pytest.fixture(scope="module")
def activity(deployment):
    settings = ServerSettings(
        database_url=deployment.database_url,
        data_dir=deployment.env["HOM_SERVER_DATA_DIR"],
        jwt_secret=deployment.env["HOM_SERVER_JWT_SECRET"],
        environment="production",
    )
    return seed_activity(settings, deployment.world)


@pytest.fixture(scope="module")
def admin(server, activity):
    with server.client(login(server, ADMIN, ADMIN_PASSWORD)["access_token"]) as c:
        yield c


@pytest.fixture(scope="module")
def clerk(server, activity):
    with server.client(login(server, "clerk1", CLERK_PASSWORD)["access_token"]) as c:
        yield c


@pytest.fixture(scope="module")
def manager(server, activity):
    with server.client(login(server, "manager1", MANAGER_PASSWORD)["access_token"]) as c:
        yield c


def _field(r) -> list:
    return r.json()["detail"][0]["loc"]


def test_users(admin, clerk):
    page = admin.get("/users", params={"limit": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["limit"] == 2
    assert admin.get("/users", params={"search": "clerk"}).json()["total"] == 1
    r = admin.post(
        "/users", json={"username": "priya", "password": "priya-pass-1", "roles": ["depot clerk"]}
    )
    assert r.status_code == 201 and r.json()["role_names"] == ["depot clerk"]
    user_id = r.json()["id"]
    dup = admin.post("/users", json={"username": "PRIYA", "password": "x" * 10, "roles": ["admin"]})
    assert dup.status_code == 409 and _field(dup) == ["username"]
    short = admin.post("/users", json={"username": "ravi", "password": "short", "roles": ["admin"]})
    assert short.status_code == 422 and _field(short) == ["body", "password"]
    role = admin.post("/users", json={"username": "ravi", "password": "x" * 10, "roles": ["boss"]})
    assert role.status_code == 404 and "known roles" in role.json()["message"]
    r = admin.patch(f"/users/{user_id}", json={"full_name": "Priya Raman"})
    assert r.status_code == 200 and r.json()["full_name"] == "Priya Raman"
    assert admin.post(f"/users/{user_id}/unlock").status_code == 200
    r = admin.post(f"/users/{user_id}/password", json={"new_password": "new-pass-123"})
    assert r.status_code == 200
    assert admin.get(f"/users/{user_id}").json()["username"] == "priya"
    assert admin.get(f"/users/{uuid.uuid4()}").status_code == 404
    assert "depot clerk" in {r["name"] for r in admin.get("/users/roles").json()}
    refused = clerk.get("/users")
    assert refused.status_code == 403 and "users.manage" in refused.json()["message"]


def test_geography(admin, clerk, manager, world):
    zones = admin.get("/geography").json()
    assert {z["code"] for z in zones} >= {"N-ZON", "S-ZON"}
    children = admin.get("/geography", params={"parent_id": str(world.north)}).json()
    assert [c["code"] for c in children] == ["N-STA"]
    assert admin.get("/geography", params={"parent_id": str(uuid.uuid4())}).status_code == 404
    assert admin.get(f"/geography/{world.north}").json()["name"] == "North zone"
    r = admin.post("/geography", json={"level": "zone", "code": "E-ZON", "name": "East"})
    assert r.status_code == 201
    east = r.json()["id"]
    dup = admin.post("/geography", json={"level": "zone", "code": "E-ZN2", "name": "east"})
    assert dup.status_code == 409
    bad = admin.post("/geography", json={"level": "planet", "code": "X", "name": "X"})
    assert bad.status_code == 422 and _field(bad) == ["body", "level"]
    assert admin.patch(f"/geography/{east}", json={"name": "Eastern"}).json()["name"] == "Eastern"
    busy = admin.delete(f"/geography/{world.north}")
    assert busy.status_code == 409
    assert admin.delete(f"/geography/{east}").status_code == 204
    assert admin.get(f"/geography/{east}").status_code == 404
    assert clerk.post("/geography", json={"level": 1, "code": "W", "name": "W"}).status_code == 403
    # A manager holds geography.manage in the seed roles.
    assert (
        manager.post("/geography", json={"level": 1, "code": "W-ZON", "name": "West"}).status_code
        == 201
    )


def test_products(admin, clerk):
    page = admin.get("/products", params={"search": "soap"}).json()
    assert page["total"] == 1 and page["items"][0]["sku"] == "SOAP-100"
    assert page["items"][0]["mrp"] == "45.00"
    prices = {"mrp": "99.00", "distributor_price": "80.00", "retailer_price": "90.00"}
    r = admin.post("/products", json={"sku": "TEA-250", "name": "Masala tea 250 g", **prices})
    assert r.status_code == 201
    product_id = r.json()["id"]
    dup = admin.post("/products", json={"sku": "tea-250", "name": "Again", **prices})
    assert dup.status_code == 409 and _field(dup) == ["sku"]
    bad = admin.post("/products", json={"sku": "X-1", "name": "X", **prices, "mrp": "abc"})
    assert bad.status_code == 422 and _field(bad) == ["body", "mrp"]
    rule = admin.post(
        "/products", json={"sku": "X-2", "name": "X", **prices, "distributor_price": "150.00"}
    )
    assert rule.status_code == 422 and rule.json()["detail"][0]["loc"]
    r = admin.patch(f"/products/{product_id}", json={"name": "Masala chai 250 g"})
    assert r.status_code == 200 and r.json()["name"] == "Masala chai 250 g"
    assert admin.get("/products", params={"sort": "nonsense"}).status_code == 422
    assert admin.get(f"/products/{uuid.uuid4()}").status_code == 404
    assert clerk.get("/products").status_code == 200  # master data reads for anyone signed in
    assert clerk.post("/products", json={"sku": "Y", "name": "Y", **prices}).status_code == 403


def test_parties_and_sites(admin, clerk, world):
    page = admin.get("/parties", params={"kind": "distributor"}).json()
    assert page["total"] == 2
    r = admin.post(
        "/parties",
        json={
            "kind": "retailer",
            "code": "RET-1",
            "name": "Lakshmi Stores",
            "territory_id": str(world.north_territory),
            "distributor_id": str(world.dist_north),
        },
    )
    assert r.status_code == 201, r.text
    dup = admin.post(
        "/parties",
        json={
            "kind": "retailer",
            "code": "RET-1",
            "name": "X",
            "territory_id": str(world.north_territory),
        },
    )
    assert dup.status_code == 409
    assert admin.get(f"/parties/{r.json()['id']}").json()["name"] == "Lakshmi Stores"
    assert {s["code"] for s in clerk.get("/sites").json()} >= {"DEP01", "DEP02", "FAC01", "HO"}
    locations = admin.get(f"/sites/{world.dep01}/locations").json()
    assert [x["code"] for x in locations] == ["DEP01-MAIN"]
    r = admin.post("/sites", json={"code": "DEP03", "name": "Depot 3", "kind": "depot"})
    assert r.status_code == 201
    assert (
        admin.post("/sites", json={"code": "DEP03", "name": "X", "kind": "depot"}).status_code
        == 409
    )
    r = admin.post(
        "/locations",
        json={"site_id": r.json()["id"], "code": "DEP03-WH", "name": "WH", "kind": "warehouse"},
    )
    assert r.status_code == 201
    assert clerk.post("/sites", json={"code": "Z", "name": "Z", "kind": "depot"}).status_code == 403
    assert admin.get(f"/sites/{uuid.uuid4()}").status_code == 404


def test_inventory_is_read_within_the_callers_scope(admin, clerk, manager, world):
    def locations(client, **params):
        r = client.get("/inventory/stock", params=params)
        assert r.status_code == 200, r.text
        return {row["location_code"] for row in r.json()["items"]}

    assert locations(admin) == {"DEP01-MAIN", "DEP02-MAIN"}
    assert locations(clerk) == {"DEP01-MAIN"}
    assert locations(manager) == {"DEP01-MAIN"}  # the north zone's sites only
    assert manager.get("/inventory/stock", params={"site_id": str(world.dep02)}).status_code == 403
    r = manager.get("/inventory/stock", params={"location_id": str(world.dep02_wh)})
    assert r.status_code == 403
    ledger = clerk.get("/inventory/ledger", params={"location_id": str(world.dep01_wh), "limit": 1})
    assert ledger.status_code == 200 and ledger.json()["items"][0]["quantity"] == 100
    r = clerk.get("/inventory/ledger", params={"location_id": str(world.dep02_wh)})
    assert r.status_code == 403
    r = clerk.get("/inventory/ledger", params={"location_id": str(world.dep01_wh), "cursor": "x"})
    assert r.status_code == 422 and _field(r) == ["cursor"]
    r = clerk.get("/inventory/ledger", params={"location_id": str(uuid.uuid4())})
    assert r.status_code == 404


def test_orders_are_read_within_the_callers_scope(admin, clerk, manager, activity):
    def numbers(client):
        r = client.get("/orders/primary")
        assert r.status_code == 200, r.text
        return {row["number"].split("-")[0] for row in r.json()["items"]}

    assert numbers(admin) == {"DEP01", "DEP02"}
    assert numbers(clerk) == {"DEP01"}
    assert numbers(manager) == {"DEP01"}
    north = manager.get(f"/orders/primary/{activity['order_north']}")
    assert north.status_code == 200 and north.json()["lines"][0]["quantity"] == 5
    assert manager.get(f"/orders/primary/{activity['order_south']}").status_code == 403
    assert admin.get(f"/orders/primary/{uuid.uuid4()}").status_code == 404
    assert admin.get("/orders/quaternary").status_code == 422
    assert admin.get("/orders/secondary").json()["total"] == 0


def test_production_logs(admin, manager, world):
    assert admin.get("/production/logs").json()["total"] == 0
    r = manager.get("/production/logs")
    assert r.status_code == 422 and _field(r) == ["site_id"]
    assert manager.get("/production/logs", params={"site_id": str(world.fac01)}).status_code == 200
    assert manager.get("/production/logs", params={"site_id": str(world.dep02)}).status_code == 403
    assert admin.get(f"/production/logs/{uuid.uuid4()}").status_code == 404
