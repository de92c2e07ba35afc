"""The outcome logit fitted with the practices' propensity models (``logit.fit_with_propensities``:
their full-data chord steps taken together, one sample for every warm start): the same coefficients,
covariance and propensities as ``fit`` and ``propensities`` apart, up to rounding (the gradients'
sums in another order), with one practice and with several, and below the warm start's size."""

from __future__ import annotations

import numpy as np
import pytest

from calmline.analysis import logit
from calmline.analysis.design import agent_codes, build
from tests.analysis.frames import PRACTICES, population


@pytest.mark.parametrize("targets", [["apologized"], PRACTICES])
# joint steps for every model; the outcome's steps do not contract from a small sample's Hessian
# (it is then fitted alone, as before); no warm start at all
@pytest.mark.parametrize("sample_rows", [4_000, 2_000, 50_000])
def test_the_fits_apart(targets, sample_rows, monkeypatch):
    df = population(12_000, seed=21)
    design = build(df, PRACTICES)
    X, names = design.matrix()
    y = df["churned_90d"].to_numpy(dtype=float)
    groups = agent_codes(df["agent_id"])
    columns = [names.index(p) for p in targets]
    alone_steps = []
    original = logit._fast_fit
    monkeypatch.setattr(logit, "_fast_fit", lambda *a: alone_steps.append(1) or original(*a))
    with logit.warm_start_rows(sample_rows):
        outcome, together = logit.fit_with_propensities(X, y, groups, names, columns)
        assert bool(alone_steps) == (sample_rows != 4_000)
        alone = logit.fit(X, y, groups, names)
        apart = logit.propensities(X, X[:, columns], columns, names)
    assert outcome.ok and all(p.ok for p in together)
    np.testing.assert_allclose(outcome.params, alone.params, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(outcome.cov, alone.cov, rtol=1e-8, atol=1e-14)
    for a, b in zip(together, apart):
        np.testing.assert_allclose(a.params, b.params, rtol=1e-10, atol=1e-12)
        assert a.cov is None


def test_an_outcome_without_events_is_refused_as_alone():
    df = population(6_000, seed=22)
    X, names = build(df, PRACTICES).matrix()
    y = np.zeros(len(df))
    with logit.warm_start_rows(1_000):
        outcome, together = logit.fit_with_propensities(X, y, agent_codes(df["agent_id"]), names,
                                                        [names.index("thanked")])
    assert not outcome.ok and outcome.warning == "no churn events"
    assert together[0].ok
