"""The trainer's tables from codes of the calls' keys: ``secondary.trainer_tables`` counts each
agent's upset calls from the (agent, team) cell codes, ``training_impact._cells`` makes the
agent-month cells from two bincounts per column, and the coaching queue takes its intervals'
percentiles for a block of agents at once. Each gives the same tables, bit for bit, as the
pandas paths it replaced (kept here as the reference), on calls with unassessed practices, a
missing team, churn not yet known and a call without a month."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline import vocabulary
from calmline.analysis import coaching, secondary, training_impact
from calmline.analysis.coaching import coaching_queue
from calmline.analysis.training_impact import training_impact as impact


def _calls(seed: int, n: int = 8000) -> tuple[pd.DataFrame, list[str], pd.DataFrame]:
    rng = np.random.default_rng(seed)
    modules = vocabulary.module_practice()
    practices = list(dict.fromkeys(modules.values()))[:3]
    agents = rng.integers(0, 40, n)
    month = pd.to_datetime("2025-01-01") + pd.to_timedelta(rng.integers(0, 8, n) * 31, "D")
    df = pd.DataFrame({"agent_id": pd.array([f"A{a}" for a in agents], dtype="string[pyarrow]"),
                       "team": pd.array([None if a % 13 == 0 else f"T{a % 3}" for a in agents],
                                        dtype="string[pyarrow]"),
                       "call_month": month.to_period("M").to_timestamp(),
                       "days_observable": rng.integers(0, 200, n)})
    df.loc[11, "call_month"] = pd.NaT
    trained = agents < 16
    after = (month >= pd.Timestamp("2025-04-15")) & trained
    for j, p in enumerate(practices):
        df[p] = rng.random(n) < 0.3 + 0.25 * after + 0.05 * j
    df[practices[1]] = df[practices[1]].astype(float).where(rng.random(n) > 0.15)  # not assessed
    df["churned_90d"] = pd.array(rng.random(n) < 0.2, dtype="boolean")
    done = pd.DataFrame({"agent_id": [f"A{a}" for a in range(16)],
                         "module": [m for m, p in modules.items() if p == practices[0]][0],
                         "completed_at": pd.Timestamp("2025-04-10")})
    done = pd.concat([done, done.assign(module=[m for m, p in modules.items() if p == practices[2]][0])])
    return df, practices, done


def _cells_reference(agent, month, values):
    """training_impact._cells before the bincounts (session 13)."""
    keys = [agent.rename("agent"), month.rename("month")]
    known = values.notna().groupby(keys).sum()
    sums = values.astype(float).fillna(0.0).groupby(keys).sum()
    out = {}
    for column in values.columns:
        part = pd.DataFrame({"n": known[column].astype(int), "y": sums[column]})
        out[column] = part[part["n"] > 0].reset_index()
    return out


def _trainer_reference(population, effects, ranked, adoption, practices, horizon, completions):
    """secondary.trainer_tables before the codes (session 13)."""
    modules = vocabulary.module_practice().values()
    wanted = ["agent_id", "team", "call_month", "days_observable", f"churned_{horizon}d", *practices, *modules]
    upset = population[[c for c in dict.fromkeys(wanted) if c in population.columns]].copy()
    upset["team"] = upset["team"].astype("string").fillna("unassigned")
    upset["agent_id"] = upset["agent_id"].astype("string")
    months = max(1, upset["call_month"].nunique())
    calls = upset.groupby(["agent_id", "team"], as_index=False).size().rename(columns={"size": "upset_calls"})
    targets = ranked[ranked["team"] == "all"][["practice", "target_adoption"]]
    out = {"agent_coaching": coaching_queue(adoption, secondary._best_effect(effects, practices), targets,
                                            calls, months=months)}
    upset["churn"] = upset[f"churned_{horizon}d"].where(upset["days_observable"] >= horizon)
    out["training_impact"] = impact(upset, completions, {f"churn_{horizon}d": "churn"})
    return out


def test_cells_equal_the_groupby():
    df, practices, _ = _calls(1)
    months = pd.to_datetime(df["call_month"]).dt.to_period("M")
    values = df[practices].assign(churn=df["churned_90d"].where(df["days_observable"] >= 90))
    expected = _cells_reference(df["agent_id"].astype(str), months, values)
    got = training_impact._cells(df["agent_id"], months, values)
    assert list(got) == list(expected)
    for column in expected:
        pd.testing.assert_frame_equal(got[column], expected[column], check_exact=True)
    assert got[practices[1]]["n"].sum() < got[practices[0]]["n"].sum()


def test_trainer_tables_equal_the_reference(monkeypatch):
    df, practices, done = _calls(2)
    effects = pd.DataFrame({"practice": practices, "method": "aipw", "effect": "total",
                            "scale": "risk_difference", "estimate": [-0.02, -0.01, -0.015],
                            "std_error": [0.005, np.nan, 0.004], "ci_low": [-0.03, -0.02, -0.023],
                            "ci_high": [-0.01, 0.0, -0.007]})
    ranked, adoption = secondary.priorities(df, effects, practices)
    expected = _trainer_reference(df, effects, ranked, adoption, practices, 90, done)
    monkeypatch.setattr(coaching, "BLOCK", 7)  # the intervals' blocks end inside the agents
    got = secondary.trainer_tables(df, effects, ranked, adoption, practices, 90, done)
    for name in ("agent_coaching", "training_impact"):
        pd.testing.assert_frame_equal(got[name], expected[name], check_exact=True)
    queue = got["agent_coaching"]
    assert queue["ci_low"].notna().sum() > 7 and queue["ci_low"].isna().any()  # rows without a se
    assert got["training_impact"]["estimate"].notna().any()


def _raw_shares_reference(trained, comparison):
    """training_impact._raw_shares before the bincounts (session 13)."""
    out = {}
    for label, post in (("before", 0.0), ("after", 1.0)):
        part = trained[trained["post"] == post]
        out[f"trained_{label}"] = part["y"].sum() / part["n"].sum() if part["n"].sum() else np.nan
        weight = part.groupby("month")["n"].sum()
        rate = comparison.groupby("month")[["y", "n"]].sum()
        rate = (rate["y"] / rate["n"]).reindex(weight.index)
        ok = rate.notna()
        out[f"comparison_{label}"] = (float((rate[ok] * weight[ok]).sum() / weight[ok].sum())
                                      if ok.any() and weight[ok].sum() else np.nan)
    return out


def _demean_reference(a, w, groups):
    a = a.reshape(len(w), -1)
    sums = np.zeros((groups.max() + 1, a.shape[1]))
    np.add.at(sums, groups, a * w[:, None])
    totals = np.bincount(groups, weights=w)[:, None]
    return a - (sums / totals)[groups]


def _panel(seed):
    rng = np.random.default_rng(seed)
    months = pd.period_range("2025-01", periods=14, freq="M")
    n = 400
    cells = pd.DataFrame({"agent": [f"A{a}" for a in rng.integers(0, 30, n)],
                          "month": months[rng.integers(0, 14, n)], "n": rng.integers(1, 40, n)})
    cells["y"] = rng.binomial(cells["n"], 0.3).astype(float)
    trained = cells[:150].assign(post=(rng.random(150) < 0.5).astype(float))
    comparison = cells[150:][cells[150:]["month"] != months[3]].assign(post=0.0)  # a month nobody compares
    return trained.reset_index(drop=True), comparison.reset_index(drop=True)


def test_raw_shares_equal_the_groupby():
    for seed in (1, 2, 3):
        trained, comparison = _panel(seed)
        assert training_impact._raw_shares(trained, comparison) == _raw_shares_reference(trained, comparison)
    trained, comparison = _panel(4)
    empty = comparison[:0]
    got, want = training_impact._raw_shares(trained, empty), _raw_shares_reference(trained, empty)
    assert np.isnan(got["comparison_before"]) and got.keys() == want.keys()
    assert got["trained_before"] == want["trained_before"]


def test_twfe_with_bincount_sums_equals_add_at(monkeypatch):
    trained, comparison = _panel(5)
    panel = pd.concat([trained, comparison], ignore_index=True)
    got = training_impact._twfe(panel)
    w = panel["n"].to_numpy(float)
    groups = pd.factorize(panel["agent"])[0]
    ours = []

    class Spy:  # the demeaning inside _twfe, read through the WLS it hands it to
        def __init__(self, y, x, weights):
            ours.append(x)
            self.inner = real(y, x, weights=weights)

        def fit(self, **kw):
            return self.inner.fit(**kw)
    real = training_impact.sm.WLS
    monkeypatch.setattr(training_impact.sm, "WLS", Spy)
    assert training_impact._twfe(panel) == got
    months = pd.get_dummies(panel["month"], drop_first=True, dtype=float).to_numpy()
    Xd = _demean_reference(np.column_stack([panel["post"].to_numpy(float), months]), w, groups)
    keep = np.abs(Xd).sum(axis=0) > 1e-12
    keep[0] = True
    assert np.array_equal(ours[0], Xd[:, keep]) and np.isfinite(got[0])
