"""Dose-response reads each factor's levels as positions in the level order
(``dose.LEVEL_CODES``) instead of a text level per call: every level holds the same calls as the
text of ``dose.FACTORS``' functions (the specification), at the bins' edges and with missing values,
and a call without a level (compensation amount unknown) is in none; a nullable column has the
levels of its floats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calmline.analysis import dose


def _calls(n: int = 4000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    edges = lambda values: rng.choice(np.asarray(values, dtype=float), n)  # noqa: E731
    df = pd.DataFrame({
        "options_offered": rng.integers(0, 6, n).astype(float),
        "days_to_followup": np.where(rng.random(n) < 0.5, edges([0, 2.9, 3, 3.1, 14, 14.5, 30, 30.01, 45]),
                                     rng.uniform(0, 40, n)),
        "monthly_value": np.where(rng.random(n) < 0.5, 40.0, rng.uniform(5, 80, n)),
        "minutes_since_prev_upset": np.where(rng.random(n) < 0.5, edges([0, 4.99, 5, 9.99, 10, 29.99, 30, 300]),
                                             rng.exponential(20, n)),
    })
    # shares exactly at 1/4, 1/2 and 1 month of a 40-a-month customer, none, and any
    df["compensation_value"] = np.where(rng.random(n) < 0.5, edges([0, 9.99, 10, 19.99, 20, 39.99, 40, 80]),
                                        rng.uniform(0, 90, n))
    for column in df.columns:
        df.loc[rng.random(n) < 0.05, column] = np.nan
    return df


def _same_calls(df: pd.DataFrame) -> None:
    for factor, (levels_of, _, _, order) in dose.FACTORS.items():
        text = levels_of(df)
        codes = dose.LEVEL_CODES[factor](df)
        assert len(codes) == len(df)
        assert np.array_equal(codes < 0, text.isna().to_numpy()), factor
        for k, level in enumerate(order):
            assert np.array_equal(codes == k, (text == level).fillna(False).to_numpy(dtype=bool)), (factor, level)


def test_each_level_holds_the_calls_of_its_text():
    df = _calls()
    assert (dose.LEVEL_CODES["compensation_amount"](df) < 0).any()  # some calls have no level
    assert df["days_to_followup"].eq(3).any() and df["minutes_since_prev_upset"].eq(5).any()
    _same_calls(df)


@pytest.mark.parametrize("dtype", ["Float64", "Int64"])
def test_nullable_columns_have_the_levels_of_their_float_values(dtype):
    """The text functions' np.select refuses a nullable column's missing values; the positions
    read them as missing, the levels the same column of floats has."""
    df = _calls(n=600, seed=4)
    df = df.round(0) if dtype == "Int64" else df
    nullable = df.astype(dtype)
    for factor, codes_of in dose.LEVEL_CODES.items():
        assert np.array_equal(codes_of(nullable), codes_of(df)), factor
    _same_calls(df)
