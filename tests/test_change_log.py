"""The change log (outbox) sync can trust: identity, self-contained payloads, every synced write
queued, housekeeping, epochs after restores and copies, demo stores, sign-in state kept local.

Each test here fails on the code before issue 6: the outbox had a plain INTEGER key, NULL
payloads for ledger, batch and production rows, order rows with only number/status/version,
no row for master data, sign-in writing the synced user row, and no epochs.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from hom.core.config import load_settings
from hom.core.errors import DomainError, WrongSite
from hom.core.store import open_store
from hom.crud import outbox as outbox_crud
from hom.models import OutboxEntry, SyncEpoch, User
from hom.models.enums import GeoLevel, OrderLevel, Shift, SiteKind
from hom.schemas.sync import PAYLOAD_VERSION, ChangeItem, PushRequest
from hom.services import geography, maintenance, orders, production, products, sites, users
from hom.services.context import ActorContext
from hom.sync import changelog, identity
from hom.sync.entities import SYNC_SCHEMAS
from tests.utils.builders import ADMIN_PASSWORD, add_product, make_store
from tests.utils.order_builders import make_chain, receive


def _rows(session) -> list[OutboxEntry]:
    return list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.epoch, OutboxEntry.seq)))


def _new(session, since: int) -> list[OutboxEntry]:
    return [r for r in _rows(session) if r.seq > since]


def _product(s, kit, sku: str):
    """A product through the service (the test builder writes through crud, unqueued)."""
    return products.create_product(
        s,
        ctx=kit.ctx,
        product_in={
            "sku": sku,
            "name": f"Soap {sku}",
            "mrp": "10.00",
            "distributor_price": "8.00",
            "retailer_price": "9.00",
        },
    )


def _last_seq(kit) -> int:
    with kit.store.reader() as s:
        return s.scalar(select(func.max(OutboxEntry.seq))) or 0


def _order(kit, chain, product_id, quantity=2):
    with kit.session() as s:
        return orders.create_order(
            s,
            ctx=kit.ctx,
            level=OrderLevel.PRIMARY,
            order_in={
                "seller_location_id": kit.location_id,
                "distributor_id": chain.distributor.id,
                "lines": [{"product_id": product_id, "quantity": quantity}],
            },
        )


# --- identity -------------------------------------------------------------------------------


def test_rows_carry_installation_epoch_and_a_gapless_seq(kit):
    with kit.session() as s:
        _product(s, kit, "ID-1")
        _product(s, kit, "ID-2")
    with pytest.raises(DomainError), kit.session() as s:
        _product(s, kit, "ID-3")
        raise DomainError("the clerk cancels", field="x")  # rolled back: its seq comes back
    with kit.session() as s:
        _product(s, kit, "ID-4")
    with kit.store.reader() as s:
        rows = _rows(s)
        installation = sites.installation(s)
    assert {(r.installation_id, r.epoch) for r in rows} == {(installation.id, installation.epoch)}
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert [r.payload["sku"] for r in rows if r.entity == "products"] == ["ID-1", "ID-2", "ID-4"]


def test_compaction_keeps_a_high_water_mark_and_never_reuses_a_seq(kit):
    with kit.session() as s:
        _product(s, kit, "HW-1")
    with kit.store.reader() as s:
        iid, epoch = outbox_crud.current_identity(s)
        seqs = [r.seq for r in _rows(s)]
    with kit.session() as s:
        outbox_crud.set_status(
            s, installation_id=iid, epoch=epoch, seqs=seqs, status=outbox_crud.ACKNOWLEDGED
        )
        assert outbox_crud.compact(s) == len(seqs)
    with kit.session() as s:
        _product(s, kit, "HW-2")
    with kit.store.reader() as s:
        rows = _rows(s)
        counter = s.get(SyncEpoch, (iid, epoch))
    assert [r.seq for r in rows] == [max(seqs) + 1]  # seq 1 is not handed out again
    assert counter.compacted_through == max(seqs) and counter.last_seq == max(seqs) + 1


def test_housekeeping_records_attempts_errors_and_acknowledgements(kit):
    with kit.session() as s:
        _product(s, kit, "HK-1")
    with kit.store.reader() as s:
        iid, epoch = outbox_crud.current_identity(s)
        seq = _rows(s)[-1].seq
    with kit.session() as s:
        outbox_crud.record_attempt_failed(
            s, installation_id=iid, epoch=epoch, seqs=[seq], error="server unreachable"
        )
        outbox_crud.set_status(
            s,
            installation_id=iid,
            epoch=epoch,
            seqs=[seq],
            status=outbox_crud.REJECTED,
            error="products: sku already used",
        )
    with kit.store.reader() as s:
        row = _rows(s)[-1]
        assert (row.attempts, row.status) == (2, "rejected")
        assert row.last_error == "products: sku already used" and row.acknowledged_at


# --- payloads -------------------------------------------------------------------------------


def test_every_row_is_a_valid_change_item_with_its_entity_schema(kit):
    with kit.session() as s:
        chain = make_chain(s, kit)
        soap = add_product(s, sku="PL-1")
        receive(s, kit.ctx, location_id=kit.location_id, product_id=soap.id, quantity=10)
    _order(kit, chain, soap.id)
    with kit.store.reader() as s:
        rows = _rows(s)
        iid, epoch = outbox_crud.current_identity(s)
    items = [changelog.to_change_item(r) for r in rows]
    PushRequest(installation_id=iid, epoch=epoch, items=items)  # the wire accepts them all
    for row in rows:
        # (the store's own set-up rows were written before it wrote for a site)
        assert row.payload_version == PAYLOAD_VERSION
        assert row.site_id == kit.site_id or row.entity in {"sites", "stock_locations", "users"}
        SYNC_SCHEMAS[row.entity].model_validate(row.payload)
        assert row.payload["id"] == str(row.entity_id)
    entities = {r.entity for r in rows}
    assert {"stock_ledger", "primary_orders", "sites", "stock_locations"} <= entities


def test_production_queues_batch_log_and_ledger_snapshots(tmp_path):
    fac = make_store(tmp_path, site_code="FAC01", site_kind=SiteKind.FACTORY)
    with fac.session() as s:
        gel = add_product(s, sku="GEL", track_batches=True)
        log = production.post_log(
            s,
            ctx=fac.ctx,
            log_in={
                "site_id": fac.site_id,
                "production_date": date.today(),
                "shift": Shift.A,
                "product_id": gel.id,
                "batch_code": "B-0001",
                "good_qty": 120,
                "rejected_qty": 3,
            },
        )
    with fac.store.reader() as s:
        by_entity = {r.entity: r.payload for r in _rows(s)}
    fac.store.close()
    assert by_entity["batches"]["code"] == "B-0001"
    assert by_entity["production_logs"]["good_qty"] == 120
    assert by_entity["production_logs"]["id"] == str(log.id)
    ledger = by_entity["stock_ledger"]
    assert (ledger["quantity"], ledger["voucher_type"]) == (120, "production")
    assert ledger["batch_id"] == by_entity["batches"]["id"]


def test_order_rows_hold_lines_parties_prices_and_totals_and_line_changes_queue(kit):
    with kit.session() as s:
        chain = make_chain(s, kit)
        soap = add_product(s, sku="SOAP", distributor_price="36.35")
        other = add_product(s, sku="OTHER", distributor_price="10.00")
    order = _order(kit, chain, soap.id, quantity=3)
    with kit.session() as s:
        orders.replace_lines(
            s,
            ctx=kit.ctx,
            level=OrderLevel.PRIMARY,
            order_id=order.id,
            lines=[{"product_id": other.id, "quantity": 5}, {"product_id": soap.id, "quantity": 1}],
        )
    with kit.store.reader() as s:
        rows = outbox_crud.for_entity(s, entity="primary_orders", entity_id=order.id)
    assert [r.operation for r in rows] == ["insert", "update"]
    first, second = rows[0].payload, rows[1].payload
    assert first["distributor_id"] == str(chain.distributor.id)
    assert first["buyer_location_id"] == str(chain.stock_point_id)
    assert [(ln["quantity"], ln["unit_price"], ln["line_total"]) for ln in first["lines"]] == [
        (3, "36.35", "109.05")
    ]
    assert second["version"] == 2 and second["total_amount"] == "86.35"
    assert [(ln["product_id"], ln["quantity"]) for ln in second["lines"]] == [
        (str(other.id), 5),
        (str(soap.id), 1),
    ]


# --- every synced write ---------------------------------------------------------------------


def test_master_data_writes_queue_rows_and_a_delete_is_a_tombstone(kit):
    before = _last_seq(kit)
    with kit.session() as s:
        zone = geography.create_node(
            s, ctx=kit.ctx, node_in={"level": GeoLevel.ZONE, "code": "ZN-X", "name": "Zone X"}
        )
        geography.rename_node(s, ctx=kit.ctx, node_id=zone.id, name="Zone Ten")
        product = products.create_product(
            s,
            ctx=kit.ctx,
            product_in={
                "sku": "PR-1",
                "name": "Kesar soap",
                "mrp": "45.00",
                "distributor_price": "36.00",
                "retailer_price": "40.00",
            },
        )
        products.update_product(
            s, ctx=kit.ctx, product_id=product.id, product_in={"distributor_price": "37.50"}
        )
        site = sites.create_site(
            s, ctx=kit.ctx, site_in={"code": "DEP09", "name": "Depot 9", "kind": SiteKind.DEPOT}
        )
        users.create_user(
            s,
            ctx=kit.ctx,
            user_in={"username": "asha", "password": "long-enough-1", "roles": ["manager"]},
        )
        geography.delete_node(s, ctx=kit.ctx, node_id=zone.id)
    with kit.store.reader() as s:
        queued = [(r.entity, r.operation) for r in _new(s, before)]
        payloads = {(r.entity, r.operation): r.payload for r in _new(s, before)}
    assert queued == [
        ("geo_nodes", "insert"),
        ("geo_nodes", "update"),
        ("products", "insert"),
        ("products", "update"),
        ("sites", "insert"),
        ("users", "insert"),
        ("geo_nodes", "delete"),
    ]
    assert payloads[("products", "update")]["distributor_price"] == "37.50"  # a price change
    assert payloads[("geo_nodes", "delete")]["name"] == "Zone Ten"
    assert payloads[("sites", "insert")]["id"] == str(site.id)
    assert payloads[("users", "insert")]["role_names"] == ["manager"]
    assert "failed_logins" not in payloads[("users", "insert")]


def test_signing_in_changes_no_synced_row(kit):
    with kit.store.reader() as s:
        admin = users.list_users(s)[0]
        stamp, seq = admin.updated_at, _last_seq(kit)
    for password in ("wrong-one-1", ADMIN_PASSWORD):
        with kit.store.reader() as s:
            check = users.check_password(s, username="admin", password=password)
        with kit.session() as s:
            users.record_sign_in(s, check=check)
    with kit.store.reader() as s:
        admin = s.get(User, admin.id)
        assert admin.updated_at == stamp and admin.last_login_at is not None
    assert _last_seq(kit) == seq


def test_the_password_is_checked_without_the_write_lock(kit):
    """A sign-in while another writer holds SQLite's write lock: the argon2 check goes ahead."""
    import sqlite3

    other = sqlite3.connect(kit.store.settings.store_path, timeout=0.1)
    other.execute("BEGIN IMMEDIATE")
    try:
        with kit.store.reader() as s:
            check = users.check_password(s, username="admin", password=ADMIN_PASSWORD)
    finally:
        other.rollback()
        other.close()
    assert check.verdict == "ok"


