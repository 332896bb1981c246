"""The report's charts: what each one reads, how it is drawn, and how to read it.

``CHARTS`` lists them in page order. A chart is a ``Query`` (``data.py``) and a function that
draws its rows as a plotly figure; the page shows its title, its one-line reading note, and
either the figure or, when the query has no rows for the day, a "no data for this period"
panel saying why a day may have none (``empty``). Drawing is plain Python over the rows, in
the order the query gives them, so the same rows always give the same figure.
"""

import dataclasses
import datetime as dt
import functools
import html
from collections.abc import Callable

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from customer_platform import scope
from customer_platform.gold.analytics._purchase_model import CALIBRATION_GROUPS, HOLDOUT_DAYS
from customer_platform.gold.analytics.churn_labels import DEFAULT_HORIZON_DAYS
from customer_platform.gold.revops._rules import ACTIVATION, HEALTH
from customer_platform.report import data
from customer_platform.vocabulary import TICKET_TYPES

HEALTH_COLOURS = {"Green": "#2e9d5b", "Yellow": "#e3b505", "Red": "#d1495b"}
BAND_COLOURS = {"High": "#d1495b", "Medium": "#e3a505", "Low": "#7f9cc0"}
LEVEL_COLOURS = {"QAL": "#1f6f8b", "MAL": "#4fa3c7", "RMAL": "#a9d3e6"}
SERIES_COLOURS = ("#1f6f8b", "#d1495b", "#e3a505", "#2e9d5b", "#7a5195")
MOVEMENT_COLOURS = {"New": "#2e9d5b", "Expansion": "#8cc97a", "Reactivated": "#1f6f8b",
                    "Contraction": "#f0a35e", "Churned": "#d1495b"}
#: agg_mrr_summary.unclassified_mrr: the change of customers whose movement is Unknown
UNCLASSIFIED_COLOUR = "#9e9e9e"
#: Pipeline coverage at which the heat map's colour scale is fully green.
COVERAGE_SCALE_MAX = 3.0
HEIGHT = 400
TEMPLATE = "plotly_white"
LABEL_LENGTH = 32
ELLIPSIS = "\u2026"


@dataclasses.dataclass(frozen=True)
class Chart:
    key: str  # the panel's id in the page
    title: str
    note: str  # one line: how to read it
    query: data.Query
    draw: Callable[[pl.DataFrame], go.Figure]
    empty: str  # why a day may have no rows


#: The layout every figure shares but its height (``_figure``).
SHARED_LAYOUT = {
    "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
    "font": {"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 12},
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0,
               "traceorder": "normal"},
    "hoverlabel": {"namelength": -1},
}


@functools.cache
def _validated_layout() -> dict:
    """plotly's ``TEMPLATE`` and ``SHARED_LAYOUT`` as validating them leaves them (the
    template's keys reordered), as plain JSON."""
    layout = go.Figure().update_layout(template=TEMPLATE, **SHARED_LAYOUT).layout
    return {name: layout[name].to_plotly_json() for name in ("template", *SHARED_LAYOUT)}


def _figure(figure: go.Figure | None = None, height: int = HEIGHT, **layout) -> go.Figure:
    """``figure`` (else an empty one) with the report's template and shared layout, then
    ``height`` and ``layout``. The template and the shared layout are validated once, not a
    figure at a time (which saves about 30% of drawing a report), and land where
    ``update_layout`` would put them: the figure's JSON is the same, byte for byte."""
    figure = figure or go.Figure()
    figure.layout._validate = False  # plotly's own switch (what plotly.express sets)
    try:
        for name, value in _validated_layout().items():
            figure.layout[name] = value
    finally:
        figure.layout._validate = True
    figure.update_layout(height=height, **layout)
    return figure


