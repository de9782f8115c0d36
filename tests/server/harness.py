"""A real ``hom-server`` on loopback for the HTTP tests: a uvicorn subprocess on a free port.

One server per test module (startup costs a few seconds); each module gets its own database (an
SQLite file, or a fresh PostgreSQL database from ``tests.pg``) so modules never see each other's
rows.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ADMIN = "admin"
ADMIN_PASSWORD = "admin-pass-2026"
JWT_SECRET = "test-secret-" + "x" * 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "HOM_SERVER_DATABASE_URL": database_url,
            "HOM_SERVER_DATA_DIR": str(data_dir),
            "HOM_SERVER_JWT_SECRET": JWT_SECRET,
            "HOM_SERVER_ENVIRONMENT": "production",
            # Every test request comes from 127.0.0.1: the per-address limit is tested apart.
            "HOM_SERVER_LOGIN_ATTEMPTS_PER_ADDRESS": "100000",
        }
    )
    env.update(extra)
    return env


def run_cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hom_server", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@dataclass
class ServerProcess:
    url: str
    env: dict[str, str]
    process: subprocess.Popen
    log_path: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def running_server(
    env: dict[str, str], log_path: Path, *, workers: int = 1
) -> Iterator[ServerProcess]:
    """Start ``hom-server serve`` and wait until /health answers; stop it afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hom_server",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = ServerProcess(url=url, env=env, process=process, log_path=log_path)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"hom-server exited with {process.returncode}:\n{server.log()}")
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"hom-server did not answer within 90 s:\n{server.log()}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def login(server: ServerProcess, username: str, password: str) -> dict:
    with server.client() as c:
        r = c.post("/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()
