"""Practice effects as dot-and-whisker plots: risk differences and Cox hazard ratios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from calmline.dashboard.figures.style import (BLACK, MISSING, NO_RUN, PALETTE, empty_figure, esc, finish,
                                     format_count, format_pp, format_q, is_missing, numeric,
                                     practice_label, problem, rows_height, warning_text)
from calmline.vocabulary import HEADLINE_HORIZON

REQUIRED = ["practice", "method", "effect", "estimate", "ci_low", "ci_high"]
NUMBERS = ["estimate", "ci_low", "ci_high", "q_value", "n_with", "n_without"]

# (method, effect, legend name, colour, marker symbol), top to bottom within a practice's row.
RD_SERIES = [
    ("aipw", "total", "AIPW (total)", PALETTE[0], "circle"),
    ("logit", "total", "Logit (total)", PALETTE[1], "square"),
    ("logit", "direct", "Logit, direct (not via resolution)", PALETTE[4], "diamond"),
    ("aipw", "landmark", "AIPW, at the landmark (after-call practices)", PALETTE[0], "triangle-up"),
    ("logit", "landmark", "Logit, at the landmark (after-call practices)", PALETTE[1], "triangle-down"),
    ("within_agent", "total", "Within agent (agent fixed effects)", PALETTE[2], "x"),
    ("within_agent", "landmark", "Within agent, at the landmark", PALETTE[2], "x"),
    ("naive", "total", "Naive (unadjusted)", BLACK, "circle-open"),
]
WITHIN_DISAGREES = ("disagrees with the main estimate: it lies outside this within-agent 95% interval "
                    "(good agents doing everything?)")
"""The hover warning of a within-agent estimate the main estimate falls outside of."""
NOT_ESTIMABLE = "not estimable"
HR_TICKS = [0.05, 0.1, 0.2, 0.25, 0.33, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1, 1.05, 1.1, 1.2,
            1.25, 1.5, 2, 3, 4, 5, 10, 20]


def _prepare(effects: pd.DataFrame, scale: str, methods: set[str]) -> pd.DataFrame:
    df = numeric(effects, NUMBERS)
    if "scale" in df.columns:
        df = df[df["scale"] == scale]
    df = df[df["method"].isin(methods)]
    for column in ("q_value", "warning", "n_with", "n_without"):
        if column not in df.columns:
            df[column] = np.nan
    return df.drop_duplicates(["practice", "method", "effect"])


def horizon_words(horizon_days: int) -> str:
    """The outcome a run of ``horizon_days`` estimates, in words: "churn within 30 days"."""
    return f"churn within {int(horizon_days)} days"


def _pick_horizon(df: pd.DataFrame, horizon_days: int) -> pd.DataFrame:
    """One outcome only: the wanted horizon when the table holds several."""
    if "outcome" not in df.columns:
        return df
    wanted = f"churn_{horizon_days}d"
    return df[df["outcome"] == wanted] if (df["outcome"] == wanted).any() else df


def _hover(row, name: str, value: str, interval: str) -> str:
    lines = [f"<b>{esc(practice_label(row['practice']))}</b>", f"{esc(name)}: {value}", interval,
             f"q-value: {esc(format_q(row['q_value']))}"]
    if not is_missing(row["n_with"]) and not is_missing(row["n_without"]):
        lines.append(f"upset calls: {format_count(row['n_with'])} with, "
                     f"{format_count(row['n_without'])} without")
    warning = warning_text(row["warning"])
    if warning:
        lines.append(f"⚠ {esc(warning)}")
    return "<br>".join(lines)


def _series_trace(rows: pd.DataFrame, y, *, name, colour, symbol, to_display, fmt, visible=True,
                  opacity=1.0) -> go.Scatter:
    x = to_display(rows["estimate"].to_numpy(float))
    low = to_display(rows["ci_low"].to_numpy(float))
    high = to_display(rows["ci_high"].to_numpy(float))
    hover = [_hover(row, name, fmt(row["estimate"]),
                    f"95% CI {fmt(row['ci_low'])} to {fmt(row['ci_high'])}")
             for _, row in rows.iterrows()]
    return go.Scatter(
        x=x, y=y, mode="markers", name=name, visible=visible, opacity=opacity,
        marker=dict(color=colour, symbol=symbol, size=12, line=dict(color=colour, width=2)),
        error_x=dict(type="data", symmetric=False, array=high - x, arrayminus=x - low,
                     color=colour, thickness=2, width=0),
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>")


def _not_estimable_trace(missing: dict[str, list[tuple[str, str, float]]], order: list[str],
                         at: float, n_series: int) -> go.Scatter | None:
    """Markers at the no-effect line for estimates that are missing.

    ``missing`` maps a practice to its missing series as (name, warning, row offset). A
    practice missing all ``n_series`` gets one marker labelled "not estimable" in the
    middle of its row; one missing only some gets an unlabelled marker in each missing
    series' place, so the label never covers the estimates that are there.
    """
    if not missing:
        return None
    ys, texts, hover = [], [], []
    for practice, items in missing.items():
        row = order.index(practice)
        head = f"<b>{esc(practice_label(practice))}</b>"
        lines = [f"{esc(name)}: {NOT_ESTIMABLE}" + (f"<br>⚠ {esc(why)}" if why else "")
                 for name, why, _ in items]
        if len(items) >= n_series:
            ys.append(row)
            texts.append(NOT_ESTIMABLE)
            hover.append("<br>".join([head, *lines]))
        else:
            for (_, _, offset), line in zip(items, lines):
                ys.append(row + offset)
                texts.append("")
                hover.append(f"{head}<br>{line}")
    return go.Scatter(
        x=[at] * len(ys), y=ys, mode="markers+text", name=NOT_ESTIMABLE, text=texts,
        textposition="middle right", textfont=dict(color=BLACK),
        marker=dict(symbol="x-thin-open", size=12, color=BLACK, line=dict(color=BLACK, width=2)),
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>")


def _reference_line(at: float, n_rows: int) -> go.Scatter:
    """The no-effect line, as a trace so that it sits at ``at`` on linear and log axes alike."""
    return go.Scatter(x=[at, at], y=[-0.5, n_rows - 0.5], mode="lines", showlegend=False,
                      hoverinfo="skip", line=dict(color=BLACK, width=1.5, dash="dash"),
                      name="no difference")


def _practice_axis(fig: go.Figure, order: list[str]) -> None:
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(order))),
                     ticktext=[esc(practice_label(p)) for p in order], autorange="reversed",
                     showgrid=False, zeroline=False, title=None)


def within_agent_rows(sensitivity: pd.DataFrame | None) -> pd.DataFrame:
    """The within-agent estimates of ``practice_sensitivity`` as ``practice_effects``-like rows
    (method ``within_agent``), flagged in their warning when the main estimate disagrees."""
    columns = ["practice", "method", "effect", "scale", "estimate", "ci_low", "ci_high", "warning"]
    if sensitivity is None or sensitivity.empty or "within_estimate" not in sensitivity.columns:
        return pd.DataFrame(columns=columns)
    flag = sensitivity["within_disagrees"].astype("boolean").fillna(False).astype(bool)
    warning = sensitivity["warning"] if "warning" in sensitivity.columns else pd.Series(None, index=sensitivity.index)
    return pd.DataFrame({
        "practice": sensitivity["practice"], "method": "within_agent", "effect": sensitivity["effect"],
        "scale": "risk_difference", "estimate": sensitivity["within_estimate"],
        "ci_low": sensitivity["within_ci_low"], "ci_high": sensitivity["within_ci_high"],
        "warning": [WITHIN_DISAGREES if f else w for f, w in zip(flag, warning)]})[columns]


def forest_plot(effects: pd.DataFrame, *, horizon_days: int = HEADLINE_HORIZON, show_naive: bool = False,
                sensitivity: pd.DataFrame | None = None) -> go.Figure:
    """Each practice's change in churn risk, in percentage points, by estimation method.

    One row per practice, sorted by the AIPW estimate (else the logit one) so the
    practices that keep the most customers come first. Within a row: the total
    effect by AIPW and by logit, and the logit direct effect (the part not through
    the issue being resolved), each with its 95% interval; a practice that happens after the
    call (the follow-up) has its landmark estimates instead of totals; the naive (unadjusted)
    difference is in the legend, hidden unless ``show_naive``. A practice whose
    estimate is missing gets a "not estimable" marker at 0 with the reason in the hover.

    Parameters
    ----------
    effects : pandas.DataFrame
        Rows of ``practice_effects``: practice, method, effect, scale, estimate,
        ci_low, ci_high (probability units), q_value, warning; optionally outcome,
        n_with, n_without. Rows on other scales (odds and hazard ratios) are ignored.
    horizon_days : int, default :data:`calmline.vocabulary.HEADLINE_HORIZON`
        The churn horizon named in the title and on the axis; when ``outcome`` holds
        several horizons, only ``churn_{horizon_days}d`` is shown.
    show_naive : bool, default False
        Show the naive series at first (it can always be toggled in the legend).
    sensitivity : pandas.DataFrame, optional
        Rows of ``practice_sensitivity``: their within-agent estimates (agent fixed effects) are
        drawn beside the main ones, the hover flagging those the main estimate lies outside of.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    title = f"Which practices keep customers: {horizon_words(horizon_days)}"
    why = problem(effects, REQUIRED, NO_RUN)
    if why:
        return empty_figure(why, title)
    df = _pick_horizon(_prepare(effects, "risk_difference", {"naive", "logit", "aipw"}), horizon_days)
    within = within_agent_rows(sensitivity)
    if not df.empty and len(within):
        within = _prepare(within[within["practice"].isin(set(df["practice"]))], "risk_difference",
                          {"within_agent"})
        df = pd.concat([df, within.dropna(subset=["estimate"])], ignore_index=True)
    if df.empty:
        return empty_figure("No risk differences in this run: run `calmline fit`", title)
    shown = df[~((df["method"] == "naive") & (df["effect"] == "total"))]
    if shown["estimate"].isna().all():
        reasons = shown["warning"].dropna().astype(str)
        reason = reasons.mode().iloc[0] if len(reasons) else "every estimate is missing"
        return empty_figure(f"No practice effect could be estimated: {reason}", title)

    def key_of(method, effect):
        rows = df[(df["method"] == method) & (df["effect"] == effect)]
        return rows.set_index("practice")["estimate"]

    sort_key = key_of("aipw", "total").combine_first(key_of("logit", "total")) \
        .combine_first(key_of("aipw", "landmark")).combine_first(key_of("logit", "landmark"))
    practices = list(dict.fromkeys(df["practice"]))
    order = sorted(practices, key=lambda p: (is_missing(sort_key.get(p)),
                                             sort_key.get(p) if not is_missing(sort_key.get(p)) else 0,
                                             practice_label(p)))
    position = {p: i for i, p in enumerate(order)}
    present = [s for s in RD_SERIES if ((df["method"] == s[0]) & (df["effect"] == s[1])).any()]
    step = min(0.17, 0.8 / max(len(present), 1))  # every series stays within its practice's row
    offsets = {s[:2]: (i - (len(present) - 1) / 2) * step for i, s in enumerate(present)}

    fig = go.Figure()
    fig.add_trace(_reference_line(0.0, len(order)))
    missing: dict[str, list[tuple[str, str, float]]] = {}
    for method, effect, name, colour, symbol in present:
        rows = df[(df["method"] == method) & (df["effect"] == effect)]
        rows = rows.assign(_y=rows["practice"].map(position)).sort_values("_y")
        known = rows[rows["estimate"].notna()]
        naive = method == "naive"
        if method not in ("naive", "within_agent"):
            for _, row in rows[rows["estimate"].isna()].iterrows():
                missing.setdefault(row["practice"], []).append(
                    (name, warning_text(row["warning"]), offsets[(method, effect)]))
        fig.add_trace(_series_trace(
            known, known["_y"].to_numpy(float) + offsets[(method, effect)], name=name, colour=colour,
            symbol=symbol, to_display=lambda v: v * 100, fmt=format_pp,
            visible=True if (show_naive or not naive) else "legendonly", opacity=0.5 if naive else 1.0))
    n_series = sum(1 for s in present if s[0] not in ("naive", "within_agent"))
    marker = _not_estimable_trace({p: missing[p] for p in order if p in missing}, order, 0.0, n_series)
    if marker is not None:
        fig.add_trace(marker)
    _practice_axis(fig, order)
    fig.update_xaxes(title=f"Change in {horizon_words(horizon_days)} (percentage points)<br>"
                           "◀ fewer customers lost · more customers lost ▶",
                     ticksuffix=" pp", zeroline=False)
    return finish(fig, title=title, uirevision=f"forest:{horizon_days}", height=rows_height(len(order)))


