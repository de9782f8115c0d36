"""What a signed-in person may read: everything (head office), one site's rows (a site's staff),
or the sites in a geography subtree (a manager). Writes are scoped by the shared services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hom.core.errors import PermissionDenied
from hom.crud import site as site_crud
from hom.services import geography, sites
from hom_server.api.deps import Caller


@dataclass(frozen=True)
class ReadScope:
    #: None: every site; otherwise the only sites whose rows the caller reads.
    site_ids: frozenset[uuid.UUID] | None

    @property
    def everything(self) -> bool:
        return self.site_ids is None

    def check_site(self, site_id: uuid.UUID, *, field: str = "site_id") -> None:
        if self.site_ids is not None and site_id not in self.site_ids:
            raise PermissionDenied(
                "that site is outside what you may see (your own site, or your area's sites)",
                field=field,
            )

    def check_location(self, session: Session, location_id: uuid.UUID, *, field: str) -> None:
        self.check_site(sites.get_location(session, location_id).site_id, field=field)

    def location_ids(self, session: Session) -> list[uuid.UUID] | None:
        if self.site_ids is None:
            return None
        return site_crud.location_ids_of_sites(session, self.site_ids)


def read_scope(session: Session, caller: Caller) -> ReadScope:
    if caller.site_id is not None:
        return ReadScope(frozenset({caller.site_id}))
    if caller.geo_node_id is not None:
        nodes = geography.subtree_ids(session, caller.geo_node_id)
        return ReadScope(frozenset(site_crud.site_ids_in_geography(session, nodes)))
    return ReadScope(None)
