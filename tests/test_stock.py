"""Stock rules on real SQLite and PostgreSQL stores: ledger + balance + outbox in one transaction,
no negatives, the one-writer rule, batches, counts, permissions and verify."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, text

from hom.core.errors import (
    DomainError,
    InsufficientStock,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongSite,
)
from hom.core.ids import new_id
from hom.crud import inventory as inventory_crud
from hom.models import AuditEntry, Batch, OutboxEntry, StockBalance, StockLedgerEntry
from hom.models.enums import SiteKind, VoucherType
from hom.services import stock
from hom.services.context import ActorContext
from tests.utils.builders import add_location, add_product, add_site, context_with
from tests.utils.order_builders import refused


@pytest.fixture
def kit(any_kit):
    """Every test here runs on SQLite and on PostgreSQL."""
    return any_kit


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _receive(kit, product_id, qty, *, location_id=None, batch_id=None):
    with kit.session() as s:
        return stock.receive(
            s,
            ctx=kit.ctx,
            receipt_in={
                "location_id": location_id or kit.location_id,
                "product_id": product_id,
                "quantity": qty,
                "batch_id": batch_id,
            },
        )


@pytest.fixture
def product(kit):
    with kit.session() as s:
        return add_product(s)


def test_receipt_writes_ledger_balance_outbox_and_audit(kit, product):
    result = _receive(kit, product.id, 40)
    with kit.store.reader() as s:
        entry = s.get(StockLedgerEntry, result.entry_ids[0])
        assert (entry.quantity, entry.balance_after, entry.voucher_type) == (
            40,
            40,
            VoucherType.RECEIPT,
        )
        assert entry.created_by == kit.ctx.user_id
        assert entry.installation_id == kit.ctx.installation_id
        assert entry.created_at.tzinfo is not None
        assert stock.on_hand(s, location_id=kit.location_id, product_id=product.id) == 40
        outbox = s.scalars(select(OutboxEntry).where(OutboxEntry.entity == "stock_ledger")).all()
        assert [(o.entity, o.entity_id) for o in outbox] == [("stock_ledger", entry.id)]
        assert outbox[0].payload["quantity"] == 40 and outbox[0].payload["balance_after"] == 40
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "stock.receive")).all()
        assert len(audit) == 1 and audit[0].user_id == kit.ctx.user_id


def test_stock_never_goes_below_zero_and_the_refusal_writes_nothing(kit, product):
    _receive(kit, product.id, 10)
    other = None
    with kit.session() as s:
        other = add_location(s, kit.ctx, site_id=kit.site_id)
    with kit.store.reader() as s:
        before = (_count(s, StockLedgerEntry), _count(s, OutboxEntry), _count(s, AuditEntry))
    with pytest.raises(InsufficientStock) as info, kit.session() as s:
        stock.transfer(
            s,
            ctx=kit.ctx,
            transfer_in={
                "from_location_id": kit.location_id,
                "to_location_id": other,
                "product_id": product.id,
                "quantity": 11,
                "reason": "restock",
            },
        )
    assert info.value.available == 10
    assert "10 available" in str(info.value) and product.sku in str(info.value)
    assert info.value.field == "quantity"
    with kit.store.reader() as s:
        after = (_count(s, StockLedgerEntry), _count(s, OutboxEntry), _count(s, AuditEntry))
        assert after == before
        assert stock.on_hand(s, location_id=kit.location_id, product_id=product.id) == 10


def test_transfer_is_two_entries_under_one_voucher(kit, product):
    _receive(kit, product.id, 25)
    with kit.session() as s:
        other = add_location(s, kit.ctx, site_id=kit.site_id)
        result = stock.transfer(
            s,
            ctx=kit.ctx,
            transfer_in={
                "from_location_id": kit.location_id,
                "to_location_id": other,
                "product_id": product.id,
                "quantity": 7,
                "reason": "rebalance",
            },
        )
    with kit.store.reader() as s:
        entries = s.scalars(
            select(StockLedgerEntry).where(StockLedgerEntry.voucher_id == result.voucher_id)
        ).all()
        assert sorted((e.voucher_type, e.quantity) for e in entries) == [
            (VoucherType.TRANSFER_IN, 7),
            (VoucherType.TRANSFER_OUT, -7),
        ]
        assert stock.on_hand(s, location_id=kit.location_id, product_id=product.id) == 18
        assert stock.on_hand(s, location_id=other, product_id=product.id) == 7


def test_transfer_to_the_same_location_is_refused(kit, product):
    with pytest.raises(ValidationFailed) as info, kit.session() as s:
        stock.transfer(
            s,
            ctx=kit.ctx,
            transfer_in={
                "from_location_id": kit.location_id,
                "to_location_id": kit.location_id,
                "product_id": product.id,
                "quantity": 1,
                "reason": "restock",
            },
        )
    assert "must differ" in str(info.value)


@pytest.mark.parametrize(
    ("quantity", "field"), [(0, "quantity"), (-3, "quantity"), ("many", "quantity")]
)
def test_bad_quantities_are_refused_naming_the_field(kit, product, quantity, field):
    with pytest.raises(ValidationFailed) as info:
        _receive(kit, product.id, quantity)
    assert info.value.field == field


def test_unknown_product_and_location_are_refused(kit, product):
    with pytest.raises(NotFound) as info:
        _receive(kit, uuid.uuid4(), 1)
    assert info.value.field == "product_id"
    with pytest.raises(NotFound) as info:
        _receive(kit, product.id, 1, location_id=uuid.uuid4())
    assert info.value.field == "location_id"


def test_another_sites_location_is_refused_with_a_clear_message(kit, product):
    with kit.session() as s:
        other_site = add_site(s, kit.ctx, code="DEP02", kind=SiteKind.DEPOT)
        foreign = add_location(s, kit.ctx, site_id=other_site, code="DEP02-WH")
    with pytest.raises(WrongSite) as info:
        _receive(kit, product.id, 5, location_id=foreign)
    assert "DEP02-WH belongs to another site" in str(info.value)
    assert info.value.field == "location_id"
    _receive(kit, product.id, 5)
    with pytest.raises(WrongSite) as info, kit.session() as s:
        stock.transfer(
            s,
            ctx=kit.ctx,
            transfer_in={
                "from_location_id": kit.location_id,
                "to_location_id": foreign,
                "product_id": product.id,
                "quantity": 1,
                "reason": "restock",
            },
        )
    assert info.value.field == "to_location_id"  # the field the clerk filled in
    with kit.store.reader() as s:
        assert _count(s, StockLedgerEntry) == 1  # only the receipt at DEP01-WH


def test_a_read_only_store_writes_no_stock(kit, product):
    manager = ActorContext(installation_id=kit.ctx.installation_id, site_id=None, is_system=True)
    with pytest.raises(WrongSite, match="read-only"), kit.session() as s:
        stock.receive(
            s,
            ctx=manager,
            receipt_in={"location_id": kit.location_id, "product_id": product.id, "quantity": 1},
        )


def test_batch_tracked_products_move_with_their_batch(kit):
    with kit.session() as s:
        tracked = add_product(s, track_batches=True)
        plain = add_product(s)
        batch = Batch(product_id=tracked.id, code="B001")
        s.add(batch)
        s.flush()
        batch_id = batch.id
    with pytest.raises(DomainError, match="tracked by batch") as info:
        _receive(kit, tracked.id, 5)
    assert info.value.field == "batch_id"
    with pytest.raises(DomainError, match="not tracked by batch") as info:
        _receive(kit, plain.id, 5, batch_id=batch_id)  # its stock could never be dispatched
    assert info.value.field == "batch_id"
    with kit.session() as s:
        other_tracked = add_product(s, track_batches=True)
    with pytest.raises(DomainError, match="not a batch of product"):
        _receive(kit, other_tracked.id, 5, batch_id=batch_id)
    _receive(kit, tracked.id, 5, batch_id=batch_id)
    with kit.store.reader() as s:
        assert (
            stock.on_hand(s, location_id=kit.location_id, product_id=tracked.id, batch_id=batch_id)
            == 5
        )


def test_count_posts_the_difference_as_an_adjustment(kit, product):
    _receive(kit, product.id, 50)
    with kit.session() as s:
        result = stock.count(
            s,
            ctx=kit.ctx,
            count_in={
                "location_id": kit.location_id,
                "product_id": product.id,
                "counted_quantity": 46,
                "reason": "4 damaged in handling",
            },
        )
        assert result is not None
    with kit.session() as s:
        same = stock.count(
            s,
            ctx=kit.ctx,
            count_in={
                "location_id": kit.location_id,
                "product_id": product.id,
                "counted_quantity": 46,
                "reason": "recount",
            },
        )
    assert same is None
    with kit.store.reader() as s:
        entry = s.get(StockLedgerEntry, result.entry_ids[0])
        assert (entry.quantity, entry.voucher_type, entry.reason) == (
            -4,
            VoucherType.ADJUSTMENT,
            "4 damaged in handling",
        )
        assert stock.on_hand(s, location_id=kit.location_id, product_id=product.id) == 46


def test_count_needs_a_reason(kit, product):
    with pytest.raises(ValidationFailed) as info, kit.session() as s:
        stock.count(
            s,
            ctx=kit.ctx,
            count_in={
                "location_id": kit.location_id,
                "product_id": product.id,
                "counted_quantity": 1,
            },
        )
    assert info.value.field == "reason"


def test_permissions_are_enforced_by_the_service(kit, product):
    factory_staff = context_with(kit.ctx, "stock.view", "stock.transfer")
    with pytest.raises(PermissionDenied, match=r"stock\.adjust"), kit.session() as s:
        stock.count(
            s,
            ctx=factory_staff,
            count_in={
                "location_id": kit.location_id,
                "product_id": product.id,
                "counted_quantity": 1,
                "reason": "count",
            },
        )


def test_verify_detects_a_balance_that_drifted_from_the_ledger(kit, product):
    _receive(kit, product.id, 9)
    with kit.store.reader() as s:
        assert stock.verify(s).ok
    with kit.session() as s:
        s.execute(text("UPDATE stock_balances SET quantity = quantity + 1"))
    with kit.store.reader() as s:
        report = stock.verify(s)
        assert not report.ok
        assert [(m[3], m[4]) for m in report.mismatches] == [(10, 9)]


def test_verify_detects_a_balance_without_ledger_entries(kit, product):
    with kit.session() as s:
        s.add(StockBalance(location_id=kit.location_id, product_id=product.id, quantity=3))
    with kit.store.reader() as s:
        report = stock.verify(s)
        assert [(m[3], m[4]) for m in report.mismatches] == [(3, 0)]


def test_post_many_movements_keeps_running_balances(kit, product):
    movements = [stock.Movement(kit.location_id, product.id, q) for q in (5, -2, 4, -7)]
    with kit.session() as s:
        result = stock.post(
            s,
            ctx=kit.ctx,
            movements=movements,
            voucher_type=VoucherType.ADJUSTMENT,
            voucher_id=new_id(),
        )
    assert result.balances_after == [5, 3, 7, 0]
    with kit.store.reader() as s:
        ledger_rows = select(OutboxEntry).where(OutboxEntry.entity == "stock_ledger").subquery()
        assert s.scalar(select(func.count()).select_from(ledger_rows)) == 4
        assert stock.verify(s).ok


def test_two_writers_cannot_oversell_the_same_stock(kit, product):
    """A second clerk's transfer waits for the first to commit, then sees what is left."""
    import threading

    _receive(kit, product.id, 10)
    with kit.session() as s:
        other = add_location(s, kit.ctx, site_id=kit.site_id)
    transfer = {
        "from_location_id": kit.location_id,
        "to_location_id": other,
        "product_id": product.id,
        "quantity": 10,
        "reason": "restock",
    }
    first_holds_lock = threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        with kit.session() as s:
            stock.transfer(s, ctx=kit.ctx, transfer_in=transfer)
            first_holds_lock.set()
            threading.Event().wait(0.3)  # still inside the transaction
        results["first"] = "committed"

    def second() -> None:
        first_holds_lock.wait(5)
        try:
            with kit.session() as s:
                stock.transfer(s, ctx=kit.ctx, transfer_in=transfer)
            results["second"] = "committed"
        except InsufficientStock as exc:
            results["second"] = exc

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert results["first"] == "committed"
    assert isinstance(results["second"], InsufficientStock)
    assert results["second"].available == 0
    with kit.store.reader() as s:
        assert stock.verify(s).ok
        assert stock.on_hand(s, location_id=other, product_id=product.id) == 10