def _column(frame: pl.DataFrame, name: str) -> list:
    """A column as plain Python values, dates as ISO text (stable in the page's JSON) and
    text HTML-escaped: plotly renders tags in labels (a company named ``<a href=...>`` would
    become a link), entities it shows as the characters they stand for."""
    series = frame.get_column(name)
    if series.dtype == pl.Date:
        return series.dt.strftime("%Y-%m-%d").to_list()
    if series.dtype == pl.String:
        return [None if v is None else html.escape(v, quote=False) for v in series.to_list()]
    return series.to_list()


#: Marks a figure the warehouse flags incomplete (``is_complete`` false), in hover and labels.
INCOMPLETE = "incomplete"
INCOMPLETE_MARK = "*"


def _incomplete(frame: pl.DataFrame) -> list[bool]:
    """Per row: the figure is flagged incomplete (``is_complete`` false)."""
    return [flag is False for flag in frame.get_column("is_complete").to_list()]


def _days_axis(days: list[str]) -> dict:
    """A date axis from the day before the first to the day after the last (one day alone
    would otherwise be drawn on a scale of milliseconds)."""
    first = dt.date.fromisoformat(min(days)) - dt.timedelta(days=1)
    last = dt.date.fromisoformat(max(days)) + dt.timedelta(days=1)
    return {"type": "date", "range": [first.isoformat(), last.isoformat()],
            "tickformat": "%d %b"}


def _short(names: list[str], length: int = LABEL_LENGTH) -> list[str]:
    """Axis labels cut to ``length`` characters, then escaped (the hover shows the whole
    name)."""
    return [html.escape(name if len(name) <= length else name[:length - 1] + ELLIPSIS,
                        quote=False) for name in names]


def draw_parent_health(frame: pl.DataFrame) -> go.Figure:
    names = _column(frame, "parent_company")
    hover = [[name, health] for name, health in zip(names, _column(frame, "health"),
                                                     strict=True)]
    figure = go.Figure([
        go.Bar(y=_short(frame.get_column("parent_company").to_list()),
               x=_column(frame, f"{colour.lower()}_accounts"), name=colour, orientation="h",
               marker_color=HEALTH_COLOURS[colour], customdata=hover,
               hovertemplate="%{customdata[0]}: %{x} " + colour + " accounts (parent: "
               "%{customdata[1]})<extra></extra>")
        for colour in HEALTH_COLOURS])
    return _figure(figure, barmode="stack", xaxis_title="accounts",
                   yaxis={"autorange": "reversed", "automargin": True},
                   height=max(HEIGHT, 60 + 24 * len(names)))


def draw_pipeline_coverage(frame: pl.DataFrame) -> go.Figure:
    weeks = list(dict.fromkeys(frame.get_column("fiscal_week").to_list()))
    geos = sorted(set(frame.get_column("geo").to_list()))
    cells = {(row["geo"], row["fiscal_week"]): (row, partial) for row, partial in zip(
        frame.iter_rows(named=True), _incomplete(frame), strict=True)}
    z, text, hover = [], [], []
    for geo in geos:
        rows = [cells.get((geo, week), (None, False)) for week in weeks]
        z.append([r["coverage"] if r else None for r, _ in rows])
        text.append([f"{r['coverage']:.2f}x" + (INCOMPLETE_MARK if partial else "") if r
                     else "" for r, partial in rows])
        hover.append([html.escape(f"{geo} {week} (as of {r['as_of']}): pipeline "
                                  f"${r['pipe_actual']:,.0f} / QRF ${r['qrf']:,.0f}" +
                                  (f" ({INCOMPLETE}: the warehouse does not hold the whole "
                                   "open pipeline yet)" if partial else ""), quote=False)
                      if r else "" for week, (r, partial) in zip(weeks, rows, strict=True)])
    figure = go.Figure(go.Heatmap(
        x=[html.escape(w, quote=False) for w in weeks],
        y=[html.escape(g, quote=False) for g in geos], z=z, text=text,
        texttemplate="%{text}", customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        colorscale="RdYlGn", zmin=0, zmax=COVERAGE_SCALE_MAX, xgap=2, ygap=2,
        colorbar={"title": {"text": "coverage"}, "ticksuffix": "x"}))
    return _figure(figure, xaxis={"type": "category", "title": "fiscal week"},
                   yaxis={"type": "category"})


