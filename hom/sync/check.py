"""The sanity check's local side: per entity, how many rows this store holds that the server
should hold for it too (rows whose first change is still pending or was rejected are not on
the server, so they are left out). The server counts the same from its feed; a mismatch is
shown and logged, never ignored (as Anki's sync ends)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hom.crud import sync_state as state_crud
from hom.sync import apply
from hom.sync import entities as E

#: Roles are each store's own seeded rows (matched by name), so they are not counted.
CHECKED: tuple[str, ...] = tuple(e for e in E.SYNC_SCHEMAS if e != E.ROLES)


def _table(entity: str):
    if entity == E.LEDGER:
        from hom.models.inventory import StockLedgerEntry

        return StockLedgerEntry.__table__
    if entity in apply.ORDER_MODELS:
        return apply.ORDER_MODELS[entity][0].__table__
    return apply.ROW_MODELS[entity].__table__


def local_counts(session: Session) -> dict[str, int]:
    """Per entity: rows here, less those the server has not accepted (yet)."""
    counts: dict[str, int] = {}
    for entity in CHECKED:
        counts[entity] = state_crud.count_rows(session, _table(entity)) - (
            state_crud.count_unaccepted_inserts(session, entity=entity)
        )
    return counts