def test_a_refused_transfer_writes_nothing_even_when_the_caller_carries_on(kit, product):
    """The destination is checked before the source's entry is written: a caller that catches
    the refusal and commits (as the demo loader does) has no half transfer."""
    _receive(kit, product.id, 5)
    with kit.session() as s:
        other_site = add_site(s, kit.ctx, code="DEP09", kind=SiteKind.DEPOT)
        foreign = add_location(s, kit.ctx, site_id=other_site, code="DEP09-WH")
    error = refused(
        kit.store,
        lambda s, ctx: stock.transfer(
            s,
            ctx=ctx,
            transfer_in={
                "from_location_id": kit.location_id,
                "to_location_id": foreign,
                "product_id": product.id,
                "quantity": 2,
                "reason": "restock",
            },
        ),
        kit.ctx,
    )
    assert isinstance(error, WrongSite) and error.field == "to_location_id"
    with kit.store.reader() as s:
        assert stock.on_hand(s, location_id=kit.location_id, product_id=product.id) == 5


def test_verify_detects_a_broken_balance_after_chain(kit, product):
    """Two posts that both read 20 and wrote 15 leave sums that agree (10 on the books, 10 in
    the ledger after -5 -5) but a chain that does not: verify names the entry."""
    _receive(kit, product.id, 20)
    with kit.session() as s:
        balance = inventory_crud.balances_for_keys(s, [(kit.location_id, product.id, None)])
        row = next(iter(balance.values()))
        rows = [
            {
                "id": new_id(),
                "location_id": kit.location_id,
                "product_id": product.id,
                "batch_id": None,
                "quantity": -5,
                "balance_after": 15,
                "voucher_type": VoucherType.ADJUSTMENT,
                "voucher_id": new_id(),
                "voucher_no": "",
                "reason": "race",
                "created_at": stock.utcnow(),
                "created_by": None,
                "installation_id": None,
            }
            for _ in range(2)
        ]
        inventory_crud.insert_ledger_rows(s, rows)
        inventory_crud.add_to_balances(
            s, [{"b_id": row.id, "delta": -10, "updated_at": stock.utcnow()}]
        )
    with kit.store.reader() as s:
        report = stock.verify(s)
        assert report.mismatches == [] and report.negatives == 0
        assert not report.ok
        breaks = [(b.entry_id, b.expected_before, b.recorded_before) for b in report.chain_breaks]
        assert breaks == [(rows[1]["id"], 15, 20)]
