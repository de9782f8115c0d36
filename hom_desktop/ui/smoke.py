"""``hom-desktop --smoke``: prove an installation works, with no display and no person.

Run on a freshly built bundle (and by the installer test), it walks the path a clerk's first day
takes: Qt starts (platform, image and icon plugins), the bundled fonts for the Indian scripts
load, the store is created in the data folder and migrated (an older one is backed up and
upgraded first; a newer one is refused), the demo company is loaded, the sign-in window opens,
the demo admin signs in and every view of the main window is opened and drawn, and ``verify``
proves every balance equals its ledger. Each step prints one ``smoke:`` line; the exit code is 0
only when every step passed.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import TextIO

from PySide6.QtCore import QSettings

from hom.core import migrate
from hom.core.config import Settings
from hom.core.store import Store, open_store
from hom.demo.catalog import DEMO_PASSWORD
from hom.services import demo, sites, stock
from hom_desktop import about
from hom_desktop.ui import fonts, formats, ops, theme
from hom_desktop.ui.app import Shell, ensure_app

QT_MODULES_KEPT = ("QtCharts", "QtPrintSupport", "QtSvg")  # dashboards, invoices, icons


class SmokeFailed(Exception):
    pass


class _Steps:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.started = time.perf_counter()

    def ok(self, step: str, detail: str) -> None:
        elapsed = time.perf_counter() - self.started
        self.out.write(f"smoke: {step}: {detail} [{elapsed:.2f} s]\n")
        self.out.flush()


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise SmokeFailed(what)


def run_smoke(settings: Settings, *, days: int, out: TextIO) -> int:
    steps = _Steps(out)
    try:
        _run(settings, days=days, steps=steps)
    except SmokeFailed as exc:
        out.write(f"smoke: FAILED: {exc}\n")
        return 1
    steps.ok("done", "every step passed")
    return 0


def _run(settings: Settings, *, days: int, steps: _Steps) -> None:
    steps.ok("version", f"{about.facts(settings)[0][1]}; {about.runtime_text()}")
    app = ensure_app()
    steps.ok("qt", f"platform {app.platformName()}, style {app.style().metaObject().className()}")

    _check(not theme.icon("app").pixmap(32, 32).isNull(), "the SVG icons do not draw")
    for module in QT_MODULES_KEPT:
        __import__(f"PySide6.{module}")
    from PySide6.QtCharts import QChart
    from PySide6.QtPrintSupport import QPrinter

    QChart(), QPrinter()
    steps.ok("qt modules", "SVG icons draw; " + ", ".join(QT_MODULES_KEPT) + " load")

    bundled = fonts.load_bundled()
    if fonts.bundled_font_dir() is not None:
        _check(bool(bundled), f"no fonts loaded from {fonts.bundled_font_dir()}")
    missing = [script for script, families in fonts.coverage().items() if not families]
    _check(not missing, f"no font draws {', '.join(missing)}")
    steps.ok(
        "fonts",
        f"bundled {', '.join(bundled) or 'none (run from source)'}; "
        + "; ".join(f"{s} by {f[0]}" for s, f in fonts.coverage().items()),
    )
    money = formats.money(Decimal("123456"))
    _check(money == "₹1,23,456.00", f"money reads {money!r}, not ₹1,23,456.00")
    steps.ok("formats", money)

    store = open_store(settings)  # StoreTooNew propagates: the command prints it and exits 2
    try:
        _with_store(store, settings, days=days, steps=steps)
    finally:
        ops.wait_for_idle()
        store.close()


def _with_store(store: Store, settings: Settings, *, days: int, steps: _Steps) -> None:
    if store.upgraded is not None:
        steps.ok("upgrade", store.upgraded.describe())
    revision = migrate.current_revision(store.engine)
    _check(revision == migrate.head_revision(), f"the store is at {revision}, not the head")
    steps.ok("store", f"{settings.store_path} at schema revision {revision}")

    with store.reader() as session:
        initialised = sites.is_initialised(session)
        is_demo = demo.is_demo_store(session)
    if not initialised:
        summary = demo.load_demo(store, days=days)
        is_demo = True
        steps.ok("demo", summary.describe().splitlines()[0])
    else:
        steps.ok("demo", "already loaded" if is_demo else "skipped: the store holds other data")

    app = ensure_app()
    qsettings = QSettings(str(settings.data_dir / "smoke-ui.ini"), QSettings.Format.IniFormat)
    shell = Shell(store, settings, qsettings=qsettings, exit_app=lambda _code: None)
    shell.start()
    app.processEvents()
    dialog = shell.sign_in
    _check(dialog is not None and dialog.isVisible(), "the sign-in window did not open")
    steps.ok("window", "sign-in window shown")

    if is_demo:
        dialog.username.setText("admin")
        dialog.password.setText(DEMO_PASSWORD)
        _check(dialog.attempt(), f"the demo admin could not sign in: {dialog.error_text()}")
        window = shell.window
        _check(window is not None and window.isVisible(), "the main window did not open")
        opened = []
        for view in window.view_types:
            window.show_view(view.key)
            app.processEvents()
            ops.wait_for_idle(30_000)
            app.processEvents()
            _check(not window.grab().isNull(), f"the {view.key} view did not draw")
            opened.append(view.key)
        steps.ok("views", f"signed in as admin; opened {', '.join(opened)}")
        # Closing with unsaved input would wait for an answer nobody headless can give.
        unsaved = [text for v in window.views.values() if (text := v.unsaved_changes())]
        _check(not unsaved, f"opening the views left unsaved input: {'; '.join(unsaved)}")
        window.close()
        app.processEvents()

    with store.reader() as session:
        report = stock.verify(session)
    _check(
        report.ok,
        f"verify: {len(report.mismatches)} mismatches, {report.negatives} negative balances",
    )
    steps.ok("verify", f"{report.ledger_entries} ledger entries, every balance matches")
