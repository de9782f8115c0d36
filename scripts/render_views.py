"""Render every view of the desktop application to PNG (docs/screenshots/), headless.

    python scripts/render_views.py                 # demo data, cached in bench/results/
    python scripts/render_views.py --sample        # a small data set built here (seconds)
    python scripts/render_views.py --scale 2       # also check high-DPI rendering (…@2x.png)

Uses the demo loader (``hom.services.demo.load_demo``) when it is available; the loaded
store is kept under ``bench/results/`` so a second run starts at once. Without the loader (or
with ``--sample``) a small data set is built through the services. Each picture is
``widget.grab()`` under the offscreen platform.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CACHE = ROOT / "bench" / "results"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--sample", action="store_true", help="small data set, no demo loader")
    parser.add_argument("--scale", type=float, default=1.0, help="device pixel ratio to render")
    parser.add_argument("--size", default="1280x800", help="main window size, WxH")
    return parser.parse_args()


ARGS = parse_args()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if ARGS.scale != 1.0:
    os.environ["QT_SCALE_FACTOR"] = str(ARGS.scale)

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from hom.core.config import Settings  # noqa: E402
from hom.core.store import Store, open_store  # noqa: E402
from hom.models.enums import GeoLevel, LocationKind, PartyKind, SiteKind  # noqa: E402
from hom.services import (  # noqa: E402
    geography,
    parties,
    production,
    products,
    setup,
    sites,
    stock,
    users,
)
from hom_desktop.ui import ops, prompts  # noqa: E402
from hom_desktop.ui.app import ensure_app  # noqa: E402
from hom_desktop.ui.base import AppSession  # noqa: E402
from hom_desktop.ui.main_window import MainWindow  # noqa: E402
from hom_desktop.ui.signin import FirstRunDialog, SignInDialog, _who  # noqa: E402


def settle() -> None:
    """Let background jobs finish and every pending paint and layout happen."""
    ops.wait_for_idle()
    for _ in range(5):
        QApplication.processEvents()
        time.sleep(0.02)


# --- data ---------------------------------------------------------------------------------


def demo_store() -> Store | None:
    """The demo company, loaded once into bench/results/demo-store and reused after."""
    try:
        from hom.services import demo
    except Exception as exc:  # the loader is written separately
        print(f"demo loader unavailable ({exc}); using the sample data set", file=sys.stderr)
        return None
    settings = Settings(data_dir=CACHE / "demo-store")
    store = open_store(settings, auto_backup=False)
    with store.reader() as s:
        ready = sites.is_initialised(s)
    if not ready:
        print("loading the demo data (once; cached in bench/results/demo-store)…")
        start = time.perf_counter()

        def progress(done: int, total: int, label: str) -> None:
            print(f"\r  {done}/{total} {label[:60]:<60}", end="", flush=True)

        demo.load_demo(store, progress=progress)
        print(f"\n  loaded in {time.perf_counter() - start:.0f} s")
    return store


def sample_store(folder: Path) -> Store:
    """A small factory's data, built through the services in a few seconds."""
    store = open_store(Settings(data_dir=folder), auto_backup=False)
    with store.transaction() as s:
        init = setup.initialize(
            s,
            admin_username="admin",
            admin_password="admin-pass-123",
            admin_full_name="Asha Kulkarni",
            site_code="FAC01",
            site_name="Pune plant",
            site_kind=SiteKind.FACTORY,
        )
        ctx = users.context_for(s, user=init.admin)
        sites.create_location(
            s,
            ctx=ctx,
            location_in={
                "site_id": init.site.id,
                "code": "FAC01-WH",
                "name": "Pune dispatch",
                "kind": LocationKind.WAREHOUSE,
            },
        )
        parent = None
        chain = {}
        for level, (code, name) in zip(
            GeoLevel,
            [
                ("W", "West"),
                ("MH", "Maharashtra"),
                ("PUN-R", "Pune region"),
                ("PUN-A", "Pune city"),
                ("PUN-1", "Kothrud"),
            ],
            strict=True,
        ):
            parent = geography.create_node(
                s,
                ctx=ctx,
                node_in={
                    "level": level,
                    "code": code,
                    "name": name,
                    "parent_id": parent.id if parent else None,
                },
            )
            chain[code] = parent
        dist = parties.create_party(
            s,
            ctx=ctx,
            party_in={
                "kind": PartyKind.DISTRIBUTOR,
                "code": "D-PUN-01",
                "name": "Sharma Traders",
                "territory_id": chain["PUN-1"].id,
                "phone": "+91 98220 12345",
            },
        )
        for i, shop in enumerate(["Gupta Stores", "Shree Kirana", "Om General"], 1):
            parties.create_party(
                s,
                ctx=ctx,
                party_in={
                    "kind": PartyKind.RETAILER,
                    "code": f"R-PUN-{i:02d}",
                    "name": shop,
                    "territory_id": chain["PUN-1"].id,
                    "distributor_id": dist.id,
                },
            )
        made = []
        for i, (name, cat, mrp) in enumerate(
            [
                ("Neem soap 75 g", "Soap", "35"),
                ("Rose soap 100 g", "Soap", "42"),
                ("Coconut oil 500 ml", "Oil", "160"),
                ("Mustard oil 1 l", "Oil", "210"),
                ("Cow ghee 1 l", "Dairy", "650"),
                ("Assam tea 250 g", "Tea", "140"),
                ("Masala chai 100 g", "Tea", "75"),
                ("Turmeric 200 g", "Spices", "60"),
            ],
            1,
        ):
            mrp_d = Decimal(mrp)
            made.append(
                products.create_product(
                    s,
                    ctx=ctx,
                    product_in={
                        "sku": f"HOM-{i:03d}",
                        "name": name,
                        "category": cat,
                        "brand": "HOM",
                        "pack_size": 12,
                        "mrp": mrp_d,
                        "distributor_price": mrp_d * Decimal("0.8"),
                        "retailer_price": mrp_d * Decimal("0.9"),
                        "reorder_level": 100,
                    },
                )
            )
        fg = sites.list_locations(s, site_id=init.site.id, kind=LocationKind.FINISHED_GOODS)[0]
        wh = sites.get_location_by_code(s, "FAC01-WH")
        for i, p in enumerate(made):
            for shift in ("A", "B"):
                production.post_log(
                    s,
                    ctx=ctx,
                    log_in={
                        "production_date": production.local_today(),
                        "shift": shift,
                        "product_id": p.id,
                        "good_qty": 40 + 25 * i,
                        "rejected_qty": i % 3,
                    },
                )
            if i % 2 == 0:
                stock.transfer(
                    s,
                    ctx=ctx,
                    transfer_in={
                        "from_location_id": fg.id,
                        "to_location_id": wh.id,
                        "product_id": p.id,
                        "quantity": 30 + 5 * i,
                        "reason": "to dispatch",
                    },
                )
    return store


