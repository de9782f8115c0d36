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
