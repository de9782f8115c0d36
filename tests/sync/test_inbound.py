"""Applying a pulled page to a store (no server): idempotent and compared, newer order versions
only, echoes skipped, nothing queued in the local change log."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from hom.core.clock import utcnow
from hom.models import OutboxEntry, PrimaryOrder, StockLedgerEntry
from hom.schemas.sync import PAYLOAD_VERSION, FeedItem
from hom.sync import changelog, inbound
from hom.sync import entities as E
from tests.utils.builders import add_product
from tests.utils.order_builders import make_chain, primary_order, receive


def _feed(entity: str, payload: dict, *, origin=None) -> FeedItem:
    installation, epoch, seq = origin or (uuid.uuid4(), 1, 1)
    return FeedItem(
        entity=entity,
        entity_id=uuid.UUID(str(payload["id"])),
        operation="insert",
        payload_version=PAYLOAD_VERSION,
        payload=payload,
        origin_installation_id=installation,
        origin_epoch=epoch,
        origin_seq=seq,
        received_at=utcnow(),
    )


def _apply(kit, items):
    with kit.store.transaction() as s:
        before = s.scalar(select(func.count()).select_from(OutboxEntry))
        out = inbound.apply_page(s, items, installation_id=kit.ctx.installation_id, at=utcnow())
        assert s.scalar(select(func.count()).select_from(OutboxEntry)) == before  # nothing queued
        return out


def test_a_newer_order_version_replaces_an_older_one_never_the_reverse(kit) -> None:
    with kit.store.transaction() as s:
        product = add_product(s)
        chain = make_chain(s, kit)
        order = primary_order(s, kit, chain, product.id)
        base = changelog.snapshot(E.PRIMARY_ORDERS, order)
    newer = {**base, "version": 3, "notes": "version three"}
    older = {**base, "version": 2, "notes": "version two"}
    out = _apply(kit, [_feed(E.PRIMARY_ORDERS, newer)])
    assert out.applied == 1 and not out.conflicts
    out = _apply(kit, [_feed(E.PRIMARY_ORDERS, older)])
    assert out.applied == 0 and out.skipped == 1
    with kit.store.reader() as s:
        row = s.get(PrimaryOrder, order.id)
        assert (row.version, row.notes) == (3, "version three")
    # The same version with other contents is reported, never written over.
    out = _apply(kit, [_feed(E.PRIMARY_ORDERS, {**newer, "notes": "tampered"})])
    assert out.applied == 0 and "different row under the same id" in out.conflicts[0]


def test_ledger_entries_are_idempotent_and_compared(kit) -> None:
    with kit.store.transaction() as s:
        product = add_product(s)
        receive(s, kit.ctx, location_id=kit.location_id, product_id=product.id, quantity=5)
        entry = s.scalars(select(StockLedgerEntry)).one()
        payload = changelog.snapshot(E.LEDGER, entry)
    out = _apply(kit, [_feed(E.LEDGER, payload)])  # here already, identical
    assert (out.applied, out.skipped, out.conflicts) == (0, 1, [])
    out = _apply(kit, [_feed(E.LEDGER, {**payload, "quantity": 7})])
    assert out.applied == 0 and "quantity: here 5, server 7" in out.conflicts[0]
    fresh = {**payload, "id": str(uuid.uuid4()), "quantity": 4, "balance_after": 999}
    out = _apply(kit, [_feed(E.LEDGER, fresh), _feed(E.LEDGER, fresh)])  # a page repeated
    assert (out.applied, out.skipped) == (1, 1)
    with kit.store.reader() as s:
        rows = s.scalars(select(StockLedgerEntry).order_by(StockLedgerEntry.quantity)).all()
        assert [(r.quantity, r.balance_after) for r in rows] == [(4, 9), (5, 5)]  # own balance


def test_echoes_of_own_writes_are_skipped_unlooked(kit) -> None:
    with kit.store.transaction() as s:
        product = add_product(s)
        receive(s, kit.ctx, location_id=kit.location_id, product_id=product.id, quantity=5)
        queued = s.scalars(select(OutboxEntry).where(OutboxEntry.entity == E.LEDGER)).one()
        key = (queued.installation_id, queued.epoch, queued.seq)
        payload = queued.payload
    out = _apply(kit, [_feed(E.LEDGER, {**payload, "quantity": 99}, origin=key)])
    assert (out.applied, out.skipped, out.conflicts) == (0, 1, [])


def test_master_data_is_applied_before_what_uses_it(kit) -> None:
    with kit.store.transaction() as s:
        product = add_product(s)
        product_payload = changelog.snapshot(E.PRODUCTS, product)
    new_id = str(uuid.uuid4())
    new_product = {**product_payload, "id": new_id, "sku": "NEW-1"}
    entry = {
        "id": str(uuid.uuid4()),
        "location_id": str(kit.location_id),
        "product_id": new_id,
        "batch_id": None,
        "quantity": 3,
        "balance_after": 3,
        "voucher_type": "receipt",
        "voucher_id": str(uuid.uuid4()),
        "voucher_no": "R-1",
        "reason": "",
        "created_at": utcnow().isoformat(),
        "created_by": None,
        "installation_id": None,
    }
    # the entry comes first in the page, the product it needs after it
    out = _apply(kit, [_feed(E.LEDGER, entry), _feed(E.PRODUCTS, new_product)])
    assert (out.applied, out.conflicts) == (2, []), out.conflicts
