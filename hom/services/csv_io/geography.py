"""CSV import and export of the geography tree: rows keyed by code, each naming its parent.

The preview simulates the tree as the earlier rows would leave it, so a row may name a parent
defined on an earlier line (never a later one).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hom.core.errors import DomainError
from hom.core.ids import new_id
from hom.crud import geography as geo_crud
from hom.models.enums import GeoLevel
from hom.schemas.geography import GeoNodeCreate
from hom.services import geography
from hom.services.context import ActorContext
from hom.services.csv_io.common import (
    BATCH,
    RowPreview,
    _at_line,
    _batch_error,
    _cell,
    _check_rows,
    _code,
    _diff,
    _later_lines,
    _refused,
    _require,
    _RowRefused,
    _validated,
)

_GEO_RENAMES = {"parent_id": "parent_code", "new_parent_id": "parent_code"}


@dataclass
class _SimNode:
    level: int
    name: str
    name_key: str
    parent_code: str | None
    line: int | None = None


def _preview_geography(
    session: Session, records: list[tuple[int, dict[str, str]]]
) -> list[RowPreview]:
    nodes: dict[str, _SimNode] = {
        node.code: _SimNode(node.level, node.name, node.name_key, parent_code)
        for node, parent_code in geo_crud.export_rows(session)
    }
    siblings: dict[tuple[str | None, str], str] = {
        (n.parent_code, n.name_key): code for code, n in nodes.items()
    }
    defined_at = _later_lines(records, "code")
    from_file: dict[str, int] = {}
    bad_lines: dict[str, int] = {}

    def label(code: str | None) -> str:
        if code is None:
            return "the top level"
        node = nodes[code]
        return f"{GeoLevel(node.level).name.lower()} {code} ({node.name})"

    def check(row: RowPreview) -> None:
        raw = row.raw
        row.key = raw["code"].upper()
        try:
            _require(raw, "geography")
            data = _validated(
                GeoNodeCreate, {"level": raw["level"], "code": raw["code"], "name": raw["name"]}
            )
        except _RowRefused:
            bad_lines.setdefault(row.key, row.line)
            raise
        code, level, name = data.code, data.level, data.name
        row.key = code
        if code in from_file:
            raise _RowRefused("code", f"code {code} is already on line {from_file[code]}")
        try:
            current = nodes.get(code)
            if current is not None and current.level != level:
                raise _RowRefused(
                    "level",
                    f"{code} is a {GeoLevel(current.level).name.lower()}; "
                    "a node's level cannot change",
                )
            parent_code = _code(raw, "parent_code")
            if parent_code is not None and parent_code not in nodes:
                if parent_code in bad_lines:
                    raise _RowRefused(
                        "parent_code",
                        f"parent {parent_code} is on line {bad_lines[parent_code]}, "
                        "which has an error",
                    )
                if parent_code in defined_at:
                    raise _RowRefused(
                        "parent_code",
                        f"parent {parent_code} is defined later, on line "
                        f"{defined_at[parent_code]}; list parents before their children",
                    )
                raise _RowRefused("parent_code", f"unknown parent code {parent_code}")
            parent = nodes.get(parent_code) if parent_code else None
            try:
                geography.check_parent(
                    level=level,
                    parent_level=parent.level if parent else None,
                    parent_code=parent_code,
                    field="parent_code",
                )
            except DomainError as exc:
                raise _refused(exc) from None
            key = geography.name_key(name)
            row.values = {
                "level": level,
                "code": code,
                "name": name,
                "parent_code": parent_code,
            }
            if current is None:
                clash = siblings.get((parent_code, key))
                if clash is not None:
                    raise _RowRefused(
                        "name", geography.sibling_clash_message(name, label(parent_code))
                    )
                nodes[code] = _SimNode(int(level), name, key, parent_code, row.line)
                siblings[(parent_code, key)] = code
                row.action = "create"
            else:
                # The services rename first (under the old parent), then move: check both steps.
                if name != current.name:
                    clash = siblings.get((current.parent_code, key))
                    if clash is not None and clash != code:
                        raise _RowRefused(
                            "name",
                            geography.sibling_clash_message(name, label(current.parent_code)),
                        )
                if parent_code != current.parent_code:
                    clash = siblings.get((parent_code, key))
                    if clash is not None and clash != code:
                        raise _RowRefused(
                            "name", geography.sibling_clash_message(name, label(parent_code))
                        )
                row.changes = _diff(
                    {"name": current.name, "parent_code": current.parent_code},
                    {"name": name, "parent_code": parent_code},
                )
                siblings.pop((current.parent_code, current.name_key), None)
                siblings[(parent_code, key)] = code
                current.name, current.name_key, current.parent_code = name, key, parent_code
                row.action = "update" if row.changes else "unchanged"
            from_file[code] = row.line
        except _RowRefused:
            bad_lines.setdefault(code, row.line)
            raise

    return _check_rows(records, check)


def _apply_geography(
    session: Session, ctx: ActorContext, rows: list[RowPreview], check: Callable[[], None]
) -> list[str]:
    """Rows in file order: runs of new nodes in bulk (``geography.create_nodes``, up to
    ``BATCH`` at a time), a changed node through ``rename_node``/``move_node``."""
    codes = {r.values["code"] for r in rows} | {
        r.values["parent_code"] for r in rows if r.values["parent_code"]
    }
    known = geo_crud.get_by_codes(session, codes)
    parent_ids = {n.parent_id for n in known.values() if n.parent_id}
    # id -> code of every node that can be a current parent of a node in the file
    code_of = {i: n.code for i, n in geo_crud.get_many(session, parent_ids).items()}
    code_of.update({n.id: n.code for n in known.values()})
    id_of = {code: n.id for code, n in known.items()}

    def parent_id(code: str | None) -> uuid.UUID | None:
        if code is None:
            return None
        if code not in id_of:
            raise DomainError(f"unknown parent code {code}", field="parent_code")
        return id_of[code]

    creates: list[RowPreview] = []

    def write_creates() -> None:
        for start in range(0, len(creates), BATCH):
            check()
            chunk = creates[start : start + BATCH]
            items = []
            for row in chunk:
                values = row.values
                with _at_line(row.line, _GEO_RENAMES):
                    items.append(
                        {
                            "id": new_id(),
                            "level": values["level"],
                            "code": values["code"],
                            "name": values["name"],
                            "parent_id": parent_id(values["parent_code"]),
                        }
                    )
                id_of[values["code"]] = items[-1]["id"]
            try:
                geography.create_nodes(session, ctx=ctx, nodes_in=items)
            except DomainError as exc:
                raise _batch_error(exc, [r.line for r in chunk], _GEO_RENAMES) from exc
        creates.clear()

    outcomes: list[str] = []
    for row in rows:
        check()
        values = row.values
        if row.action == "create":
            creates.append(row)
            outcomes.append("create")
            continue
        write_creates()  # the rows above first: this one may refer to them
        with _at_line(row.line, _GEO_RENAMES):
            node = known.get(values["code"])
            if node is None:
                raise DomainError(f"{values['code']} no longer exists", field="code")
            if node.level != values["level"]:
                raise DomainError(
                    f"{node.code} is a {GeoLevel(node.level).name.lower()}; "
                    "a node's level cannot change",
                    field="level",
                )
            changed = False
            if values["name"] != node.name:
                geography.rename_node(session, ctx=ctx, node_id=node.id, name=values["name"])
                changed = True
            current_parent = code_of[node.parent_id] if node.parent_id else None
            if values["parent_code"] != current_parent:
                geography.move_node(
                    session,
                    ctx=ctx,
                    node_id=node.id,
                    new_parent_id=parent_id(values["parent_code"]),
                )
                changed = True
            outcomes.append("update" if changed else "unchanged")
    write_creates()
    return outcomes


def _export_geography(session: Session, check: Callable[[], None]) -> Iterator[list[str]]:
    """Every node as a row, parents before children; ``check`` is asked before each row."""
    for node, parent_code in geo_crud.export_rows(session):
        check()
        level = GeoLevel(node.level).name.lower()
        yield [level, node.code, node.name, _cell(parent_code)]
