"""Monitoring: monthly trends and what each load kept or rejected."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from calmline.dashboard.figures.style import (BLUE, INK, MISSING, NO_MATCH, PALETTE, VERMILLION, empty_figure, esc,
                                              figure, finish, format_count, practice_label, problem, rgba, rows_height)

GREY = "#8C8C8C"
INK_DARK = INK
MISSING_TEXT = MISSING

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


def churn_trend(rates: pd.DataFrame, min_n: int = 100) -> go.Figure:
    """Churn within 90 days after upset calls by month, per call, with Wilson 95% intervals.

    Months whose 90-day windows have all closed are a solid line; a month with some windows still
    open is drawn apart as provisional (hollow, dotted, its closed share on hover), and a month
    with none closed is left out. Points resting on fewer than ``min_n`` closed calls get a
    hollow grey ring and "few calls" on hover. Churn after calm calls is a grey dashed line.

    Parameters
    ----------
    rates : pandas.DataFrame
        One row per month, as :func:`calmline.dashboard.overview_numbers.monthly_rates` gives:
        month, upset_calls, upset_closed_90d, churn_upset, churn_ci_low, churn_ci_high,
        provisional, small; optionally churn_calm and calm_closed_90d.
    min_n : int, default 100
        The minimum closed calls below which a point is marked.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    title = "Churn within 90 days after upset calls, by month (% of calls)"
    why = problem(rates, ["month", "upset_calls", "upset_closed_90d", "churn_upset", "churn_ci_low",
                          "churn_ci_high", "provisional"], NO_MATCH)
    if why:
        return empty_figure(why, title)
    df = rates.assign(month=pd.to_datetime(rates["month"], errors="coerce")).sort_values("month")
    df = df[pd.to_numeric(df["upset_closed_90d"], errors="coerce").fillna(0) > 0]
    if df.empty:
        return empty_figure("No 90-day window has closed for these calls yet", title)
    closed = df["upset_closed_90d"].astype(float)
    small = closed < min_n

    def hover(rows):
        return [f"<b>{m:%b %Y}</b><br>{r * 100:.1f}% of {format_count(n)} upset calls churned within 90 days"
                f"<br>95% CI {lo * 100:.1f}% to {hi * 100:.1f}%"
                + (f"<br>provisional: {format_count(n)} of {format_count(c)} calls' windows closed" if p else "")
                + (f"<br>few calls (under {min_n}): read with care" if n < min_n else "")
                for m, r, lo, hi, n, c, p in zip(rows["month"], rows["churn_upset"], rows["churn_ci_low"],
                                                 rows["churn_ci_high"], rows["upset_closed_90d"],
                                                 rows["upset_calls"], rows["provisional"])]

    traces = []  # plain dicts, validated once by the figure (see kpi_trends)
    for provisional, name in ((False, "Upset calls"), (True, "Upset calls, provisional (windows still open)")):
        rows = df[df["provisional"].astype(bool) == provisional]
        if rows.empty:
            continue
        y = rows["churn_upset"] * 100
        traces.append(dict(
            type="scatter", x=rows["month"], y=y, name=name,
            mode="lines+markers" if not provisional else "markers",
            line=dict(color=BLUE, width=3), connectgaps=False,
            marker=dict(color="white" if provisional else BLUE, size=9, symbol="circle",
                        line=dict(color=BLUE, width=2)),
            error_y=dict(type="data", symmetric=False, array=rows["churn_ci_high"] * 100 - y,
                         arrayminus=y - rows["churn_ci_low"] * 100, color=rgba(BLUE, 0.5), thickness=1.5),
            hovertext=hover(rows), hovertemplate="%{hovertext}<extra></extra>"))
    if small.any():
        rows = df[small]
        traces.append(dict(
            type="scatter", x=rows["month"], y=rows["churn_upset"] * 100, mode="markers",
            name=f"Under {min_n} closed calls",
            marker=dict(size=18, color="rgba(0,0,0,0)", line=dict(color=GREY, width=2)),
            hoverinfo="skip"))
    if "churn_calm" in df and pd.to_numeric(df["churn_calm"], errors="coerce").notna().any():
        calm = df[~df["provisional"].astype(bool)]
        traces.append(dict(
            type="scatter", x=calm["month"], y=pd.to_numeric(calm["churn_calm"], errors="coerce") * 100,
            name="Calm calls", mode="lines", line=dict(color=GREY, width=2, dash="dash"),
            hovertemplate="<b>Calm calls</b><br>%{x|%b %Y}: %{y:.1f}%<extra></extra>"))
    fig = figure(traces, dict(
        xaxis=dict(tickformat="%b %Y", dtick="M1" if df["month"].nunique() <= 12 else None),
        yaxis=dict(title=dict(text="Churn within 90 days (% of calls)"), ticksuffix="%", tickformat=".0f",
                   rangemode="tozero")))
    # the legend goes above the plot (finish makes room for its rows): below it, it covered the
    # month labels, which the axis turns to fit
    fig.update_xaxes(title=None)  # an empty axis title, as before (a dict's None is dropped)
    return finish(fig, title=title, uirevision="churn-trend")


