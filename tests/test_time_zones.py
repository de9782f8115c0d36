"""Business dates follow the site's calendar, not the zone of the machine running the code.

The machine's zone is set with ``TZ`` (a server in UTC, a laptop in London) and the clock frozen
at the awkward moments: 00:30 in India (19:00 UTC the day before) and a back-dated step across
a daylight-saving change.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest

from hom.core import clock
from hom.core.clock import business_date, frozen_at, moment_on
from hom.core.errors import ValidationFailed
from hom.models.enums import OrderLevel, SiteKind
from hom.models.site import Site
from hom.services import orders, production, sites
from tests.utils.builders import add_product, make_store
from tests.utils.order_builders import make_chain, primary_order


@pytest.fixture
def machine_zone(monkeypatch):
    """Set the zone of the machine running the services (``TZ``), restored afterwards."""

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


def _set_site_zone(kit, zone: str) -> None:
    with kit.session() as s:
        s.get(Site, kit.site_id).time_zone = zone


def test_a_server_in_utc_takes_indian_entries_made_after_midnight_ist(tmp_path, machine_zone):
    """00:30 IST on 2 March is 19:00 UTC on 1 March: production logged for 2 March is today's,
    not the future, on a server whose own clock says 1 March."""
    machine_zone("UTC")
    fac = make_store(tmp_path, site_code="FAC01", site_kind=SiteKind.FACTORY)
    with fac.session() as s:
        product = add_product(s)
    with frozen_at(datetime(2026, 3, 1, 19, 0, tzinfo=UTC)), fac.session() as s:
        assert sites.today(s, site_id=fac.site_id) == date(2026, 3, 2)
        log = production.post_log(
            s,
            ctx=fac.ctx,
            log_in={
                "production_date": date(2026, 3, 2),
                "shift": "A",
                "product_id": product.id,
                "good_qty": 12,
                "rejected_qty": 0,
            },
        )
        assert log.production_date == date(2026, 3, 2)
    fac.store.close()


def test_an_order_made_after_midnight_ist_is_dated_by_the_indian_calendar(kit, machine_zone):
    machine_zone("UTC")
    with kit.session() as s:
        chain = make_chain(s, kit)
        soap = add_product(s)
    with frozen_at(datetime(2026, 3, 1, 19, 0, tzinfo=UTC)), kit.session() as s:
        order = primary_order(s, kit, chain, soap.id)
        assert order.order_date == date(2026, 3, 2)
        assert order.number.endswith("-2026-000001")


def test_a_step_back_dated_across_a_dst_change_keeps_its_date(kit, machine_zone):
    """A London site at 00:30 BST in July confirms an order as of 15 January (GMT): the stamp
    is 00:30 GMT on 15 January, not 23:30 on the 14th (the summer offset applied to winter)."""
    machine_zone("Europe/London")
    _set_site_zone(kit, "Europe/London")
    with kit.session() as s:
        chain = make_chain(s, kit)
        soap = add_product(s)
        order = primary_order(s, kit, chain, soap.id, order_date=date(2026, 1, 10))
    with frozen_at(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)), kit.session() as s:
        assert sites.today(s, site_id=kit.site_id) == date(2026, 7, 2)
        confirmed = orders.confirm(
            s, ctx=kit.ctx, level=OrderLevel.PRIMARY, order_id=order.id, on=date(2026, 1, 15)
        )
        assert business_date(confirmed.confirmed_at, "Europe/London") == date(2026, 1, 15)
        assert confirmed.confirmed_at == datetime(2026, 1, 15, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "wall", "expected_utc"),
    [
        (date(2026, 1, 15), (0, 30), datetime(2026, 1, 15, 0, 30, tzinfo=UTC)),  # GMT
        (date(2026, 7, 15), (0, 30), datetime(2026, 7, 14, 23, 30, tzinfo=UTC)),  # BST
        (date(2026, 3, 29), (1, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),  # the gap
        (date(2026, 10, 25), (1, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # twice
    ],
)
def test_moment_on_uses_the_offset_of_the_day_itself(day, wall, expected_utc):
    moment = moment_on(day, "Europe/London", at=datetime(2000, 1, 1, *wall).time())
    assert moment == expected_utc
    assert business_date(moment, "Europe/London") == day


def test_today_in_kolkata_at_half_past_midnight():
    with frozen_at(datetime(2026, 12, 1, 19, 0, tzinfo=UTC)):
        assert clock.today_in("Asia/Kolkata") == date(2026, 12, 2)
        assert clock.today_in("Europe/London") == date(2026, 12, 1)
        assert clock.today_in(None) == date(2026, 12, 2)  # the default zone is India's


def test_a_site_with_an_unknown_zone_is_refused(kit):
    from hom.services import sites as sites_service

    with pytest.raises(ValidationFailed) as info, kit.session() as s:
        sites_service.create_site(
            s,
            ctx=kit.ctx,
            site_in={"code": "DEP77", "name": "x", "kind": "depot", "time_zone": "India/Pune"},
        )
    assert info.value.field == "time_zone"
    assert "IANA" in str(info.value)
