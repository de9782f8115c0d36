"""Who is acting, and for which site: passed to every service call that writes.

The context carries ids and permission codes, never ORM objects, so it can cross threads.
``site_id`` is the site this installation writes for (None on a manager's read-only store);
the one-writer rule is checked against it. ``head_office`` says whether this installation writes
master data (a store not enrolled with a server is its own head office), ``enrolled`` whether it
is enrolled with a server; ``queues_changes`` is False when writing on behalf of another
installation (its changes are not queued as this installation's).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class ActorContext:
    installation_id: uuid.UUID
    site_id: uuid.UUID | None
    user_id: uuid.UUID | None = None
    username: str = "system"
    permissions: frozenset[str] = field(default_factory=frozenset)
    is_system: bool = False
    head_office: bool = True
    enrolled: bool = False
    queues_changes: bool = True

    def can(self, permission: str) -> bool:
        return self.is_system or permission in self.permissions

    def for_site(self, site_id: uuid.UUID | None) -> ActorContext:
        """The same actor writing as another site's installation (demo loader, sync apply).

        What it writes for another site is that site's installation's change, not this one's:
        it is not queued in this installation's change log.
        """
        return replace(
            self,
            site_id=site_id,
            queues_changes=self.queues_changes and site_id == self.site_id,
        )
