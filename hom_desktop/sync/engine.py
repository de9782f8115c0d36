"""One sync run: handshake, register a new epoch, push, pull and apply, sanity check.

Exactly once, as the anchors do it: an item's identity is (installation, epoch, seq); each
batch's answers are recorded in one local transaction that also marks the items acknowledged
(a duplicate counts as delivered); each pulled page is applied in one transaction that also
stores the new cursor. Whatever fails in between, a later run sends or pulls it again and the
other side recognises it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hom import __version__
from hom.core import migrate
from hom.core.clock import utcnow
from hom.core.errors import DomainError
from hom.crud import outbox as outbox_crud
from hom.crud import site as site_crud
from hom.crud import sync_state as state_crud
from hom.schemas.sync import (
    MAX_PULL_LIMIT,
    MAX_PUSH_ITEMS,
    PAYLOAD_VERSION,
    CheckCounts,
    EpochRegistered,
    EpochRegistration,
    Handshake,
    HandshakeAnswer,
    ItemStatus,
    PullPage,
    PushAnswer,
)
from hom.sync import check, inbound
from hom.sync.state import process_alive
from hom_desktop.sync.api import (
    CheckRow,
    Phase,
    SanityCheck,
    SyncError,
    SyncProgress,
    SyncReport,
)
from hom_desktop.sync.client import (
    Cancelled,
    ServerClient,
    ServerFailed,
    ServerRefused,
    Unreachable,
)

if TYPE_CHECKING:
    from hom.core.store import Store
    from hom_desktop.sync.api import SyncEngine

log = logging.getLogger("hom.sync")


@dataclass
class _Tally:
    pushed: int = 0
    duplicates: int = 0
    rejected: int = 0
    pulled: int = 0
    applied: int = 0
    skipped: int = 0
    delivered_orders: int = 0
    conflicts: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Who:
    installation_id: uuid.UUID
    epoch: int
    site_id: uuid.UUID | None
    server_url: str
    registered_epoch: int
    epoch_reason: str


def _noop(_: SyncProgress) -> None:
    return None


def client_for(engine: SyncEngine, url: str, credential: str | None, cancelled) -> ServerClient:
    o = engine.options
    return ServerClient(
        url,
        credential=credential,
        timeout_s=o.timeout_s,
        retries=o.retries,
        backoff_s=o.backoff_s,
        backoff_max_s=o.backoff_max_s,
        transport=engine.transport,
        cancelled=cancelled,
    )


def _who(store: Store) -> _Who:
    with store.reader() as session:
        installation = site_crud.get_installation(session)
        if installation is None:
            raise SyncError("this store has not been initialised", field="store")
        if installation.is_demo:
            raise SyncError(
                "this is a demo store: it never syncs (its data is invented)", field="store"
            )
        if installation.enrolled_at is None or not installation.server_url:
            raise SyncError(
                "this store is not enrolled with a server: run 'hom-desktop enrol URL CODE' on "
                "an empty data folder with a code from the head office",
                field="store",
            )
        state = state_crud.get(session, installation.id)
        epoch = outbox_crud.get_epoch(
            session, installation_id=installation.id, epoch=installation.epoch
        )
        return _Who(
            installation_id=installation.id,
            epoch=installation.epoch,
            site_id=installation.site_id,
            server_url=installation.server_url,
            registered_epoch=state.registered_epoch if state else 0,
            epoch_reason=epoch.reason if epoch else "created",
        )


def _set_state(store: Store, installation_id: uuid.UUID, **values: object) -> None:
    with store.transaction() as session:
        state = state_crud.get_or_add(session, installation_id)
        for key, value in values.items():
            setattr(state, key, value)


def run(
    engine: SyncEngine,
    *,
    progress: Callable[[SyncProgress], None] | None,
    cancelled: Callable[[], bool] | None,
) -> SyncReport:
    store = engine.store
    progress = progress or _noop
    is_cancelled = cancelled or (lambda: False)
    started = utcnow()
    who = _who(store)
    with store.transaction() as session:
        state = state_crud.get_or_add(session, who.installation_id)
        other = state.running_pid
        if other not in (0, os.getpid()) and process_alive(other):
            raise SyncError(
                f"a sync of this store is already running (process {other}): wait for it to finish",
                field="store",
            )
        state.running_pid = os.getpid()
        state.running_since = started
        state.last_attempt_at = started
    tally = _Tally()
    error = ""
    online = False
    stopped = False
    sanity: SanityCheck | None = None
    try:
        credential = engine.credentials.load(who.installation_id)
        with client_for(engine, who.server_url, credential, is_cancelled) as client:
            progress(SyncProgress(Phase.CONNECT, 0, None, "checking versions"))
            handshake(client)
            online = True
            if who.registered_epoch < who.epoch:
                register_epoch(store, client, who)
            progress(SyncProgress(Phase.CONNECT, 1, 1, "connected"))
            stopped = push(engine, client, who, tally, progress, is_cancelled)
            if not stopped:
                stopped = pull(
                    engine,
                    client,
                    who.installation_id,
                    tally,
                    progress,
                    is_cancelled,
                    own_site_id=who.site_id,
                )
            if not stopped:
                tally.delivered_orders = deliver_received(store)
                progress(SyncProgress(Phase.CHECK, 0, 1, "comparing counts with the server"))
                sanity = sanity_check(store, client, who.installation_id)
                progress(SyncProgress(Phase.CHECK, 1, 1, sanity.summary()))
    except Cancelled:
        stopped = True
    except Unreachable as exc:
        error = exc.message
        online = False
    except ServerFailed as exc:
        error = exc.message
    except ServerRefused as exc:
        error = refusal_text(exc)
    except DomainError as exc:
        error = exc.message
    except Exception as exc:  # a bug or a garbled answer: reported, never a dead worker
        log.exception("sync failed unexpectedly")
        error = f"unexpected {type(exc).__name__}: {str(exc)[:300]} (details in the log)"
    finished = utcnow()
    report = SyncReport(
        ok=not error and not stopped and (sanity is None or sanity.ok),
        online=online,
        started_at=started,
        finished_at=finished,
        pushed=tally.pushed,
        duplicates=tally.duplicates,
        rejected=tally.rejected,
        pulled=tally.pulled,
        applied=tally.applied,
        skipped=tally.skipped,
        conflicts=tuple(tally.conflicts),
        check=sanity,
        error=error,
        cancelled=stopped,
        delivered_orders=tally.delivered_orders,
        notices=tuple(tally.notices),
    )
    values: dict[str, object] = {
        "running_pid": 0,
        "running_since": None,
        "online": online,
        "last_error": error[:500],
    }
    if not error and not stopped:
        values["last_success_at"] = finished
    if sanity is not None:
        values["last_check"] = sanity.summary()[:1000]
        values["last_check_ok"] = sanity.ok
        if not sanity.ok:
            log.warning("sync sanity check: %s", sanity.summary())
    for conflict in tally.conflicts[:50]:
        log.warning("pulled change not applied: %s", conflict)
    for notice in tally.notices[:50]:
        log.warning("%s", notice)
    if error:
        log.warning("sync failed: %s", error)
    else:
        log.info("%s", report.summary())
    _set_state(store, who.installation_id, **values)
    progress(SyncProgress(Phase.DONE, 1, 1, report.summary()))
    return report


def refusal_text(exc: ServerRefused) -> str:
    if exc.status == 401:
        return f"the server refused this installation's credential: {exc.message}"
    if exc.status == 403:
        return f"the server refused: {exc.message}"
    if exc.status == 426:
        return f"versions differ: {exc.message}"
    return f"the server refused ({exc.status}): {exc.message}"


# --- handshake and epochs -------------------------------------------------------------------


def handshake(client: ServerClient) -> None:
    """Versions first: an incompatible pair stops here, before anything is sent or changed."""
    hello = Handshake(
        app_version=__version__,
        migration_head=migrate.head_revision() or "none",
        payload_version=PAYLOAD_VERSION,
    )
    answer = HandshakeAnswer.model_validate_json(
        client.request("POST", "/sync/handshake", body=hello)
    )
    if not answer.compatible:
        raise SyncError(
            answer.message or f"update HOM Desktop to at least {answer.min_app_version}",
            field="app_version",
        )


def register_epoch(store: Store, client: ServerClient, who: _Who) -> None:
    """A restored or copied store tells the server its new epoch before pushing from it."""
    answer = EpochRegistered.model_validate_json(
        client.request(
            "POST",
            "/sync/epochs",
            body=EpochRegistration(
                installation_id=who.installation_id, epoch=who.epoch, reason=who.epoch_reason
            ),
        )
    )
    if all(e.epoch != who.epoch for e in answer.epochs):
        raise SyncError(f"the server did not record epoch {who.epoch}", field="epoch")
    log.info("registered epoch %s (%s) with the server", who.epoch, who.epoch_reason)
    _set_state(store, who.installation_id, registered_epoch=who.epoch)


# --- push -----------------------------------------------------------------------------------


def _reason(result) -> str:
    text = result.reason or "rejected"
    if result.field:
        text += f" (field {result.field})"
    if result.depends_on is not None:
        text += f" [depends on item {result.depends_on}]"
    return text


@dataclass(frozen=True)
class _Batch:
    """One push request, ready to send: its seqs and its JSON body."""

    seqs: list[int]
    body: bytes


def _build_batch(
    store: Store, installation_id: uuid.UUID, epoch: int, after: int, limit: int
) -> _Batch | None:
    """The next contiguous run of pending items above ``after`` as a ``PushRequest`` body (plain
    rows to JSON: the change log already holds each payload as the wire's JSON)."""
    with store.reader() as session:
        rows = state_crud.pending_rows_after(
            session, installation_id=installation_id, epoch=epoch, after_seq=after, limit=limit
        )
    items: list[dict] = []
    for row in rows:  # one contiguous run: the server takes seqs rising by one
        if items and row.seq != items[-1]["seq"] + 1:
            break
        items.append(
            {
                "seq": row.seq,
                "entity": row.entity,
                "entity_id": str(row.entity_id),
                "operation": row.operation,
                "site_id": str(row.site_id) if row.site_id else None,
                "payload_version": row.payload_version,
                "payload": row.payload,
                "created_at": row.created_at.isoformat(),
            }
        )
    if not items:
        return None
    body = {
        "installation_id": str(installation_id),
        "epoch": epoch,
        "items": items,
        "sent_at": utcnow().isoformat(),
    }
    return _Batch([i["seq"] for i in items], json.dumps(body, separators=(",", ":")).encode())


def push(
    engine: SyncEngine,
    client: ServerClient,
    who: _Who,
    tally: _Tally,
    progress: Callable[[SyncProgress], None],
    cancelled: Callable[[], bool],
) -> bool:
    """Push every pending item, oldest epoch first, in seq order; True when cancelled.

    The next batch is read and encoded on a helper thread while the server works on the
    current one (it is sent only after the current one's answer is recorded)."""
    store = engine.store
    batch = max(1, min(engine.options.batch_size, MAX_PUSH_ITEMS))
    with store.reader() as session:
        total = outbox_crud.count_pending(session)
        epochs = state_crud.pending_epochs(session)
    done = 0
    progress(SyncProgress(Phase.PUSH, 0, total))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hom-sync-push") as ahead:
        for installation_id, epoch in epochs:
            after = 0
            upcoming = None
            while True:
                if cancelled():
                    return True
                current = (
                    upcoming.result()
                    if upcoming is not None
                    else _build_batch(store, installation_id, epoch, after, batch)
                )
                upcoming = None
                if current is None:
                    break
                upcoming = ahead.submit(
                    _build_batch, store, installation_id, epoch, current.seqs[-1], batch
                )
                try:
                    raw = client.request("POST", "/sync/push", content=current.body)
                except ServerRefused as exc:
                    upcoming.result()
                    upcoming = None
                    if exc.status == 413 and batch > 1:
                        batch = max(1, batch // 2)
                        continue
                    if exc.status == 409 and exc.body.get("expected_seq") is not None:
                        _server_lost_items(store, installation_id, epoch, current.seqs[0], exc)
                        after = 0
                        continue
                    _attempt_failed(store, installation_id, epoch, current.seqs, refusal_text(exc))
                    raise
                except (Unreachable, ServerFailed) as exc:
                    upcoming.result()
                    _attempt_failed(store, installation_id, epoch, current.seqs, exc.message)
                    raise
                answer = PushAnswer.model_validate_json(raw)
                record_answer(
                    store, answer, installation_id=installation_id, epoch=epoch, tally=tally
                )
                after = current.seqs[-1]
                done += len(current.seqs)
                progress(SyncProgress(Phase.PUSH, done, max(total, done)))
    return False


def record_answer(
    store: Store, answer: PushAnswer, *, installation_id: uuid.UUID, epoch: int, tally: _Tally
) -> None:
    """Every item's answer, and its acknowledgement, in one local transaction."""
    if answer.installation_id != installation_id or answer.epoch != epoch:
        raise SyncError("the server answered for another installation or epoch", field="push")
    now = utcnow()
    rows = []
    for result in answer.results:
        if result.status == ItemStatus.REJECTED:
            tally.rejected += 1
            rows.append(
                {
                    "seq": result.seq,
                    "status": outbox_crud.REJECTED,
                    "last_error": _reason(result),
                    "at": now,
                }
            )
            continue
        if result.status == ItemStatus.DUPLICATE:
            tally.duplicates += 1
        else:
            tally.pushed += 1
        rows.append(
            {"seq": result.seq, "status": outbox_crud.ACKNOWLEDGED, "last_error": "", "at": now}
        )
    with store.transaction() as session:
        state_crud.record_answers(
            session, installation_id=installation_id, epoch=epoch, answers=rows
        )


def _attempt_failed(store: Store, installation_id, epoch, seqs: list[int], error: str) -> None:
    with store.transaction() as session:
        outbox_crud.record_attempt_failed(
            session, installation_id=installation_id, epoch=epoch, seqs=seqs, error=error
        )


def _server_lost_items(store: Store, installation_id, epoch, first: int, exc) -> None:
    """The server expects an earlier seq than our first pending one: it lost items (restored
    from an older backup). Send them again if this store still has them, else stop."""
    expected = int(exc.body["expected_seq"])
    with store.transaction() as session:
        reset = state_crud.reset_to_pending(
            session,
            installation_id=installation_id,
            epoch=epoch,
            from_seq=expected,
            below_seq=first,
        )
    if reset != first - expected or expected >= first:
        raise SyncError(
            f"the server lacks items {expected} to {first - 1} of epoch {epoch}, which this "
            "store no longer holds: ask the head office (the server may have been restored)",
            field="push",
        )
    log.warning(
        "the server lacks items %s-%s of epoch %s: sending them again", expected, first - 1, epoch
    )


# --- pull -----------------------------------------------------------------------------------


def pull(
    engine: SyncEngine,
    client: ServerClient,
    installation_id: uuid.UUID,
    tally: _Tally,
    progress: Callable[[SyncProgress], None],
    cancelled: Callable[[], bool],
    *,
    own_site_id: uuid.UUID | None,
) -> bool:
    """Pull pages from the stored cursor, each applied with its cursor in one transaction;
    True when cancelled. The next page is fetched on a helper thread while this one applies."""
    store = engine.store
    limit = max(1, min(engine.options.page_limit, MAX_PULL_LIMIT))
    with store.reader() as session:
        state = state_crud.get(session, installation_id)
        cursor = state.pull_cursor if state else ""

    def fetch(after: str) -> PullPage:
        params: dict[str, object] = {"limit": limit}
        if after:
            params["cursor"] = after
        return PullPage.model_validate_json(client.request("GET", "/sync/pull", params=params))

    progress(SyncProgress(Phase.PULL, 0, None))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hom-sync-pull") as ahead:
        upcoming = ahead.submit(fetch, cursor)
        while True:
            page = upcoming.result()
            if cancelled():
                return True
            if page.has_more:
                upcoming = ahead.submit(fetch, page.next_cursor)
            now = utcnow()
            with store.transaction() as session:
                outcome = inbound.apply_page(
                    session,
                    page.items,
                    installation_id=installation_id,
                    at=now,
                    own_site_id=own_site_id,
                )
                state = state_crud.get_or_add(session, installation_id)
                state.pull_cursor = page.next_cursor
            tally.pulled += len(page.items)
            tally.applied += outcome.applied
            tally.skipped += outcome.skipped
            tally.conflicts.extend(outcome.conflicts)
            tally.notices.extend(outcome.notices)
            progress(SyncProgress(Phase.PULL, tally.pulled, None))
            if not page.has_more:
                return False
            if cancelled():
                with contextlib.suppress(Exception):
                    upcoming.result()  # let the fetch in flight finish; its page is not applied
                return True


def deliver_received(store: Store) -> int:
    """After a pull: a seller marks delivered the primary orders whose goods receipts its buyers
    sent (the buyer never writes the seller's order; this site does, once the receipt is here)."""
    from hom.services import orders, sites  # the services load with the first sync, not at start

    with store.transaction() as session:
        ctx = sites.system_context(session)
        if ctx.site_id is None:
            return 0
        return orders.deliver_received(session, ctx=ctx)


# --- sanity check ---------------------------------------------------------------------------


def sanity_check(store: Store, client: ServerClient, installation_id: uuid.UUID) -> SanityCheck:
    """Per-entity counts of both sides, the server's through this store's cursor."""
    with store.reader() as session:
        state = state_crud.get(session, installation_id)
        cursor = state.pull_cursor if state else ""
        local = check.local_counts(session)
    params = {"cursor": cursor} if cursor else None
    raw = client.request("GET", "/sync/check", params=params)
    server = CheckCounts.model_validate_json(raw).counts
    rows = tuple(
        CheckRow(entity=e, local=local.get(e, 0), server=server.get(e, 0))
        for e in check.CHECKED
        if local.get(e, 0) or server.get(e, 0)
    )
    return SanityCheck(rows=rows)


# --- watch ----------------------------------------------------------------------------------


def watch(
    engine: SyncEngine,
    *,
    stop: Callable[[], bool],
    on_report: Callable[[SyncReport], None] | None,
    progress: Callable[[SyncProgress], None] | None,
) -> None:
    failures = 0
    while not stop():
        report = engine.run_once(progress=progress, cancelled=stop)
        if on_report is not None:
            on_report(report)
        probe = None
        if report.error:
            failures += 1
            if not report.online:
                probe = _server_answers(engine)
        else:
            failures = 0
        engine._wait(engine.options.next_run_in_s(failures), stop, probe)


def _server_answers(engine: SyncEngine) -> Callable[[], bool] | None:
    """A cheap check that the server is reachable again (``GET /health``), for ``watch``."""
    try:
        url = _who(engine.store).server_url
    except DomainError:
        return None

    def probe() -> bool:
        try:
            with client_for(engine, url, None, None) as client:
                client.retries = 0
                client.request("GET", "/health", retry=False)
            return True
        except DomainError:
            return False

    return probe
