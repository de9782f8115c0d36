"""The command line: scriptable flags, one readable line and a non-zero exit on every refusal."""

from __future__ import annotations

import io
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from hom_desktop import cli

SAMPLES = resources.files("hom_desktop.resources") / "sample_data"
ADMIN_PW = "admin-secret-1"


def run(data_dir: Path, *args: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(["--data-dir", str(data_dir), *args], stdin=io.StringIO(stdin), out=out)
    return code, out.getvalue()


@pytest.fixture
def store_dir(tmp_path) -> Path:
    code, text = run(tmp_path, "init", "--site", "DEP07", "--password-stdin", stdin=f"{ADMIN_PW}\n")
    assert code == 0, text
    assert "DEP07" in text
    return tmp_path


def as_admin(*args: str) -> list[str]:
    return ["--user", "admin", "--password-stdin", *args]


def test_init_twice_is_refused_in_one_line(store_dir, capsys):
    code, _ = run(store_dir, "init", "--password-stdin", stdin=f"{ADMIN_PW}\n")
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "already initialised" in err


def test_commands_on_a_missing_store_say_what_to_do(tmp_path, capsys):
    code, _ = run(tmp_path / "nothing", "verify")
    assert code == 2
    assert "run 'hom-desktop init'" in capsys.readouterr().err


def test_verify_reports_ok(store_dir):
    code, text = run(store_dir, "verify")
    assert code == 0 and "ok: every balance equals" in text


def test_user_add_needs_the_acting_users_password(store_dir, capsys):
    code, text = run(
        store_dir,
        *as_admin("user", "add", "clerk1", "--role", "depot clerk"),
        stdin=f"{ADMIN_PW}\nclerk-pass-1\n",
    )
    assert code == 0, text
    code, _ = run(
        store_dir,
        *as_admin("user", "add", "clerk2", "--role", "depot clerk"),
        stdin="wrong-password\nclerk-pass-2\n",
    )
    assert code == 2
    assert "wrong username or password" in capsys.readouterr().err
    code, text = run(store_dir, "user", "list")
    assert "clerk1" in text and "clerk2" not in text


def test_writing_commands_without_a_user_are_refused(store_dir, capsys):
    code, _ = run(store_dir, "user", "add", "x1y", "--role", "manager")
    assert code == 2
    assert "--user" in capsys.readouterr().err


def test_csv_import_dry_run_then_import_then_export(store_dir):
    csv_path = SAMPLES / "products.csv"
    code, text = run(store_dir, "import", "products", str(csv_path), "--dry-run")
    assert code == 0 and "to create" in text and "dry run" in text
    code, text = run(
        store_dir, *as_admin("import", "products", str(csv_path)), stdin=f"{ADMIN_PW}\n"
    )
    assert code == 0 and "created" in text
    code, exported = run(store_dir, *as_admin("export", "products"), stdin=f"{ADMIN_PW}\n")
    assert code == 0
    sample_rows = csv_path.read_text(encoding="utf-8").strip().splitlines()
    assert exported.strip().splitlines()[0] == sample_rows[0]
    assert len(exported.strip().splitlines()) == len(sample_rows)


def test_a_malformed_csv_row_is_reported_with_its_line_and_nothing_is_written(
    store_dir, tmp_path, capsys
):
    good = (SAMPLES / "products.csv").read_text(encoding="utf-8").splitlines()
    bad_row = good[1].split(",")
    bad_row[6] = "-5"  # mrp
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join([good[0], good[2], ",".join(bad_row)]) + "\n", encoding="utf-8")
    code, _ = run(store_dir, *as_admin("import", "products", str(broken)), stdin=f"{ADMIN_PW}\n")
    err = capsys.readouterr().err
    assert code == 2
    assert "broken.csv, line 3: mrp" in err
    assert "nothing was imported" in err
    code, exported = run(store_dir, *as_admin("export", "products"), stdin=f"{ADMIN_PW}\n")
    assert len(exported.strip().splitlines()) == 1  # the header only