def test_writes_for_another_sites_installation_are_not_queued_as_ours(kit):
    with kit.session() as s:
        chain = make_chain(s, kit)
        soap = add_product(s, sku="FOR-1")
    before = _last_seq(kit)
    with kit.session() as s:
        receive(
            s,
            kit.ctx.for_site(chain.own_site_id),
            location_id=chain.own_stock_point_id,
            product_id=soap.id,
            quantity=5,
        )
    assert _last_seq(kit) == before


# --- one writer for master data -------------------------------------------------------------


def _enrolled(ctx: ActorContext, *, head_office: bool) -> ActorContext:
    from dataclasses import replace

    return replace(ctx, enrolled=True, head_office=head_office)


def test_master_data_is_written_only_by_the_head_office_once_enrolled(kit):
    depot = _enrolled(kit.ctx, head_office=False)
    product = {
        "sku": "MD-1",
        "name": "Soap",
        "mrp": "10.00",
        "distributor_price": "8.00",
        "retailer_price": "9.00",
    }
    for action in (
        lambda s: products.create_product(s, ctx=depot, product_in=product),
        lambda s: geography.create_node(
            s, ctx=depot, node_in={"level": GeoLevel.ZONE, "code": "Z-MD", "name": "Zone"}
        ),
        lambda s: sites.create_site(
            s, ctx=depot, site_in={"code": "DEP08", "name": "D8", "kind": SiteKind.DEPOT}
        ),
        lambda s: users.create_user(
            s, ctx=depot, user_in={"username": "x1", "password": "long-enough-1", "roles": []}
        ),
    ):
        with pytest.raises(WrongSite) as info, kit.session() as s:
            action(s)
        assert "managed by head office" in info.value.message
    with kit.session() as s:  # the head office's installation writes it
        products.create_product(s, ctx=_enrolled(kit.ctx, head_office=True), product_in=product)


