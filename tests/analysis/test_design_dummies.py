"""The design's level columns (issue #12: built without a string per row): each categorical
covariate's 0/1 columns are exactly pandas' ``get_dummies`` of it, with the most common level
left out as the reference, missing as a level of its own ('unknown'), levels in label order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline.analysis.design import build

from .frames import PRACTICES, population


def _frame() -> pd.DataFrame:
    df = population(2000, seed=4)
    df.loc[::9, "call_month"] = pd.NaT
    df.loc[::7, "prior_upset_calls_90d"] = np.nan
    df.loc[::5, "issue_type"] = None
    df["monthly_value"] = 40.0  # no variation: dropped, with a note
    return df


def _reference(labels: pd.Series, prefix: str) -> pd.DataFrame:
    """get_dummies of the labels, the most common one left out."""
    dummies = pd.get_dummies(labels, dtype=float)
    dummies = dummies.drop(columns=labels.value_counts().idxmax())
    return dummies[sorted(dummies.columns)].add_prefix(f"{prefix}[").add_suffix("]")


def test_level_columns_are_get_dummies_without_the_most_common_level():
    df = _frame()
    design = build(df, PRACTICES)
    got = pd.DataFrame(design.covariates, columns=design.covariate_names)
    months = pd.to_datetime(df["call_month"]).dt.strftime("%Y-%m").fillna("NaT")
    prior = df["prior_upset_calls_90d"].map(lambda v: "unknown" if pd.isna(v) else
                                            ("3+" if v >= 3 else str(int(v))))
    for labels, prefix in ((months, "month"), (prior, "prior_upset_90d"),
                           (df["issue_type"].fillna("unknown"), "issue_type"),
                           (df["anger_level"].astype(str), "anger")):
        expected = _reference(labels, prefix)
        assert len(expected.columns) >= 1
        pd.testing.assert_frame_equal(got[list(expected.columns)], expected, check_names=False)
        assert [c for c in got.columns if c.startswith(prefix + "[")] == list(expected.columns)
    assert "monthly_value_10" not in got.columns
    assert design.notes == ["dropped covariates without variation: monthly_value_10"]
    # one row-major matrix holds the practices then the covariates (each row's covariates side by side)
    assert design.combined.flags.c_contiguous and design.covariates.base is design.combined
    assert design.covariates.strides == (design.combined.strides[0], design.combined.itemsize)


def test_level_columns_held_as_categoricals_give_the_same_design():
    # the fit holds the level columns as categoricals and its integers as int32 (runner.LEVELS)
    df = _frame()
    compact = df.copy()
    for column in ("issue_type", "channel", "plan", "region"):
        compact[column] = compact[column].astype("category")
    compact["anger_level"] = compact["anger_level"].astype(np.int32)
    assert compact["issue_type"].isna().any()  # missing stays a level of its own ('unknown')
    design, held = build(df, PRACTICES), build(compact, PRACTICES)
    assert held.covariate_names == design.covariate_names
    np.testing.assert_array_equal(held.combined, design.combined)
