"""The report's page: one self-contained HTML file.

plotly.js is inlined once in the page's head and every figure is a ``<div>`` plus the script
that draws it, so the file opens anywhere without network access (no external ``src`` or
``href``). Nothing in the page depends on the clock or on chance: the divs have fixed ids, the
figures' JSON follows the query's row order, and the only date is the report's day, so the
same rows give a byte-identical file.
"""

import dataclasses
import datetime as dt
import html
import string
from functools import cache

import plotly.io as pio
import plotly.offline

#: plotly's config for every figure: no toolbar (nor its logo link), resize with the page;
#: hover, drag to zoom and double-click to reset still work.
PLOTLY_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True}
NO_DATA = "No data for this period"


@dataclasses.dataclass(frozen=True)
class Panel:
    """One chart as the page shows it: drawn (``figure_html``) or empty (``empty``)."""

    key: str
    title: str
    note: str
    figure_html: str | None
    empty: str


@cache
def plotly_js() -> str:
    return plotly.offline.get_plotlyjs()


def figure_html(figure, key: str) -> str:
    """The figure as a div and its drawing script (plotly.js is in the page's head)."""
    return pio.to_html(figure, full_html=False, include_plotlyjs=False, div_id=f"plot-{key}",
                       config=PLOTLY_CONFIG, default_height=f"{figure.layout.height}px",
                       default_width="100%", validate=False)


_PAGE = string.Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="report-day" content="$day">
<title>Customer platform report $day</title>
<style>
  :root { color-scheme: light; --ink: #1d2733; --muted: #5b6776; --line: #dfe5ec; }
  body { margin: 0; background: #f4f6f9; color: var(--ink);
         font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
  header, footer { padding: 18px 28px; }
  header { background: #1d2733; color: #fff; }
  header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
  header p { margin: 0; color: #c9d3de; }
  nav { padding: 10px 28px; background: #fff; border-bottom: 1px solid var(--line); }
  nav a { margin-right: 16px; color: #1f6f8b; text-decoration: none; white-space: nowrap; }
  main { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 18px;
         padding: 18px 28px; }
  @media (max-width: 1100px) { main { grid-template-columns: minmax(0, 1fr); } }
  .chart { background: #fff; border: 1px solid var(--line); border-radius: 8px;
           padding: 14px 16px; min-width: 0; }
  .chart h2 { margin: 0; font-size: 16px; font-weight: 600; }
  .chart .note { margin: 2px 0 10px; color: var(--muted); }
  .no-data { display: flex; flex-direction: column; align-items: center;
             justify-content: center; min-height: 240px; border: 2px dashed var(--line);
             border-radius: 6px; color: var(--muted); text-align: center; padding: 0 24px; }
  .no-data strong { font-size: 16px; color: var(--ink); margin-bottom: 6px; }
  footer { color: var(--muted); font-size: 12px; }
</style>
<script>$plotly_js</script>
</head>
<body>
<header>
<h1>Customer platform report</h1>
<p>Day $day: trends up to the settled day $settled; read from the warehouse's partitions up to
$day only. $drawn of $charts charts have data.</p>
</header>
<nav>$nav</nav>
<main>
$panels
</main>
<script>  // figures drawn while the page was still loading: fit them to their final panels
  window.addEventListener("load", () => window.dispatchEvent(new Event("resize")));
</script>
<footer>
<p>Sources: $sources. Personal names and contact details are masked as classified in the data
dictionary. Data fingerprint: $fingerprint (the same fingerprint, the same figures).</p>
</footer>
</body>
</html>
""")


def _panel(panel: Panel) -> str:
    state = "drawn" if panel.figure_html is not None else "empty"
    body = panel.figure_html if panel.figure_html is not None else (
        f'<div class="no-data" role="note"><strong>{NO_DATA}</strong>'
        f"<span>{html.escape(panel.empty)}</span></div>")
    return (f'<section class="chart" id="{panel.key}" data-chart="{panel.key}" '
            f'data-state="{state}">\n<h2>{html.escape(panel.title)}</h2>\n'
            f'<p class="note">{html.escape(panel.note)}</p>\n{body}\n</section>')


def render_page(day: dt.date, panels: list[Panel], sources: list[str], fingerprint: str
                ) -> str:
    nav = " ".join(f'<a href="#{p.key}">{html.escape(p.title)}</a>' for p in panels)
    return _PAGE.substitute(
        day=day.isoformat(), settled=(day - dt.timedelta(days=1)).isoformat(),
        plotly_js=plotly_js(), nav=nav, panels="\n".join(_panel(p) for p in panels),
        drawn=sum(p.figure_html is not None for p in panels), charts=len(panels),
        sources=html.escape(", ".join(sources)), fingerprint=fingerprint)
