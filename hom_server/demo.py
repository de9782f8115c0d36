"""``hom-server demo``: the demo company loaded centrally, and enrolment codes to try sync with.

The same deterministic loader as ``hom-desktop demo`` fills the server's database through the
shared services; what it queued in its change log then moves into the feed, so an installation
that enrols pulls the company's master data. Codes are issued for the factory, a depot, a
distributor (given premises of its own for the demo) and a manager's zone.
"""

from __future__ import annotations

from dataclasses import dataclass

from hom.core.config import load_settings as load_store_settings
from hom.core.errors import DomainError
from hom.core.store import Store
from hom.crud import site as site_crud
from hom.demo import catalog
from hom.models.enums import PartyKind, SiteKind
from hom.services import demo, geography, parties, sites
from hom_server.core.database import ServerDatabase, upgrade
from hom_server.services import devices, feed


@dataclass(frozen=True)
class DemoCodes:
    summary: str
    codes: list[tuple[str, str]]  # (what, code)


def load(db: ServerDatabase, *, days: int, hours: int) -> DemoCodes:
    upgrade(db)
    with db.reader() as session:
        if site_crud.get_installation(session) is not None:
            raise DomainError(
                "this server database already holds data; the demo loads only into a new, empty "
                "one (choose another --data-dir or --database-url)",
                field="database",
            )
    store = Store(
        settings=load_store_settings(db.settings.data_dir),
        engine=db.engine,
        sessions=db.sessions,
        writer_sessions=db.writer_sessions,
    )
    summary = demo.load_demo(store, days=days)
    # On SQLite the loader builds the demo in a file beside and moves it in whole, without the
    # server's own tables: bring them back (the database held nothing else before).
    upgrade(db)
    with db.transaction() as session:
        feed.capture_changes(session)
        ctx = sites.system_context(session)
        depot = catalog.DEPOTS[0][0]
        distributor = parties.page_parties(session, kind=PartyKind.DISTRIBUTOR, limit=1)[0]
        if site_crud.site_of_party(session, distributor.id) is None:
            sites.create_site(
                session,
                ctx=ctx,
                site_in={
                    "code": distributor.code,
                    "name": distributor.name[:120],
                    "kind": SiteKind.DISTRIBUTOR,
                    "geo_node_id": distributor.territory_id,
                    "party_id": distributor.id,
                },
            )
            feed.capture_changes(session)
        zone = geography.children(session, None)[0]
        wanted = [
            ("factory", dict(site_code=demo.HOME_SITE)),
            ("depot", dict(site_code=depot)),
            ("distributor", dict(site_code=distributor.code)),
            ("manager", dict(geo_code=zone.code)),
        ]
        codes = []
        for what, scope in wanted:
            issued = devices.create_code(session, ctx=ctx, hours=hours, **scope)
            codes.append((f"{what} {issued.record.label}", issued.code))
    return DemoCodes(summary=summary.describe(), codes=codes)