def draw_activation(frame: pl.DataFrame) -> go.Figure:
    days = _column(frame, "snapshot_date")
    entitled = _column(frame, "entitled_seats")
    figure = go.Figure([
        go.Scatter(x=days, y=_column(frame, f"{level.lower()}_seats"), name=level,
                   stackgroup="levels", mode="lines+markers", line_color=colour,
                   customdata=entitled,
                   hovertemplate="%{x}: %{y:,} " + level + " seats of %{customdata:,} "
                   "entitled<extra></extra>")
        for level, colour in LEVEL_COLOURS.items()])
    return _figure(figure, yaxis={"title": "activated seats", "rangemode": "tozero"},
                   xaxis=_days_axis(days))


def draw_segments(frame: pl.DataFrame) -> go.Figure:
    x = [_column(frame, "scheme"), _column(frame, "segment")]
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    figure.add_trace(go.Bar(x=x, y=_column(frame, "customers"), name="customers",
                            marker_color=SERIES_COLOURS[0],
                            hovertemplate="%{x}: %{y:,} customers<extra></extra>"), row=1, col=1)
    figure.add_trace(go.Bar(x=x, y=_column(frame, "total_predictive_clv"),
                            name="total predictive CLV", marker_color=SERIES_COLOURS[3],
                            hovertemplate="%{x}: $%{y:,.0f} predictive CLV<extra></extra>"),
                     row=2, col=1)
    figure.update_yaxes(title_text="customers", row=1, col=1)
    figure.update_yaxes(title_text="CLV (USD)", tickprefix="$", row=2, col=1)
    return _figure(figure, height=HEIGHT + 60, showlegend=False)


def draw_churn_risk(frame: pl.DataFrame) -> go.Figure:
    figure = go.Figure()
    for band, colour in BAND_COLOURS.items():
        rows = frame.filter(pl.col("risk_band") == band)
        if rows.height:
            figure.add_trace(go.Bar(
                x=[b + data.PROBABILITY_BIN / 2 for b in _column(rows, "bin_start")],
                y=_column(rows, "customers"), width=data.PROBABILITY_BIN, name=band,
                marker_color=colour, customdata=_column(rows, "bin_start"),
                hovertemplate="%{customdata:.0%}-: %{y:,} customers (" + band + ")"
                "<extra></extra>"))
    return _figure(figure, barmode="stack", bargap=0.05, yaxis_title="customers",
                   xaxis={"title": "probability of churning", "tickformat": ".0%",
                          "range": [0, 1]})


def draw_at_risk(frame: pl.DataFrame) -> go.Figure:
    columns = {"Rank": ("risk_rank", "{}"), "Customer": ("customer_id", "{}"),
               "Name": ("customer_name", "{}"), "Segment": ("customer_segment", "{}"),
               "Tier": ("customer_tier", "{}"), "P(churn)": ("churn_probability", "{:.1%}"),
               "Band": ("risk_band", "{}"), "Warnings": ("early_warning_count", "{}"),
               "Revenue 30d": ("net_revenue_30d", "${:,.0f}")}
    cells = [["" if v is None else fmt.format(v) for v in _column(frame, name)]
             for name, fmt in columns.values()]
    figure = go.Figure(go.Table(
        columnwidth=[0.5, 1, 0.6, 1, 0.7, 0.8, 0.8, 0.9, 1],
        header={"values": [f"<b>{c}</b>" for c in columns], "align": "left",
                "fill_color": "#e8eef5"},
        cells={"values": cells, "align": "left", "height": 22}))
    return _figure(figure, height=max(HEIGHT, 70 + 23 * frame.height))


