"""The look every calmline figure shares: palette, labels, number formats, layout.

Pure helpers, no I/O. Numbers arrive in the units the result tables store them in
(risk differences and rates as probabilities, counts as counts) and leave as the
strings a reader sees: risk differences in percentage points ("-2.3 pp"), rates
as percent ("45.2%"), counts with thousands separators ("12,345").
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from calmline import vocabulary
from calmline.dashboard import formats

# Plotly copies and validates a named template into every new figure, about 15 ms each: with a
# dozen figures per page that was most of a callback's time. calmline's figures carry no
# template; finish() sets the few things plotly_white did that matter here.
pio.templates.default = "none"
INK = "#2a3f5f"
GRID = "#EBF0F8"

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
"""Okabe-Ito colours, safe for the common colour-vision deficiencies. Every trace takes its
colour from here (bands and fills use the same colours with transparency)."""

BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, YELLOW, BLACK = PALETTE

DIVERGING = ["#053061", "#2166AC", "#4393C3", "#92C5DE", "#D1E5F0", "#F7F7F7",
             "#FDDBC7", "#F4A582", "#D6604D", "#B2182B", "#67001F"]
"""ColorBrewer RdBu reversed: negative (fewer customers lost) is blue, positive is red.
Readable with red-green colour blindness; use with ``zmid=0``."""

SEQUENTIAL = ["#F7FBFF", "#DEEBF7", "#C6DBEF", "#9ECAE1", "#6BAED6", "#4292C6", "#2171B5",
              "#08519C", "#08306B"]
"""ColorBrewer Blues, for quantities that only go up from zero."""

FONT_SIZE = 14
TITLE_SIZE = 18
MISSING = formats.MISSING

NO_RUN = "No model run yet: run `calmline fit`"
NO_MATCH = "No calls match these filters"

_LABELS = {
    "followup_timing": "Follow-up timing",
    "break_minutes": "Agent's break before the call",
}


def practice_label(name) -> str:
    """A practice (or other snake_case) name as a reader sees it.

    A practice gets its label from :mod:`calmline.vocabulary` (``"let_vent"`` is ``"Let the
    customer vent"``); other names are made readable (``"issue_type"`` is ``"Issue type"``). Already-humanised text
    is returned unchanged; a missing name becomes ``""``.
    """
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return ""
    text = str(name).strip()
    return _LABELS.get(text) or vocabulary.label(text)


def esc(text) -> str:
    """Text from the data, safe inside Plotly's HTML-like labels."""
    return html.escape("" if text is None else str(text), quote=False)


format_pp = formats.points
format_percent = formats.percent
format_count = formats.count
is_missing = formats.is_missing


def format_q(value) -> str:
    """A q- or p-value for hover text."""
    if is_missing(value):
        return MISSING
    value = float(value)
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def numeric(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """A copy with ``columns`` as floats; None, text and pandas NA become NaN."""
    out = frame.copy()
    for column in columns:
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    return out


def problem(frame, required: Iterable[str], empty_message: str) -> str | None:
    """Why ``frame`` cannot be drawn (None, empty, columns missing), or None if it can."""
    if frame is None or not isinstance(frame, pd.DataFrame) or frame.empty:
        return empty_message
    missing = [c for c in required if c not in frame.columns]
    if missing:
        return "Cannot draw this: the data lacks column(s) " + ", ".join(missing)
    return None


def warning_text(value) -> str:
    """A stored warning, or "" when there is none."""
    return "" if is_missing(value) or not str(value).strip() else str(value)


def rgba(colour: str, alpha: float) -> str:
    """A palette hex colour with transparency, for bands."""
    colour = colour.lstrip("#")
    r, g, b = (int(colour[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


_AXES = dict(automargin=True, gridcolor=GRID, linecolor=GRID, zerolinecolor=GRID, zerolinewidth=2, ticks="",
             title=dict(standoff=15))
TEMPLATE = go.layout.Template(layout=dict(
    paper_bgcolor="white", plot_bgcolor="white", colorway=PALETTE,
    font=dict(size=FONT_SIZE, color=INK),
    margin=dict(l=10, r=10, t=80, b=10, autoexpand=True),
    legend=dict(orientation="h", yanchor="bottom", y=1, xanchor="left", x=0, font=dict(size=FONT_SIZE)),
    hoverlabel=dict(font=dict(size=FONT_SIZE)),
    xaxis=_AXES, yaxis=_AXES,
))
"""calmline's look as a small template: plotly.js applies it to every axis in the browser, and
it is cheap to attach (plotly_white, with every trace type's defaults, cost ~15 ms a figure)."""


VALIDATE = False
"""Whether :func:`figure` has plotly check every property (tests set it to compare the JSON)."""


def figure(data: list[dict], layout: dict) -> go.Figure:
    """``go.Figure(data=data, layout=layout)`` without plotly's property validation (its
    ``_validate`` switch), for figures written as plain dicts in plotly's own form (axis titles as
    ``dict(text=...)``, no shorthand to expand): validation only checks and copies them, 15-40 ms
    of CPU a figure at 2M calls, and the JSON sent to the browser is the same (tested against
    the validated figure in tests/dashboard/test_figure_json.py). The result is an ordinary
    ``go.Figure``: :func:`finish`, ``update_layout`` and attribute access work as usual."""
    if VALIDATE:
        return go.Figure(data=data, layout=layout)
    if _plain.get():
        return PlainFigure(data, layout)
    return go.Figure(data=[_arrays(trace) for trace in data], layout=layout, _validate=False)


_plain: ContextVar[bool] = ContextVar("calmline_plain_figures", default=False)


@contextmanager
def plain_figures():
    """Inside this, :func:`figure` gives a :class:`PlainFigure` (its dicts, no plotly objects), for a
    caller that only writes the figure's JSON (the HTML report: ~2-5 ms of CPU a figure less)."""
    token = _plain.set(True)
    try:
        yield
    finally:
        _plain.reset(token)


class PlainFigure:
    """What ``figure(data, layout)`` holds, kept as the dicts plotly stores without validation, for
    the few methods calmline's figures call on it (``update_layout``, ``update_xaxes``,
    ``update_yaxes``) and ``to_dict()``: the same dict as the ``go.Figure``'s ``to_dict()`` once
    written as JSON and parsed (plotly orders some keys otherwise; tested in
    tests/dashboard/test_plain_figures.py). As plotly without validation does: a trace's or the
    layout's own keys whose value is None are dropped, nested dicts are kept as given (None
    included); an update merges dicts into dicts, a ``title=None`` update leaves an empty title."""

    def __init__(self, data: list[dict], layout: dict) -> None:
        self._data = [{k: v for k, v in _arrays(trace).items() if v is not None} for trace in data]
        self._layout = {k: v for k, v in layout.items() if v is not None}

    def update_layout(self, **changes) -> "PlainFigure":
        self._layout = _merged(self._layout, changes)
        return self

    def update_xaxes(self, **changes) -> "PlainFigure":
        return self._update_axes("xaxis", changes)

    def update_yaxes(self, **changes) -> "PlainFigure":
        return self._update_axes("yaxis", changes)

    def _update_axes(self, prefix: str, changes: dict) -> "PlainFigure":
        names = [k for k in self._layout if k == prefix or (k.startswith(prefix) and k[len(prefix):].isdigit())]
        for name in names or [prefix]:
            self._layout[name] = _merged(self._layout.get(name, {}), changes)
        return self

    def to_dict(self) -> dict:
        """``{"data": [...], "layout": {...}}``, a copy, numeric arrays written as plotly's typed
        arrays (base64), as ``go.Figure.to_dict()`` gives them."""
        from _plotly_utils.utils import convert_to_base64

        out = {"data": _copied(self._data), "layout": _copied(self._layout)}
        convert_to_base64(out)
        return out


def _merged(old: dict, changes: dict) -> dict:
    """``old`` updated with ``changes`` as plotly's ``update`` does: dicts into dicts, a plotly object
    (the template) in place of what was there, ``title=None`` as an empty title, another None as no
    value."""
    out = dict(old)
    for key, value in changes.items():
        if hasattr(value, "to_plotly_json"):  # a plotly object (the template) replaces, it is not merged
            out[key] = value.to_plotly_json()
        elif value is None:
            if key == "title":
                out[key] = {}
            else:
                out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def _copied(value):
    """``value``'s dicts and lists copied at every depth (arrays and other values shared: nothing
    changes them, :func:`_plotly_utils.utils.convert_to_base64` replaces them in the copy)."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copied(v) for v in value)
    return value


def _arrays(values: dict) -> dict:
    """A trace dict with its pandas columns as numpy arrays, at any depth (``marker.color``,
    ``error_y.array``), as validation would store them: positions, not the frame's index."""
    return {key: (value.to_numpy() if isinstance(value, (pd.Series, pd.Index)) else
                  _arrays(value) if isinstance(value, dict) else value) for key, value in values.items()}


TITLE_INDENT = 10
"""Pixels between the figure's left edge and its title."""
TITLE_ROOM = 48
"""Pixels at the top of a figure for its title (pinned to the top edge), above the legend."""
LEGEND_ROW = 26
"""Pixels of one row of a legend above the plot."""
LEGEND_PER_ROW = 2
"""Legend entries a row is assumed to hold at most: two in a half-width column of the page, where a
wider figure simply has some room to spare."""
LEGEND_WIDTH = 640
"""Pixels a legend row is assumed to have: a half-width figure in a window 1,366 pixels wide."""


def _entry_width(name) -> float:
    """Pixels plotly gives a legend entry: its symbol and gap (40) and its text (about half the font
    size a character)."""
    return 40 + 0.5 * FONT_SIZE * len(str(name))


def _legend_inputs(fig) -> tuple:
    """(margin top, legend y, showlegend, [(trace showlegend, trace name)]) of a ``go.Figure`` or a
    :class:`PlainFigure`, as the figure has set them (None where it has not)."""
    if isinstance(fig, PlainFigure):
        layout = fig._layout
        return ((layout.get("margin") or {}).get("t"), (layout.get("legend") or {}).get("y"),
                layout.get("showlegend"), [(t.get("showlegend"), t.get("name")) for t in fig._data])
    return (fig.layout.margin.t, fig.layout.legend.y, fig.layout.showlegend,
            [(t.showlegend, t.name) for t in fig.data])


def legend_rows(fig) -> int:
    """Rows the legend above ``fig``'s plot takes (0 when it shows none): its entries, two a row, or
    one where two of the widest do not fit in :data:`LEGEND_WIDTH` (a legend that wraps gives every
    entry the widest one's width)."""
    _, _, shown, traces = _legend_inputs(fig)
    names = [name for showlegend, name in traces if showlegend is not False and name]
    if len(names) < 2 or shown is False:
        return 0
    per_row = max(1, min(LEGEND_PER_ROW, int(LEGEND_WIDTH // max(map(_entry_width, names)))))
    return -(-len(names) // per_row)


def finish(fig: go.Figure, *, title: str, uirevision: str, height: int | None = None) -> go.Figure:
    """The layout every calmline figure shares (its own settings win where it has made them).

    The title sits at the figure's top left corner, not over the plot area (whose left edge moves in
    past long axis labels: a long title there ran off a half-width figure's right edge), and the
    legend right above the plot, with room in the top margin for both (:func:`legend_rows`): a legend
    of several rows used to cover the title."""
    top, legend_y, _, _ = _legend_inputs(fig)
    room = {}
    if top is None and legend_y is None:
        room = {"margin": {"t": TITLE_ROOM + LEGEND_ROW * max(legend_rows(fig), 1)}}
    fig.update_layout(
        template=TEMPLATE,
        title=dict(text=esc(title), x=0, xref="container", xanchor="left", y=1, yref="container", yanchor="top",
                   pad=dict(t=12, l=TITLE_INDENT), font=dict(size=TITLE_SIZE)),
        uirevision=uirevision,
        **room,
        **({"height": height} if height is not None else {}),
    )
    return fig


def empty_figure(message: str, title: str = "") -> go.Figure:
    """A figure that says, centred, why there is nothing to show."""
    fig = go.Figure()
    fig.add_annotation(text=esc(message), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(size=FONT_SIZE + 2), xanchor="center", yanchor="middle")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    finish(fig, title=title, uirevision="empty")
    return fig


def rows_height(n_rows: int, per_row: int = 44, base: int = 170, minimum: int = 340) -> int:
    """A figure height that keeps every row readable."""
    return max(minimum, base + per_row * n_rows)
