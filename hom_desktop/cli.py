"""The ``hom-desktop`` command: the GUI with no arguments, and scriptable subcommands.

Every prompt has a flag (``--password-stdin`` for secrets), ``--data-dir`` / ``HOM_DATA_DIR``
choose the store, and every refusal prints one line and exits non-zero: 2 for a request the rules
refuse, 1 for an unexpected failure (whose traceback goes to the log file, not the terminal).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from hom.core import lock as store_lock
from hom.core import logs, paths, text
from hom.core.errors import DomainError

if TYPE_CHECKING:  # the rest loads with the command that needs it (the GUI paints first)
    from hom.core.config import Settings
    from hom.core.store import Store
    from hom.services.context import ActorContext
    from hom.services.trace import BatchTrace

SITE_KINDS = ("head_office", "factory", "depot", "distributor")
"""``SiteKind``'s values, spelled out so building the parser imports no model (a test checks)."""

log = logging.getLogger("hom.cli")

EXIT_REFUSED = 2
EXIT_FAILED = 1


class CliError(Exception):
    """A refusal detected by the command line itself (bad flags, missing input)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line naming the problem and where help is (exit 2)."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {text.for_terminal(message)} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(EXIT_REFUSED)


def _whole_number(value: str) -> int:
    """An ``int`` flag in the documented format: ASCII digits only (no ``4_5``, no ``४५``)."""
    try:
        return int(text.check_number_text(value))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text.for_terminal(value)!r} is not a whole number written with the digits 0-9"
        ) from None


# --- plumbing -----------------------------------------------------------------------------


class Secrets:
    """Passwords read once each, from stdin lines (``--password-stdin``) or a hidden prompt."""

    def __init__(self, use_stdin: bool, stream: TextIO | None = None) -> None:
        self.use_stdin = use_stdin
        self.stream = stream or sys.stdin

    def read(self, prompt: str, *, confirm: bool = False) -> str:
        if self.use_stdin:
            line = self.stream.readline()
            if not line:
                raise CliError(f"{prompt.rstrip(': ')}: expected one more line on standard input")
            return line.rstrip("\r\n")
        if not sys.stdin.isatty():
            raise CliError(f"{prompt.rstrip(': ')}: no terminal to ask on; use --password-stdin")
        value = getpass.getpass(prompt)
        if confirm and getpass.getpass("Repeat: ") != value:
            raise CliError("the two passwords differ")
        return value


def _settings(args: argparse.Namespace) -> Settings:
    from hom.core.config import load_settings

    return load_settings(args.data_dir)


def _open(args: argparse.Namespace, *, must_exist: bool = True) -> Store:
    from hom.core.store import open_store

    settings = _settings(args)
    if must_exist and not settings.store_path.exists():
        raise CliError(
            f"no store at {settings.store_path}: run 'hom-desktop init' or 'hom-desktop demo' first"
        )
    if must_exist and settings.store_path.is_file() and settings.store_path.stat().st_size == 0:
        raise CliError(
            f"the store {settings.store_path} is an empty file: restore a backup "
            "('hom-desktop restore FILE --yes') or remove it and run 'hom-desktop init'"
        )
    store = open_store(settings)
    if store.upgraded is not None:
        print(f"note: {store.upgraded.describe()}", file=sys.stderr)
    return store


def _sign_in(args: argparse.Namespace, store: Store, secrets: Secrets) -> ActorContext:
    """The acting user's context: ``--user`` and a password, checked against the store."""
    from hom.services import users

    if not args.user:
        raise CliError("this command writes or exports data: give --user NAME (or HOM_USER)")
    password = secrets.read(f"Password for {text.for_terminal(args.user)}: ")
    with store.reader() as session:  # argon2 runs here, holding no write lock
        check = users.check_password(session, username=args.user, password=password)
    with store.transaction() as session:
        outcome = users.record_sign_in(
            session,
            check=check,
            lockout_attempts=store.settings.lockout_attempts,
            lockout_minutes=store.settings.lockout_minutes,
        )
    user = outcome.user_or_raise()
    with store.reader() as session:
        return users.context_for(session, user=user)


def _print_table(
    rows: Sequence[Sequence[object]], headers: Sequence[str], out: TextIO, *, indent: str = ""
) -> None:
    text_rows = [[text.for_terminal(str(c)) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in text_rows)) for i, h in enumerate(headers)]
    for r in [list(headers), *text_rows]:
        line = "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True))
        out.write(indent + line.rstrip() + "\n")


# --- commands -----------------------------------------------------------------------------


