"""The training priorities' adoption counts from one bincount per practice over the calls'
(agent, team) cells (``secondary.adoption_counts``), and the bootstrap's draw counts as small
integers (``priorities._draw_counts``): the same tables, bit for bit, as the pandas groupby and
float64 paths they replace (kept here as the reference), on calls with unassessed practices, a
missing team, a call without an agent and agents who are numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline.analysis import priorities, secondary
from calmline.analysis.shrinkage import shrink_rates


def _calls(seed: int, n: int = 6000) -> tuple[pd.DataFrame, list[str]]:
    rng = np.random.default_rng(seed)
    practices = ["apologized", "thanked", "summarized"]
    agents = rng.integers(0, 45, n)
    df = pd.DataFrame({"agent_id": pd.array([f"A{a}" for a in agents], dtype="string[pyarrow]"),
                       "team": pd.array([None if a % 11 == 0 else f"T{a % 4}" for a in agents],
                                        dtype="string[pyarrow]"),
                       "call_month": pd.to_datetime("2025-01-01") + pd.to_timedelta(rng.integers(0, 4, n) * 31, "D")})
    for p in practices:
        df[p] = rng.random(n) < rng.uniform(0.2, 0.8)
    df["thanked"] = df["thanked"].astype(object).where(rng.random(n) > 0.2, None)  # not assessed
    df["summarized"] = df["summarized"].astype(float).where(agents != 7)  # agent 7 never assessed
    df.loc[5, "agent_id"] = None  # a call without an agent: in no group, counted in its team's volume
    df.loc[6, "team"] = "T1"  # an agent in a second team
    return df, practices


def _reference(population: pd.DataFrame, practices: list[str]):
    """secondary.priorities' counts before the bincounts (session 13)."""
    upset = population[["agent_id", "team", "call_month", *practices]].copy()
    upset["team"] = upset["team"].astype("string").fillna("unassigned")
    flags = upset[practices].astype(float)
    keys = [upset["agent_id"].astype("string"), upset["team"]]
    calls = flags.notna().groupby(keys).sum()
    used = flags.fillna(0).groupby(keys).sum()
    adoption = pd.concat([calls.stack().rename("n_calls"), used.stack().rename("n_used")], axis=1)
    adoption.index.names = ["agent_id", "team", "practice"]
    adoption = adoption.reset_index()
    adoption[["n_calls", "n_used"]] = adoption[["n_calls", "n_used"]].astype(int)
    adoption = adoption[adoption["n_calls"] > 0].reset_index(drop=True)
    volume = upset.groupby("team", as_index=False).size()
    return adoption, volume


def test_adoption_counts_equal_the_groupby():
    for seed in (1, 2):
        df, practices = _calls(seed)
        expected, volume = _reference(df, practices)
        agent, team = secondary.agent_team_codes(df)
        got = secondary.adoption_counts(agent, team, [df[p] for p in practices], practices)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        assert (got["practice"] == "summarized").sum() < (got["practice"] == "apologized").sum()
        mine = pd.DataFrame({"team": team.names, "size": np.bincount(team.codes)})
        pd.testing.assert_frame_equal(mine, volume, check_exact=True)


def test_number_agents_group_as_text():
    df, practices = _calls(3, 800)
    df["agent_id"] = pd.array(np.random.default_rng(3).integers(1, 30, len(df)), dtype="Int64")
    df.loc[9, "agent_id"] = pd.NA
    expected, _ = _reference(df, practices)
    agent, team = secondary.agent_team_codes(df)
    got = secondary.adoption_counts(agent, team, [df[p] for p in practices], practices)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert list(got["agent_id"].iloc[:2]) == ["1", "1"] and "10" < got["agent_id"].iloc[-1]


def test_priorities_tables_unchanged_by_the_counts():
    df, practices = _calls(4)
    effects = pd.DataFrame({"practice": practices * 2, "method": ["aipw"] * 3 + ["logit"] * 3,
                            "effect": "total", "scale": "risk_difference",
                            "estimate": [-0.02, -0.01, 0.004, -0.03, np.nan, 0.0],
                            "std_error": [0.005, 0.006, 0.004, 0.01, np.nan, 0.01],
                            "ci_low": np.nan, "ci_high": np.nan})
    ranked, shrunk = secondary.priorities(df, effects, practices)
    adoption, volume = _reference(df, practices)
    months = df["call_month"].nunique()
    volume["upset_calls_per_month"] = volume["size"] / months
    expected = priorities.training_priorities(secondary._best_effect(effects, practices), adoption,
                                              volume[["team", "upset_calls_per_month"]])
    pd.testing.assert_frame_equal(ranked, expected, check_exact=True)
    pd.testing.assert_frame_equal(shrunk, pd.concat([shrink_rates(part) for _, part in adoption.groupby("practice")],
                                                    ignore_index=True), check_exact=True)


def test_integer_draw_counts_give_the_float_quantiles():
    rng = np.random.default_rng(8)
    agents, replicates = 70, 400
    w = rng.multinomial(agents, np.full(agents, 1 / agents), size=replicates).astype(float)
    w[0] = 0.0
    idx = rng.choice(agents, 50, replace=False)
    values = rng.beta(2, 5, len(idx))
    values[4] = values[9]
    floats = priorities._weighted_quantile(values, np.ascontiguousarray(w.T), 0.75, columns=idx)
    counts = priorities._draw_counts(w)
    assert counts.dtype == np.int16 and counts.shape == (agents, replicates)
    ints = priorities._weighted_quantile(values, counts, 0.75, columns=idx)
    assert np.array_equal(ints, floats, equal_nan=True) and np.isnan(ints[0])
