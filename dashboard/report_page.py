"""What every report shares: the HTML document around a page's content, its context (filters, data
period, as-of date, model run), tables, figures and page text as printed.

The report pages (:mod:`~calmline.dashboard.report_overview`, :mod:`~calmline.dashboard.report_impact`,
:mod:`~calmline.dashboard.report_training`) put their content in :func:`document`; the PDF prints
:func:`header_lines` at the top of every page (:mod:`calmline.notify.report_file`). Every piece of
data is escaped (``html.escape``) before it reaches the document.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
from calmline.dashboard import data, filters, formats, horizons
from dash.development.base_component import Component

STYLE = """body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ccc;border-radius:6px;padding:10px 14px;
flex:1 1 240px}.card b{font-size:1.4em;display:block;margin:4px 0}.card .t,.card .n{font-size:.85em;color:#555}
table{border-collapse:collapse;margin:8px 0;width:100%}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}
thead{display:table-header-group}.small{font-size:.85em}.text-muted{color:#555}
.v{border-radius:4px;padding:1px 6px;color:#fff;background:#6c757d}.v.better{background:#198754}
.v.worse{background:#dc3545}.notice{border:1px solid #9ec5fe;background:#e7f1ff;padding:6px 10px;border-radius:4px}"""
"""The reports' style sheet (the overview's since it was the only report)."""


def describe_filters(chosen: dict | None) -> str:
    """The active filters in words, e.g. 'Team: leeds-1; Anger level: 4, 5' (or 'all calls')."""
    parts = []
    for name, (label, _) in filters.FIELDS.items():
        value = (chosen or {}).get(name)
        if value not in (None, "", []):
            parts.append(f"{label}: {', '.join(value) if isinstance(value, list) else value}")
    return "; ".join(parts) or "all calls (no filters)"


def day(value) -> str:
    """A date as ``YYYY-MM-DD`` ("–" when missing)."""
    return formats.MISSING if formats.is_missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def data_line(freshness: pd.DataFrame) -> str | None:
    """The as-of date and the data period in words, from the ``freshness`` query's row."""
    if freshness is None or not len(freshness):
        return None
    fresh = freshness.iloc[0]
    return (f"Data as of {day(fresh.as_of)} (churn windows ending later are still open); calls from "
            f"{day(fresh.first_call)} to {day(fresh.last_call)}, {formats.count(fresh.calls)} calls "
            f"loaded, last load {day(fresh.last_load)}.")


def run_line(run: pd.Series | None) -> str:
    """The model run a model page's report shows, in words: which run, when, on how many upset calls
    and in how many the customer churned within the horizon (calls, as the page's run line counts
    them, not customers), and that it is centre-wide."""
    if run is None:
        return "Model run used: none yet (run `calmline fit`)."
    return (f"Model run used: run #{int(run['run_id'])}, made {day(run['created_at'])}, churn within "
            f"{int(run['horizon_days'])} days, fitted on {formats.count(run['n_calls'])} upset calls "
            f"({formats.count(run['n_events'])} churned within {int(run['horizon_days'])} days); centre-wide, the "
            "filters do not apply to it.")


def header_lines(page: str, chosen: dict | None, horizon: int | None = None) -> list[str]:
    """The lines printed at the top of every PDF page: filters, data period and as-of date, model run.

    Parameters
    ----------
    page : str
        The report's page (overview, impact, training).
    chosen : dict or None
        The report's filters.
    horizon : int, optional
        The model pages' horizon (the default horizon's run when None); the overview names the
        run its practice gap comes from.

    Returns
    -------
    list of str
        Three lines of plain text (not escaped).
    """
    from calmline.dashboard import overview_numbers

    lines = [f"calmline {page}. Filters: {describe_filters(chosen)}"]
    freshness = data.frame("freshness")
    period = None
    if page == "overview":
        o = overview_numbers.overview_numbers(filters.params(chosen or {}))
        period = o.period
        run = None if o.gap is None else {"run_id": o.gap["run_id"], "horizon_days": o.gap["horizon"],
                                          "created_at": o.gap["created_at"]}
    else:
        run = horizons.run_of(horizon)
    if len(freshness):
        fresh = freshness.iloc[0]
        lines.append(f"Data as of {day(fresh.as_of)}; calls {day(fresh.first_call)} to {day(fresh.last_call)}"
                     + (f"; period shown {period}" if period else ""))
    if run is not None:
        lines.append(f"Model run #{run['run_id']} (churn within {run['horizon_days']} days, made "
                     f"{day(run['created_at'])})" + ("" if page == "overview" else "; centre-wide"))
    else:
        lines.append("Model run: none yet")
    return lines


def table(frame: pd.DataFrame) -> str:
    """``frame`` as an HTML table, every cell escaped; its header repeats on every printed page."""
    return frame.to_html(index=False, escape=True, na_rep=formats.MISSING, border=0) if len(frame) else ""


def cards(items: list[dict]) -> str:
    """Cards of ``{"title", "value", "note"}``, escaped."""
    return "".join(f'<div class="card"><div class="t">{html.escape(c["title"])}</div><b>{html.escape(c["value"])}'
                   f'</b><div class="n">{html.escape(c["note"])}</div></div>' for c in items)


def for_print(fig: go.Figure) -> go.Figure:
    """A copy whose legend sits below the plot, so it never covers the title. Copied without
    plotly's property validation (the figure is one already: validating it again took 15-40 ms of
    CPU a figure at 2M calls; the same figure JSON, tested in tests/dashboard/test_report_parts.py)."""
    fig = go.Figure(_without_empty(fig.to_dict()), _validate=False)
    fig.update_layout(legend=PRINT_LEGEND, margin=PRINT_MARGIN)
    return fig


def _without_empty(value):
    """``value`` (a figure's dict) without the empty dicts it holds at any depth, as validation
    leaves none (an axis ``title: {}`` is dropped): the JSON the validated copy had."""
    if isinstance(value, dict):
        kept = {k: _without_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if not (isinstance(v, dict) and not v)}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


PRINT_LEGEND = {"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0, "xanchor": "left"}
"""Where a printed figure's legend goes: below the plot (:func:`for_print`)."""
PRINT_MARGIN = {"t": 90, "b": 110}
"""A printed figure's top and bottom margins, in pixels (room for the title and the legend)."""


def print_dict(fig: go.Figure) -> dict:
    """:func:`for_print`'s figure as a dict: the same JSON as its ``to_dict()`` once parsed (plotly
    orders some keys otherwise, which plotly.js does not read), made without building a second
    figure and without its copy (tested). The report's charts are written from it."""
    out = _without_empty(fig.to_dict())
    layout = out.setdefault("layout", {})
    layout["legend"] = {**layout.get("legend", {}), **PRINT_LEGEND}
    layout["margin"] = {**layout.get("margin", {}), **PRINT_MARGIN}
    return out


def charts(figures: list[go.Figure], with_plotlyjs: bool = True) -> str:
    """The figures as they print: plotly.js inlined once, before the first (``with_plotlyjs``
    False: the document has it already, from an earlier call). Written from :func:`print_dict`,
    and plotly.js's block is put in from a copy made once per process
    (:func:`plotlyjs_block`) rather than formatted into each report anew: the HTML
    ``for_print(fig).to_html(full_html=False, include_plotlyjs=..., default_width="100%")`` gave,
    with the same figure JSON once parsed (tested, div ids aside, which are random).
    ~30 -> ~15 ms of CPU for the overview's four charts at 2M calls."""
    import plotly.io as pio

    out = []
    for i, fig in enumerate(figures):
        div = pio.to_html(print_dict(fig), validate=False, full_html=False, include_plotlyjs=False,
                          default_width="100%")
        out.append(_with_plotlyjs(div) if with_plotlyjs and i == 0 else div)
    return "".join(out)


_GAP = 28
"""Spaces plotly writes between a figure's outer div and its inner one when no plotly.js block is
between them (16 before the block's place, 12 after it)."""


def _with_plotlyjs(div: str) -> str:
    """A figure's div written without plotly.js, with plotly's plotly.js block put where
    ``include_plotlyjs=True`` puts it (with :data:`PLOTLYJS_MARK` for plotly.js itself inside
    :func:`plotlyjs_apart`)."""
    start = div.index('">') + 2  # the end of the outer div's opening tag
    if div[start:start + _GAP] != " " * _GAP:
        raise ValueError("plotly wrote a figure's div in a form this module does not know")
    block = _marked_block() if _apart.get() else plotlyjs_block()
    return div[:start + 16] + block + div[start + 16:]


@lru_cache(maxsize=1)
def _marked_block() -> str:
    """:func:`plotlyjs_block` with :data:`PLOTLYJS_MARK` in place of plotly.js."""
    block, script = plotlyjs_block(), plotlyjs()
    at = block.index(script)
    return block[:at] + PLOTLYJS_MARK + block[at + len(script):]


PLOTLYJS_MARK = "<!--calmline: plotly.js-->"
"""What stands for plotly.js in a report made inside :func:`plotlyjs_apart` (never in escaped
text: every piece of data is escaped before it reaches a report, so no '<!--' comes from data)."""
_apart: ContextVar[bool] = ContextVar("calmline_plotlyjs_apart", default=False)


@contextmanager
def plotlyjs_apart():
    """Reports made inside this hold :data:`PLOTLYJS_MARK` where plotly.js goes, for a caller that
    sends plotly.js from one copy (the report route): a report is then ~100-300 kB of text to make
    and keep instead of ~5 MB."""
    token = _apart.set(True)
    try:
        yield
    finally:
        _apart.reset(token)


@lru_cache(maxsize=1)
def plotlyjs_block() -> str:
    """The block plotly writes before the first figure of a document with ``include_plotlyjs=True``
    (its window config and plotly.js, ~4.6 MB), taken once per process from plotly's own output
    for an empty figure."""
    import plotly.io as pio

    figure = {"data": [], "layout": {}}
    with_js = pio.to_html(figure, validate=False, full_html=False, include_plotlyjs=True, div_id="calmline-x")
    start, end = with_js.index('">') + 2, with_js.index('<div id="calmline-x"')
    if with_js[start:start + 16] != " " * 16 or with_js[end - 12:end] != " " * 12:
        raise ValueError("plotly wrote a figure's div in a form this module does not know")
    return with_js[start + 16:end - 12]


@lru_cache(maxsize=1)
def plotlyjs() -> str:
    """plotly.js's text (the script :func:`plotlyjs_block` inlines), read once per process."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


TAGS = {"H1", "H2", "H3", "H4", "H5", "H6", "P", "B", "I", "Q", "Br", "Span", "Div", "Li", "Ul", "Ol",
        "Details", "Summary", "Small", "Strong", "Em", "Dl", "Dt", "Dd"}
"""Dash ``html`` components printed as their tag; any other component (dbc's Alert, Card, ...)
prints as a ``div`` around its children."""


def component_html(node) -> str:
    """A page's Dash component tree (text, ``html.*`` and dbc components) as escaped HTML, so a
    report prints the page's own words: text is escaped, only the tag, ``id`` and ``className`` of
    a component are kept.

    Parameters
    ----------
    node : Dash component, str, number, list or None

    Returns
    -------
    str
    """
    if node is None:
        return ""
    if isinstance(node, (list, tuple)):
        return "".join(component_html(child) for child in node)
    if not isinstance(node, Component):
        return html.escape(str(node))
    kind = type(node).__name__
    tag = kind.lower() if kind in TAGS and type(node).__module__.startswith("dash.html") else "div"
    if tag == "br":
        return "<br>"
    classes = getattr(node, "className", None) or ""
    if kind == "Alert":
        classes += " notice"
    attrs = f' class="{html.escape(classes.strip())}"' if classes.strip() else ""
    ident = getattr(node, "id", None)
    if isinstance(ident, str):
        attrs += f' id="{html.escape(ident)}"'
    inner = component_html(getattr(node, "children", None))
    if tag == "details":  # printed open: a PDF cannot be clicked
        return f"<details open{attrs}>{inner}</details>"
    return f"<{tag}{attrs}>{inner}</{tag}>"


def component_text(node) -> str:
    """The words of a Dash component tree, as plain text (for an e-mail or a header), one space
    between words."""
    return " ".join(_words(node).split())


def _words(node) -> str:
    if node is None:
        return ""
    if isinstance(node, (list, tuple)):
        return " ".join(_words(child) for child in node)
    if not isinstance(node, Component):
        return str(node)
    return _words(getattr(node, "children", None))


def definitions_html(title: str, items: list[tuple[str, str]]) -> str:
    """A definitions list under ``title``, escaped."""
    return (f"<h2>{html.escape(title)}</h2><dl>"
            + "".join(f"<dt>{html.escape(term)}</dt><dd>{html.escape(words)}</dd>" for term, words in items)
            + "</dl>")


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


_MADE = re.compile(r"<small>Made \d{4}-\d\d-\d\d \d\d:\d\d UTC</small>")


def restamp(text: str) -> str:
    """A :func:`document` made earlier (kept by the report route) with its "Made" time now."""
    return _MADE.sub(lambda _: f"<small>Made {_stamp()}</small>", text, count=1)


def document(title: str, chosen: dict | None, context: list[str], body: str) -> str:
    """A report as one self-contained HTML document.

    Parameters
    ----------
    title : str
        The page's name ("overview", "practice impact").
    chosen : dict or None
        The filters, printed first.
    context : list of str
        Lines on the data and the model run (:func:`data_line`, :func:`run_line`), printed under
        the filters.
    body : str
        The page's content, already HTML (every piece of data escaped).

    Returns
    -------
    str
    """
    stamp = _stamp()
    lines = "<br>".join(html.escape(line) for line in context)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>calmline {html.escape(title)}</title>
<style>{STYLE}</style></head><body>
<h1>calmline: {html.escape(title)}</h1>
<p><strong>Filters:</strong> {html.escape(describe_filters(chosen))}<br>{lines}<br><small>Made {stamp}</small></p>
{body}
</body></html>"""
