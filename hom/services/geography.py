"""The geography tree: zone > state > region > area > territory.

Rules:
- a zone has no parent; every other node's parent is exactly one level above it;
- codes are unique across the tree (upper-case), names unique among siblings ignoring case;
- a node moves only under a node one level above it, never under itself or its own subtree;
- a node is deleted only when nothing points at it (child nodes, parties, sites, users).

Writes need ``geography.manage`` and leave an audit row each.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from hom.core.clock import utcnow
from hom.core.errors import Conflict, DomainError, Duplicate, NotFound, at_item
from hom.core.ids import new_id
from hom.crud import geography as geo_crud
from hom.models.enums import GeoLevel
from hom.models.geography import GeoNode
from hom.schemas.base import validate
from hom.schemas.geography import GeoNodeCreate, GeoNodePublic, GeoNodeRename
from hom.services import audit
from hom.services.context import ActorContext
from hom.services.permissions import require
from hom.sync import changelog, ownership

ENTITY = "geo_nodes"
PERMISSION = "geography.manage"
_NOUNS = {
    "children": ("child node", "child nodes"),
    "parties": ("party", "parties"),
    "sites": ("site", "sites"),
    "users": ("user", "users"),
}


def name_key(name: str) -> str:
    """The form of a name compared for sibling uniqueness."""
    return name.strip().lower()


def describe(node: GeoNode | dict) -> str:
    level, code, name = (
        (node["level"], node["code"], node["name"])
        if isinstance(node, dict)
        else (node.level, node.code, node.name)
    )
    return f"{GeoLevel(level).name.lower()} {code} ({name})"


# --- rules shared with the CSV import --------------------------------------------------------


def check_parent(
    *,
    level: GeoLevel,
    parent_level: int | None,
    parent_code: str | None,
    field: str = "parent_id",
) -> None:
    """Refuse a parent that is not exactly one level above ``level`` (a zone takes none)."""
    if level == GeoLevel.ZONE:
        if parent_code is not None:
            raise DomainError(
                f"a zone is the top of the tree and has no parent (got {parent_code})",
                field=field,
            )
        return
    wanted = GeoLevel(level - 1)
    if parent_code is None:
        raise DomainError(
            f"a {level.name.lower()} needs a parent {wanted.name.lower()}", field=field
        )
    if parent_level != wanted:
        got = GeoLevel(parent_level).name.lower() if parent_level else "unknown level"
        raise DomainError(
            f"the parent of a {level.name.lower()} must be a {wanted.name.lower()}; "
            f"{parent_code} is a {got}",
            field=field,
        )


def sibling_clash_message(name: str, parent_label: str) -> str:
    return f"{parent_label} already has a node named {name!r} (names compare ignoring case)"


def _parent_label(parent: GeoNode | None) -> str:
    return "the top level" if parent is None else describe(parent)


# --- writes ---------------------------------------------------------------------------------


def create_node(session: Session, *, ctx: ActorContext, node_in: GeoNodeCreate | dict) -> GeoNode:
    """Add a node under its parent (a zone at the top)."""
    require(ctx, PERMISSION)
    ownership.require_head_office(ctx, ENTITY)
    data = validate(GeoNodeCreate, node_in)
    parent = None
    if data.parent_id is not None:
        parent = geo_crud.get(session, data.parent_id)
        if parent is None:
            raise NotFound(f"unknown parent node {data.parent_id}", field="parent_id")
    check_parent(
        level=data.level,
        parent_level=parent.level if parent else None,
        parent_code=parent.code if parent else None,
    )
    if geo_crud.get_by_code(session, data.code) is not None:
        raise Duplicate(f"geography code {data.code} is already used", field="code")
    key = name_key(data.name)
    if geo_crud.sibling_named(session, parent_id=data.parent_id, name_key=key) is not None:
        raise Duplicate(sibling_clash_message(data.name, _parent_label(parent)), field="name")
    node = geo_crud.add(
        session,
        GeoNode(
            level=int(data.level),
            parent_id=data.parent_id,
            code=data.code,
            name=data.name,
            name_key=key,
            created_by=ctx.user_id,
            installation_id=ctx.installation_id,
        ),
    )
    changelog.queue(session, ctx=ctx, entity=ENTITY, rows=[node], operation="insert")
    audit.record(
        session,
        ctx=ctx,
        action="geo.create",
        entity=ENTITY,
        entity_id=node.id,
        summary=f"created {describe(node)} under {_parent_label(parent)}",
    )
    return node


def create_nodes(
    session: Session, *, ctx: ActorContext, nodes_in: Sequence[GeoNodeCreate | dict]
) -> list[uuid.UUID]:
    """Add many nodes at once (an import); their ids, in order. The rules of ``create_node``,
    checked with batched look-ups, then one bulk insert of the nodes and of their audit rows.

    An item may carry its own ``id`` and name as its parent an item before it (by that id), so
    a whole subtree goes in one call. A refusal names the item as ``nodes_in.<index>.<field>``;
    nothing is added then.
    """
    require(ctx, PERMISSION)
    ownership.require_head_office(ctx, ENTITY)
    items: list[tuple[uuid.UUID, GeoNodeCreate]] = []
    for index, raw in enumerate(nodes_in):
        given = None
        if isinstance(raw, dict) and "id" in raw:
            raw = dict(raw)
            given = raw.pop("id")
        try:
            data = validate(GeoNodeCreate, raw)
        except DomainError as exc:
            raise at_item("nodes_in", index, exc) from None
        items.append((given or new_id(), data))
    new = {node_id: data for node_id, data in items}
    stored = geo_crud.get_many(
        session, {d.parent_id for _i, d in items if d.parent_id and d.parent_id not in new}
    )
    taken = geo_crud.codes_taken(session, (d.code for _i, d in items))
    siblings = geo_crud.sibling_keys(session, {d.parent_id for _i, d in items})
    codes: set[str] = set()
    rows: list[dict] = []
    parents: list[str] = []
    now = utcnow()
    for index, (node_id, data) in enumerate(items):
        try:
            if data.parent_id is not None and data.parent_id not in new:
                parent = stored.get(data.parent_id)
                if parent is None:
                    raise NotFound(f"unknown parent node {data.parent_id}", field="parent_id")
                parent_level, parent_code = parent.level, parent.code
            elif data.parent_id is not None:
                above = new[data.parent_id]
                parent_level, parent_code = int(above.level), above.code
            else:
                parent_level = parent_code = None
            check_parent(level=data.level, parent_level=parent_level, parent_code=parent_code)
            if data.code in taken or data.code in codes:
                raise Duplicate(f"geography code {data.code} is already used", field="code")
            key = name_key(data.name)
            if (data.parent_id, key) in siblings:
                where = "the top level" if parent_code is None else parent_code
                raise Duplicate(sibling_clash_message(data.name, where), field="name")
        except DomainError as exc:
            raise at_item("nodes_in", index, exc) from None
        codes.add(data.code)
        siblings[(data.parent_id, key)] = node_id
        parents.append("the top level" if parent_code is None else parent_code)
        rows.append(
            {
                "id": node_id,
                "level": int(data.level),
                "parent_id": data.parent_id,
                "code": data.code,
                "name": data.name,
                "name_key": key,
                "created_at": now,
                "updated_at": now,
                "created_by": ctx.user_id,
                "installation_id": ctx.installation_id,
            }
        )
    written = geo_crud.add_rows(session, rows)
    changelog.queue(session, ctx=ctx, entity=ENTITY, rows=written, operation="insert")
    audit.record_many(
        session,
        ctx=ctx,
        action="geo.create",
        entity=ENTITY,
        entries=[
            (row["id"], f"created {describe(row)} under {where}")
            for row, where in zip(rows, parents, strict=True)
        ],
    )
    return [row["id"] for row in rows]


def rename_node(
    session: Session, *, ctx: ActorContext, node_id: uuid.UUID, name: str | GeoNodeRename | dict
) -> GeoNode:
    """Give a node a new name, still unique among its siblings."""
    require(ctx, PERMISSION)
    ownership.require_head_office(ctx, ENTITY)
    data = validate(GeoNodeRename, {"name": name} if isinstance(name, str) else name)
    node = get_node(session, node_id)
    if data.name == node.name:
        return node
    key = name_key(data.name)
    clash = geo_crud.sibling_named(
        session, parent_id=node.parent_id, name_key=key, exclude_id=node.id
    )
    if clash is not None:
        parent = geo_crud.get(session, node.parent_id) if node.parent_id else None
        raise Duplicate(sibling_clash_message(data.name, _parent_label(parent)), field="name")
    old = node.name
    node.name = data.name
    node.name_key = key
    session.flush()
    changelog.queue(session, ctx=ctx, entity=ENTITY, rows=[node], operation="update")
    audit.record(
        session,
        ctx=ctx,
        action="geo.rename",
        entity=ENTITY,
        entity_id=node.id,
        summary=f"renamed {node.code} from {old!r} to {node.name!r}",
        changes={"name": (old, node.name)},
    )
    return node


def rename_nodes(
    session: Session, *, ctx: ActorContext, renames: Sequence[tuple[uuid.UUID, str]]
) -> None:
    """Rename many nodes at once (an import), in order: the rules of ``rename_node`` checked
    with one batched look-up of the siblings, one flush, and their change-log and audit rows
    written together. A refusal names the item as ``renames.<index>.<field>``; nothing is
    changed then."""
    require(ctx, PERMISSION)
    ownership.require_head_office(ctx, ENTITY)
    nodes = geo_crud.get_many(session, [node_id for node_id, _name in renames])
    taken = geo_crud.sibling_keys(session, {n.parent_id for n in nodes.values()})
    changed: list[tuple[GeoNode, str, str]] = []  # node, old name, new name
    released: set[tuple[uuid.UUID | None, str]] = set()  # names let go of, not yet flushed
    for index, (node_id, name) in enumerate(renames):
        try:
            node = nodes.get(node_id)
            if node is None:
                raise NotFound(f"unknown geography node {node_id}", field="node_id")
            data = validate(GeoNodeRename, {"name": name})
            if data.name == node.name:
                continue
            key = name_key(data.name)
            clash = taken.get((node.parent_id, key))
            if clash is not None and clash != node.id:
                parent = geo_crud.get(session, node.parent_id) if node.parent_id else None
                raise Duplicate(
                    sibling_clash_message(data.name, _parent_label(parent)), field="name"
                )
        except DomainError as exc:
            raise at_item("renames", index, exc) from None
        if (node.parent_id, key) in released:
            session.flush()  # the name's old holder must have let go of it in the table first
            released.clear()
        taken.pop((node.parent_id, node.name_key), None)
        released.add((node.parent_id, node.name_key))
        taken[(node.parent_id, key)] = node.id
        changed.append((node, node.name, data.name))
        node.name, node.name_key = data.name, key
    if not changed:
        return
    session.flush()
    changelog.queue(
        session, ctx=ctx, entity=ENTITY, rows=[n for n, _o, _n in changed], operation="update"
    )
    audit.record_many(
        session,
        ctx=ctx,
        action="geo.rename",
        entity=ENTITY,
        entries=[(n.id, f"renamed {n.code} from {old!r} to {new!r}") for n, old, new in changed],
        changes_each=[{"name": (old, new)} for _n, old, new in changed],
    )


def move_node(
    session: Session, *, ctx: ActorContext, node_id: uuid.UUID, new_parent_id: uuid.UUID | None
) -> GeoNode:
    """Put a node (with its whole subtree) under another parent one level above it."""
    require(ctx, PERMISSION)
    ownership.require_head_office(ctx, ENTITY)
    node = get_node(session, node_id)
    if new_parent_id == node.parent_id:
        return node
    parent = None
    if new_parent_id is not None:
        if new_parent_id == node.id or new_parent_id in geo_crud.subtree_ids(session, node.id):
            raise DomainError(
                f"cannot move {describe(node)} under itself or a node below it",
                field="new_parent_id",
            )
        parent = geo_crud.get(session, new_parent_id)
        if parent is None:
            raise NotFound(f"unknown parent node {new_parent_id}", field="new_parent_id")
    check_parent(
        level=GeoLevel(node.level),
        parent_level=parent.level if parent else None,
        parent_code=parent.code if parent else None,
        field="new_parent_id",
    )
    clash = geo_crud.sibling_named(
        session, parent_id=new_parent_id, name_key=node.name_key, exclude_id=node.id
    )
    if clash is not None:
        raise Duplicate(sibling_clash_message(node.name, _parent_label(parent)), field="name")
    old_parent = geo_crud.get(session, node.parent_id) if node.parent_id else None
    node.parent_id = new_parent_id
    session.flush()
    changelog.queue(session, ctx=ctx, entity=ENTITY, rows=[node], operation="update")
    audit.record(
        session,
        ctx=ctx,
        action="geo.move",
        entity=ENTITY,
        entity_id=node.id,
        summary=f"moved {describe(node)} from {_parent_label(old_parent)} "
        f"to {_parent_label(parent)}",
        changes={
            "parent": (old_parent.code if old_parent else None, parent.code if parent else None)
        },
    )
    return node


def delete_node(session: Session, *, ctx: ActorContext, node_id: uuid.UUID) -> None:
    """Remove a node that nothing points at; otherwise say what still does."""
    require(ctx, PERMISSION)
    ownership.require_head_office(ctx, ENTITY)
    node = get_node(session, node_id)
    refs = {what: n for what, n in geo_crud.references(session, node.id).items() if n}
    if refs:
        listed = ", ".join(f"{n} {_NOUNS[what][n != 1]}" for what, n in refs.items())
        raise Conflict(
            f"cannot delete {describe(node)}: it still has {listed}; move or remove them first",
            field="node_id",
        )
    summary = f"deleted {describe(node)}"
    deleted_id = node.id
    # A tombstone: the node's last snapshot, queued as a delete before the row goes.
    changelog.queue(session, ctx=ctx, entity=ENTITY, rows=[node], operation="delete")
    geo_crud.delete(session, node)
    audit.record(
        session, ctx=ctx, action="geo.delete", entity=ENTITY, entity_id=deleted_id, summary=summary
    )


# --- reads ----------------------------------------------------------------------------------


def get_node(session: Session, node_id: uuid.UUID) -> GeoNode:
    node = geo_crud.get(session, node_id)
    if node is None:
        raise NotFound(f"unknown geography node {node_id}", field="node_id")
    return node


def get_node_by_code(session: Session, code: str) -> GeoNode:
    node = geo_crud.get_by_code(session, code.strip().upper())
    if node is None:
        raise NotFound(f"unknown geography code {code!r}", field="code")
    return node


def children(session: Session, parent_id: uuid.UUID | None) -> list[GeoNode]:
    """The nodes directly under ``parent_id``, by name; the zones when ``parent_id`` is None."""
    return geo_crud.children(session, parent_id)


def ancestors(session: Session, node_id: uuid.UUID) -> list[GeoNode]:
    """The nodes above ``node_id``, zone first (empty for a zone)."""
    get_node(session, node_id)
    return geo_crud.ancestors(session, node_id)


def path(session: Session, node_id: uuid.UUID) -> list[GeoNode]:
    """The zone-to-node path including the node itself (for breadcrumbs)."""
    node = get_node(session, node_id)
    return [*geo_crud.ancestors(session, node_id), node]


def state_names(session: Session, node_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """For each node, the name of the state it is in (itself at the state level, else its
    ancestor there); None above the state level or for an unknown node."""
    nodes = geo_crud.get_many(session, set(node_ids))
    out: dict[uuid.UUID, str | None] = {}
    for node_id, node in nodes.items():
        if node.level == GeoLevel.STATE:
            out[node_id] = node.name
            continue
        above = [n for n in geo_crud.ancestors(session, node_id) if n.level == GeoLevel.STATE]
        out[node_id] = above[0].name if above else None
    return out


def state_name(session: Session, node_id: uuid.UUID | None) -> str | None:
    """The name of the state ``node_id`` is in (see ``state_names``)."""
    return state_names(session, [node_id]).get(node_id) if node_id is not None else None


def path_text(session: Session, node_id: uuid.UUID, *, separator: str = " > ") -> str:
    return separator.join(n.name for n in path(session, node_id))


def subtree_ids(session: Session, node_id: uuid.UUID) -> set[uuid.UUID]:
    """The node and everything below it: what a user scoped to ``node_id`` may see."""
    get_node(session, node_id)
    return geo_crud.subtree_ids(session, node_id)


def to_public(node: GeoNode) -> GeoNodePublic:
    return GeoNodePublic.model_validate(node)
