"""A propensity model proven quasi-separated while the joint chord steps are prepared
(``logit._propensity_starts``) is refused without a second proof (each proof is a full-data Newton
fit of the other rows): the same refusal as ``logit.fit`` alone, the other models' coefficients the
same, and one proof per model, from ``propensities`` and from ``fit_with_propensities``."""

from __future__ import annotations

import numpy as np
import pytest

from calmline.analysis import logit
from calmline.analysis.design import agent_codes, build
from tests.analysis.frames import PRACTICES, population


def _separated():
    df = population(12_000, seed=25)
    design = build(df, PRACTICES)
    level = next(nm for nm in design.covariate_names if nm.startswith("anger["))
    cell = (df["anger_level"] == int(level.split("[")[1].rstrip("]"))).to_numpy()
    df.loc[cell, "thanked"] = True  # thanked on every call of one anger level: quasi-separated
    X, names = build(df, PRACTICES).matrix()
    return df, X, names, [names.index("thanked"), names.index("apologized")]


@pytest.mark.parametrize("joint", [False, True])
def test_a_separated_propensity_is_proven_once_and_refused_as_alone(joint, monkeypatch):
    df, X, names, columns = _separated()
    y = df["churned_90d"].to_numpy(dtype=float)
    proofs = []
    original = logit.quasi_separated
    monkeypatch.setattr(logit, "quasi_separated",
                        lambda *a, **k: proofs.append(r := original(*a, **k)) or r)
    with logit.warm_start_rows(2_000):  # the chord steps' path (above twice the sample)
        if joint:
            _, found = logit.fit_with_propensities(X, y, agent_codes(df["agent_id"]), names, columns)
        else:
            found = logit.propensities(X, X[:, columns], columns, names)
        assert proofs.count(True) == 1  # thanked's, once
        alone = [logit.fit(X, X[:, c], None, names, covariance=False, exclude=c) for c in columns]
    assert not found[0].ok and not alone[0].ok and found[0].warning == alone[0].warning == logit.NOT_CONVERGED
    assert found[1].ok
    np.testing.assert_allclose(found[1].params, alone[1].params, rtol=1e-10, atol=1e-12)


def test_every_treatments_sums_from_one_product_find_the_same_cells(monkeypatch):
    """``_propensity_starts`` takes every treatment's column sums over its treated rows from one product
    (``A.T @ X``): the same constant cells as each treatment's own ``y @ X`` (0/1 sums are exact in any
    order), and the same propensities, bit for bit, as with each model's own sums."""
    df, X, names, columns = _separated()
    columns = columns + [names.index("took_ownership")]
    A = X[:, columns]
    sums, hits = np.ones(len(X)) @ X, A.T @ X
    cells = [logit.constant_cell(X, A[:, t], c, sums=sums, hits=hits[t]) for t, c in enumerate(columns)]
    assert cells == [logit.constant_cell(X, A[:, t], c, sums=sums) for t, c in enumerate(columns)]
    assert cells[0] is not None and cells[1:] == [None, None]
    with logit.warm_start_rows(2_000):
        together = logit.propensities(X, A, columns, names)
        original = logit.quasi_separated
        monkeypatch.setattr(logit, "quasi_separated", lambda *a, hits=None, **k: original(*a, **k))
        own = logit.propensities(X, A, columns, names)
    for a, b in zip(together, own):
        assert a.warning == b.warning and (a.params is None) == (b.params is None)
        assert a.params is None or np.array_equal(a.params, b.params)