# --- epochs: restore and copies -------------------------------------------------------------


def test_restore_starts_a_new_epoch_and_document_numbers_stay_unique(kit, tmp_path):
    with kit.session() as s:
        chain = make_chain(s, kit)
        soap = add_product(s, sku="RS-1")
    first = _order(kit, chain, soap.id)
    backup_file = tmp_path / "before.sqlite3"
    maintenance.backup_now(kit.store, ctx=kit.ctx, destination=backup_file)
    second = _order(kit, chain, soap.id)  # issued after the backup
    with kit.store.reader() as s:
        old_epoch = sites.installation(s).epoch
        old_keys = {(r.installation_id, r.epoch, r.seq): r.payload for r in _rows(s)}
    settings = kit.store.settings
    kit.store.close()
    maintenance.restore(settings, ctx=kit.ctx, source=backup_file)
    kit.store = open_store(settings, auto_backup=False)
    third = _order(kit, chain, soap.id)
    with kit.store.reader() as s:
        installation = sites.installation(s)
        rows = _rows(s)
    assert installation.epoch > old_epoch
    assert third.number not in {first.number, second.number}
    for row in rows:
        key = (row.installation_id, row.epoch, row.seq)
        assert key not in old_keys or old_keys[key] == row.payload  # same key, same change
    assert [r.seq for r in rows if r.epoch == installation.epoch] == [1]


