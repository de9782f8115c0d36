"""Concurrency over HTTP: two server processes on one database, overlapping pushes from one
installation, and readers paging the feed while writers push."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from hom.models.inventory import StockBalance
from tests.server.harness import ADMIN, ADMIN_PASSWORD, login, running_server
from tests.server.syncing import enrol, ledger_item, push


@pytest.fixture(scope="module")
def second_server(deployment, server, tmp_path_factory):
    """Another process serving the same database (started after the first one migrated it)."""
    log = tmp_path_factory.mktemp("log-b") / "server-b.log"
    with running_server(deployment.env, log) as proc:
        yield proc


@pytest.fixture(scope="module")
def admin_token(server) -> str:
    return login(server, ADMIN, ADMIN_PASSWORD)["access_token"]


def _stock(url: str, location_id, product_id) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        value = conn.scalar(
            select(func.coalesce(func.sum(StockBalance.quantity), 0)).where(
                StockBalance.location_id == location_id, StockBalance.product_id == product_id
            )
        )
    engine.dispose()
    return value


def test_overlapping_pushes_of_one_installation_on_two_processes_apply_once(
    server, second_server, admin_token, world, deployment
):
    inst = enrol(server, admin_token, site="DEP01")
    start = _stock(deployment.database_url, world.dep01_wh, world.shampoo)
    batch = [
        ledger_item(inst, location_id=world.dep01_wh, product_id=world.shampoo, quantity=1)
        for _ in range(60)
    ]
    # The same batch six times (a retry overlapping the original), and two overlapping windows,
    # alternately to both processes at once.
    windows = [batch] * 6 + [batch[:40], batch[20:]] * 2
    targets = [server, second_server]

    def send(index_and_items):
        index, items = index_and_items
        with httpx.Client(base_url=targets[index % 2].url, timeout=120) as c:
            while True:
                r = push(c, inst, items)
                if r.status_code == 409 and r.json()["code"] == "seq_gap":
                    continue  # its window starts past what is applied yet: retry, as a client does
                return r

    with ThreadPoolExecutor(max_workers=len(windows)) as pool:
        answers = list(pool.map(send, enumerate(windows)))
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    accepted: dict[int, int] = {}
    for r in answers:
        for result in r.json()["results"]:
            assert result["status"] in ("accepted", "duplicate")
            if result["status"] == "accepted":
                accepted[result["seq"]] = accepted.get(result["seq"], 0) + 1
    assert accepted == {seq: 1 for seq in range(1, 61)}
    assert _stock(deployment.database_url, world.dep01_wh, world.shampoo) == start + 60


def test_readers_paging_the_feed_never_miss_a_change_under_concurrent_writers(
    server, second_server, admin_token, world
):
    writers = [
        (enrol(server, admin_token, site="DEP01"), world.dep01_wh),
        (enrol(server, admin_token, site="DEP02"), world.dep02_wh),
        (enrol(server, admin_token, site="FAC01"), world.fac01_fg),
    ]
    reader = enrol(server, admin_token, site="HO")  # the head office sees every site
    # Start the reader at the current end of the feed.
    with httpx.Client(base_url=server.url, timeout=60) as c:
        cursor = None
        while True:
            page = c.get(
                "/sync/pull",
                params={"limit": 5000} | ({"cursor": cursor} if cursor else {}),
                headers=reader.headers(),
            ).json()
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
    start_cursor = cursor
    done = threading.Event()
    pushed: set[tuple[str, int]] = set()
    lock = threading.Lock()

    def write(index: int) -> None:
        inst, location = writers[index]
        rng = random.Random(index)
        with httpx.Client(base_url=[server, second_server][index % 2].url, timeout=120) as c:
            for _ in range(12):
                items = [
                    ledger_item(inst, location_id=location, product_id=world.soap, quantity=1)
                    for _ in range(rng.randint(1, 25))
                ]
                r = push(c, inst, items)
                assert r.status_code == 200, r.text
                with lock:
                    pushed.update((str(inst.installation_id), i["seq"]) for i in items)

    def read(target) -> list[tuple[str, int]]:
        """Page on with small pages until the writers are done and every pushed change has
        come (on PostgreSQL a change waits for older transactions anywhere in the cluster to
        end; a change the cursor had passed would never come, and the test would fail)."""
        seen: list[tuple[str, int]] = []
        cursor = start_cursor
        deadline = None
        with httpx.Client(base_url=target.url, timeout=60) as c:
            while True:
                finished = done.is_set()  # read before the page: a last full pass follows it
                page = c.get(
                    "/sync/pull", params={"limit": 7, "cursor": cursor}, headers=reader.headers()
                ).json()
                seen.extend(
                    (i["origin_installation_id"], i["origin_seq"])
                    for i in page["items"]
                    if i["entity"] == "stock_ledger"
                )
                cursor = page["next_cursor"]
                if finished and not page["has_more"]:
                    with lock:
                        complete = pushed <= set(seen)
                    deadline = deadline or time.monotonic() + 60
                    if complete or time.monotonic() > deadline:
                        return seen
                    time.sleep(0.2)

    with ThreadPoolExecutor(max_workers=5) as pool:
        readers = [pool.submit(read, server), pool.submit(read, second_server)]
        for f in [pool.submit(write, i) for i in range(len(writers))]:
            f.result()
        done.set()
        seen_lists = [r.result() for r in readers]
    assert len(pushed) > 50
    for seen in seen_lists:
        assert len(seen) == len(set(seen)), "a change was delivered twice"
        assert set(seen) == pushed, f"missed {len(pushed - set(seen))} changes"
