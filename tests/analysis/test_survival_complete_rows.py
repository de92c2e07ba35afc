"""When a practice was not assessed on some calls, the survival step reads the complete calls'
columns one at a time (``secondary._Rows``) instead of copying every column used: the same
tables as from the complete calls' copy (``design.complete_cases``), to the last digit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt

from calmline.analysis import cox_sorted, secondary
from calmline.analysis.design import ENCODED, complete_cases
from tests.analysis.frames import PRACTICES
from tests.analysis.test_survival_landmark import immortal_time_population

ALL = PRACTICES + ["followed_up"]
KW = {"after_call": ["followed_up"], "landmark_days": 30}


def _not_all_assessed(n, seed):
    df = immortal_time_population(n, seed=seed)
    rng = np.random.default_rng(seed)
    for p in PRACTICES[:2]:  # nullable, as the population is read when a practice can be missing
        df[p] = df[p].astype("boolean")
        df.loc[rng.random(n) < 0.05, p] = pd.NA
    return df


def test_complete_calls_read_a_column_at_a_time_give_the_copy_tables(monkeypatch):
    df = _not_all_assessed(5000, seed=51)
    taken = []
    real = cox_sorted.sorted_terms

    def spy(frame, *a, **k):
        taken.append(type(frame))
        return real(frame, *a, **k)
    monkeypatch.setattr(secondary, "sorted_terms", spy)
    rows, km = secondary.survival(df, ALL, **KW)
    assert taken == [secondary._Rows]  # no copy of every column: read through the rows
    used = ["agent_id", "event", "time_days", *ENCODED, *ALL]
    copy, left_out = complete_cases(df[[c for c in dict.fromkeys(used) if c in df.columns]], ALL, "time_days")
    assert left_out > 0
    want_rows, want_km = secondary.survival(copy, ALL, **KW)
    pdt.assert_frame_equal(rows, want_rows, check_exact=True)
    pdt.assert_frame_equal(km, want_km, check_exact=True)
    assert (rows.n_calls <= len(copy)).all() and rows.estimate.notna().all()
    assert df[PRACTICES[0]].isna().any()  # the caller's frame is as it was


def test_complete_calls_when_the_design_way_is_taken(monkeypatch):
    """A missing agent refuses the sorted store: the design is built from the complete calls."""
    df = _not_all_assessed(3000, seed=52)
    df["agent_id"] = df["agent_id"].astype(object)
    df.loc[7, "agent_id"] = None
    rows, _ = secondary.survival(df, ALL, **KW)
    copy, _ = complete_cases(df, ALL, "time_days")
    want, _ = secondary.survival(copy, ALL, **KW)
    pdt.assert_frame_equal(rows, want, check_exact=True)
