"""SQL for the sync sanity check and epoch registration."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.orm import Session

from hom_server.models import AppliedSeq, FeedEntry


def feed_counts(
    session: Session,
    *,
    site_ids: Collection[uuid.UUID] | None,
    through: tuple[int, int],
    installation_id: uuid.UUID,
) -> dict[str, int]:
    """Per entity, the distinct rows of the feed a caller has been given: those it sees (all
    for ``site_ids`` None) up to its cursor ``through`` = (txid, id), and every row it pushed
    itself (it holds those already, pulled or not)."""
    stmt = select(FeedEntry.entity, func.count(func.distinct(FeedEntry.entity_id))).where(
        FeedEntry.operation != "delete",
        or_(
            tuple_(FeedEntry.txid, FeedEntry.id) <= tuple_(*through),
            FeedEntry.origin_installation_id == installation_id,
        ),
    )
    if site_ids is not None:
        ids = list(site_ids)
        stmt = stmt.where(
            or_(
                FeedEntry.master.is_(True),
                and_(FeedEntry.site_id.is_not(None), FeedEntry.site_id.in_(ids)),
                and_(FeedEntry.to_site_id.is_not(None), FeedEntry.to_site_id.in_(ids)),
            )
        )
    return {entity: n for entity, n in session.execute(stmt.group_by(FeedEntry.entity))}


def epochs_of(session: Session, installation_id: uuid.UUID) -> list[AppliedSeq]:
    stmt = (
        select(AppliedSeq)
        .where(AppliedSeq.installation_id == installation_id)
        .order_by(AppliedSeq.epoch)
    )
    return list(session.scalars(stmt))


def clear_rejected(
    session: Session, *, installation_id: uuid.UUID, entity_ids: Collection[uuid.UUID]
) -> None:
    """Forget the rejections of rows that were since accepted (sent again after a fix)."""
    from sqlalchemy import delete

    from hom_server.models import RejectedItem

    session.execute(
        delete(RejectedItem).where(
            RejectedItem.installation_id == installation_id,
            RejectedItem.entity_id.in_(list(entity_ids)),
        )
    )
