"""The coaching queue: each agent's biggest gap, customers kept by closing it, team-level needs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calmline.analysis.coaching import COLUMNS, coaching_queue
from calmline.analysis.shrinkage import shrink_rates

EFFECTS = pd.DataFrame({"practice": ["apologized", "took_ownership"], "estimate": [-0.02, -0.05],
                        "se": [0.005, 0.01]})
TARGETS = pd.DataFrame({"practice": ["apologized", "took_ownership"], "target_adoption": [0.8, 0.6]})


def _adoption(rates: dict[str, tuple[str, float, float]], calls: int = 100) -> pd.DataFrame:
    """agent -> (team, apologized share, took_ownership share), ``calls`` assessed each."""
    rows = [{"agent_id": a, "team": t, "practice": p, "n_calls": calls, "n_used": int(round(r * calls))}
            for a, (t, ra, ro) in rates.items() for p, r in (("apologized", ra), ("took_ownership", ro))]
    return shrink_rates(pd.DataFrame(rows), group_cols=["practice"])


def _calls(adoption: pd.DataFrame, per_agent: int = 120) -> pd.DataFrame:
    return adoption[["agent_id", "team"]].drop_duplicates().assign(upset_calls=per_agent)


def test_hand_computed_gap_and_customers_kept():
    """a1: apologized at ~0.5 (target 0.8), took_ownership at ~0.2 (target 0.6), 120 upset
    calls over 12 months = 10 a month. Kept by closing each gap = -effect x gap x 10:
    apologizing 0.02 x ~0.3 x 10 = ~0.06, ownership 0.05 x ~0.4 x 10 = ~0.2: ownership first,
    exactly -(-0.05) x (0.6 - shrunken rate) x 10."""
    adoption = _adoption({"a1": ("north", 0.5, 0.2), "a2": ("north", 0.9, 0.7), "a3": ("south", 0.6, 0.5)})
    out = coaching_queue(adoption, EFFECTS, TARGETS, _calls(adoption), months=12)
    assert list(out.columns) == COLUMNS
    a1 = out.set_index("agent_id").loc["a1"]
    rate = adoption.set_index(["agent_id", "practice"]).at[("a1", "took_ownership"), "shrunk_rate"]
    assert a1["needs_most"] == "took_ownership"
    assert a1["kept_per_month"] == pytest.approx(0.05 * (0.6 - rate) * 10)
    assert (a1["n_calls"], a1["upset_calls"]) == (100, 120)
    assert a1["ci_low"] < a1["kept_per_month"] < a1["ci_high"]
    # a2 is above both targets: nothing to coach, no rank, said so
    a2 = out.set_index("agent_id").loc["a2"]
    assert a2["needs_most"] is None or pd.isna(a2["needs_most"])
    assert pd.isna(a2["queue_rank"]) and "no practice gap" in a2["warning"]
    assert out.iloc[0]["agent_id"] == "a1" and out.iloc[0]["queue_rank"] == 1


def test_interval_widens_for_an_agent_with_few_calls():
    """The same raw rates on 10 calls instead of 200: the agent's adoption is far less sure,
    so the interval of customers kept must be wider (relative to the figure)."""
    few = _adoption({"a1": ("north", 0.2, 0.2), "b": ("north", 0.5, 0.5), "c": ("south", 0.4, 0.4)}, calls=10)
    many = _adoption({"a1": ("north", 0.2, 0.2), "b": ("north", 0.5, 0.5), "c": ("south", 0.4, 0.4)}, calls=200)
    rel = []
    for adoption in (few, many):
        row = coaching_queue(adoption, EFFECTS, TARGETS, _calls(adoption), months=12).set_index("agent_id").loc["a1"]
        rel.append((row["ci_high"] - row["ci_low"]) / row["kept_per_month"])
    assert rel[0] > 1.3 * rel[1]


def test_most_of_a_team_needing_the_same_practice_is_a_team_level_need():
    """Team north: 3 of 4 agents need ownership most (more than half, 3+ agents): team level.
    Team south: 1 of 2 needs it, too small a team and not more than half: agent level."""
    adoption = _adoption({"n1": ("north", 0.6, 0.1), "n2": ("north", 0.6, 0.2), "n3": ("north", 0.6, 0.15),
                          "n4": ("north", 0.2, 0.7), "s1": ("south", 0.6, 0.1), "s2": ("south", 0.2, 0.7)})
    out = coaching_queue(adoption, EFFECTS, TARGETS, _calls(adoption), months=12).set_index("agent_id")
    assert out.loc[["n1", "n2", "n3"], "team_level"].all()
    assert out.loc["n1", "team_share"] == pytest.approx(0.75)
    assert not out.loc["n4", "team_level"]
    assert not out.loc[["s1", "s2"], "team_level"].any()
