"""Text cleaning in one place (hom.core.text via the shared schemas).

NFC, no control or invisible characters in any text field, line breaks only in addresses, and
numbers only in the documented format.
"""

from __future__ import annotations

import importlib
import pkgutil
import unicodedata

import pytest

from hom import schemas
from hom.core import text
from hom.core.errors import Duplicate, ValidationFailed
from hom.schemas.base import Schema, _field_kinds, validate
from hom.schemas.party import PartyCreate
from hom.schemas.user import UserCreate
from hom.services import geography

NFC = unicodedata.normalize("NFC", "Gujarāt")
NFD = unicodedata.normalize("NFD", "Gujarāt")


def _all_input_schemas() -> list[type[Schema]]:
    for info in pkgutil.iter_modules(schemas.__path__):
        importlib.import_module(f"hom.schemas.{info.name}")
    found, todo = [], [Schema]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


TEXT_FIELDS = [
    (schema, name, kind)
    for schema in _all_input_schemas()
    for name, kind in _field_kinds(schema).items()
    if kind in ("text", "multiline", "secret")
]


def test_every_input_schema_has_its_text_fields_found():
    names = {(s.__name__, n) for s, n, _k in TEXT_FIELDS}
    assert {
        ("ProductCreate", "name"),
        ("PartyCreate", "address"),
        ("UserCreate", "username"),
    } <= names
    assert ("UserCreate", "roles") in names  # a list of text is text too
    assert _field_kinds(PartyCreate)["address"] == "multiline"
    assert _field_kinds(UserCreate)["password"] == "secret"


@pytest.mark.parametrize(
    ("schema", "name", "kind"), TEXT_FIELDS, ids=[f"{s.__name__}.{n}" for s, n, _k in TEXT_FIELDS]
)
@pytest.mark.parametrize("bad", ["ab\x1b[2Jc", "ab\u202ec", "ab\u200bc", "ab\x00c", "ab\x07c"])
def test_every_text_field_refuses_control_and_invisible_characters(schema, name, kind, bad):
    value = [bad] if _is_list(schema, name) else bad
    with pytest.raises(ValidationFailed) as exc:
        validate(schema, {name: value})
    messages = dict(exc.value.errors)
    key = f"{name}.0" if _is_list(schema, name) else name
    assert key in messages or name in messages
    message = messages.get(name) or messages[key]
    assert "character" in message and "U+" in message


def _is_list(schema, name) -> bool:
    return "list" in str(schema.model_fields[name].annotation)


@pytest.mark.parametrize(
    ("schema", "name"),
    [(s, n) for s, n, k in TEXT_FIELDS if k == "text"],
    ids=[f"{s.__name__}.{n}" for s, n, k in TEXT_FIELDS if k == "text"],
)
def test_line_breaks_are_refused_outside_addresses(schema, name):
    value = ["ab\ncd"] if _is_list(schema, name) else "ab\ncd"
    with pytest.raises(ValidationFailed) as exc:
        validate(schema, {name: value})
    assert any("line break" in m for _f, m in exc.value.errors)


def test_an_address_keeps_its_line_breaks_as_lf():
    assert text.clean("12 MG Road\r\nPune\rIndia", multiline=True) == "12 MG Road\nPune\nIndia"
    with pytest.raises(ValueError, match="U\\+001B"):
        text.clean("12 MG Road\n\x1b[2J", multiline=True)


def test_text_is_nfc_normalised():
    assert NFD != NFC
    assert text.clean(NFD) == NFC


def test_a_joiner_is_allowed_only_after_a_virama():
    assert text.clean("क्\u200dष") == "क्\u200dष"
    assert text.clean("ന്\u200c") == "ന്\u200c"  # Malayalam virama + ZWNJ
    with pytest.raises(ValueError, match="U\\+200D"):
        text.clean("a\u200db")


def test_a_password_is_kept_exactly_but_refuses_controls():
    assert text.check_secret(NFD + " pw ") == NFD + " pw "
    with pytest.raises(ValueError, match="NUL"):
        text.check_secret("pass\x00word")


@pytest.mark.parametrize(
    "bad", ["4_5", "४५", "٤٥", "７２", "1e3", "+5", "0x10", "NaN", "", "1 000"]
)
def test_numbers_only_in_the_documented_format(bad):
    with pytest.raises(ValueError, match="digits 0-9"):
        text.check_number_text(bad)


@pytest.mark.parametrize("good", ["45", "45.50", "-3", " 7 "])
def test_documented_numbers_pass(good):
    assert text.check_number_text(good) == good.strip()


def test_for_terminal_escapes_what_would_act_on_a_terminal():
    assert text.for_terminal("ok नीम") == "ok नीम"
    assert text.for_terminal("a\x1b[2Jb\u202ec\nd") == "a\\x1b[2Jb\\u202ec\\nd"


def test_an_nfd_name_is_no_new_sibling_of_the_nfc_one(kit):
    """Regression (issue 6): an NFD "Gujarāt" was accepted beside the NFC one."""
    with kit.session() as s:
        geography.create_node(
            s, ctx=kit.ctx, node_in={"level": "zone", "code": "Z-GJ", "name": NFC}
        )
    with pytest.raises(Duplicate, match="already has a node named"), kit.session() as s:
        geography.create_node(
            s, ctx=kit.ctx, node_in={"level": "zone", "code": "Z-GJ2", "name": NFD}
        )
