"""Daily production: posting into finished goods, batches, reversals, reads, and every refusal."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from hom.core.clock import DEFAULT_TIME_ZONE, today_in
from hom.core.errors import (
    Conflict,
    DomainError,
    InsufficientStock,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongSite,
)
from hom.crud import audit as audit_crud
from hom.crud import inventory as inventory_crud
from hom.crud import outbox as outbox_crud
from hom.models.enums import LocationKind, SiteKind, VoucherType
from hom.services import production, sites, stock
from tests.utils.builders import add_location, add_product, add_site, context_with, make_store
from tests.utils.order_builders import refused, snapshot

TODAY = today_in(DEFAULT_TIME_ZONE)  # the sites' calendar (India), not the machine's
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture
def fac(tmp_path, backend):
    """A store initialised for factory FAC01 (its finished-goods location is FAC01-FG), on
    SQLite and on PostgreSQL."""
    k = make_store(tmp_path, site_code="FAC01", site_kind=SiteKind.FACTORY, backend=backend)
    yield k
    k.store.close()


def _log(fac, product_id, **kw) -> dict:
    data = {
        "production_date": YESTERDAY,
        "shift": "A",
        "product_id": product_id,
        "good_qty": 100,
        "rejected_qty": 3,
        "remarks": "line 1",
    }
    data.update(kw)
    return data


def _tracked(session, shelf_life_days: int | None = 180):
    p = add_product(session, track_batches=True)
    p.shelf_life_days = shelf_life_days
    session.flush()
    return p


def test_post_puts_good_quantity_into_finished_goods(fac) -> None:
    with fac.session() as s:
        p = add_product(s)
        log = production.post_log(s, ctx=fac.ctx, log_in=_log(fac, p.id))
        log_id, product_id = log.id, p.id
    with fac.store.reader() as s:
        log = production.get_log(s, log_id=log_id)
        assert (log.site_id, log.location_id) == (fac.site_id, fac.location_id)
        assert (log.good_qty, log.rejected_qty, log.shift.value) == (100, 3, "A")
        assert log.batch_id is None and log.reverses_id is None
        assert log.created_by == fac.ctx.user_id
        entries = inventory_crud.ledger_for_voucher(s, voucher_id=log_id)
        assert [(e.voucher_type, e.quantity, e.location_id) for e in entries] == [
            (VoucherType.PRODUCTION, 100, fac.location_id)
        ]
        assert entries[0].voucher_no == f"FAC01-PRD-{YESTERDAY:%Y%m%d}-A"
        assert stock.on_hand(s, location_id=fac.location_id, product_id=product_id) == 100
        assert outbox_crud.for_entity(s, entity="stock_ledger", entity_id=entries[0].id)
        trail = audit_crud.for_entity(s, entity="production_logs", entity_id=log_id)
        assert [a.action for a in trail] == ["production.post"]
        assert "good 100, rejected 3" in trail[0].summary


def test_rejects_only_log_moves_no_stock(fac) -> None:
    with fac.session() as s:
        p = add_product(s)
        log = production.post_log(
            s, ctx=fac.ctx, log_in=_log(fac, p.id, good_qty=0, rejected_qty=7)
        )
        assert inventory_crud.ledger_for_voucher(s, voucher_id=log.id) == []
        assert stock.on_hand(s, location_id=fac.location_id, product_id=p.id) == 0
        assert log.rejected_qty == 7


def test_tracked_product_creates_batch_once_then_reuses_it(fac) -> None:
    with fac.session() as s:
        p = _tracked(s, shelf_life_days=180)
        first = production.post_log(
            s, ctx=fac.ctx, log_in=_log(fac, p.id, batch_code=" b-0042 ", good_qty=60)
        )
        before = snapshot(s)["batches"]
        second = production.post_log(
            s,
            ctx=fac.ctx,
            log_in=_log(
                fac, p.id, batch_code="B-0042", good_qty=40, shift="B", production_date=TODAY
            ),
        )
        assert snapshot(s)["batches"] == before  # reused, not created again
        assert first.batch_id == second.batch_id
        batch = production.production_crud.get_batch(s, first.batch_id)
        assert batch.code == "B-0042"  # stored in canonical upper case
        assert batch.manufactured_on == YESTERDAY  # the first production's date
        assert batch.expires_on == YESTERDAY + timedelta(days=180)
        assert batch.factory_site_id == fac.site_id
        assert (
            stock.on_hand(s, location_id=fac.location_id, product_id=p.id, batch_id=batch.id) == 100
        )


def test_batch_without_shelf_life_has_no_expiry(fac) -> None:
    with fac.session() as s:
        p = _tracked(s, shelf_life_days=None)
        log = production.post_log(s, ctx=fac.ctx, log_in=_log(fac, p.id, batch_code="NX1"))
        batch = production.production_crud.get_batch(s, log.batch_id)
        assert batch.expires_on is None


# --- refusals -------------------------------------------------------------------------------


def _refused(fac, make_input, ctx=None):
    """Run post_log; return the error and prove nothing was written, not even before it."""
    return refused(
        fac.store,
        lambda s, c: production.post_log(s, ctx=c, log_in=make_input(s)),
        ctx or fac.ctx,
    )


@pytest.fixture
def products(fac):
    with fac.session() as s:
        plain = add_product(s)
        tracked = _tracked(s)
        inactive = add_product(s)
        inactive.active = False
        return {"plain": plain.id, "tracked": tracked.id, "inactive": inactive.id}


@pytest.mark.parametrize(
    ("change", "error", "field", "words"),
    [
        (
            {"production_date": TODAY + timedelta(days=1)},
            DomainError,
            "production_date",
            "is in the future",
        ),
        ({"good_qty": -1}, ValidationFailed, "good_qty", "greater than or equal to 0"),
        ({"rejected_qty": -2}, ValidationFailed, "rejected_qty", "greater than or equal to 0"),
        ({"good_qty": 0, "rejected_qty": 0}, DomainError, "good_qty", "nothing produced"),
        ({"shift": "D"}, ValidationFailed, "shift", "'A', 'B' or 'C'"),
        ({"product_id": "unknown"}, NotFound, "product_id", "unknown product"),
        ({"product_id": "inactive"}, DomainError, "product_id", "is inactive"),
        ({"product_id": "tracked"}, DomainError, "batch_code", "a batch code is required"),
        ({"batch_code": "B1"}, DomainError, "batch_code", "not tracked by batch"),
        ({"batch_code": "B 1"}, ValidationFailed, "batch_code", "letters, digits"),
        ({"remarks": "x" * 301}, ValidationFailed, "remarks", "at most 300"),
    ],
)
def test_post_refusals_write_nothing(fac, products, change, error, field, words) -> None:
    def make(_s):
        data = _log(fac, products["plain"])
        data.update(change)
        if change.get("product_id") == "unknown":
            data["product_id"] = uuid.uuid4()
        elif change.get("product_id") in products:
            data["product_id"] = products[change["product_id"]]
        return data

    exc = _refused(fac, make)
    assert type(exc) is error
    assert exc.field == field
    assert words in exc.message


def test_post_refused_at_a_site_that_is_not_a_factory(fac, products) -> None:
    with fac.session() as s:
        depot = add_site(s, fac.ctx, code="DEP09", kind=SiteKind.DEPOT)
    exc = _refused(fac, lambda _s: _log(fac, products["plain"], site_id=depot))
    assert isinstance(exc, DomainError) and exc.field == "site_id"
    assert exc.message.startswith("site DEP09 is a depot, not a factory")


def test_post_refused_for_unknown_site(fac, products) -> None:
    exc = _refused(fac, lambda _s: _log(fac, products["plain"], site_id=uuid.uuid4()))
    assert isinstance(exc, NotFound) and exc.field == "site_id"


def test_post_refused_for_factory_without_finished_goods(fac, products) -> None:
    with fac.session() as s:
        bare = add_site(s, fac.ctx, code="FAC09", kind=SiteKind.FACTORY)
    exc = _refused(fac, lambda _s: _log(fac, products["plain"], site_id=bare))
    assert isinstance(exc, DomainError) and exc.field == "site_id"
    assert "no active finished-goods location" in exc.message


def test_post_needs_permission(fac, products) -> None:
    clerk = context_with(fac.ctx, "stock.view")
    exc = _refused(fac, lambda _s: _log(fac, products["plain"]), ctx=clerk)
    assert isinstance(exc, PermissionDenied)
    assert "production.post" in exc.message


def test_another_factory_posts_only_through_its_own_installation(fac, products) -> None:
    """The one-writer rule comes from stock.post, unchanged: type, field and its words."""
    with fac.session() as s:
        other = add_site(s, fac.ctx, code="FAC02", kind=SiteKind.FACTORY)
        add_location(s, fac.ctx, site_id=other, code="FAC02-FG", kind=LocationKind.FINISHED_GOODS)
    exc = _refused(fac, lambda _s: _log(fac, products["plain"], site_id=other))
    assert type(exc) is WrongSite
    assert exc.field == "site_id"  # the factory the clerk chose
    assert exc.message.startswith("location FAC02-FG belongs to another site")

    # the same log posted by FAC02's own installation is accepted
    with fac.session() as s:
        production.post_log(
            s, ctx=fac.ctx.for_site(other), log_in=_log(fac, products["plain"], site_id=other)
        )

    # a read-only store (no site) cannot post either
    exc = _refused(
        fac,
        lambda _s: _log(fac, products["plain"], site_id=fac.site_id),
        ctx=fac.ctx.for_site(None),
    )
    assert type(exc) is WrongSite and "read-only" in exc.message


def test_rejects_only_log_keeps_the_one_writer_rule(fac, products) -> None:
    exc = _refused(
        fac,
        lambda _s: _log(fac, products["plain"], good_qty=0, rejected_qty=5, site_id=fac.site_id),
        ctx=fac.ctx.for_site(uuid.uuid4()),
    )
    assert type(exc) is WrongSite and exc.field == "site_id"


def test_no_site_and_no_own_site_names_the_site_field(fac, products) -> None:
    exc = _refused(fac, lambda _s: _log(fac, products["plain"]), ctx=fac.ctx.for_site(None))
    assert isinstance(exc, DomainError) and exc.field == "site_id"


# --- reversal -------------------------------------------------------------------------------


def test_reverse_negates_the_log_and_the_stock(fac) -> None:
    with fac.session() as s:
        p = _tracked(s)
        log = production.post_log(s, ctx=fac.ctx, log_in=_log(fac, p.id, batch_code="R1"))
        rev = production.reverse_log(s, ctx=fac.ctx, log_id=log.id, reason="wrong shift")
        assert rev.reverses_id == log.id
        assert (rev.good_qty, rev.rejected_qty) == (-100, -3)
        assert (rev.batch_id, rev.product_id, rev.location_id) == (
            log.batch_id,
            log.product_id,
            log.location_id,
        )
        assert rev.production_date == log.production_date and rev.remarks == "wrong shift"
        entries = inventory_crud.ledger_for_voucher(s, voucher_id=rev.id)
        assert [(e.voucher_type, e.quantity, e.batch_id) for e in entries] == [
            (VoucherType.PRODUCTION_REVERSAL, -100, log.batch_id)
        ]
        assert stock.on_hand(s, location_id=fac.location_id, product_id=p.id) == 0
        assert [
            a.action for a in audit_crud.for_entity(s, entity="production_logs", entity_id=rev.id)
        ] == ["production.reverse"]
        rows = production.day_log(s, site_id=fac.site_id, day=YESTERDAY)
        flags = {(r.good_qty, r.reversed, r.is_reversal) for r in rows}
        assert flags == {(100, True, False), (-100, False, True)}
        assert stock.verify(s).ok


def _reverse_refused(fac, log_id, reason="mistake", ctx=None):
    return refused(
        fac.store,
        lambda s, c: production.reverse_log(s, ctx=c, log_id=log_id, reason=reason),
        ctx or fac.ctx,
    )


def test_reverse_refusals(fac) -> None:
    with fac.session() as s:
        p = add_product(s)
        log_id = production.post_log(s, ctx=fac.ctx, log_in=_log(fac, p.id)).id
        other_id = production.post_log(s, ctx=fac.ctx, log_in=_log(fac, p.id, shift="C")).id

    exc = _reverse_refused(fac, log_id, reason="no")
    assert isinstance(exc, ValidationFailed) and exc.field == "reason"
    exc = _reverse_refused(fac, uuid.uuid4())
    assert isinstance(exc, NotFound) and exc.field == "log_id"
    exc = _reverse_refused(fac, log_id, ctx=context_with(fac.ctx, "production.post"))
    assert isinstance(exc, PermissionDenied) and "production.reverse" in exc.message

    with fac.session() as s:
        rev_id = production.reverse_log(s, ctx=fac.ctx, log_id=log_id, reason="typo").id
    exc = _reverse_refused(fac, log_id)
    assert isinstance(exc, Conflict) and exc.field == "log_id"
    assert "already been reversed" in exc.message
    exc = _reverse_refused(fac, rev_id)
    assert isinstance(exc, Conflict) and "itself a reversal" in exc.message

    # another site's installation cannot reverse FAC01's log (stock.post's rule)
    exc = _reverse_refused(fac, other_id, ctx=fac.ctx.for_site(uuid.uuid4()))
    assert type(exc) is WrongSite


def test_reverse_refused_when_stock_has_moved_on(fac) -> None:
    with fac.session() as s:
        p = add_product(s)
        log_id = production.post_log(s, ctx=fac.ctx, log_in=_log(fac, p.id, good_qty=50)).id
        spare = add_location(s, fac.ctx, site_id=fac.site_id, kind=LocationKind.FINISHED_GOODS)
        stock.transfer(
            s,
            ctx=fac.ctx,
            transfer_in={
                "from_location_id": fac.location_id,
                "to_location_id": spare,
                "product_id": p.id,
                "quantity": 30,
                "reason": "restock",
            },
        )
    exc = _reverse_refused(fac, log_id)
    assert type(exc) is InsufficientStock
    assert exc.available == 20 and exc.field == "log_id"
    assert "already moved on" in exc.message and "20 available" in exc.message


def test_reverse_rejects_only_log(fac) -> None:
    with fac.session() as s:
        p = add_product(s)
        log = production.post_log(
            s, ctx=fac.ctx, log_in=_log(fac, p.id, good_qty=0, rejected_qty=9)
        )
        rev = production.reverse_log(s, ctx=fac.ctx, log_id=log.id, reason="double entry")
        assert (rev.good_qty, rev.rejected_qty) == (0, -9)
        assert inventory_crud.ledger_for_voucher(s, voucher_id=rev.id) == []


# --- reads ----------------------------------------------------------------------------------


def test_day_log_and_pages(fac) -> None:
    days = [TODAY - timedelta(days=d) for d in range(5)]
    with fac.session() as s:
        soap = add_product(s, sku="SOAP-1", name="Soap 100 g")
        gel = _tracked(s)
        for day in days:
            production.post_log(s, ctx=fac.ctx, log_in=_log(fac, soap.id, production_date=day))
        production.post_log(
            s,
            ctx=fac.ctx,
            log_in=_log(fac, gel.id, production_date=days[2], shift="B", batch_code="G7"),
        )
        # another factory's log does not appear in FAC01's sheet
        other = add_site(s, fac.ctx, code="FAC03", kind=SiteKind.FACTORY)
        sites.create_location(
            s,
            ctx=fac.ctx,
            location_in={
                "site_id": other,
                "code": "FAC03-FG",
                "name": "FG",
                "kind": LocationKind.FINISHED_GOODS,
            },
        )
        production.post_log(
            s,
            ctx=fac.ctx.for_site(other),
            log_in=_log(fac, soap.id, production_date=days[2], site_id=other),
        )

    with fac.store.reader() as s:
        sheet = production.day_log(s, site_id=fac.site_id, day=days[2])
        assert [(r.shift.value, r.sku, r.batch_code) for r in sheet] == [
            ("A", "SOAP-1", None),
            ("B", gel.sku, "G7"),
        ]
        assert sheet[0].product_name == "Soap 100 g" and not sheet[0].reversed

        page = production.logs_page(s, site_id=fac.site_id, since=days[3], until=days[1])
        assert [r.production_date for r in page] == [days[1], days[2], days[2], days[3]]
        assert production.count_logs(s, site_id=fac.site_id, since=days[3], until=days[1]) == 4
        second = production.logs_page(s, site_id=fac.site_id, offset=2, limit=2)
        assert [r.production_date for r in second] == [days[2], days[2]]
        assert production.count_logs(s) == 7
        assert production.count_logs(s, product_id=gel.id) == 1


def test_logs_and_new_batches_queue_for_sync(fac) -> None:
    with fac.session() as s:
        p = _tracked(s)
        first = production.post_log(s, ctx=fac.ctx, log_in=_log(fac, p.id, batch_code="b-01"))
        second = production.post_log(
            s, ctx=fac.ctx, log_in=_log(fac, p.id, batch_code="B-01", shift="B")
        )
        reversal = production.reverse_log(s, ctx=fac.ctx, log_id=second.id, reason="wrong shift")
        assert first.batch_id == second.batch_id
        for log in (first, second, reversal):
            assert outbox_crud.for_entity(s, entity="production_logs", entity_id=log.id)
        # The batch is queued once, when it is made, not again when it is reused.
        assert len(outbox_crud.for_entity(s, entity="batches", entity_id=first.batch_id)) == 1