def signed_in(store: Store) -> AppSession:
    with store.transaction() as s:
        admin = next(u for u in users.list_users(s) if "admin" in {r.name for r in u.roles})
        ctx = users.context_for(s, user=admin)
        who = _who(s, admin)
    return AppSession(store=store, settings=store.settings, ctx=ctx, who=who)


# --- pictures -----------------------------------------------------------------------------


class Shots:
    def __init__(self, out: Path, scale: float) -> None:
        self.out = out
        self.suffix = "" if scale == 1.0 else f"@{scale:g}x"
        self.saved: list[Path] = []
        out.mkdir(parents=True, exist_ok=True)

    def save(self, widget: QWidget, name: str) -> None:
        settle()
        path = self.out / f"{name}{self.suffix}.png"
        if not widget.grab().save(str(path)):
            raise RuntimeError(f"could not write {path}")
        self.saved.append(path)
        print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def render(app_session: AppSession, shots: Shots, size: tuple[int, int], only_main: bool) -> None:
    qsettings = QSettings(str(Path(tempfile.mkdtemp()) / "render.ini"), QSettings.Format.IniFormat)
    window = MainWindow(app_session, qsettings)
    window.resize(*size)
    window.show()

    def view(key: str, prepare: Callable[[object], None] | None = None, name: str = "") -> None:
        v = window.show_view(key) or window.views[key]
        if prepare is not None:
            prepare(v)
        shots.save(window, name or f"view-{key}")

    def stock_tab(v) -> None:
        v.tabs.setCurrentIndex(0)

    def ledger_tab(v) -> None:
        v.tabs.setCurrentIndex(1)
        v.refresh_ledger()

    view("dashboards", None, "view-dashboards")
    view("inventory", stock_tab, "view-inventory-stock")
    if only_main:
        return

    def dashboard_lower(v) -> None:
        v.scroll.ensureWidgetVisible(v.panels["stock"], 0, 0)

    view("dashboards", dashboard_lower, "view-dashboards-stock")

    def traced(v) -> None:
        dash = window.views["dashboards"].dashboard
        first = dash.near_expiry[0] if dash and dash.near_expiry else None
        v.batch_code.setText(first.batch if first else "F1-260830-A")
        v.trace_sku.setText(first.sku if first else "")
        v.run_trace()

    view("tools", traced, "view-tools")
    view("inventory", ledger_tab, "view-inventory-ledger")
    view("production")
    view("products", lambda v: v.table.selectRow(0))
    view("parties", lambda v: v.table.selectRow(min(1, v.model.rowCount() - 1)))
    view(
        "geography",
        lambda v: (v.tree.expandToDepth(1), v.tree.setCurrentIndex(v.model.index(0, 0))),
    )
    view("users", lambda v: v.table.selectRow(0))

    # A refused save: the service's words beside the field, what was typed kept.
    def refused(v) -> None:
        v.new_product()
        for w, text in (
            (v.sku, "TEA-NEW"),
            (v.name, "Green tea 100 g"),
            (v.mrp, "90.00"),
            (v.distributor_price, "95.00"),
            (v.retailer_price, "85.00"),
        ):
            w.setText(text)
        v.save()

    view("products", refused, "form-product-refused")

    inv = window.show_view("inventory")
    inv.tabs.setCurrentIndex(0)
    own = [
        i
        for i in range(inv.location.count())
        if inv.location.itemText(i).startswith(
            (app_session.who.site_code + "-FG", app_session.who.site_code + "-WH")
        )
    ]
    if own:
        inv.location.setCurrentIndex(own[0])  # a row of this site's own stock
    inv.stock_table.selectRow(0)
    dialog = inv.open_transfer()
    source = dialog.from_location.location_id()
    dialog.to_location.setCurrentIndex(
        next(
            i for i in range(dialog.to_location.count()) if dialog.to_location.itemData(i) != source
        )
    )
    dialog.quantity.setValue(999999)
    dialog.reason.setText("restock dispatch bay")
    dialog.save()  # refused: more than on hand
    shots.save(dialog, "dialog-transfer-refused")
    dialog.reject()
    dialog = inv.open_count()
    shots.save(dialog, "dialog-stock-count")
    dialog.reject()

    users_view = window.show_view("users")
    dialog = users_view.open_new()
    shots.save(dialog, "dialog-new-user")
    dialog.reject()

    products_view = window.show_view("products")
    csv_path = Path(tempfile.mkdtemp()) / "products.csv"
    csv_path.write_text(
        "sku,name,category,brand,unit,pack_size,mrp,distributor_price,retailer_price,active,"
        "track_batches,shelf_life_days,reorder_level\n"
        "HOM-901,Jaggery 1 kg,Staples,HOM,pcs,10,95.00,76.00,85.00,true,false,,50\n"
        "HOM-902,Sesame oil 500 ml,Oil,HOM,pcs,12,180.00,190.00,170.00,true,false,,20\n"
        "HOM-903,Rock salt 1 kg,Staples,HOM,pcs,20,40.00,32.00,36.00,maybe,false,,30\n"
        "HOM-904,Cardamom 50 g,Spices,HOM,pcs,24,120.00,96.00,108.00,true,false,,10\n",
        encoding="utf-8",
    )
    dialog = products_view.open_import()
    dialog.resize(900, 460)
    dialog.load_file(csv_path)
    shots.save(dialog, "dialog-import-preview")
    dialog.reject()
    window.close()


