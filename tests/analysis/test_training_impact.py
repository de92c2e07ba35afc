"""Training impact: a difference in differences of adoption (and churn) around a module."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from scipy.special import expit, logit

from calmline.analysis.training_impact import COLUMNS, training_impact
from calmline.queries import load_sql

MODULES = {"apology_course": "apologized"}
MONTHS = pd.date_range("2025-01-01", periods=5, freq="MS")


def _calls(used: dict[tuple[str, int], int], per_cell: int = 10) -> pd.DataFrame:
    """``per_cell`` calls per (agent, month index), ``used[(agent, m)]`` of them with the practice."""
    rows = []
    for (agent, m), k in used.items():
        rows += [{"agent_id": agent, "call_month": MONTHS[m], "apologized": float(i < k),
                  "churned": float(i % 5 == 0)} for i in range(per_cell)]
    return pd.DataFrame(rows)


def _balanced():
    """Four agents trained in March (month 2), four never; months 0-1 before, 3-4 after."""
    rng = np.random.default_rng(3)
    used = {}
    for a in range(8):
        base = rng.integers(2, 6)
        for m in (0, 1, 2, 3, 4):
            lift = 3 if a < 4 and m > 2 else 0
            used[(f"A{a}", m)] = int(min(10, base + lift + rng.integers(0, 3) + (m > 2)))
    completions = pd.DataFrame({"agent_id": [f"A{a}" for a in range(4)], "module": "apology_course",
                                "completed_at": pd.Timestamp("2025-03-14")})
    return _calls(used), completions


def test_balanced_two_by_two_equals_the_difference_of_differences_by_hand():
    """In a balanced panel (equal calls per cell) two-way fixed effects gives exactly
    (trained after - trained before) - (comparison after - comparison before) over the
    same months (Angrist and Pischke, Mostly Harmless Econometrics, section 5.2); the
    completion month (March) counts on neither side."""
    calls, completions = _balanced()
    out = training_impact(calls, completions, {}, window_months=2, modules=MODULES)
    assert list(out.columns) == COLUMNS
    row = out.iloc[0]
    kept = calls[calls["call_month"] != MONTHS[2]]
    trained = kept["agent_id"].isin(["A0", "A1", "A2", "A3"])
    after = kept["call_month"] > MONTHS[2]
    share = lambda mask: kept.loc[mask, "apologized"].mean()
    by_hand = (share(trained & after) - share(trained & ~after)) - (share(~trained & after)
                                                                    - share(~trained & ~after))
    assert row["estimate"] == pytest.approx(by_hand, abs=1e-12)
    assert row["trained_before"] == pytest.approx(share(trained & ~after))
    assert row["comparison_after"] == pytest.approx(share(~trained & after))
    assert (row["trained_agents"], row["comparison_agents"], row["n_calls"]) == (4, 4, 320)
    # four trained agents: too few for a clustered interval, which would be far too narrow
    assert row["warning"].startswith("only 4 trained agents") and "too few for an interval" in row["warning"]
    assert np.isnan(row["ci_low"]) and np.isnan(row["p_value"])


def test_interval_matches_the_call_level_regression_clustered_by_agent():
    """Reference: statsmodels OLS on the calls themselves,
    ``apologized ~ trained_after + C(agent_id) + C(call_month)``, cov_type='cluster' by
    agent, use_t=True (t on agents - 1 df). The cell-level fit must give the same estimate
    and the same standard error, once the reference's small-sample factor (N - 1)/(N - K) is
    taken with K = 4 (effect and three month dummies) instead of its 20 parameters: the agent
    effects are nested in the clusters and not counted (Cameron and Miller 2015, VI.B)."""
    rng = np.random.default_rng(8)
    used = {}
    for a in range(16):
        base = rng.integers(1, 8)
        for m in range(5):
            used[(f"A{a}", m)] = int(np.clip(base + (3 if a < 6 and m > 2 else 0) + rng.integers(-2, 3), 0, 20))
    calls = _calls(used, per_cell=20)
    completions = pd.DataFrame({"agent_id": [f"A{a}" for a in range(6)], "module": "apology_course",
                                "completed_at": pd.Timestamp("2025-03-02")})
    row = training_impact(calls, completions, {}, window_months=2, modules=MODULES).iloc[0]
    ref = calls[calls["call_month"] != MONTHS[2]].copy()
    ref["trained_after"] = (ref["agent_id"].isin([f"A{a}" for a in range(6)])
                            & (ref["call_month"] > MONTHS[2])).astype(float)
    fit = smf.ols("apologized ~ trained_after + C(agent_id) + C(call_month)", data=ref).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(ref["agent_id"])[0]}, use_t=True)
    n, k_ref = len(ref), int(fit.df_model) + 1
    assert k_ref == 20  # intercept, effect, 15 agent and 3 month dummies
    se_ref = fit.bse["trained_after"] * np.sqrt((n - k_ref) / (n - 4))
    q = stats.t.ppf(0.975, 16 - 1)
    assert row["estimate"] == pytest.approx(fit.params["trained_after"], abs=1e-10)
    assert row["ci_low"] == pytest.approx(row["estimate"] - q * se_ref, rel=1e-8)
    assert row["ci_high"] == pytest.approx(row["estimate"] + q * se_ref, rel=1e-8)
    low, high = fit.conf_int().loc["trained_after"]
    assert low < row["ci_low"] < row["ci_high"] < high  # the reference counts 16 more parameters


def test_agents_trained_before_the_data_and_calls_outside_the_window_do_not_count():
    calls, completions = _balanced()
    early = pd.DataFrame({"agent_id": ["A7"], "module": ["apology_course"],
                          "completed_at": [pd.Timestamp("2024-06-01")]})
    out = training_impact(calls, pd.concat([completions, early]), {}, window_months=2, modules=MODULES)
    assert (out.iloc[0]["trained_agents"], out.iloc[0]["comparison_agents"]) == (4, 3)


def test_no_trained_agent_gives_a_warning_not_a_number():
    calls, _ = _balanced()
    none = pd.DataFrame({"agent_id": [], "module": [], "completed_at": []})
    row = training_impact(calls, none, {"churn_90d": "churned"}, modules=MODULES).iloc[0]
    assert np.isnan(row["estimate"]) and "no agent completed" in row["warning"]


def test_missing_columns_are_named_together():
    calls, completions = _balanced()
    with pytest.raises(ValueError, match="call_month.*churned_90d"):
        training_impact(calls.drop(columns=["call_month"]), completions, {"churn": "churned_90d"},
                        modules=MODULES)


def test_recovers_the_planted_training_effect_on_generated_data(sample_db):
    """The generator adds 0.9 to a practice's log-odds once its module is completed
    (calmline/synth/training.py, effects.TRAINING_BOOST). On the probability scale that is
    about expit(logit(p) + 0.9) - p for a trained agent adopting at p before: 0.17-0.22
    points here. Over the sample's modules with five or more trained agents (options and
    credits planted on other scales left out) the estimates must average within 0.06 of
    that and their intervals cover it for most modules; adoption never falls."""
    con = duckdb.connect(str(sample_db), read_only=True)
    try:
        calls = con.execute(load_sql("analysis/upset_calls")).df()
        completions = con.execute("SELECT agent_id, module, completed_at FROM training").df()
    finally:
        con.close()
    out = training_impact(calls, completions, {})
    rows = out[(out["outcome"] == "adoption") & (out["trained_agents"] >= 5)
               & ~out["module"].isin(["options_offered", "compensated"])]
    assert len(rows) >= 6
    truth = expit(logit(rows["trained_before"]) + 0.9) - rows["trained_before"]
    covered = (rows["ci_low"] <= truth) & (truth <= rows["ci_high"])
    assert abs(rows["estimate"].mean() - truth.mean()) < 0.06
    assert covered.mean() >= 0.75
    assert (rows["estimate"] > 0).all()
