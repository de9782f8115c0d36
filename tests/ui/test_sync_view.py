"""The sync view (the exceptions console), the background sync worker and the status bar.

Real stores, real widgets; rejected items are made through the change log's crud, the way the
engine records a server's refusal.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtNetwork import QNetworkInformation
from PySide6.QtWidgets import QApplication

from hom.core.errors import PermissionDenied
from hom.crud import outbox as outbox_crud
from hom.crud import sync_state as state_crud
from hom.services import stock, sync_console, users
from hom.sync import changelog
from hom_desktop.sync.api import SyncEngine
from hom_desktop.ui import ops
from hom_desktop.ui.app import app_settings
from hom_desktop.ui.base import AppSession, busy_reason
from hom_desktop.ui.main_window import MainWindow
from hom_desktop.ui.signin import _who
from hom_desktop.ui.sync_view import SyncView, age_text
from hom_desktop.ui.sync_worker import NOT_ENROLLED, SyncWorker, sync_pool
from hom_server.core.config import ServerSettings
from tests.server.harness import running_server, server_env
from tests.server.world import CLERK_PASSWORD, build_world
from tests.sync.helpers import FAST, draft_then_price_change, enrol_desk, ledger_ids, publish
from tests.ui.conftest import drain, make_session
from tests.ui.helpers import stocked_products
from tests.utils.builders import context_with

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
REASON = "the price is below the head office's floor for this product"


def _pending_keys(kit) -> list[tuple]:
    with kit.store.reader() as s:
        rows = outbox_crud.pending(s, limit=1000)
        return [(r.installation_id, r.epoch, r.seq, r.entity) for r in rows]


def reject(kit, entity: str, reason: str = REASON, count: int = 2) -> list[tuple]:
    """Record the server's refusal of the first ``count`` pending items of ``entity``."""
    keys = [k for k in _pending_keys(kit) if k[3] == entity][:count]
    with kit.session() as s:
        for installation_id, epoch, seq, _entity in keys:
            outbox_crud.set_status(
                s,
                installation_id=installation_id,
                epoch=epoch,
                seqs=[seq],
                status=outbox_crud.REJECTED,
                error=reason,
            )
    return [k[:3] for k in keys]


def _view(qtbot, app_session) -> SyncView:
    view = SyncView(app_session)
    qtbot.addWidget(view)
    view.resize(1280, 760)
    view.show()
    return view


def _select(view: SyncView, rows: list[int]) -> None:
    flags = QItemSelectionModel.SelectionFlag
    view.table.selectionModel().clearSelection()
    for row in rows:
        view.table.selectionModel().select(view.model.index(row, 0), flags.Select | flags.Rows)


def _texts(view: SyncView, column: str) -> list[str]:
    n = [c.title for c in view.model.columns].index(column)
    return [view.model.index(r, n).data() for r in range(view.model.rowCount())]


def test_view_lists_pending_and_rejected_items_with_reasons(qtbot, qtmodeltester, kit, app_session):
    stocked_products(kit, [5, 6, 7])
    rejected = reject(kit, "stock_ledger")
    with kit.store.reader() as s:
        status = sync_console.status(s)
    assert status.rejected == 2 and status.pending > 0
    view = _view(qtbot, app_session)
    qtmodeltester.check(view.model)
    assert view.model.rowCount() == status.pending + status.rejected
    statuses = _texts(view, "Status")
    assert statuses[:2] == ["Rejected", "Rejected"]  # refusals first, for a person to act on
    assert set(statuses[2:]) == {"Pending"}
    assert _texts(view, "Reason")[:2] == [REASON, REASON]
    assert [view.model.row(i).key for i in range(2)] == rejected
    assert _texts(view, "Entity")[0] == "Stock entry (new)"
    documents = dict(zip(_texts(view, "Entity"), _texts(view, "Document"), strict=False))
    assert _texts(view, "Document")[:2] == ["receipt (+5)", "receipt (+6)"]  # voucher, quantity
    assert documents["Site (new)"] == "DEP01 — DEP01 site"  # code and name
    assert documents["User (new)"] == "admin"
    assert view.counts.text() == f"2 items rejected, {status.pending} pending"
    assert view.facts["enrolment"].text() == NOT_ENROLLED
    assert view.facts["last_success"].text() == "never"
    assert not view.sync_action.isEnabled()  # nothing to sync with
    assert view.alone_hint.isVisible()
    assert not view.empty_hint.isVisible()


