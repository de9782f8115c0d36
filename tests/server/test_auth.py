"""Sign-in over HTTP against a real server: tokens, lockout, refresh rotation, rate limit,
enrolment codes and device credentials."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import create_engine, update

from hom.core.clock import utcnow
from hom_server.models import EnrolmentCode
from tests.server.harness import ADMIN, ADMIN_PASSWORD, JWT_SECRET, login
from tests.server.world import CLERK_PASSWORD


@pytest.fixture(scope="module")
def admin_token(server) -> str:
    return login(server, ADMIN, ADMIN_PASSWORD)["access_token"]


def test_login_gives_tokens_that_open_the_api(server):
    tokens = login(server, "clerk1", CLERK_PASSWORD)
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 15 * 60
    with server.client(tokens["access_token"]) as c:
        me = c.get("/auth/me")
    assert me.status_code == 200
    assert me.json()["username"] == "clerk1" and me.json()["role_names"] == ["depot clerk"]
    assert "password" not in me.text and "hash" not in me.text


def test_bad_login_bodies_are_refused_with_field_messages(server):
    with server.client() as c:
        missing = c.post("/auth/login", json={"username": "admin"})
        extra = c.post("/auth/login", json={"username": "a", "password": "b", "x": 1})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "password"]
    assert "password" in missing.json()["message"]
    assert extra.status_code == 422 and extra.json()["detail"][0]["loc"] == ["body", "x"]


def test_requests_without_a_valid_token_get_401(server):
    expired = jwt.encode(
        {"sub": str(uuid.uuid4()), "typ": "access", "exp": int(time.time()) - 5},
        JWT_SECRET,
        algorithm="HS256",
    )
    forged = jwt.encode(
        {"sub": str(uuid.uuid4()), "typ": "access", "exp": int(time.time()) + 60},
        "another-secret-" + "y" * 40,
        algorithm="HS256",
    )
    with server.client() as c:
        assert c.get("/auth/me").status_code == 401
        r = c.get("/auth/me", headers={"Authorization": f"Bearer {expired}"})
        assert r.status_code == 401 and "expired" in r.json()["message"]
        assert r.headers["www-authenticate"] == "Bearer"
        r = c.get("/auth/me", headers={"Authorization": f"Bearer {forged}"})
        assert r.status_code == 401 and "not valid" in r.json()["message"]


def test_wrong_passwords_lock_the_account_as_on_the_desktop(server, deployment):
    with server.client() as c:
        for _ in range(5):
            r = c.post("/auth/login", json={"username": "manager1", "password": "wrong-pass-9"})
            assert r.status_code == 401
            # One message for an unknown name and a wrong password: no count that tells a
            # guesser the name exists.
            assert r.json()["message"] == "password: wrong username or password"
            assert "attempt" not in r.json()["message"]
        # The fifth locked the account; only the right password learns that it is locked.
        from tests.server.world import MANAGER_PASSWORD

        r = c.post("/auth/login", json={"username": "manager1", "password": MANAGER_PASSWORD})
        assert r.status_code == 401 and r.json()["code"] == "account_locked"
        assert "locked" in r.json()["message"]
    # The password never reaches the log.
    assert "wrong-pass-9" not in server.log() and MANAGER_PASSWORD not in server.log()


def test_login_rate_limit_per_username_is_kept_in_the_database(server):
    with server.client() as c:
        codes = [
            c.post("/auth/login", json={"username": "nobody-here", "password": "x" * 8})
            for _ in range(11)
        ]
    assert [r.status_code for r in codes[:10]] == [401] * 10
    assert codes[10].status_code == 429
    assert codes[10].headers["retry-after"] == "60"
    assert "at most 10" in codes[10].json()["message"]


def test_refresh_rotates_and_a_reused_token_signs_the_user_out(server):
    first = login(server, "clerk1", CLERK_PASSWORD)
    with server.client() as c:
        r = c.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert r.status_code == 200
        second = r.json()
        assert second["refresh_token"] != first["refresh_token"]
        assert (
            c.get(
                "/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"}
            ).status_code
            == 200
        )
        # The first refresh token is used up; presenting it again revokes the whole family.
        r = c.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert r.status_code == 401 and "already used" in r.json()["message"]
        r = c.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
        assert r.status_code == 401
        assert c.post("/auth/refresh", json={"refresh_token": "nonsense"}).status_code == 401


def test_logout_revokes_the_refresh_token(server):
    tokens = login(server, "clerk1", CLERK_PASSWORD)
    with server.client() as c:
        assert (
            c.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]}).status_code
            == 204
        )
        r = c.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 401


def test_enrolment_code_is_one_time_and_gives_a_device_credential(server, admin_token, world):
    with server.client(admin_token) as c:
        r = c.post("/devices/codes", json={"site": "DEP01"})
        assert r.status_code == 201, r.text
        code = r.json()["code"]
        assert r.json()["site_id"] == str(world.dep01)
    installation = str(uuid.uuid4())
    with server.client() as c:
        r = c.post("/devices/enrol", json={"code": code.lower(), "installation_id": installation})
        assert r.status_code == 201, r.text
        enrolment = r.json()
        assert enrolment["site_id"] == str(world.dep01)
        assert enrolment["credential"].startswith("homdev.")
        again = c.post("/devices/enrol", json={"code": code, "installation_id": str(uuid.uuid4())})
        assert again.status_code == 401 and "already used" in again.json()["message"]
        unknown = c.post(
            "/devices/enrol", json={"code": "AAAA-BBBB-CCCC", "installation_id": installation}
        )
        assert unknown.status_code == 401
        # A device credential does not open the people's routes.
        r = c.get("/auth/me", headers={"Authorization": f"Bearer {enrolment['credential']}"})
        assert r.status_code == 403
    assert code not in server.log() and enrolment["credential"] not in server.log()


def test_enrolment_errors(server, admin_token, deployment):
    with server.client(admin_token) as c:
        r = c.post("/devices/codes", json={"site": "NOPE"})
        assert r.status_code == 404 and r.json()["detail"][0]["loc"] == ["site"]
        r = c.post("/devices/codes", json={})
        assert r.status_code == 422
        r = c.post("/devices/codes", json={"site": "DEP02", "hours": 1})
        code = r.json()["code"]
    # An expired code: the one edge a real clock cannot produce in a test run.
    engine = create_engine(deployment.database_url)
    with engine.begin() as conn:
        conn.execute(
            update(EnrolmentCode)
            .where(EnrolmentCode.label == "DEP02")
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    engine.dispose()
    with server.client() as c:
        r = c.post("/devices/enrol", json={"code": code, "installation_id": str(uuid.uuid4())})
    assert r.status_code == 401 and "expired" in r.json()["message"]


def test_only_administrators_issue_codes_and_revoke(server, admin_token):
    clerk = login(server, "clerk1", CLERK_PASSWORD)["access_token"]
    with server.client(clerk) as c:
        r = c.post("/devices/codes", json={"site": "DEP01"})
        assert r.status_code == 403 and "sites.manage" in r.json()["message"]
        assert c.get("/devices").status_code == 403
    with server.client(admin_token) as c:
        code = c.post("/devices/codes", json={"site": "FAC01"}).json()["code"]
        enrolment = c.post(
            "/devices/enrol", json={"code": code, "installation_id": str(uuid.uuid4())}
        ).json()
        r = c.post(f"/devices/{enrolment['device_id']}/revoke")
        assert r.status_code == 200 and r.json()["revoked_at"] is not None
        assert c.post(f"/devices/{uuid.uuid4()}/revoke").status_code == 404
        listed = c.get("/devices").json()
        assert enrolment["device_id"] in {d["id"] for d in listed}


def test_health_and_the_api_docs_answer_without_signing_in(server):
    with server.client() as c:
        health = c.get("/health").json()
        assert health["status"] == "ok" and health["migrated"] is True
        assert c.get("/docs").status_code == 200
        schema = c.get("/openapi.json").json()
    assert {"/auth/login", "/sync/push", "/sync/pull", "/orders/{level}"} <= set(schema["paths"])
