"""Render the application icon (resources/icons/app.svg) for the installers:
``hom-desktop.png`` (Linux .desktop, 256 px), ``hom-desktop.ico`` (Windows) and
``hom-desktop.icns`` (macOS), into the folder given as the only argument."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SVG = Path(__file__).resolve().parent.parent / "resources" / "icons" / "app.svg"


def render(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    return image


def main(target: Path) -> None:
    QGuiApplication(sys.argv[:1])
    target.mkdir(parents=True, exist_ok=True)
    made = [
        render(256).save(str(target / "hom-desktop.png"), "PNG"),
        render(256).save(str(target / "hom-desktop.ico"), "ICO"),
        render(512).save(str(target / "hom-desktop.icns"), "ICNS"),
    ]
    if not all(made):
        sys.exit(f"could not write the icons into {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
