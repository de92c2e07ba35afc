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


def dose_plot(dose: pd.DataFrame, factor: str | None, *, horizon_days: int = HEADLINE_HORIZON) -> go.Figure:
    """Adjusted churn risk at each level of a dose factor, as bars in the rows' order.

    The reference level is hatched and named "(reference)" on the axis; a level with a
    warning (e.g. few calls) has "⚠" after its value. The hover gives
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
    ticks = [f"<b>{esc(v)}</b><br>(reference)" if ref else esc(v) for v, ref in zip(levels, is_ref)]

    def hover(row, ref: bool) -> str:
        lines = [f"<b>{esc(row['level'])}</b>" + (" (reference)" if ref else ""),
                 f"Adjusted churn risk: {format_percent(row['risk'])}"]
        if not ref:
            lines.append(f"vs {esc(row['reference'])}: {format_pp(row['estimate'])} "
                         f"(95% CI {format_pp(row['ci_low'])} to {format_pp(row['ci_high'])})")
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
        fig.add_trace(go.Bar(
            x=x, y=rows["risk"] * 100, name=name,
            text=[format_percent(r["risk"]) + (" ⚠" if warning_text(r["warning"]) else "")
                  for _, r in rows.iterrows()],
            textposition="outside", cliponaxis=False,
            marker=dict(color=BLUE, pattern=dict(shape=pattern, fgcolor=BLACK, solidity=0.2),
                        line=dict(color=BLACK if ref else BLUE, width=2 if ref else 0)),
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
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=ticks, title=esc(label))
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


def heterogeneity_heatmap(het: pd.DataFrame, dimension: str | None, *,
                          horizon_days: int = HEADLINE_HORIZON) -> go.Figure:
    """Each practice's change in churn (percentage points) within each level of ``dimension``.

    A heatmap, practices down and levels across, on a diverging blue-red scale centred
    at zero: blue is fewer customers lost. Cells without an estimate are blank and their
    hover says why. Practices are sorted by their mean effect across levels.

    Parameters
    ----------
    het : pandas.DataFrame
        Rows of ``effect_heterogeneity``: practice, dimension ('anger_level' |
        'issue_type'), level, estimate, ci_low, ci_high (probability units), p_value, n,
        warning.
    dimension : str
        The dimension to draw.
    horizon_days : int, default :data:`calmline.vocabulary.HEADLINE_HORIZON`
        The churn horizon named in the title.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    label = practice_label(dimension)
    words = horizon_words(horizon_days)
    title = f"Effects on {words} by {label[:1].lower() + label[1:]}" if label else f"Effects on {words} by subgroup"
    why = problem(het, HET_REQUIRED, NO_RUN)
    if why:
        return empty_figure(why, title)
    df = numeric(het[het["dimension"] == dimension], ["estimate", "ci_low", "ci_high", "p_value", "n"])
    if df.empty:
        return empty_figure(f"No results by {label or 'this dimension'} in this run", title)
    if df["estimate"].isna().all():
        return empty_figure(f"No practice effect could be estimated within any {label.lower()}", title)
    for column in ("n", "warning", "p_value"):
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
    z, text, hover = [], [], []
    for practice in practices:
        z_row, text_row, hover_row = [], [], []
        for level in levels:
            head = f"<b>{esc(practice_label(practice))}</b><br>{esc(label)}: {esc(level)}"
            if (practice, level) not in cell.index:
                z_row.append(None)
                text_row.append("")
                hover_row.append(f"{head}<br>not estimated")
                continue
            row = cell.loc[(practice, level)]
            value = None if is_missing(row["estimate"]) else float(row["estimate"]) * 100
            z_row.append(value)
            text_row.append("" if value is None else f"{value:+.1f}")
            lines = [head, f"Change in churn: {format_pp(row['estimate'])}",
                     f"95% CI {format_pp(row['ci_low'])} to {format_pp(row['ci_high'])}",
                     f"p-value: {esc(format_q(row['p_value']))}",
                     f"{format_count(row['n'])} upset calls"]
            if warning_text(row["warning"]):
                lines.append(f"⚠ {esc(warning_text(row['warning']))}")
            hover_row.append("<br>".join(lines))
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    empty_levels = {lvl for j, lvl in enumerate(levels) if all(r[j] is None for r in z)}
    columns = [f"{esc(v)}<br>(not estimable)" if v in empty_levels else esc(v) for v in levels]
    fig = go.Figure(go.Heatmap(
        z=z, x=columns, y=[esc(practice_label(p)) for p in practices],
        colorscale=DIVERGING, zmid=0, text=text,
        texttemplate="%{text}", hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        hoverongaps=True, xgap=2, ygap=2,
        colorbar=dict(title=dict(text="pp change<br>in churn"), ticksuffix=" pp")))
    fig.update_xaxes(type="category", title=esc(label), side="bottom", showgrid=False)
    fig.update_yaxes(type="category", autorange="reversed", showgrid=False)
    return finish(fig, title=title, uirevision=f"het:{dimension}:{horizon_days}", height=rows_height(len(practices)))