def hazard_plot(effects: pd.DataFrame) -> go.Figure:
    """Each practice's Cox hazard ratio of churning, on a log axis with a line at 1.

    A hazard ratio below 1 means customers churn more slowly after calls with the
    practice. Sorted from the most protective; a missing estimate is marked "not
    estimable" at 1 with the reason (e.g. doubtful proportional hazards) in the hover.

    Parameters
    ----------
    effects : pandas.DataFrame
        Rows of ``practice_effects``; only method 'cox' on the hazard-ratio scale is used.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    title = "Time to churn: hazard ratios"
    why = problem(effects, REQUIRED, NO_RUN)
    if why:
        return empty_figure(why, title)
    df = _prepare(effects, "hazard_ratio", {"cox"})
    for column in ("estimate", "ci_low", "ci_high"):
        df.loc[df[column] <= 0, column] = np.nan  # not drawable on a log axis
    if df.empty:
        return empty_figure("No hazard ratios in this run: run `calmline fit`", title)
    if df["estimate"].isna().all():
        reasons = df["warning"].dropna().astype(str)
        reason = reasons.mode().iloc[0] if len(reasons) else "every estimate is missing"
        return empty_figure(f"No hazard ratio could be estimated: {reason}", title)

    df = df.sort_values(["estimate", "practice"], na_position="last")
    order = list(df["practice"])
    df = df.assign(_y=range(len(order)))
    known = df[df["estimate"].notna()]
    name = "Cox hazard ratio"
    fig = go.Figure()
    fig.add_trace(_reference_line(1.0, len(order)))
    fig.add_trace(_series_trace(known, known["_y"].to_numpy(float), name=name, colour=PALETTE[0],
                                symbol="circle", to_display=lambda v: v,
                                fmt=lambda v: MISSING if is_missing(v) else f"{float(v):.2f}"))
    missing = {row["practice"]: [(name, warning_text(row["warning"]), 0.0)]
               for _, row in df[df["estimate"].isna()].iterrows()}
    marker = _not_estimable_trace(missing, order, 1.0, 1)
    if marker is not None:
        fig.add_trace(marker)
    fig.update_layout(showlegend=marker is not None)
    values = pd.concat([known["estimate"], known["ci_low"], known["ci_high"]]).dropna()
    low, high = min(values.min(), 1.0), max(values.max(), 1.0)
    low, high = low / 1.05, high * 1.05
    ticks = [t for t in HR_TICKS if low <= t <= high]
    while len(ticks) > 9:  # keep 1, drop every other tick around it
        one = ticks.index(1)
        ticks = [t for i, t in enumerate(ticks) if (i - one) % 2 == 0]
    _practice_axis(fig, order)
    fig.update_xaxes(type="log", tickmode="array", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks],
                     range=[np.log10(low), np.log10(high)],
                     title="Hazard ratio of churning (log scale)<br>"
                           "◀ customers stay longer · customers leave sooner ▶")
    return finish(fig, title=title, uirevision="hazard", height=rows_height(len(order)))
