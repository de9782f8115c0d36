"""Driving the order screens by keyboard only, counting every key (a chord counts once)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from hom.models.enums import LocationKind, PartyKind
from tests.utils.builders import add_location, add_product
from tests.utils.order_builders import add_party, receive

CTRL = Qt.KeyboardModifier.ControlModifier


@dataclass
class Keyboard:
    """Keys go where a real keyboard sends them: the focused widget of the active window."""

    qtbot: Any
    window: QWidget
    count: int = 0

    def focus(self) -> QWidget:
        active = QApplication.activeWindow() or self.window
        widget = active.focusWidget() or QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        return widget

    def _settle(self) -> None:
        for _ in range(3):
            QApplication.processEvents()

    def type(self, text: str) -> None:
        for ch in text:
            self.qtbot.keyClick(self.focus(), ch)
            self.count += 1
            self._settle()

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier):
        self.qtbot.keyClick(self.focus(), key, modifier)
        self.count += 1
        self._settle()

    def enter(self) -> None:
        self.press(Qt.Key.Key_Return)


WORDS = [
    "neem",
    "rose",
    "lemon",
    "sandal",
    "tulsi",
    "aloe",
    "jasmine",
    "turmeric",
    "saffron",
    "coconut",
]


@dataclass
class Shop:
    """A depot (the kit's DEP01) selling to a distributor whose stock point it keeps, that
    distributor's retailer, and ten soaps (case of 12) in the depot's warehouse."""

    distributor_id: uuid.UUID
    distributor_code: str
    stock_point_id: uuid.UUID
    retailer_id: uuid.UUID
    retailer_code: str
    products: dict[str, uuid.UUID] = field(default_factory=dict)  # word -> id


def make_shop(kit: Any, *, stock: int = 600) -> Shop:
    with kit.session() as s:
        dist = add_party(s, kind=PartyKind.DISTRIBUTOR, code="DSHARMA")
        dist.name = "Sharma Agencies"
        point = add_location(
            s,
            kit.ctx,
            site_id=kit.site_id,
            code="DSHARMA-ST",
            kind=LocationKind.DISTRIBUTOR_STOCK,
            party_id=dist.id,
        )
        ret = add_party(s, kind=PartyKind.RETAILER, code="RMEHTA", distributor_id=dist.id)
        ret.name = "Mehta Kirana"
        s.flush()
        shop = Shop(dist.id, dist.code, point, ret.id, ret.code)
        for i, word in enumerate(WORDS):
            p = add_product(
                s, sku=f"SP-{i:02d}", name=f"{word.title()} bath soap 75 g", pack_size=12
            )
            p.hsn_code, p.gst_rate = "34011110", Decimal("18")
            receive(s, kit.ctx, location_id=kit.location_id, product_id=p.id, quantity=stock)
            shop.products[word] = p.id
    return shop
