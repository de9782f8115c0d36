"""``hom-desktop enrol``, ``sync`` and ``sync --status`` from the command line, against a real
server; demo stores and non-empty folders refuse to enrol."""

from __future__ import annotations

import io

import pytest

from hom_desktop import cli
from tests.server.harness import free_port
from tests.sync.helpers import new_code


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return cli.main(list(argv), out=out), out.getvalue()


def test_enrol_sync_and_status_from_the_command_line(server, tmp_path, capsys) -> None:
    folder = str(tmp_path / "cli")
    code, text = _run("enrol", server.url, new_code(server, site="DEP02"), "--data-dir", folder)
    assert code == 0, capsys.readouterr().err
    assert "enrolled" in text and "site DEP02" in text
    assert "readable only by this user" in text  # no keyring here: it says where it went
    code, text = _run("sync", "--data-dir", folder)
    assert code == 0 and text.startswith("sync: pushed 0"), text
    assert "both sides agree" in text
    code, text = _run("sync", "--status", "--data-dir", folder)
    assert code == 0
    assert f"server        {server.url}" in text and "pending       0" in text
    assert "online" in text and "credential    file" in text
    code, _ = _run("enrol", server.url, new_code(server, site="DEP02"), "--data-dir", folder)
    assert code == 2
    assert "already enrolled" in capsys.readouterr().err


def test_a_store_that_is_not_enrolled_says_how(tmp_path, capsys) -> None:
    folder = str(tmp_path / "alone")
    secret = io.StringIO("Admin-pass-2026\nAdmin-pass-2026\n")
    argv = ["init", "--data-dir", folder, "--password-stdin"]
    assert cli.main(argv, stdin=secret, out=io.StringIO()) == 0, capsys.readouterr().err
    code, _ = _run("sync", "--data-dir", folder)
    assert code == 2
    assert "not enrolled with a server: run 'hom-desktop enrol URL CODE'" in capsys.readouterr().err


def test_a_demo_store_refuses_to_enrol(server, tmp_path, capsys) -> None:
    folder = str(tmp_path / "demo")
    assert _run("demo", "--days", "1", "--quiet", "--data-dir", folder)[0] == 0
    code, _ = _run("enrol", server.url, new_code(server, site="DEP02"), "--data-dir", folder)
    assert code == 2
    assert "demo store" in capsys.readouterr().err
    code, _ = _run("sync", "--data-dir", folder)
    assert code == 2
    assert "demo store" in capsys.readouterr().err


def test_a_wrong_code_is_refused_in_one_line(server, tmp_path, capsys) -> None:
    code, _ = _run("enrol", server.url, "NOPE-NOPE-NOPE", "--data-dir", str(tmp_path / "x"))
    assert code == 2
    err = capsys.readouterr().err
    assert "unknown enrolment code" in err and "Traceback" not in err
    assert not (tmp_path / "x" / "hom.sqlite3").exists()  # nothing left behind


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "must be the server's address, such as https://hom.example.com"),
        ("ftp://hom.example.com", "must be the server's address"),
        (f"http://127.0.0.1:{free_port()}", "did not answer"),  # nothing listens there
    ],
)
def test_a_bad_or_silent_server_address_is_refused_in_one_line(
    tmp_path, capsys, url, message
) -> None:
    code, _ = _run("enrol", url, "ABCD-1234", "--data-dir", str(tmp_path / "x"))
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x" / "hom.sqlite3").exists()  # nothing left behind
