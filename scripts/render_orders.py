"""Render the orders list and the order form at 1280x800 with the demo store (docs/img/).

    python scripts/render_orders.py --store DATA_DIR     # a folder holding a demo store

The store is copied first (the form's order is typed, by keyboard, and left unsaved).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from hom.core.config import load_settings  # noqa: E402
from hom.core.store import open_store  # noqa: E402
from hom.services import products, users  # noqa: E402
from hom_desktop.ui import ops  # noqa: E402
from hom_desktop.ui.app import ensure_app  # noqa: E402
from hom_desktop.ui.base import AppSession  # noqa: E402
from hom_desktop.ui.main_window import MainWindow  # noqa: E402
from hom_desktop.ui.signin import _who  # noqa: E402


def settle() -> None:
    ops.wait_for_idle()
    for _ in range(8):
        QApplication.processEvents()
        time.sleep(0.03)


FORM = []


def focused():
    return FORM[0].focusWidget() if FORM else QApplication.focusWidget()


def type_text(text: str) -> None:
    QTest.keyClicks(focused(), text)
    settle()


def key(k: Qt.Key) -> None:
    QTest.keyClick(focused(), k)
    settle()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--user", default="clerk")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hom-orders-render-"))
    shutil.copyfile(args.store / "hom.sqlite3", folder / "hom.sqlite3")
    ensure_app()
    store = open_store(load_settings(folder), auto_backup=False)
    with store.reader() as s:
        user = next(u for u in users.list_users(s) if u.username == args.user)
        ctx = users.context_for(s, user=user)
        who = _who(s, user)
    app = AppSession(store=store, settings=store.settings, ctx=ctx, who=who)
    with store.reader() as s:
        admin = next(u for u in users.list_users(s) if u.username == "admin")
        admin_ctx = users.context_for(s, user=admin)
    with store.transaction() as s:  # this demo predates GST in the product master: add it
        for p in products.page_products(s, limit=1000):
            if p.gst_rate is None:
                food = p.category.lower().startswith(("food", "bev"))
                products.update_product(
                    s,
                    ctx=admin_ctx,
                    product_id=p.id,
                    product_in={
                        "gst_rate": "5" if food else "18",
                        "hsn_code": "3401" if not food else "0902",
                    },
                )
    qs = QSettings(str(folder / "render.ini"), QSettings.Format.IniFormat)
    window = MainWindow(app, qs)
    window.resize(1280, 800)
    window.show()
    view = window.show_view("orders")
    view.set_level(view.levels[1] if len(view.levels) > 1 else view.levels[0])
    settle()
    view.table.setFocus()
    draft = view.model.find(lambda r: r.status.value == "draft" and r.site_id == ctx.site_id)
    view.table.keyboard.select(max(draft, 0))
    settle()
    args.out.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(args.out / "orders.png"))
    view.set_level(view.levels[0])
    settle()
    form = view.new_order()
    form.resize(1180, 700)
    FORM.append(form)
    form.activateWindow()
    settle()
    type_text("DIS")
    key(Qt.Key.Key_Return)
    for words, qty in (("neem soap", "4"), ("shampoo", "2"), ("tea", "10"), ("oil", "1")):
        type_text(words)
        key(Qt.Key.Key_Return)
        if form.focusWidget() is form.cases:
            type_text(qty)
            key(Qt.Key.Key_Return)
            type_text("6")
        else:
            type_text(qty)
        key(Qt.Key.Key_Return)
    type_text("hair")
    key(Qt.Key.Key_Return)
    settle()
    form.grab().save(str(args.out / "order-form.png"))
    form.product.set_product(None)  # the "hair" typed last: not a line
    assert form.save(), form.line_error.text()
    settle()
    view.select_number(form.number)
    view.confirm_selected()
    settle()
    dialog = view.dispatch_selected()
    dialog.resize(900, 420)
    settle()
    dialog.grab().save(str(args.out / "dispatch-refused.png"))
    dialog.reject()
    store.close()
    print(
        "saved", *(args.out / n for n in ("orders.png", "order-form.png", "dispatch-refused.png"))
    )


if __name__ == "__main__":
    main()
