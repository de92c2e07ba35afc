"""Which practice to teach next: customers kept per month if adoption rose to a target.

The intervals and the ranking probabilities come from one agent-cluster bootstrap of the
adoption gap (agents resampled within their team, the target recomputed from the resampled
agents) combined with a normal draw of the effect from its own (agent-clustered) standard
error: both the noise in the effect and in the adoption gap reach the interval.
tests/analysis/test_priority_bootstrap.py checks it against a full agent bootstrap that
re-estimates the effect as well.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from calmline.analysis import warnings_guard
from calmline.analysis.shrinkage import shrink_rates

Z_95 = 1.96
ALL_TEAMS = "all"
TOP = 3
N_BOOT = 2000
COLUMNS = ["practice", "team", "current_adoption", "target_adoption",
           "retained_per_month", "ci_low", "ci_high", "rank", "warning",
           "p_top3", "n_agents", "n_calls"]


def _number(value) -> float | None:
    """A finite float, or None for anything missing (None, NaN, pd.NA)."""
    if value is None or pd.isna(value):
        return None
    return float(value)


def _agent_rates(adoption: pd.DataFrame) -> pd.DataFrame:
    """Each agent's shrunken adoption per practice, calls in several teams pooled."""
    per_agent = (adoption.groupby(["practice", "agent_id"], as_index=False, dropna=False)
                 [["n_used", "n_calls"]].sum())
    per_agent = per_agent[per_agent["n_calls"] > 0]
    return shrink_rates(per_agent, group_cols=["practice"])


def _targets(adoption: pd.DataFrame, target, rates: pd.DataFrame | None) -> dict[str, float]:
    """Target adoption per practice: a fixed share, or the best quartile of agents (``rates``)."""
    practices = adoption["practice"].unique()
    if target != "best_quartile":
        return {p: float(target) for p in practices}
    return rates.groupby("practice")["shrunk_rate"].quantile(0.75).to_dict()


def training_priorities(effects: pd.DataFrame, adoption: pd.DataFrame,
                        monthly_upset_calls: pd.DataFrame, *,
                        target="best_quartile", n_boot: int = N_BOOT, seed: int = 0) -> pd.DataFrame:
    """Customers kept per month if each practice's adoption rose to a target, by team.

    The estimand, for practice k and team t, is the expected number of customers who
    would not churn within the horizon, per month, if the share of t's upset calls on
    which k is used rose from its current level to the target:
    ``retained = -estimate_k * (target_adoption - current_adoption) * upset_calls_per_month_t``,
    where estimate_k is the risk difference per upset call of using k (negative =
    fewer churners), so a positive result means customers kept. It assumes the
    effect is the same on the extra calls as on those where k is already used.

    Uncertainty (``n_boot > 0``): each of ``n_boot`` replicates resamples the agents with
    replacement within their team (an agent's team is the one with most of their
    assessed calls), recomputes every team's and the centre's current adoption and the
    target (the 75th percentile of the resampled agents' shrunken rates; the shrinkage
    prior itself is held fixed) and draws the effect from Normal(estimate, se),
    independently of the adoption gap. The 95% interval is the 2.5th and 97.5th
    percentile of the replicates, and ``p_top3`` the share of replicates in which the
    practice ranks in the team's top three. Call volume is treated as known, and the
    practices' effects as uncorrelated with one another. With ``n_boot=0`` the interval
    carries the effect's uncertainty only (estimate +- 1.96 se, the gap treated as known)
    and ``p_top3`` is None.

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
    n_boot : int, default 2000
        Bootstrap replicates (0: effect-only interval, no ranking probabilities).
    seed : int, default 0
        Seed of the bootstrap: the same inputs and seed give the same intervals.

    Returns
    -------
    pandas.DataFrame
        One row per practice (in effects or adoption) and team (each team, then
        'all'), columns exactly ``practice, team, current_adoption, target_adoption,
        retained_per_month, ci_low, ci_high, rank, warning, p_top3, n_agents, n_calls``.
        current_adoption is the share of the team's ``n_calls`` assessed upset calls
        (from ``n_agents`` agents) on which the practice was used ('all': pooled over
        teams, so its retained figure is not the sum of the teams'). rank is 1 for the
        most customers kept within the team (ties share a rank); ``p_top3`` is the
        probability (share of bootstrap replicates) that the practice is among the
        team's three with most customers kept. Numeric columns have object dtype: a
        figure that cannot be computed (effect, standard error, adoption or volume
        missing) is None, never NaN, and ``warning`` says why; otherwise warning is
        None. Sorted by team, then rank.

    Raises
    ------
    ValueError
        For a target that is neither 'best_quartile' nor in [0, 1], a practice listed
        twice in effects, a team named 'all', a negative volume or a negative n_boot.
    """
    if isinstance(target, str):
        if target != "best_quartile":
            raise ValueError(f"unknown target {target!r}")
    elif not 0 <= float(target) <= 1:
        raise ValueError("a fixed target must lie in [0, 1]")
    if n_boot < 0:
        raise ValueError("n_boot must not be negative")
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
    assessed = adoption[adoption["n_calls"] > 0]
    agents_in = assessed.groupby(["team", "practice"])["agent_id"].nunique()
    agents_all = assessed.groupby("practice")["agent_id"].nunique()
    rates = _agent_rates(adoption) if target == "best_quartile" else None
    targets = _targets(adoption, target, rates)
    effect = effects.set_index("practice")
    practices = sorted(set(effects["practice"]) | set(adoption["practice"]))

    rows = []
    for team in [*teams, ALL_TEAMS]:
        for practice in practices:
            notes = []
            key = practice if team == ALL_TEAMS else (team, practice)
            table = overall if team == ALL_TEAMS else counts
            used, calls = table.loc[key] if key in table.index else (0, 0)
            n_agents = (agents_all if team == ALL_TEAMS else agents_in).get(key, 0)
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
                         "warning": "; ".join(notes) or None, "p_top3": None,
                         "n_agents": int(n_agents), "n_calls": int(calls)})

    out = pd.DataFrame(rows, columns=COLUMNS, dtype=object)
    if n_boot > 0 and len(out):
        _bootstrap(out, effect, adoption, teams, practices, volume, target, rates, n_boot, seed)
    for team, group in out.groupby("team", sort=False):
        known = group["retained_per_month"].dropna().astype(float)
        for index, rank in known.rank(ascending=False, method="min").items():
            out.at[index, "rank"] = int(rank)
    out["_order"] = out["team"].map({t: i for i, t in enumerate([*teams, ALL_TEAMS])})
    out["_rank"] = out["rank"].map(lambda r: math.inf if r is None else r)
    out = out.sort_values(["_order", "_rank", "practice"], kind="stable")
    return out.drop(columns=["_order", "_rank"]).reset_index(drop=True)


