"""The planted ``compensated`` practice: compensation_value in the files, forced worlds,
confounded adoption and the dose-response in ground_truth.json, checked through the files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calmline.synth import effects
from tests.synth.worlds import churned_at, churned_by, generate_files_only, read_calls, upset_in_window


def amount(calls):
    return calls.compensation_value.astype(float)


def test_forced_on_gives_every_upset_call_its_own_amount(factual, forced):
    _, calls, _ = factual
    on = read_calls(forced("compensated", True))
    both = calls.merge(on, on="call_id", suffixes=("", "_on"))
    upset = both[both.anger >= 3]
    assert (amount(on[on.anger >= 3]) > 0).all()
    granted = upset[amount(upset) > 0]
    assert len(granted) > 50
    # the forced world grants the pre-drawn amount: where the factual world granted one, the same
    assert (granted.compensation_value == granted.compensation_value_on).all()
    calm = both[both.anger < 3]
    assert (calm.compensation_value == calm.compensation_value_on).all()


def test_forced_off_grants_nothing_on_upset_calls_and_moves_nothing_else(factual, forced):
    _, calls, _ = factual
    off = read_calls(forced("compensated", False))
    assert (amount(off[off.anger >= 3]) == 0).all()
    assert (amount(off[off.anger < 3]) > 0).any()                  # calm calls keep theirs
    both = calls.merge(off, on="call_id", suffixes=("", "_off"))
    for col in ["let_vent", "apologized", "thanked", "options_offered", "resolved", "transfers",
                "csat", "hold_s"]:
        assert (both[col] == both[f"{col}_off"]).all(), col


def test_dose_response_bands_match_the_forced_worlds(factual, forced):
    """Per amount band, the planted risk difference is what the two forced worlds' files show."""
    folder, calls, truth = factual
    on_folder = forced("compensated", True)
    on_calls = read_calls(on_folder).set_index("call_id")
    customers = pd.read_csv(folder / "customers.csv", dtype=str).set_index("customer_id")
    base = customers.monthly_value.astype(float).clip(lower=10.0)
    on, off = churned_at(on_folder), churned_at(forced("compensated", False))
    bands = truth["practices"]["compensated"]["dose_response"]["bands"]
    assert [b["share_low"] for b in bands] == [0.0, 0.25, 0.5, 1.0]
    for horizon in (30, 90, 180):
        window = upset_in_window(calls, horizon)
        drawn = on_calls.compensation_value.astype(float).reindex(window.call_id).to_numpy()
        share = drawn / base.reindex(window.customer_id).to_numpy()
        rd = (churned_by(window, on, horizon).astype(float)
              - churned_by(window, off, horizon).astype(float))
        for band in bands:
            high = band["share_high"] if band["share_high"] is not None else np.inf
            inside = (share >= band["share_low"]) & (share < high)
            assert inside.sum() > 0
            assert rd[inside].mean() == pytest.approx(
                band["risk_difference"][f"{horizon}d"], abs=1e-9)


def test_bigger_credits_protect_more(medium):
    """The call-level effect grows with the amount (bands of amount / monthly value), and the
    biggest credits do at least half as much again as the smallest. The smallest band holds
    about 500 calls, so its realised call-level effect is a dozen calls' churn: the ratio was
    4.6 on the sample before the disputed points were planted and is 1.8 after (the planted
    log-odds differ threefold). Loosened from 2 (the 2 held one realisation, not the world)."""
    _, _, truth = medium
    entry = truth["practices"]["compensated"]
    bands = entry["dose_response"]["bands"]
    call_level = [b["call_level_risk_difference"]["90d"] for b in bands]
    assert all(b["n_upset_calls_in_window"] >= 300 for b in bands)
    assert call_level == sorted(call_level, reverse=True)       # more negative band by band
    assert call_level[-1] < 1.5 * call_level[0] < 0
    log_odds = [b["log_odds_at_low"] for b in bands]
    assert log_odds == sorted(log_odds, reverse=True)
    assert log_odds[-1] < 2 * log_odds[0] < 0  # the world's own dose: at least twice, whatever the draw
    assert entry["risk_difference"]["90d"] < -0.03
    assert entry["call_level_risk_difference"]["90d"] < -0.015
    model = truth["trigger_model"]
    assert model["practices"]["compensated"] < 0 and model["compensation_dose"] < 0


def test_compensation_is_confounded_by_anger_and_plan(medium):
    folder, calls, _ = medium
    customers = pd.read_csv(folder / "customers.csv", dtype=str).set_index("customer_id")
    calls = calls.assign(plan=customers.plan.reindex(calls.customer_id).to_numpy(),
                         granted=amount(calls) > 0)
    by_anger = calls.groupby("anger").granted.mean()
    assert by_anger[5] > by_anger[3] + 0.08 > by_anger[1] + 0.08
    upset = calls[calls.anger >= 3]
    by_plan = upset.groupby("plan").granted.mean()
    assert by_plan["premium"] > by_plan["basic"] + 0.05


def test_compensation_comes_with_the_other_practices(medium):
    """The agent's skill and the call's effort raise compensation like every practice."""
    _, calls, _ = medium
    upset = calls[(calls.anger >= 3) & (calls.let_vent != "")]
    others = upset[["verified_understanding", "asked_desired_outcome", "summarized"]].eq("true")
    granted = amount(upset) > 0
    assert granted.astype(float).corr(others.sum(axis=1).astype(float)) > 0.05


def test_compensation_draws_move_no_other_column(monkeypatch, tmp_path):
    """Compensation has its own random stream: granting far more credits changes churn (so which
    calls happen) but not one value of any call that happens in both worlds."""
    generate_files_only(tmp_path / "usual", 600, 4, transcripts=False)  # calls read only
    monkeypatch.setattr(effects, "COMPENSATION_ADOPTION", (1.0, 0.5, 0.45))
    generate_files_only(tmp_path / "generous", 600, 4, transcripts=False)
    usual, generous = read_calls(tmp_path / "usual"), read_calls(tmp_path / "generous")
    assert (amount(generous) > 0).mean() > (amount(usual) > 0).mean() + 0.3
    both = usual.merge(generous, on="call_id", suffixes=("", "_g"))
    assert len(both) > 0.95 * len(usual)
    for col in [c for c in usual.columns if c not in ("call_id", "compensation_value")]:
        assert (both[col] == both[f"{col}_g"]).all(), col
