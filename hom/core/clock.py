"""Time in one place: stored and compared in UTC, shown in the user's local zone.

``frozen_at`` lets a batch job write history as of a past moment (the demo loader replays 90
days); everything that stamps a row asks ``utcnow`` here, so the whole domain follows it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime

_frozen: ContextVar[datetime | None] = ContextVar("hom_frozen_now", default=None)


def utcnow() -> datetime:
    frozen = _frozen.get()
    return frozen if frozen is not None else datetime.now(UTC)


def today_utc() -> date:
    return utcnow().date()


def to_local(moment: datetime) -> datetime:
    """The moment in the machine's local time zone, for display only."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Within the block (this thread or task only), ``utcnow()`` returns ``moment``."""
    if moment.tzinfo is None:
        raise ValueError("frozen_at needs an aware datetime")
    token = _frozen.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _frozen.reset(token)
