"""A store restored from yesterday's backup syncs again (new epoch, registered first, its lost
work pulled back, numbers never reused); refusals (bad credential, revoked device, another
site's stock, an incompatible version) get clear messages and lose nothing locally."""

from __future__ import annotations

from hom.core import backup
from hom.core.config import load_settings
from hom.crud import outbox as outbox_crud
from hom.models.enums import OrderLevel
from hom.models.sales_primary import PrimaryOrder
from hom.services import maintenance, orders, sites
from hom.sync import changelog
from hom_desktop.sync import api, engine
from hom_desktop.sync.credentials import CredentialStore
from tests.server.harness import ADMIN, ADMIN_PASSWORD, login
from tests.sync.helpers import (
    assert_converged,
    balances,
    enrol_desk,
    ledger_ids,
    open_desk,
    pending,
    sync_until,
    write_receipts,
)


def _primary(desk, world) -> str:
    with desk.store.transaction() as s:
        order = orders.create_order(
            s,
            ctx=desk.ctx(),
            level=OrderLevel.PRIMARY,
            order_in={
                "seller_location_id": world.dep01_wh,
                "distributor_id": world.dist_north,
                "lines": [{"product_id": world.soap, "quantity": 3}],
            },
        )
        return order.number


def _numbers(store) -> list[str]:
    with store.reader() as s:
        return sorted(s.scalars(__import__("sqlalchemy").select(PrimaryOrder.number)))


def test_restored_from_yesterdays_backup_and_synced_again(server, world, deployment, tmp_path):
    path = tmp_path / "restored"
    desk = enrol_desk(server, path, site="DEP01")
    try:
        write_receipts(desk, world.dep01_wh, world.soap, 10)
        first = _primary(desk, world)
        assert desk.sync().ok
        write_receipts(desk, world.dep01_wh, world.soap, 4)  # pending in yesterday's backup
        yesterday = backup.backup_file(path / "hom.sqlite3", tmp_path / "yesterday.sqlite3")
        assert desk.sync().ok  # ... and pushed by the PC before it failed
        write_receipts(desk, world.dep01_wh, world.soap, 15)
        second = _primary(desk, world)
        assert desk.sync().ok
        before = ledger_ids(desk.store)
        with desk.store.reader() as s:
            old_epoch = sites.installation(s).epoch
            ctx = sites.system_context(s)
    finally:
        desk.close()

    maintenance.restore(load_settings(path), ctx=ctx, source=yesterday)
    desk = open_desk(path)
    try:
        with desk.store.reader() as s:
            new_epoch = sites.installation(s).epoch
        assert new_epoch > old_epoch
        assert pending(desk) == 4
        assert len(ledger_ids(desk.store)) < len(before)  # the day's work is not here...
        report = desk.sync()
        assert report.ok, report.summary()
        assert report.duplicates == 4 and report.pushed == 0  # the server had them
        sync_until(desk, lambda: ledger_ids(desk.store) >= before)
        assert ledger_ids(desk.store) == before  # ... until the pull brings it back
        with desk.store.reader() as s:
            from hom.crud import sync_state

            assert sync_state.get(s, sites.installation(s).id).registered_epoch == new_epoch
        assert second in _numbers(desk.store)
        third = _primary(desk, world)  # numbers issued after the backup are never reused
        assert third not in (first, second) and third > second
        write_receipts(desk, world.dep01_wh, world.soap, 5)
        report = desk.sync()
        assert report.ok and report.pushed == 6 and report.check.ok
        assert_converged(desk, deployment.database_url, {world.dep01_wh})
    finally:
        desk.close()


def test_a_bad_credential_is_refused_and_nothing_is_lost(server, world, tmp_path) -> None:
    path = tmp_path / "badcred"
    desk = enrol_desk(server, path, site="DEP01")
    try:
        write_receipts(desk, world.dep01_wh, world.soap, 7)
        creds = CredentialStore(path)
        assert oct(creds.path.stat().st_mode & 0o777) == "0o600"
        with desk.store.reader() as s:
            installation_id = sites.installation(s).id
        good = creds.load(installation_id)
        assert good not in (path / "hom.sqlite3").read_bytes().decode("latin-1")
        creds.save(installation_id, good[:-4] + "AAAA")
        report = desk.sync()
        assert not report.ok and "credential" in report.error
        assert pending(desk) == 7
        creds.save(installation_id, good)
        report = desk.sync()
        assert report.ok and report.pushed == 7
    finally:
        desk.close()


