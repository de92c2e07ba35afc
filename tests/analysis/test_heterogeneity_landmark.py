"""Heterogeneity of an after-call practice among the landmark calls reads only the columns its cells
need from those calls (not a copy of every column): the same table as the landmark frame copied whole."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline.analysis import dose
from calmline.analysis.design import build
from tests.analysis import frames


def test_landmark_cells_equal_those_of_the_whole_landmark_frame():
    df = frames.population(n=4000, agents=40, seed=19)
    df["followed_up"] = np.random.default_rng(7).random(len(df)) < 0.4
    practices = frames.PRACTICES + ["followed_up"]
    landmark = np.random.default_rng(8).random(len(df)) < 0.8
    now = dose.heterogeneity(df, practices, "churned_90d", after_call=["followed_up"], landmark=landmark)
    # the path before: every column of the landmark calls copied into their own frame
    full = build(df, practices)
    on_call = frames.PRACTICES
    total = dose.heterogeneity(df, on_call, "churned_90d", full.dropping(["followed_up"]))
    part = dose.heterogeneity(df.loc[landmark].reset_index(drop=True), on_call + ["followed_up"], "churned_90d",
                              full.subset(landmark), note=dose.LANDMARK_NOTE)
    before = dose._with_q(pd.concat([total, part[part["practice"] == "followed_up"]],
                                    ignore_index=True)[dose.HETEROGENEITY_COLUMNS])
    assert (now["practice"] == "followed_up").sum() > 0 and now["estimate"].notna().sum() >= 12
    pd.testing.assert_frame_equal(now, before, check_exact=True)
