"""The disputed points find each call's transcript row from one factorisation of both frames' call
ids (``disputes._positions``): the same rows as the hash index of the transcripts' ids looked up
with the calls' (``_positions_by_index``), with ids held as Arrow text or Python objects, calls
without a transcript and transcripts of calls outside the model; a repeated id is refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calmline.analysis import disputes


def _frames(dtype_df: str, dtype_calls: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(4)
    ids = np.array([f"CALL-{i:06d}" for i in range(5_000)], dtype=object)
    df = pd.DataFrame({"call_id": pd.array(rng.permutation(ids)[:3_000], dtype=dtype_df)})
    calls = pd.DataFrame({"call_id": pd.array(rng.permutation(ids)[:4_000], dtype=dtype_calls)})
    return df, calls


@pytest.mark.parametrize("dtype_df, dtype_calls", [("string[pyarrow]", "object"), ("object", "object"),
                                                     ("string[pyarrow]", "string[pyarrow]")])
def test_the_rows_of_the_index_lookup(dtype_df, dtype_calls):
    df, calls = _frames(dtype_df, dtype_calls)
    found, at = disputes._positions(df, calls)
    found_i, at_i = disputes._positions_by_index(df, calls)
    assert np.array_equal(found, found_i) and np.array_equal(at, at_i)
    assert 0 < len(found) < len(df) and (at == -1).any()
    assert (calls["call_id"].to_numpy(dtype=object)[at[found]] == df["call_id"].to_numpy(dtype=object)[found]).all()


def test_a_missing_id_is_matched_as_the_index_matches_it():
    df, calls = _frames("object", "object")
    df.loc[5, "call_id"] = None
    found, at = disputes._positions(df, calls)
    found_i, at_i = disputes._positions_by_index(df, calls)
    assert np.array_equal(found, found_i) and np.array_equal(at, at_i)


@pytest.mark.parametrize("side", ["df", "calls"])
def test_a_repeated_id_is_refused(side):
    df, calls = _frames("string[pyarrow]", "object")
    frame = df if side == "df" else calls
    frame.loc[1, "call_id"] = frame.loc[0, "call_id"]
    with pytest.raises(pd.errors.MergeError):
        disputes._positions(df, calls)
