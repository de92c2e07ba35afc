"""Trainer figures: adoption of every practice over the months, and what training changed."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from calmline import vocabulary
from calmline.dashboard.figures.style import (BLACK, BLUE, GRID, NO_MATCH, NO_RUN, VERMILLION, empty_figure,
                                              esc, figure, finish, format_count, format_percent, numeric,
                                              practice_label, problem, warning_text)

MIN_CALLS = 30
"""Months with fewer assessed upset calls than this are drawn as hollow points: too few to read."""
COLUMNS = 4
CONTEXT = "#D9DEE6"


def adoption_small_multiples(monthly: pd.DataFrame, *, min_calls: int = MIN_CALLS,
                             title: str = "Adoption of each practice by month (share of assessed upset calls)"
                             ) -> go.Figure:
    """One small panel per practice: its monthly adoption in colour, the other practices in grey.

    Every panel shares the 0-100% axis, so levels compare across panels; the grey lines give
    each practice its context without a legend (nothing covers the title). Months resting on
    fewer than ``min_calls`` assessed upset calls are hollow points, with n in the hover.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Rows of the ``monthly_adoption`` query: month, practice, assessed (upset calls on
        which the practice was assessed), used, adoption (used / assessed).
    min_calls : int, default 30
        The n below which a month is marked as too small.
    title : str
        The figure title.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    why = problem(monthly, ["month", "practice", "assessed", "adoption"], NO_MATCH)
    if why:
        return empty_figure(why, title)
    df = numeric(monthly, ["assessed", "adoption"])
    df = df.assign(month=pd.to_datetime(df["month"], errors="coerce"))
    df = df[df["month"].notna() & df["adoption"].notna()].sort_values("month")
    order = [p for p in vocabulary.practice_names() if p in set(df["practice"])]
    order += sorted(set(df["practice"]) - set(order))
    if not order:
        return empty_figure(NO_MATCH, title)
    labels = tuple(esc(practice_label(p)) for p in order)
    layout = _panels_layout(labels)
    by_practice = dict(tuple(df.groupby("practice", sort=False)))
    months = {p: by_practice[p]["month"].to_numpy() for p in order}
    percent = {p: by_practice[p]["adoption"].to_numpy(float) * 100 for p in order}
    traces = []
    for i, practice in enumerate(order):
        axes = _axes(i)
        others = [p for p in order if p != practice]
        if others:  # the others in one grey trace, behind, each line broken from the next by a gap
            traces.append(dict(type="scatter", x=_joined(months, others), y=_joined(percent, others), mode="lines",
                               line=dict(color=CONTEXT, width=1), connectgaps=False, hoverinfo="skip",
                               showlegend=False, **axes))
        part = by_practice[practice]
        small = (part["assessed"] < min_calls).to_numpy()
        hover = [f"<b>{labels[i]}</b>, {m:%b %Y}<br>{format_percent(a)} of "
                 f"{format_count(n)} assessed upset calls" + (" (too few to read)" if s else "")
                 for m, a, n, s in zip(part["month"], part["adoption"], part["assessed"], small)]
        traces.append(dict(
            type="scatter", x=months[practice], y=percent[practice], mode="lines+markers", showlegend=False,
            line=dict(color=BLUE, width=2),
            marker=dict(color=["white" if s else BLUE for s in small], size=6, line=dict(color=BLUE, width=1.5)),
            hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", **axes))
    note = f"Blue: the panel's practice; grey: the others. Hollow points: fewer than {min_calls} assessed upset calls that month."
    layout = {**layout, "annotations": [*layout["annotations"], dict(
        text=esc(note), x=0, xref="paper", xanchor="left", y=0, yref="paper", yanchor="top", yshift=-30,
        showarrow=False, font=dict(size=11, color=BLACK))]}
    # One figure from plain dicts, two traces a panel: plotly validates and serialises every trace
    # (13 panels of 13 traces each, added one by one to make_subplots' grid, took ~0.45 s of CPU).
    fig = figure(traces, layout)  # not validated: the same JSON (style.figure)
    return finish(fig, title=title, uirevision="adoption-small-multiples", height=150 + 170 * _rows(labels))


def _joined(values: dict, keys: list) -> np.ndarray:
    """The arrays ``values[k]`` for ``keys`` one after the other, a gap in the line (NaN, NaT) after each."""
    first = values[keys[0]]
    gap = np.array([np.datetime64("NaT") if first.dtype.kind == "M" else np.nan], dtype=first.dtype)
    return np.concatenate([part for key in keys for part in (values[key], gap)])


def _rows(labels: tuple) -> int:
    return math.ceil(len(labels) / COLUMNS)


def _axes(i: int) -> dict:
    """The x and y axes of panel ``i`` (0-based, row by row from the top left), as make_subplots names them."""
    n = "" if i == 0 else str(i + 1)
    return {"xaxis": f"x{n}", "yaxis": f"y{n}"}


@lru_cache(maxsize=16)
def _panels_layout(labels: tuple[str, ...]) -> dict:
    """The small multiples' layout for panels titled ``labels``: make_subplots' grid (shared axes,
    a title over each panel) with calmline's axes, built once per set of panels (make_subplots takes
    ~50 ms). Callers copy before changing it."""
    rows = _rows(labels)
    fig = make_subplots(rows=rows, cols=COLUMNS, shared_xaxes=True, shared_yaxes=True,
                        subplot_titles=list(labels), vertical_spacing=0.5 / max(rows, 1) * 0.3,
                        horizontal_spacing=0.03)
    fig.update_yaxes(range=[0, 100], ticksuffix="%", dtick=50, gridcolor=GRID)
    fig.update_xaxes(tickformat="%b", nticks=4, gridcolor=GRID)
    fig.update_annotations(font=dict(size=12))
    fig.update_layout(showlegend=False, margin=dict(t=90, b=60))
    return fig.layout.to_plotly_json()


def training_impact_plot(impact: pd.DataFrame, *, outcome: str = "adoption") -> go.Figure:
    """Difference in differences per training module, with 95% intervals, in percentage points.

    One row per module (labelled with the practice it coaches and the trained agents behind
    it); modules resting on fewer than five trained agents are drawn hollow (their interval is
    withheld), and modules with no estimate say why in the hover.

    Parameters
    ----------
    impact : pandas.DataFrame
        Rows of ``training_impact``: module, practice, outcome, estimate, ci_low, ci_high,
        trained_agents, comparison_agents, n_calls, trained_before, trained_after,
        comparison_before, comparison_after, warning.
    outcome : str, default 'adoption'
        Which outcome to draw ('adoption', or the run's churn outcome such as 'churn_90d').

    Returns
    -------
    plotly.graph_objects.Figure
    """
    words = "adoption of the practice" if outcome == "adoption" else f"churn within {outcome[6:-1]} days"
    title = f"Training's effect on {words}"
    why = problem(impact, ["module", "practice", "outcome", "estimate"], NO_RUN)
    if why:
        return empty_figure(why, title)
    df = numeric(impact, ["estimate", "ci_low", "ci_high", "trained_agents", "comparison_agents", "n_calls",
                          "trained_before", "trained_after", "comparison_before", "comparison_after"])
    df = df[df["outcome"] == outcome]
    if df.empty:
        return empty_figure("No training completions to compare", title)
    df = df.assign(_label=[f"{practice_label(p)} ({format_count(n)} trained)"
                           for p, n in zip(df["practice"], df["trained_agents"].fillna(0))])
    df = df.sort_values(["estimate", "_label"], ascending=[False, True], na_position="last")
    y = [esc(v) for v in df["_label"]]

    def hover(row) -> str:
        lines = [f"<b>{esc(practice_label(row['practice']))}</b> (module {esc(row['module'])})"]
        if pd.notna(row["estimate"]):
            ci = ("" if pd.isna(row["ci_low"]) else
                  f" (95% CI {100 * row['ci_low']:+.1f} to {100 * row['ci_high']:+.1f})")
            lines.append(f"Difference in differences: {100 * row['estimate']:+.1f} pp{ci}")
        lines.append(f"Trained agents: {format_percent(row['trained_before'])} before → "
                     f"{format_percent(row['trained_after'])} after")
        lines.append(f"Untrained, same months: {format_percent(row['comparison_before'])} → "
                     f"{format_percent(row['comparison_after'])}")
        lines.append(f"{format_count(row['trained_agents'])} trained and {format_count(row['comparison_agents'])} "
                     f"untrained agents, {format_count(row['n_calls'])} upset calls")
        if warning_text(row.get("warning")):
            lines.append(f"⚠ {esc(warning_text(row['warning']))}")
        return "<br>".join(lines)

    known = df["estimate"].notna().to_numpy()
    few = (df["trained_agents"].fillna(0) < 5).to_numpy()
    est = df["estimate"].to_numpy(float) * 100
    low, high = df["ci_low"].to_numpy(float) * 100, df["ci_high"].to_numpy(float) * 100
    colour = BLUE if outcome == "adoption" else VERMILLION
    fig = go.Figure(go.Scatter(
        x=est[known], y=[y[i] for i in np.flatnonzero(known)], mode="markers", showlegend=False,
        marker=dict(size=10, color=["white" if f else colour for f in few[known]],
                    line=dict(color=colour, width=2)),
        error_x=dict(type="data", symmetric=False, array=np.nan_to_num(high - est)[known],
                     arrayminus=np.nan_to_num(est - low)[known], color=BLACK, thickness=1.5, width=4),
        hovertext=[hover(r) for _, r in df[known].iterrows()], hovertemplate="%{hovertext}<extra></extra>"))
    if (~known).any():
        fig.add_trace(go.Scatter(
            x=[0] * int((~known).sum()), y=[y[i] for i in np.flatnonzero(~known)], mode="markers+text",
            text=["not estimable"] * int((~known).sum()), textposition="middle right", showlegend=False,
            marker=dict(symbol="x-thin-open", size=10, color=BLACK, line=dict(color=BLACK, width=2)),
            hovertext=[hover(r) for _, r in df[~known].iterrows()], hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=y, autorange="reversed", showgrid=False)
    fig.update_xaxes(title="Trained minus untrained change (percentage points)<br>"
                           "hollow: fewer than 5 trained agents, no interval", ticksuffix=" pp",
                     zeroline=True, zerolinecolor=BLACK, zerolinewidth=1)
    return finish(fig, title=title, uirevision=f"training-impact:{outcome}", height=max(340, 170 + 36 * len(df)))
