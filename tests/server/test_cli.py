"""The hom-server command: settings refused in one line, migrate, create-admin, enrol-code,
revoke (each run as a real process)."""

from __future__ import annotations

import re

import pytest

from tests.server.harness import run_cli, server_env


def test_production_refuses_a_placeholder_secret_in_one_line(tmp_path):
    env = server_env(f"sqlite:///{tmp_path / 's.sqlite3'}", tmp_path)
    env["HOM_SERVER_JWT_SECRET"] = "changethis"
    result = run_cli(env, "migrate")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "HOM_SERVER_JWT_SECRET" in lines[0]
    assert "Traceback" not in result.stderr


def test_migrate_and_create_admin(tmp_path):
    env = server_env(f"sqlite:///{tmp_path / 's.sqlite3'}", tmp_path)
    result = run_cli(env, "migrate")
    assert result.returncode == 0, result.stderr
    assert "database migrated" in result.stdout
    made = run_cli(env, "create-admin", "root", "--password-stdin", stdin="root-pass-123\n")
    assert made.returncode == 0 and "created administrator root" in made.stdout
    again = run_cli(env, "create-admin", "ROOT", "--password-stdin", stdin="root-pass-123\n")
    assert again.returncode == 2 and "already taken" in again.stderr
    short = run_cli(env, "create-admin", "other", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "at least 8" in short.stderr
    assert "root-pass-123" not in made.stdout + made.stderr


@pytest.mark.parametrize("deployment", ["sqlite"], indirect=True)
def test_enrol_code_and_revoke(deployment):
    env = deployment.env
    result = run_cli(env, "enrol-code", "DEP01", "--hours", "2")
    assert result.returncode == 0, result.stderr
    assert re.match(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}  \(for DEP01; one use", result.stdout)
    geo = run_cli(env, "enrol-code", "N-ZON", "--geo")
    assert geo.returncode == 0 and "for N-ZON" in geo.stdout
    unknown = run_cli(env, "enrol-code", "NOPE")
    assert unknown.returncode == 2 and "unknown site 'NOPE'" in unknown.stderr
    bad = run_cli(env, "revoke", "not-an-id")
    assert bad.returncode == 2 and "must be a device or installation id" in bad.stderr
    missing = run_cli(env, "revoke", "00000000-0000-0000-0000-000000000000")
    assert missing.returncode == 2 and "unknown device" in missing.stderr
