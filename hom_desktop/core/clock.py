"""Time in one place: stored and compared in UTC, shown in the user's local zone."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def today_utc() -> date:
    return utcnow().date()


def to_local(moment: datetime) -> datetime:
    """The moment in the machine's local time zone, for display only."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone()
