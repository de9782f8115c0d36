"""The package boundaries hold: ``hom`` (the domain) imports neither Qt nor FastAPI, and the two
applications built on it, ``hom_desktop`` and ``hom_server``, never import each other."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import hom

ROOT = Path(__file__).resolve().parent.parent
GUI_OR_WEB = ("PySide6", "shiboken6", "fastapi", "starlette", "uvicorn")


def _domain_modules() -> list[str]:
    return ["hom"] + [m.name for m in pkgutil.walk_packages(hom.__path__, prefix="hom.")]


def _leaked_after_importing(modules: list[str]) -> list[str]:
    code = (
        "import sys\n"
        f"for name in {modules!r}: __import__(name)\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {GUI_OR_WEB!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return [name for name in result.stdout.strip().split(",") if name]


def test_the_domain_imports_neither_qt_nor_fastapi():
    modules = _domain_modules()
    assert len(modules) > 40, "expected the whole domain package to be found"
    assert _leaked_after_importing(modules) == []


def test_the_command_line_does_not_load_qt():
    assert _leaked_after_importing(["hom_desktop.cli"]) == []


def test_the_probe_detects_a_leak():
    """Guard against a vacuous pass: the same probe sees Qt and FastAPI when they are imported."""
    leaked = _leaked_after_importing(["PySide6.QtCore", "fastapi"])
    assert "PySide6" in leaked and "fastapi" in leaked


def _imported_top_packages(folder: Path) -> set[str]:
    tops: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                tops.add(node.module.split(".")[0])
    return tops


def test_the_applications_never_import_each_other():
    assert "hom_server" not in _imported_top_packages(ROOT / "hom_desktop")
    assert "hom_desktop" not in _imported_top_packages(ROOT / "hom_server")
    assert "hom_desktop" not in _imported_top_packages(ROOT / "hom")
    assert "hom_server" not in _imported_top_packages(ROOT / "hom")
    assert "hom" in _imported_top_packages(ROOT / "hom_desktop")
