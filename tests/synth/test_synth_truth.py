"""The planted causal structure: ground_truth.json is what the written worlds show.

The planted effect of a practice is checked end to end, only through the CSV
files: generate the world with the practice forced on every upset call and
the world with it forced off (same seed), then for the factual upset calls in
the window compare churned-by-(call day + h) between the two customers.csv files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calmline import vocabulary
from tests.synth.worlds import (
    SEED,
    SMALL,
    churned_at,
    churned_by,
    read_calls,
    upset_in_window,
)

BOOLEANS = ["let_vent", "verified_understanding", "empathized", "apologized",
            "asked_desired_outcome", "agreement_obtained", "took_ownership", "summarized",
            "thanked", "followup_promised"]


@pytest.mark.parametrize("practice", ["thanked", "apologized", "took_ownership",
                                      "offered_options", "followed_up", "let_vent",
                                      "compensated"])
def test_planted_effect_matches_forced_worlds(factual, forced, practice):
    _, calls, truth = factual
    on, off = churned_at(forced(practice, True)), churned_at(forced(practice, False))
    for horizon in (30, 90, 180):
        window = upset_in_window(calls, horizon)
        rd = (churned_by(window, on, horizon).astype(float)
              - churned_by(window, off, horizon).astype(float)).mean()
        assert rd == pytest.approx(truth["practices"][practice]["risk_difference"][f"{horizon}d"],
                                   abs=1e-12)
        if practice != "thanked":
            assert rd < -0.005, (practice, horizon)


def test_thanked_changes_no_churn_at_all(factual, forced):
    _, _, truth = factual
    on, off = forced("thanked", True), forced("thanked", False)
    assert (on / "customers.csv").read_bytes() == (off / "customers.csv").read_bytes()
    entry = truth["practices"]["thanked"]
    assert entry["log_odds_coefficient"] == 0.0
    assert all(v == 0.0 for v in entry["risk_difference"].values())
    assert truth["zero_effect_practice"] == "thanked"


def test_forced_world_changes_only_the_forced_practice(factual, forced):
    _, calls, _ = factual
    world = read_calls(forced("apologized", True))
    assessed = world[world.apologized != ""]
    assert (assessed.apologized[assessed.anger >= 3] == "true").all()
    both = calls.merge(world, on="call_id", suffixes=("", "_forced"))
    calm = both[both.anger < 3]
    for col in BOOLEANS + ["resolved", "transfers", "csat", "compensation_value"]:
        assert (calm[col] == calm[f"{col}_forced"]).all(), col
    upset = both[both.anger >= 3]
    for col in ([c for c in BOOLEANS if c != "apologized"]
                + ["resolved", "transfers", "compensation_value"]):
        assert (upset[col] == upset[f"{col}_forced"]).all(), col


def test_forced_ownership_moves_resolution_and_transfers(forced):
    on = read_calls(forced("took_ownership", True))
    off = read_calls(forced("took_ownership", False))
    both = on.merge(off, on="call_id", suffixes=("_on", "_off"))
    upset = both[both.anger_on >= 3]
    assert (upset.transfers_on.astype(int) <= upset.transfers_off.astype(int)).all()
    assert upset.transfers_on.astype(int).mean() < upset.transfers_off.astype(int).mean()
    assert (upset.resolved_on == "true").mean() > (upset.resolved_off == "true").mean() + 0.1


def test_forced_follow_up_means_a_follow_up_within_30_days(forced):
    folder = forced("followed_up", True)
    calls = read_calls(folder)
    follow_ups = pd.read_csv(folder / "follow_ups.csv", dtype=str)
    upset = upset_in_window(calls, 30).merge(follow_ups, on="call_id", how="left")
    delay = pd.to_datetime(upset.followup_at) - pd.to_datetime(upset.started_at)
    assert (delay <= pd.Timedelta(days=30)).all()


def test_ground_truth_document(factual):
    _, calls, truth = factual
    for key in ["seed", "customers", "start", "months", "as_of", "n_upset_calls_in_window",
                "zero_effect_practice", "confounding", "practices", "dirty_rows"]:
        assert key in truth
    assert (truth["seed"], truth["customers"], truth["as_of"]) == (SEED, SMALL, "2026-01-01")
    assert truth["n_upset_calls_in_window"] == len(upset_in_window(calls, 90))
    assert list(truth["practices"]) == list(vocabulary.practice_names())
    for name, entry in truth["practices"].items():
        assert 0 < entry["adoption_upset"] < 1
        assert entry["clean_ground_truth"] is True
        for table in ["risk_difference", "naive_risk_difference", "call_level_risk_difference"]:
            assert set(entry[table]) == {"30d", "90d", "180d"}
        if name != "thanked":
            assert entry["log_odds_coefficient"] < 0
            assert entry["risk_difference"]["90d"] < 0


def test_naive_comparison_of_apology_is_confounded(medium):
    """Angry customers get more apologies and churn more: the raw comparison hides the benefit."""
    folder, calls, truth = medium
    window = upset_in_window(calls, 90)
    window = window[window.apologized != ""]
    churned = churned_by(window, churned_at(folder), 90)
    said = window.apologized == "true"
    naive = churned[said].mean() - churned[~said].mean()
    planted = truth["practices"]["apologized"]["risk_difference"]["90d"]
    assert planted < -0.02
    assert naive - planted > 0.02
    assert window.anger[said].mean() > window.anger[~said].mean() + 0.3


def test_practices_are_positively_correlated(medium):
    _, calls, _ = medium
    upset = calls[(calls.anger >= 3) & (calls.let_vent != "")]
    done = upset[BOOLEANS].eq("true").astype(float)
    corr = done.corr().to_numpy()
    assert corr[~np.eye(len(BOOLEANS), dtype=bool)].mean() > 0.1
    for name in BOOLEANS:
        others = done.drop(columns=name).sum(axis=1)
        assert done[name].corr(others) > 0.1, name


def test_training_raises_adoption_of_its_practice(medium):
    folder, calls, _ = medium
    training = pd.read_csv(folder / "training.csv", dtype=str)
    training = training[training.completed_at >= "2025-01-01"]
    gains = []
    for row in training.itertuples():
        mine = calls[(calls.agent_id == row.agent_id)]
        if row.module == "options_offered":
            done = mine.options_offered.astype(int) >= 2
        elif row.module == "compensated":
            done = mine.compensation_value.astype(float) > 0
        else:
            mine = mine[mine[row.module] != ""]
            done = mine[row.module] == "true"
        after = mine.day > pd.Timestamp(row.completed_at)
        if after.sum() >= 20 and (~after).sum() >= 20:
            gains.append(done[after].mean() - done[~after].mean())
    assert len(gains) >= 20
    assert np.mean(gains) > 0.08


def test_short_break_in_the_files_is_the_planted_one(factual):
    """The break the churn model used is the one anyone can compute from started_at and handle_s
    (in the files of the SMALL world, ``factual``)."""
    import datetime as dt

    from calmline.synth.world import build_world, call_state, churn_of

    _, calls, _ = factual
    upset = calls[calls.anger >= 3].copy()
    upset["start"] = pd.to_datetime(upset.started_at)
    upset = upset.sort_values(["agent_id", "start", "call_id"])
    end = upset.start + pd.to_timedelta(upset.handle_s.astype(int), unit="s")
    prev_end = end.groupby(upset.agent_id).shift(1)
    from_files = ((upset.start - prev_end) < pd.Timedelta(seconds=600)).fillna(False)

    world = build_world(SEED, SMALL, dt.date(2025, 1, 1), 12)
    churn = churn_of(world, call_state(world))
    ids = world.upset.idx + 1
    planted = pd.Series(churn.short_break, index=[f"CALL-{i:09d}" for i in ids])
    assert from_files.sum() > 0.04 * len(upset)
    assert (planted.reindex(upset.call_id).to_numpy() == from_files.to_numpy()).all()


def test_the_promise_total_lets_the_follow_ups_it_brings_respond(factual, medium):
    """Forcing the promise in the world holds follow-ups as drawn; the total moves them too
    (same uniforms), so with follow-ups that keep customers it is the larger benefit."""
    for _, _, truth in (factual, medium):
        entry = truth["practices"]["followup_promised"]
        for table in ("total_risk_difference", "call_level_total_risk_difference"):
            assert set(entry[table]) == {"30d", "90d", "180d"}
        for h in ("30d", "90d", "180d"):
            assert entry["call_level_total_risk_difference"][h] <= entry["call_level_risk_difference"][h]
            assert entry["total_risk_difference"][h] <= entry["risk_difference"][h]
    entry = medium[2]["practices"]["followup_promised"]
    assert entry["call_level_total_risk_difference"]["90d"] < entry["call_level_risk_difference"]["90d"] - 0.005
    assert "call_level_total_risk_difference" not in medium[2]["practices"]["apologized"]
