"""The warm start's seeded sample rows are drawn once per number of rows and sample size
(``logit._sample_rows``): the same rows as a fresh draw, read-only, and the same sample of X."""

from __future__ import annotations

import numpy as np
import pytest

from calmline.analysis import logit


def test_the_cached_rows_are_a_fresh_draws():
    fresh = np.sort(np.random.default_rng(0).choice(5_000, 1_000, replace=False))
    rows = logit._sample_rows(5_000, 1_000)
    assert np.array_equal(rows, fresh)
    assert logit._sample_rows(5_000, 1_000) is rows  # drawn once
    with pytest.raises(ValueError):
        rows[0] = 1  # no caller can change the next one's sample


def test_the_sample_of_x_is_its_rows():
    X = np.random.default_rng(2).random((5_000, 7))
    with logit.warm_start_rows(1_000):
        rows, part = logit._sample(X)
        assert logit._sample(X[:1_500]) == (None, None)  # at or below twice the sample: none
    assert np.array_equal(rows, np.sort(np.random.default_rng(0).choice(5_000, 1_000, replace=False)))
    assert np.array_equal(part, X[rows])
