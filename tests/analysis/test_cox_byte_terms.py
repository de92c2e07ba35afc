"""The survival step's Cox terms kept as bytes (``cox_sorted.ByteTerms``, 0/1 terms a byte a
call) and read by the engine a block of rows at a time (``cox_engine.matvec``, ``rmatvec``,
``segment_sums``, and the risk weights and their sums in one pass, ``evaluate``'s ``ranges``): the
same blocks and columns as the centred float matrix, and the same Cox table as the whole-matrix
products it replaced (the reference below, the engine as it was in session 14) to 1e-10
relative; the Kaplan-Meier curves unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from calmline.analysis import cox, cox_engine, cox_sorted, secondary
from tests.analysis.frames import PRACTICES
from tests.analysis.test_survival_landmark import immortal_time_population

ALL = PRACTICES + ["followed_up"]
KW = {"after_call": ["followed_up"], "landmark_days": 30}


def _whole_matrix_engine(monkeypatch):
    """The engine's products over the whole float matrix at once (session 14's arithmetic): the
    design's way, its matrix one float array, every product one call."""
    monkeypatch.setattr(secondary, "sorted_terms", lambda *a, **k: None)

    def whole(X):
        X = cox_engine.terms_of(X)
        assert isinstance(X, cox_engine.Dense) and X._columns is None
        return X.X

    def segments(X, v, starts):
        return np.column_stack([np.add.reduceat(x * v, starts) for x in whole(X).T])

    monkeypatch.setattr(cox_engine, "_evaluate_once", lambda *a: None)  # max(x'beta) first, then the sums
    monkeypatch.setattr(cox, "_dense_cells", lambda *a: False)  # cluster x time sums as sparse products
    monkeypatch.setattr(cox_engine, "matvec", lambda X, beta: whole(X) @ beta)
    monkeypatch.setattr(cox_engine, "rmatvec", lambda v, X: v @ whole(X))
    monkeypatch.setattr(cox_engine, "segment_sums", segments)


@pytest.mark.parametrize("kw", [KW, {}])
def test_byte_terms_give_the_whole_matrix_table(monkeypatch, kw):
    df = immortal_time_population(2 * cox_engine.CHUNK + 700, seed=41)
    rows, km = secondary.survival(df, ALL, **kw)
    with monkeypatch.context() as m:
        _whole_matrix_engine(m)
        want_rows, want_km = secondary.survival(df, ALL, **kw)
    assert len(rows) == len(ALL) and rows.estimate.notna().all()
    pdt.assert_frame_equal(rows, want_rows, check_exact=False, rtol=1e-10, atol=0)
    pdt.assert_frame_equal(km, want_km, check_exact=True)
    # and the numbers are not all equal by accident: the table has its p-values and intervals
    assert rows.p_value.notna().all() and (rows.ci_low < rows.estimate).all()


def test_blocks_and_columns_are_the_centred_floats():
    df = immortal_time_population(2 * cox_engine.CHUNK + 300, seed=42)
    terms = cox_sorted.sorted_terms(df, ALL, ["followed_up"], 30)
    floats = terms.X  # the terms as one float matrix, as the design's way gathers them
    assert floats.shape[1] == len(terms.names) > 10
    for first in (0, 1234):  # every call, and a landmark's rows
        view = cox_sorted.ByteTerms([terms._where[name] for name in terms.names], first)
        keep = [0, 2, 3] + list(range(5, len(terms.names)))
        means = [view.mean(j) for j in keep]
        want = floats[first:, keep].copy()
        for i in range(len(keep)):
            assert means[i] == want[:, i].mean()  # a 0/1 column's count over n, exactly
            want[:, i] -= want[:, i].mean()
        centred = view.select(keep, means)
        got = np.vstack([centred.rows(a, a + cox_engine.CHUNK).copy()
                         for a in range(0, len(centred), cox_engine.CHUNK)])
        assert np.array_equal(got, want)
        for j, column in enumerate(centred.columns()):
            assert np.array_equal(column, want[:, j])
        beta = np.linspace(-0.3, 0.4, len(keep))
        assert np.array_equal(cox_engine.matvec(centred, beta), cox_engine.matvec(np.asfortranarray(want), beta))
        v = np.cos(np.arange(len(want)))
        assert np.array_equal(cox_engine.rmatvec(v, centred), cox_engine.rmatvec(v, np.asfortranarray(want)))


