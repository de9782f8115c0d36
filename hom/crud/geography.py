"""SQL for the geography tree: lookups, children, and walks up and down by recursive CTE."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import CTE, Row, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased

from hom.crud import bulk, lookup
from hom.models.geography import GeoNode
from hom.models.party import Party
from hom.models.site import Site
from hom.models.user import User

_CHUNK = 400


def get(session: Session, node_id: uuid.UUID) -> GeoNode | None:
    return session.get(GeoNode, node_id)


def get_by_code(session: Session, code: str) -> GeoNode | None:
    return session.scalar(select(GeoNode).where(GeoNode.code == code))


def get_by_codes(session: Session, codes: Iterable[str]) -> dict[str, GeoNode]:
    """Nodes by code, in as few queries as the driver's parameter limit allows."""
    wanted = list(set(codes))
    found: dict[str, GeoNode] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(
            {n.code: n for n in session.scalars(select(GeoNode).where(GeoNode.code.in_(chunk)))}
        )
    return found


_REFS_BY_CODES = select(GeoNode.id, GeoNode.code, GeoNode.name, GeoNode.level).where(
    GeoNode.code.in_(bindparam("codes", expanding=True))
)
_REFS_BY_IDS = select(GeoNode.id, GeoNode.code, GeoNode.name, GeoNode.level).where(
    GeoNode.id.in_(bindparam("ids", expanding=True))
)


def refs_by_codes(session: Session, codes: Iterable[str]) -> dict[str, Row]:
    """``{code: (id, code, name, level)}`` of the nodes with ``codes``: the columns a check needs,
    not whole nodes (an import looks up thousands)."""
    wanted = list(set(codes))
    found: dict[str, Row] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update({r.code: r for r in session.execute(_REFS_BY_CODES, {"codes": chunk})})
    return found