def test_a_revoked_device_is_refused_and_nothing_is_lost(server, world, tmp_path) -> None:
    desk = enrol_desk(server, tmp_path / "revoked", site="DEP01")
    try:
        write_receipts(desk, world.dep01_wh, world.soap, 3)
        with desk.store.reader() as s:
            installation_id = sites.installation(s).id
        token = login(server, ADMIN, ADMIN_PASSWORD)["access_token"]
        with server.client(token) as c:
            assert c.post(f"/devices/{installation_id}/revoke").status_code == 200
        report = desk.sync()
        assert not report.ok and "revoked" in report.error
        assert pending(desk) == 3
        assert "revoked" in desk.engine.status().last_error
    finally:
        desk.close()


def test_another_sites_stock_is_rejected_and_does_not_block_the_rest(
    server, world, deployment, tmp_path
) -> None:
    desk = enrol_desk(server, tmp_path / "foreign", site="DEP01")
    try:
        with desk.store.transaction() as s:  # as an older, buggy release might have queued it
            ctx = sites.system_context(s)
            changelog.queue(
                s,
                ctx=ctx,
                entity="stock_ledger",
                operation="insert",
                rows=[_entry(world.dep02_wh, world.soap, ctx.installation_id)],
            )
        write_receipts(desk, world.dep01_wh, world.soap, 5)
        report = desk.sync()
        assert report.rejected == 1 and report.pushed == 5, report.summary()
        status = desk.engine.status()
        assert status.rejected == 1 and status.pending == 0
        with desk.store.reader() as s:
            items = api.exceptions(s)
        assert [i.status for i in items] == ["rejected"]
        assert "DEP02" in items[0].reason and "location_id" in items[0].reason
        assert items[0].age.total_seconds() >= 0
        assert balances(deployment.database_url, {world.dep02_wh}) == balances(
            desk.store, {world.dep02_wh}
        )  # nothing of it reached DEP02 on either side
    finally:
        desk.close()


def _entry(location_id, product_id, installation_id) -> dict:
    import uuid
    from datetime import UTC, datetime

    return {
        "id": uuid.uuid4(),
        "location_id": location_id,
        "product_id": product_id,
        "batch_id": None,
        "quantity": 9,
        "balance_after": 9,
        "voucher_type": "receipt",
        "voucher_id": uuid.uuid4(),
        "voucher_no": "X-1",
        "reason": "",
        "created_at": datetime.now(UTC),
        "created_by": None,
        "installation_id": installation_id,
    }


def test_an_incompatible_version_stops_before_anything_moves(
    server, world, tmp_path, monkeypatch
) -> None:
    desk = enrol_desk(server, tmp_path / "old", site="DEP01")
    try:
        write_receipts(desk, world.dep01_wh, world.soap, 2)
        monkeypatch.setattr(engine, "__version__", "0.0.9")
        report = desk.sync()
        assert not report.ok and "update HOM Desktop to at least" in report.error
        with desk.store.reader() as s:
            rows = outbox_crud.pending(s, limit=10)
        assert [r.attempts for r in rows] == [0, 0]  # nothing was sent
        assert report.pulled == 0
    finally:
        desk.close()


def test_a_rejected_item_is_resent_after_a_fix(server, world, tmp_path) -> None:
    """Rejected for stock the server did not have yet; once the receipt is there, the person
    resends it from the sync view and it is accepted under a new seq."""
    desk = enrol_desk(server, tmp_path / "resend", site="DEP01")
    try:
        with desk.store.transaction() as s:  # an issue queued ahead of its receipt
            ctx = sites.system_context(s)
            entry = _entry(world.dep01_wh, world.shampoo, ctx.installation_id)
            entry.update(quantity=-4, balance_after=0, voucher_type="adjustment")
            changelog.queue(s, ctx=ctx, entity="stock_ledger", operation="insert", rows=[entry])
        report = desk.sync()
        assert report.rejected == 1
        with desk.store.reader() as s:
            [item] = api.exceptions(s)
        assert item.status == "rejected" and "below zero" in item.reason
        write_receipts(desk, world.dep01_wh, world.shampoo, 1, quantity=10)  # the fix
        assert desk.sync().pushed == 1
        with desk.store.transaction() as s:
            [new_key] = api.resend(s, [item.key])
        assert new_key[2] > item.seq
        with desk.store.reader() as s:
            assert [i.key for i in api.exceptions(s)] == [new_key]  # pending now
        report = desk.sync()
        assert report.pushed == 1 and report.rejected == 0, report.summary()
        status = desk.engine.status()
        assert status.pending == 0 and status.rejected == 0
        with desk.store.transaction() as s:
            try:
                api.resend(s, [new_key])
            except Exception as exc:  # only rejected items are resent
                assert "only rejected" in str(exc)
            else:
                raise AssertionError("an acknowledged item was resent")
    finally:
        desk.close()