def test_resend_puts_rejected_items_back_in_the_queue(qtbot, kit, app_session):
    stocked_products(kit, [5, 6])
    rejected = reject(kit, "stock_ledger")
    before = app_session.read(sync_console.status)
    view = _view(qtbot, app_session)
    assert not view.resend_action.isEnabled()  # nothing selected yet
    _select(view, [0, 1])
    assert view.resend_action.isEnabled()
    made = view.resend_selected()
    assert made is not None and len(made) == 2
    after = app_session.read(sync_console.status)
    assert after.rejected == 0
    assert after.pending == before.pending + 2
    with kit.store.reader() as s:
        old = state_crud.get_items(s, rejected)
        new = state_crud.get_items(s, made)
    assert {r.status for r in old} == {"resent"}  # kept for the record, never pushed again
    assert {r.status for r in new} == {"pending"}
    assert all(n.seq > o.seq for n, o in zip(new, old, strict=True))
    assert "Queued 2 items again" in view.banner.text()
    assert _texts(view, "Status").count("Rejected") == 0  # the view re-read its rows
    assert view.counts.text() == f"0 items rejected, {after.pending} pending"


def test_resend_of_a_pending_item_is_refused_by_the_service(kit):
    stocked_products(kit, [5])
    keys = [k[:3] for k in _pending_keys(kit)][:1]
    with pytest.raises(Exception, match="only rejected items can be resent"), kit.session() as s:
        sync_console.resend(s, ctx=kit.ctx, keys=keys)


def test_without_sync_run_the_service_refuses_and_the_view_is_hidden(qtbot, kit, prompt_log):
    stocked_products(kit, [5])
    rejected = reject(kit, "stock_ledger", count=1)
    factory = context_with(kit.ctx, "stock.view", "production.post", username="factory")
    with kit.store.reader() as s, pytest.raises(PermissionDenied, match=r"sync\.run"):
        sync_console.list_exceptions(s, ctx=factory)
    with pytest.raises(PermissionDenied, match=r"sync\.run"), kit.session() as s:
        sync_console.resend(s, ctx=factory, keys=rejected)
    session = make_session(kit, factory)
    window = MainWindow(session, app_settings())
    qtbot.addWidget(window)
    assert "sync" not in [v.key for v in window.view_types]
    assert not window.sync_now_action.isEnabled()
    window.sync.sync_now()  # the shortcut's slot, reached another way: still refused
    assert window.sync.runs == 0
    assert "sync.run" in window.status.message.text()
    # ...yet the status bar tells everyone where the store stands.
    assert window.status.rejected.text() == "1 rejected"
    window.close()
    drain()


def test_status_bar_shows_pending_rejected_and_the_last_error(qtbot, kit, app_session):
    stocked_products(kit, [5, 6])
    reject(kit, "stock_ledger", count=1)
    with kit.session() as s:
        installation_id = outbox_crud.current_identity(s)[0]
        state = state_crud.get_or_add(s, installation_id)
        state.last_error = "the server did not answer within 30 s"
        state.online = False
    window = MainWindow(app_session, app_settings())
    qtbot.addWidget(window)
    window.show()
    bar = window.status
    status = app_session.read(sync_console.status)
    assert bar.pending.text() == f"{status.pending} waiting to sync"
    assert bar.rejected.text() == "1 rejected" and bar.rejected.isVisible()
    assert bar.error.text() == "Sync error: the server did not answer within 30 s"
    assert bar.error.isVisible()
    assert bar.connection.text() == NOT_ENROLLED  # the store works alone: it never tries
    assert bar.last_sync.text() == "Last sync: never"
    assert not window.sync.timer.isActive()
    window.sync.sync_now()
    assert window.sync.runs == 0
    assert bar.message.text() == f"{NOT_ENROLLED}: there is no server to sync with."
    stocked_products(kit, [7])
    app_session.notify("stock")  # a write anywhere refreshes the counts
    assert bar.pending.text() == f"{status.pending + 1} waiting to sync"  # its stock entry
    window.close()
    drain()


