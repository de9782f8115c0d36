"""The dashboard view: its figures come from the service (the small known data set of
tests/test_dashboards.py), each chart saves as a PNG and each table exports what it shows."""

from __future__ import annotations

import csv
from datetime import timedelta

from openpyxl import load_workbook
from PySide6.QtGui import QImage

from hom_desktop.ui import table_export
from hom_desktop.ui.dashboards import DashboardView, _qdate
from tests.test_dashboards import T, data  # noqa: F401 - the fixture
from tests.ui.conftest import drain, make_session


def test_dashboard_shows_the_hand_computed_figures(qtbot, data, tmp_path, prompt_log):  # noqa: F811
    view = DashboardView(make_session(data["kit"]))
    qtbot.addWidget(view)
    view.since.setDate(_qdate(T - timedelta(9)))
    view.until.setDate(_qdate(T))
    view.refresh()
    drain()
    assert view.kpi_labels["primary"].text() == "₹1,180.00"
    assert view.kpi_labels["secondary"].text() == "₹206.50"
    assert view.kpi_labels["tertiary"].text() == "₹90.00"
    geo = view.panels["geo"].model
    assert [geo.data(geo.index(r, 0)) for r in range(geo.rowCount())] == ["S zon", "N zon"]
    assert geo.data(geo.index(0, 1)) == "₹720.00"
    assert view.panels["sales"].chart.series()  # the chart was drawn from the same figures

    png = view.panels["sales"].save_png(str(tmp_path / "sales"))
    assert png.endswith(".png") and not QImage(png).isNull()

    table = view.panels["products"].table
    table_export.export_table(table, "csv", path=str(tmp_path / "top.csv"))
    table_export.export_table(table, "xlsx", path=str(tmp_path / "top.xlsx"))
    drain()
    rows = list(csv.reader((tmp_path / "top.csv").open(encoding="utf-8")))
    assert rows[0] == ["Product", "Qty", "Value"]
    assert rows[1] == ["P1 Neem soap", "36", "1330.00"]  # plain numbers in files
    sheet = load_workbook(tmp_path / "top.xlsx").active
    assert [c.value for c in sheet[2]] == ["P1 Neem soap", 36, 1330]


def test_area_filter_and_refusal_in_the_banner(qtbot, data, prompt_log):  # noqa: F811
    view = DashboardView(make_session(data["kit"]))
    qtbot.addWidget(view)
    view.since.setDate(_qdate(T - timedelta(9)))
    view.until.setDate(_qdate(T))
    north = next(i for i in range(view.area.count()) if view.area.itemText(i).startswith("N zon"))
    view.area.setCurrentIndex(north)
    view.refresh()
    drain()
    assert view.kpi_labels["primary"].text() == "₹460.00"
    view.until.setDate(_qdate(T - timedelta(20)))  # before the start
    view.refresh()
    drain()
    assert "end of the range is before its start" in view.banner.text()