KPI_PANELS = (("fcr", "First-contact resolution (% of calls)", True),
              ("repeat_rate", "Repeat upset contact within 30 days (% of upset calls)", True),
              ("handle_min", "Average handle time (minutes)", False),
              ("csat", "Average CSAT (1-5)", False))
"""The KPI small multiples: column, panel title, whether it is a share (shown as percent)."""


def kpi_trends(rates: pd.DataFrame, min_n: int = 100) -> go.Figure:
    """The contact-centre KPIs by month, one small panel each, n on hover; a month's point resting
    on fewer than ``min_n`` calls is hollow and says so.

    Parameters
    ----------
    rates : pandas.DataFrame
        One row per month with fcr, repeat_rate, handle_min, csat (as
        :func:`calmline.dashboard.overview_numbers.monthly_rates` gives) and their n: resolved_known,
        repeat_closed_30d, handled, csat_scored.

    min_n : int, default 100
        Calls below which a month's point is drawn hollow.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    title = "Contact-centre KPIs by month"
    why = problem(rates, ["month", *(k for k, _, _ in KPI_PANELS)], NO_MATCH)
    if why:
        return empty_figure(why, title)
    df = rates.assign(month=pd.to_datetime(rates["month"], errors="coerce")).sort_values("month")
    counts = {"fcr": ("resolved_known", "calls"), "repeat_rate": ("repeat_closed_30d", "upset calls"),
              "handle_min": ("handled", "calls"), "csat": ("csat_scored", "scored calls")}
    # a 2 x 2 grid laid out by hand: plotly's make_subplots costs ~150 ms a figure
    columns, rows = ((0.0, 0.45), (0.55, 1.0)), ((0.62, 1.0), (0.0, 0.38))
    traces, layout, titles = [], {}, []
    for i, (column, panel, share) in enumerate(KPI_PANELS):
        suffix = "" if i == 0 else str(i + 1)
        values = pd.to_numeric(df[column], errors="coerce") * (100 if share else 1)
        n_col, n_unit = counts[column]
        n = df[n_col] if n_col in df else pd.Series([np.nan] * len(df), index=df.index)
        few = pd.to_numeric(n, errors="coerce").fillna(0) < min_n
        fmt = "{:.1f}%" if share else "{:.2f}"
        traces.append(dict(
            type="scatter", x=df["month"], y=values, mode="lines+markers", showlegend=False, name=esc(panel),
            xaxis=f"x{suffix}", yaxis=f"y{suffix}", line=dict(color=PALETTE[i], width=2),
            marker=dict(size=[9 if f else 6 for f in few], color=["white" if f else PALETTE[i] for f in few],
                        line=dict(color=PALETTE[i], width=2)),
            hovertext=[f"<b>{m:%b %Y}</b><br>{fmt.format(v) if pd.notna(v) else MISSING_TEXT}"
                       f"<br>n = {format_count(c)} {n_unit}" + (f"<br>few calls (under {min_n}): read with care"
                                                                if f else "")
                       for m, v, c, f in zip(df["month"], values, n, few)],
            hovertemplate="%{hovertext}<extra></extra>"))
        x_domain, y_domain = columns[i % 2], rows[i // 2]
        layout[f"xaxis{suffix}"] = dict(domain=x_domain, anchor=f"y{suffix}", tickformat="%b %Y")
        layout[f"yaxis{suffix}"] = dict(domain=y_domain, anchor=f"x{suffix}", ticksuffix="%" if share else "",
                                        rangemode="tozero" if share else "normal")
        titles.append(dict(text=esc(panel), x=sum(x_domain) / 2, y=y_domain[1], xref="paper", yref="paper",
                           xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=14)))
    # one figure from plain dicts, validated once (trace objects, then the figure, then each layout
    # update validated everything again: 24 -> 8 ms of CPU at 2M calls)
    return finish(figure(traces, dict(annotations=titles, **layout)), title=title,
                  uirevision="kpis", height=520)


def team_bars(teams: pd.DataFrame, min_n: int = 100) -> go.Figure:
    """Churn within 90 days after upset calls, one bar per team, with its n and a Wilson 95% interval.

    Parameters
    ----------
    teams : pandas.DataFrame
        One row per team: team, upset_calls, churn_upset (a share, NULL when no window has
        closed) and, when present, closed_90d and churned_90d (the rate's n and count: the bar
        then carries n and an interval). Each bar's ``customdata`` is its team, for a click to
        filter on.
    min_n : int, default 100
        Teams with fewer closed calls are drawn pale and say so.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    title = "Churn within 90 days after upset calls, by team (% of calls; click a bar to filter)"
    why = problem(teams, ["team", "upset_calls", "churn_upset"], NO_MATCH)
    if why:
        return empty_figure(why, title)
    df = teams.assign(churn_upset=pd.to_numeric(teams["churn_upset"], errors="coerce"))
    df = df[df["churn_upset"].notna()].sort_values("churn_upset", ascending=False)
    if df.empty:
        return empty_figure("No 90-day window has closed for these calls yet", title)
    names = [esc(t) for t in df["team"].astype(str)]
    if {"closed_90d", "churned_90d"} <= set(df.columns):
        from statsmodels.stats.proportion import proportion_confint

        n = pd.to_numeric(df["closed_90d"], errors="coerce").fillna(0).to_numpy(float)
        k = pd.to_numeric(df["churned_90d"], errors="coerce").fillna(0).to_numpy(float)
        low, high = proportion_confint(k, np.maximum(n, 1), alpha=0.05, method="wilson")
    else:
        n = pd.to_numeric(df["upset_calls"], errors="coerce").fillna(0).to_numpy(float)
        low = high = None
    y = df["churn_upset"].to_numpy(float) * 100
    small = n < min_n
    fig = figure([dict(  # plain dicts, not validated (style.figure: the same JSON)
        type="bar", x=names, y=y, customdata=df["team"].astype(str),
        marker=dict(color=[rgba(BLUE, 0.35) if s else BLUE for s in small],
                    line=dict(color=BLUE, width=1)),
        error_y=None if low is None else dict(type="data", symmetric=False, array=high * 100 - y,
                                              arrayminus=y - low * 100, color=INK_DARK, thickness=1.5),
        text=[f"{v:.1f}%<br>n={format_count(c)}" for v, c in zip(y, n)], textposition="inside",
        insidetextanchor="start", cliponaxis=False,
        hovertext=[f"<b>{t}</b><br>{v:.1f}% of {format_count(c)} upset calls with a closed window churned"
                   f" within 90 days" + (f"<br>95% CI {lo * 100:.1f}% to {hi * 100:.1f}%" if low is not None else "")
                   + f"<br>{format_count(u)} upset calls in all"
                   + (f"<br>few calls (under {min_n}): read with care" if s else "")
                   for t, v, c, lo, hi, u, s in zip(names, y, n, low if low is not None else y,
                                                    high if high is not None else y, df["upset_calls"], small)],
        hovertemplate="%{hovertext}<extra></extra>")], dict(
        yaxis=dict(title=dict(text="Churn within 90 days (% of calls)"), ticksuffix="%", tickformat=".0f",
                   rangemode="tozero"),
        xaxis=dict(type="category")))
    fig.update_xaxes(title=None)  # an empty axis title, as before (a dict's None is dropped)
    return finish(fig, title=title, uirevision="teams")
