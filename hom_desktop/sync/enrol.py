"""Enrolment: an empty data folder becomes a store created from the server.

``hom-desktop enrol URL CODE`` exchanges the one-time code for the device credential (kept in the
keyring, see ``credentials``), then pulls everything this installation may see: the master
data, the users (with their password hashes, so they sign in offline), and the site's own
history. A replacement PC for a depot whose PC died therefore continues with the right balances,
and its document counters start past every number that history holds (at the next block, so
numbers the dead PC issued without syncing are not issued again).
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from hom import __version__
from hom.core.clock import utcnow
from hom.core.errors import DomainError
from hom.crud import site as site_crud
from hom.crud import sync_state as state_crud
from hom.services import sites, users
from hom.sync import inbound
from hom_desktop.sync.api import SyncEngine, SyncError, SyncProgress, SyncReport
from hom_desktop.sync.client import ServerRefused, Unreachable
from hom_desktop.sync.engine import _Tally, client_for, handshake, pull, refusal_text


class _Enrolment(BaseModel):
    device_id: uuid.UUID
    credential: str
    site_id: uuid.UUID | None
    geo_node_id: uuid.UUID | None


@dataclass(frozen=True)
class Enrolled:
    installation_id: uuid.UUID
    device_id: uuid.UUID
    site_code: str | None
    credential_backend: str
    credential_note: str
    report: SyncReport


def enrol(
    engine: SyncEngine,
    *,
    url: str,
    code: str,
    name: str = "",
    progress: Callable[[SyncProgress], None] | None = None,
) -> Enrolled:
    """Enrol the (new, empty) store of ``engine`` with the server at ``url``."""
    store = engine.store
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise SyncError(
            "must be the server's address, such as https://hom.example.com", field="url"
        )
    name = name or socket.gethostname()[:120]
    with store.transaction() as session:
        if site_crud.get_installation(session) is not None:
            raise SyncError(
                "enrol works on an empty data folder: this one already holds a store",
                field="data_dir",
            )
        users.seed_roles(session)
        installation = sites.register_installation(session, name=name, site_id=None, currency="INR")
        installation_id = installation.id
    try:
        with client_for(engine, url, None, None) as client:
            raw = client.request(
                "POST",
                "/devices/enrol",
                body={
                    "code": code,
                    "installation_id": str(installation_id),
                    "name": name,
                    "app_version": __version__,
                },
                retry=False,  # a code works once: never sent twice
            )
    except ServerRefused as exc:
        raise SyncError(refusal_text(exc), field=exc.field or "code") from None
    except Unreachable as exc:
        raise SyncError(exc.message, field="url") from None
    enrolment = _Enrolment.model_validate_json(raw)
    backend = engine.credentials.save(installation_id, enrolment.credential)
    with store.transaction() as session:
        state = state_crud.get_or_add(session, installation_id)
        state.device_id = enrolment.device_id
        state.credential_backend = backend
        state.registered_epoch = site_crud.get_installation(session).epoch  # type: ignore[union-attr]
    tally = _Tally()
    try:
        with client_for(engine, url, enrolment.credential, None) as client:
            handshake(client)  # versions first: nothing is pulled into an incompatible store
            pull(
                engine, client, installation_id, tally, progress or (lambda _p: None), lambda: False
            )
    except (ServerRefused, Unreachable) as exc:
        message = refusal_text(exc) if isinstance(exc, ServerRefused) else exc.message
        raise SyncError(f"enrolled, but the first pull failed: {message}", field="url") from None
    site_code = None
    with store.transaction() as session:
        installation = sites.installation(session)
        if enrolment.site_id is not None:
            site = site_crud.get_site(session, enrolment.site_id)
            if site is None:
                raise DomainError(
                    f"the server did not send this installation's site {enrolment.site_id}",
                    field="site",
                )
            installation.site_id = site.id
            site_code = site.code
            inbound.keep_numbers_ahead(session, site_id=site.id)
        installation.server_url = url
        installation.enrolled_at = utcnow()
    report = engine.run_once(progress=progress)
    return Enrolled(
        installation_id=installation_id,
        device_id=enrolment.device_id,
        site_code=site_code,
        credential_backend=backend,
        credential_note=engine.credentials.explain(),
        report=report,
    )
