"""The coaching queue: each agent's biggest practice gap and the customers closing it would keep.

Pure function: DataFrames in, a tidy frame out; :mod:`calmline.analysis.runner` stores it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TEAM_LEVEL_SHARE = 0.5
MIN_TEAM_AGENTS = 3
BLOCK = 256
"""Agents whose interval draws are held together (256 x 4,000 draws: 8 MB)."""
COLUMNS = ["agent_id", "team", "upset_calls", "needs_most", "n_calls", "n_used", "adoption",
           "adoption_ci_low", "adoption_ci_high", "target_adoption", "kept_per_month", "ci_low",
           "ci_high", "queue_rank", "team_share", "team_level", "warning"]


def coaching_queue(adoption: pd.DataFrame, effects: pd.DataFrame, targets: pd.DataFrame,
                   agent_calls: pd.DataFrame, *, months: int, n_draws: int = 4000, seed: int = 0
                   ) -> pd.DataFrame:
    """Agents ranked by the customers they would keep by closing their biggest practice gap.

    For agent a and practice k the gap is ``max(0, target_k - adoption_ak)`` (the agent's
    shrunken adoption against the centre's target, as in the training priorities), and the
    customers kept per month by closing it ``-effect_k * gap * upset_calls_a / months``
    (the effect a risk difference per upset call, negative = fewer churners). The agent
    "needs most" the practice with the most customers kept; an agent with no positive
    figure needs nothing.

    The 95% interval of that figure is the 2.5th-97.5th percentile of ``n_draws`` draws
    that take the agent's adoption from its Beta posterior (the shrinkage prior plus the
    agent's counts) and the effect from Normal(estimate, se), independently; the target
    is a centre-wide figure and treated as known.

    When more than half of a team's agents (and at least three) need the same practice,
    each of them is marked ``team_level``: teach it to the team rather than agent by agent.

    Parameters
    ----------
    adoption : pandas.DataFrame
        Rows of ``agent_adoption``: agent_id, team, practice, n_calls, n_used, shrunk_rate,
        ci_low, ci_high, prior_a, prior_b.
    effects : pandas.DataFrame
        practice, estimate, se (risk difference per upset call and its standard error).
    targets : pandas.DataFrame
        practice, target_adoption (the centre-wide target, share of calls).
    agent_calls : pandas.DataFrame
        agent_id, team, upset_calls: the agent's upset calls in the period.
    months : int
        Months in the period (upset calls / months = calls per month).
    n_draws : int, default 4000
        Monte Carlo draws for the interval.
    seed : int, default 0
        Seed of the draws.

    Returns
    -------
    pandas.DataFrame
        One row per agent and team, columns exactly ``agent_id, team, upset_calls,
        needs_most, n_calls, n_used, adoption, adoption_ci_low, adoption_ci_high,
        target_adoption, kept_per_month, ci_low, ci_high, queue_rank, team_share,
        team_level, warning``: n_calls and n_used are the agent's assessed calls and uses
        of the practice needed most, adoption and its interval the agent's shrunken rate
        of it, queue_rank 1 for the most customers kept (None when nothing is needed),
        team_share the share of the team's agents needing the same practice. Sorted by
        queue_rank.
    """
    if months <= 0:
        raise ValueError("months must be positive")
    rng = np.random.default_rng(seed)
    effect = effects.set_index("practice")
    goal = targets.set_index("practice")["target_adoption"]
    frame = adoption.merge(agent_calls[["agent_id", "team", "upset_calls"]], on=["agent_id", "team"],
                           how="left")
    frame["effect"] = pd.to_numeric(frame["practice"].map(effect["estimate"]), errors="coerce")
    frame["se"] = pd.to_numeric(frame["practice"].map(effect["se"]), errors="coerce")
    frame["target"] = pd.to_numeric(frame["practice"].map(goal), errors="coerce")
    per_month = frame["upset_calls"].fillna(0).astype(float) / months
    frame["kept"] = -frame["effect"] * (frame["target"] - frame["shrunk_rate"]).clip(lower=0) * per_month

    # each agent's rows by group number (the groups in sorted order, as iterating the groupby
    # gives them), then one pass over the agents with plain numbers: the same draws in the same
    # order as a loop over the groups' frames, without a frame per agent
    grouped = frame.groupby(["agent_id", "team"], sort=True, dropna=False)
    group = grouped.ngroup().to_numpy()
    keys = grouped.size().index
    kept_all = frame["kept"].to_numpy(dtype=float)
    known = ~np.isnan(kept_all)
    order = np.argsort(group, kind="stable")  # rows of each group together, in the frame's order
    bounds = np.searchsorted(group[order], np.arange(len(keys) + 1))
    upset_calls = frame["upset_calls"].fillna(0).to_numpy()
    columns = {c: frame[c].to_numpy() for c in ("practice", "n_calls", "n_used", "shrunk_rate",
                                                 "ci_low", "ci_high", "prior_a", "prior_b")}
    effect_all, se_all = frame["effect"].to_numpy(dtype=float), frame["se"].to_numpy(dtype=float)
    target_all, month_all = frame["target"].to_numpy(dtype=float), per_month.to_numpy(dtype=float)
    rows = []
    # each interval's draws, a row per agent with a figure and a standard error: their percentiles
    # are taken for BLOCK agents in one call (np.percentile along rows: the same numbers per row)
    drawn, drawn_rows = np.empty((min(BLOCK, len(keys)), n_draws)), []

    def intervals():
        low, high = np.percentile(drawn[:len(drawn_rows)], [2.5, 97.5], axis=1)
        for i, lo, hi in zip(drawn_rows, low, high):
            rows[i]["ci_low"], rows[i]["ci_high"] = float(lo) + 0.0, float(hi) + 0.0
        drawn_rows.clear()

    for g, (agent, team) in enumerate(keys):
        members = order[bounds[g]:bounds[g + 1]]
        row = {"agent_id": agent, "team": team, "upset_calls": int(upset_calls[members[0]])}
        mine = members[known[members]]
        if len(mine) == 0 or kept_all[mine].max() <= 0:
            rows.append({**row, "warning": "no practice gap with a benefit" if len(mine)
                         else "no effect or target for the agent's practices"})
            continue
        b = mine[int(np.argmax(kept_all[mine]))]  # the first row with the most kept (idxmax)
        post_a = columns["prior_a"][b] + columns["n_used"][b]
        post_b = columns["prior_b"][b] + columns["n_calls"][b] - columns["n_used"][b]
        rate = rng.beta(post_a, post_b, n_draws)
        se = se_all[b]
        draw = effect_all[b] + (0 if np.isnan(se) else se) * rng.standard_normal(n_draws)
        if not np.isnan(se):
            if len(drawn_rows) == len(drawn):
                intervals()
            drawn[len(drawn_rows)] = -draw * np.clip(target_all[b] - rate, 0, None) * month_all[b]
            drawn_rows.append(len(rows))
        rows.append({**row, "needs_most": columns["practice"][b], "n_calls": int(columns["n_calls"][b]),
                     "n_used": int(columns["n_used"][b]), "adoption": float(columns["shrunk_rate"][b]),
                     "adoption_ci_low": float(columns["ci_low"][b]),
                     "adoption_ci_high": float(columns["ci_high"][b]),
                     "target_adoption": float(target_all[b]), "kept_per_month": float(kept_all[b]),
                     "ci_low": np.nan, "ci_high": np.nan,
                     "warning": None if not np.isnan(se) else "standard error missing: no interval"})
    if drawn_rows:
        intervals()
    out = pd.DataFrame(rows).reindex(columns=COLUMNS)
    out["queue_rank"] = out["kept_per_month"].rank(ascending=False, method="min")
    # the share counts every agent of the team, including those who need nothing
    team_size = out.groupby("team", dropna=False)["agent_id"].transform("size")
    needing = out[out["needs_most"].notna()]
    team_size = team_size[needing.index]
    same = needing.groupby(["team", "needs_most"], dropna=False)["agent_id"].transform("size")
    out.loc[needing.index, "team_share"] = same / team_size
    out["team_level"] = False
    out.loc[needing.index, "team_level"] = ((same / team_size > TEAM_LEVEL_SHARE)
                                            & (team_size >= MIN_TEAM_AGENTS))
    out = out.sort_values(["queue_rank", "agent_id"], na_position="last", kind="stable")
    out["queue_rank"] = out["queue_rank"].astype("Int64")
    return out.reset_index(drop=True)
