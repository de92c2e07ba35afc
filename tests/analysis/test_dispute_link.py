"""The disputed points find each call's transcript columns by a hash lookup of call ids
(``disputes._linked``) instead of a validated merge: the same frame as
``df.merge(calls, on="call_id", how="inner", validate="one_to_one")`` (pandas, the previous code),
and the same refusal when a call id repeats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calmline.analysis.disputes import _linked


def _frames(seed: int = 3):
    rng = np.random.default_rng(seed)
    ids = [f"C{i:05d}" for i in rng.permutation(400)]
    df = pd.DataFrame({"call_id": pd.array(ids[:300], dtype="string[pyarrow]"),
                       "agent_id": rng.choice(["A", "B", "C"], 300), "x": rng.random(300)})
    # transcripts for some of the calls (and for calls not in df), in another order, object ids
    calls = pd.DataFrame({"call_id": np.array(ids[150:400], dtype=object)[rng.permutation(250)]})
    calls["p_among"] = rng.random(250) < 0.5
    calls["p_treated"] = pd.array(np.where(rng.random(250) < 0.2, None, rng.random(250) < 0.5), dtype="boolean")
    return df, calls


def test_the_same_rows_and_columns_as_the_merge():
    df, calls = _frames()
    merged = df.merge(calls, on="call_id", how="inner", validate="one_to_one")
    linked = _linked(df, calls)
    assert len(linked) == 150
    pd.testing.assert_frame_equal(linked.drop(columns="call_id"), merged.drop(columns="call_id"))
    assert linked["call_id"].astype(object).tolist() == merged["call_id"].astype(object).tolist()


@pytest.mark.parametrize("side", ["df", "calls"])
def test_a_repeated_call_id_is_refused_as_the_merge_refused_it(side):
    df, calls = _frames()
    if side == "df":
        df = pd.concat([df, df.iloc[[0]]], ignore_index=True)
    else:
        calls = pd.concat([calls, calls.iloc[[0]]], ignore_index=True)
    with pytest.raises(pd.errors.MergeError):
        df.merge(calls, on="call_id", how="inner", validate="one_to_one")
    with pytest.raises(pd.errors.MergeError):
        _linked(df, calls)
