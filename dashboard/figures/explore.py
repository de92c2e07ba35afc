"""The query explorer's chart: whatever a query returned, drawn as the analyst chooses."""

from __future__ import annotations

import re

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from calmline.dashboard.figures.style import PALETTE, empty_figure, esc, finish

KINDS = ("bar", "line", "scatter", "histogram")
RATE_WORDS = re.compile(r"(rate|churn|share|pct|percent|ratio|adoption|proportion|probability)", re.IGNORECASE)
"""A column named like this, with every value from 0 to 1, is a rate: drawn on a percent axis."""


def is_rate(frame: pd.DataFrame, column: str | None) -> bool:
    """Whether ``column`` holds rates: named like one (:data:`RATE_WORDS`) with every value from 0 to 1."""
    if column is None or column not in frame.columns or not RATE_WORDS.search(str(column)):
        return False
    values = pd.to_numeric(frame[column], errors="coerce").dropna()
    return bool(len(values)) and bool(values.between(0, 1).all())


def numeric_columns(frame: pd.DataFrame) -> list[str]:
    """Columns whose values are all numbers (or missing), in order; yes/no, date and time columns
    are not (pandas would turn a date into nanoseconds)."""
    out = []
    for name in frame.columns:
        values = frame[name].dropna()
        if values.empty or values.dtype.kind in "mM" or values.map(lambda v: isinstance(v, bool)).any():
            continue
        if pd.to_numeric(values, errors="coerce").notna().all():
            out.append(name)
    return out


def _looks_like_time(values: pd.Series) -> bool:
    text = values.dropna().astype(str)
    return bool(len(text)) and pd.to_datetime(text, errors="coerce", format="mixed").notna().all() \
        and text.str.match(r"^\d{4}-\d{2}").all()


def chart_defaults(frame: pd.DataFrame) -> dict:
    """A sensible first chart: a line over the first date-like column, else bars of the first
    numeric column by the first other column, else a histogram of the first numeric column."""
    numbers = numeric_columns(frame)
    others = [c for c in frame.columns if c not in numbers]
    if not numbers:
        return {"kind": "bar", "x": others[0] if others else None, "y": None, "colour": None}
    timeline = next((c for c in others if _looks_like_time(frame[c])), None)
    if timeline is not None:
        colour = next((c for c in others if c != timeline and frame[c].nunique() <= 12), None)
        return {"kind": "line", "x": timeline, "y": numbers[0], "colour": colour}
    if others:
        return {"kind": "bar", "x": others[0], "y": numbers[0], "colour": None}
    if len(numbers) > 1:
        return {"kind": "scatter", "x": numbers[0], "y": numbers[1], "colour": None}
    return {"kind": "histogram", "x": numbers[0], "y": None, "colour": None}


def result_chart(frame: pd.DataFrame, kind: str, x: str | None, y: str | None,
                 colour: str | None = None, percent: bool | None = None) -> go.Figure:
    """The chart of a query result.

    Parameters
    ----------
    frame : pandas.DataFrame
        The result (as shown in the grid).
    kind : {"bar", "line", "scatter", "histogram"}
    x, y, colour : str or None
        Column names; ``y`` is not needed for a histogram; ``colour`` splits the marks.
    percent : bool or None
        Draw the values (y; a histogram's x) as percentages of 1 (0.157 -> 15.7%); None: when
        they are rates (:func:`is_rate`).

    Returns
    -------
    plotly.graph_objects.Figure
        An explanatory empty figure when the choice cannot be drawn.
    """
    title = "Chart of the result"
    if frame is None or frame.empty:
        return empty_figure("Run a query to chart its result", title)
    columns = set(frame.columns)
    if kind not in KINDS:
        return empty_figure(f"Pick a chart type: {', '.join(KINDS)}", title)
    if x not in columns or (kind != "histogram" and y not in columns):
        return empty_figure("Pick the columns to draw (x" + ("" if kind == "histogram" else " and y") + ")",
                            title)
    colour = colour if colour in columns else None
    data = frame.copy()
    if y in columns and kind != "histogram":
        data[y] = pd.to_numeric(data[y], errors="coerce")
        if data[y].isna().all():
            return empty_figure(f"{esc(y)} has no numbers to draw", title)
    if colour is not None:
        data[colour] = data[colour].astype(str)
    draw = {"bar": px.bar, "line": px.line, "scatter": px.scatter, "histogram": px.histogram}[kind]
    args = {"x": x, "color": colour, "color_discrete_sequence": PALETTE}
    if kind != "histogram":
        args["y"] = y
    if kind == "line":
        data = data.sort_values(x)
        args["markers"] = True
    fig = draw(data, **args)
    name = f"{y} by {x}" if kind != "histogram" else f"how {x} is distributed"
    values = x if kind == "histogram" else y
    if percent if percent is not None else is_rate(data, values):
        axis = fig.update_xaxes if kind == "histogram" else fig.update_yaxes
        axis(tickformat=".0%", hoverformat=".1%", title_text=f"{esc(values)} (percent)")
    return finish(fig, title=esc(name.replace("_", " ")), uirevision=f"explore:{kind}:{x}:{y}:{colour}")
