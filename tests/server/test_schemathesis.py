"""Property-based requests against the server's own OpenAPI schema (schemathesis): no input
makes it answer 5xx, and every answer matches the schema it publishes.

Bounded: a fixed seed, a few examples per operation and a time budget, so it stays a normal test.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.server.harness import ADMIN, ADMIN_PASSWORD, login

CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"


@pytest.mark.parametrize("deployment", ["sqlite"], indirect=True)
def test_no_input_makes_the_server_fail(server, tmp_path):
    st = shutil.which("st")
    if st is None:
        pytest.skip("schemathesis is not installed: pip install -e '.[dev]'")
    token = login(server, ADMIN, ADMIN_PASSWORD)["access_token"]
    result = subprocess.run(
        [
            st,
            "run",
            f"{server.url}/openapi.json",
            "--checks",
            CHECKS,
            "--header",
            f"Authorization: Bearer {token}",
            "--max-examples",
            "15",
            "--max-time",
            "35",
            "--seed",
            "2026",
            "--workers",
            "1",
            "--phases",
            "examples,coverage,fuzzing",
            "--generation-database",
            "none",
            "--no-color",
            "--output-sanitize",
            "true",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Traceback" not in server.log(), server.log()[-4000:]