def test_ages_read_as_a_person_says_them():
    from datetime import timedelta

    assert age_text(timedelta(seconds=45)) == "45 s"
    assert age_text(timedelta(minutes=12, seconds=3)) == "12 min"
    assert age_text(timedelta(hours=3, minutes=5)) == "3 h 5 min"
    assert age_text(timedelta(days=2, hours=4)) == "2 d 4 h"
    assert age_text(timedelta(days=120)) == "120 d"


# --- against a real hom-server on loopback ---------------------------------------------------


def sqlite_company(data_dir):
    """The test company on a migrated SQLite server database in ``data_dir``, its master data
    in the feed (no server process yet): (server environment, database URL, world)."""
    url = f"sqlite:///{data_dir / 'server.sqlite3'}"
    env = server_env(url, data_dir)
    settings = ServerSettings(
        database_url=url,
        data_dir=data_dir,
        jwt_secret=env["HOM_SERVER_JWT_SECRET"],
        environment="production",
    )
    world = build_world(settings)
    publish(settings)
    return env, url, world


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    return sqlite_company(tmp_path_factory.mktemp("server"))


@pytest.fixture(scope="module")
def server(company, tmp_path_factory):
    env, _url, _world = company
    with running_server(env, tmp_path_factory.mktemp("log") / "server.log") as proc:
        yield proc


@pytest.fixture
def credential_file(monkeypatch):
    monkeypatch.setenv("HOM_CREDENTIAL_BACKEND", "file")  # no keyring on a test machine


def signed_in(store, username: str, password: str) -> AppSession:
    """Sign in offline on an enrolled store, as the application does (users came from the
    server with their password hashes)."""
    with store.transaction() as s:
        user = users.authenticate(s, username=username, password=password).user_or_raise()
        ctx, who = users.context_for(s, user=user), _who(s, user)
    return AppSession(store=store, settings=store.settings, ctx=ctx, who=who)


@contextmanager
def depot_clerk(server, path) -> Iterator[AppSession]:
    """A DEP01 store enrolled with ``server`` in ``path``, its clerk signed in; closed after."""
    desk = enrol_desk(server, path, site="DEP01")
    try:
        yield signed_in(desk.store, "clerk1", CLERK_PASSWORD)
    finally:
        desk.close()


def _window(qtbot, app: AppSession) -> MainWindow:
    app.sync_worker = SyncWorker(app, engine=SyncEngine(app.store, options=FAST))
    window = MainWindow(app, app_settings())
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    return window


def receive_stock(app: AppSession, location_id, product_id, quantities: list[int]) -> None:
    with app.store.transaction() as s:
        for qty in quantities:
            stock.receive(
                s,
                ctx=app.ctx,
                receipt_in={"location_id": location_id, "product_id": product_id, "quantity": qty},
            )


def queue_foreign_entry(app: AppSession, location_id) -> None:
    """Queue a stock entry for another site's location, as a buggy or tampered client would:
    the server must refuse it with its reason."""
    with app.store.transaction() as s:
        own = [r for r in outbox_crud.pending(s, limit=1000) if r.entity == "stock_ledger"][-1]
        row = dict(own.payload, id=str(uuid.uuid4()), voucher_id=str(uuid.uuid4()))
        row["location_id"] = str(location_id)
        changelog.queue(s, ctx=app.ctx, entity="stock_ledger", rows=[row], operation="insert")


