"""Every package of the source tree ships in the wheel (the list in pyproject is explicit)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("hom", "hom_desktop", "hom_server")
        for p in (ROOT / top).rglob("__init__.py")
    }
    mapped = set(config["package-dir"])
    assert found - listed == set(), "add these packages to [tool.setuptools] packages"
    assert mapped <= listed
    for package, folder in config["package-dir"].items():
        assert (ROOT / folder / "__init__.py").exists(), package


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = (
        "python3 -m venv .venv && . .venv/bin/activate && "
        "pip install -q -e '.[dev]' && python -m pytest"
    )
    assert command in readme
    assert command in ci.splitlines()
