"""The outcome logit's matrix as the first columns of the direct-effect model's (one matrix, no
copy of it beside the other): the same practice effects and balance, to the last digit, as with
the two matrices apart."""

from __future__ import annotations

import numpy as np
import pandas.testing as pdt

from calmline.analysis.design import Design, build
from calmline.analysis.effects import practice_effects
from tests.analysis.frames import PRACTICES, population


def _apart(design: Design) -> Design:
    """The same design with a combined matrix: the outcome model reads it as it is and the
    direct-effect model gets its own copy with resolved (the way taken before)."""
    p = len(design.practice_names)
    combined = np.column_stack([design.practices, design.covariates])
    return Design(combined[:, p:], list(design.covariate_names), combined[:, :p],
                  list(design.practice_names), list(design.notes), combined)


def test_the_direct_model_sharing_the_outcome_matrix_gives_the_same_tables():
    df = population(6000, seed=41)
    df["resolved"] = df["resolved"].astype(bool)
    design = build(df, PRACTICES)
    effects, balance, warnings = practice_effects(df, PRACTICES, "churned_90d", design)
    want_effects, want_balance, want_warnings = practice_effects(df, PRACTICES, "churned_90d", _apart(design))
    direct = effects[effects.effect == "direct"]
    assert len(direct) == len(PRACTICES) and direct.estimate.notna().all()
    pdt.assert_frame_equal(effects, want_effects, check_exact=True)
    pdt.assert_frame_equal(balance, want_balance, check_exact=True)
    assert warnings == want_warnings
