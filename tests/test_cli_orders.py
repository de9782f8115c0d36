"""``hom-desktop order``: create, confirm, dispatch, receive, cancel and list orders from the
command line, each refusal one line and exit 2 with nothing written."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hom.models.enums import OrderLevel, OrderStatus
from hom.services import goods_receipts, orders, stock
from hom_desktop import cli
from tests.utils.builders import ADMIN_PASSWORD
from tests.utils.order_builders import snapshot
from tests.utils.order_shop import make_shop


def run(kit, *args: str, user: bool = True) -> tuple[int, str]:
    out = io.StringIO()
    who = ["--user", "admin", "--password-stdin"] if user else []
    code = cli.main(
        ["--data-dir", str(kit.store.settings.data_dir), *who, *args],
        stdin=io.StringIO(f"{ADMIN_PASSWORD}\n"),
        out=out,
    )
    return code, out.getvalue()


@pytest.fixture
def shop(kit):
    return make_shop(kit, stock=100)


def status(kit, number: str) -> OrderStatus:
    with kit.store.reader() as s:
        return orders.get_by_number(s, number=number).status


def test_a_primary_order_from_create_to_a_short_goods_receipt(kit, shop):
    code, text = run(
        kit, "order", "create", "primary", "--party", "DSHARMA", "--line", "SP-00=24",
        "--line", "sp-01=10", "--notes", "by phone",
    )  # fmt: skip
    assert code == 0, text
    assert text.startswith("created DEP01-P-") and "(draft) for DSHARMA: 2 lines" in text
    number = text.split()[1]
    assert run(kit, "order", "confirm", number) == (0, f"{number}: confirmed\n")
    code, text = run(kit, "order", "dispatch", number)
    assert code == 0 and text == (
        f"{number}: dispatched\n  line 1: 24 x SP-00\n  line 2: 10 x SP-01\n"
    )
    with kit.store.reader() as s:
        assert stock.on_hand(s, location_id=kit.location_id, product_id=shop.products["neem"]) == 76
    code, text = run(
        kit, "order", "receive", number, "--received", "SP-00=20", "--damaged", "SP-00=1",
        "--reason", "4 short, 1 wet",
    )  # fmt: skip
    assert code == 0, text
    assert f"{number}: delivered on goods receipt DEP01-GR-" in text
    assert text.endswith(": 30 of 34 received\n")
    with kit.store.reader() as s:
        point = shop.stock_point_id
        assert stock.on_hand(s, location_id=point, product_id=shop.products["neem"]) == 20
        assert stock.on_hand(s, location_id=point, product_id=shop.products["rose"]) == 10
        order = orders.get_by_number(s, number=number)
        assert goods_receipts.get_for_order(s, order_id=order.id).reason == "4 short, 1 wet"
    code, text = run(kit, "order", "list", "--status", "delivered", user=False)
    assert code == 0 and number in text and text.endswith("1 of 1 primary orders\n")


def test_secondary_and_tertiary_orders_and_a_cancel(kit, shop):
    code, text = run(kit, "order", "create", "tertiary", "--party", "RMEHTA", "--line", "SP-02=3")
    assert code == 0, text
    number = text.split()[1]
    assert "-T-" in number
    for step in ("confirm", "dispatch", "receive"):
        assert run(kit, "order", step, number)[0] == 0
    assert status(kit, number) == OrderStatus.DELIVERED
    code, text = run(kit, "order", "create", "secondary", "--party", "RMEHTA", "--line", "SP-02=3")
    number = text.split()[1]
    code, text = run(kit, "order", "cancel", number, "--reason", "shop closed")
    assert (code, text) == (0, f"{number}: cancelled\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "primary", "--party", "DSHARMA", "--line", "SP-00"], "is not SKU=QTY"),
        (["create", "primary", "--party", "DSHARMA", "--line", "SP-00=४"], "is not SKU=QTY"),
        (["create", "primary", "--party", "NOBODY", "--line", "SP-00=1"], "unknown party code"),
        (["create", "primary", "--party", "DSHARMA", "--line", "NOPE=1"], "unknown SKU 'NOPE'"),
        (["create", "primary", "--party", "RMEHTA", "--line", "SP-00=1"], "not a distributor"),
        (
            ["create", "primary", "--party", "DSHARMA", "--line", "SP-00=1", "--date", "1-2-2026"],
            "is not a date written YYYY-MM-DD",
        ),
        (["confirm", "DEP01-P-2026-999999"], "no primary order numbered DEP01-P-2026-999999"),
        (["cancel", "DEP01-X-2026-000001", "--reason", "no"], "is not an order number"),
        (["list", "--level", "weekly"], "invalid choice: 'weekly'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(kit, shop, capsys, args, message):
    with kit.store.reader() as s:
        before = snapshot(s)
    code, _ = run(kit, "order", *args)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err, err
    assert "Traceback" not in err
    with kit.store.reader() as s:
        assert snapshot(s) == before


def test_refusals_of_the_lifecycle(kit, shop, capsys):
    code, text = run(kit, "order", "create", "primary", "--party", "DSHARMA", "--line", "SP-00=150")
    number = text.split()[1]
    code, _ = run(kit, "order", "dispatch", number)  # a draft cannot be dispatched
    assert code == 2 and "cannot go from draft to dispatched" in capsys.readouterr().err
    run(kit, "order", "confirm", number)
    with kit.store.reader() as s:
        before = snapshot(s)
    code, _ = run(kit, "order", "dispatch", number)
    err = capsys.readouterr().err
    assert code == 2 and "not enough stock of SP-00 at DEP01" in err
    assert "100 available, 150 requested" in err
    with kit.store.reader() as s:
        assert snapshot(s) == before
    code, _ = run(kit, "order", "cancel", number)  # a cancel needs its reason
    assert code == 2 and "--reason" in capsys.readouterr().err
    assert status(kit, number) == OrderStatus.CONFIRMED


def test_order_verbs_through_a_real_process(kit, shop):
    """The installed command, as a script would call it."""
    env = {**os.environ, "HOM_DATA_DIR": str(kit.store.settings.data_dir), "HOM_USER": "admin"}
    done = subprocess.run(
        [sys.executable, "-m", "hom_desktop", "order", "create", "primary", "--password-stdin",
         "--party", "DSHARMA", "--line", "SP-03=12"],
        input=f"{ADMIN_PASSWORD}\n", capture_output=True, text=True, env=env, timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    number = done.stdout.split()[1]
    done = subprocess.run(
        [sys.executable, "-m", "hom_desktop", "order", "confirm", number, "--password-stdin"],
        input="wrong\n", capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert status(kit, number) == OrderStatus.DRAFT
    assert orders.level_of_number(number) == OrderLevel.PRIMARY
