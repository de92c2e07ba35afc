"""Models read from a design's rows a block at a time (gathered.Gathered: a landmark's calls, the direct
model's X with resolved) without a copy of the matrix: the same fits and the same tables as on the
gathered copy. Where the passes over the rows are the same blocks (the warm-started chord steps, the
CR1 covariance, the AMEs, the predictions) to the last digit; where a sum over all rows is taken a
block at a time instead of in one product (exact Newton steps of small models, balance's weighted
sums), to 1e-10 relative."""

from __future__ import annotations

import numpy as np
import pandas.testing as pdt
import pytest

from calmline.analysis import effects, gathered, logit
from calmline.analysis.design import Design, build
from calmline.analysis.effects import practice_effects
from tests.analysis.frames import PRACTICES, population


def _matrix(n: int = 6000, seed: int = 3):
    """A source matrix (an intercept, three 0/1 columns, two numbers, a column left out), chosen
    rows, and a 0/1 outcome and extra column on those rows."""
    rng = np.random.default_rng(seed)
    source = np.column_stack([rng.normal(size=n), np.ones(n), rng.random((n, 3)) < 0.4, rng.normal(size=(n, 2))])
    rows = np.flatnonzero(rng.random(n) < 0.9)
    extra = (rng.random(len(rows)) < 0.5).astype(float)
    columns = [1, 2, 3, 4, 5, 6]
    X = np.column_stack([source[np.ix_(rows, columns)], extra])
    y = (rng.random(len(rows)) < 1 / (1 + np.exp(-(X @ [-0.5, 0.4, -0.3, 0.2, 0.3, -0.2, 0.5])))).astype(float)
    groups = rng.integers(0, 60, len(rows))
    return gathered.Gathered(source, rows, columns, extra), X, y, groups


def test_gathered_blocks_hold_the_copys_values():
    read, X, _, _ = _matrix()
    np.testing.assert_array_equal(read.gathered(), X)
    np.testing.assert_array_equal(read.block(100, 9000), X[100:])
    np.testing.assert_array_equal(read.take(np.array([0, 5, 77])), X[[0, 5, 77]])
    for j in range(X.shape[1]):
        np.testing.assert_array_equal(read.column(j), X[:, j])
    b = np.linspace(-1, 1, X.shape[1])
    np.testing.assert_array_equal(gathered.product(read, b), X @ b)  # each row's the same number


def test_a_warm_started_fit_on_gathered_rows_is_the_copys_to_the_last_digit():
    gathered, X, y, groups = _matrix()
    names = [f"x{j}" for j in range(X.shape[1])]
    with logit.warm_start_rows(1000):  # the chord steps from a sample's fit, as above 200,000 rows
        got, want = logit.fit(gathered, y, groups, names), logit.fit(X, y, groups, names)
        np.testing.assert_array_equal(got.params, want.params)
        np.testing.assert_array_equal(got.cov, want.cov)
        columns = [1, 2, 3, 6]
        for a, b in zip(logit.ames(got, gathered, columns), logit.ames(want, X, columns)):
            np.testing.assert_array_equal(a, b)
        outcome, props = logit.fit_with_propensities(gathered, y, groups, names, [1, 2])
        want_outcome, want_props = logit.fit_with_propensities(X, y, groups, names, [1, 2])
        np.testing.assert_array_equal(outcome.params, want_outcome.params)
        for a, b in zip(props, want_props):
            np.testing.assert_array_equal(a.params, b.params)


def test_an_exact_newton_fit_on_gathered_rows_is_the_copys_to_1e_10():
    gathered, X, y, groups = _matrix(3000)
    names = [f"x{j}" for j in range(X.shape[1])]
    got, want = logit.fit(gathered, y, groups, names), logit.fit(X, y, groups, names)
    np.testing.assert_allclose(got.params, want.params, rtol=1e-10, atol=0)
    np.testing.assert_allclose(got.cov, want.cov, rtol=1e-10, atol=0)
    few = logit.fit(gathered, y, groups % 5, names)  # CR2 with five agents: the matrix gathered
    np.testing.assert_allclose(few.cov, logit.fit(X, y, groups % 5, names).cov, rtol=1e-10, atol=0)


def _copied(design: Design) -> Design:
    """The same design without a combined matrix: the way taken before (a landmark's calls gathered
    into a matrix of their own, the direct model's matrix written as X and resolved)."""
    return Design(design.covariates.copy(), list(design.covariate_names), design.practices.copy(),
                  list(design.practice_names), list(design.notes), None, design.listed)


@pytest.mark.parametrize("warm", [None, 1000])
def test_landmark_and_direct_rows_read_from_the_design_give_the_copies_tables(warm):
    df = population(6000, seed=43)
    df["resolved"] = df["resolved"].astype(bool)
    landmark = np.random.default_rng(5).random(len(df)) < 0.9
    design = build(df, PRACTICES, after_call=["thanked"])
    assert effects.landmark_rows(design, landmark) is not None  # the rows are read, not gathered
    kwargs = dict(after_call=["thanked"], landmark=landmark, landmark_days=30)
    with logit.warm_start_rows(warm or logit.WARM_START_ROWS):
        got = practice_effects(df, PRACTICES, "churned_90d", design, **kwargs)
        want = practice_effects(df, PRACTICES, "churned_90d", _copied(design), **kwargs)
    rows = got[0]
    assert set(rows.effect) == {"total", "direct", "landmark"} and rows.estimate.notna().all()
    # the fits' passes are the same blocks (chord steps), or the models are small and copied as
    # before (exact Newton): every estimate to the last digit
    pdt.assert_frame_equal(got[0], want[0], check_exact=True)
    if warm:  # balance's weighted sums over the landmark's rows are summed a block at a time
        pdt.assert_frame_equal(got[1], want[1], check_exact=False, rtol=1e-10, atol=0)
    else:
        pdt.assert_frame_equal(got[1], want[1], check_exact=True)
    assert got[2] == want[2]