def test_sync_now_runs_in_the_background_and_empties_the_queue(
    qtbot, company, server, tmp_path, credential_file, prompt_log
):
    _env, url, world = company
    with depot_clerk(server, tmp_path / "dep01") as app:
        receive_stock(app, world.dep01_wh, world.soap, [40, 12, 3])
        queue_foreign_entry(app, world.dep02_wh)
        window = _window(qtbot, app)
        worker, bar = window.sync, window.status
        assert worker.enrolled and worker.timer.isActive()  # its own timer is set
        waiting = worker.status.pending
        assert waiting >= 4 and bar.pending.text() == f"{waiting} waiting to sync"
        assert bar.connection.text() == "Online"  # enrolment reached the server
        ticks, labels = [0], []
        clock = QTimer()
        clock.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + worker.running))
        clock.start(5)
        worker.progressed.connect(lambda _d, _t, text: labels.append(text))
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
        qtbot.keyClick(window, Qt.Key.Key_S, CTRL_SHIFT)  # "Sync now" from any screen
        assert worker.running and bar.progress.isVisible()
        assert bar.connection.text() == "Syncing…"
        assert worker.sync_now() is worker.operation  # a second press joins the run
        assert worker.runs == 1
        qtbot.waitUntil(lambda: not worker.running, timeout=60_000)
        clock.stop()
        # The event loop kept turning while the run went on its own thread.
        assert ticks[0] >= 3, ticks
        assert any(t.startswith("Sending changes") for t in labels), labels
        report = worker.last_report
        assert report is not None and report.online and report.rejected == 1, report
        assert report.pushed >= 3
        assert ledger_ids(app.store) <= ledger_ids(url)  # every local entry is on the server
        assert bar.pending.text() == "0 waiting to sync"
        assert bar.rejected.text() == "1 rejected" and bar.rejected.isVisible()
        assert bar.connection.text() == "Online" and not bar.progress.isVisible()
        success = worker.status.last_success_at
        assert success is not None and success.tzinfo is not None  # stored UTC...
        local = success.astimezone()  # ...shown in the machine's local time
        assert bar.last_sync.text() == f"Last sync: {local:%d-%m-%Y %H:%M}"
        assert worker.timer.isActive()  # the next run is on the timer
        # The sync view shows the server's refusal with its reason.
        view = window.show_view("sync")
        assert isinstance(view, SyncView)
        assert view.counts.text() == "1 item rejected, 0 pending"
        assert view.model.rowCount() == 1
        assert "belongs to DEP02" in _texts(view, "Reason")[0]
        assert view.facts["server"].text() == server.url
        assert view.facts["connection"].text() == "Online"
        assert not view.alone_hint.isVisible()
        # Resend: back in the queue, sent at once; the server refuses it again, saying why.
        _select(view, [0])
        assert view.resend_selected() is not None
        qtbot.waitUntil(lambda: worker.runs == 2 and not worker.running, timeout=60_000)
        assert worker.last_report.rejected == 1
        assert bar.pending.text() == "0 waiting to sync" and bar.rejected.text() == "1 rejected"
        window.close()
        drain()


