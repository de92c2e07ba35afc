"""The playbooks' disputed points as a small dot-and-whisker plot, one row per point."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from calmline.dashboard.figures.effects import horizon_words
from calmline.dashboard.figures.style import (BLACK, PALETTE, empty_figure, esc, finish, format_count,
                                              format_pp, is_missing, numeric, problem, rows_height,
                                              warning_text)
from calmline.vocabulary import HEADLINE_HORIZON

REQUIRED = ["dispute", "label", "method", "estimate_pp", "ci_low_pp", "ci_high_pp"]
NUMBERS = ["position", "estimate_pp", "ci_low_pp", "ci_high_pp", "n_calls", "n_treated", "n_control",
           "n_agents"]

# (method, legend name, colour, marker symbol), top to bottom within a point's row.
SERIES = [
    ("aipw", "AIPW", PALETTE[0], "circle"),
    ("logit", "Logit", PALETTE[1], "square"),
    ("naive", "Naive (unadjusted)", BLACK, "circle-open"),
]
NOT_ESTIMABLE = "not estimated"
NO_TRANSCRIPTS = "No disputed points in this run: they are measured from transcripts"


def _pp(value) -> str:
    return format_pp(None if is_missing(value) else float(value) / 100)


def _hover(row, name: str) -> str:
    lines = [f"<b>{esc(row['label'])}</b>",
             f"{esc(row.get('treated_label', ''))} vs {esc(row.get('control_label', ''))}"]
    if is_missing(row["estimate_pp"]):
        lines.append(f"{esc(name)}: {NOT_ESTIMABLE}")
    else:
        lines += [f"{esc(name)}: {_pp(row['estimate_pp'])}",
                  f"95% CI {_pp(row['ci_low_pp'])} to {_pp(row['ci_high_pp'])}"]
    if not is_missing(row.get("n_calls")):
        lines.append(f"upset calls compared: {format_count(row['n_calls'])} "
                     f"({format_count(row.get('n_treated'))} vs {format_count(row.get('n_control'))}), "
                     f"{format_count(row.get('n_agents'))} agents")
    note = warning_text(row.get("note"))
    if note:
        lines.append(f"⚠ {esc(note)}")
    return "<br>".join(lines)


def disputes_plot(points: pd.DataFrame, *, horizon_days: int = HEADLINE_HORIZON) -> go.Figure:
    """Each disputed point's change in churn, claim's side over the other, in percentage points.

    One row per point, in the vocabulary's order (``position``); within a row the AIPW and logit
    estimates with their 95% intervals (the naive difference in the legend, hidden at first).
    A point without an estimate gets a "not estimated" marker at 0, the reason in its hover.

    Parameters
    ----------
    points : pandas.DataFrame
        Rows of ``dispute_effects`` for one run: dispute, label, method, estimate_pp, ci_low_pp,
        ci_high_pp (percentage points); optionally position, treated_label, control_label,
        n_calls, n_treated, n_control, n_agents and note.
    horizon_days : int, default :data:`calmline.vocabulary.HEADLINE_HORIZON`
        The churn horizon named in the title and on the axis.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    title = f"The disputed points: {horizon_words(horizon_days)}"
    why = problem(points, REQUIRED, NO_TRANSCRIPTS)
    if why:
        return empty_figure(why, title)
    df = numeric(points, NUMBERS)
    if "position" not in df.columns:
        df["position"] = np.arange(len(df))
    order = list(dict.fromkeys(df.sort_values("position", kind="stable")["dispute"]))
    labels = df.drop_duplicates("dispute").set_index("dispute")["label"]
    row_of = {d: i for i, d in enumerate(order)}
    present = [s for s in SERIES if (df["method"] == s[0]).any()]
    step = min(0.25, 0.8 / max(len(present), 1))
    offsets = {s[0]: (i - (len(present) - 1) / 2) * step for i, s in enumerate(present)}

    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 0], y=[-0.5, len(order) - 0.5], mode="lines", showlegend=False,
                             hoverinfo="skip", line=dict(color=BLACK, width=1.5, dash="dash"),
                             name="no difference"))
    missing = []
    for method, name, colour, symbol in present:
        rows = df[df["method"] == method].drop_duplicates("dispute")
        rows = rows.assign(_y=rows["dispute"].map(row_of) + offsets[method]).sort_values("_y")
        known = rows[rows["estimate_pp"].notna()]
        if method != "naive":
            missing += [(row["_y"], _hover(row, name)) for _, row in rows[rows["estimate_pp"].isna()].iterrows()]
        x = known["estimate_pp"].to_numpy(float)
        fig.add_trace(go.Scatter(
            x=x, y=known["_y"].to_numpy(float), mode="markers", name=name,
            visible=True if method != "naive" else "legendonly", opacity=0.5 if method == "naive" else 1.0,
            marker=dict(color=colour, symbol=symbol, size=11, line=dict(color=colour, width=2)),
            error_x=dict(type="data", symmetric=False, array=known["ci_high_pp"].to_numpy(float) - x,
                         arrayminus=x - known["ci_low_pp"].to_numpy(float), color=colour, thickness=2, width=0),
            hovertext=[_hover(row, name) for _, row in known.iterrows()],
            hovertemplate="%{hovertext}<extra></extra>"))
    if missing:
        fig.add_trace(go.Scatter(
            x=[0.0] * len(missing), y=[y for y, _ in missing], mode="markers", name=NOT_ESTIMABLE,
            marker=dict(symbol="x-thin-open", size=11, color=BLACK, line=dict(color=BLACK, width=2)),
            hovertext=[h for _, h in missing], hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(order))),
                     ticktext=[esc(labels[d]) for d in order], autorange="reversed", showgrid=False,
                     zeroline=False, title=None)
    # short lines: the figure sits in half the page's width, where one long axis title was cut off
    fig.update_xaxes(title=f"Change in {horizon_words(horizon_days)}<br>(claim's side vs the other, "
                           "percentage points)<br>◀ fewer customers lost · more customers lost ▶",
                     ticksuffix=" pp", zeroline=False)
    return finish(fig, title=title, uirevision=f"disputes:{horizon_days}",
                  height=rows_height(len(order), per_row=48, minimum=300))
