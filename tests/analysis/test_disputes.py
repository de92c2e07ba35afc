"""The playbooks' disputed points estimated like a practice: a planted effect recovered, the practices'
own estimator reproduced, statsmodels' average marginal effect matched, and the groups that cannot
support an estimate refused with a reason."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from calmline import vocabulary
from calmline.analysis import disputes
from calmline.analysis.design import build
from calmline.analysis.effects import practice_effects
from tests.analysis.frames import PRACTICES, population

EARLY = vocabulary.dispute("apology_early")
EFFECTS = (-0.6, -0.8, 0.0)  # frames.population's planted practice effects
PLANTED = -0.7
"""Log-odds of churn of an early apology over a late one, among calls that apologised."""


def _logistic(x):
    return 1 / (1 + np.exp(-x))


def disputed(n: int = 6000, seed: int = 7, effect: float = PLANTED) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """frames.population with an early apology planted among the calls that apologised.

    Angrier customers get the early apology more often (and churn more), so the raw comparison is
    confounded; churn's log-odds gain ``effect`` x early. Returns the population, its
    ``dispute_calls`` frame (apology_early only) and the true average effect over the compared calls
    (probability units), computed from the known model.
    """
    df = population(n, seed=seed, effects=EFFECTS)
    rng = np.random.default_rng(seed + 100)
    df["call_id"] = [f"CALL-{i:06d}" for i in range(n)]
    apologised = df["apologized"].to_numpy(dtype=bool)
    early = apologised & (rng.random(n) < _logistic(-0.8 + 0.9 * (df["anger_level"].to_numpy() - 3)))
    base = -1.2 + 0.5 * (df["anger_level"] - 3) + sum(e * df[p] for p, e in zip(PRACTICES, EFFECTS))
    base = base.to_numpy(dtype=float)
    df["churned_90d"] = rng.random(n) < _logistic(base + effect * early)
    calls = pd.DataFrame({"call_id": df["call_id"],
                          disputes.among_column(EARLY.name): apologised,
                          disputes.treated_column(EARLY.name): pd.array(
                              np.where(apologised, early, False), dtype="boolean")})
    calls.loc[~apologised, disputes.treated_column(EARLY.name)] = pd.NA
    truth = float((_logistic(base + effect) - _logistic(base))[apologised].mean())
    return df, calls, truth


def row(frame: pd.DataFrame, method: str, name: str = EARLY.name) -> pd.Series:
    rows = frame[(frame["dispute"] == name) & (frame["method"] == method)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_a_planted_early_apology_effect_is_recovered_in_points_where_the_raw_comparison_is_off():
    df, calls, truth = disputed()
    rows, warnings = disputes.dispute_effects(df, calls, PRACTICES, "churned_90d", disputes=[EARLY])
    assert warnings == [] and list(rows.columns) == disputes.COLUMNS
    assert list(rows["method"]) == list(disputes.METHODS)
    compared = int(df["apologized"].sum())
    assert (rows["n_calls"] == compared).all()
    assert (rows["n_treated"] + rows["n_control"] == compared).all()
    assert (rows["n_agents"] == df.loc[df["apologized"], "agent_id"].nunique()).all()
    for method in ("aipw", "logit"):
        r = row(rows, method)
        assert r.ci_low_pp <= truth * 100 <= r.ci_high_pp, (method, r.estimate_pp, truth * 100)
        assert r.ci_high_pp < 0 and r.p_value < 0.05
        assert r.estimate_pp == pytest.approx(truth * 100, abs=3 * r.std_error_pp)
    naive = row(rows, "naive")
    assert naive.estimate_pp > row(rows, "aipw").estimate_pp + 1, "anger-confounded: early looks less good raw"
    assert rows["headline"].tolist() == [True, False, False]
    assert row(rows, "aipw")["claim"] == EARLY.claim and row(rows, "aipw")["counter"] == EARLY.counter


def test_the_estimate_is_the_practices_own_estimate_of_the_split_as_a_practice():
    """Adjusted exactly like a practice: the same numbers as practice_effects run on the compared
    calls with the split added as one more practice (the constant `apologized` drops out there
    too)."""
    df, calls, _ = disputed(n=3000, seed=11)
    rows, _ = disputes.dispute_effects(df, calls, PRACTICES, "churned_90d", disputes=[EARLY])
    sub = df[df["apologized"]].reset_index(drop=True)
    sub[EARLY.name] = calls.loc[df["apologized"].to_numpy(), disputes.treated_column(EARLY.name)] \
        .astype(bool).to_numpy()
    effects, _, _ = practice_effects(sub, PRACTICES + [EARLY.name], "churned_90d")
    for method in ("aipw", "logit", "naive"):
        ref = effects[(effects.practice == EARLY.name) & (effects.method == method)
                      & (effects.scale == "risk_difference")].iloc[0]
        got = row(rows, method)
        assert got.estimate_pp == pytest.approx(ref.estimate * 100, rel=1e-9)
        assert (got.ci_low_pp, got.ci_high_pp) == pytest.approx((ref.ci_low * 100, ref.ci_high * 100), rel=1e-9)
        assert got.n_analysed == ref.n_analysed


def test_the_logit_estimate_is_statsmodels_average_marginal_effect():
    """Reference: statsmodels ``Logit(y, X).fit().get_margeff(at="overall", dummy=True)`` on the
    compared calls' design (the split, the varying co-practices and the pre-call covariates): the
    mean over calls of the predicted churn with the split set to 1 minus to 0."""
    df, calls, _ = disputed(n=3000, seed=12)
    rows, _ = disputes.dispute_effects(df, calls, PRACTICES, "churned_90d", disputes=[EARLY])
    sub = df[df["apologized"]].reset_index(drop=True)
    sub["early"] = calls.loc[df["apologized"].to_numpy(), disputes.treated_column(EARLY.name)] \
        .astype(bool).to_numpy()
    design = build(sub, ["took_ownership", "thanked", "early"]).varying()
    X, names = design.matrix()
    fit = sm.Logit(sub["churned_90d"].astype(float), pd.DataFrame(X, columns=names)).fit(disp=0)
    reference = fit.get_margeff(at="overall", dummy=True).summary_frame().loc["early", "dy/dx"]
    assert row(rows, "logit").estimate_pp == pytest.approx(reference * 100, rel=1e-6)


def test_too_few_calls_and_no_variation_are_refused_with_the_reason_and_no_numbers():
    df, calls, _ = disputed(n=1200, seed=13)
    few, _ = disputes.dispute_effects(df, calls.assign(**{disputes.among_column(EARLY.name): (
        calls[disputes.among_column(EARLY.name)] & (np.arange(len(calls)) < 300))}), PRACTICES, "churned_90d",
        disputes=[EARLY])
    assert few["estimate_pp"].isna().all() and few["ci_low_pp"].isna().all()
    assert few["note"].str.contains(f"too few to estimate \\(fewer than {disputes.MIN_CALLS}\\)").all()
    assert (few["n_calls"] < disputes.MIN_CALLS).all()
    everyone = calls.copy()
    everyone.loc[everyone[disputes.among_column(EARLY.name)], disputes.treated_column(EARLY.name)] = True
    same, _ = disputes.dispute_effects(df, everyone, PRACTICES, "churned_90d", disputes=[EARLY])
    assert same["estimate_pp"].isna().all()
    assert same["note"].str.contains(f'no variation: every one of the .* calls compared was "{EARLY.treated_label}"').all()
    assert same["headline"].sum() == 1


def test_without_transcripts_there_are_no_rows_and_a_warning_saying_how_to_get_them():
    df, _, _ = disputed(n=500, seed=14)
    rows, warnings = disputes.dispute_effects(df, pd.DataFrame(), PRACTICES, "churned_90d")
    assert rows.empty and list(rows.columns) == disputes.COLUMNS
    assert len(warnings) == 1 and "no transcripts loaded" in warnings[0] and "calmline etl" in warnings[0]
    assert all(d.label in warnings[0] for d in vocabulary.DISPUTES)


def test_a_practice_that_defines_or_duplicates_the_comparison_is_not_adjusted_for():
    """Hand-off vs ownership names took_ownership (it defines the other side), and a co-practice
    equal to the split on every compared call cannot be told apart from it: both are left out of the
    adjustment, and the note says so, instead of a singular model or an estimate of nothing."""
    handoff = vocabulary.dispute("handoff_vs_ownership")
    df = population(3000, seed=15)
    df["call_id"] = [f"C{i}" for i in range(len(df))]
    df["handed_off"] = ~df["took_ownership"]
    df["thanked"] = df["handed_off"]  # a duplicate of the split on every compared call
    calls = pd.DataFrame({"call_id": df["call_id"], disputes.among_column(handoff.name): True,
                          disputes.treated_column(handoff.name): df["handed_off"].astype("boolean")})
    rows, _ = disputes.dispute_effects(df, calls, PRACTICES, "churned_90d", disputes=[handoff])
    aipw = row(rows, "aipw", handoff.name)
    assert not pd.isna(aipw.estimate_pp)
    assert "took_ownership not adjusted for: it defines the comparison" in aipw.note
    assert "thanked not adjusted for: on every compared call it is the same as the comparison" in aipw.note


def test_the_vocabularys_sql_splits_transcript_calls_as_each_point_says():
    con = duckdb.connect()
    con.execute("CREATE TABLE transcript_calls (call_id VARCHAR, verify_mode VARCHAR, first_apology_turn INTEGER, "
                "first_apology_position DOUBLE, vent_interruptions INTEGER, empathized BOOLEAN, "
                "empathy_negated BOOLEAN, policy_language BOOLEAN, handoff BOOLEAN, took_ownership BOOLEAN)")
    con.execute("INSERT INTO transcript_calls VALUES "
                "('a', 'verbatim', 2, 0.10, 0, true, false, false, true, false), "
                "('b', 'paraphrase', 9, 0.60, 2, false, true, true, false, true), "
                "('c', 'none', NULL, NULL, 0, false, false, false, false, false)")
    from calmline.queries import load_sql
    sql = load_sql("analysis/dispute_calls")
    assert disputes.MARKER in sql
    got = con.execute(sql.replace(disputes.MARKER, disputes.select_list())).df().set_index("call_id")
    expected = {  # (among, treated) per call a, b, c
        "verify_verbatim": [(True, True), (True, False), (False, None)],
        "apology_early": [(True, True), (True, False), (False, None)],
        "vent_interrupted": [(True, False), (True, True), (True, False)],
        "empathy_negated": [(True, False), (True, True), (False, None)],
        "policy_language": [(True, False), (True, True), (True, False)],
        "handoff_vs_ownership": [(True, True), (True, False), (False, None)],
    }
    assert set(expected) == {d.name for d in vocabulary.DISPUTES}
    for name, pairs in expected.items():
        for call, (among, treated) in zip("abc", pairs):
            assert got.loc[call, disputes.among_column(name)] == among, (name, call)
            value = got.loc[call, disputes.treated_column(name)]
            assert (pd.isna(value) if treated is None else value == treated), (name, call, value)
