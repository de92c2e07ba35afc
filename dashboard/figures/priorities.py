"""Training priorities: customers kept per month by raising each practice's adoption."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from calmline.dashboard.figures.effects import horizon_words
from calmline.dashboard.figures.style import (BLACK, BLUE, NO_RUN, SEQUENTIAL, empty_figure, esc, finish,
                                     format_count, format_percent, is_missing, numeric,
                                     practice_label, problem, rgba, rows_height, warning_text)
from calmline.vocabulary import HEADLINE_HORIZON

ALL_TEAMS = "all"
REQUIRED = ["practice", "team", "current_adoption", "target_adoption", "retained_per_month"]
NUMBERS = ["current_adoption", "target_adoption", "retained_per_month", "ci_low", "ci_high", "rank", "p_top3",
           "n_agents", "n_calls"]
SURE = 0.8
"""A practice in the top three in at least this share of bootstrap replicates is a sure pick."""


def _team_name(team) -> str:
    return "all teams" if team == ALL_TEAMS else f"team {team}"


def _prepare(priorities: pd.DataFrame) -> pd.DataFrame:
    df = numeric(priorities, NUMBERS)
    for column in ("ci_low", "ci_high", "rank", "warning", "p_top3", "n_agents", "n_calls"):
        if column not in df.columns:
            df[column] = np.nan
    return df


def priorities_bar(priorities: pd.DataFrame, team: str = ALL_TEAMS, *,
                   horizon_days: int = HEADLINE_HORIZON) -> go.Figure:
    """Customers kept per month if each practice reached its target adoption, for one team.

    Horizontal bars with 95% error bars, rank 1 at the top; practices without a figure
    come last, marked "not estimable" with the reason in the hover. Each bar is labelled
    with its figure and the probability that it is in the team's top three; the paler the
    bar, the less sure that is, and the title says so when the ranking is mostly noise
    (:func:`ranking_is_noise`). The hover also gives the adoption now and at target and
    the agents and calls behind it.

    Parameters
    ----------
    priorities : pandas.DataFrame
        Rows of ``training_priorities``: practice, team, current_adoption,
        target_adoption (shares), retained_per_month, ci_low, ci_high, rank, warning.
    team : str, default 'all'
        A team, or 'all' for the whole centre.
    horizon_days : int, default :data:`calmline.vocabulary.HEADLINE_HORIZON`
        The churn horizon of the run the priorities come from, named in the title and on the axis.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    title = f"Training priorities: {_team_name(team)}, {horizon_words(horizon_days)}"
    why = problem(priorities, REQUIRED, NO_RUN)
    if why:
        return empty_figure(why, title)
    df = _prepare(priorities)
    df = df[df["team"].astype(str) == str(team)].drop_duplicates("practice")
    if df.empty:
        return empty_figure(f"No training priorities for {_team_name(team)}", title)
    if df["retained_per_month"].isna().all():
        reasons = df["warning"].dropna().astype(str)
        reason = reasons.mode().iloc[0] if len(reasons) else "every figure is missing"
        return empty_figure(f"No training priority could be computed: {reason}", title)
    if ranking_is_noise(df):
        title += " (ranking uncertain)"
    df = df.assign(_label=df["practice"].map(practice_label))
    df = df.sort_values(["rank", "retained_per_month", "_label"], ascending=[True, False, True],
                        na_position="last").reset_index(drop=True)
    y = [esc(v) for v in df["_label"]]

    def hover(row) -> str:
        lines = [f"<b>{esc(row['_label'])}</b>"
                 + ("" if is_missing(row["rank"]) else f" (rank {int(row['rank'])})")]
        if not is_missing(row["retained_per_month"]):
            lines.append(f"{format_count(row['retained_per_month'])} customers kept per month")
            lines.append(f"95% CI {format_count(row['ci_low'])} to {format_count(row['ci_high'])}")
        else:
            lines.append("not estimable")
        if not is_missing(row["p_top3"]):
            lines.append(f"In the top three in {format_percent(row['p_top3'])} of bootstrap resamples")
        lines.append(f"Adoption: {format_percent(row['current_adoption'])} now → "
                     f"{format_percent(row['target_adoption'])} target")
        if not is_missing(row["n_calls"]):
            lines.append(f"{format_count(row['n_calls'])} assessed upset calls, "
                         f"{format_count(row['n_agents'])} agents")
        if warning_text(row["warning"]):
            lines.append(f"⚠ {esc(warning_text(row['warning']))}")
        return "<br>".join(lines)

    hovers = [hover(row) for _, row in df.iterrows()]
    known = df["retained_per_month"].notna().to_numpy()
    value = df["retained_per_month"].to_numpy(float)
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=value[known], y=[y[i] for i in np.flatnonzero(known)], orientation="h",
        name="Customers kept per month",
        marker=dict(color=[rgba(BLUE, 1.0 if is_missing(p) else 0.25 + 0.75 * float(p))
                           for p in df["p_top3"].to_numpy()[known]]),
        error_x=dict(type="data", symmetric=False, color=BLACK, thickness=1.5, width=4,
                     array=df["ci_high"].to_numpy(float)[known] - value[known],
                     arrayminus=value[known] - df["ci_low"].to_numpy(float)[known]),
        hovertext=[hovers[i] for i in np.flatnonzero(known)],
        hovertemplate="%{hovertext}<extra></extra>"))
    # The value, just right of the bar or its interval, where it never covers either.
    right = np.fmax(np.fmax(value, df["ci_high"].to_numpy(float)), 0)[known]
    fig.add_trace(go.Scatter(
        x=right, y=[y[i] for i in np.flatnonzero(known)], mode="text", showlegend=False,
        text=[f"  {format_count(v)}" + ("" if is_missing(p) else f" · top 3: {format_percent(p, 0)}")
              for v, p in zip(value[known], df["p_top3"].to_numpy()[known])], textposition="middle right",
        cliponaxis=False,
        hovertext=[hovers[i] for i in np.flatnonzero(known)],
        hovertemplate="%{hovertext}<extra></extra>"))
    if (~known).any():
        fig.add_trace(go.Scatter(
            x=[0] * int((~known).sum()), y=[y[i] for i in np.flatnonzero(~known)],
            mode="markers+text", text=["not estimable"] * int((~known).sum()),
            textposition="middle right", name="not estimable",
            marker=dict(symbol="x-thin-open", size=12, color=BLACK, line=dict(color=BLACK, width=2)),
            hovertext=[hovers[i] for i in np.flatnonzero(~known)],
            hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=y, autorange="reversed",
                     showgrid=False)
    ends = np.concatenate([[0.0], value[known], df["ci_low"].to_numpy(float)[known], right])
    low, high = np.nanmin(ends), np.nanmax(ends)
    span = (high - low) or 1.0
    fig.update_xaxes(title=f"Customers kept per month (fewer lost to {horizon_words(horizon_days)})<br>"
                           "if adoption reached the target (paler: less sure of a top-3 place)",
                     range=[low - 0.03 * span, high + 0.3 * span], tickformat=",",
                     zeroline=True, zerolinecolor=BLACK, zerolinewidth=1)
    fig.update_layout(showlegend=bool((~known).any()))
    return finish(fig, title=title, uirevision=f"priorities:{team}:{horizon_days}", height=rows_height(len(df)))


def adoption_gap_heatmap(priorities: pd.DataFrame, *, horizon_days: int = HEADLINE_HORIZON) -> go.Figure:
    """How far each team's adoption of each practice is below its target, in percentage points.

    Practices down (in the whole centre's priority order), teams across with all teams
    last; darker means a larger gap. The hover gives adoption now and at target.

    Parameters
    ----------
    priorities : pandas.DataFrame
        Rows of ``training_priorities`` (practice, team, current_adoption,
        target_adoption as shares; rank and warning optional).
    horizon_days : int, default :data:`calmline.vocabulary.HEADLINE_HORIZON`
        The churn horizon of the run whose priority order the practices follow, named in the title.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    title = f"Adoption gap to target (practices ranked for {horizon_words(horizon_days)})"
    why = problem(priorities, ["practice", "team", "current_adoption", "target_adoption"], NO_RUN)
    if why:
        return empty_figure(why, title)
    df = _prepare(priorities).drop_duplicates(["team", "practice"])
    df["gap"] = df["target_adoption"] - df["current_adoption"]
    if df["gap"].isna().all():
        return empty_figure("No adoption figures to compare with a target", title)
    teams = sorted({str(t) for t in df["team"] if t != ALL_TEAMS}) + (
        [ALL_TEAMS] if (df["team"] == ALL_TEAMS).any() else [])
    overall = df[df["team"] == ALL_TEAMS].set_index("practice")["rank"]
    practices = sorted(dict.fromkeys(df["practice"]),
                       key=lambda p: (is_missing(overall.get(p)),
                                      0 if is_missing(overall.get(p)) else overall.get(p),
                                      practice_label(p)))
    cell = df.assign(team=df["team"].astype(str)).set_index(["practice", "team"])
    z, text, hover = [], [], []
    for practice in practices:
        z_row, text_row, hover_row = [], [], []
        for team in teams:
            head = f"<b>{esc(practice_label(practice))}</b>, {esc(_team_name(team))}"
            if (practice, team) not in cell.index or is_missing(cell.loc[(practice, team), "gap"]):
                why = "" if (practice, team) not in cell.index else warning_text(
                    cell.loc[(practice, team), "warning"])
                z_row.append(None)
                text_row.append("")
                hover_row.append(f"{head}<br>no gap computed" + (f"<br>⚠ {esc(why)}" if why else ""))
                continue
            row = cell.loc[(practice, team)]
            gap = float(row["gap"]) * 100
            z_row.append(gap)
            text_row.append(f"{gap:.0f}")
            hover_row.append(f"{head}<br>Adoption {format_percent(row['current_adoption'])} now → "
                             f"{format_percent(row['target_adoption'])} target"
                             f"<br>Gap: {gap:.1f} pp")
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    fig = go.Figure(go.Heatmap(
        z=z, x=[esc("All teams" if t == ALL_TEAMS else t) for t in teams],
        y=[esc(practice_label(p)) for p in practices], colorscale=SEQUENTIAL, zmin=0,
        text=text, texttemplate="%{text}", hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>", hoverongaps=True, xgap=2, ygap=2,
        colorbar=dict(title=dict(text="gap (pp)"), ticksuffix=" pp")))
    fig.update_xaxes(type="category", title="Team", showgrid=False)
    fig.update_yaxes(type="category", autorange="reversed", showgrid=False)
    return finish(fig, title=title, uirevision=f"adoption-gap:{horizon_days}", height=rows_height(len(practices)))


def _sure_picks(rows: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """A team's top three rows by estimate, and how many of them are sure top-three picks."""
    df = _prepare(rows)
    top = df[df["rank"].notna()].sort_values("rank").head(3)
    return top, int((top["p_top3"].dropna() >= SURE).sum())


def ranking_is_noise(rows: pd.DataFrame) -> bool:
    """True when a team's ranking is mostly noise: none of its top three practices (by estimate)
    is in the top three in at least 80% of the bootstrap resamples (``p_top3``). False when the
    probabilities are missing (a run from before they were stored)."""
    top, sure = _sure_picks(rows)
    return top["p_top3"].notna().any() and sure == 0


def ranking_note(priorities: pd.DataFrame, team: str = ALL_TEAMS) -> str:
    """One sentence on how sure a team's ranking is, from its rows of ``training_priorities``.

    Parameters
    ----------
    priorities : pandas.DataFrame
        Rows of ``training_priorities`` (practice, team, rank, p_top3, n_agents).
    team : str, default 'all'
        A team, or 'all'.

    Returns
    -------
    str
        How often each of the team's top three is in the top three across the bootstrap
        resamples, and what that means: all three sure picks (80% or more), only some of
        them, or none (the ranking is mostly noise). Empty when there is nothing to say.
    """
    if problem(priorities, ["practice", "team", "rank"], NO_RUN):
        return ""
    df = _prepare(priorities)
    top, sure = _sure_picks(df[df["team"].astype(str) == str(team)])
    if top.empty or top["p_top3"].isna().all():
        return ""
    who = "the centre's" if team == ALL_TEAMS else f"team {team}'s"
    shares = ", ".join(f"{practice_label(p)} {format_percent(v, 0)}" for p, v in zip(top["practice"], top["p_top3"]))
    head = (f"How sure is this ranking? Resampling {who} {format_count(top['n_agents'].max())} agents, "
            f"the top three by estimate are in the top three this often: {shares}.")
    if sure == 0:
        return head + (" None is a sure pick (80% or more): this order is mostly noise. Teach what is "
                       "sure centre-wide rather than this team's order.")
    if sure < len(top):
        names = ", ".join(practice_label(p) for p, v in zip(top["practice"], top["p_top3"]) if v >= SURE)
        return head + f" Only {names} {'is a sure pick' if sure == 1 else 'are sure picks'} (80% or more); " \
                      "the order of the others is uncertain."
    return head + " All three are sure picks (80% or more)."