def draw_mrr(frame: pl.DataFrame) -> go.Figure:
    months = _column(frame, "month")
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    for movement, colour in MOVEMENT_COLOURS.items():
        values = _column(frame, f"{movement.lower()}_mrr")
        if movement in ("Contraction", "Churned"):
            values = [-v for v in values]
        figure.add_trace(go.Bar(x=months, y=values, name=movement, marker_color=colour,
                                hovertemplate="%{x}: $%{y:,.0f} " + movement.lower() +
                                "<extra></extra>"), secondary_y=False)
    # signed: the known-total change of customers of unknown MRR, in no movement, so the bars
    # add up to mrr_change
    figure.add_trace(go.Bar(x=months, y=_column(frame, "unclassified_mrr"), name="Unclassified",
                            marker_color=UNCLASSIFIED_COLOUR,
                            hovertemplate="%{x}: $%{y:,.0f} unclassified (customers of unknown "
                            "MRR)<extra></extra>"), secondary_y=False)
    figure.add_trace(go.Scatter(x=months, y=_column(frame, "mrr"), name="MRR",
                                mode="lines+markers", line={"color": "#333333"},
                                hovertemplate="%{x}: MRR $%{y:,.0f}<extra></extra>"),
                     secondary_y=True)
    figure.update_yaxes(title_text="movement (USD)", tickprefix="$", secondary_y=False)
    figure.update_yaxes(title_text="MRR (USD)", tickprefix="$", rangemode="tozero",
                        showgrid=False, tickmode="auto", secondary_y=True)
    return _figure(figure, barmode="relative", xaxis={"type": "category"})


def draw_ticket_resolution(frame: pl.DataFrame) -> go.Figure:
    figure = go.Figure()
    for ticket_type, colour in zip(TICKET_TYPES, SERIES_COLOURS, strict=False):
        rows = frame.filter(pl.col("ticket_type") == ticket_type)
        if rows.height:
            partial = _incomplete(rows)
            figure.add_trace(go.Scatter(
                x=_column(rows, "period_end"), y=_column(rows, "avg_resolution_hours"),
                customdata=[[n, f" ({INCOMPLETE}: begins before the warehouse's first day)"
                             if p else ""] for n, p in zip(
                                 _column(rows, "resolved_tickets"), partial, strict=True)],
                name=ticket_type, mode="lines+markers", line_color=colour,
                marker={"symbol": ["circle-open" if p else "circle" for p in partial],
                        "size": 8},
                hovertemplate="%{x}: %{y:.1f} h over %{customdata[0]} resolved tickets ("
                + ticket_type + ")%{customdata[1]}<extra></extra>"))
    return _figure(figure, yaxis={"title": "average hours to resolve", "rangemode": "tozero"},
                   xaxis=_days_axis(_column(frame, "period_end")))


def draw_purchase_calibration(frame: pl.DataFrame) -> go.Figure:
    groups = _column(frame, "calibration_purchases")
    labels = [f"{g}+" if g == CALIBRATION_GROUPS else str(g) for g in groups]
    customers = _column(frame, "customers")
    figure = go.Figure([
        go.Scatter(x=labels, y=_column(frame, "actual_purchases"), name="actual",
                   mode="lines+markers", line_color=SERIES_COLOURS[0], customdata=customers,
                   hovertemplate="%{x} calibration purchases: %{y:.2f} made on average by "
                   "%{customdata:,} customers<extra></extra>"),
        go.Scatter(x=labels, y=_column(frame, "predicted_purchases"), name="predicted",
                   mode="lines+markers", line={"color": SERIES_COLOURS[1], "dash": "dash"},
                   customdata=customers,
                   hovertemplate="%{x} calibration purchases: %{y:.2f} predicted on average "
                   "for %{customdata:,} customers<extra></extra>")])
    return _figure(figure, yaxis={"title": f"purchase days in the {HOLDOUT_DAYS} holdout days",
                                  "rangemode": "tozero"},
                   xaxis={"title": "repeat purchase days in the calibration period",
                          "type": "category"})


