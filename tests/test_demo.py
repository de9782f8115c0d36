"""The demo loader: a deterministic, verifiable company loaded in one transaction."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import func, select

from hom.core.config import load_settings
from hom.core.errors import DomainError
from hom.core.store import open_store
from hom.models import GeoNode, Party, PrimaryOrder, Product, SecondaryOrder, TertiaryOrder
from hom.models.enums import GeoLevel, OrderStatus
from hom.services import demo, sites, stock, users
from hom.services.demo import DemoCancelled

TODAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    store = open_store(load_settings(tmp_path_factory.mktemp("demo")), auto_backup=False)
    summary = demo.load_demo(store, today=TODAY, days=12)
    yield store, summary
    store.close()


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_covers_every_domain_and_verifies(demo_store):
    store, summary = demo_store
    with store.reader() as s:
        assert stock.verify(s).ok
        assert {n.level for n in s.scalars(select(GeoNode))} == set(GeoLevel)
        assert _count(s, Product) == 300
        assert _count(s, Party, Party.kind == "distributor") == 50
        assert _count(s, Party, Party.kind == "retailer") == 1000
        for model in (PrimaryOrder, SecondaryOrder, TertiaryOrder):
            assert _count(s, model) > 0, model.__name__
        assert _count(s, PrimaryOrder, PrimaryOrder.status == OrderStatus.DELIVERED) > 0
        assert sites.installation(s).site_id == sites.get_site_by_code(s, "FAC01").id
        states = {n.name for n in s.scalars(select(GeoNode).where(GeoNode.level == 2))}
        assert {"Maharashtra", "Tamil Nadu", "West Bengal"} <= states
    assert summary.counts["ledger entries"] > 1000
    assert "demo-pass-2026" in summary.describe()


def test_demo_users_sign_in_with_the_documented_password(demo_store):
    store, _ = demo_store
    with store.transaction() as s:
        clerk = users.authenticate(s, username="clerk", password="demo-pass-2026").user_or_raise()
        assert "orders.secondary" in clerk.permission_codes


def test_the_same_seed_and_day_give_the_same_data(demo_store, tmp_path):
    store, summary = demo_store
    again = open_store(load_settings(tmp_path / "again"), auto_backup=False)
    try:
        second = demo.load_demo(again, today=TODAY, days=12)
        assert second.counts == summary.counts
        with store.reader() as a, again.reader() as b:
            names = select(Party.code, Party.name).order_by(Party.code)
            assert a.execute(names).all() == b.execute(names).all()
            totals = select(SecondaryOrder.number, SecondaryOrder.total_amount).order_by(
                SecondaryOrder.number
            )
            assert a.execute(totals).all() == b.execute(totals).all()
    finally:
        again.close()


def test_loading_again_is_a_no_op_and_a_foreign_store_is_refused(demo_store, kit):
    store, _ = demo_store
    assert demo.load_demo(store, today=TODAY, days=12).already_loaded
    with pytest.raises(DomainError, match="already holds data") as info:
        demo.load_demo(kit.store, days=2)
    assert info.value.field == "store"


def test_cancelling_leaves_the_store_empty(tmp_path):
    store = open_store(load_settings(tmp_path), auto_backup=False)
    seen: list[str] = []
    try:
        with pytest.raises(DemoCancelled):
            demo.load_demo(
                store,
                days=5,
                progress=lambda done, total, label: seen.append(label),
                cancelled=lambda: len(seen) >= 4,
            )
        with store.reader() as s:
            assert not sites.is_initialised(s)
            assert _count(s, Product) == 0
    finally:
        store.close()
    assert seen[:2] == ["store, roles and users", "geography"]


@pytest.mark.parametrize(("field", "kwargs"), [("scale", {"scale": 0}), ("days", {"days": 0})])
def test_bad_arguments_name_the_field(tmp_path, field, kwargs):
    store = open_store(load_settings(tmp_path), auto_backup=False)
    try:
        with pytest.raises(DomainError) as info:
            demo.load_demo(store, **kwargs)
        assert info.value.field == field
    finally:
        store.close()


def test_the_load_builds_beside_the_store_and_never_holds_its_write_lock(tmp_path):
    import sqlite3

    store = open_store(load_settings(tmp_path / "live"), auto_backup=False)
    waits: list[float] = []

    def progress(done: int, total: int, label: str) -> None:
        if label.startswith("day 2"):
            assert " left" in label  # an estimate from the pace of the first day
            probe = sqlite3.connect(store.settings.store_path, timeout=1)
            t = time.perf_counter()
            probe.execute("BEGIN IMMEDIATE")  # a writer would get the lock at once
            waits.append(time.perf_counter() - t)
            probe.rollback()
            probe.close()
            assert list(tmp_path.joinpath("live").glob(".demo-build-*"))

    demo.load_demo(store, today=TODAY, days=3, progress=progress)
    assert waits and waits[0] < 0.5
    assert not list(tmp_path.joinpath("live").glob(".demo-build-*"))  # the scratch is gone
    with store.reader() as s:
        assert demo.is_demo_store(s)
        assert stock.verify(s).ok
    store.close()


def test_a_fresh_demo_store_passes_verify_and_its_balances_are_its_ledger(demo_store):
    """Counted here, independently of ``verify``: every balance row equals the sum of its ledger
    entries, and what the loader read to decide its orders (``stock.holdings``) is that stock."""
    from hom.models.inventory import StockBalance, StockLedgerEntry

    store, _summary = demo_store
    with store.reader() as s:
        key = (StockLedgerEntry.location_id, StockLedgerEntry.product_id, StockLedgerEntry.batch_id)
        ledger = {
            (loc, prod, batch): int(total)
            for loc, prod, batch, total in s.execute(
                select(*key, func.sum(StockLedgerEntry.quantity)).group_by(*key)
            )
        }
        balances = {
            (b.location_id, b.product_id, b.batch_id): b.quantity
            for b in s.scalars(select(StockBalance))
        }
        assert len(ledger) > 500
        assert balances == ledger
        assert min(balances.values()) >= 0
        for location in {loc for loc, _p, _b in balances}:
            held = {
                (location, pid, batch): qty
                for pid, rows in stock.holdings(s, location_id=location).items()
                for batch, qty, _expires in rows
            }
            assert held == {k: q for k, q in balances.items() if k[0] == location and q > 0}
    code, text = _cli(store.settings.data_dir, "verify")
    assert code == 0, text


def test_the_demo_command_shows_a_progress_bar_with_an_estimate(tmp_path):
    code, text = _cli(tmp_path / "store", "demo", "--days", "4")
    assert code == 0, text
    frames = text.split("\r")
    assert any("] " in f and "% day 3 of 4" in f and "left" in f for f in frames), frames
    assert "[" + "#" * 24 + "] 100%" in text
    assert "demo data loaded for site FAC01" in text


def _cli(data_dir, *args: str) -> tuple[int, str]:
    """``hom-desktop <args>`` on a store's folder, as a newcomer would type it."""
    import io

    from hom_desktop import cli

    out = io.StringIO()
    code = cli.main(["--data-dir", str(data_dir), *args], out=out)
    return code, out.getvalue()
