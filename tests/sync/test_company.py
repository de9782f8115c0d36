"""The company end to end, each site its own store syncing with a real server: a factory logs
production and dispatches a primary order; the distributor takes the goods in, sells to its
retailers and syncs; a depot receives stock; the north manager's offline store then shows all of
it. The server's ledger is exactly the union of the sites' ledgers, every balance is equal on
every side, and the sanity check agrees everywhere."""

from __future__ import annotations

from datetime import date

from hom.crud import site as site_crud
from hom.models.enums import OrderLevel
from hom.services import goods_receipts, orders, parties, production, stock
from tests.sync.helpers import (
    balances,
    enrol_desk,
    ledger_ids,
    ledger_sums,
    sync_until,
)


def _location(desk, code):
    with desk.store.reader() as s:
        return site_crud.get_location_by_code(s, code).id


def test_the_company_end_to_end(server, world, deployment, tmp_path) -> None:
    fac = enrol_desk(server, tmp_path / "fac01", site="FAC01")
    dist = enrol_desk(server, tmp_path / "dist-n", site="DIST-N")
    dep = enrol_desk(server, tmp_path / "dep01", site="DEP01")
    desks = [fac, dist, dep]
    try:
        # The factory logs production and dispatches a primary order to DIST-N.
        with fac.store.transaction() as s:
            ctx = fac.ctx()
            production.post_log(
                s,
                ctx=ctx,
                log_in={
                    "production_date": date.today(),
                    "shift": "A",
                    "product_id": world.soap,
                    "good_qty": 500,
                },
            )
            order = orders.create_order(
                s,
                ctx=ctx,
                level=OrderLevel.PRIMARY,
                order_in={
                    "seller_location_id": world.fac01_fg,
                    "distributor_id": world.dist_north,
                    "lines": [{"product_id": world.soap, "quantity": 120}],
                },
            )
            orders.confirm(s, ctx=ctx, level=OrderLevel.PRIMARY, order_id=order.id)
            orders.dispatch(s, ctx=ctx, level=OrderLevel.PRIMARY, order_id=order.id)
            primary_id = order.id
        report = fac.sync()
        assert report.ok, report.summary()
        assert report.pushed >= 4 and report.rejected == 0

        # The distributor sees the order addressed to it and its dispatch, takes the goods in,
        # and sells.
        dist_stock = _location(dist, "DIST-N-STK")
        sync_until(dist, lambda: _has_order(dist, primary_id) and _dispatch_here(dist, primary_id))
        assert _has_order(dist, primary_id)
        dispatched = _dispatch_here(dist, primary_id)
        assert [(e.location_id, e.quantity) for e in dispatched] == [(world.fac01_fg, -120)]
        with dist.store.reader() as s:  # the factory's entries are references: no balance here
            assert stock.verify(s).ok
        assert not {k for k in balances(dist.store) if k[0] == world.fac01_fg}
        with dist.store.transaction() as s:
            ctx = dist.ctx()
            # The distributor's goods receipt: the dispatched batches into its stock point.
            goods_receipts.receive_primary(s, ctx=ctx, order_id=primary_id)
            retailers = [
                parties.create_party(
                    s,
                    ctx=ctx,
                    party_in={
                        "kind": "retailer",
                        "code": f"RET-N{i}",
                        "name": f"Retailer {i}",
                        "territory_id": world.north_territory,
                        "distributor_id": world.dist_north,
                    },
                ).id
                for i in (1, 2, 3)
            ]
            for i, retailer in enumerate(retailers, start=1):
                sale = orders.create_order(
                    s,
                    ctx=ctx,
                    level=OrderLevel.SECONDARY,
                    order_in={
                        "distributor_id": world.dist_north,
                        "retailer_id": retailer,
                        "lines": [{"product_id": world.soap, "quantity": 10 * i}],
                    },
                )
                orders.confirm(s, ctx=ctx, level=OrderLevel.SECONDARY, order_id=sale.id)
                orders.dispatch(s, ctx=ctx, level=OrderLevel.SECONDARY, order_id=sale.id)
        report = dist.sync()
        assert report.ok, report.summary()
        assert report.rejected == 0 and report.pushed >= 10

        # The seller marks its order delivered once the receipt has reached it.
        report = sync_until(fac, lambda: _status(fac, primary_id) == "delivered")
        assert _status(fac, primary_id) == "delivered", report.summary()

        # A depot receives stock of its own.
        with dep.store.transaction() as s:
            stock.receive(
                s,
                ctx=dep.ctx(),
                receipt_in={
                    "location_id": world.dep01_wh,
                    "product_id": world.soap,
                    "quantity": 75,
                },
            )
        assert dep.sync().ok

        # The manager's offline store shows all of it.
        union = set().union(*(ledger_ids(d.store) for d in desks))
        mgr = enrol_desk(server, tmp_path / "mgr", geo="N-ZON")
        desks.append(mgr)
        sync_until(mgr, lambda: ledger_ids(mgr.store) >= union)
        assert ledger_ids(mgr.store) == union  # the north subtree is these three sites
        with mgr.store.reader() as s:
            assert orders.count_orders(s, level=OrderLevel.SECONDARY) == 3
            assert orders.count_orders(s, level=OrderLevel.PRIMARY) == 1

        # The server's ledger is exactly the union of the sites' ledgers...
        assert ledger_ids(deployment.database_url) == union
        # ... and every balance is equal on every side.
        server_balances = balances(deployment.database_url)
        assert balances(mgr.store) == server_balances
        assert ledger_sums(deployment.database_url) == server_balances
        for desk, codes in ((fac, ["FAC01-MAIN"]), (dist, ["DIST-N-STK"]), (dep, ["DEP01-MAIN"])):
            own = {_location(desk, c) for c in codes}
            assert balances(desk.store, own) == balances(deployment.database_url, own)
            assert balances(desk.store, own) == ledger_sums(desk.store, own)
        assert balances(dist.store)[(dist_stock, world.soap, None)] == 120 - 60
        # Every side agrees at the end of its sync.
        for desk in desks:
            report = desk.sync()
            assert report.ok and report.check is not None and report.check.ok, report.summary()
            assert desk.engine.status().pending == 0
    finally:
        for desk in desks:
            desk.close()


def _status(desk, order_id) -> str:
    from hom.models.sales_primary import PrimaryOrder

    with desk.store.reader() as s:
        return str(s.get(PrimaryOrder, order_id).status)


def _dispatch_here(desk, order_id) -> list:
    from hom.crud import inventory as inventory_crud

    with desk.store.reader() as s:
        return [
            e
            for e in inventory_crud.ledger_for_voucher(s, voucher_id=order_id)
            if e.voucher_type == "dispatch"
        ]


def _has_order(desk, order_id) -> bool:
    from hom.models.sales_primary import PrimaryOrder

    with desk.store.reader() as s:
        return s.get(PrimaryOrder, order_id) is not None
