"""Shared fixtures: every test gets its own SQLite file under pytest's tmp_path."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from tests.utils.builders import StoreKit, make_store


@pytest.fixture
def kit(tmp_path) -> StoreKit:
    """A store initialised for depot DEP01 with an admin signed in."""
    k = make_store(tmp_path)
    yield k
    k.store.close()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The database a test of the services runs on: each such test runs on both."""
    return request.param


@pytest.fixture
def any_kit(tmp_path, backend) -> StoreKit:
    """``kit`` on SQLite and on PostgreSQL (a module opts in with ``kit = any_kit``-style
    fixtures: ``@pytest.fixture def kit(any_kit): return any_kit``)."""
    k = make_store(tmp_path, backend=backend)
    yield k
    k.store.close()