def render_sign_in(shots: Shots) -> None:
    # A throwaway store: a refused sign-in counts towards the lockout, and the cached demo
    # store must not lock its admin after a few runs of this script.
    scratch = open_store(Settings(data_dir=Path(tempfile.mkdtemp())), auto_backup=False)
    with scratch.transaction() as s:
        setup.initialize(
            s,
            admin_username="admin",
            admin_password="admin-pass-123",
            site_code="FAC01",
            site_name="Pune plant",
            site_kind=SiteKind.FACTORY,
        )
    dialog = SignInDialog(scratch, scratch.settings, username="admin")
    dialog.show()
    dialog.password.setText("wrong-password")
    dialog.attempt()
    shots.save(dialog, "dialog-sign-in-refused")
    dialog.close()
    scratch.close()
    empty = open_store(Settings(data_dir=Path(tempfile.mkdtemp())), auto_backup=False)
    first = FirstRunDialog(empty)
    first.show()
    shots.save(first, "dialog-first-run")
    first.pages.setCurrentIndex(1)
    first.site_code.setText("DEP 7")
    first.site_name.setText("Nagpur depot")
    first.admin_password.setText("secret-pass-1")
    first.admin_confirm.setText("secret-pass-1")
    first.create()
    shots.save(first, "dialog-first-run-setup")
    first.close()
    empty.close()


def main() -> int:
    app = ensure_app()
    # Nobody is there to answer "discard what you typed?" when a pictured dialog is closed.
    prompts.confirm = lambda *_args, **_kwargs: True
    app.setQuitOnLastWindowClosed(False)
    store = None if ARGS.sample else demo_store()
    if store is None:
        store = sample_store(Path(tempfile.mkdtemp()) / "sample")
    shots = Shots(ARGS.out, ARGS.scale)
    width, height = (int(x) for x in ARGS.size.lower().split("x"))
    print(f"rendering to {ARGS.out}")
    session = signed_in(store)
    render(session, shots, (width, height), only_main=ARGS.scale != 1.0)
    if ARGS.scale == 1.0:
        render_sign_in(shots)
    settle()
    store.close()
    print(f"{len(shots.saved)} pictures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