def cmd_gui(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    try:
        from hom_desktop.ui.app import run_gui
    except ImportError as exc:
        raise CliError(f"the desktop application cannot start: {exc}") from None
    from hom_desktop.ui.crash import guarded

    return guarded(run_gui, args.data_dir)


def cmd_smoke(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    """Prove a built bundle works, with no display: see ``hom_desktop.ui.smoke``."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before Qt loads its platform plugin
    from hom_desktop.ui.smoke import run_smoke

    code = run_smoke(_settings(args), days=args.smoke_days, out=out)
    if code == 0 and args.smoke_temporary:  # kept on failure: its log says what went wrong
        shutil.rmtree(args.data_dir, ignore_errors=True)
    return code


def cmd_init(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from hom.models.enums import SiteKind
    from hom.services import setup, sites

    sites.check_currency(args.currency)
    password = secrets.read(f"New password for {text.for_terminal(args.admin)}: ", confirm=True)
    with _new_store(args) as store, store.transaction() as session:
        result = setup.initialize(
            session,
            admin_username=args.admin,
            admin_password=password,
            admin_full_name=args.admin_name,
            site_code=None if args.manager else args.site,
            site_name=args.site_name or "",
            site_kind=SiteKind(args.site_kind),
            currency=args.currency,
        )
    where = f"site {result.site.code}" if result.site else "no site (read-only manager's store)"
    out.write(f"initialised {store.settings.store_path} for {where}; admin {args.admin}\n")
    return 0


@contextmanager
def _new_store(args: argparse.Namespace) -> Iterator[Store]:
    """The store, opened to be filled; if it did not exist and the command fails, the file
    made for it is removed again, so a refused ``init`` or ``demo`` leaves nothing behind."""
    settings = _settings(args)
    created = not settings.store_path.exists()
    store = _open(args, must_exist=False)
    try:
        yield store
    except BaseException:
        store.close()
        if created:
            for leftover in paths.store_files(settings.store_path):
                leftover.unlink(missing_ok=True)
            with suppress(OSError):  # the folder of lock files, if nothing else is in it
                store_lock.holders_dir(settings.store_path).rmdir()
        raise
    store.close()


def cmd_demo(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from hom.services import demo, sites

    sites.check_currency(args.currency)
    with _new_store(args) as store:

        def progress(done: int, total: int, label: str) -> None:
            if not args.quiet:
                filled = round(24 * done / max(total, 1))
                bar = "#" * filled + "." * (24 - filled)
                out.write(f"\r[{bar}] {100 * done // max(total, 1):>3}% {label:<56}")
                out.flush()

        summary = demo.load_demo(
            store,
            scale=args.scale,
            currency=args.currency,
            seed=args.seed,
            days=args.days,
            progress=progress,
        )
        if not args.quiet:
            out.write("\n")
        out.write(summary.describe() + "\n")
    return 0


def cmd_verify(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from hom.services import stock

    store = _open(args)
    try:
        with store.reader() as session:
            report = stock.verify(session)
    finally:
        store.close()
    out.write(
        f"ledger entries: {report.ledger_entries}, balance rows: {report.balance_rows}, "
        f"mismatches: {len(report.mismatches)}, negative balances: {report.negatives}, "
        f"broken balance chains: {len(report.chain_breaks)}\n"
    )
    for loc, prod, batch, balance, ledger_sum in report.mismatches[:20]:
        out.write(
            f"  location {loc} product {prod} batch {batch}: "
            f"balance {balance} != ledger {ledger_sum}\n"
        )
    for brk in report.chain_breaks[:20]:
        out.write(
            f"  entry {brk.entry_id}: starts from {brk.recorded_before}, "
            f"the entry before it left {brk.expected_before}\n"
        )
    if not report.ok:
        raise DomainError("verify failed: the balances do not match the ledger", field="store")
    out.write(
        "ok: every balance equals the sum of its ledger entries, each entry continuing from the "
        "one before it\n"
    )
    return 0


def cmd_backup(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from hom.services import maintenance

    settings = _settings(args)
    if args.to:  # checked before signing in; the service checks it again
        paths.check_output_file(
            Path(args.to),
            field="destination",
            store_path=settings.store_path,
            backup_dir=settings.backup_dir,
        )
    store = _open(args)
    try:
        ctx = _sign_in(args, store, secrets)
        path = maintenance.backup_now(
            store, ctx=ctx, destination=Path(args.to) if args.to else None
        )
    finally:
        store.close()
    out.write(f"backed up to {path}\n")
    return 0


def cmd_restore(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from hom.core.store import open_store
    from hom.services import maintenance

    if not args.yes:
        raise CliError("restore replaces the whole store: add --yes to confirm")
    settings = _settings(args)
    ctx = None
    if maintenance.current_store_is_readable(settings):
        store = open_store(settings, auto_backup=False)
        try:
            ctx = _sign_in(args, store, secrets)
        finally:
            store.close()
    safety = maintenance.restore(settings, ctx=ctx, source=Path(args.backup))
    store = open_store(settings, auto_backup=False)  # brings an older backup up to the schema
    store.close()
    kept = f"; the replaced store was saved as {safety}" if safety.name else ""
    out.write(f"restored {settings.store_path} from {args.backup}{kept}\n")
    return 0


def cmd_trace(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from hom.services import trace

    store = _open(args)
    try:
        with store.reader() as session:
            result = trace.trace_batch(session, batch_code=args.batch, sku=args.sku)
        _print_trace(result, out)
    finally:
        store.close()
    return 0


def _print_trace(result: BatchTrace, out: TextIO) -> None:
    from hom.models.enums import OrderLevel

    b = result.batch
    out.write(f"batch {b.code} of {b.sku} {b.product_name}\n")
    out.write(
        f"  made at {b.factory_code or '?'} on {b.manufactured_on or '?'}, "
        f"expires {b.expires_on or 'never'}; produced {result.produced}, "
        f"still in tracked stock {result.on_hand}\n"
    )
    out.write("production:\n")
    _print_table(
        [
            (
                p.site_code,
                p.production_date,
                p.shift.value,
                p.good_qty,
                p.rejected_qty,
                "reversal" if p.reverses_id else ("reversed" if p.reversed else ""),
            )
            for p in result.production
        ]
        or [("-", "", "", "", "", "")],
        ["site", "date", "shift", "good", "rejected", ""],
        out,
        indent="  ",
    )
    out.write("stock by location:\n")
    _print_table(
        [
            (loc.code, loc.site_code, loc.received, loc.issued, loc.on_hand)
            for loc in result.locations
        ]
        or [("-", "", "", "", "")],
        ["location", "site", "in", "out", "on hand"],
        out,
        indent="  ",
    )
    for level in OrderLevel:
        orders = result.orders_of(level)
        out.write(f"{level.value} orders: {len(orders)}\n")
        if orders:
            _print_table(
                [
                    (
                        o.number,
                        o.order_date,
                        o.status.value,
                        o.counterparty_code,
                        o.counterparty_name,
                        o.quantity,
                    )
                    for o in orders
                ],
                ["number", "date", "status", "party", "name", "qty"],
                out,
                indent="  ",
            )


def cmd_user_add(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from hom.services import sites, users

    store = _open(args)
    try:
        ctx = _sign_in(args, store, secrets)
        new_password = secrets.read(
            f"New password for {text.for_terminal(args.username)}: ", confirm=True
        )
        with store.transaction() as session:
            site_id = sites.get_site_by_code(session, args.site).id if args.site else None
            user = users.create_user(
                session,
                ctx=ctx,
                user_in={
                    "username": args.username,
                    "password": new_password,
                    "full_name": args.full_name,
                    "roles": args.role,
                    "site_id": site_id,
                },
            )
            out.write(f"created user {user.username} with roles {', '.join(args.role)}\n")
    finally:
        store.close()
    return 0


def cmd_user_list(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from hom.services import users

    store = _open(args)
    try:
        with store.reader() as session:
            rows = [
                (
                    u.username,
                    u.full_name,
                    ", ".join(sorted(r.name for r in u.roles)),
                    "yes" if u.active else "no",
                    "locked" if u.locked_until else "",
                )
                for u in users.list_users(session)
            ]
    finally:
        store.close()
    _print_table(rows, ["username", "name", "roles", "active", ""], out)
    return 0


def cmd_import(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from hom.services import csv_io

    path = Path(args.file)
    settings = _settings(args)
    content = csv_io.decode(
        csv_io.read_file(path, max_bytes=settings.import_max_bytes), args.encoding
    )
    store = _open(args)
    try:
        # The file is checked in a read session (no write lock) before anyone signs in, so a bad
        # file changes nothing at all; it is then written in one short transaction, which
        # re-checks every row against the store as it is by then.
        with store.reader() as session:
            preview = csv_io.preview_import(session, kind=args.kind, text=content)
        problems = [(preview.header_line, e) for e in preview.header_errors]
        problems += [(r.line, r.error) for r in preview.bad_rows]
        if problems:
            # An import refuses in one line; --dry-run (for checking a file) lists every problem
            # first. The log has them all either way.
            for line, error in problems:
                log.info("%s, line %s: %s", path, line, error)
                if args.dry_run and len(problems) > 1:
                    shown = text.for_terminal(str(error))
                    print(f"{path.name}, line {line}: {shown}", file=sys.stderr)
            line, error = problems[0]
            if len(problems) == 1:
                raise CliError(f"{path.name}, line {line}: {error}; nothing was imported")
            more = "(all listed above)" if args.dry_run else "; --dry-run lists them all"
            raise CliError(
                f"{path.name}: {len(problems)} problems, the first on line {line}: {error}; "
                f"nothing was imported {more}".replace(" ;", ";")
            )
        counts = preview.counts()
        summary = (
            f"{counts['create']} to create, {counts['update']} to update, "
            f"{counts['unchanged']} unchanged"
        )
        if args.dry_run:
            out.write(f"{path.name}: {summary} (dry run: nothing written)\n")
            return 0
        ctx = _sign_in(args, store, secrets)
        with store.transaction() as session:
            result = csv_io.apply_import(session, ctx=ctx, preview=preview)
        store.checkpoint()
        out.write(
            f"imported {path.name}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged\n"
        )
    finally:
        store.close()
    return 0


def cmd_export(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from hom.services import csv_io

    settings = _settings(args)
    output = None
    if args.output is not None:
        output = paths.check_output_file(
            Path(args.output),
            field="output",
            store_path=settings.store_path,
            backup_dir=settings.backup_dir,
        )
    store = _open(args)
    try:
        ctx = _sign_in(args, store, secrets)
        with store.reader() as session:
            content = csv_io.export_csv(session, ctx=ctx, kind=args.kind)
    finally:
        store.close()
    if output is not None:
        paths.write_text_file(output, content, field="output")
        out.write(f"exported {args.kind} to {output}\n")
    else:
        out.write(content)
    return 0


def cmd_inspect(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from hom.services import maintenance

    settings = _settings(args)
    tables = maintenance.inspect_store(settings)
    size = settings.store_path.stat().st_size / 1e6
    out.write(f"{settings.store_path} ({size:.1f} MB)\n")
    _print_table([(t.name, t.rows) for t in tables], ["table", "rows"], out)
    return 0


# --- orders -------------------------------------------------------------------------------

ORDER_LEVELS = ("primary", "secondary", "tertiary")
ORDER_STATUSES = ("draft", "confirmed", "dispatched", "delivered", "cancelled")
"""``OrderLevel``'s and ``OrderStatus``'s values, spelled out so building the parser imports no
model (as ``SITE_KINDS``)."""


def _iso_date(value: str) -> date:
    """A date flag in ISO form (2026-12-01): files and the command line keep ISO."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, flags=re.ASCII):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text.for_terminal(value)!r} is not a date written YYYY-MM-DD"
        ) from None


def _sku_quantity(value: str) -> tuple[str, int]:
    """``SKU=QTY`` (QTY whole units); ``SKU@BATCH=QTY`` names a batch where one is allowed."""
    sku, sep, qty = value.rpartition("=")
    try:
        number = int(text.check_number_text(qty.strip()))
    except ValueError:
        number = -1
    if not sep or not sku.strip() or number < 0:
        raise argparse.ArgumentTypeError(
            f"{text.for_terminal(value)!r} is not SKU=QTY (QTY a whole number of units, "
            "e.g. SOAP-100=24)"
        )
    return sku.strip(), number


def _order_by_number(session, number: str):
    from hom.services import orders

    return orders.get_by_number(session, number=number)


def cmd_order_create(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from hom.models.enums import OrderLevel
    from hom.services import orders, parties, products, sites

    level = OrderLevel(args.level)
    store = _open(args)
    try:
        ctx = _sign_in(args, store, secrets)
        with store.transaction() as session:
            party = parties.get_party_by_code(session, args.party)
            seller_id = None
            if args.from_location:
                seller_id = sites.get_location_by_code(session, args.from_location).id
            elif level == OrderLevel.PRIMARY:
                found = orders.seller_locations(session, ctx=ctx)
                if not found:
                    raise CliError("this site has no depot or factory store to sell from")
                seller_id = found[0].id
            lines = []
            for sku, qty in args.line:
                product = products.get_by_sku(session, sku.split("@", 1)[0])
                line: dict[str, object] = {"product_id": product.id, "quantity": qty}
                if "@" in sku:
                    from hom.services import reports

                    code = sku.split("@", 1)[1]
                    line["batch_id"] = reports.find_batch(
                        session, product_id=product.id, code=code
                    ).id
                lines.append(line)
            order = orders.create_order(
                session,
                ctx=ctx,
                level=level,
                order_in=orders.order_in_for(
                    session,
                    level=level,
                    party_id=party.id,
                    lines=lines,
                    seller_location_id=seller_id,
                    order_date=args.date,
                    notes=args.notes,
                    consumer_name=args.consumer,
                    consumer_phone=args.phone,
                ),
            )
            out.write(
                f"created {order.number} (draft) for {party.code}: "
                f"{len(order.lines)} line{'s' if len(order.lines) != 1 else ''}, "
                f"total {order.total_amount}\n"
            )
    finally:
        store.close()
    return 0


def _order_step(args: argparse.Namespace, secrets: Secrets, out: TextIO, step: str) -> int:
    """confirm, dispatch, receive or cancel the order numbered ``args.number``."""
    from hom.models.enums import OrderLevel
    from hom.services import goods_receipts, orders

    store = _open(args)
    try:
        ctx = _sign_in(args, store, secrets)
        with store.transaction() as session:
            order = _order_by_number(session, args.number)
            level = orders.level_of_number(order.number)
            on = getattr(args, "on", None)
            said = ""
            if step == "confirm":
                orders.confirm(session, ctx=ctx, level=level, order_id=order.id, on=on)
            elif step == "dispatch":
                plan = orders.dispatch_plan(session, ctx=ctx, level=level, order_id=order.id)
                if plan.shortages:
                    raise plan.shortages[0].error()
                orders.dispatch(session, ctx=ctx, level=level, order_id=order.id, on=on)
                said = "".join(
                    f"\n  line {t.line_no}: {t.quantity} x {t.sku}"
                    + (f" batch {t.batch_code}" if t.batch_code else "")
                    + (f" (expires {t.expires_on.isoformat()})" if t.expires_on else "")
                    for t in plan.takes
                )
            elif step == "cancel":
                orders.cancel(
                    session, ctx=ctx, level=level, order_id=order.id, reason=args.reason, on=on
                )
            elif level == OrderLevel.PRIMARY and (
                goods_receipts.get_for_order(session, order_id=order.id) is None
            ):
                receipt = goods_receipts.receive_primary(
                    session,
                    ctx=ctx,
                    order_id=order.id,
                    lines=_receipt_lines(session, ctx, order.id, args),
                    reason=args.reason,
                    on=on,
                )
                got = sum(ln.received_qty for ln in receipt.lines)
                sent = sum(ln.dispatched_qty for ln in receipt.lines)
                said = f" on goods receipt {receipt.number}: {got} of {sent} received"
            else:
                orders.deliver(session, ctx=ctx, level=level, order_id=order.id, on=on)
            status = order.status.value
            out.write(f"{order.number}: {status}{said}\n")
    finally:
        store.close()
    return 0


def _receipt_lines(session, ctx, order_id, args: argparse.Namespace) -> list[dict]:
    """Every dispatched line as received in full, except the SKUs given by ``--received`` and
    ``--damaged`` (``SKU`` or ``SKU@BATCH``); none given: everything arrived (no lines)."""
    from hom.services import goods_receipts

    if not args.received and not args.damaged:
        return []
    sent = goods_receipts.receivable(session, ctx=ctx, order_id=order_id)
    received = dict(args.received)
    damaged = dict(args.damaged)
    lines = []
    for ln in sent:
        keys = (
            [f"{ln.sku}@{ln.batch_code}".upper(), ln.sku.upper()]
            if ln.batch_code
            else [ln.sku.upper()]
        )
        got = next((received.pop(k) for k in list(received) if k.upper() in keys), None)
        bad = next((damaged.pop(k) for k in list(damaged) if k.upper() in keys), 0)
        lines.append(
            {
                "product_id": ln.product_id,
                "batch_id": ln.batch_id,
                "received_qty": ln.dispatched_qty - bad if got is None else got,
                "damaged_qty": bad,
            }
        )
    unknown = sorted({*received, *damaged})
    if unknown:
        raise CliError(f"{', '.join(unknown)}: not dispatched on this order")
    return lines


def cmd_order_confirm(args, secrets, out) -> int:
    return _order_step(args, secrets, out, "confirm")


def cmd_order_dispatch(args, secrets, out) -> int:
    return _order_step(args, secrets, out, "dispatch")


def cmd_order_receive(args, secrets, out) -> int:
    return _order_step(args, secrets, out, "receive")


def cmd_order_cancel(args, secrets, out) -> int:
    return _order_step(args, secrets, out, "cancel")


def cmd_order_list(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from hom.models.enums import OrderLevel, OrderStatus
    from hom.services import orders, parties

    store = _open(args)
    try:
        with store.reader() as session:
            party_id = parties.get_party_by_code(session, args.party).id if args.party else None
            flt = {
                "level": OrderLevel(args.level),
                "status": OrderStatus(args.status) if args.status else None,
                "party_id": party_id,
                "since": args.since,
                "until": args.until,
                "search": args.search or "",
            }
            rows = orders.page_orders(session, **flt, limit=args.limit)
            total = orders.count_orders(session, **flt)
    finally:
        store.close()
    _print_table(
        [
            (
                r.number,
                r.order_date.isoformat(),
                r.status.value,
                r.counterparty_code,
                r.counterparty_name,
                r.total_amount,
            )
            for r in rows
        ]
        or [("-", "", "", "", "", "")],
        ["number", "date", "status", "party", "name", "total"],
        out,
    )
    out.write(f"{len(rows)} of {total} {args.level} orders\n")
    return 0


# --- parser -------------------------------------------------------------------------------


def cmd_enrol(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from hom.sync import identity
    from hom_desktop.sync.api import SyncEngine
    from hom_desktop.sync.enrol import enrol

    settings = _settings(args)
    if settings.store_path.exists():
        store = _open(args)
        try:
            with store.reader() as session:
                identity.ensure_can_enrol(session)  # a demo store says so first
        finally:
            store.close()
        raise CliError(
            f"enrol works on an empty data folder: {settings.store_path} already holds a store "
            "(choose another --data-dir)"
        )
    with _new_store(args) as store:
        result = enrol(SyncEngine(store), url=args.url, code=args.code, name=args.name or "")
    where = f"site {result.site_code}" if result.site_code else "a manager's read-only store"
    out.write(f"enrolled {settings.store_path} as {where} (device {result.device_id})\n")
    out.write(f"note: {result.credential_note}\n")
    out.write(result.report.summary() + "\n")
    return 0 if result.report.ok else EXIT_FAILED


def cmd_sync(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from hom_desktop.sync.api import SyncEngine, SyncOptions, read_status

    store = _open(args)
    try:
        if args.status:
            with store.reader() as session:
                status = read_status(session)
            _print_sync_status(status, out)
            return 0
        options = SyncOptions(timeout_s=args.timeout, batch_size=args.batch_size)
        if args.interval is not None:
            options = SyncOptions(
                timeout_s=args.timeout, batch_size=args.batch_size, watch_interval_s=args.interval
            )
        engine = SyncEngine(store, options=options)
        if args.watch:

            def show(report) -> None:
                out.write(f"{report.finished_at:%Y-%m-%d %H:%M:%S} UTC {report.summary()}\n")
                out.flush()

            try:
                engine.watch(stop=lambda: False, on_report=show)
            except KeyboardInterrupt:
                out.write("stopped\n")
            return 0
        report = engine.run_once()
    finally:
        store.close()
    for conflict in report.conflicts[:20]:
        out.write(f"not applied: {text.for_terminal(conflict)}\n")
    for notice in report.notices[:20]:
        out.write(f"review: {text.for_terminal(notice)}\n")
    if report.error:
        print(f"error: {text.for_terminal(report.summary())}", file=sys.stderr)
        return EXIT_FAILED
    out.write(report.summary() + "\n")
    if report.check is not None and not report.check.ok:
        print(f"error: sanity check: {report.check.summary()}", file=sys.stderr)
        return EXIT_FAILED
    return 0


def _print_sync_status(status, out: TextIO) -> None:
    def when(at) -> str:
        return f"{at:%Y-%m-%d %H:%M:%S} UTC" if at else "never"

    online = {None: "not tried yet", True: "online", False: "offline"}[status.online]
    rows = [
        ("server", status.server_url or "(not enrolled)"),
        ("state", online + (", syncing now" if status.running else "")),
        ("pending", status.pending),
        ("rejected", status.rejected),
        ("last success", when(status.last_success_at)),
        ("last attempt", when(status.last_attempt_at)),
        ("last error", status.last_error or "none"),
        ("last check", status.check_summary or "none yet"),
        ("credential", status.credential_backend or "none"),
    ]
    for label, value in rows:
        out.write(f"{label:<13} {text.for_terminal(str(value))}\n")


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS,
        help="folder of the store (default: HOM_DATA_DIR or the platform's user data folder)",
    )
    common.add_argument(
        "--user", default=argparse.SUPPRESS, help="acting user for commands that write (HOM_USER)"
    )
    common.add_argument(
        "--password-stdin",
        action="store_true",
        default=argparse.SUPPRESS,
        help="read passwords from standard input, one per line, instead of prompting",
    )
    parser = _Parser(
        prog="hom-desktop",
        description="HOM Desktop: offline-first distribution management. "
        "Without a command, opens the desktop application.",
        parents=[common],
    )
    parser.add_argument(
        "--version",
        action="store_true",
        help="show the version, the store's schema revision and the data folder, and exit",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="check this installation offscreen: create a store (in a new temporary folder "
        "unless --data-dir is given), load the demo data, verify it, and exit",
    )
    parser.add_argument(
        "--smoke-days", type=int, default=7, help="days of demo history --smoke loads (default 7)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, handler: Callable, help_text: str, parent=sub) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_text, description=help_text, parents=[common])
        p.set_defaults(handler=handler)
        return p

    p = add("init", cmd_init, "create the store for a site, with its first admin")
    p.add_argument("--site", default="DEP01", help="code of the site this store writes for")
    p.add_argument("--site-name", default="", help="the site's name")
    p.add_argument("--site-kind", default="depot", choices=SITE_KINDS)
    p.add_argument("--manager", action="store_true", help="a read-only manager's store (no site)")
    p.add_argument("--currency", default="INR", help="ISO 4217 code (default INR)")
    p.add_argument("--admin", default="admin", help="username of the first admin")
    p.add_argument("--admin-name", default="Administrator", help="full name of the first admin")

    p = add("demo", cmd_demo, "load the deterministic demo data set into a new store")
    p.add_argument(
        "--scale", type=_whole_number, default=1, help="multiply the data set (for benchmarks)"
    )
    p.add_argument("--currency", default="INR", help="ISO 4217 code for prices (default INR)")
    p.add_argument(
        "--seed", type=_whole_number, default=20261127, help="random seed (same seed, same data)"
    )
    p.add_argument(
        "--days", type=_whole_number, default=90, help="days of history to replay (default 90)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress output")

    add("verify", cmd_verify, "prove every stock balance equals the sum of its ledger entries")

    p = add(
        "backup",
        cmd_backup,
        "take an online backup (into the rolling set, or --to FILE); "
        "the acting --user needs store.backup",
    )
    p.add_argument("--to", help="write the backup to this file instead")

    p = add("restore", cmd_restore, "replace the store with a backup (the current one is kept)")
    p.add_argument("backup", help="the backup file")
    p.add_argument("--yes", action="store_true", help="confirm replacing the store")

    p = add("trace", cmd_trace, "trace a batch from production through every order (recall)")
    p.add_argument("batch", help="batch code")
    p.add_argument("--sku", help="product SKU, when the batch code is used by several products")

    p = add("user", None, "manage users")  # type: ignore[arg-type]
    user_sub = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    u = add("add", cmd_user_add, "add a user (the acting --user needs users.manage)", user_sub)
    u.add_argument("username")
    u.add_argument("--role", action="append", required=True, help="role name; repeat for more")
    u.add_argument("--full-name", default="")
    u.add_argument("--site", help="code of the site the user is scoped to")
    add("list", cmd_user_list, "list users", user_sub)

    kinds = ["products", "geography", "parties"]
    p = add("import", cmd_import, "import master data from CSV (all rows or none)")
    p.add_argument("kind", choices=kinds)
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    p.add_argument(
        "--encoding",
        help="the file's encoding when it is not UTF-8, e.g. cp1252 (default: UTF-8, with or "
        "without BOM, or UTF-16 with a BOM)",
    )

    p = add("export", cmd_export, "export master data to CSV")
    p.add_argument("kind", choices=kinds)
    p.add_argument("--output", "-o", help="file to write (default: standard output)")

    p = add(
        "order", None, "enter and progress orders (the acting --user needs the level's permission)"
    )  # type: ignore[arg-type]
    order_sub = p.add_subparsers(dest="order_command", metavar="ACTION", required=True)
    o = add("create", cmd_order_create, "create a draft order", order_sub)
    o.add_argument("level", choices=ORDER_LEVELS)
    o.add_argument(
        "--party",
        required=True,
        help="the distributor (primary) or the retailer (secondary, tertiary), by code",
    )
    o.add_argument(
        "--line",
        action="append",
        required=True,
        type=_sku_quantity,
        metavar="SKU=QTY",
        help="a line of QTY units (SKU@BATCH=QTY fixes the batch); repeat for more",
    )
    o.add_argument(
        "--from",
        dest="from_location",
        help="location code to sell from (primary: default this site's main store)",
    )
    o.add_argument("--date", type=_iso_date, help="order date, YYYY-MM-DD (default today)")
    o.add_argument("--notes", default="")
    o.add_argument("--consumer", default="", help="tertiary: the consumer's name")
    o.add_argument("--phone", default="", help="tertiary: the consumer's phone")
    for name, handler, help_text in (
        ("confirm", cmd_order_confirm, "confirm a draft order"),
        ("dispatch", cmd_order_dispatch, "dispatch a confirmed order (first expiry first)"),
        (
            "receive",
            cmd_order_receive,
            "receive a dispatched order: a primary order through the buyer's goods receipt, "
            "others marked delivered",
        ),
        ("cancel", cmd_order_cancel, "cancel a draft or confirmed order"),
    ):
        o = add(name, handler, help_text, order_sub)
        o.add_argument("number", help="order number, e.g. DEP01-P-2026-000001")
        o.add_argument("--on", type=_iso_date, help="the business date, YYYY-MM-DD (default today)")
        if name == "receive":
            o.add_argument(
                "--received",
                action="append",
                default=[],
                type=_sku_quantity,
                metavar="SKU=QTY",
                help="primary: units of SKU (or SKU@BATCH) that arrived; default all dispatched",
            )
            o.add_argument(
                "--damaged",
                action="append",
                default=[],
                type=_sku_quantity,
                metavar="SKU=QTY",
                help="primary: units of SKU (or SKU@BATCH) that arrived damaged",
            )
        if name in ("receive", "cancel"):
            o.add_argument(
                "--reason",
                required=name == "cancel",
                default="",
                help="why (a cancel needs one; so does receiving less than was dispatched)",
            )
    o = add("list", cmd_order_list, "list orders of one level", order_sub)
    o.add_argument("--level", choices=ORDER_LEVELS, default="primary")
    o.add_argument("--status", choices=ORDER_STATUSES)
    o.add_argument("--party", help="party code (any party of the order)")
    o.add_argument("--since", type=_iso_date, help="from order date YYYY-MM-DD")
    o.add_argument("--until", type=_iso_date, help="to order date YYYY-MM-DD")
    o.add_argument("--search", help="words of the number or the party's code or name")
    o.add_argument("--limit", type=_whole_number, default=50, help="rows to show (default 50)")

    add("inspect", cmd_inspect, "list the store's tables and row counts")

    p = add("enrol", cmd_enrol, "create this store from a server with an enrolment code")
    p.add_argument("url", help="the server's address, e.g. https://hom.example.com")
    p.add_argument("code", help="the one-time enrolment code from the head office")
    p.add_argument("--name", help="this installation's name (default: the computer's name)")

    p = add("sync", cmd_sync, "push this store's changes to its server and pull what is new")
    p.add_argument("--watch", action="store_true", help="keep syncing until interrupted")
    p.add_argument("--status", action="store_true", help="show where sync stands, and exit")
    p.add_argument(
        "--interval", type=_whole_number, default=None, help="--watch: seconds between syncs"
    )
    p.add_argument(
        "--timeout", type=_whole_number, default=30, help="seconds per request (default 30)"
    )
    p.add_argument(
        "--batch-size",
        type=_whole_number,
        default=500,
        help="change-log items per push (default 500, at most 1000)",
    )
    return parser


def main(
    argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, out: TextIO | None = None
) -> int:
    out = out or sys.stdout
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a bad flag (already said in one line)
        return exc.code if isinstance(exc.code, int) else EXIT_REFUSED
    args.data_dir = getattr(args, "data_dir", None) or os.environ.get("HOM_DATA_DIR")
    args.user = getattr(args, "user", None) or os.environ.get("HOM_USER")
    secrets = Secrets(getattr(args, "password_stdin", False), stdin)
    handler = getattr(args, "handler", None)
    if args.version:
        from hom_desktop.about import version_text

        out.write(version_text(_settings(args)))
        return 0
    if args.smoke:
        handler = cmd_smoke
        args.smoke_temporary = not args.data_dir
        args.data_dir = args.data_dir or tempfile.mkdtemp(prefix="hom-smoke-")
    if handler is None:  # the GUI: its window paints first, the store opens behind it
        try:
            return cmd_gui(args, secrets, out)
        except CliError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_REFUSED
    settings = _settings(args)
    try:
        logs.configure(settings.data_dir)
    except OSError as exc:
        print(
            f"error: cannot use the data folder {settings.data_dir}: {exc.strerror}",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    try:
        return handler(args, secrets, out)
    except (DomainError, CliError) as exc:
        log.info("command %s refused: %s", getattr(args, "command", "gui"), exc, exc_info=True)
        print(f"error: {text.for_terminal(str(exc))}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:
        log.exception("command %s failed", getattr(args, "command", "gui"))
        log_path = settings.data_dir / "logs" / "hom.log"
        print(
            f"error: unexpected {type(exc).__name__}: {text.for_terminal(str(exc))} "
            f"(details in {log_path})",
            file=sys.stderr,
        )
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
