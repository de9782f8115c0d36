"""Property test: any sequence of receipts, transfers, dispatches and counts keeps
balance == sum(ledger) and never leaves a negative balance; refused steps change nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from hom.core.errors import InsufficientStock
from hom.core.ids import new_id
from hom.models.enums import VoucherType
from hom.services import stock
from tests.utils.builders import add_location, add_product, make_store

N_LOCATIONS = 3
N_PRODUCTS = 3

loc_index = st.integers(0, N_LOCATIONS - 1)
prod_index = st.integers(0, N_PRODUCTS - 1)
quantity = st.integers(1, 60)


class StockMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        self.kit = make_store(Path(self.tmp.name))
        with self.kit.session() as s:
            self.locations = [self.kit.location_id] + [
                add_location(s, self.kit.ctx, site_id=self.kit.site_id)
                for _ in range(N_LOCATIONS - 1)
            ]
            self.products = [add_product(s).id for _ in range(N_PRODUCTS)]
        self.model: dict[tuple[int, int], int] = {}

    def teardown(self) -> None:
        self.kit.store.close()
        self.tmp.cleanup()

    def _attempt(self, action, changes: dict[tuple[int, int], int]) -> None:
        """Run ``action`` in one transaction; the model changes only if the store accepted it."""
        would_go_negative = any(self.model.get(k, 0) + d < 0 for k, d in changes.items())
        try:
            with self.kit.session() as s:
                action(s)
        except InsufficientStock as exc:
            assert would_go_negative, f"refused although stock sufficed: {exc}"
            return
        assert not would_go_negative, "the store accepted a movement into negative stock"
        for k, d in changes.items():
            self.model[k] = self.model.get(k, 0) + d

    @rule(loc=loc_index, prod=prod_index, qty=quantity)
    def receive(self, loc: int, prod: int, qty: int) -> None:
        self._attempt(
            lambda s: stock.receive(
                s,
                ctx=self.kit.ctx,
                receipt_in={
                    "location_id": self.locations[loc],
                    "product_id": self.products[prod],
                    "quantity": qty,
                },
            ),
            {(loc, prod): qty},
        )

    @rule(src=loc_index, dst=loc_index, prod=prod_index, qty=quantity)
    def transfer(self, src: int, dst: int, prod: int, qty: int) -> None:
        if src == dst:
            return
        self._attempt(
            lambda s: stock.transfer(
                s,
                ctx=self.kit.ctx,
                transfer_in={
                    "from_location_id": self.locations[src],
                    "to_location_id": self.locations[dst],
                    "product_id": self.products[prod],
                    "quantity": qty,
                    "reason": "restock",
                },
            ),
            {(src, prod): -qty, (dst, prod): qty},
        )

    @rule(loc=loc_index, prod=prod_index, qty=quantity)
    def dispatch(self, loc: int, prod: int, qty: int) -> None:
        movement = stock.Movement(self.locations[loc], self.products[prod], -qty)
        self._attempt(
            lambda s: stock.post(
                s,
                ctx=self.kit.ctx,
                movements=[movement],
                voucher_type=VoucherType.DISPATCH,
                voucher_id=new_id(),
            ),
            {(loc, prod): -qty},
        )

    @rule(loc=loc_index, prod=prod_index, counted=st.integers(0, 80))
    def count(self, loc: int, prod: int, counted: int) -> None:
        with self.kit.session() as s:
            stock.count(
                s,
                ctx=self.kit.ctx,
                count_in={
                    "location_id": self.locations[loc],
                    "product_id": self.products[prod],
                    "counted_quantity": counted,
                    "reason": "cycle count",
                },
            )
        self.model[(loc, prod)] = counted

    @invariant()
    def balances_match_ledger_and_model(self) -> None:
        with self.kit.store.reader() as s:
            report = stock.verify(s)
            assert report.ok, report
            for (loc, prod), expected in self.model.items():
                got = stock.on_hand(
                    s, location_id=self.locations[loc], product_id=self.products[prod]
                )
                assert got == expected


StockMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestStockProperties = StockMachine.TestCase