def test_a_copied_store_file_starts_a_new_epoch_when_it_opens(kit, tmp_path):
    with kit.store.reader() as s:
        before = sites.installation(s).epoch
    kit.store.close()
    elsewhere = load_settings(tmp_path / "other-pc")
    elsewhere.data_dir.mkdir(parents=True)
    shutil.copyfile(kit.store.settings.store_path, elsewhere.store_path)
    copied = open_store(elsewhere, auto_backup=False)
    with copied.reader() as s:
        after = sites.installation(s)
        epochs = list(s.scalars(select(SyncEpoch).order_by(SyncEpoch.started_at)))
    copied.close()
    assert after.epoch > before and epochs[-1].reason == "copy"
    # the original, where it was, keeps its epoch
    kit.store = open_store(kit.store.settings, auto_backup=False)
    with kit.store.reader() as s:
        assert sites.installation(s).epoch == before


def test_an_epoch_is_never_handed_out_twice_even_from_the_same_backup(kit):
    epochs = set()
    for _ in range(3):
        with kit.session() as s:
            epochs.add(identity.start_new_epoch(s, reason="restore").epoch)
    assert len(epochs) == 3


# --- enrolment ------------------------------------------------------------------------------


def test_a_real_store_may_enrol_a_demo_store_may_not(kit):
    with kit.store.reader() as s:
        assert identity.ensure_can_enrol(s).id == kit.ctx.installation_id
    with kit.session() as s:
        sites.installation(s).is_demo = True
    with pytest.raises(DomainError) as info, kit.store.reader() as s:
        identity.ensure_can_enrol(s)
    assert info.value.field == "store" and "demo" in info.value.message


def test_change_items_refuse_a_missing_payload():
    with pytest.raises(ValueError):
        ChangeItem.model_validate(
            {
                "seq": 1,
                "entity": "stock_ledger",
                "entity_id": str(uuid.uuid4()),
                "operation": "insert",
                "payload_version": 1,
                "payload": None,
                "created_at": "2026-12-01T00:00:00Z",
            }
        )