def test_zero_one_terms_are_kept_as_bytes():
    """What the memory saving rests on: only the terms that are not 0/1 are kept as floats."""
    df = immortal_time_population(3000, seed=43)
    terms = cox_sorted.sorted_terms(df, ALL, ["followed_up"], 30)
    floats = [name for name in terms.names if not terms._binary[name]]
    assert set(floats) == {"log_wait_min", "log_tenure_years", "monthly_value_10"}
    for name in terms.names:
        assert terms.column(name).dtype == (np.float64 if name in floats else np.int8)
    assert terms.apart["followed_up"].dtype == np.int8


def test_segment_sums_equal_each_segment_summed():
    rng = np.random.default_rng(44)
    n = 3 * cox_engine.CHUNK + 17
    X = np.asfortranarray(rng.normal(size=(n, 4)))
    v = rng.random(n)
    # segments shorter than a block, across blocks, and one longer than a block
    starts = np.unique(np.r_[0, rng.integers(1, n, 40), cox_engine.CHUNK - 1, cox_engine.CHUNK])
    starts = starts[(starts < 5000) | (starts > 5000 + 2 * cox_engine.CHUNK)]
    got = cox_engine.segment_sums(X, v, starts)
    ends = np.r_[starts[1:], n]
    want = np.array([(X[a:b] * v[a:b, None]).sum(axis=0) for a, b in zip(starts, ends)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert got.shape == (len(starts), 4)


def test_one_pass_evaluate_equals_the_two_passes():
    rng = np.random.default_rng(45)
    n = 2 * cox_engine.CHUNK + 900
    X = np.column_stack([rng.random(n) < 0.3, rng.random(n) < 0.6, rng.normal(size=n)]).astype(float)
    X = np.asfortranarray(X - X.mean(axis=0))
    t = rng.integers(0, 90, n).astype(float)
    e = (rng.random(n) < 0.2).astype(float)
    order = cox_engine.sort_order(t, e)
    X, t, e = np.asfortranarray(X[order]), t[order], e[order]
    rs = cox_engine.risk_sets(t, e)
    ranges = cox_engine.column_ranges(X)
    for beta in (np.zeros(3), np.array([0.4, -0.7, 0.25]), np.array([3.0, -2.0, 1.5])):
        two = cox_engine.evaluate(X, e, rs, beta)
        one = cox_engine.evaluate(X, e, rs, beta, ranges)
        assert one["loglik"] == pytest.approx(two["loglik"], rel=1e-13)
        for key in ("s1", "a1", "a2", "f1", "ff2"):
            np.testing.assert_allclose(one[key] / one[key].max(), two[key] / two[key].max(), rtol=1e-12, atol=1e-14)
        ratio = one["w"] / two["w"]  # the weights differ by one factor, exp(top - bound)
        np.testing.assert_allclose(ratio, ratio[0], rtol=1e-12)
        np.testing.assert_allclose(cox_engine.information(X, e, rs, one),
                                   cox_engine.information(X, e, rs, two), rtol=1e-11, atol=1e-9)
    # a bound far above every x'beta (a wide column, small weights): the two passes are taken
    wide = (np.zeros(3), np.array([1e4, 1.0, 1.0]))
    far = cox_engine.evaluate(X, e, rs, np.array([0.5, 0.0, 0.0]), wide)
    assert far["w"].max() == 1.0  # exp(x'beta - max x'beta): the largest weight is 1
