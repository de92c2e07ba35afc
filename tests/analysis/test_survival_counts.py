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
    floats = [{n for n, binary in t._binary.items() if not binary} for t in (a, b)]  # the terms kept as floats
    assert floats[0] == floats[1] and a._binary == b._binary


def test_survival_tables_the_same_from_bools_and_floats():
    df = immortal_time_population(4000, seed=12)
    kw = {"after_call": ["followed_up"], "landmark_days": 30}
    rows, km = secondary.survival(df, ALL, **kw)
    rows2, km2 = secondary.survival(df.assign(**{p: df[p].astype(float) for p in ALL}), ALL, **kw)
    pdt.assert_frame_equal(rows, rows2, check_exact=True)
    pdt.assert_frame_equal(km, km2, check_exact=True)
    assert rows["estimate"].notna().all() and rows["p_value"].notna().all()


def _curves_by_gathering(df, groups, horizon_days=180):
    """km_curves' groups the way before the weighted counts: each group's calls gathered and
    counted per time (session 13), through the same step function."""
    t_all = df["time_days"].to_numpy(dtype=float)
    e_all = df["event"].to_numpy(dtype=float)
    times, rank = np.unique(t_all, return_inverse=True)
    days = np.arange(0, horizon_days + 1)
    frames = []
    for practice in groups:
        used = df[practice].to_numpy(dtype=float, na_value=np.nan)
        kept = ~np.isnan(used)
        e, used, at = e_all[kept], used[kept], rank[kept]
        for label, value in (("with", 1.0), ("without", 0.0)):
            part = used == value
            if part.any():
                calls = np.bincount(at[part], minlength=len(times))
                deaths = np.bincount(at[part], weights=e[part], minlength=len(times))
                frames.append(kaplan_meier._km_at_days(times, calls, deaths, days)
                              .assign(practice=practice, group=label))
    return pd.concat(frames, ignore_index=True)[kaplan_meier.COLUMNS]


def test_weighted_counts_equal_each_group_gathered():
    df = immortal_time_population(5000, seed=21)
    groups = df[PRACTICES].astype(float).assign(time_days=df["time_days"].astype(float),
                                                 event=df["event"].astype(float))
    groups.loc[groups.index[::7], PRACTICES[1]] = np.nan  # not assessed: that practice's calls differ
    groups[PRACTICES[2]] = 1.0  # every call with it: no 'without' curve
    got = kaplan_meier.km_curves(groups, PRACTICES)
    pdt.assert_frame_equal(got, _curves_by_gathering(groups, PRACTICES), check_exact=True)
    assert set(got.loc[got["practice"] == PRACTICES[2], "group"]) == {"with"}
