"""Training priorities: customers kept per month, checked against hand arithmetic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calmline.analysis.priorities import training_priorities
from calmline.analysis.shrinkage import shrink_rates

COLUMNS = ["practice", "team", "current_adoption", "target_adoption",
           "retained_per_month", "ci_low", "ci_high", "rank", "warning",
           "p_top3", "n_agents", "n_calls"]

EFFECTS = pd.DataFrame({"practice": ["let_vent", "apologized"],
                        "estimate": [-0.02, -0.012], "se": [0.005, 0.004]})
ADOPTION = pd.DataFrame({
    "agent_id": ["n1", "n2", "s1", "s2"] * 2,
    "team": ["north", "north", "south", "south"] * 2,
    "practice": ["let_vent"] * 4 + ["apologized"] * 4,
    "n_calls": [100, 100, 200, 200] * 2,
    "n_used": [20, 40, 100, 60, 50, 50, 10, 30],
})
VOLUME = pd.DataFrame({"team": ["north", "south"], "upset_calls_per_month": [1000.0, 3000.0]})


def cell(out, practice, team, column):
    row = out[(out["practice"] == practice) & (out["team"] == team)]
    assert len(row) == 1
    return row.iloc[0][column]


def test_hand_computed_two_teams_two_practices():
    """Fixed target 0.5. By hand:

    north let_vent: current 60/200 = 0.30, gap 0.20, x 1000 calls = 200 calls,
      retained 0.02 x 200 = 4.0; CI -(-0.02 +- 1.96 x 0.005) x 200 = [2.04, 5.96].
    north apologized: current 100/200 = 0.50, gap 0 -> 0 retained, CI [0, 0].
    south let_vent: current 160/400 = 0.40, gap 0.10 x 3000 = 300 calls -> 6.0,
      CI [0.0102 x 300, 0.0298 x 300] = [3.06, 8.94].
    south apologized: current 40/400 = 0.10, gap 0.40 x 3000 = 1200 calls -> 0.012 x 1200
      = 14.4, CI [(0.012 - 0.00784) x 1200, (0.012 + 0.00784) x 1200] = [4.992, 23.808].
    all (4000 calls a month): let_vent current 220/600 = 11/30, gap 2/15 x 4000 = 533.33
      calls -> 10.6667, CI [5.44, 15.8933]; apologized current 140/600 = 7/30, gap 8/30
      x 4000 = 1066.67 calls -> 12.8, CI [4.437333, 21.162667].
    Ranks within team: north let_vent, apologized; south and all apologized, let_vent.
    n_boot=0: the interval carries the effect's noise only (the bootstrap is tested below
    and in test_priority_bootstrap.py).
    """
    out = training_priorities(EFFECTS, ADOPTION, VOLUME, target=0.5, n_boot=0)
    assert list(out.columns) == COLUMNS
    expected = {
        ("let_vent", "north"): (0.3, 0.5, 4.0, 2.04, 5.96, 1),
        ("apologized", "north"): (0.5, 0.5, 0.0, 0.0, 0.0, 2),
        ("let_vent", "south"): (0.4, 0.5, 6.0, 3.06, 8.94, 2),
        ("apologized", "south"): (0.1, 0.5, 14.4, 4.992, 23.808, 1),
        ("let_vent", "all"): (11 / 30, 0.5, 32 / 3, 5.44, 15.893333, 2),
        ("apologized", "all"): (7 / 30, 0.5, 12.8, 4.437333, 21.162667, 1),
    }
    assert len(out) == len(expected)
    for (practice, team), numbers in expected.items():
        got = [cell(out, practice, team, c) for c in COLUMNS[2:8]]
        assert got[:5] == pytest.approx(list(numbers[:5]), abs=1e-6), (practice, team)
        assert got[5] == numbers[5], (practice, team)
        assert cell(out, practice, team, "warning") is None
    assert list(out["team"]) == ["north", "north", "south", "south", "all", "all"]
    assert list(out["practice"]) == ["let_vent", "apologized", "apologized", "let_vent",
                                     "apologized", "let_vent"]


def test_already_above_target_keeps_its_level_and_gains_nothing():
    out = training_priorities(EFFECTS, ADOPTION, VOLUME, target=0.2)
    # north apologized is at 0.5, far above 0.2: never recommend lowering it
    assert cell(out, "apologized", "north", "target_adoption") == pytest.approx(0.5)
    for column in ["retained_per_month", "ci_low", "ci_high"]:
        assert cell(out, "apologized", "north", column) == 0.0
    assert str(cell(out, "apologized", "north", "retained_per_month")) == "0.0"  # not -0.0


def test_harmful_practice_loses_customers_and_ranks_last():
    effects = pd.DataFrame({"practice": ["let_vent", "apologized"],
                            "estimate": [-0.02, 0.01], "se": [0.005, 0.004]})
    out = training_priorities(effects, ADOPTION, VOLUME, target=0.6)
    for team in ["north", "south", "all"]:
        assert cell(out, "apologized", team, "retained_per_month") < 0
        assert cell(out, "apologized", team, "rank") == 2
        assert cell(out, "let_vent", team, "rank") == 1
    # south: gap 0.5 x 3000 calls x 0.01 = 15 customers lost a month
    assert cell(out, "apologized", "south", "retained_per_month") == pytest.approx(-15.0)


def test_interval_brackets_the_estimate():
    rng = np.random.default_rng(7)
    effects = pd.DataFrame({"practice": ["let_vent", "apologized"],
                            "estimate": rng.normal(0, 0.02, 2), "se": rng.uniform(0.001, 0.02, 2)})
    out = training_priorities(effects, ADOPTION, VOLUME)
    for _, row in out.iterrows():
        assert row.ci_low <= row.retained_per_month <= row.ci_high


def test_missing_effect_gives_none_and_a_warning_never_nan():
    effects = pd.DataFrame({"practice": ["let_vent", "apologized", "took_ownership"],
                            "estimate": [-0.02, np.nan, -0.01], "se": [None, 0.004, 0.01]})
    out = training_priorities(effects, ADOPTION, VOLUME, target=0.5)
    assert len(out) == 9
    for team in ["north", "south", "all"]:
        assert cell(out, "apologized", team, "retained_per_month") is None
        assert cell(out, "apologized", team, "rank") is None
        assert "effect missing" in cell(out, "apologized", team, "warning")
        # no standard error: the point figure stands, the interval does not
        assert cell(out, "let_vent", team, "retained_per_month") is not None
        assert cell(out, "let_vent", team, "ci_low") is None
        assert "standard error missing" in cell(out, "let_vent", team, "warning")
        # an effect but no adoption data
        assert cell(out, "took_ownership", team, "current_adoption") is None
        assert "no assessed upset calls" in cell(out, "took_ownership", team, "warning")
    numbers = out[COLUMNS[2:8]].to_numpy().ravel()
    assert not any(isinstance(v, float) and np.isnan(v) for v in numbers)
    # rows whose figures cannot be computed sort after the ranked ones
    assert list(out[out["team"] == "north"]["practice"]) == [
        "let_vent", "apologized", "took_ownership"]


def test_best_quartile_target_is_shared_by_every_team():
    out = training_priorities(EFFECTS, ADOPTION, VOLUME)
    shrunk = shrink_rates(ADOPTION[ADOPTION["practice"] == "let_vent"])
    expected = np.percentile(shrunk["shrunk_rate"], 75)
    # raw rates 0.2, 0.4, 0.5, 0.3 -> the best quartile lies between the top two agents
    assert 0.4 < expected < 0.5
    assert cell(out, "let_vent", "north", "target_adoption") == pytest.approx(expected, rel=1e-9)
    assert cell(out, "let_vent", "south", "target_adoption") == pytest.approx(expected, rel=1e-9)
    assert cell(out, "let_vent", "all", "target_adoption") == pytest.approx(expected, rel=1e-9)


def test_one_lucky_agent_does_not_set_the_target():
    """Thirty agents near 30% and a few with one call each, all used: the raw 75th
    percentile would be 1.0; the shrunken one stays near the crowd."""
    rng = np.random.default_rng(11)
    calls = np.r_[rng.integers(80, 120, 30), [1] * 12]
    used = np.r_[rng.binomial(calls[:30], 0.3), [1] * 12]
    adoption = pd.DataFrame({"agent_id": range(42), "team": "north", "practice": "let_vent",
                             "n_calls": calls, "n_used": used})
    raw = np.percentile(used / calls, 75)
    out = training_priorities(EFFECTS.iloc[:1], adoption, VOLUME.iloc[:1])
    assert raw == 1.0
    assert cell(out, "let_vent", "north", "target_adoption") < 0.45


@pytest.mark.parametrize("target", ["best_decile", 1.5, -0.1])
def test_rejects_unknown_targets(target):
    with pytest.raises(ValueError):
        training_priorities(EFFECTS, ADOPTION, VOLUME, target=target)


def test_missing_volume_is_warned():
    out = training_priorities(EFFECTS, ADOPTION, VOLUME.iloc[:1], target=0.5)
    assert cell(out, "let_vent", "south", "retained_per_month") is None
    assert "monthly upset calls missing" in cell(out, "let_vent", "south", "warning")
    assert cell(out, "let_vent", "all", "retained_per_month") is None
    assert cell(out, "let_vent", "north", "retained_per_month") == pytest.approx(4.0)


def test_counts_behind_each_row():
    out = training_priorities(EFFECTS, ADOPTION, VOLUME, target=0.5)
    assert cell(out, "let_vent", "north", "n_agents") == 2
    assert cell(out, "let_vent", "north", "n_calls") == 200
    assert cell(out, "let_vent", "all", "n_agents") == 4
    assert cell(out, "let_vent", "all", "n_calls") == 600


def test_bootstrap_interval_is_wider_than_the_effect_only_one_when_agents_differ():
    """south let_vent: agents at 50% and 30% (200 calls each). The gap to a fixed 0.5 is
    0.10 from pooled 0.40, but a resample of two agents gives 0.5, 0.4 or 0.3 (gap 0, 0.1,
    0.2 with probability 1/4, 1/2, 1/4), so the interval must reach from 0 to far beyond
    the effect-only upper limit of 8.94 (hand-computed in the test above)."""
    out = training_priorities(EFFECTS, ADOPTION, VOLUME, target=0.5, n_boot=4000, seed=3)
    assert cell(out, "let_vent", "south", "ci_low") == pytest.approx(0.0, abs=1e-9)
    assert cell(out, "let_vent", "south", "ci_high") > 12.0
    # no spread between agents, no gap noise: north apologized has both at 50%
    assert cell(out, "apologized", "north", "ci_high") == 0.0


def test_bootstrap_is_reproducible_for_a_seed():
    a = training_priorities(EFFECTS, ADOPTION, VOLUME, seed=5)
    b = training_priorities(EFFECTS, ADOPTION, VOLUME, seed=5)
    pd.testing.assert_frame_equal(a, b)


def _noisy_team_world(seed: int, agents_per_team: int):
    """Ten practices with one clear winner (effect -0.05) and nine alike (-0.01), agents whose
    adoption differs a lot; team 'small' has few agents, team 'big' many."""
    rng = np.random.default_rng(seed)
    practices = [f"p{i}" for i in range(10)]
    rows = []
    for team, n in (("small", 3), ("big", agents_per_team)):
        for a in range(n):
            for p in practices:
                calls = 60
                rows.append({"agent_id": f"{team}{a}", "team": team, "practice": p, "n_calls": calls,
                             "n_used": int(rng.binomial(calls, rng.uniform(0.1, 0.7)))})
    effects = pd.DataFrame({"practice": practices, "estimate": [-0.05] + [-0.01] * 9,
                            "se": [0.004] * 10})
    volume = pd.DataFrame({"team": ["small", "big"], "upset_calls_per_month": [300.0, 3000.0]})
    return effects, pd.DataFrame(rows), volume


def test_ranking_probability_shows_a_clear_winner_and_a_noisy_rest():
    """Chance alone puts a practice in the top three of ten 30% of the time. The planted
    winner (five times the others' effect) is in the top three almost always; the other
    nine share the remaining places, so none of them is near-certain, and their
    probabilities sum to about 2 (three places in every replicate, one taken by p0)."""
    effects, adoption, volume = _noisy_team_world(1, 40)
    out = training_priorities(effects, adoption, volume, target=0.8, n_boot=2000)
    centre = out[out["team"] == "all"].set_index("practice")
    assert centre.at["p0", "p_top3"] > 0.95
    rest = centre.drop(index="p0")["p_top3"].astype(float)
    assert rest.max() < 0.9
    for team in ("small", "big", "all"):
        part = out[out["team"] == team]["p_top3"].astype(float)
        assert part.sum() == pytest.approx(3.0, abs=1e-9)
        assert ((part >= 0) & (part <= 1)).all()
