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
