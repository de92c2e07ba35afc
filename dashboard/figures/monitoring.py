"""Monitoring: monthly trends and what each load kept or rejected."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from calmline.dashboard.figures.style import (BLUE, NO_MATCH, PALETTE, VERMILLION, empty_figure, esc, finish,
                                     format_count, practice_label, problem, rows_height)

DASHES = ["solid", "dash", "dot", "dashdot"]


def trend_plot(monthly: pd.DataFrame, series: str | Sequence[str], y_title: str, percent: bool = True,
               *, names: Mapping[str, str] | None = None, title: str | None = None) -> go.Figure:
    """One line per series over months.

    Parameters
    ----------
    monthly : pandas.DataFrame
        A ``month`` column (dates) and one column per series; one row per month.
    series : str or sequence of str
        The columns to draw; absent columns are skipped.
    y_title : str
        The y axis title, e.g. "Churn within 90 days".
    percent : bool, default True
        The series are shares in [0, 1], shown as percent; otherwise counts, shown
        with thousands separators.
    names : mapping, optional
        Legend names by column; by default the humanised column name.
    title : str, optional
        The figure title; by default ``y_title``.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    series = [series] if isinstance(series, str) else list(series or [])
    title = y_title if title is None else title
    why = problem(monthly, ["month"], NO_MATCH)
    if why:
        return empty_figure(why, title)
    present = [s for s in series if s in monthly.columns]
    df = monthly.assign(month=pd.to_datetime(monthly["month"], errors="coerce"))
    df = df[df["month"].notna()].sort_values("month")
    values = {s: pd.to_numeric(df[s], errors="coerce").astype(float) for s in present}
    if df.empty or not present or all(v.isna().all() for v in values.values()):
        return empty_figure(NO_MATCH, title)

    fig = go.Figure()
    scale, fmt = (100.0, "%{y:.1f}%") if percent else (1.0, "%{y:,.0f}")
    for i, column in enumerate(present):
        name = (names or {}).get(column) or practice_label(column)
        fig.add_trace(go.Scatter(
            x=df["month"], y=values[column] * scale, mode="lines+markers", name=esc(name),
            line=dict(color=PALETTE[i % len(PALETTE)], width=3,
                      dash=DASHES[(i // len(PALETTE)) % len(DASHES)]),
            marker=dict(color=PALETTE[i % len(PALETTE)], size=7), connectgaps=False,
            hovertemplate=f"<b>{esc(name)}</b><br>%{{x|%b %Y}}: {fmt}<extra></extra>"))
    fig.update_xaxes(title=None, tickformat="%b %Y", dtick="M1" if df["month"].nunique() <= 12 else None)
    fig.update_yaxes(title=esc(y_title), ticksuffix="%" if percent else "",
                     tickformat=".0f" if percent else ",", rangemode="tozero")
    fig.update_layout(showlegend=len(present) > 1 or bool(names))
    return finish(fig, title=title, uirevision="trend:" + ",".join(present))


def funnel_bars(batches: pd.DataFrame) -> go.Figure:
    """Rows loaded and rejected per source file, as stacked horizontal bars.

    Parameters
    ----------
    batches : pandas.DataFrame
        One row per file (of a load): file, rows_loaded, rows_rejected. Files appear
        top to bottom in the rows' order.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    title = "Rows loaded and rejected"
    why = problem(batches, ["file", "rows_loaded", "rows_rejected"],
                  "Nothing loaded yet: run `calmline load`")
    if why:
        return empty_figure(why, title)
    df = batches.assign(rows_loaded=pd.to_numeric(batches["rows_loaded"], errors="coerce"),
                        rows_rejected=pd.to_numeric(batches["rows_rejected"], errors="coerce"))
    if df[["rows_loaded", "rows_rejected"]].isna().all().all():
        return empty_figure("No row counts recorded for these loads", title)
    df = df.assign(file=df["file"].astype(str)).groupby("file", sort=False)[
        ["rows_loaded", "rows_rejected"]].sum(min_count=1).reset_index()
    files = [esc(f) for f in df["file"]]
    loaded = df["rows_loaded"].fillna(0).to_numpy(float)
    rejected = df["rows_rejected"].fillna(0).to_numpy(float)
    total = loaded + rejected
    share = np.divide(rejected, total, out=np.zeros_like(total), where=total > 0)
    hover = [f"<b>{f}</b><br>{format_count(lo)} rows loaded<br>{format_count(re)} rejected "
             f"({s * 100:.1f}% of {format_count(t)} read)"
             for f, lo, re, s, t in zip(files, loaded, rejected, share, total)]
    fig = go.Figure()
    for name, values, colour in (("Loaded", loaded, BLUE), ("Rejected", rejected, VERMILLION)):
        fig.add_trace(go.Bar(
            x=values, y=files, orientation="h", name=name, marker=dict(color=colour),
            text=[format_count(v) if v else "" for v in values], textposition="inside",
            hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"))
    if rejected.any():
        flagged = np.flatnonzero(rejected > 0)
        fig.add_trace(go.Scatter(
            x=total[flagged], y=[files[i] for i in flagged], mode="text", showlegend=False,
            text=[f" {format_count(rejected[i])} rejected ({share[i] * 100:.1f}%)" for i in flagged],
            textposition="middle right", textfont=dict(color=VERMILLION), cliponaxis=False,
            hovertext=[hover[i] for i in flagged], hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_layout(barmode="stack", uniformtext=dict(minsize=14, mode="hide"),
                      legend=dict(traceorder="normal"))
    room = 1.35 if rejected.any() else 1.05  # space for the "rejected" labels
    fig.update_xaxes(title="Rows", tickformat=",", range=[0, max(total.max(), 1) * room])
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=files, autorange="reversed",
                     showgrid=False)
    return finish(fig, title=title, uirevision="funnel", height=rows_height(len(files), per_row=40))


def team_bars(teams: pd.DataFrame) -> go.Figure:
    """Churn within 90 days after upset calls, one bar per team, with each team's call count.

    Parameters
    ----------
    teams : pandas.DataFrame
        One row per team: team, upset_calls, churn_upset (a share, NULL when no window has
        closed). Each bar's ``customdata`` is its team, for a click to filter on.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    title = "Churn within 90 days after upset calls, by team (click a bar to filter)"
    why = problem(teams, ["team", "upset_calls", "churn_upset"], NO_MATCH)
    if why:
        return empty_figure(why, title)
    df = teams.assign(churn_upset=pd.to_numeric(teams["churn_upset"], errors="coerce"))
    df = df[df["churn_upset"].notna()].sort_values("churn_upset", ascending=False)
    if df.empty:
        return empty_figure("No 90-day window has closed for these calls yet", title)
    names = [esc(t) for t in df["team"].astype(str)]
    fig = go.Figure(go.Bar(
        x=names, y=df["churn_upset"] * 100, marker=dict(color=BLUE), customdata=df["team"].astype(str),
        text=[f"{v * 100:.1f}%" for v in df["churn_upset"]], textposition="outside", cliponaxis=False,
        hovertext=[f"<b>{n}</b><br>{v * 100:.1f}% churned within 90 days<br>{format_count(c)} upset calls"
                   for n, v, c in zip(names, df["churn_upset"], df["upset_calls"])],
        hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_yaxes(title="Churn within 90 days", ticksuffix="%", tickformat=".0f", rangemode="tozero")
    fig.update_xaxes(type="category", title=None)
    return finish(fig, title=title, uirevision="teams")
