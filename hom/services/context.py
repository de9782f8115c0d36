"""Who is acting, and for which site: passed to every service call that writes.

The context carries ids and permission codes, never ORM objects, so it can cross threads.
``site_id`` is the site this installation writes for (None on a manager's read-only store);
the one-writer rule is checked against it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ActorContext:
    installation_id: uuid.UUID
    site_id: uuid.UUID | None
    user_id: uuid.UUID | None = None
    username: str = "system"
    permissions: frozenset[str] = field(default_factory=frozenset)
    is_system: bool = False

    def can(self, permission: str) -> bool:
        return self.is_system or permission in self.permissions

    def for_site(self, site_id: uuid.UUID | None) -> ActorContext:
        """The same actor writing as another site's installation (demo loader, sync apply)."""
        return ActorContext(
            installation_id=self.installation_id,
            site_id=site_id,
            user_id=self.user_id,
            username=self.username,
            permissions=self.permissions,
            is_system=self.is_system,
        )
