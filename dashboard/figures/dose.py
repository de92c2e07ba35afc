"""How much of a practice: churn by dose level, and effects by anger level or issue type."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go


from calmline.dashboard.figures.effects import horizon_words
from calmline.dashboard.figures.style import (BLACK, BLUE, DIVERGING, NO_RUN, empty_figure, esc, finish,
                                     format_count, format_percent, format_pp, format_q, is_missing,
                                     numeric, practice_label, problem, rows_height, warning_text)
from calmline.vocabulary import HEADLINE_HORIZON

DOSE_REQUIRED = ["factor", "level", "reference", "estimate", "ci_low", "ci_high", "risk"]
HET_REQUIRED = ["practice", "dimension", "level", "estimate", "ci_low", "ci_high"]
HET_RANGE_PP = 10.0
"""Both heterogeneity heatmaps use one fixed, symmetric colour scale: -10 to +10 percentage points
(larger effects take the end colour; their text gives the value)."""
HET_MIN_N = 100
"""A subgroup with fewer upset calls than this is greyed: its estimate is too noisy to colour."""
GREY = "#D9D9D9"
GREY_TEXT = "#595959"


def dose_plot(dose: pd.DataFrame, factor: str | None, *, horizon_days: int = HEADLINE_HORIZON) -> go.Figure:
    """Adjusted churn risk at each level of a dose factor, as bars in the rows' order.

    The reference level is hatched and named "(reference)" on the axis; each level's n (upset
    calls) is under its name; a level with a warning (e.g. few calls) has "⚠" after its value.
    Each compared level has a whisker: the 95% interval of its difference from the reference,
    drawn around its risk; a bar whose interval includes zero is faded. The hover gives
    the level's risk, its difference from the reference in percentage points with the
    95% interval of that difference, the number of upset calls and any warning.

    Parameters
    ----------
    dose : pandas.DataFrame
        Rows of ``dose_response``: factor, level, reference, estimate, ci_low, ci_high
        (risk difference from the reference, probability units), risk (adjusted churn
        probability at the level), n, warning.
    factor : str
        The factor to draw, e.g. 'options_offered'.
    horizon_days : int, default :data:`calmline.vocabulary.HEADLINE_HORIZON`
        The churn horizon named in the title and on the axis.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    label = practice_label(factor)
    words = horizon_words(horizon_days)
    title = (f"{words[:1].upper() + words[1:]} by {label[:1].lower() + label[1:]}" if label
             else f"{words[:1].upper() + words[1:]} by dose")
    why = problem(dose, DOSE_REQUIRED, NO_RUN)
    if why:
        return empty_figure(why, title)
    df = numeric(dose[dose["factor"] == factor], ["estimate", "ci_low", "ci_high", "risk", "n",
                                                  "p_value"])
    if df.empty:
        return empty_figure(f"No dose-response results for {label or 'this factor'} in this run", title)
    if df["risk"].isna().all():
        return empty_figure(f"No churn risk could be estimated for any level of {label}", title)
    for column in ("n", "warning", "p_value"):
        if column not in df.columns:
            df[column] = np.nan
    df = df.drop_duplicates("level").reset_index(drop=True)
    levels = [str(v) for v in df["level"]]
    is_ref = (df["level"].astype(str) == df["reference"].astype(str)).to_numpy()
    ns = [format_count(n) for n in df["n"]]
    ticks = [f"<b>{esc(v)}</b><br>(reference)<br>{n} calls" if ref else f"{esc(v)}<br>{n} calls"
             for v, ref, n in zip(levels, is_ref, ns)]

    def hover(row, ref: bool) -> str:
        lines = [f"<b>{esc(row['level'])}</b>" + (" (reference)" if ref else ""),
                 f"Adjusted churn risk: {format_percent(row['risk'])}"]
        if not ref:
            lines.append(f"vs {esc(row['reference'])}: {format_pp(row['estimate'])} "
                         f"(95% CI {format_pp(row['ci_low'])} to {format_pp(row['ci_high'])}; "
                         f"the whisker)")
            if is_missing(row["ci_low"]) or row["ci_low"] <= 0 <= row["ci_high"]:
                lines.append("Faded: the interval includes no difference")
            if not is_missing(row["p_value"]):
                lines.append(f"p-value: {esc(format_q(row['p_value']))}")
        lines.append(f"{format_count(row['n'])} upset calls")
        if warning_text(row["warning"]):
            lines.append(f"⚠ {esc(warning_text(row['warning']))}")
        return "<br>".join(lines)

    fig = go.Figure()
    for ref, name, pattern in ((True, "Reference level", "/"), (False, "Compared with it", "")):
        rows = df[(is_ref == ref) & df["risk"].notna().to_numpy()]
        if rows.empty:
            continue
        x = [ticks[i] for i in rows.index]
        # whiskers: the 95% interval of the level's difference from the reference, around its risk
        up = ((rows["ci_high"] - rows["estimate"]) * 100).clip(lower=0)
        down = ((rows["estimate"] - rows["ci_low"]) * 100).clip(lower=0)
        clear = ~((rows["ci_low"] <= 0) & (rows["ci_high"] >= 0)) & rows["ci_low"].notna()
        fig.add_trace(go.Bar(
            x=x, y=rows["risk"] * 100, name=name,
            error_y=None if ref else dict(type="data", array=up.fillna(0).tolist(),
                                          arrayminus=down.fillna(0).tolist(), visible=True,
                                          color=BLACK, thickness=1.5, width=6),
            text=[format_percent(r["risk"]) + (" ⚠" if warning_text(r["warning"]) else "")
                  for _, r in rows.iterrows()],
            # compared bars: inside, at the foot (above the bar the whisker would cross it); the
            # reference, which has no whisker, above its hatching
            textposition="outside" if ref else "inside", insidetextanchor="start", cliponaxis=False,
            # dark on the hatched reference and the faded bars, white on the solid ones
            insidetextfont=dict(color=[BLACK if not c else "white" for c in clear]),
            marker=dict(color=BLUE, pattern=dict(shape=pattern, fgcolor=BLACK, solidity=0.2),
                        line=dict(color=BLACK if ref else BLUE, width=2 if ref else 0),
                        opacity=1.0 if ref else [1.0 if c else 0.45 for c in clear]),
            hovertext=[hover(row, ref) for _, row in rows.iterrows()],
            hovertemplate="%{hovertext}<extra></extra>"))
    gaps = df[df["risk"].isna()]
    if len(gaps):
        fig.add_trace(go.Scatter(
            x=[ticks[i] for i in gaps.index], y=[0] * len(gaps), mode="markers+text",
            text=["not estimable"] * len(gaps), textposition="top center", name="not estimable",
            marker=dict(symbol="x-thin-open", size=12, color=BLACK, line=dict(color=BLACK, width=2)),
            hovertext=[hover(row, bool(is_ref[i])) for i, row in gaps.iterrows()],
            hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_layout(barmode="overlay", bargap=0.35)
    note = ("Whiskers: 95% interval of each level's difference from the reference; "
            "faded bars: that interval includes no difference")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=ticks,
                     title=dict(text=f"{esc(label)}<br><span style='font-size:11px'>{note}</span>"))
    fig.update_yaxes(title=f"Adjusted risk of {words} (%)", ticksuffix="%",
                     rangemode="tozero")
    return finish(fig, title=title, uirevision=f"dose:{factor}:{horizon_days}")


def _level_order(levels: pd.Series) -> list[str]:
    """Levels in first-seen order, or numerically when every level is a number."""
    seen = list(dict.fromkeys(levels.astype(str)))
    numbers = pd.to_numeric(pd.Series(seen), errors="coerce")
    if numbers.notna().all():
        return [seen[i] for i in np.argsort(numbers.to_numpy(), kind="stable")]
    return seen


def uncertain_reason(row) -> str | None:
    """Why a heterogeneity cell is greyed rather than coloured, or None when it is coloured.

    Greyed: its 95% interval includes zero (or is missing), it rests on fewer than
    :data:`HET_MIN_N` upset calls, or it does not survive false-discovery-rate control
    (``survives_fdr`` False, when the run has it).
    """
    reasons = []
    low, high = row.get("ci_low"), row.get("ci_high")
    if is_missing(low) or is_missing(high) or float(low) <= 0 <= float(high):
        reasons.append("its 95% interval includes 0")
    if not is_missing(row.get("n")) and float(row["n"]) < HET_MIN_N:
        reasons.append(f"fewer than {HET_MIN_N} upset calls")
    survives = row.get("survives_fdr")
    if not is_missing(survives) and not bool(survives):
        q = row.get("q_value")
        reasons.append("not significant after false-discovery-rate control"
                       + ("" if is_missing(q) else f" (q = {format_q(q)})"))
    return "; ".join(reasons) or None


def heterogeneity_heatmap(het: pd.DataFrame, dimension: str | None, *,
                          horizon_days: int = HEADLINE_HORIZON) -> go.Figure:
    """Each practice's change in churn (percentage points) within each level of ``dimension``.

    A heatmap, practices down and levels across, on a diverging blue-red scale fixed at
    :data:`HET_RANGE_PP` either side of zero, the same for every dimension: blue is fewer
    customers lost. Only cells that are clear evidence are coloured; a cell is grey, its value
    in brackets, when :func:`uncertain_reason` gives a reason (interval includes zero, few calls,
    or not surviving false-discovery-rate control). Every cell's hover gives the estimate, its
    95% interval, p- and q-value and n. Cells without an estimate are blank and their hover
    says why. Practices are sorted by their mean effect across levels. Subgroup estimates are
    shown as fitted, not shrunk toward the practice's overall effect; the axis note says so.

    Parameters
    ----------
    het : pandas.DataFrame
        Rows of ``effect_heterogeneity``: practice, dimension ('anger_level' |
        'issue_type'), level, estimate, ci_low, ci_high (probability units), p_value, n,
        warning; q_value and survives_fdr when the run has them.
    dimension : str
        The dimension to draw.
    horizon_days : int, default :data:`calmline.vocabulary.HEADLINE_HORIZON`
        The churn horizon named in the title.

    Returns
    -------
    plotly.graph_objects.Figure
        Two heatmap traces on the same cells: the coloured evidence first, the grey cells second.
    """
    label = practice_label(dimension)
    words = horizon_words(horizon_days)
    title = f"Effects on {words} by {label[:1].lower() + label[1:]}" if label else f"Effects on {words} by subgroup"
    why = problem(het, HET_REQUIRED, NO_RUN)
    if why:
        return empty_figure(why, title)
    df = numeric(het[het["dimension"] == dimension], ["estimate", "ci_low", "ci_high", "p_value", "q_value", "n"])
    if df.empty:
        return empty_figure(f"No results by {label or 'this dimension'} in this run", title)
    if df["estimate"].isna().all():
        return empty_figure(f"No practice effect could be estimated within any {label.lower()}", title)
    for column in ("n", "warning", "p_value", "q_value", "survives_fdr"):
        if column not in df.columns:
            df[column] = np.nan
    df["level"] = df["level"].astype(str)
    df = df.drop_duplicates(["practice", "level"])
    levels = _level_order(df["level"])
    mean = df.groupby("practice")["estimate"].mean()
    practices = sorted(mean.index, key=lambda p: (is_missing(mean[p]),
                                                  0 if is_missing(mean[p]) else mean[p],
                                                  practice_label(p)))
    cell = df.set_index(["practice", "level"])
    z, grey, text, grey_text, hover = [], [], [], [], []
    for practice in practices:
        z_row, grey_row, text_row, grey_text_row, hover_row = [], [], [], [], []
        for level in levels:
            head = f"<b>{esc(practice_label(practice))}</b><br>{esc(label)}: {esc(level)}"
            row = cell.loc[(practice, level)] if (practice, level) in cell.index else None
            value = None if row is None or is_missing(row["estimate"]) else float(row["estimate"]) * 100
            if value is None:
                z_row.append(None)
                grey_row.append(None)
                text_row.append("")
                grey_text_row.append("")
                reason = warning_text(row["warning"]) if row is not None else None
                hover_row.append(f"{head}<br>not estimated" + (f": {esc(reason)}" if reason else ""))
                continue
            reason = uncertain_reason(row)
            z_row.append(None if reason else value)
            grey_row.append(0.0 if reason else None)
            text_row.append("" if reason else f"{value:+.1f}")
            grey_text_row.append(f"({value:+.1f})" if reason else "")
            lines = [head, f"Change in churn: {format_pp(row['estimate'])}",
                     f"95% CI {format_pp(row['ci_low'])} to {format_pp(row['ci_high'])}",
                     f"p-value: {esc(format_q(row['p_value']))}"
                     + ("" if is_missing(row["q_value"]) else f", q-value: {esc(format_q(row['q_value']))}"),
                     f"n = {format_count(row['n'])} upset calls"]
            if reason:
                lines.append(f"Grey: {esc(reason)}")
            if warning_text(row["warning"]):
                lines.append(f"⚠ {esc(warning_text(row['warning']))}")
            hover_row.append("<br>".join(lines))
        z.append(z_row)
        grey.append(grey_row)
        text.append(text_row)
        grey_text.append(grey_text_row)
        hover.append(hover_row)
    empty_levels = {lvl for j, lvl in enumerate(levels) if all(r[j] is None for r in z) and
                    all(r[j] is None for r in grey)}
    columns = [f"{esc(v)}<br>(not estimable)" if v in empty_levels else esc(v) for v in levels]
    rows = [esc(practice_label(p)) for p in practices]
    fig = go.Figure([
        go.Heatmap(
            z=z, x=columns, y=rows, name="clear evidence", colorscale=DIVERGING, zmid=0,
            zmin=-HET_RANGE_PP, zmax=HET_RANGE_PP, text=text, texttemplate="%{text}",
            hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", hoverongaps=True,
            xgap=2, ygap=2,
            colorbar=dict(title=dict(text="pp change<br>in churn"), ticksuffix=" pp",
                          tickvals=[-HET_RANGE_PP, -HET_RANGE_PP / 2, 0, HET_RANGE_PP / 2, HET_RANGE_PP],
                          ticktext=[f"≤ -{HET_RANGE_PP:g}", f"-{HET_RANGE_PP / 2:g}", "0",
                                    f"+{HET_RANGE_PP / 2:g}", f"≥ +{HET_RANGE_PP:g}"])),
        go.Heatmap(
            z=grey, x=columns, y=rows, name="uncertain (grey)", colorscale=[[0, GREY], [1, GREY]],
            zmin=0, zmax=1, showscale=False, text=grey_text, texttemplate="%{text}",
            textfont=dict(color=GREY_TEXT), hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
            hoverongaps=False, xgap=2, ygap=2),
    ])
    note = (f"Grey, value in brackets: 95% interval includes 0, fewer than {HET_MIN_N} upset calls, or not "
            f"significant after false-discovery-rate control.<br>Subgroup estimates as fitted, not shrunk "
            f"toward the practice's overall effect; one colour scale for every subgroup heatmap.")
    fig.update_xaxes(type="category", title=dict(text=f"{esc(label)}<br><span style='font-size:11px'>{note}"
                                                      f"</span>"), side="bottom", showgrid=False)
    fig.update_yaxes(type="category", autorange="reversed", showgrid=False)
    return finish(fig, title=title, uirevision=f"het:{dimension}:{horizon_days}",
                  height=rows_height(len(practices)) + 40)
