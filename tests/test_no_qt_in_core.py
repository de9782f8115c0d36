"""The domain core and the server run without Qt: importing them never loads PySide6."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import hom_desktop

CORE_PACKAGES = ["core", "models", "schemas", "crud", "services"]


def _core_modules() -> list[str]:
    names = []
    for package in CORE_PACKAGES:
        module = __import__(f"hom_desktop.{package}", fromlist=["_"])
        names.append(module.__name__)
        names += [f"{module.__name__}.{m.name}" for m in pkgutil.iter_modules(module.__path__)]
    return names


def test_core_modules_import_without_qt():
    modules = _core_modules()
    assert len(modules) > 20, "expected the whole core to be found"
    code = (
        "import sys\n"
        f"for name in {modules!r}: __import__(name)\n"
        "import hom_desktop.cli\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"Qt was imported by the core: {result.stdout}"


def test_the_probe_detects_qt_when_it_is_imported():
    """Guard against a vacuous pass: the same probe does see Qt when the UI is imported."""
    code = "import sys; import PySide6.QtCore; print('PySide6' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "True"
    assert hom_desktop.__version__
