"""Faults, each in its own test, against real servers on loopback: after every one nothing is
lost, nothing is doubled, and balances are equal on both sides."""

from __future__ import annotations

import threading

from hom.crud import outbox as outbox_crud
from hom_desktop.sync.api import Phase, SyncOptions
from tests.server.harness import free_port, running_server
from tests.sync.helpers import (
    assert_converged,
    enrol_desk,
    pending,
    set_server_url,
    write_receipts,
)
from tests.sync.proxy import CUT_AFTER_COMMIT, ERROR_500, HANG, Fault, FaultProxy


def _attempts(desk) -> list[int]:
    with desk.store.reader() as s:
        return [r.attempts for r in outbox_crud.pending(s, limit=10_000)]


def test_server_down_at_the_start(server, world, deployment, tmp_path) -> None:
    desk = enrol_desk(server, tmp_path / "down", site="DEP01")
    try:
        write_receipts(desk, world.dep01_wh, world.soap, 30)
        set_server_url(desk, f"http://127.0.0.1:{free_port()}")  # nothing listens there
        report = desk.sync()
        assert not report.ok and not report.online
        assert "did not answer" in report.error
        assert pending(desk) == 30  # nothing lost, nothing acknowledged
        status = desk.engine.status()
        assert status.online is False and "did not answer" in status.last_error
        set_server_url(desk, server.url)
        report = desk.sync()
        assert report.ok, report.summary()
        assert report.pushed == 30 and report.duplicates == 0
        assert desk.engine.status().online is True
        assert_converged(desk, deployment.database_url, {world.dep01_wh})
    finally:
        desk.close()


def test_server_stopped_in_the_middle_of_a_push(deployment, world, tmp_path) -> None:
    options = SyncOptions(timeout_s=5, retries=1, backoff_s=0.05, batch_size=50)
    with running_server(deployment.env, tmp_path / "a.log") as first:
        desk = enrol_desk(first, tmp_path / "mid", site="DEP01", options=options)
        try:
            write_receipts(desk, world.dep01_wh, world.soap, 2000)
            stopped = threading.Event()

            def progress(p) -> None:
                if p.phase == Phase.PUSH and p.done >= 300 and not stopped.is_set():
                    stopped.set()
                    first.process.kill()  # the server dies between two batches, or inside one
                    first.process.wait()

            report = desk.engine.run_once(progress=progress)
            assert stopped.is_set()
            assert not report.ok and report.error
            left = pending(desk)
            assert 0 < left < 2000
        finally:
            desk.store.close()
    with running_server(deployment.env, tmp_path / "b.log") as second:
        desk.reopen(options)
        try:
            set_server_url(desk, second.url)
            report = desk.sync()
            assert report.ok, report.summary()
            assert report.pushed + report.duplicates == left
            assert_converged(desk, deployment.database_url, {world.dep01_wh})
        finally:
            desk.close()


def _through(server, desk, *faults: Fault) -> FaultProxy:
    proxy = FaultProxy(server.url, list(faults))
    set_server_url(desk, proxy.url)
    return proxy


def test_a_500_answer_is_retried(server, world, deployment, tmp_path) -> None:
    desk = enrol_desk(server, tmp_path / "e500", site="DEP01")
    proxy = _through(server, desk, Fault(ERROR_500, times=2))
    try:
        write_receipts(desk, world.dep01_wh, world.soap, 20)
        report = desk.sync()
        assert report.ok, report.summary()
        assert [h for h in proxy.hits if h[0] == "/sync/push"][:3] == [
            ("/sync/push", "500"),
            ("/sync/push", "500"),
            ("/sync/push", "200"),
        ]
        assert report.pushed == 20
        assert_converged(desk, deployment.database_url, {world.dep01_wh})
    finally:
        proxy.close()
        desk.close()


def test_500_past_the_retries_keeps_everything_pending(server, world, deployment, tmp_path):
    desk = enrol_desk(server, tmp_path / "e500x", site="DEP01")
    proxy = _through(server, desk, Fault(ERROR_500, times=50))
    try:
        write_receipts(desk, world.dep01_wh, world.soap, 20)
        report = desk.sync()
        assert not report.ok and "500" in report.error
        assert pending(desk) == 20
        assert set(_attempts(desk)) == {1}  # the failed attempt is counted on each item
        proxy.faults.clear()
        report = desk.sync()
        assert report.ok and report.pushed == 20
        assert_converged(desk, deployment.database_url, {world.dep01_wh})
    finally:
        proxy.close()
        desk.close()


def test_a_server_hanging_past_the_timeout(server, world, deployment, tmp_path) -> None:
    options = SyncOptions(timeout_s=1, retries=1, backoff_s=0.05, backoff_max_s=0.1)
    desk = enrol_desk(server, tmp_path / "hang", site="DEP01", options=options)
    proxy = _through(server, desk, Fault(HANG, times=1))
    try:
        write_receipts(desk, world.dep01_wh, world.soap, 20)
        report = desk.sync()  # the first push hangs, the retry goes through
        assert report.ok, report.summary()
        assert ("/sync/push", HANG) in proxy.hits
        assert report.pushed == 20
        proxy.faults.append(Fault(HANG, times=5))
        write_receipts(desk, world.dep01_wh, world.soap, 5)
        report = desk.sync()
        assert not report.ok and "ReadTimeout" in report.error
        assert pending(desk) == 5
        proxy.faults.clear()
        assert desk.sync().ok
        assert_converged(desk, deployment.database_url, {world.dep01_wh})
    finally:
        proxy.close()
        desk.close()


def test_connection_cut_after_the_server_committed(server, world, deployment, tmp_path) -> None:
    desk = enrol_desk(server, tmp_path / "cut", site="DEP01")
    proxy = _through(server, desk, Fault(CUT_AFTER_COMMIT, times=1))
    try:
        write_receipts(desk, world.dep01_wh, world.soap, 40)
        report = desk.sync()
        assert ("/sync/push", f"{CUT_AFTER_COMMIT} 200") in proxy.hits
        # The server applied the batch; its answer was lost; the retry is answered duplicate.
        assert report.ok, report.summary()
        assert report.duplicates == 40 and report.pushed == 0
        assert_converged(desk, deployment.database_url, {world.dep01_wh})
    finally:
        proxy.close()
        desk.close()
