"""Stores of other releases: an older one is backed up, migrated and announced; a newer one is
refused before a byte changes; ``--version`` reports the schema revision without opening it."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from hom.core import backup, migrate
from hom.core.config import load_settings
from hom.core.store import open_store
from hom_desktop import __version__, cli
from hom_desktop.about import schema_text
from tests.utils.releases import FUTURE, newer_store, old_store, previous_revision


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_older_store_is_backed_up_then_migrated_and_says_so(tmp_path):
    old_store(tmp_path)
    previous = previous_revision()
    store = open_store(load_settings(tmp_path))
    try:
        upgrade = store.upgraded
        assert upgrade is not None
        assert (upgrade.from_revision, upgrade.to_revision) == (previous, migrate.head_revision())
        assert migrate.current_revision(store.engine) == migrate.head_revision()
    finally:
        store.close()
    assert upgrade.backup is not None and upgrade.backup.exists()
    assert migrate.revision_of_file(upgrade.backup) == previous  # the old store, as it was
    assert str(upgrade.backup) in upgrade.describe() and previous in upgrade.describe()
    again = open_store(load_settings(tmp_path))
    assert again.upgraded is None  # a current store opens without a word
    again.close()


def test_a_newer_store_is_refused_and_not_changed(tmp_path):
    path = newer_store(tmp_path)
    before = digest(path)
    with pytest.raises(migrate.StoreTooNew, match=rf"newer version.*{FUTURE}.*not opened") as exc:
        open_store(load_settings(tmp_path))
    assert exc.value.field == "store"
    assert digest(path) == before
    assert backup.list_backups(load_settings(tmp_path).backup_dir) == []


def test_the_cli_refuses_a_newer_store_in_one_line(tmp_path, capsys):
    newer_store(tmp_path)
    code = cli.main(["--data-dir", str(tmp_path), "verify"], out=io.StringIO())
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "written by a newer version" in err


def test_the_cli_notes_an_upgrade(tmp_path, capsys):
    old_store(tmp_path)
    out = io.StringIO()
    code = cli.main(["--data-dir", str(tmp_path), "verify"], out=out)
    assert code == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    assert f"upgraded from schema revision {previous_revision()}" in err
    assert "backed up to" in err and "ok: every balance" in out.getvalue()


def test_version_reports_schema_and_data_folder_without_creating_anything(tmp_path):
    folder = tmp_path / "not-yet"
    out = io.StringIO()
    assert cli.main(["--data-dir", str(folder), "--version"], out=out) == 0
    text = out.getvalue()
    assert text.startswith(f"hom-desktop {__version__}\n")
    assert f"data folder:     {folder}\n" in text
    assert f"no store yet (this version creates one at revision {migrate.head_revision()})" in text
    assert not folder.exists()


def test_version_reads_the_revision_of_each_kind_of_store(tmp_path):
    old_store(tmp_path / "old")
    newer_store(tmp_path / "new")
    open_store(load_settings(tmp_path / "now"), auto_backup=False).close()
    head = migrate.head_revision()
    assert schema_text(load_settings(tmp_path / "now")) == f"{head} (current)"
    assert schema_text(load_settings(tmp_path / "old")).startswith(f"{previous_revision()} (older")
    newer = schema_text(load_settings(tmp_path / "new"))
    assert newer == f"{FUTURE} (newer than this version's {head}: refused)"
    before = digest(tmp_path / "old" / "hom.sqlite3")
    out = io.StringIO()
    cli.main(["--data-dir", str(tmp_path / "old"), "--version"], out=out)
    assert f"schema revision: {previous_revision()} (older" in out.getvalue()
    assert digest(tmp_path / "old" / "hom.sqlite3") == before  # read, not migrated
