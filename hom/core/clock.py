"""Time in one place: stored and compared in UTC, shown in the user's local zone.

Business dates ("today", an order date, a back-dated dispatch) belong to a site's calendar: they
are computed in the site's IANA time zone (``Asia/Kolkata`` unless the site says otherwise), never
in the zone of the machine that runs the code, so a server running in UTC agrees with the clerk in
Pune at 00:30.

``frozen_at`` lets a batch job write history as of a past moment (the demo loader replays 90
days); everything that stamps a row asks ``utcnow`` here, so the whole domain follows it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Asia/Kolkata"

_frozen: ContextVar[datetime | None] = ContextVar("hom_frozen_now", default=None)


def utcnow() -> datetime:
    frozen = _frozen.get()
    return frozen if frozen is not None else datetime.now(UTC)


def today_utc() -> date:
    return utcnow().date()


@lru_cache(maxsize=64)
def zone(name: str | None) -> tzinfo:
    """The IANA zone ``name`` (the default zone for None or an empty name)."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name like Asia/Kolkata"
        ) from None


def today_in(zone_name: str | None) -> date:
    """Today's date on the calendar of ``zone_name`` (a site's zone)."""
    return utcnow().astimezone(zone(zone_name)).date()


def business_date(moment: datetime, zone_name: str | None) -> date:
    """The calendar date in ``zone_name`` of a stored UTC moment."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(zone_name)).date()


def moment_on(day: date, zone_name: str | None, *, at: time | None = None) -> datetime:
    """The UTC moment of wall-clock time ``at`` (default: now's wall-clock time in the zone) on
    ``day`` in ``zone_name``. The zone's offset is the one in force on ``day``, so a back-dated
    entry across a daylight-saving change keeps its date; a wall time that does not exist on
    that day (the spring-forward gap) moves forward by the gap."""
    tz = zone(zone_name)
    if at is None:
        at = utcnow().astimezone(tz).time()
    local = datetime.combine(day, at.replace(tzinfo=None), tzinfo=tz)
    result = local.astimezone(UTC)
    if result.astimezone(tz).date() != day:  # a gap pushed it over midnight: keep the day
        result = datetime.combine(day, time(23, 59, 59), tzinfo=tz).astimezone(UTC)
    return result


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
