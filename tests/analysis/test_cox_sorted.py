"""The survival step's Cox models fitted on one time-sorted matrix (cox_sorted.SortedTerms) give
the design's tables (fit_cox_columns on a copy per model) to the last digit, and leave the
matrix as it was."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from calmline.analysis import cox_sorted, secondary
from tests.analysis.frames import PRACTICES
from tests.analysis.test_survival_landmark import immortal_time_population

ALL = PRACTICES + ["followed_up"]


def _by_design(df, monkeypatch, **kw):
    """The step's tables the design's way (the sorted matrix refused)."""
    with monkeypatch.context() as m:
        m.setattr(secondary, "sorted_terms", lambda *a, **k: None)
        return secondary.survival(df, ALL, **kw)


@pytest.mark.parametrize("kw", [{"after_call": ["followed_up"], "landmark_days": 30}, {}])
def test_sorted_matrix_gives_the_design_tables_exactly(monkeypatch, kw):
    df = immortal_time_population(6000, seed=31)
    used = []
    real = cox_sorted.sorted_terms

    def spy(*a, **k):
        used.append(real(*a, **k))
        return used[-1]
    monkeypatch.setattr(secondary, "sorted_terms", spy)
    rows, km = secondary.survival(df, ALL, **kw)
    assert isinstance(used[0], cox_sorted.SortedTerms)  # the sorted way was taken
    want_rows, want_km = _by_design(df, monkeypatch, **kw)
    assert len(rows) == len(ALL) and rows.estimate.notna().all()
    pdt.assert_frame_equal(rows, want_rows, check_exact=True)
    pdt.assert_frame_equal(km, want_km, check_exact=True)


def test_fitting_in_place_puts_the_matrix_back():
    df = immortal_time_population(3000, seed=32)
    terms = cox_sorted.sorted_terms(df, ALL, ["followed_up"], 30)
    before = terms.X[:, :len(terms.names)].copy()
    names = list(terms.names)
    codes = pd.factorize(df["agent_id"].to_numpy()[terms.order])[0]
    table = terms.fit(0, terms.t, codes)
    assert table.log_hr.notna().all()
    assert terms.names == names
    np.testing.assert_array_equal(terms.X[:, :len(names)], before)  # centred, then put back
    # a landmark model's column moved in and out again
    terms.insert("followed_up", ALL.index("followed_up"))
    assert terms.names[ALL.index("followed_up")] == "followed_up"
    terms.remove("followed_up")
    assert terms.names == names
    np.testing.assert_array_equal(terms.X[:, :len(names)], before)


def test_a_missing_agent_or_time_takes_the_design_way(monkeypatch):
    df = immortal_time_population(3000, seed=33)
    df["agent_id"] = df["agent_id"].astype(object)
    df.loc[5, "agent_id"] = None
    assert cox_sorted.sorted_terms(df, ALL, ["followed_up"], 30) is None
    rows, _ = secondary.survival(df, ALL, after_call=["followed_up"], landmark_days=30)
    want, _ = _by_design(df, monkeypatch, after_call=["followed_up"], landmark_days=30)
    pdt.assert_frame_equal(rows, want, check_exact=True)
    assert (rows.n_analysed < rows.n_calls).all()  # the call without an agent left out


def test_a_constant_term_is_screened_out_as_before(monkeypatch):
    """A term the screen leaves out: the kept columns are copied (the matrix is not centred)."""
    df = immortal_time_population(3000, seed=34)
    df["thanked"] = True
    rows, km = secondary.survival(df, ALL, after_call=["followed_up"], landmark_days=30)
    want_rows, want_km = _by_design(df, monkeypatch, after_call=["followed_up"], landmark_days=30)
    pdt.assert_frame_equal(rows, want_rows, check_exact=True)
    pdt.assert_frame_equal(km, want_km, check_exact=True)
    assert rows.loc[rows.practice == "thanked", "estimate"].isna().all()
