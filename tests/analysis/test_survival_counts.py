"""The survival step's cheaper passes give the same tables to the last digit: the Kaplan-Meier
curves rank whole-day times by counting instead of sorting (``kaplan_meier._distinct``), the
sorted Cox matrix gathers 0/1 columns a byte a value (``cox_sorted.SortedTerms``), and the Cox
table's numbers are written a column at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt

from calmline.analysis import cox_sorted, kaplan_meier, secondary
from tests.analysis.frames import PRACTICES
from tests.analysis.test_survival_landmark import immortal_time_population

ALL = PRACTICES + ["followed_up"]


def test_distinct_times_equal_numpy_unique():
    rng = np.random.default_rng(2)
    for t in (rng.integers(0, 400, 5000).astype(float), rng.exponential(50, 3000),
              np.array([3.0, 0.0, 3.0, 1e8, 2.0]), np.empty(0)):
        times, rank = kaplan_meier._distinct(t)
        want_times, want_rank = np.unique(t, return_inverse=True)
        assert np.array_equal(times, want_times) and times.dtype == want_times.dtype
        assert np.array_equal(rank, want_rank)


def test_curves_unchanged_by_counting_the_days(monkeypatch):
    df = immortal_time_population(5000, seed=4)
    groups = df[PRACTICES].astype(np.int8).assign(time_days=df["time_days"].astype(float), event=df["event"])
    got = kaplan_meier.km_curves(groups, PRACTICES)
    monkeypatch.setattr(kaplan_meier, "_distinct", lambda t: np.unique(t, return_inverse=True))
    pdt.assert_frame_equal(got, kaplan_meier.km_curves(groups, PRACTICES), check_exact=True)
    assert got["events"].max() > 0


def test_byte_columns_write_the_same_matrix():
    df = immortal_time_population(3000, seed=9)
    as_floats = df.assign(**{p: df[p].astype(float) for p in ALL})
    a = cox_sorted.sorted_terms(df, ALL, ["followed_up"], 30)
    b = cox_sorted.sorted_terms(as_floats, ALL, ["followed_up"], 30)
    assert df[ALL[0]].dtype == bool and a.names == b.names and len(a.names) > 10
    assert np.array_equal(a.X[:, :len(a.names)], b.X[:, :len(b.names)])
    assert np.array_equal(a.apart["followed_up"], b.apart["followed_up"])
    assert a._kept.keys() == b._kept.keys() and a._binary == b._binary


def test_survival_tables_the_same_from_bools_and_floats():
    df = immortal_time_population(4000, seed=12)
    kw = {"after_call": ["followed_up"], "landmark_days": 30}
    rows, km = secondary.survival(df, ALL, **kw)
    rows2, km2 = secondary.survival(df.assign(**{p: df[p].astype(float) for p in ALL}), ALL, **kw)
    pdt.assert_frame_equal(rows, rows2, check_exact=True)
    pdt.assert_frame_equal(km, km2, check_exact=True)
    assert rows["estimate"].notna().all() and rows["p_value"].notna().all()
