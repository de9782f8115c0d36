"""The log file never holds a secret: what an error's text may echo is redacted on the way in."""

from __future__ import annotations

import logging

import pydantic
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from hom.core import logs, security
from hom.schemas.user import UserCreate

SECRET = "Tr0ub4dor&3-not-logged"


@pytest.fixture
def log_file(tmp_path):
    path = logs.configure(tmp_path)
    yield path
    for handler in logging.getLogger("hom").handlers:
        handler.flush()


def read(path) -> str:
    for handler in logging.getLogger("hom").handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_a_rejected_password_echoed_by_pydantic_is_redacted(log_file):
    with pytest.raises(pydantic.ValidationError) as exc:
        UserCreate.model_validate({"username": "priya", "password": SECRET[:3], "roles": []})
    assert SECRET[:3] in str(exc.value)  # pydantic does echo it...
    logging.getLogger("hom.test").error("saving failed", exc_info=exc.value)
    written = read(log_file)
    assert "input_value=<redacted>" in written  # ...the log does not
    assert f"'{SECRET[:3]}'" not in written
    assert "ValidationError" in written and "password" in written  # still useful


def test_sql_parameters_hashes_and_password_pairs_are_redacted(log_file, kit):
    hashed = security.hash_password(SECRET)
    with pytest.raises(IntegrityError) as exc, kit.session() as s:
        s.execute(
            text("INSERT INTO users (id, username, password_hash) VALUES (:i, :u, :h)"),
            {"i": "x", "u": SECRET, "h": hashed},
        )
    assert hashed in str(exc.value)
    log = logging.getLogger("hom.test")
    log.error("insert failed", exc_info=exc.value)
    log.warning("retrying with password=%s token=%s", SECRET, "abc.def")
    log.warning("payload %s", {"password": SECRET, "quantity": 5})
    written = read(log_file)
    assert SECRET not in written and hashed not in written and "abc.def" not in written
    assert "[parameters: <redacted>]" in written
    assert "IntegrityError" in written and "'quantity': 5" in written


def test_ordinary_sentences_about_passwords_stay_readable():
    line = "password: wrong username or password (4 attempts left)"
    assert logs.redact(line) == line
