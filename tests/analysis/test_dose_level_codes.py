"""Dose-response finds each level's calls from one factorisation of the levels: the same calls as
comparing the level text call by call (a missing level in none of them), so the
counts are those of the text comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline.analysis import dose
from tests.analysis import frames


def test_level_counts_are_those_of_the_text_comparison():
    df = frames.population(n=3000, agents=40, seed=13)
    df["offered_options"] = df["options_offered"] > 0
    df["followed_up"] = df["days_to_followup"].notna()
    rng = np.random.default_rng(6)
    df["compensated"] = rng.random(len(df)) < 0.3
    # some amounts unknown (no level)
    df["compensation_value"] = np.where(df["compensated"], rng.uniform(0.5, 60, len(df)), 0.0)
    df.loc[rng.random(len(df)) < 0.05, "compensation_value"] = np.nan
    practices = frames.PRACTICES + ["offered_options", "followed_up", "compensated"]
    out = dose.dose_response(df, practices, "churned_90d")
    for factor, (levels_of, _, _, order) in dose.FACTORS.items():
        levels = levels_of(df)
        rows = out[out["factor"] == factor].set_index("level")
        for lvl in order:
            n = int((levels == lvl).sum())  # the text comparison
            assert (lvl in rows.index) == (n > 0)
            if n:
                assert rows.loc[lvl, "n"] == n
    assert dose._compensation(df).isna().any()  # some calls have no level
