"""The catalogue of bad inputs (issue 12): what a careless or hostile user gives the CLI.

Each case runs ``hom-desktop`` on a copy of one small store and checks four things:

- the exit code (2 for every foreseeable bad input, 0 for the valid neighbours of a refusal);
- the message: one line on standard error, starting ``error:``, matching what the case expects
  (what was wrong and what to do), with no control character echoed raw;
- that no traceback or SQLAlchemy text ("Background on this error") reaches the terminal;
- a fingerprint of every table before and after: nothing changed unless the case is valid.
  Sign-in bookkeeping (failed attempts, lockout, last sign-in) is not data and is left out.

Most cases run the CLI in-process (``cli.main`` with captured output) so the catalogue stays
fast; the cases about other processes (a held write lock, a store open elsewhere, two imports at
once) start real processes. The classes are those of the issue: data loss, encodings, control
characters, quoted line breaks, number formats, formula injection, damaged stores, busy stores,
output paths, endless input, currency codes, account probing, and flags.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from hom.core import backup, security
from hom.core import lock as store_lock
from hom.core.config import load_settings
from hom.core.store import open_store
from hom_desktop import cli
from tests.utils.builders import product_cells

PW = "admin-secret-1"
SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "sample_data"
# Sign-in bookkeeping: what a sign-in records about itself (issue 6 moves it to a local table).
SIGN_IN_COLUMNS = frozenset({"failed_logins", "locked_until", "last_login_at"})
SIGN_IN_TABLES = ("sign_in", "login")
PRODUCT_HEADER = (
    "sku,name,category,brand,unit,pack_size,mrp,distributor_price,retailer_price,"
    "active,track_batches,shelf_life_days,reorder_level"
)
GEO_HEADER = "level,code,name,parent_code"
PARTY_HEADER = "kind,code,name,territory_code,distributor_code,phone,address,active"


# --- the store every case starts from ---------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def quick_hashes():
    """argon2 with small parameters for this module: the catalogue signs in ~100 times, and the
    cost of a hash is not what it tests (real processes started here keep the real cost)."""
    real = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    security._hasher = real


@pytest.fixture(scope="module")
def template(tmp_path_factory, quick_hashes) -> Path:
    """An initialised store for DEP01 with the sample geography, parties and products."""
    folder = tmp_path_factory.mktemp("template")
    stdin = io.StringIO(f"{PW}\n")
    assert cli.main(["--data-dir", str(folder), "init", "--password-stdin"], stdin=stdin) == 0
    for kind in ("geography", "parties", "products"):
        code = cli.main(
            [
                "--data-dir",
                str(folder),
                "--user",
                "admin",
                "--password-stdin",
                "import",
                kind,
                str(SAMPLES / f"{kind}.csv"),
            ],
            stdin=io.StringIO(f"{PW}\n"),
            out=io.StringIO(),
        )
        assert code == 0
    return folder / "hom.sqlite3"


def fingerprint(data: Path) -> dict[str, str]:
    """A hash of every table's rows (sign-in bookkeeping left out); of the bytes if the file
    is not a database SQLite can read."""
    store = data / "hom.sqlite3"
    if not store.exists():
        return {"<no store>": ""}
    if not store.is_file():
        return {"<not a file>": ""}
    try:
        conn = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)
        try:
            result = {}
            names = [
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            for name in sorted(names):
                if any(word in name for word in SIGN_IN_TABLES):
                    continue
                ignored = SIGN_IN_COLUMNS | ({"updated_at"} if name == "users" else set())
                cursor = conn.execute(f'SELECT * FROM "{name}"')
                keep = [i for i, d in enumerate(cursor.description) if d[0] not in ignored]
                rows = sorted(repr([row[i] for i in keep]) for row in cursor)
                result[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            return result
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return {"<bytes>": hashlib.sha256(store.read_bytes()).hexdigest()}


# --- cases ------------------------------------------------------------------------------------


@dataclass
class Ctx:
    data: Path
    files: Path
    template: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    @property
    def store(self) -> Path:
        return self.data / "hom.sqlite3"

    def write(self, name: str, content: bytes | str) -> Path:
        path = self.files / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # the issue's class
    argv: tuple[str, ...]
    message: str = ""  # a regular expression the one error line must match
    code: int = 2
    stdin: str = f"{PW}\n"
    files: dict[str, bytes | str] = field(default_factory=dict)  # written to {files}
    prepare: Callable[[Ctx], None] | None = None
    check: Callable[[Ctx, str], None] | None = None  # extra checks (given stdout)
    env: dict[str, str] = field(default_factory=dict)
    store: bool = True  # start from the template store (False: an empty data folder)


def admin(*argv: str) -> tuple[str, ...]:
    return ("--user", "admin", "--password-stdin", *argv)


def product_csv(*rows: str, header: str = PRODUCT_HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def product(sku: str = "NEW-1", name: str = "New soap 100 g", **cells: str) -> str:
    values = product_cells(sku, name=name, **cells)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values.values())
    return out.getvalue()[:-1]


def geo_csv(*rows: str) -> str:
    return "\n".join([GEO_HEADER, *rows]) + "\n"


def party_csv(*rows: str) -> str:
    return "\n".join([PARTY_HEADER, *rows]) + "\n"


def party(code: str = "RET-NEW-1", name: str = "Sharma Stores", **cells: str) -> str:
    values = {
        "kind": "retailer",
        "code": code,
        "name": name,
        "territory_code": "TR-LKO-01",
        "distributor_code": "DIST-LKO-01",
        "phone": "+91 522 4000000",
        "address": "1 Aminabad, Lucknow",
        "active": "true",
    }
    values.update(cells)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values.values())
    return out.getvalue()[:-1]


def import_(kind: str, name: str = "in.csv", *extra: str) -> tuple[str, ...]:
    return admin("import", kind, f"{{files}}/{name}", *extra)


def stored(ctx: Ctx, sql: str) -> list[tuple]:
    conn = sqlite3.connect(ctx.store)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# Preparations ---------------------------------------------------------------------------------


def damage(content: bytes | Callable[[bytes], bytes]) -> Callable[[Ctx], None]:
    def prepare(ctx: Ctx) -> None:
        old = ctx.store.read_bytes()
        ctx.store.write_bytes(content(old) if callable(content) else content)

    return prepare


def newer_schema(path: Path) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()


def newer_store(ctx: Ctx) -> None:
    newer_schema(ctx.store)


def newer_backup(ctx: Ctx) -> None:
    shutil.copyfile(ctx.template, ctx.files / "newer.sqlite3")
    newer_schema(ctx.files / "newer.sqlite3")


def a_backup_in_the_set(ctx: Ctx) -> None:
    backup.rolling_backup(ctx.store, ctx.data / "backups", keep=7)
    made = backup.list_backups(ctx.data / "backups")[0]
    (ctx.files / "backup-name").write_text(str(made))


def symlink_to_store(ctx: Ctx) -> None:
    (ctx.files / "link.csv").symlink_to(ctx.store)


def hardlink_to_store(ctx: Ctx) -> None:
    os.link(ctx.store, ctx.files / "hard.csv")


def a_regular_file(ctx: Ctx) -> None:
    (ctx.files / "plain").write_text("not a folder")


def a_folder(ctx: Ctx) -> None:
    (ctx.files / "folder").mkdir()


def other_sqlite(ctx: Ctx) -> None:
    conn = sqlite3.connect(ctx.files / "other.sqlite3")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.commit()
    conn.close()


def truncated_backup(ctx: Ctx) -> None:
    data = ctx.template.read_bytes()
    (ctx.files / "cut.sqlite3").write_bytes(data[: len(data) // 3])


def corrupt_pages(data: bytes) -> bytes:
    """The header kept, every page after the first few overwritten."""
    keep = 4096 * 4
    return data[:keep] + b"\xa5" * (len(data) - keep)


def restoring_elsewhere(ctx: Ctx) -> None:
    held = store_lock.hold(ctx.store, restore=True)
    ctx.cleanups.append(held.release)


def dangerous_names(ctx: Ctx) -> None:
    """Products whose names a spreadsheet would run, imported as the application allows."""
    rows = [
        product("F-EQ", '=HYPERLINK("http://evil.example","Click")'),
        product("F-PLUS", "+cmd|' /C calc'!A0"),
        product("F-MINUS", "-1+1"),
        product("F-AT", "@SUM(1+1)*cmd|' /C calc'!A0"),
        product("F-QUOTE", "''=already quoted"),  # stored as '=already quoted
    ]
    path = ctx.write("dangerous.csv", product_csv(*rows))
    code = cli.main(
        ["--data-dir", str(ctx.data), *admin("import", "products", str(path))],
        stdin=io.StringIO(f"{PW}\n"),
        out=io.StringIO(),
    )
    assert code == 0


def formula_cells_are_protected(ctx: Ctx, _out: str) -> None:
    exported = (ctx.files / "out.csv").read_text(encoding="utf-8")
    names = {row["sku"]: row["name"] for row in csv.DictReader(io.StringIO(exported))}
    assert names["F-EQ"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert names["F-PLUS"].startswith("'+")
    assert names["F-MINUS"] == "'-1+1"
    assert names["F-AT"].startswith("'@")
    assert names["F-QUOTE"] == "''=already quoted"
    for row in csv.reader(io.StringIO(exported)):
        assert not any(cell[:1] in "=+-@\t\r" and cell for cell in row)
    # The application's own round trip is exact: importing the export changes nothing.
    before = fingerprint(ctx.data)
    out = io.StringIO()
    code = cli.main(
        ["--data-dir", str(ctx.data), *admin("import", "products", str(ctx.files / "out.csv"))],
        stdin=io.StringIO(f"{PW}\n"),
        out=out,
    )
    assert code == 0 and " 0 created, 0 updated" in out.getvalue()
    assert fingerprint(ctx.data) == before
    assert stored(ctx, "SELECT name FROM products WHERE sku = 'F-QUOTE'") == [("'=already quoted",)]


def phones_round_trip(ctx: Ctx, _out: str) -> None:
    exported = (ctx.files / "out.csv").read_text(encoding="utf-8")
    phones = [row["phone"] for row in csv.DictReader(io.StringIO(exported))]
    assert phones and all(p.startswith("'+91") for p in phones if p)
    before = fingerprint(ctx.data)
    code = cli.main(
        ["--data-dir", str(ctx.data), *admin("import", "parties", str(ctx.files / "out.csv"))],
        stdin=io.StringIO(f"{PW}\n"),
        out=io.StringIO(),
    )
    assert code == 0 and fingerprint(ctx.data) == before


def name_stored(sku: str, expected: str) -> Callable[[Ctx, str], None]:
    def check(ctx: Ctx, _out: str) -> None:
        assert stored(ctx, f"SELECT name FROM products WHERE sku = '{sku}'") == [(expected,)]

    return check


def address_stored(code: str, expected: str) -> Callable[[Ctx, str], None]:
    def check(ctx: Ctx, _out: str) -> None:
        assert stored(ctx, f"SELECT address FROM parties WHERE code = '{code}'") == [(expected,)]

    return check


def assert_file_starts(path: Path, start: str) -> None:
    assert path.read_text(encoding="utf-8").startswith(start)


def assert_stored(ctx: Ctx, sql: str, expected: list[tuple]) -> None:
    assert stored(ctx, sql) == expected


def no_store_left(ctx: Ctx, _out: str) -> None:
    assert not ctx.store.exists()
    assert not any(p.name.startswith("hom.sqlite3") for p in ctx.data.iterdir())


def nothing_at(name: str) -> Callable[[Ctx, str], None]:
    def check(ctx: Ctx, _out: str) -> None:
        assert not (ctx.files / name).exists()
        assert not list(ctx.files.glob(f".{name}*.part"))

    return check


def live_source_with_wal(ctx: Ctx) -> None:
    """A store whose latest commit is still only in its ``-wal`` file, held open."""
    source = ctx.files / "live" / "hom.sqlite3"
    source.parent.mkdir()
    shutil.copyfile(ctx.template, source)
    conn = sqlite3.connect(source, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("UPDATE products SET name = 'Only in the WAL' WHERE sku = 'SOAP-NEEM-100'")
    assert Path(f"{source}-wal").stat().st_size > 0
    ctx.cleanups.append(conn.close)


def wal_content_restored(ctx: Ctx, _out: str) -> None:
    assert stored(ctx, "SELECT name FROM products WHERE sku = 'SOAP-NEEM-100'") == [
        ("Only in the WAL",)
    ]


NFD_GUJARAT = unicodedata.normalize("NFD", "Gujarāt")
NFC_GUJARAT = unicodedata.normalize("NFC", "Gujarāt")
HINDI_ZWJ = "क्\u200dष भंडार"  # a zero-width joiner after a virama: a real Devanagari form
CP1252_ROW = product("CP-1", "Café crème 100 g")


def _bad(label: str, name: str) -> Case:
    return Case(
        f"name-with-{label}",
        "control characters",
        import_("products"),
        r"line 2: name: contains .*U\+[0-9A-F]{4}.*remove it",
        files={"in.csv": product_csv(product(name=name))},
    )


CONTROL_CHARS = [
    ("terminal-escape", "Soap\x1b[31m red"),
    ("rtl-override", "Soap \u202eevil"),
    ("ltr-override", "Soap \u202dlr"),
    ("ltr-isolate", "Soap \u2066iso"),
    ("rtl-isolate", "Soap \u2067iso"),
    ("zero-width-space", "Soap \u200bzw"),
    ("word-joiner", "Soap \u2060wj"),
    ("bom-inside", "Soap \ufeffbom"),
    ("soft-hyphen", "Soap \u00adsh"),
    ("bell", "Soap\x07bell"),
    ("backspace", "Soap\x08back"),
    ("delete", "Soap\x7fdel"),
    ("c1-next-line", "Soap\x85nel"),
    ("c1-csi", "Soap\x9bcsi"),
    ("tab", "Soap\ttab"),
    ("ltr-mark", "Soap \u200ezw"),
    ("zwnj-not-after-virama", "Soap \u200czw"),
]


CASES: list[Case] = [
    # --- data loss: nothing writes over the store, its sidecars or a backup ---------------------
    Case(
        "export-onto-store",
        "data loss",
        admin("export", "products", "-o", "{store}"),
        r"hom\.sqlite3 is the store; writing there would destroy it: choose another file",
    ),
    Case(
        "export-onto-wal",
        "data loss",
        admin("export", "products", "-o", "{store}-wal"),
        r"is the store's hom\.sqlite3-wal file",
    ),
    Case(
        "export-onto-shm",
        "data loss",
        admin("export", "products", "-o", "{store}-shm"),
        r"is the store's hom\.sqlite3-shm file",
    ),
    Case(
        "export-onto-journal",
        "data loss",
        admin("export", "products", "-o", "{store}-journal"),
        r"hom\.sqlite3-journal file",
    ),
    Case(
        "export-onto-lock",
        "data loss",
        admin("export", "products", "-o", "{store}.lock"),
        r"hom\.sqlite3\.lock file",
    ),
    Case(
        "export-onto-symlink-to-store",
        "data loss",
        admin("export", "products", "-o", "{files}/link.csv"),
        r"is the store;",
        prepare=symlink_to_store,
    ),
    Case(
        "export-onto-hardlink-to-store",
        "data loss",
        admin("export", "products", "-o", "{files}/hard.csv"),
        r"is the store;",
        prepare=hardlink_to_store,
    ),
    Case(
        "export-onto-a-backup",
        "data loss",
        admin("export", "products", "-o", "@backup"),
        r"is a backup of the store",
        prepare=a_backup_in_the_set,
    ),
    Case(
        "export-onto-store-relative",
        "data loss",
        admin("export", "geography", "-o", "{data}/./hom.sqlite3"),
        r"is the store;",
    ),
    Case("backup-to-store", "data loss", admin("backup", "--to", "{store}"), r"is the store;"),
    Case(
        "backup-to-wal",
        "data loss",
        admin("backup", "--to", "{store}-wal"),
        r"hom\.sqlite3-wal file",
    ),
    Case(
        "backup-to-symlink-to-store",
        "data loss",
        admin("backup", "--to", "{files}/link.csv"),
        r"is the store;",
        prepare=symlink_to_store,
    ),
    Case(
        "backup-to-a-backup",
        "data loss",
        admin("backup", "--to", "@backup"),
        r"is a backup of the store",
        prepare=a_backup_in_the_set,
    ),
    Case(
        "restore-from-store",
        "data loss",
        admin("restore", "{store}", "--yes"),
        r"is the store: restore from a backup file",
    ),
    Case(
        "restore-from-wal",
        "data loss",
        admin("restore", "{store}-wal", "--yes"),
        r"hom\.sqlite3-wal file",
    ),
    Case(
        "restore-newer-schema",
        "data loss",
        admin("restore", "{files}/newer.sqlite3", "--yes"),
        r"newer\.sqlite3 was written by a newer version of HOM \(schema 9999\)",
        prepare=newer_backup,
    ),
    Case(
        "restore-csv-file",
        "data loss",
        admin("restore", "{files}/in.csv", "--yes"),
        r"in\.csv is not a readable SQLite database",
        files={"in.csv": product_csv(product())},
    ),
    Case(
        "restore-empty-file",
        "data loss",
        admin("restore", "{files}/empty.sqlite3", "--yes"),
        r"is not a HOM store",
        files={"empty.sqlite3": b""},
    ),
    Case(
        "restore-truncated",
        "data loss",
        admin("restore", "{files}/cut.sqlite3", "--yes"),
        r"cut\.sqlite3 (is not a readable SQLite database|fails SQLite's integrity check)",
        prepare=truncated_backup,
    ),
    Case(
        "restore-other-sqlite",
        "data loss",
        admin("restore", "{files}/other.sqlite3", "--yes"),
        r"is not a HOM store \(its tables are missing\)",
        prepare=other_sqlite,
    ),
    Case(
        "restore-missing-file",
        "data loss",
        admin("restore", "{files}/nope.sqlite3", "--yes"),
        r"backup file not found",
    ),
    Case(
        "restore-a-folder",
        "data loss",
        admin("restore", "{files}/folder", "--yes"),
        r"is a folder: give the backup file inside it",
        prepare=a_folder,
    ),
    Case(
        "restore-without-yes",
        "data loss",
        admin("restore", "{files}/x.sqlite3"),
        r"add --yes to confirm",
    ),
    Case(
        "restore-wrong-password",
        "data loss",
        admin("restore", "{files}/x.sqlite3", "--yes"),
        r"wrong username or password",
        stdin="not-the-password\n",
    ),
    Case(
        "restore-while-restoring",
        "data loss",
        admin("restore", "{files}/x.sqlite3", "--yes"),
        r"the store is being restored by .*: wait until it has finished",
        prepare=restoring_elsewhere,
    ),
    Case(
        "restore-live-source-keeps-wal-commits",
        "data loss",
        admin("restore", "{files}/live/hom.sqlite3", "--yes"),
        code=0,
        prepare=live_source_with_wal,
        check=wal_content_restored,
    ),
    # --- encodings --------------------------------------------------------------------------
    Case(
        "utf8-with-one-cp1252-byte",
        "encoding",
        import_("products"),
        r"line 3, byte 12: the byte 0x96 is not valid UTF-8; save it as 'CSV UTF-8', or choose "
        r"its encoding \(hom-desktop import --encoding cp1252\)",
        files={
            "in.csv": product_csv(product("OK-1", "साबुन नीम")).encode()
            + b"BAD-1,Soap \x96 dash,x,y,pcs,1,1.00,1.00,1.00,,,,\n"
        },
    ),
    Case(
        "cp1252-file-without-encoding",
        "encoding",
        import_("products"),
        r"line 2, byte 9: the byte 0xE9 is not valid UTF-8",
        files={"in.csv": product_csv(CP1252_ROW).encode("cp1252")},
    ),
    Case(
        "cp1252-file-named",
        "encoding",
        import_("products", "in.csv", "--encoding", "cp1252"),
        code=0,
        files={"in.csv": product_csv(CP1252_ROW).encode("cp1252")},
        check=name_stored("CP-1", "Café crème 100 g"),
    ),
    Case(
        "cp1252-undefined-byte",
        "encoding",
        import_("products", "in.csv", "--encoding", "cp1252"),
        r"line 2, byte 11: the byte 0x81 is not valid cp1252; check the encoding named",
        files={"in.csv": PRODUCT_HEADER.encode() + b"\nCP-2,Soap \x81,x,y,pcs,1,1,1,1,,,,\n"},
    ),
    Case(
        "unknown-encoding",
        "encoding",
        import_("products", "in.csv", "--encoding", "klingon"),
        r"unknown encoding 'klingon'",
        files={"in.csv": product_csv(product())},
    ),
    Case(
        "utf8-with-bom",
        "encoding",
        import_("products"),
        code=0,
        files={"in.csv": "\ufeff" + product_csv(product("BOM-1", "नीम साबुन"))},
        check=name_stored("BOM-1", "नीम साबुन"),
    ),
    Case(
        "utf16-with-bom",
        "encoding",
        import_("products"),
        code=0,
        files={"in.csv": product_csv(product("U16-1", "வேப்ப சோப்பு")).encode("utf-16")},
        check=name_stored("U16-1", "வேப்ப சோப்பு"),
    ),
    Case(
        "utf16-without-bom",
        "encoding",
        import_("products"),
        r"a NUL byte; this is not a CSV text file",
        files={"in.csv": product_csv(product()).encode("utf-16-le")},
    ),
    Case(
        "nul-byte",
        "encoding",
        import_("products"),
        r"line 2, byte 4: a NUL byte",
        files={"in.csv": product_csv(product("NUL\x00-1"))},
    ),
    Case(
        "xlsx-saved-as-csv",
        "encoding",
        import_("products"),
        r"line 1, byte 11: the byte 0x[0-9A-F]{2} is not valid UTF-8",
        files={"in.csv": b"PK\x03\x04\x14\x00\x06\x00\x08\x00\xf7\x8b\x00\x00docProps"},
    ),
    Case(
        "truncated-utf8-sequence",
        "encoding",
        import_("products"),
        r"line 2, .*is not valid UTF-8",
        files={"in.csv": product_csv(product("T-1", "नीम")).encode()[:-30] + b"\xe0\xa4"},
    ),
    Case(
        "literal-replacement-char",
        "encoding",
        import_("products"),
        r"name: contains U\+FFFD \(the mark of text read with the wrong encoding\)",
        files={"in.csv": product_csv(product(name="Soap \ufffd 100 g"))},
    ),
    Case(
        "latin1-named-with-c1-control",
        "encoding",
        import_("products", "in.csv", "--encoding", "latin-1"),
        r"name: contains .*U\+0085",
        files={"in.csv": PRODUCT_HEADER.encode() + b"\nL-1,Soap \x85,x,y,pcs,1,1,1,1,,,,\n"},
    ),
    Case(
        "devanagari-names-stored-as-typed",
        "encoding",
        import_("products"),
        code=0,
        files={"in.csv": product_csv(product("HI-1", "नीम साबुन १०० ग्राम"))},
        check=name_stored("HI-1", "नीम साबुन १०० ग्राम"),
    ),
    # --- control characters (CSV and flags) ---------------------------------------------------
    *[_bad(label, name) for label, name in CONTROL_CHARS],
    Case(
        "geography-name-with-escape",
        "control characters",
        import_("geography"),
        r"line 2: name: contains .*U\+001B",
        files={"in.csv": geo_csv("zone,ZN-X,East\x1b[2J,")},
    ),
    Case(
        "party-address-with-escape",
        "control characters",
        import_("parties"),
        r"line 2: address: contains .*U\+001B",
        files={"in.csv": party_csv(party(address="1 Road\x1b]0;pwned\x07"))},
    ),
    Case(
        "zwj-after-virama-is-allowed",
        "control characters",
        import_("products"),
        code=0,
        files={"in.csv": product_csv(product("ZWJ-1", HINDI_ZWJ))},
        check=name_stored("ZWJ-1", HINDI_ZWJ),
    ),
    Case(
        "nfd-name-is-stored-nfc",
        "control characters",
        import_("products"),
        code=0,
        files={"in.csv": product_csv(product("NFD-1", NFD_GUJARAT + " soap"))},
        check=name_stored("NFD-1", NFC_GUJARAT + " soap"),
    ),
    Case(
        "nfd-sibling-of-nfc-name",
        "control characters",
        import_("geography"),
        r"line 3: name: .*already has a node named 'Gujarāt'",
        files={"in.csv": geo_csv(f"zone,ZN-GJ1,{NFC_GUJARAT},", f"zone,ZN-GJ2,{NFD_GUJARAT},")},
    ),
    Case(
        "username-ending-in-newline",
        "control characters",
        admin("user", "add", "clerk\n", "--role", "depot clerk"),
        r"username: contains a line break",
        stdin=f"{PW}\nclerk-pass-1\nclerk-pass-1\n",
    ),
    Case(
        "username-with-escape",
        "control characters",
        admin("user", "add", "cl\x1b[2Jerk", "--role", "depot clerk"),
        r"username: contains .*U\+001B",
        stdin=f"{PW}\nclerk-pass-1\nclerk-pass-1\n",
    ),
    Case(
        "full-name-with-bidi-override",
        "control characters",
        admin("user", "add", "clerk2", "--role", "depot clerk", "--full-name", "Ram \u202eevil"),
        r"full_name: contains .*U\+202E",
        stdin=f"{PW}\nclerk-pass-1\nclerk-pass-1\n",
    ),
    Case(
        "password-with-nul",
        "control characters",
        admin("user", "add", "clerk3", "--role", "depot clerk"),
        r"password: contains .*U\+0000",
        stdin=f"{PW}\nclerk\x00pass-1\nclerk\x00pass-1\n",
    ),
    Case(
        "init-site-name-with-escape",
        "control characters",
        ("init", "--password-stdin", "--site-name", "Depot\x1b[31m"),
        r"name: contains .*U\+001B",
        store=False,
        stdin=f"{PW}\n{PW}\n",
        check=no_store_left,
    ),
    Case(
        "escape-in-a-flag-is-not-echoed",
        "control characters",
        ("import", "products\x1b[2J", "x.csv"),
        r"invalid choice: 'products\\x1b\[2J'",
    ),
    Case(
        "sign-in-name-with-escape",
        "control characters",
        ("--user", "ad\x1b[2Jmin", "--password-stdin", "export", "products"),
        r"wrong username or password",
    ),
    # --- quoted line breaks --------------------------------------------------------------------
    Case(
        "line-break-in-product-name",
        "line breaks",
        import_("products"),
        r"line 2: name: contains a line break \(only an address may hold one\)",
        files={"in.csv": product_csv(product(name="Soap\nwith a break"))},
    ),
    Case(
        "line-break-in-sku",
        "line breaks",
        import_("products"),
        r"line 2: sku:",
        files={"in.csv": product_csv(product(sku="NEW\n-1"))},
    ),
    Case(
        "line-break-in-geography-name",
        "line breaks",
        import_("geography"),
        r"line 2: name: contains a line break",
        files={"in.csv": geo_csv('zone,ZN-Y,"East\nWest",')},
    ),
    Case(
        "line-break-in-party-code",
        "line breaks",
        import_("parties"),
        r"line 2: code:",
        files={"in.csv": party_csv(party(code="RET\n-9"))},
    ),
    Case(
        "line-break-in-party-name",
        "line breaks",
        import_("parties"),
        r"line 2: name: contains a line break",
        files={"in.csv": party_csv(party(name="Sharma\nStores"))},
    ),
    Case(
        "trailing-line-break-in-name",
        "line breaks",
        import_("products"),
        r"line 2: name: contains a line break",
        files={"in.csv": product_csv(product(name="Soap\n"))},
    ),
    Case(
        "line-separator-in-name",
        "line breaks",
        import_("products"),
        r"line 2: name: contains a line break",
        files={"in.csv": product_csv(product(name="Soap\u2028bar"))},
    ),
    Case(
        "line-break-in-address-is-allowed",
        "line breaks",
        import_("parties"),
        code=0,
        files={"in.csv": party_csv(party(address="12 Hazratganj\nLucknow 226001"))},
        check=address_stored("RET-NEW-1", "12 Hazratganj\nLucknow 226001"),
    ),
    Case(
        "crlf-in-address-is-stored-as-lf",
        "line breaks",
        import_("parties"),
        code=0,
        files={"in.csv": party_csv(party(address="12 Hazratganj\r\nLucknow"))},
        check=address_stored("RET-NEW-1", "12 Hazratganj\nLucknow"),
    ),
    # --- number formats -----------------------------------------------------------------------
    *[
        Case(
            f"number-{column}-{label}",
            "numbers",
            import_("products"),
            rf"line 2: {column}: (must be a number written with the digits 0-9|use a point)",
            files={"in.csv": product_csv(product(**{column: value}))},
        )
        for column, label, value in [
            ("pack_size", "underscore", "4_5"),
            ("pack_size", "devanagari", "४५"),
            ("pack_size", "fullwidth", "７２"),
            ("pack_size", "exponent", "1e2"),
            ("pack_size", "plus", "+72"),
            ("mrp", "underscore", "4_5.00"),
            ("mrp", "devanagari", "४५.००"),
            ("mrp", "arabic-indic", "٤٥"),
            ("mrp", "decimal-comma", "45,50"),
            ("mrp", "exponent", "4.5e1"),
            ("mrp", "nan", "NaN"),
            ("mrp", "infinity", "Infinity"),
            ("mrp", "hex", "0x2D"),
            ("mrp", "rupee-sign", "₹45"),
            ("shelf_life_days", "bengali", "৭৩০"),
            ("reorder_level", "underscore", "1_000"),
            ("reorder_level", "space-grouped", "1 000"),
        ]
    ],
    Case(
        "flag-scale-underscore",
        "numbers",
        ("demo", "--scale", "1_0"),
        r"argument --scale: '1_0' is not a whole number written with the digits 0-9",
        store=False,
        check=no_store_left,
    ),
    Case(
        "flag-days-devanagari",
        "numbers",
        ("demo", "--days", "४५"),
        r"argument --days: '४५' is not a whole number",
        store=False,
        check=no_store_left,
    ),
    Case(
        "flag-seed-exponent",
        "numbers",
        ("demo", "--seed", "1e3"),
        r"argument --seed: '1e3' is not a whole number",
        store=False,
        check=no_store_left,
    ),
    # --- formula injection on export ------------------------------------------------------------
    Case(
        "export-neutralises-formulas",
        "formula injection",
        admin("export", "products", "-o", "{files}/out.csv"),
        code=0,
        prepare=dangerous_names,
        check=formula_cells_are_protected,
    ),
    Case(
        "export-protects-phone-numbers-and-round-trips",
        "formula injection",
        admin("export", "parties", "-o", "{files}/out.csv"),
        code=0,
        check=phones_round_trip,
    ),
    Case(
        "import-of-protected-cell-stores-the-value",
        "formula injection",
        import_("products"),
        code=0,
        files={"in.csv": product_csv(product("Q-1", "'=1+2"))},
        check=name_stored("Q-1", "=1+2"),
    ),
    # --- damaged stores ------------------------------------------------------------------------
    Case(
        "verify-text-file-store",
        "damaged store",
        ("verify",),
        r"cannot be read \(file is not a database\): it is damaged or not a HOM store; restore",
        prepare=damage(b"just some text, not a database\n" * 100),
    ),
    Case(
        "inspect-text-file-store",
        "damaged store",
        ("inspect",),
        r"cannot be read \(file is not a database\)",
        prepare=damage(b"just some text, not a database\n" * 100),
    ),
    Case(
        "verify-truncated-store",
        "damaged store",
        ("verify",),
        r"cannot be read \(.*\): it is damaged",
        prepare=damage(lambda b: b[: len(b) // 3]),
    ),
    Case(
        "inspect-truncated-store",
        "damaged store",
        ("inspect",),
        r"cannot be read \(.*\): it is damaged",
        prepare=damage(lambda b: b[: len(b) // 3]),
    ),
    Case(
        "verify-corrupt-pages",
        "damaged store",
        ("verify",),
        r"cannot be read \(.*\): it is damaged",
        prepare=damage(corrupt_pages),
    ),
    Case(
        "verify-newer-schema",
        "damaged store",
        ("verify",),
        r"written by a newer version of the application \(schema revision 9999",
        prepare=newer_store,
    ),
    Case(
        "export-newer-schema",
        "damaged store",
        admin("export", "products"),
        r"written by a newer version of the application \(schema revision 9999",
        prepare=newer_store,
    ),
    Case(
        "verify-empty-store-file",
        "damaged store",
        ("verify",),
        r"is an empty file: restore a backup",
        prepare=damage(b""),
    ),
    Case(
        "export-damaged-store",
        "damaged store",
        admin("export", "products"),
        r"cannot be read \(file is not a database\)",
        prepare=damage(b"\x00" * 8192),
    ),
    Case(
        "import-damaged-store",
        "damaged store",
        import_("products"),
        r"cannot be read \(file is not a database\)",
        prepare=damage(b"\x00" * 8192),
        files={"in.csv": product_csv(product())},
    ),
    Case(
        "user-list-damaged-store",
        "damaged store",
        ("user", "list"),
        r"cannot be read \(file is not a database\)",
        prepare=damage(b"\xff" * 8192),
    ),
    Case(
        "backup-damaged-store",
        "damaged store",
        admin("backup"),
        r"cannot be read \(file is not a database\)",
        prepare=damage(b"\xff" * 8192),
    ),
    Case(
        "store-is-a-folder",
        "damaged store",
        ("verify",),
        r"cannot be read",
        prepare=lambda ctx: (ctx.store.unlink(), ctx.store.mkdir()),
    ),
    Case(
        "verify-missing-store",
        "damaged store",
        ("verify",),
        r"no store at .*run 'hom-desktop init'",
        store=False,
    ),
    # --- busy stores ---------------------------------------------------------------------------
    Case(
        "import-while-a-restore-runs",
        "busy store",
        import_("products"),
        r"the store is being restored by .*wait until it has finished",
        prepare=restoring_elsewhere,
        files={"in.csv": product_csv(product())},
    ),
    # (the cases with other processes are in test_other_processes below)
    # --- output paths ---------------------------------------------------------------------------
    Case(
        "export-to-a-folder",
        "paths",
        admin("export", "products", "-o", "{files}/folder"),
        r"folder is a folder: give a file name inside it",
        prepare=a_folder,
    ),
    Case(
        "export-to-missing-folder",
        "paths",
        admin("export", "products", "-o", "{files}/nowhere/out.csv"),
        r"the folder .*nowhere does not exist: create it first",
        check=nothing_at("nowhere"),
    ),
    Case(
        "export-below-a-file",
        "paths",
        admin("export", "products", "-o", "{files}/plain/out.csv"),
        r"plain is a file, not a folder",
        prepare=a_regular_file,
    ),
    Case(
        "export-unwritable",
        "paths",
        admin("export", "products", "-o", "/proc/hom-out.csv"),
        r"cannot write /proc/hom-out\.csv",
    ),
    Case(
        "export-to-empty-name",
        "paths",
        admin("export", "products", "-o", ""),
        r"is a folder: give a file name",
    ),
    Case(
        "backup-to-a-folder",
        "paths",
        admin("backup", "--to", "{files}/folder"),
        r"is a folder: give a file name inside it",
        prepare=a_folder,
    ),
    Case(
        "backup-to-missing-folder",
        "paths",
        admin("backup", "--to", "{files}/no/b.sqlite3"),
        r"the folder .*no does not exist",
    ),
    Case(
        "backup-below-a-file",
        "paths",
        admin("backup", "--to", "{files}/plain/b.sqlite3"),
        r"plain is a file, not a folder",
        prepare=a_regular_file,
    ),
    Case(
        "backup-unwritable",
        "paths",
        admin("backup", "--to", "/proc/hom-backup.sqlite3"),
        r"cannot (write|open) /proc/hom-backup\.sqlite3|cannot back up",
    ),
    Case(
        "import-missing-file",
        "paths",
        import_("products", "missing.csv"),
        r"cannot read .*missing\.csv: No such file or directory",
    ),
    Case(
        "import-a-folder",
        "paths",
        admin("import", "products", "{files}/folder"),
        r"folder is a folder: give the CSV file inside it",
        prepare=a_folder,
    ),
    Case(
        "data-dir-is-a-file",
        "paths",
        ("--data-dir", "{files}/plain", "verify"),
        r"cannot use the data folder",
        prepare=a_regular_file,
        store=False,
    ),
    Case(
        "data-dir-below-a-file",
        "paths",
        ("--data-dir", "{files}/plain/sub", "verify"),
        r"cannot use the data folder",
        prepare=a_regular_file,
        store=False,
    ),
    Case(
        "export-valid-file",
        "paths",
        admin("export", "geography", "-o", "{files}/geo.csv"),
        code=0,
        check=lambda ctx, _o: assert_file_starts(ctx.files / "geo.csv", "level,"),
    ),
    # --- endless input -----------------------------------------------------------------------
    Case(
        "import-endless-file",
        "endless input",
        admin("import", "products", "/dev/zero"),
        r"zero is larger than 1,000,000 bytes, the most one import reads; split it",
        env={"HOM_IMPORT_MAX_BYTES": "1000000"},
    ),
    Case(
        "import-too-large",
        "endless input",
        import_("products", "big.csv"),
        r"big\.csv is larger than 4,096 bytes, the most one import reads",
        env={"HOM_IMPORT_MAX_BYTES": "4096"},
        files={"big.csv": product_csv(*(product(f"BIG-{i}") for i in range(60)))},
    ),
    Case(
        "import-just-under-the-cap",
        "endless input",
        import_("products", "in.csv"),
        code=0,
        env={"HOM_IMPORT_MAX_BYTES": "4096"},
        files={"in.csv": product_csv(product("SMALL-1"))},
    ),
    # --- currency codes -----------------------------------------------------------------------
    *[
        Case(
            f"init-currency-{label}",
            "currency",
            ("init", "--password-stdin", "--currency", code),
            r"currency: must be a three-letter ISO 4217 currency code such as INR or USD",
            store=False,
            stdin=f"{PW}\n{PW}\n",
            check=no_store_left,
        )
        for label, code in [
            ("unknown", "XYZ"),
            ("non-ascii", "ÍNR"),
            ("two-letters", "US"),
            ("metal", "XAU"),
            ("digits", "123"),
            ("long", "RUPEE"),
            ("empty", ""),
            ("test-code", "XTS"),
        ]
    ],
    Case(
        "demo-currency-unknown",
        "currency",
        ("demo", "--currency", "ABC", "--quiet"),
        r"currency: must be a three-letter ISO 4217",
        store=False,
        check=no_store_left,
    ),
    Case(
        "init-currency-lower-case-is-fine",
        "currency",
        ("init", "--password-stdin", "--currency", "usd"),
        code=0,
        store=False,
        stdin=f"{PW}\n{PW}\n",
        check=lambda ctx, _o: assert_stored(ctx, "SELECT currency FROM installation", [("USD",)]),
    ),
    # --- account probing ----------------------------------------------------------------------
    Case(
        "unknown-user",
        "account probing",
        ("--user", "nobody", "--password-stdin", "export", "products"),
        r"^error: password: wrong username or password$",
    ),
    Case(
        "wrong-password",
        "account probing",
        admin("export", "products"),
        r"^error: password: wrong username or password$",
        stdin="not-the-password\n",
    ),
    Case(
        "user-name-with-newline-and-wrong-password",
        "account probing",
        ("--user", "admin\n", "--password-stdin", "export", "products"),
        r"^error: password: wrong username or password$",
        stdin="not-the-password\n",
    ),
    Case(
        "unknown-user-with-the-admins-password",
        "account probing",
        ("--user", "admin2", "--password-stdin", "export", "products"),
        r"^error: password: wrong username or password$",
    ),
    Case(
        "inactive-looking-name",
        "account probing",
        ("--user", "ADMIN ", "--password-stdin", "export", "products"),
        r"^error: password: wrong username or password$",
        stdin="not-the-password\n",
    ),
    # --- flags ----------------------------------------------------------------------------------
    Case("unknown-command", "flags", ("frobnicate",), r"invalid choice: 'frobnicate'"),
    Case(
        "unknown-kind",
        "flags",
        admin("import", "orders", "x.csv"),
        r"argument kind: invalid choice: 'orders'",
    ),
    Case(
        "missing-argument",
        "flags",
        ("import", "products"),
        r"the following arguments are required: file",
    ),
    Case("unknown-flag", "flags", ("verify", "--fast"), r"unrecognized arguments: --fast"),
    Case(
        "bad-site-code",
        "flags",
        ("init", "--password-stdin", "--site", "bad code!"),
        r"code: must be 1 to 32 characters",
        store=False,
        stdin=f"{PW}\n{PW}\n",
        check=no_store_left,
    ),
    Case(
        "short-password",
        "flags",
        ("init", "--password-stdin"),
        r"password: must be at least 8 characters",
        store=False,
        stdin="short\nshort\n",
        check=no_store_left,
    ),
    Case(
        "bad-site-kind",
        "flags",
        ("init", "--site-kind", "moon"),
        r"argument --site-kind: invalid choice: 'moon'",
        store=False,
        check=no_store_left,
    ),
    Case(
        "unknown-role",
        "flags",
        admin("user", "add", "clerk9", "--role", "emperor"),
        r"unknown role 'emperor'",
        stdin=f"{PW}\nclerk-pass-1\nclerk-pass-1\n",
    ),
    Case(
        "no-password-line",
        "flags",
        admin("export", "products"),
        r"expected one more line on standard input",
        stdin="",
    ),
    Case("write-without-user", "flags", ("export", "products"), r"give --user NAME"),
    Case(
        "init-twice",
        "flags",
        ("init", "--password-stdin"),
        r"already initialised",
        stdin=f"{PW}\n{PW}\n",
    ),
    Case("trace-unknown-batch", "flags", ("trace", "NOPE-1"), r"NOPE-1"),
    Case(
        "scale-out-of-range",
        "flags",
        ("demo", "--scale", "0", "--quiet"),
        r"scale: must be a whole number from 1 to 100",
        store=False,
        check=no_store_left,
    ),
    Case("empty-csv", "flags", import_("products"), r"the file is empty", files={"in.csv": ""}),
    Case(
        "header-only-wrong",
        "flags",
        import_("products"),
        r"in\.csv: \d+ problems, the first on line 1: price: unknown column 'price'.*"
        r"nothing was imported; --dry-run lists them all",
        files={"in.csv": "sku,name,price\n"},
    ),
    Case(
        "many-bad-rows",
        "flags",
        import_("products"),
        r"in\.csv: 3 problems, the first on line 2: mrp: .*nothing was imported",
        files={"in.csv": product_csv(*(product(f"B-{i}", mrp="x") for i in range(3)))},
    ),
]


def _expand(value: str, ctx: Ctx) -> str:
    if value == "@backup":
        return (ctx.files / "backup-name").read_text()
    return value.format(data=ctx.data, store=ctx.store, files=ctx.files)


def place_store(ctx: Ctx) -> None:
    """The template copied into the case's data folder and opened once there: a store file in a
    new place starts a new change-log epoch on its first open (``hom.sync.identity``), which is
    the copy's doing, not the case's."""
    shutil.copyfile(ctx.template, ctx.store)
    open_store(load_settings(ctx.data), auto_backup=False).close()


def prepare_case(case: Case, ctx: Ctx, monkeypatch) -> list[str]:
    """Files, environment and preparation of ``case``; its command line."""
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    for name, content in case.files.items():
        ctx.write(name, content)
    if case.prepare:
        case.prepare(ctx)
    argv = [_expand(a, ctx) for a in case.argv]
    if argv[:1] != ["--data-dir"]:
        argv = ["--data-dir", str(ctx.data), *argv]
    return argv


def run_cli(argv: list[str], stdin: str, capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    out = io.StringIO()
    code = cli.main(argv, stdin=io.StringIO(stdin), out=out)
    captured = capsys.readouterr()
    return code, out.getvalue() + captured.out, captured.err


def assert_clean_terminal(out: str, err: str) -> None:
    for text in (out, err):
        assert "Traceback" not in text
        assert "Background on this error" not in text
        assert "sqlalchemy" not in text.lower()
    assert "\x1b" not in err and "\u202e" not in err


@pytest.fixture
def ctx(tmp_path, template) -> Ctx:
    c = Ctx(data=tmp_path / "data", files=tmp_path / "files", template=template)
    c.files.mkdir()
    c.data.mkdir()
    yield c
    for cleanup in c.cleanups:
        cleanup()
    for p in c.processes:
        p.kill()
        p.wait()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, ctx: Ctx, capsys, monkeypatch) -> None:
    if case.store:
        place_store(ctx)
    argv = prepare_case(case, ctx, monkeypatch)
    before = fingerprint(ctx.data)
    code, out, err = run_cli(argv, case.stdin, capsys)
    assert_clean_terminal(out, err)
    assert code == case.code, err
    if case.code == 0:
        assert err == ""
    else:
        assert err.endswith("\n") and err.count("\n") == 1, err
        assert err.startswith("error: ")
        assert re.search(case.message, err.rstrip("\n")), err
        assert fingerprint(ctx.data) == before
    if case.check:
        case.check(ctx, out)


def test_the_catalogue_covers_every_class_of_the_issue() -> None:
    kinds = {c.kind for c in CASES} | set(OTHER_PROCESS_KINDS)
    assert kinds >= {
        "data loss",
        "encoding",
        "control characters",
        "line breaks",
        "numbers",
        "formula injection",
        "damaged store",
        "busy store",
        "paths",
        "endless input",
        "currency",
        "account probing",
        "flags",
    }
    assert len(CASES) + len(OTHER_PROCESSES) >= 100
    assert len({c.id for c in CASES}) == len(CASES)


# --- other processes ----------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]

HOLD_WRITE_LOCK = """
import sys, time
sys.argv = ["hom-desktop", "demo"]
from hom.core.config import load_settings
from hom.core.store import open_store
store = open_store(load_settings(sys.stdin.readline().strip()), auto_backup=False)
with store.transaction() as session:
    session.connection().exec_driver_sql("UPDATE installation SET name = name")
    print("ready", flush=True)
    time.sleep(60)
