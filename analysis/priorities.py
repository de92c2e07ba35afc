"""Which practice to teach next: customers kept per month if adoption rose to a target."""

from __future__ import annotations

import math

import pandas as pd

from calmline.analysis.shrinkage import shrink_rates

Z_95 = 1.96
ALL_TEAMS = "all"
COLUMNS = ["practice", "team", "current_adoption", "target_adoption",
           "retained_per_month", "ci_low", "ci_high", "rank", "warning"]


def _number(value) -> float | None:
    """A finite float, or None for anything missing (None, NaN, pd.NA)."""
    if value is None or pd.isna(value):
        return None
    return float(value)


def _targets(adoption: pd.DataFrame, target) -> dict[str, float]:
    """Target adoption per practice: a fixed share, or the best quartile of agents."""
    practices = adoption["practice"].unique()
    if target != "best_quartile":
        return {p: float(target) for p in practices}
    per_agent = (adoption.groupby(["practice", "agent_id"], as_index=False, dropna=False)
                 [["n_used", "n_calls"]].sum())
    per_agent = per_agent[per_agent["n_calls"] > 0]
    shrunk = shrink_rates(per_agent, group_cols=["practice"])
    return shrunk.groupby("practice")["shrunk_rate"].quantile(0.75).to_dict()


def training_priorities(effects: pd.DataFrame, adoption: pd.DataFrame,
                        monthly_upset_calls: pd.DataFrame, *,
                        target="best_quartile") -> pd.DataFrame:
    """Customers kept per month if each practice's adoption rose to a target, by team.

    The estimand, for practice k and team t, is the expected number of customers who
    would not churn within 90 days, per month, if the share of t's upset calls on
    which k is used rose from its current level to the target:
    ``retained = -estimate_k * (target_adoption - current_adoption) * upset_calls_per_month_t``,
    where estimate_k is the risk difference per upset call of using k (negative =
    fewer churners), so a positive result means customers kept. It assumes the
    effect is the same on the extra calls as on those where k is already used.

    The interval propagates only the effect's 95% interval (estimate +- 1.96 se) the
    same way; the adoption gap and the call volume are treated as known, so it is too
    narrow by whatever noise those carry.

    Parameters
    ----------
    effects : pandas.DataFrame
        One row per practice: ``practice``, ``estimate`` (risk difference per upset
        call, probability units) and ``se`` (its standard error).
    adoption : pandas.DataFrame
        One row per (``agent_id``, ``team``, ``practice``): ``n_calls`` upset calls
        assessed and ``n_used`` of them where the practice was used.
    monthly_upset_calls : pandas.DataFrame
        ``team`` and ``upset_calls_per_month`` (average over the period). The volume
        for team 'all' is the sum over teams.
    target : "best_quartile" or float, default "best_quartile"
        'best_quartile': the 75th percentile (linear interpolation) of the agents'
        shrunken adoption rates for the practice (``shrink_rates``, one prior per
        practice; an agent's calls in several teams are pooled; agents with no
        assessed calls are left out), the same for every team. A float in [0, 1]: that
        share for every practice. A team already above target keeps its own level
        (``target_adoption = max(target, current)``): lowering is never recommended.

    Returns
    -------
    pandas.DataFrame
        One row per practice (in effects or adoption) and team (each team, then
        'all'), columns exactly ``practice, team, current_adoption, target_adoption,
        retained_per_month, ci_low, ci_high, rank, warning``. current_adoption is the
        share of the team's assessed upset calls on which the practice was used
        ('all': pooled over teams, so its retained figure is not the sum of the
        teams'). rank is 1 for the most customers kept within the team (ties share a
        rank). Numeric columns have object dtype: a figure that cannot be computed
        (effect, standard error, adoption or volume missing) is None, never NaN, and
        ``warning`` says why; otherwise warning is None. Sorted by team, then rank.

    Raises
    ------
    ValueError
        For a target that is neither 'best_quartile' nor in [0, 1], a practice listed
        twice in effects, a team named 'all', or a negative volume.
    """
    if isinstance(target, str):
        if target != "best_quartile":
            raise ValueError(f"unknown target {target!r}")
    elif not 0 <= float(target) <= 1:
        raise ValueError("a fixed target must lie in [0, 1]")
    if effects["practice"].duplicated().any():
        raise ValueError("effects lists a practice more than once")
    volumes = monthly_upset_calls.groupby("team")["upset_calls_per_month"].sum(min_count=1)
    if (volumes < 0).any():
        raise ValueError("upset_calls_per_month must not be negative")
    teams = sorted(set(volumes.index) | set(adoption["team"]))
    if ALL_TEAMS in teams:
        raise ValueError(f"a team may not be called {ALL_TEAMS!r}")

    volume = {t: _number(volumes.get(t)) for t in teams}
    volume[ALL_TEAMS] = None if None in volume.values() else sum(volume.values())
    counts = adoption.groupby(["team", "practice"])[["n_used", "n_calls"]].sum()
    overall = adoption.groupby("practice")[["n_used", "n_calls"]].sum()
    targets = _targets(adoption, target)
    effect = effects.set_index("practice")
    practices = sorted(set(effects["practice"]) | set(adoption["practice"]))

    rows = []
    for team in [*teams, ALL_TEAMS]:
        for practice in practices:
            notes = []
            key = practice if team == ALL_TEAMS else (team, practice)
            table = overall if team == ALL_TEAMS else counts
            used, calls = table.loc[key] if key in table.index else (0, 0)
            current = float(used / calls) if calls > 0 else None
            goal = _number(targets.get(practice))
            if current is None:
                notes.append("no assessed upset calls")
            elif goal is None:
                notes.append("no target adoption")
            aim = None if current is None or goal is None else max(goal, current)
            estimate = _number(effect.at[practice, "estimate"]) if practice in effect.index else None
            se = _number(effect.at[practice, "se"]) if practice in effect.index else None
            if estimate is None:
                notes.append("effect missing")
            elif se is None:
                notes.append("standard error missing")
            if volume[team] is None:
                notes.append("monthly upset calls missing")

            retained = low = high = None
            if aim is not None and estimate is not None and volume[team] is not None:
                scale = (aim - current) * volume[team]
                retained = -estimate * scale + 0.0
                if se is not None:
                    low = -(estimate + Z_95 * se) * scale + 0.0
                    high = -(estimate - Z_95 * se) * scale + 0.0
            rows.append({"practice": practice, "team": team, "current_adoption": current,
                         "target_adoption": aim, "retained_per_month": retained,
                         "ci_low": low, "ci_high": high, "rank": None,
                         "warning": "; ".join(notes) or None})

    out = pd.DataFrame(rows, columns=COLUMNS, dtype=object)
    for team, group in out.groupby("team", sort=False):
        known = group["retained_per_month"].dropna().astype(float)
        for index, rank in known.rank(ascending=False, method="min").items():
            out.at[index, "rank"] = int(rank)
    out["_order"] = out["team"].map({t: i for i, t in enumerate([*teams, ALL_TEAMS])})
    out["_rank"] = out["rank"].map(lambda r: math.inf if r is None else r)
    out = out.sort_values(["_order", "_rank", "practice"], kind="stable")
    return out.drop(columns=["_order", "_rank"]).reset_index(drop=True)
