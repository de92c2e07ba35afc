"""The estimate for a filter computes only what Practice impact shows (#12): no direct-effect logit
and no balance SMDs, with every row it shows (logit AME and AIPW) the same as the full
``practice_effects``; and it fits its models on one BLAS thread. Small generated frames
(tests/analysis/frames.py), no database."""

from __future__ import annotations

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_info

from calmline.analysis import filtered_runner, runner
from calmline.analysis.design import build
from calmline.analysis.effects import practice_effects
from tests.analysis.frames import PRACTICES, population

KEYS = ["practice", "method", "effect", "scale"]


def _calls(n: int = 3000) -> pd.DataFrame:
    """Calls with closed windows, a few without a recorded resolution (the direct model warns)."""
    df = population(n, seed=5)
    df["days_observable"] = 200
    df["event"], df["time_days"] = df["churned_90d"], np.where(df["churned_90d"], 20.0, 200.0)
    df["resolved"] = df["resolved"].astype(object)
    df.loc[:40, "resolved"] = None
    return df


def test_without_direct_and_balance_every_other_row_is_the_full_ones():
    """Reference: practice_effects with its defaults (direct logit and balance computed) on the same
    frame; leaving both out must change no other row by a bit, drop every direct row and warning,
    and give an empty balance frame."""
    df = _calls()
    full, full_balance, full_warnings = practice_effects(df, PRACTICES, "churned_90d")
    lean, lean_balance, lean_warnings = practice_effects(df, PRACTICES, "churned_90d", with_direct=False,
                                                         with_balance=False)
    assert (full["effect"] == "direct").any() and len(full_balance) > 0
    assert any("direct-effect" in w for w in full_warnings)
    assert not (lean["effect"] == "direct").any() and lean_balance.empty
    assert not any("direct-effect" in w for w in lean_warnings)
    kept = full[full["effect"] != "direct"].reset_index(drop=True)
    pd.testing.assert_frame_equal(lean.reset_index(drop=True), kept, check_exact=True)


def test_the_filters_estimate_equals_the_full_runs_shown_rows_and_names_no_direct_model():
    """The filter's rows (logit AME and AIPW) against the fit's full horizon_effects on the same calls
    (the direct logit and balance included), exactly; its notes never mention the direct model
    the page does not show."""
    df = _calls()
    result = filtered_runner.estimate_population(df, PRACTICES, 90)
    assert result.ok
    assert not any("direct" in w for w in result.warnings)
    full = runner.horizon_effects(df, PRACTICES, "churned_90d", build(df, PRACTICES))[0]
    expected = filtered_runner.shown_rows(full)
    both = result.effects.merge(expected, on=KEYS, suffixes=("", "_full"))
    assert len(both) == len(result.effects) == 2 * len(PRACTICES)
    for column in ("estimate", "ci_low", "ci_high", "p_value", "n_analysed"):
        np.testing.assert_array_equal(both[column].to_numpy(float), both[f"{column}_full"].to_numpy(float))


def test_the_filters_models_run_on_one_blas_thread(monkeypatch):
    seen = []
    original = runner.horizon_effects

    def recording(*args, **kwargs):
        seen.append({info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"})
        return original(*args, **kwargs)

    monkeypatch.setattr(runner, "horizon_effects", recording)
    assert filtered_runner.estimate_population(_calls(), PRACTICES, 90).ok
    assert seen == [{filtered_runner.BLAS_THREADS}]


def test_a_smaller_warm_start_sample_reaches_statsmodels_maximum(monkeypatch):
    """Reference: statsmodels ``Logit(y, X).fit(method="newton")`` on the same generated calls (the
    outcome model with every practice, and one practice's propensity model without its column).
    Inside ``logit.warm_start_rows(500)`` the 3,000-row fits start from a 500-row sample and take
    chord steps (counted), outside they do not; both end at statsmodels' coefficients to 1e-8, and
    the setting ends with the block."""
    import statsmodels.api as sm

    from calmline.analysis import logit

    df = _calls()
    X, names = build(df, PRACTICES).matrix()
    y = df["churned_90d"].astype(float).to_numpy()
    a = X[:, 0]
    reference = sm.Logit(y, X).fit(method="newton", disp=0).params
    propensity = np.insert(sm.Logit(a, np.delete(X, 0, axis=1)).fit(method="newton", disp=0).params, 0, 0.0)
    chords = []
    original = logit._chord
    monkeypatch.setattr(logit, "_chord", lambda *args: chords.append(1) or original(*args))
    with logit.warm_start_rows(500):
        outcome = logit.fit(X, y, df["agent_id"], names)
        [prop, _] = logit.propensities(X, X[:, [0, 1]], [0, 1], names)
    assert chords  # the sample's start and Hessian were used
    np.testing.assert_allclose(outcome.params, reference, rtol=0, atol=1e-8)
    np.testing.assert_allclose(prop.params, propensity, rtol=0, atol=1e-8)
    chords.clear()
    np.testing.assert_allclose(logit.fit(X, y, df["agent_id"], names).params, reference, rtol=0, atol=1e-8)
    assert not chords  # 3,000 rows: no sample start outside the block


def test_the_filters_estimate_with_its_warm_start_equals_the_full_run(monkeypatch):
    """The filter's models from a seeded sample (here 500 of 3,000 calls, as 20,000 of a filter's
    84,000-167,000 at 2M calls) give the full run's shown numbers to 1e-8."""
    from calmline.analysis import logit

    monkeypatch.setattr(filtered_runner, "WARM_ROWS", 500)
    sampled = []
    original = logit._warm_start

    def counted(*args, **kwargs):
        found = original(*args, **kwargs)
        sampled.append(found[1] is not None)
        return found

    monkeypatch.setattr(logit, "_warm_start", counted)
    df = _calls()
    result = filtered_runner.estimate_population(df, PRACTICES, 90)
    assert sum(sampled) >= 1 + len(PRACTICES)  # the outcome model and every propensity model
    monkeypatch.setattr(logit, "_warm_start", original)
    full = filtered_runner.shown_rows(runner.horizon_effects(df, PRACTICES, "churned_90d", build(df, PRACTICES))[0])
    both = result.effects.merge(full, on=KEYS, suffixes=("", "_full"))
    assert len(both) == 2 * len(PRACTICES)
    for column in ("estimate", "ci_low", "ci_high", "p_value"):
        np.testing.assert_allclose(both[column].to_numpy(float), both[f"{column}_full"].to_numpy(float),
                                   rtol=0, atol=1e-8, err_msg=column)
