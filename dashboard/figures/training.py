"""Trainer figures: adoption of every practice over the months, and what training changed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from calmline import vocabulary
from calmline.dashboard.figures.style import (BLACK, BLUE, GRID, NO_MATCH, NO_RUN, VERMILLION, empty_figure,
                                              esc, finish, format_count, format_percent, numeric,
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
    rows = math.ceil(len(order) / COLUMNS)
    fig = make_subplots(rows=rows, cols=COLUMNS, shared_xaxes=True, shared_yaxes=True,
                        subplot_titles=[esc(practice_label(p)) for p in order],
                        vertical_spacing=0.5 / max(rows, 1) * 0.3, horizontal_spacing=0.03)
    series = {p: df[df["practice"] == p] for p in order}
    for i, practice in enumerate(order):
        row, col = i // COLUMNS + 1, i % COLUMNS + 1
        for other in order:  # the others first, in grey, behind
            if other == practice:
                continue
            part = series[other]
            fig.add_trace(go.Scatter(x=part["month"], y=part["adoption"] * 100, mode="lines",
                                     line=dict(color=CONTEXT, width=1), hoverinfo="skip", showlegend=False),
                          row=row, col=col)
        part = series[practice]
        small = (part["assessed"] < min_calls).to_numpy()
        hover = [f"<b>{esc(practice_label(practice))}</b>, {m:%b %Y}<br>{format_percent(a)} of "
                 f"{format_count(n)} assessed upset calls" + (" (too few to read)" if s else "")
                 for m, a, n, s in zip(part["month"], part["adoption"], part["assessed"], small)]
        fig.add_trace(go.Scatter(
            x=part["month"], y=part["adoption"] * 100, mode="lines+markers", showlegend=False,
            line=dict(color=BLUE, width=2),
            marker=dict(color=["white" if s else BLUE for s in small], size=6,
                        line=dict(color=BLUE, width=1.5)),
            hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"), row=row, col=col)
    fig.update_yaxes(range=[0, 100], ticksuffix="%", dtick=50, gridcolor=GRID)
    fig.update_xaxes(tickformat="%b", nticks=4, gridcolor=GRID)
    fig.update_annotations(font=dict(size=12))
    fig.update_layout(showlegend=False, margin=dict(t=90, b=60))
    note = f"Blue: the panel's practice; grey: the others. Hollow points: fewer than {min_calls} assessed upset calls that month."
    fig.add_annotation(text=esc(note), x=0, xref="paper", xanchor="left", y=0, yref="paper", yanchor="top",
                       yshift=-30, showarrow=False, font=dict(size=11, color=BLACK))
    return finish(fig, title=title, uirevision="adoption-small-multiples", height=150 + 170 * rows)


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
