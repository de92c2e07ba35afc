"""The design's after-call practices stored first (design.build's layout), so that the total
models' design (``dropping`` them) is a view of its one matrix, not a copy of it: every table
the same, to the last digit, as with the practices stored in the order given."""

from __future__ import annotations

import numpy as np
import pandas.testing as pdt
import pytest

from calmline.analysis import runner
from calmline.analysis.design import build, subset_matrix
from calmline.analysis.dose import dose_response, heterogeneity
from calmline.analysis.effects import practice_effects
from tests.analysis.frames import PRACTICES, population


ALL = [*PRACTICES, "offered_options", "followed_up", "compensated"]


def _frame(n: int, seed: int):
    """frames.population with the practices dose-response grades (as test_dose_levels makes them)."""
    df = population(n, seed=seed)
    rng = np.random.default_rng(seed)
    df["offered_options"] = df["options_offered"] > 0
    df["followed_up"] = df["days_to_followup"].notna()
    df["compensated"] = rng.random(len(df)) < 0.3
    df["compensation_value"] = np.where(df["compensated"], rng.uniform(1, 60, len(df)), 0.0)
    return df


def _tables(df, design, after, landmark):
    outcome = "churned_90d"
    effects, balance, warnings = practice_effects(df, ALL, outcome, design, after_call=after,
                                                  landmark=landmark, landmark_days=30)
    sensitivity = runner._sensitivity(effects, design, df, ALL, outcome, after, landmark)
    cells = heterogeneity(df, ALL, outcome, design, after_call=after, landmark=landmark, min_calls=200)
    dose = dose_response(df, ALL, outcome, design, after_call=after, landmark=landmark)
    return [effects, balance, sensitivity, cells, dose], warnings


@pytest.mark.parametrize("after", [["followed_up"], ["followed_up", "took_ownership"]])
def test_after_call_practices_stored_first_give_the_same_tables(after):
    df = _frame(5000, 61)
    landmark = np.random.default_rng(6).random(len(df)) < 0.75
    stored = build(df, ALL, after_call=after)
    as_given = build(df, ALL, after_call=())
    assert stored.practice_names[:len(after)] == [p for p in ALL if p in after]
    assert as_given.practice_names == ALL and as_given.listed is None
    # the total models' matrix is the design's own, not a copy
    total, names = stored.dropping(after).matrix()
    assert total.base is stored.combined
    want, want_names = as_given.dropping(after).matrix()
    assert names == want_names
    np.testing.assert_array_equal(total, want)
    # the models read the practices in the order given, whatever the storage
    np.testing.assert_array_equal(stored.matrix()[0], as_given.matrix()[0])
    np.testing.assert_array_equal(stored.subset(landmark).matrix()[0], as_given.subset(landmark).matrix()[0])
    np.testing.assert_array_equal(subset_matrix(stored, landmark).matrix()[0],
                                  subset_matrix(as_given, landmark).matrix()[0])
    got, got_warnings = _tables(df, stored, after, landmark)
    ref, ref_warnings = _tables(df, as_given, after, landmark)
    assert got[0].estimate.notna().sum() > 20 and set(got[0].effect) >= {"total", "landmark", "direct"}
    for g, r in zip(got, ref):
        pdt.assert_frame_equal(g, r, check_exact=True)
    assert got_warnings == ref_warnings


def test_the_vocabulary_after_call_practices_are_stored_first_by_default():
    df = population(500, seed=62)
    df["followed_up"] = np.arange(len(df)) % 3 == 0
    design = build(df, [*PRACTICES, "followed_up"])
    assert design.practice_names == ["followed_up", *PRACTICES]
    assert design.listed == [*PRACTICES, "followed_up"]
    assert design.matrix()[1][:4] == [*PRACTICES, "followed_up"]
    assert design.dropping(["followed_up"]).matrix()[0].base is design.combined
