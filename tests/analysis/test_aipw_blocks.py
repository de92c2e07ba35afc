"""AIPW's influence values computed a block of rows at a time (aipw._influence) and the joint
outcome/propensity chord steps reading the models' outcomes from X's own blocks (logit._Treatments)
instead of a stacked n x (1 + practices) copy: the same numbers, bit for bit."""

from __future__ import annotations

import numpy as np

from calmline.analysis import aipw, logit


def _data(n: int = 5000, seed: int = 8):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.random((n, 4)) < 0.4, rng.normal(size=(n, 2))])
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ [-0.4, 0.5, -0.3, 0.2, 0.1, 0.3, -0.2])))).astype(float)
    return rng, X, y


def test_influence_values_by_blocks_are_the_whole_formulas(monkeypatch):
    rng, _, y = _data()
    n = len(y)
    a = (rng.random(n) < 0.4).astype(float)
    e, p1, p0 = rng.uniform(0.001, 0.999, (3, n))
    kept = (e >= 0.01) & (e <= 0.99)
    want = (p1[kept] - p0[kept] + a[kept] * (y[kept] - p1[kept]) / e[kept]
            - (1 - a[kept]) * (y[kept] - p0[kept]) / (1 - e[kept]))
    monkeypatch.setattr(aipw, "PSI_ROWS", 777)  # several blocks, the last one short
    np.testing.assert_array_equal(aipw._influence(a, y, e, p1, p0, kept, int(kept.sum())), want)


def test_treatments_read_from_x_give_the_stacked_arrays_steps():
    rng, X, y = _data()
    columns = [1, 2, 4]
    stacked = np.column_stack([y, X[:, columns]])
    treatments = logit._Treatments(y, X, columns)
    B = rng.normal(size=(X.shape[1], 4)) * 0.1
    for active in ([0, 1, 2, 3], [1, 3]):
        np.testing.assert_array_equal(logit._chord_gradient(X, treatments, active, B[:, :len(active)], None),
                                      logit._chord_gradient(X, stacked, active, B[:, :len(active)], None))
    for t in range(4):
        np.testing.assert_array_equal(treatments.column(t), stacked[:, t])
    # the treated rows' column sums of the 0/1 columns (the separation checks' cells): exact
    binary = [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(logit._Treatments(None, X, columns).hits()[:, binary],
                                  (X[:, columns].T @ X)[:, binary])


def test_outcome_and_propensities_fitted_together_are_unchanged():
    _, X, y = _data(6000)
    names = [f"x{j}" for j in range(X.shape[1])]
    groups = np.arange(len(y)) % 50
    with logit.warm_start_rows(1000):  # the joint chord steps, as above 200,000 rows
        outcome, props = logit.fit_with_propensities(X, y, groups, names, [1, 2, 3])
        sample = logit._sample(X)
        stacked = np.column_stack([y, X[:, [1, 2, 3]]])
        starts, factors, frees = {}, {}, {}
        for t in range(4):
            starts[t], factors[t], frees[t] = logit._chord_start(X, stacked[:, t], None if t == 0 else t, sample)
        done = logit._joint_chord(X, stacked, starts, factors, frees)
    assert len(done) == 4
    np.testing.assert_array_equal(outcome.params, logit.fit(X, y, groups, names, found=done[0]).params)
    for t, fit in enumerate(props, start=1):
        np.testing.assert_array_equal(fit.params, done[t])