ALL_CHARTS = (
    Chart("parent-health", "Customer health by parent company",
          f"Accounts of the {data.TOP_PARENTS} parent companies with the most Red, then Yellow "
          f"accounts, by health on the settled day (Red from {HEALTH.red_points} risk points).",
          data.PARENT_HEALTH, draw_parent_health,
          "gold.agg_parent_health holds no parent company for this day."),
    Chart("pipeline-coverage", "Pipeline coverage by geo and week",
          "Pipeline of the quarter / quota-based forecast (QRF) at each fiscal week's latest "
          f"settled day; green from {COVERAGE_SCALE_MAX:.0f}x, red towards 0; "
          f"{INCOMPLETE_MARK}: the warehouse does not hold the whole open pipeline yet, so "
          "coverage reads low.",
          data.PIPELINE_COVERAGE, draw_pipeline_coverage,
          "gold.agg_pipeline_daily has no segment with a quota in the last 13 weeks."),
    Chart("activation", "Seat activation trends (QAL / MAL / RMAL)",
          f"Activated seats by how often they were used, stacked, per settled day "
          f"({ACTIVATION.describe()}).",
          data.SEAT_ACTIVATION, draw_activation,
          "gold.agg_seat_activation has no rows in the last 13 weeks."),
    Chart("segments", "Segment sizes and value",
          "Customers per segment of each scheme (top) and their total predictive customer "
          "lifetime value (bottom), on the day.",
          data.SEGMENTS, draw_segments,
          "gold.segment_summary has no rows for this day (the analytics layer has not run)."),
    Chart("churn-risk", "Churn-risk distribution",
          "Customers by predicted probability of churning within the model's horizon "
          f"({DEFAULT_HORIZON_DAYS} days unless configured), coloured by risk band (High: the "
          "day's top decile, Medium: the next 20%).",
          data.CHURN_RISK, draw_churn_risk,
          "No customer is scored for this day: the churn model needs the labels of its first "
          "weeks before it trains."),
    Chart("at-risk-customers", "Top at-risk customers",
          f"The {data.TOP_CUSTOMERS} customers most likely to churn, with their 360 context; "
          "personal names and contact details are masked.",
          data.AT_RISK_CUSTOMERS, draw_at_risk,
          "No customer is scored for this day: the churn model needs the labels of its first "
          "weeks before it trains."),
    Chart("mrr-movements", "MRR movements",
          f"The last {data.MRR_MONTHS} closed months: bars above zero add recurring revenue, "
          "below zero remove it (grey, unclassified: the change from customers whose MRR was "
          "unknown in either month); the line is the month's known MRR (right axis).",
          data.MRR_MOVEMENTS, draw_mrr,
          "No calendar month has closed by this day (a month is written on the next month's "
          "first day)."),
    Chart("ticket-resolution", "Ticket resolution times",
          "Average hours from opened to resolved over the rolling 7 days ending each settled "
          "day, by ticket type; open markers: a week that begins before the warehouse's first "
          "day, so only partly seen.",
          data.TICKET_RESOLUTION, draw_ticket_resolution,
          "No support ticket was resolved in the last 13 weeks."),
    Chart("purchase-calibration", "Purchase model: calibration and holdout",
          f"The BG/NBD purchase model fitted on the orders up to {HOLDOUT_DAYS} days before the "
          f"day predicts each customer's purchase days in the {HOLDOUT_DAYS} days after; the "
          "average predicted (dashed) against what they bought, by the customers' number of "
          "repeat purchase days before.",
          data.PURCHASE_CALIBRATION, draw_purchase_calibration,
          f"No calibration/holdout check for this day: it needs {HOLDOUT_DAYS} days of order "
          "history before the day, and enough buying customers."),
)
#: The charts whose tables this deployment builds (customer_platform/scope.py), in page order.
CHARTS = tuple(chart for chart in ALL_CHARTS
               if all(scope.built(f"gold.{name}") for name in chart.query.sources))
