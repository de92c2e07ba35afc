"""Heterogeneity cells get Benjamini-Hochberg q-values within their heatmap (#15.11).

A heatmap of 3 practices x 5 levels tests 15 cells at once: at the 5% level about one of them
is "significant" by chance alone. The q-value within the heatmap (one dimension) and the
``survives_fdr`` flag say which cells a reader may take as real.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from calmline.analysis.dose import heterogeneity
from tests.analysis.frames import PRACTICES, population


def _cells(seed=3, n=12000, effects=(-0.6, -0.8, 0.0)):
    df = population(n, seed=seed, effects=effects).assign(prior_upset_calls_90d=0, repeat_contact_30d=False)
    return heterogeneity(df, PRACTICES, "churned_90d", min_calls=300)


def test_q_values_are_bh_within_each_heatmap():
    cells = _cells()
    assert {"q_value", "survives_fdr"} <= set(cells.columns)
    for dimension, part in cells.groupby("dimension"):
        tested = part["p_value"].notna()
        expected = multipletests(part.loc[tested, "p_value"].astype(float), method="fdr_bh")[1]
        np.testing.assert_allclose(part.loc[tested, "q_value"].astype(float), expected, rtol=1e-12)
        assert part.loc[~tested, "q_value"].isna().all()
        assert part.loc[~tested, "survives_fdr"].isna().all()
        assert (part.loc[tested, "survives_fdr"] == (part.loc[tested, "q_value"] <= 0.05)).all()
    # the family is the heatmap: issue_type's cells do not dilute anger_level's
    anger = cells[cells.dimension == "anger_level"]
    alone = multipletests(anger["p_value"].dropna().astype(float), method="fdr_bh")[1]
    pooled = multipletests(cells["p_value"].dropna().astype(float), method="fdr_bh")[1]
    assert len(alone) < len(pooled)


def test_chance_cells_do_not_survive_and_real_effects_do():
    """No practice has any effect (10 seeds, 15 cells each): uncorrected, 10 cells reach p < 0.05 by
    chance (the heatmap would show them as differences); none survives the heatmap's 5% false
    discovery rate. With the planted effects, took_ownership's cells do survive."""
    chance, survived = 0, 0
    for seed in range(1, 11):
        cells = _cells(seed=seed, effects=(0.0, 0.0, 0.0))
        chance += int((cells.p_value < 0.05).sum())
        survived += int(cells.survives_fdr.fillna(False).sum())
    assert chance >= 5
    assert survived == 0
    real = _cells(seed=1)
    assert real[real.practice == "took_ownership"].survives_fdr.fillna(False).sum() >= 4