def test_backup_and_restore_round_trip(store_dir, tmp_path):
    target = tmp_path / "copy.sqlite3"
    code, text = run(store_dir, "backup", "--to", str(target))
    assert code == 2 and not target.exists()  # backups need a user with store.backup
    code, text = run(store_dir, *as_admin("backup", "--to", str(target)), stdin=f"{ADMIN_PW}\n")
    assert code == 0 and target.exists()
    run(
        store_dir,
        *as_admin("user", "add", "later", "--role", "manager"),
        stdin=f"{ADMIN_PW}\nlater-pass-1\n",
    )
    assert "later" in run(store_dir, "user", "list")[1]
    code, text = run(store_dir, "restore", str(target))
    assert code == 2  # without --yes
    code, text = run(store_dir, "restore", str(target), "--yes")
    assert code == 2  # restoring over a working store needs store.backup
    code, text = run(store_dir, *as_admin("restore", str(target), "--yes"), stdin=f"{ADMIN_PW}\n")
    assert code == 0, text
    assert "later" not in run(store_dir, "user", "list")[1]
    assert "before-restore" in text


def test_restore_refuses_a_file_that_is_not_a_store(store_dir, tmp_path, capsys):
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a database")
    code, _ = run(store_dir, *as_admin("restore", str(junk), "--yes"), stdin=f"{ADMIN_PW}\n")
    assert code == 2
    assert "not" in capsys.readouterr().err


def test_restore_after_the_store_was_lost_needs_no_sign_in(store_dir, tmp_path):
    target = tmp_path / "copy.sqlite3"
    run(store_dir, *as_admin("backup", "--to", str(target)), stdin=f"{ADMIN_PW}\n")
    (store_dir / "hom.sqlite3").write_bytes(b"disk trouble")
    code, text = run(store_dir, "restore", str(target), "--yes")
    assert code == 0, text
    assert run(store_dir, "verify")[0] == 0


def test_cli_sign_in_follows_the_lockout_settings(store_dir, monkeypatch, capsys):
    monkeypatch.setenv("HOM_LOCKOUT_ATTEMPTS", "2")
    run(store_dir, *as_admin("export", "products"), stdin="wrong-1\n")
    assert capsys.readouterr().err == "error: password: wrong username or password\n"
    run(store_dir, *as_admin("export", "products"), stdin="wrong-2\n")
    capsys.readouterr()
    run(store_dir, *as_admin("export", "products"), stdin=f"{ADMIN_PW}\n")
    assert "account admin is locked" in capsys.readouterr().err


def test_backup_into_the_rolling_set(store_dir):
    code, text = run(store_dir, *as_admin("backup"), stdin=f"{ADMIN_PW}\n")
    assert code == 0
    assert (store_dir / "backups").exists() and "backed up to" in text


def test_trace_of_an_unknown_batch_is_one_line(store_dir, capsys):
    code, _ = run(store_dir, "trace", "NOPE-1")
    assert code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_inspect_lists_tables_through_sqlite_utils(store_dir):
    code, text = run(store_dir, "inspect")
    assert code == 0
    assert "stock_ledger" in text and "users" in text


def test_an_unexpected_failure_is_one_line_and_the_traceback_goes_to_the_log(
    store_dir, monkeypatch, capsys
):
    # A test double for the one case no real input produces: a bug inside a command.
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "cmd_verify", broken)
    code, _ = run(store_dir, "verify")
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "unexpected RuntimeError: boom" in err
    assert "Traceback" in (store_dir / "logs" / "hom.log").read_text()


def test_python_dash_m_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "hom_desktop", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and result.stdout.startswith("hom-desktop ")


def test_inspect_of_a_missing_store_is_refused_in_one_line(tmp_path, capsys):
    code, _ = run(tmp_path / "nothing-here", "inspect")
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "no store at" in err


def test_the_parser_spells_out_every_site_kind():
    from hom.models.enums import SiteKind
    from hom_desktop import cli

    assert tuple(k.value for k in SiteKind) == cli.SITE_KINDS