def _stratified_weights(strata: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n_agents) counts of how often each agent is drawn, resampling within strata."""
    weights = np.zeros((n_boot, len(strata)))
    for stratum in np.unique(strata):
        members = np.flatnonzero(strata == stratum)
        weights[:, members] = rng.multinomial(len(members), np.full(len(members), 1 / len(members)),
                                              size=n_boot)
    return weights


def _draw_counts(weights: np.ndarray) -> np.ndarray:
    """The bootstrap's counts ``weights`` (n_boot, agents) transposed, one row per agent (C order),
    as whole numbers in the smallest integer type that holds their total per replicate (the number
    of agents): their cumulative sums are then exact in any order and a quarter of the bytes of
    float64 at 2,000 agents (the quantiles read them once per practice)."""
    total = weights.shape[1]
    kind = np.int16 if total < np.iinfo(np.int16).max else np.int32 if total < np.iinfo(np.int32).max else np.int64
    return np.ascontiguousarray(weights.T, dtype=kind)


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float, *,
                       columns: np.ndarray | None = None) -> np.ndarray:
    """Per row of ``weights``, ``np.percentile`` (linear) of ``values`` repeated by the weights.

    ``columns``: ``weights`` is then given transposed, one row per agent (``(agents, rows)``, C
    order), and the weights of ``values`` are its rows ``columns``: each value's weights are one
    row gathered, and the cumulative counts run down the rows (a row added to the last at a time),
    the same sums in the same order as along each row of ``weights[:, columns]``."""
    order = np.argsort(values)
    values = values[order]
    if columns is None:
        cum = np.cumsum(weights[:, order], axis=1).T
    else:
        cum = weights[columns[order]]  # (values, rows), summed down in place a row at a time:
        for i in range(1, len(cum)):   # np.cumsum's adds along axis 0, without its strided pass
            np.add(cum[i - 1], cum[i], out=cum[i])
    total = cum[-1]
    position = q * (total - 1)
    below = np.floor(position)
    if np.issubdtype(cum.dtype, np.integer):
        # whole counts (:func:`_draw_counts`): the floor compared as one, in the counts' own type,
        # is the same test as the float one; the bound keeps it in that type's range
        below_n = np.minimum(below, np.iinfo(cum.dtype).max - 1).astype(cum.dtype)
        lo = (cum <= below_n).sum(axis=0)
        hi = (cum <= below_n + 1).sum(axis=0)
    else:
        # the value at sorted (repeated) index i is the first value whose cumulative count exceeds i
        lo = (cum <= below).sum(axis=0)
        hi = (cum <= below + 1).sum(axis=0)
    lo, hi = np.minimum(lo, len(values) - 1), np.minimum(hi, len(values) - 1)
    out = values[lo] + (position - below) * (values[hi] - values[lo])
    return np.where(total > 0, out, np.nan)


def _bootstrap(out: pd.DataFrame, effect: pd.DataFrame, adoption: pd.DataFrame, teams: list[str],
               practices: list[str], volume: dict, target, rates: pd.DataFrame | None, n_boot: int,
               seed: int) -> None:
    """Fill ``ci_low``, ``ci_high`` and ``p_top3`` of ``out`` in place from the bootstrap."""
    rng = np.random.default_rng(seed)
    agents = sorted(adoption["agent_id"].astype(str).unique())
    a_ix = {a: i for i, a in enumerate(agents)}
    t_ix = {t: i for i, t in enumerate(teams)}
    k_ix = {p: i for i, p in enumerate(practices)}
    used = np.zeros((len(agents), len(teams), len(practices)))
    calls = np.zeros_like(used)
    a = adoption["agent_id"].astype(str).map(a_ix).to_numpy()
    t = adoption["team"].map(t_ix).to_numpy()
    k = adoption["practice"].map(k_ix).to_numpy()
    np.add.at(used, (a, t, k), adoption["n_used"].to_numpy(float))
    np.add.at(calls, (a, t, k), adoption["n_calls"].to_numpy(float))
    strata = calls.sum(axis=2).argmax(axis=1)
    w = _stratified_weights(strata, n_boot, rng)

    shape = (n_boot, len(teams), len(practices))  # a matrix product (BLAS), not an einsum loop
    team_used = (w @ used.reshape(len(agents), -1)).reshape(shape)
    team_calls = (w @ calls.reshape(len(agents), -1)).reshape(shape)
    team_used = np.concatenate([team_used, team_used.sum(axis=1, keepdims=True)], axis=1)
    team_calls = np.concatenate([team_calls, team_calls.sum(axis=1, keepdims=True)], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        current = np.where(team_calls > 0, team_used / team_calls, np.nan)

    goal = np.full((n_boot, len(practices)), np.nan)
    if target == "best_quartile":
        by_agent = _draw_counts(w)  # each agent's draws in one row: one gather per practice
        for practice, part in rates.groupby("practice"):
            idx = part["agent_id"].astype(str).map(a_ix).to_numpy()
            goal[:, k_ix[practice]] = _weighted_quantile(part["shrunk_rate"].to_numpy(float),
                                                         by_agent, 0.75, columns=idx)
        by_agent = None
    else:
        goal[:] = float(target)
    aim = np.fmax(goal[:, None, :], current)  # a team above target keeps its level

    est = np.array([_number(effect.at[p, "estimate"]) if p in effect.index else None for p in practices],
                   dtype=float)
    se = np.array([_number(effect.at[p, "se"]) if p in effect.index else None for p in practices],
                  dtype=float)
    draws = est + np.nan_to_num(se) * rng.standard_normal((n_boot, len(practices)))
    vol = np.array([np.nan if volume[x] is None else volume[x] for x in [*teams, ALL_TEAMS]])
    retained = -draws[:, None, :] * (aim - current) * vol[None, :, None]  # (b, team, practice)

    point = out.set_index(["team", "practice"])["retained_per_month"]
    known = np.array([[point.get((x, p)) is not None for p in practices] for x in [*teams, ALL_TEAMS]])
    ranked = np.where(known[None] & ~np.isnan(retained), retained, -np.inf)
    higher = (ranked[..., :, None] < ranked[..., None, :]).sum(axis=-1)  # practices ahead of each
    in_top = (higher < TOP) & np.isfinite(ranked)
    p_top = in_top.mean(axis=0)
    kept = np.where(np.isfinite(ranked), retained, np.nan)
    with warnings_guard.filters(("ignore", RuntimeWarning)):  # rows with no figure are all-NaN
        low, high = np.nanpercentile(kept, [2.5, 97.5], axis=0)
    for index, row in out.iterrows():
        if row["retained_per_month"] is None:
            continue
        ti, ki = [*teams, ALL_TEAMS].index(row["team"]), k_ix[row["practice"]]
        out.at[index, "p_top3"] = float(p_top[ti, ki])
        if row["ci_low"] is None and np.isnan(se[ki]):
            continue  # no standard error: the interval would show the gap's noise only
        if np.isfinite(low[ti, ki]):
            out.at[index, "ci_low"] = float(low[ti, ki]) + 0.0
            out.at[index, "ci_high"] = float(high[ti, ki]) + 0.0
