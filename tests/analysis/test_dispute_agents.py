"""The disputed points number the compared calls' agents from one factorisation of every linked
call's agent (``disputes._agents``): renumbered in order of appearance, the codes are
``agent_codes`` of the compared calls' own agents (a missing agent a cluster of its own), and the
distinct non-missing codes count ``nunique()`` agents."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline.analysis import disputes
from calmline.analysis.design import agent_codes


def test_the_compared_calls_agents_as_their_own_factorisation():
    rng = np.random.default_rng(8)
    agent = pd.array(rng.choice([f"A{i}" for i in range(50)], 4_000), dtype="string[pyarrow]")
    agent[rng.random(4_000) < 0.02] = pd.NA
    linked = pd.DataFrame({"agent_id": agent})
    codes, missing = disputes._agents(linked)
    for rows in (np.flatnonzero(rng.random(4_000) < 0.3), np.arange(4_000), np.arange(10, 400)):
        own = linked["agent_id"].take(rows)
        assert np.array_equal(pd.factorize(codes[rows])[0], agent_codes(own))
        assert len(np.unique(codes[rows][~missing[rows]])) == own.nunique()