def test_a_server_that_is_down_shows_offline_and_the_error(
    qtbot, company, tmp_path, credential_file, prompt_log
):
    env, _url, world = company
    with ExitStack() as stack:
        with running_server(env, tmp_path / "server.log") as server:
            app = stack.enter_context(depot_clerk(server, tmp_path / "dep01"))
        # The server has stopped.
        receive_stock(app, world.dep01_wh, world.soap, [5])
        window = _window(qtbot, app)
        worker, bar = window.sync, window.status
        window.sync_now_action.trigger()
        qtbot.waitUntil(lambda: worker.runs == 1 and not worker.running, timeout=60_000)
        assert worker.last_report is not None and not worker.last_report.ok
        assert bar.connection.text() == "Offline"
        assert bar.error.isVisible() and bar.error.text().startswith("Sync error: ")
        assert bar.pending.text() == "1 waiting to sync"  # nothing lost
        assert bar.message.text().startswith("Sync failed: ")
        assert worker.failures == 1 and worker.timer.isActive()  # tried again on the backoff
        assert worker.timer.remainingTime() < FAST.watch_interval_s * 1000
        worker.network_changed(QNetworkInformation.Reachability.Online)  # the network is back
        assert worker.runs == 2  # tried at once, not at the backoff
        qtbot.waitUntil(lambda: not worker.running, timeout=60_000)
        assert worker.failures == 2 and bar.connection.text() == "Offline"
        view = window.show_view("sync")
        assert view.facts["last_error"].text() == worker.status.last_error != ""
        assert view.facts["connection"].text() == "Offline"
        window.close()
        drain()


@contextmanager
def sync_thread_held() -> Iterator[None]:
    """Keep the one sync thread busy until the block ends, so a run started inside waits."""
    started, release = threading.Event(), threading.Event()

    def hold(_p) -> None:
        started.set()
        release.wait(30)

    ops.Operation(None, hold).run(pool=sync_pool())
    assert started.wait(5), "the sync thread did not start"
    try:
        assert "the sync is writing" in busy_reason()  # what a save waiting for the lock says
        yield
    finally:
        release.set()


def test_cancel_stops_the_run_and_closing_the_window_never_waits_on_it(
    qtbot, company, server, tmp_path, credential_file, prompt_log
):
    _env, _url, world = company
    with depot_clerk(server, tmp_path / "dep01b") as app:
        receive_stock(app, world.dep01_wh, world.soap, [2, 3])
        window = _window(qtbot, app)
        worker = window.sync
        view = window.show_view("sync")
        assert isinstance(view, SyncView) and not view.cancel_action.isEnabled()
        with sync_thread_held():  # the run waits for the thread: Cancel comes first, surely
            operation = worker.sync_now()
            assert operation is not None and view.cancel_action.isEnabled()
            assert view.progress_row.isVisible()
            view.cancel_action.trigger()  # before the first batch: nothing is sent
        qtbot.waitUntil(lambda: not worker.running, timeout=60_000)
        assert worker.last_report is not None and worker.last_report.cancelled
        assert "cancelled" in window.status.message.text()
        assert not view.cancel_action.isEnabled() and not view.progress_row.isVisible()
        assert worker.status.pending == 2  # still queued, nothing lost
        # A run going when the window closes (sign-out) is asked to stop; its news goes nowhere.
        worker.sync_now()
        window.close()
        drain()
        assert not worker.timer.isActive()
        with app.store.reader() as s:
            left = sync_console.status(s).pending
        assert left in (0, 2)  # stopped between batches: all of a batch or none of it


def test_a_draft_made_before_a_head_office_price_change_is_listed_to_review(
    qtbot, company, server, tmp_path, credential_file, prompt_log
):
    _env, _url, world = company
    with depot_clerk(server, tmp_path / "drafts") as app:
        draft = draft_then_price_change(server, app.store, app.ctx, world)
        window = _window(qtbot, app)
        worker, view = window.sync, window.show_view("sync")
        assert isinstance(view, SyncView) and not view.notes_box.isVisible()
        worker.sync_now()
        qtbot.waitUntil(lambda: not worker.running, timeout=60_000)
        notes = [view.notes.item(i).text() for i in range(view.notes.count())]
        assert view.notes_box.isVisible()
        assert any(draft in n and "36.00 -> 37.50" in n for n in notes), notes
        assert "; 1 draft to review" in window.status.message.text()
        later = SyncView(app)  # a view opened after the run shows it too
        qtbot.addWidget(later)
        assert later.notes.count() == view.notes.count()
        window.close()
        drain()
