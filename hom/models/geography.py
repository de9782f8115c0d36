"""Geography as one adjacency tree: zone > state > region > area > territory.

One table with a level column rather than five tables: moving a node, walking a scope and
checking "level of a child is one below its parent" are then the same query at every level.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hom.models.base import Base, SearchableMixin, SyncedMixin


class GeoNode(SearchableMixin, SyncedMixin, Base):
    __search_fields__ = ("code", "name")
    __tablename__ = "geo_nodes"
    __table_args__ = (Index("uq_geo_nodes_sibling_name", "parent_id", "name_key", unique=True),)

    level: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("geo_nodes.id"), index=True, default=None
    )
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