def codes_taken(session: Session, codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` are nodes' codes already."""
    return set(refs_by_codes(session, codes))


def refs_by_ids(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Row]:
    """``{id: (id, code, name, level)}`` of the nodes with ``ids`` (see ``refs_by_codes``)."""
    wanted = list(set(ids))
    found: dict[uuid.UUID, Row] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update({r.id: r for r in session.execute(_REFS_BY_IDS, {"ids": chunk})})
    return found


def get_many(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, GeoNode]:
    return lookup.by_ids(session, GeoNode, ids)


def children(session: Session, parent_id: uuid.UUID | None) -> list[GeoNode]:
    """The nodes directly under ``parent_id`` (the zones when None), by name."""
    cond = GeoNode.parent_id.is_(None) if parent_id is None else GeoNode.parent_id == parent_id
    return list(
        session.scalars(select(GeoNode).where(cond).order_by(GeoNode.sort_key, GeoNode.code))
    )


def _tree_columns() -> tuple[Any, ...]:
    """A node's columns and how many nodes sit directly under it (one correlated count on the
    parent index)."""
    child = aliased(GeoNode)
    below = (
        select(func.count())
        .select_from(child)
        .where(child.parent_id == GeoNode.id)
        .scalar_subquery()
    )
    return (GeoNode.id, GeoNode.level, GeoNode.code, GeoNode.name, GeoNode.parent_id, below)


def children_rows(session: Session, parent_id: uuid.UUID | None) -> list[tuple[Any, ...]]:
    """(id, level, code, name, parent_id, children) of the nodes under ``parent_id`` (the zones
    when None), by name then code: one query, whatever the size of the tree."""
    cond = GeoNode.parent_id.is_(None) if parent_id is None else GeoNode.parent_id == parent_id
    stmt = select(*_tree_columns()).where(cond).order_by(GeoNode.name_key, GeoNode.code)
    return [tuple(r) for r in session.execute(stmt)]


def node_row(session: Session, node_id: uuid.UUID) -> tuple[Any, ...] | None:
    """(id, level, code, name, parent_id, children) of one node."""
    row = session.execute(select(*_tree_columns()).where(GeoNode.id == node_id)).first()
    return tuple(row) if row else None


def search(
    session: Session, *, text: str, level: int | None = None, limit: int = 50
) -> list[tuple[GeoNode, str | None]]:
    """Nodes whose code or name contains ``text`` (ignoring case), with their parent's name:
    codes that start with it first, then by name."""
    needle = text.strip().lower()
    parent = aliased(GeoNode)
    stmt = select(GeoNode, parent.name).outerjoin(parent, GeoNode.parent_id == parent.id)
    if level is not None:
        stmt = stmt.where(GeoNode.level == level)
    if needle:
        pattern = lookup.like_contains(needle)
        stmt = stmt.where(
            or_(
                func.lower(GeoNode.code).like(pattern, escape="\\"),
                GeoNode.name_key.like(pattern, escape="\\"),
            )
        )
    starts = func.lower(GeoNode.code).like(needle.replace("%", "") + "%")
    stmt = stmt.order_by(starts.desc(), GeoNode.name_key, GeoNode.code).limit(limit)
    return [(node, parent_name) for node, parent_name in session.execute(stmt)]


def sibling_named(
    session: Session,
    *,
    parent_id: uuid.UUID | None,
    name_key: str,
    exclude_id: uuid.UUID | None = None,
) -> GeoNode | None:
    """A node under ``parent_id`` whose name matches case-insensitively (zones: parent None).

    Checked here rather than left to the unique index, which SQLite does not apply to rows whose
    parent is NULL.
    """
    cond = GeoNode.parent_id.is_(None) if parent_id is None else GeoNode.parent_id == parent_id
    stmt = select(GeoNode).where(cond, GeoNode.name_key == name_key)
    if exclude_id is not None:
        stmt = stmt.where(GeoNode.id != exclude_id)
    return session.scalar(stmt.limit(1))


def ancestors(session: Session, node_id: uuid.UUID) -> list[GeoNode]:
    """The node's ancestors, zone first, without the node itself (one recursive query)."""
    up = select(GeoNode.id, GeoNode.parent_id).where(GeoNode.id == node_id)
    up_cte = up.cte("up", recursive=True)
    parent = aliased(GeoNode)
    up_cte = up_cte.union_all(
        select(parent.id, parent.parent_id).where(parent.id == up_cte.c.parent_id)
    )
    stmt = (
        select(GeoNode)
        .where(GeoNode.id.in_(select(up_cte.c.id)), GeoNode.id != node_id)
        .order_by(GeoNode.level)
    )
    return list(session.scalars(stmt))


def subtree_cte(node_id: uuid.UUID) -> CTE:
    """A recursive CTE of the ids of ``node_id`` and every node below it (column ``id``)."""
    down = select(GeoNode.id).where(GeoNode.id == node_id).cte("down", recursive=True)
    child = aliased(GeoNode)
    return down.union_all(select(child.id).where(child.parent_id == down.c.id))


def subtree_ids(session: Session, node_id: uuid.UUID) -> set[uuid.UUID]:
    """``node_id`` and the ids of every node below it, in one recursive query."""
    down = subtree_cte(node_id)
    return set(session.scalars(select(down.c.id)))


def references(session: Session, node_id: uuid.UUID) -> dict[str, int]:
    """How many child nodes, parties, sites and users point at the node."""

    def _count(model: type, column: Any) -> int:
        stmt = select(func.count()).select_from(model).where(column == node_id)
        return session.scalar(stmt) or 0

    return {
        "children": _count(GeoNode, GeoNode.parent_id),
        "parties": _count(Party, Party.territory_id),
        "sites": _count(Site, Site.geo_node_id),
        "users": _count(User, User.geo_node_id),
    }


def list_all(session: Session) -> list[GeoNode]:
    """Every node, parents before children (by level, then code)."""
    return list(session.scalars(select(GeoNode).order_by(GeoNode.level, GeoNode.code)))


def export_rows(session: Session) -> list[tuple[GeoNode, str | None]]:
    """Every node with its parent's code, parents before children."""
    parent = aliased(GeoNode)
    stmt = (
        select(GeoNode, parent.code)
        .outerjoin(parent, GeoNode.parent_id == parent.id)
        .order_by(GeoNode.level, GeoNode.code)
    )
    return [(node, parent_code) for node, parent_code in session.execute(stmt)]


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(GeoNode)) or 0


def sibling_keys(
    session: Session, parent_ids: Iterable[uuid.UUID | None]
) -> dict[tuple[uuid.UUID | None, str], uuid.UUID]:
    """(parent id, name key) -> node id of every node under the given parents (None: zones)."""
    wanted = list(set(parent_ids))
    found: dict[tuple[uuid.UUID | None, str], uuid.UUID] = {}
    cols = (GeoNode.parent_id, GeoNode.name_key, GeoNode.id)
    if None in wanted:
        wanted.remove(None)
        stmt = select(*cols).where(GeoNode.parent_id.is_(None))
        found.update({(p, k): i for p, k, i in session.execute(stmt)})
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        stmt = select(*cols).where(GeoNode.parent_id.in_(chunk))
        found.update({(p, k): i for p, k, i in session.execute(stmt)})
    return found


def add_rows(session: Session, rows: list[dict[str, Any]]) -> Sequence[dict[str, Any]]:
    """Insert many nodes from column values (each with its ``id``; parents before children)
    in one statement."""
    return bulk.insert_model_rows(session, GeoNode, rows)


def add(session: Session, node: GeoNode) -> GeoNode:
    session.add(node)
    session.flush()
    return node


def delete(session: Session, node: GeoNode) -> None:
    session.delete(node)
    session.flush()
