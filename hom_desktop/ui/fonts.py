"""Fonts for the Indian scripts the data is written in (Devanagari, Tamil, Bengali).

A clerk's Windows or a minimal Linux may have no font for them, and then names draw as empty
boxes with no error. The installer copies Noto Sans for each script (and its licence) into the
bundle's ``fonts`` folder; at start-up a bundled application registers them with Qt, which then
falls back to them for any text in those scripts. Run from source, the system's fonts are used.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtGui import QFontDatabase

log = logging.getLogger(__name__)

FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
SCRIPTS: dict[str, QFontDatabase.WritingSystem] = {
    "Devanagari": QFontDatabase.WritingSystem.Devanagari,
    "Tamil": QFontDatabase.WritingSystem.Tamil,
    "Bengali": QFontDatabase.WritingSystem.Bengali,
}

_loaded: dict[Path, list[str]] = {}


def bundled_font_dir() -> Path | None:
    """The ``fonts`` folder of a frozen bundle; None when run from source."""
    if not getattr(sys, "frozen", False):
        return None
    return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "fonts"


def load_fonts(folder: Path) -> list[str]:
    """Register every font file in ``folder`` with Qt (once); the families they add.
    Needs the QGuiApplication to exist."""
    families: list[str] = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.suffix.lower() not in FONT_SUFFIXES:
            continue
        if path not in _loaded:
            font_id = QFontDatabase.addApplicationFont(str(path))
            if font_id < 0:
                log.warning("font %s could not be loaded", path)
                _loaded[path] = []
            else:
                _loaded[path] = QFontDatabase.applicationFontFamilies(font_id)
        families += [f for f in _loaded[path] if f not in families]
    return families


def load_bundled() -> list[str]:
    """At start-up: the bundle's fonts registered (nothing to do when run from source)."""
    folder = bundled_font_dir()
    return load_fonts(folder) if folder is not None else []


def coverage() -> dict[str, list[str]]:
    """For each Indian script, the font families that can draw it (empty: boxes on screen)."""
    return {name: QFontDatabase.families(system) for name, system in SCRIPTS.items()}