"""

HOLD_OPEN = """
import sys, time
sys.argv = ["hom-desktop"]
from hom.core.config import load_settings
from hom.core.store import open_store
store = open_store(load_settings(sys.stdin.readline().strip()), auto_backup=False)
print("ready", flush=True)
time.sleep(60)
"""

HOLD_RAW_SQLITE_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.stdin.readline().strip() + "/hom.sqlite3", isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("ready", flush=True)
time.sleep(60)
"""


def start(ctx: Ctx, script: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    ctx.processes.append(proc)
    proc.stdin.write(f"{ctx.data}\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "ready"
    return proc


@dataclass(frozen=True)
class OtherProcess:
    id: str
    kind: str
    holder: str
    argv: tuple[str, ...]
    message: str
    code: int = 2
    stdin: str = f"{PW}\n"
    files: dict[str, bytes | str] = field(default_factory=dict)


OTHER_PROCESSES = [
    OtherProcess(
        "import-while-another-program-writes",
        "busy store",
        HOLD_WRITE_LOCK,
        import_("products"),
        r"the store is busy: hom-desktop demo, process \d+ .*kept it locked for writing "
        r"for more than 0\.3 s; nothing was written, try again",
        files={"in.csv": product_csv(product())},
    ),
    OtherProcess(
        "user-add-while-another-program-writes",
        "busy store",
        HOLD_WRITE_LOCK,
        admin("user", "add", "clerk5", "--role", "depot clerk"),
        r"the store is busy: hom-desktop demo",
        stdin=f"{PW}\nclerk-pass-1\nclerk-pass-1\n",
    ),
    OtherProcess(
        "import-while-sqlite-is-locked-by-a-tool",
        "busy store",
        HOLD_RAW_SQLITE_LOCK,
        import_("products"),
        r"the store is busy: another program kept it locked",
        files={"in.csv": product_csv(product())},
    ),
    OtherProcess(
        # Opening checks the store's identity in a write transaction (hom.sync.identity), so
        # even a read-only command waits for the writer, then says who it is.
        "verify-while-another-program-writes",
        "busy store",
        HOLD_WRITE_LOCK,
        ("verify",),
        r"the store is busy: hom-desktop demo, process \d+ .*nothing was written",
    ),
    OtherProcess(
        "restore-while-the-app-is-open",
        "busy store",
        HOLD_OPEN,
        admin("restore", "{files}/b.sqlite3", "--yes"),
        r"the store is open in hom-desktop, process \d+ on .*: close it there first, "
        r"then restore",
    ),
    OtherProcess(
        "restore-while-another-program-writes",
        "busy store",
        HOLD_WRITE_LOCK,
        admin("restore", "{files}/b.sqlite3", "--yes"),
        r"the store is (busy|open in): hom-desktop demo, process \d+",
    ),
]
OTHER_PROCESS_KINDS = {p.kind for p in OTHER_PROCESSES} | {"busy store"}


@pytest.mark.parametrize("case", OTHER_PROCESSES, ids=[c.id for c in OTHER_PROCESSES])
def test_other_processes(case: OtherProcess, ctx: Ctx, capsys, monkeypatch) -> None:
    place_store(ctx)
    shutil.copyfile(ctx.template, ctx.files / "b.sqlite3")
    monkeypatch.setenv("HOM_BUSY_TIMEOUT_MS", "300")
    start(ctx, case.holder)
    as_case = Case(case.id, case.kind, case.argv, case.message, case.code, case.stdin, case.files)
    argv = prepare_case(as_case, ctx, monkeypatch)
    before = fingerprint(ctx.data)
    code, out, err = run_cli(argv, case.stdin, capsys)
    assert_clean_terminal(out, err)
    assert code == case.code, err
    if code:
        assert err.count("\n") == 1 and re.search(case.message, err.rstrip("\n")), err
    for p in ctx.processes:
        p.kill()
        p.wait()
    assert fingerprint(ctx.data) == before


def test_two_large_imports_at_once_each_finish_or_are_refused_clearly(ctx: Ctx) -> None:
    """Two real ``hom-desktop import`` processes on one store, started together."""
    shutil.copyfile(ctx.template, ctx.store)
    files = []
    for n in (1, 2):
        rows = [product(f"BULK{n}-{i:05d}", f"Bulk product {n}-{i}") for i in range(1500)]
        files.append(ctx.write(f"bulk{n}.csv", product_csv(*rows)))
    env = {**os.environ, "HOM_DATA_DIR": str(ctx.data), "HOM_USER": "admin"}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hom_desktop.cli",
                "--password-stdin",
                "import",
                "products",
                str(f),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for f in files
    ]
    results = [p.communicate(f"{PW}\n", timeout=120) for p in procs]
    counts = {}
    for n, (proc, (out, err)) in enumerate(zip(procs, results, strict=True), start=1):
        assert_clean_terminal(out, err)
        assert proc.returncode in (0, 2), err
        if proc.returncode == 0:
            assert "1500 created" in out
        else:
            assert err.count("\n") == 1 and "the store is busy" in err
        counts[n] = stored(ctx, f"SELECT count(*) FROM products WHERE sku LIKE 'BULK{n}-%'")[0][0]
        assert counts[n] == (1500 if proc.returncode == 0 else 0)


def test_failed_opens_never_rotate_out_the_copy_taken_before_a_restore(ctx: Ctx, capsys) -> None:
    """A store whose schema this version cannot open, opened again and again."""
    shutil.copyfile(ctx.template, ctx.store)
    backups = ctx.data / "backups"
    good = backup.rolling_backup(ctx.store, backups, keep=7, label="before-restore")
    newer_schema(ctx.store)
    for _ in range(9):
        assert cli.main(["--data-dir", str(ctx.data), "verify"], out=io.StringIO()) == 2
        assert "newer version of the application" in capsys.readouterr().err
    kept = backup.list_backups(backups)
    assert good in kept
    assert len([p for p in kept if "before-migration" in p.name]) <= 1
