"""The ``hom-server`` command: ``serve``, ``migrate``, ``create-admin``, ``enrol-code``, ``revoke``.

Settings come from ``HOM_SERVER_*`` variables (and ``.env``); ``--database-url`` and ``--data-dir``
override them for this run (and for the worker processes ``serve`` starts). A refusal prints one
line and exits 2; an unexpected failure prints one line and exits 1.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from typing import TextIO, TypeVar

from pydantic import ValidationError
from sqlalchemy.orm import Session

from hom.core.errors import DomainError
from hom.services.context import ActorContext
from hom_server.core.config import ServerSettings, load_settings
from hom_server.core.database import ServerDatabase, migrate, open_database

T = TypeVar("T")
EXIT_REFUSED = 2
EXIT_FAILED = 1
log = logging.getLogger("hom.server")


class CliError(Exception):
    pass


def _database(settings: ServerSettings, *, migrated: bool = True) -> ServerDatabase:
    db = open_database(settings)
    if migrated:
        migrate(db)
    return db


def _as_server(settings: ServerSettings, action: Callable[[Session, ActorContext], T]) -> T:
    """Run ``action`` in one transaction of the migrated database, as the server itself."""
    from hom.services import sites

    db = _database(settings)
    try:
        with db.reader() as session:
            ctx = sites.system_context(session)
        with db.transaction() as session:
            return action(session, ctx)
    finally:
        db.close()


def cmd_migrate(args, settings: ServerSettings, out: TextIO) -> int:
    db = _database(settings)
    db.close()
    print(f"database migrated: {settings.url.render_as_string(hide_password=True)}", file=out)
    return 0


def cmd_serve(args, settings: ServerSettings, out: TextIO) -> int:
    import uvicorn

    _database(settings).close()  # migrate once here, not once per worker
    print(
        f"HOM server on http://{args.host or settings.host}:{args.port or settings.port} "
        f"({settings.environment}, {settings.url.get_backend_name()}, "
        f"{args.workers} worker{'s' if args.workers != 1 else ''}); API docs at /docs",
        file=out,
        flush=True,
    )
    uvicorn.run(
        "hom_server.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port if args.port is not None else settings.port,
        workers=args.workers,
        log_level=args.log_level,
        server_header=False,
    )
    return 0


def _read_password(args, prompt: str, stdin: TextIO) -> str:
    if args.password_stdin:
        line = stdin.readline()
        if not line:
            raise CliError("expected the password on one line of standard input")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CliError("no terminal to ask for the password on; use --password-stdin")
    first = getpass.getpass(prompt)
    if getpass.getpass("Repeat: ") != first:
        raise CliError("the two passwords differ")
    return first


def cmd_create_admin(args, settings: ServerSettings, out: TextIO, stdin: TextIO) -> int:
    from hom.services import users

    password = _read_password(args, f"Password for {args.username}: ", stdin)
    name = _as_server(
        settings,
        lambda session, ctx: (
            users.create_user(
                session,
                ctx=ctx,
                user_in={
                    "username": args.username,
                    "password": password,
                    "full_name": args.full_name or "Administrator",
                    "roles": ["admin"],
                },
            ).username
        ),
    )
    print(f"created administrator {name}", file=out)
    return 0


def cmd_enrol_code(args, settings: ServerSettings, out: TextIO) -> int:
    from hom_server.services import devices

    def issue(session: Session, ctx: ActorContext):
        issued = devices.create_code(
            session,
            ctx=ctx,
            site_code=None if args.geo else args.site,
            geo_code=args.site if args.geo else None,
            hours=args.hours or settings.enrolment_code_hours,
        )
        return issued.code, issued.record.expires_at, issued.record.label

    code, expires, label = _as_server(settings, issue)
    print(f"{code}  (for {label}; one use, expires {expires:%Y-%m-%d %H:%M} UTC)", file=out)
    return 0


def cmd_revoke(args, settings: ServerSettings, out: TextIO) -> int:
    from hom_server.services import devices

    try:
        device_id = uuid.UUID(args.device)
    except ValueError:
        raise CliError(
            f"DEVICE must be a device or installation id (a UUID), not {args.device!r}"
        ) from None

    def revoke(session: Session, ctx: ActorContext):
        device = devices.revoke(session, ctx=ctx, device_id=device_id)
        return device.name, device.id

    name, did = _as_server(settings, revoke)
    print(f"revoked {name} ({did})", file=out)
    return 0


def cmd_demo(args, settings: ServerSettings, out: TextIO) -> int:
    from hom_server import demo

    db = open_database(settings)
    try:
        print("loading the demo company (a couple of minutes)...", file=out, flush=True)
        result = demo.load(db, days=args.days, hours=args.hours or settings.enrolment_code_hours)
    finally:
        db.close()
    print(result.summary, file=out)
    print("enrolment codes (one use each):", file=out)
    for what, code in result.codes:
        print(f"  {code}  {what}", file=out)
    print("start the server with: hom-server serve", file=out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hom-server", description="HOM central sync server")
    parser.add_argument("--database-url", help="overrides HOM_SERVER_DATABASE_URL")
    parser.add_argument("--data-dir", help="overrides HOM_SERVER_DATA_DIR (the SQLite default)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the HTTP server (migrates first)")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("migrate", help="create or upgrade the database (both chains)")
    p.set_defaults(handler=cmd_migrate)

    p = sub.add_parser("create-admin", help="create an administrator")
    p.add_argument("username")
    p.add_argument("--full-name", default="")
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(handler=cmd_create_admin, wants_stdin=True)

    p = sub.add_parser("enrol-code", help="a one-time enrolment code for a site's installation")
    p.add_argument("site", metavar="SITE", help="site code (or geography code with --geo)")
    p.add_argument("--geo", action="store_true", help="SITE is a manager's geography node code")
    p.add_argument("--hours", type=int, default=None, help="valid for (default 72)")
    p.set_defaults(handler=cmd_enrol_code)

    p = sub.add_parser("demo", help="load the demo company and print enrolment codes")
    p.add_argument("--days", type=int, default=90, help="days of history (default 90)")
    p.add_argument("--hours", type=int, default=None, help="codes valid for (default 72)")
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("revoke", help="revoke an enrolled installation's credential")
    p.add_argument("device", metavar="DEVICE", help="device id or installation id")
    p.set_defaults(handler=cmd_revoke)
    return parser


def main(
    argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, out: TextIO | None = None
) -> int:
    out = out or sys.stdout
    stdin = stdin or sys.stdin
    args = build_parser().parse_args(argv)
    # Flags become the environment, so uvicorn's worker processes read the same settings.
    if args.database_url:
        os.environ["HOM_SERVER_DATABASE_URL"] = args.database_url
    if args.data_dir:
        os.environ["HOM_SERVER_DATA_DIR"] = args.data_dir
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = load_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        print(f"error: settings: {field + ': ' if field else ''}{first['msg']}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        if getattr(args, "wants_stdin", False):
            return args.handler(args, settings, out, stdin)
        return args.handler(args, settings, out)
    except (DomainError, CliError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return EXIT_FAILED
    except Exception as exc:
        log.debug("command failed", exc_info=True)
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
