"""The managers' dashboard: charts with their numbers beside them, read offline from the store.

One background read (``services.dashboards.load``) fetches every figure for the chosen dates and
area; each panel then shows a QtCharts chart on the left and the same numbers in a table on the
right (the table exports to CSV and Excel like every table; the chart saves as a PNG).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QDateTimeAxis,
    QHorizontalBarSeries,
    QLineSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QDateTime, QMargins, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from hom.models.enums import GeoLevel, OrderLevel
from hom.services import dashboards, reports
from hom.services.dashboards import Dashboard, DashboardFilter
from hom_desktop.ui import formats, prompts, theme
from hom_desktop.ui.base import AppSession, BaseView, button_for, hbox
from hom_desktop.ui.forms import DateEdit, label, repolish
from hom_desktop.ui.ops import Operation, Progress
from hom_desktop.ui.table_model import ALIGN_RIGHT, Column, Page, PagedTableModel, make_table

LEVEL_COLOURS = {
    OrderLevel.PRIMARY: QColor("#2f6690"),
    OrderLevel.SECONDARY: QColor("#3a7d44"),
    OrderLevel.TERTIARY: QColor("#d98c1f"),
}
SERIES_COLOURS = [QColor(c) for c in ("#2f6690", "#3a7d44", "#d98c1f", "#8e44ad", "#c0392b")]
PANEL_HEIGHT = 300


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(d: QDate) -> date:
    return date(d.year(), d.month(), d.day())


def _msecs(d: date) -> float:
    return float(QDateTime(_qdate(d), datetime.min.time()).toMSecsSinceEpoch())


def _money(v: Any) -> str:
    return formats.money(v)


def _qty(v: int | None) -> str:
    return formats.quantity(v)


def fixed_rows(rows: Sequence[Any]) -> Callable[[Any], Page]:
    """A page source for figures already read (the dashboard's small tables)."""
    kept = list(rows)
    return lambda _req: Page(kept)


class ChartPanel(QFrame):
    """A titled chart with its numbers in a table beside it and a button saving it as PNG."""

    def __init__(self, key: str, title: str, columns: list[Column]) -> None:
        super().__init__()
        self.key = key
        self.setObjectName(f"panel-{key}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(PANEL_HEIGHT)
        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setBackgroundRoundness(0)
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setAccessibleName(f"{title} chart")
        self.model = PagedTableModel(columns)
        self.table = make_table(self.model, object_name=f"dash-{key}-table", name=title)
        self.save_button = QPushButton(theme.icon("export"), "Save chart as PNG…")
        self.save_button.setAccessibleName(f"Save the {title.lower()} chart as PNG")
        self.save_button.clicked.connect(lambda: self.save_png())
        self.title = title
        col = QVBoxLayout(self)
        col.setContentsMargins(8, 6, 8, 8)
        col.addLayout(hbox(label(title, "subtitle"), None, self.save_button))
        row = QHBoxLayout()
        row.addWidget(self.view, 3)
        row.addWidget(self.table, 2)
        col.addLayout(row, 1)

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.model.set_fetch(fixed_rows(rows))

    def clear_chart(self) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)

    def save_png(self, path: str | None = None) -> str | None:
        """Write the chart alone as a PNG (asks where unless ``path`` is given)."""
        path = path or prompts.save_file(
            self, "Save chart as PNG", f"dashboard-{self.key}.png", "PNG images (*.png)"
        )
        if not path:
            return None
        if not path.lower().endswith(".png"):
            path += ".png"
        if not self.view.grab().save(path, "PNG"):
            prompts.error(self, "Save chart", f"Could not write {path}")
            return None
        return path


LAKH = 100_000.0
"""Money is charted in lakhs of rupees (₹1,00,000), as Indian managers read large sums."""
CHART_BARS = 6
"""At most this many bars in a horizontal chart, so that every label fits beside its bar."""


def _value_axis(
    chart: QChart,
    series: Sequence[Any],
    top: float,
    side: Qt.AlignmentFlag,
    title: str = "",
) -> None:
    axis = QValueAxis()
    axis.setRange(0, top * 1.1 if top > 0 else 1)
    axis.setLabelFormat("%.1f" if title.startswith("₹") else "%.0f")
    axis.applyNiceNumbers()
    if title:
        axis.setTitleText(title)
    chart.addAxis(axis, side)
    for s in series:
        s.attachAxis(axis)


def _category_axis(chart: QChart, series: Any, names: list[str], side: Qt.AlignmentFlag) -> None:
    axis = QBarCategoryAxis()
    axis.append(names)
    chart.addAxis(axis, side)
    series.attachAxis(axis)


def _short(text: str, n: int = 18) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class DashboardView(BaseView):
    key = "dashboards"
    title = "Dashboards"
    icon_name = "dashboard"
    permissions = frozenset({"dashboards.view"})
    watches = frozenset({"stock", "orders", "production", "products", "geography"})

    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.dashboard: Dashboard | None = None
        self.operation: Operation[Dashboard] | None = None
        self.generation = 0
        self.refresh_action = self.action(
            "Refresh &dashboard", self.refresh, icon="refresh", shortcut="Ctrl+R"
        )
        layout = self.page_layout("Dashboards", button_for(self.refresh_action, primary=True))
        layout.addLayout(self._filters())
        self.kpis = QHBoxLayout()
        self.kpi_labels: dict[str, QLabel] = {}
        for key, text in (
            ("primary", "Primary sales"),
            ("secondary", "Secondary sales"),
            ("tertiary", "Tertiary sales"),
            ("production", "Production (vs previous)"),
            ("low", "Low-stock alerts"),
            ("expiry", "Batches near expiry"),
        ):
            box = QFrame()
            box.setObjectName(f"kpi-{key}")
            box.setFrameShape(QFrame.Shape.StyledPanel)
            inner = QVBoxLayout(box)
            inner.setContentsMargins(10, 4, 10, 6)
            inner.addWidget(label(text, "hint"))
            value = label("—", "kpi")
            value.setAccessibleName(text)
            inner.addWidget(value)
            self.kpi_labels[key] = value
            self.kpis.addWidget(box, 1)
        layout.addLayout(self.kpis)
        self.panels = self._panels()
        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, panel in enumerate(self.panels.values()):
            grid.addWidget(panel, i, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(body)
        self.scroll.setAccessibleName("Dashboard panels")
        layout.addWidget(self.scroll, 1)
        self.stale = True

    # --- filters ------------------------------------------------------------------------

    def _filters(self) -> QHBoxLayout:
        today = date.today()
        self.since = DateEdit(_qdate(today - timedelta(days=29)))
        self.since.setObjectName("dash-since")
        self.since.setAccessibleName("From date")
        self.until = DateEdit(_qdate(today))
        self.until.setObjectName("dash-until")
        self.until.setAccessibleName("To date")
        self.period = QComboBox()
        self.period.setObjectName("dash-period")
        self.period.setAccessibleName("Period")
        for text, days in (
            ("Last 7 days", 7),
            ("Last 30 days", 30),
            ("Last 90 days", 90),
            ("Custom dates", 0),
        ):
            self.period.addItem(text, days)
        self.period.setCurrentIndex(1)
        self.area = QComboBox()
        self.area.setObjectName("dash-area")
        self.area.setAccessibleName("Geography")
        self.area.setMinimumContentsLength(22)
        self.group = QComboBox()
        self.group.setObjectName("dash-group")
        self.group.setAccessibleName("Group sales by")
        for level in dashboards.GEO_GROUP_LEVELS:
            self.group.addItem(level.label, level)
        self._fill_areas()
        pairs: list[tuple[str, QWidget]] = [
            ("Pe&riod", self.period),
            ("Fro&m", self.since),
            ("T&o", self.until),
            ("Ar&ea", self.area),
            ("Gro&up by", self.group),
        ]
        row = QHBoxLayout()
        for text, widget in pairs:
            lab = QLabel(text)
            lab.setBuddy(widget)
            row.addWidget(lab)
            row.addWidget(widget)
        row.addStretch(1)
        self.period.currentIndexChanged.connect(self._period_chosen)
        for edit in (self.since, self.until):
            edit.entered.connect(self._dates_typed)
        self.area.activated.connect(lambda _i: self.refresh())
        self.group.activated.connect(lambda _i: self.refresh())
        return row

    def _fill_areas(self) -> None:
        nodes = self.app.read(reports.geo_nodes)
        children: dict[uuid.UUID | None, list[Any]] = {}
        for n in nodes:
            children.setdefault(n.parent_id, []).append(n)
        self.area.clear()
        self.area.addItem("All India", None)

        def walk(parent: uuid.UUID | None, depth: int) -> None:
            for n in sorted(children.get(parent, []), key=lambda n: n.name):
                if n.level > GeoLevel.REGION:
                    continue
                self.area.addItem("    " * depth + f"{n.name} ({n.level.label.lower()})", n.id)
                walk(n.id, depth + 1)

        walk(None, 0)

    def _period_chosen(self, _i: int) -> None:
        days = self.period.currentData()
        if days:
            today = date.today()
            for edit, d in ((self.since, today - timedelta(days=days - 1)), (self.until, today)):
                edit.blockSignals(True)
                edit.setDate(_qdate(d))
                edit.blockSignals(False)
            self.refresh()

    def _dates_typed(self) -> None:
        self.period.blockSignals(True)
        self.period.setCurrentIndex(self.period.count() - 1)
        self.period.blockSignals(False)
        self.refresh()

    def current_filter(self) -> DashboardFilter:
        return DashboardFilter(
            since=_pydate(self.since.date()),
            until=_pydate(self.until.date()),
            geo_node_id=self.area.currentData(),
            geo_level=self.group.currentData() or GeoLevel.ZONE,
        )

    # --- reading ------------------------------------------------------------------------

    def activated(self) -> None:
        super().activated()

    def refresh(self) -> None:
        """Read every figure in the background; the panels fill when it is back."""
        super().refresh()
        flt = self.current_filter()
        store, ctx = self.app.store, self.app.ctx
        self.generation += 1
        generation = self.generation
        self.refresh_action.setEnabled(False)

        def work(_p: Progress) -> Dashboard:
            with store.reader() as s:
                return dashboards.load(s, ctx=ctx, flt=flt)

        def show(dash: Dashboard) -> None:
            if generation == self.generation:
                self.show_dashboard(dash)

        def failed(exc: BaseException) -> None:
            if generation == self.generation:
                self._banner(f"The dashboard could not be read: {prompts.describe(exc)}", True)

        self.operation = (
            Operation(self, work)
            .success(show)
            .failure(failed)
            .finally_(lambda: self.refresh_action.setEnabled(True))
            .run()
        )

    def _banner(self, text: str, error: bool) -> None:
        self.banner.setProperty("role", "banner-error" if error else "banner-info")
        repolish(self.banner)
        self.banner.setText(text)
        self.banner.show()

    def focus_first(self) -> None:
        self.period.setFocus()

    # --- showing ------------------------------------------------------------------------

    def show_dashboard(self, dash: Dashboard) -> None:
        self.dashboard = dash
        self.banner.hide()
        f = dash.filter
        for level in OrderLevel:
            self.kpi_labels[level.value].setText(_money(dash.totals[level]))
        change = dash.production_total - dash.production_previous_total
        self.kpi_labels["production"].setText(
            f"{_qty(dash.production_total)} ({'+' if change >= 0 else '−'}{_qty(abs(change))})"
        )
        self.kpi_labels["low"].setText(_qty(sum(s.low for s in dash.stock)))
        listed = len(dash.near_expiry)
        more = "+" if listed >= dashboards.LIST_LIMIT * f.top else ""
        self.kpi_labels["expiry"].setText(f"{_qty(listed)}{more}")
        self.say_scope = (
            f"{dash.scope_name} · {formats.day(f.since)} to {formats.day(f.until)} "
            f"({formats.plural(f.days, 'day')})"
        )
        self._sales(dash)
        self._geo(dash)
        self._production(dash)
        self._stock(dash)
        self._low(dash)
        self._top_products(dash)
        self._distributors(dash)
        self._expiry(dash)

    def _panels(self) -> dict[str, ChartPanel]:
        money = {"align": ALIGN_RIGHT, "width_chars": 11}
        qty = {"align": ALIGN_RIGHT, "width_chars": 8}
        made = [
            ChartPanel(
                "sales",
                "Sales per level over time",
                [
                    Column("From", lambda r: formats.day(r.start), raw=lambda r: r.start),
                    *[
                        Column(
                            lv.value.title(),
                            lambda r, lv=lv: _money(r.value(lv)),
                            raw=lambda r, lv=lv: r.value(lv),
                            **money,
                        )
                        for lv in OrderLevel
                    ],
                ],
            ),
            ChartPanel(
                "geo",
                "Sales by geography",
                [
                    Column("Area", lambda r: r.name, stretch=True),
                    *[
                        Column(
                            lv.value.title(),
                            lambda r, lv=lv: _money(r.value(lv)),
                            raw=lambda r, lv=lv: r.value(lv),
                            **money,
                        )
                        for lv in OrderLevel
                    ],
                ],
            ),
            ChartPanel(
                "production",
                "Production per factory per day, against the previous period",
                [
                    Column("Factory", lambda r: r.site_code, width_chars=6),
                    Column(
                        "Day", lambda r: formats.day(r.day), raw=lambda r: r.day, width_chars=10
                    ),
                    Column("Good", lambda r: _qty(r.good), raw=lambda r: r.good, **qty),
                    Column(
                        "Prev. day",
                        lambda r: formats.day(r.previous_day),
                        raw=lambda r: r.previous_day,
                        width_chars=10,
                    ),
                    Column(
                        "Prev. good",
                        lambda r: _qty(r.previous_good),
                        raw=lambda r: r.previous_good,
                        **qty,
                    ),
                ],
            ),
            ChartPanel(
                "stock",
                "Stock by location and days of cover",
                [
                    Column("Location", lambda r: r.code, tooltip=lambda r: r.name, stretch=True),
                    Column("On hand", lambda r: _qty(r.on_hand), raw=lambda r: r.on_hand, **qty),
                    Column(
                        "Days of cover",
                        lambda r: _qty(r.days_of_cover) if r.days_of_cover is not None else "—",
                        raw=lambda r: r.days_of_cover,
                        **qty,
                    ),
                    Column("Low", lambda r: _qty(r.low), raw=lambda r: r.low, **qty),
                ],
            ),
            ChartPanel(
                "low",
                "Low-stock alerts",
                [
                    Column("Location", lambda r: r.location_code, width_chars=10),
                    Column("Product", lambda r: f"{r.sku} {r.name}", stretch=True),
                    Column("On hand", lambda r: _qty(r.on_hand), raw=lambda r: r.on_hand, **qty),
                    Column(
                        "Reorder at",
                        lambda r: _qty(r.reorder_level),
                        raw=lambda r: r.reorder_level,
                        **qty,
                    ),
                ],
            ),
            ChartPanel(
                "products",
                "Top products",
                [
                    Column("Product", lambda r: f"{r.sku} {r.name}", stretch=True),
                    Column("Qty", lambda r: _qty(r.quantity), raw=lambda r: r.quantity, **qty),
                    Column("Value", lambda r: _money(r.total), raw=lambda r: r.total, **money),
                ],
            ),
            ChartPanel(
                "distributors",
                "Top distributors",
                [
                    Column("Distributor", lambda r: f"{r.name} ({r.code})", stretch=True),
                    Column("Bought", lambda r: _money(r.bought), raw=lambda r: r.bought, **money),
                    Column("Sold on", lambda r: _money(r.sold), raw=lambda r: r.sold, **money),
                ],
            ),
            ChartPanel(
                "expiry",
                "Batches near expiry",
                [
                    Column("Batch", lambda r: r.batch, width_chars=12),
                    Column("SKU", lambda r: r.sku, width_chars=11),
                    Column("At", lambda r: r.location_code, width_chars=9),
                    Column(
                        "Expires",
                        lambda r: formats.day(r.expires_on),
                        raw=lambda r: r.expires_on,
                        width_chars=10,
                    ),
                    Column("Qty", lambda r: _qty(r.quantity), raw=lambda r: r.quantity, **qty),
                ],
            ),
        ]
        return {p.key: p for p in made}

    def _sales(self, dash: Dashboard) -> None:
        panel = self.panels["sales"]
        panel.set_rows(dash.sales)
        panel.clear_chart()
        series = []
        top = 0.0
        for level in OrderLevel:
            s = QLineSeries()
            s.setName(level.value.title())
            s.setPen(QPen(LEVEL_COLOURS[level], 2))
            for p in dash.sales:
                v = float(p.value(level)) / LAKH  # a chart coordinate; the table shows the sum
                top = max(top, v)
                s.append(_msecs(p.start), v)
            panel.chart.addSeries(s)
            series.append(s)
        axis = QDateTimeAxis()
        axis.setFormat("dd-MM")
        if dash.sales:
            first, last = dash.sales[0].start, dash.sales[-1].start
            axis.setRange(
                QDateTime(_qdate(first), time.min), QDateTime(_qdate(max(last, first)), time.min)
            )
        axis.setTickCount(min(8, max(2, len(dash.sales))))
        panel.chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
        for s in series:
            s.attachAxis(axis)
        _value_axis(panel.chart, series, top, Qt.AlignmentFlag.AlignLeft, "₹ lakh")
        panel.chart.setTitle("by week" if dash.weekly else "by day")

    def _geo(self, dash: Dashboard) -> None:
        panel = self.panels["geo"]
        rows = dash.sales_by_geo[:12]
        panel.set_rows(dash.sales_by_geo)
        panel.clear_chart()
        bars = QStackedBarSeries()
        for level in OrderLevel:
            bs = QBarSet(level.value.title())
            bs.setColor(LEVEL_COLOURS[level])
            for g in rows:
                bs.append(float(g.value(level)) / LAKH)
            bars.append(bs)
        panel.chart.addSeries(bars)
        _category_axis(
            panel.chart, bars, [_short(g.name, 14) for g in rows], Qt.AlignmentFlag.AlignBottom
        )
        _value_axis(
            panel.chart,
            [bars],
            max((float(g.total) / LAKH for g in rows), default=0),
            Qt.AlignmentFlag.AlignLeft,
            "₹ lakh",
        )

    def _production(self, dash: Dashboard) -> None:
        panel = self.panels["production"]
        panel.set_rows([r for r in dash.production if r.good or r.previous_good])
        panel.clear_chart()
        factories = sorted({r.site_code for r in dash.production})
        series, top = [], 0.0
        for i, code in enumerate(factories[:5]):
            colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
            now, before = QLineSeries(), QLineSeries()
            now.setName(code)
            before.setName(f"{code} previous")
            now.setPen(QPen(colour, 2))
            dashed = QPen(colour, 1.5)
            dashed.setStyle(Qt.PenStyle.DashLine)
            before.setPen(dashed)
            for r in dash.production:
                if r.site_code == code:
                    now.append(_msecs(r.day), r.good)
                    before.append(_msecs(r.day), r.previous_good)
                    top = max(top, r.good, r.previous_good)
            for s in (now, before):
                panel.chart.addSeries(s)
                series.append(s)
        axis = QDateTimeAxis()
        axis.setFormat("dd-MM")
        f = dash.filter
        axis.setRange(QDateTime(_qdate(f.since), time.min), QDateTime(_qdate(f.until), time.min))
        axis.setTickCount(min(8, max(2, f.days)))
        panel.chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
        for s in series:
            s.attachAxis(axis)
        _value_axis(panel.chart, series, top, Qt.AlignmentFlag.AlignLeft)

    def _bars(
        self,
        panel: ChartPanel,
        names: list[str],
        sets: list[tuple[str, QColor, list[float]]],
        *,
        horizontal: bool = True,
        unit: str = "",
    ) -> None:
        panel.clear_chart()
        bars = QHorizontalBarSeries() if horizontal else QBarSeries()
        top = 0.0
        for title, colour, values in sets:
            bs = QBarSet(title)
            bs.setColor(colour)
            for v in values:
                bs.append(v)
                top = max(top, v)
            bars.append(bs)
        panel.chart.addSeries(bars)
        cat_side = Qt.AlignmentFlag.AlignLeft if horizontal else Qt.AlignmentFlag.AlignBottom
        val_side = Qt.AlignmentFlag.AlignBottom if horizontal else Qt.AlignmentFlag.AlignLeft
        _category_axis(panel.chart, bars, names, cat_side)
        _value_axis(panel.chart, [bars], top, val_side, unit)
        panel.chart.legend().setVisible(len(sets) > 1)

    def _stock(self, dash: Dashboard) -> None:
        panel = self.panels["stock"]
        panel.set_rows(dash.stock)
        rows = sorted(dash.stock, key=lambda r: -r.on_hand)[:CHART_BARS][::-1]
        self._bars(
            panel,
            [r.code for r in rows],
            [("On hand", SERIES_COLOURS[0], [float(r.on_hand) for r in rows])],
        )

    def _low(self, dash: Dashboard) -> None:
        panel = self.panels["low"]
        panel.set_rows(dash.low_stock)
        rows = dash.low_stock[:CHART_BARS][::-1]
        self._bars(
            panel,
            [f"{r.sku} @ {r.location_code}" for r in rows],
            [
                ("On hand", QColor("#c0392b"), [float(r.on_hand) for r in rows]),
                ("Reorder level", QColor("#95a5a6"), [float(r.reorder_level) for r in rows]),
            ],
        )

    def _top_products(self, dash: Dashboard) -> None:
        panel = self.panels["products"]
        panel.set_rows(dash.top_products)
        rows = dash.top_products[:CHART_BARS][::-1]
        self._bars(
            panel,
            [_short(f"{r.sku} {r.name}", 22) for r in rows],
            [
                (
                    lv.value.title(),
                    LEVEL_COLOURS[lv],
                    [float(r.value(lv)) / LAKH for r in rows],
                )
                for lv in OrderLevel
            ],
            unit="₹ lakh",
        )

    def _distributors(self, dash: Dashboard) -> None:
        panel = self.panels["distributors"]
        panel.set_rows(dash.top_distributors)
        rows = dash.top_distributors[:CHART_BARS][::-1]
        self._bars(
            panel,
            [_short(r.name, 22) for r in rows],
            [
                (
                    "Bought (primary)",
                    LEVEL_COLOURS[OrderLevel.PRIMARY],
                    [float(r.bought) / LAKH for r in rows],
                ),
                (
                    "Sold on (secondary)",
                    LEVEL_COLOURS[OrderLevel.SECONDARY],
                    [float(r.sold) / LAKH for r in rows],
                ),
            ],
            unit="₹ lakh",
        )

    def _expiry(self, dash: Dashboard) -> None:
        panel = self.panels["expiry"]
        panel.set_rows(dash.near_expiry)
        rows = dash.near_expiry[:CHART_BARS][::-1]
        self._bars(
            panel,
            [
                f"{r.batch} ({r.days_left} d)" if r.days_left >= 0 else f"{r.batch} (expired)"
                for r in rows
            ],
            [("Quantity", QColor("#d98c1f"), [float(r.quantity) for r in rows])],
        )
