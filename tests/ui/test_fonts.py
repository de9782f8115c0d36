"""Names in Devanagari, Tamil and Bengali are real data: the fonts in use must draw them.

With only DejaVu installed they draw as empty boxes; ``fonts-noto-core`` (the README and
``.ci/run`` install it) covers them. Qt falls back per character to a font that has the glyph,
so what matters is that an installed family both declares the script and holds every
character of a real name, and that a label showing the name really draws its glyphs.
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics, QImage, QPainter, Qt

SAMPLES = {
    QFontDatabase.WritingSystem.Devanagari: "शर्मा किराना स्टोर",
    QFontDatabase.WritingSystem.Tamil: "முருகன் ஸ்டோர்ஸ்",
    QFontDatabase.WritingSystem.Bengali: "দাস ট্রেডার্স",
}


def _covering_families(system: QFontDatabase.WritingSystem, text: str) -> list[str]:
    chars = [ord(c) for c in text if not c.isspace()]
    return [
        family
        for family in QFontDatabase.families(system)
        if all(QFontMetrics(QFont(family)).inFontUcs4(c) for c in chars)
    ]


def _ink(text: str, font: QFont) -> QImage:
    image = QImage(600, 60, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setFont(font)
    painter.drawText(10, 40, text)
    painter.end()
    return image


@pytest.mark.parametrize("system", list(SAMPLES), ids=lambda s: s.name)
def test_an_installed_font_covers_the_script(qapp, system):
    text = SAMPLES[system]
    families = _covering_families(system, text)
    assert families, f"no installed font draws {system.name} ({text!r}); install fonts-noto-core"


@pytest.mark.parametrize("system", list(SAMPLES), ids=lambda s: s.name)
def test_the_application_font_draws_real_glyphs_not_boxes(qapp, system):
    """Each character drawn with the application's font (and Qt's fallback) differs from the
    box drawn for a character no font has, so the name is not a row of empty boxes."""
    font = qapp.font()
    missing = "\U000f0000"  # a private-use character no font holds: drawn as a box, or not at all
    box = _ink(missing, font)
    for ch in {c for c in SAMPLES[system] if not c.isspace() and c.isalpha()}:
        assert _ink(ch, font) != box, f"{ch!r} ({system.name}) draws like a missing glyph"
