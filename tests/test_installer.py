"""The installable bundle, built by installer/build.sh and run as a clerk would run it.

Slow (it builds the bundle: minutes), so it runs only when asked:
``python -m pytest -m installer`` (``HOM_BUNDLE_ARCHIVE=dist/...tar.gz`` tests an archive already
built instead of building one).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from hom import __version__
from hom.core import backup, migrate
from hom.core.config import load_settings
from tests.utils.releases import newer_store, old_store, previous_revision

pytestmark = [
    pytest.mark.installer,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the bundle is built on Linux"),
]

ROOT = Path(__file__).resolve().parent.parent
UNUSED_QT = ("WebEngine", "Qml", "Quick", "Pdf", "3D", "Multimedia", "VirtualKeyboard")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The archive, built (or given), unpacked into a fresh folder: the installed application."""
    archive = os.environ.get("HOM_BUNDLE_ARCHIVE")
    if not archive:
        built = subprocess.run(
            ["bash", str(ROOT / "installer" / "build.sh")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        assert built.returncode == 0, built.stderr[-4000:]
        archive = built.stdout.strip().splitlines()[-1]  # the path is printed last
    archive_path = Path(archive)
    assert archive_path.name == f"hom-desktop-{__version__}-linux-x86_64.tar.gz"
    target = tmp_path_factory.mktemp("installed")
    with tarfile.open(archive_path) as tar:
        tar.extractall(target, filter="data")
    return target / f"hom-desktop-{__version__}"


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """No source tree, no virtualenv, a home of its own: only what the bundle carries."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp / "home"),
        "XDG_DATA_HOME": str(tmp / "home" / ".local" / "share"),
        "XDG_CONFIG_HOME": str(tmp / "home" / ".config"),
        "QT_QPA_PLATFORM": "offscreen",
        "LANG": "C.UTF-8",
    }
    return {**env, **extra}


def run_bundle(bundle: Path, tmp: Path, *args: str, timeout: int = 600):
    return subprocess.run(
        [str(bundle / "hom-desktop"), *args],
        cwd=tmp,
        env=clean_env(tmp),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_archive_holds_the_app_fonts_migrations_and_desktop_entry(bundle):
    internal = bundle / "_internal"
    assert os.access(bundle / "hom-desktop", os.X_OK)
    entry = (bundle / "hom-desktop.desktop").read_text()
    assert "Exec=hom-desktop" in entry and "Icon=hom-desktop" in entry
    assert (bundle / "hom-desktop.png").stat().st_size > 1000
    assert os.access(bundle / "install.sh", os.X_OK)
    fonts = sorted(p.name for p in (internal / "fonts").glob("*.ttf"))
    for script in ("Devanagari", "Tamil", "Bengali"):
        assert f"NotoSans{script}-Regular.ttf" in fonts
    assert "SIL Open Font License" in (internal / "fonts" / "LICENSE-Noto-fonts.txt").read_text()
    shipped = sorted(p.name for p in (internal / "hom" / "migrations" / "versions").glob("*.py"))
    assert shipped == sorted(p.name for p in (ROOT / "migrations" / "versions").glob("*.py"))
    assert (internal / "hom" / "migrations" / "env.py").exists()
    assert (internal / "hom_desktop" / "resources" / "icons" / "app.svg").exists()
    libs = {p.name for p in internal.rglob("libQt6*")}
    assert {"libQt6Charts.so.6", "libQt6PrintSupport.so.6", "libQt6Widgets.so.6"} <= libs
    assert not [lib for lib in libs if any(f"Qt6{m}" in lib for m in UNUSED_QT)]
    assert not (internal / "hom_server").exists()


def test_smoke_passes_in_the_built_bundle(bundle, tmp_path):
    result = run_bundle(bundle, tmp_path, "--smoke", "--smoke-days", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "(bundle)" in out
    assert "fonts: bundled Noto Sans Bengali, Noto Sans Devanagari, Noto Sans Tamil" in out
    assert "smoke: demo: demo data loaded" in out
    assert "smoke: views: signed in as admin" in out
    assert "smoke: verify:" in out and "every balance matches" in out
    assert "smoke: done: every step passed" in out


def test_first_start_creates_and_migrates_the_store_in_the_user_data_folder(bundle, tmp_path):
    data = tmp_path / "home" / ".local" / "share" / "hom-desktop"
    version = run_bundle(bundle, tmp_path, "--version")
    assert version.returncode == 0
    assert f"hom-desktop {__version__}\n" in version.stdout
    assert f"data folder:     {data}\n" in version.stdout
    assert "no store yet" in version.stdout
    app = subprocess.Popen(  # the application itself, as a double-click starts it
        [str(bundle / "hom-desktop")],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and app.poll() is None:
            if migrate.revision_of_file(data / "hom.sqlite3") == migrate.head_revision():
                break
            time.sleep(0.5)
        assert app.poll() is None, "the application exited instead of showing its first window"
        assert migrate.revision_of_file(data / "hom.sqlite3") == migrate.head_revision()
    finally:
        app.terminate()
        app.wait(30)
    after = run_bundle(bundle, tmp_path, "--version")
    assert f"schema revision: {migrate.head_revision()} (current)" in after.stdout


def test_an_older_store_opens_in_the_new_bundle_after_a_backup(bundle, tmp_path):
    previous, head = previous_revision(), migrate.head_revision()
    store = old_store(tmp_path / "old")
    result = run_bundle(
        bundle, tmp_path, "--smoke", "--smoke-days", "2", "--data-dir", str(store.parent)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        f"smoke: upgrade: the store was upgraded from schema revision {previous} to {head}; "
        "the old store was backed up to"
    ) in result.stdout
    assert "smoke: done: every step passed" in result.stdout
    (kept,) = backup.list_backups(load_settings(store.parent).backup_dir)
    assert f"before-migration-{previous}" in kept.name
    assert migrate.revision_of_file(kept) == previous
    assert migrate.revision_of_file(store) == head


def test_a_newer_store_is_refused_by_the_bundle_and_left_alone(bundle, tmp_path):
    store = newer_store(tmp_path / "newer")
    before = digest(store)
    for args in (["verify"], ["--smoke"]):
        result = run_bundle(bundle, tmp_path, "--data-dir", str(store.parent), *args)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "written by a newer version of the application" in result.stderr
        assert "Traceback" not in result.stderr
    assert digest(store) == before
