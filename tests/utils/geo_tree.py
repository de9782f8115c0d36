"""A generated geography tree of any size, written by bulk insert (seconds for 50,000 nodes).

The shape is regular: ``zones`` zones, each with ``fan[0]`` states, each with ``fan[1]`` regions,
``fan[2]`` areas and ``fan[3]`` territories. Codes read ``Z1``, ``Z1-S2``, ``Z1-S2-R3``, ...; names
are "Zone 1", "State 1.2", ... so they sort and search predictably. Used by the 50,000-node
geography test and bench/bench_geography.py.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from hom.core.ids import new_id
from hom.crud import bulk
from hom.models.enums import GeoLevel
from hom.models.geography import GeoNode
from hom.services import geography

LABELS = ("Zone", "State", "Region", "Area", "Territory")
LETTERS = ("Z", "S", "R", "A", "T")


def build_geo_tree(
    session: Session, *, zones: int = 5, fan: tuple[int, int, int, int] = (10, 10, 10, 9)
) -> dict[str, uuid.UUID]:
    """Write the tree in the caller's transaction; returns code -> id of every node."""
    ids: dict[str, uuid.UUID] = {}
    rows: list[dict[str, Any]] = []
    level_rows: list[tuple[str, str, uuid.UUID | None]] = []  # code, numbering, parent id
    for z in range(1, zones + 1):
        level_rows.append((f"Z{z}", str(z), None))
    for depth in range(5):
        next_rows = []
        for code, number, parent_id in level_rows:
            node_id = new_id()
            ids[code] = node_id
            name = f"{LABELS[depth]} {number}"
            rows.append(
                {
                    "id": node_id,
                    "level": int(GeoLevel(depth + 1)),
                    "parent_id": parent_id,
                    "code": code,
                    "name": name,
                    "name_key": geography.name_key(name),
                }
            )
            if depth < 4:
                for i in range(1, fan[depth] + 1):
                    next_rows.append((f"{code}-{LETTERS[depth + 1]}{i}", f"{number}.{i}", node_id))
        level_rows = next_rows
    for start in range(0, len(rows), 10_000):
        bulk.insert_rows(session, GeoNode.__table__, rows[start : start + 10_000])
    return ids


def tree_size(zones: int = 5, fan: tuple[int, int, int, int] = (10, 10, 10, 9)) -> int:
    total, width = 0, zones
    for depth in range(5):
        total += width
        if depth < 4:
            width *= fan[depth]
    return total
