"""Concurrent writers on real PostgreSQL, where nothing like SQLite's BEGIN IMMEDIATE serialises
them: balance rows and document-number rows are locked for the write.

Each thread has its own session and connection; a barrier makes both transactions start (and
read) before either writes, the interleaving that let both posts write balance_after 15 from 20.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from hom.crud import site as site_crud
from hom.models.enums import VoucherType
from hom.services import stock
from tests.utils.builders import add_product, make_store

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_kit(tmp_path):
    k = make_store(tmp_path, backend="postgresql")
    yield k
    k.store.close()


def _both(kit, work) -> list:
    """Run ``work(session)`` in two threads, each in its own transaction that has already read
    from the database when the other starts writing; return what each returned or raised."""
    barrier = threading.Barrier(2, timeout=10)
    results: list = [None, None]

    def run(index: int) -> None:
        try:
            with kit.store.transaction() as s:
                s.execute(text("SELECT 1"))  # the transaction and its snapshot have begun
                barrier.wait()
                results[index] = work(s)
        except Exception as exc:  # reported to the test below
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_concurrent_posts_never_write_the_same_balance_after(pg_kit):
    kit = pg_kit
    with kit.session() as s:
        product = add_product(s)
        stock.receive(
            s,
            ctx=kit.ctx,
            receipt_in={"location_id": kit.location_id, "product_id": product.id, "quantity": 20},
        )

    def take_five(s):
        return stock.post(
            s,
            ctx=kit.ctx,
            movements=[stock.Movement(kit.location_id, product.id, -5)],
            voucher_type=VoucherType.ADJUSTMENT,
            voucher_id=stock.new_id(),
            reason="count",
        ).balances_after[0]

    results = _both(kit, take_five)
    assert sorted(results) == [10, 15], results
    with kit.store.reader() as s:
        assert stock.on_hand(s, location_id=kit.location_id, product_id=product.id) == 10
        report = stock.verify(s)
        assert report.ok, report


def test_two_concurrent_orders_never_get_the_same_number(pg_kit):
    kit = pg_kit
    with kit.session() as s:
        first = site_crud.next_sequence_value(s, site_id=kit.site_id, doc_type="P", year=2026)

    results = _both(
        kit,
        lambda s: site_crud.next_sequence_value(s, site_id=kit.site_id, doc_type="P", year=2026),
    )
    assert sorted(results) == [first + 1, first + 2], results
    with kit.store.reader() as s:
        from hom.models.store import DocumentSequence

        assert s.scalar(select(DocumentSequence.last_value)) == first + 2
