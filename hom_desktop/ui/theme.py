"""The look: icons and the stylesheet shipped in ``hom_desktop.resources``.

Files are found through ``importlib.resources`` so they load the same from a checkout, an
installed wheel or a frozen bundle. Icons are SVG, so they stay sharp at any display scale.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from PySide6.QtGui import QGuiApplication, QIcon

RESOURCES = "hom_desktop.resources"


def resource_text(*parts: str) -> str:
    return resources.files(RESOURCES).joinpath(*parts).read_text(encoding="utf-8")


@cache
def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` (an empty icon if there is none)."""
    path = resources.files(RESOURCES).joinpath("icons", f"{name}.svg")
    if not path.is_file():
        return QIcon()
    with resources.as_file(path) as real:
        return QIcon(str(real))


TITLE_SCALE = 1.6
"""A title's size relative to the application's font, so titles grow with the system font."""


@cache
def _stylesheet_text() -> str:
    return resource_text("styles", "hom.qss")


def stylesheet() -> str:
    """The stylesheet, with sizes that follow the application's font (``@title-size``)."""
    base = QGuiApplication.font().pointSizeF() if QGuiApplication.instance() else 10.0
    base = base if base > 0 else 10.0
    return _stylesheet_text().replace("@title-size", f"{base * TITLE_SCALE:.1f}pt")
