"""Kaplan-Meier curves: the share of upset customers still customers, with and without a practice."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from calmline.dashboard.figures.style import (BLACK, BLUE, NO_RUN, ORANGE, empty_figure, esc, finish, format_count,
                                     format_percent, is_missing, numeric, practice_label, problem,
                                     rgba)

REQUIRED = ["practice", "group", "day", "survival", "ci_low", "ci_high"]
GROUPS = [("with", BLUE, "solid"), ("without", ORANGE, "dash")]


def km_plot(km: pd.DataFrame, practice: str | None, *, horizon_days: int | None = None) -> go.Figure:
    """Step curves of the share still customers after an upset call, with and without ``practice``.

    Unadjusted (Kaplan-Meier) curves with shaded pointwise 95% bands, y in percent,
    x in days after the call. The hover gives the day's share, band and upset calls at risk.
    The curves cover the whole follow-up, whatever the horizon; a dotted line marks the horizon.

    Parameters
    ----------
    km : pandas.DataFrame
        Rows of ``km_curves``: practice, group ('with' | 'without'), day, survival,
        ci_low, ci_high (probabilities) and at_risk.
    practice : str
        The practice to draw.
    horizon_days : int, optional
        The churn horizon the page shows, marked on the day axis ("30 days").

    Returns
    -------
    plotly.graph_objects.Figure
    """
    label = practice_label(practice)
    title = f"Still customers: {label} (unadjusted)" if label else "Still customers"
    why = problem(km, REQUIRED, NO_RUN)
    if why:
        return empty_figure(why, title)
    if is_missing(practice) or not str(practice).strip():
        return empty_figure("Choose a practice to see its curves", title)
    df = numeric(km[km["practice"] == practice], ["day", "survival", "ci_low", "ci_high", "at_risk"])
    df = df[df["day"].notna()]
    if df.empty or df["survival"].isna().all():
        return empty_figure(f"No survival curves for {label} in this run", title)
    if "at_risk" not in df.columns:
        df["at_risk"] = float("nan")

    fig = go.Figure()
    for group, colour, dash in GROUPS:
        rows = df[df["group"] == group].sort_values("day")
        if rows.empty:
            continue
        name = f"{'With' if group == 'with' else 'Without'} {label[:1].lower() + label[1:]}"
        days = rows["day"].to_numpy(float)
        # The band: upper edge, then lower edge filled up to it.
        fig.add_trace(go.Scatter(x=days, y=rows["ci_high"] * 100, mode="lines", line_shape="hv",
                                 line=dict(width=0, color=colour), hoverinfo="skip", showlegend=False,
                                 legendgroup=group, name=f"{name}: 95% band"))
        fig.add_trace(go.Scatter(x=days, y=rows["ci_low"] * 100, mode="lines", line_shape="hv",
                                 line=dict(width=0, color=colour), fill="tonexty",
                                 fillcolor=rgba(colour, 0.2), hoverinfo="skip", showlegend=False,
                                 legendgroup=group, name=f"{name}: 95% band"))
        hover = [f"<b>{esc(name)}</b><br>Day {int(r.day)}: {format_percent(r.survival)} still customers"
                 f"<br>95% CI {format_percent(r.ci_low)} to {format_percent(r.ci_high)}"
                 f"<br>{format_count(r.at_risk)} upset calls at risk (customer not yet gone, still in view)"
                 for r in rows.itertuples()]
        fig.add_trace(go.Scatter(x=days, y=rows["survival"] * 100, mode="lines", line_shape="hv",
                                 line=dict(color=colour, width=3, dash=dash), name=esc(name),
                                 legendgroup=group, hovertext=hover,
                                 hovertemplate="%{hovertext}<extra></extra>"))
    if horizon_days is not None and not is_missing(horizon_days):
        fig.add_vline(x=int(horizon_days), line=dict(color=BLACK, width=1, dash="dot"),
                      annotation=dict(text=f"{int(horizon_days)} days", showarrow=False),
                      annotation_position="bottom right")
    fig.update_xaxes(title="Days after the upset call", rangemode="tozero")
    fig.update_yaxes(title="Still customers (%)", ticksuffix="%")
    return finish(fig, title=title, uirevision=f"km:{practice}:{horizon_days}")
