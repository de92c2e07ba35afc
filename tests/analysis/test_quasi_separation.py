"""Quasi-separated propensity models are refused without statsmodels' 100 Newton steps (issue #12).

At 1M upset calls the disputed point verbatim vs paraphrase has a propensity model that is
quasi-completely separated (a verbatim repeat is always a verified understanding: no call without
``verified_understanding`` is verbatim). The MLE does not exist (Albert and Anderson 1984,
Biometrika 71:1-10: with quasi-complete separation the likelihood rises without bound along the
separating direction), so statsmodels' ``Logit.fit(method="newton", maxiter=100)`` runs all its
steps and the fit refuses the model (:data:`logit.NOT_CONVERGED`); that took 20-36 s. The fit now
proves the separation from a cell count (:func:`logit.constant_cell`) and the overlap of the other
rows, and refuses at once. Reference for every test here: the old path, i.e. the same call with
the proof switched off (statsmodels' own fit), whose words and numbers must be the same.
"""

from __future__ import annotations

import numpy as np
import pytest

from calmline import vocabulary
from calmline.analysis import aipw, disputes, logit
from calmline.analysis.design import agent_codes, build

from .frames import PRACTICES, population


@pytest.fixture(scope="module")
def nested():
    """frames.population (1,500 calls) with a 0/1 ``a`` only ever 1 where ``took_ownership`` is: the
    shape of verify_verbatim within verified_understanding."""
    df = population(1500, seed=11)
    rng = np.random.default_rng(5)
    owner = df["took_ownership"].to_numpy(dtype=bool)
    a = (owner & (rng.random(len(df)) < 0.5)).astype(float)
    design = build(df, PRACTICES).varying()
    X, names = design.matrix()
    return X, names, a, agent_codes(df["agent_id"]), df["churned_90d"].astype(float).to_numpy()


def _old_path(monkeypatch, fn, *args, **kwargs):
    """``fn`` as before the proof: :func:`logit.quasi_separated` never says yes."""
    with monkeypatch.context() as m:
        m.setattr(logit, "quasi_separated", lambda *a, **k: False)
        return fn(*args, **kwargs)


def _no_statsmodels(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("statsmodels' fallback was run")
    monkeypatch.setattr(logit, "_statsmodels_fit", refuse)


def test_a_cell_where_the_treatment_is_constant_is_found(nested):
    X, names, a, _, _ = nested
    j = names.index("took_ownership")
    assert logit.constant_cell(X, a) == (j, 0.0)  # no call without ownership has a = 1
    assert logit.constant_cell(X, 1 - a) == (j, 0.0)
    rng = np.random.default_rng(1)
    assert logit.constant_cell(X, (rng.random(len(a)) < 0.4).astype(float)) is None
    # a cell of ones: a = 0 wherever took_ownership is 1
    b = ((X[:, j] == 0) & (rng.random(len(a)) < 0.5)).astype(float)
    assert logit.constant_cell(X, b) == (j, 1.0)
    # the column left out of the model is never the cell
    assert logit.constant_cell(X, a, exclude=j) is None


def test_the_refusal_is_the_old_paths_without_statsmodels(nested, monkeypatch):
    """Old path: statsmodels runs its 100 steps and the propensity is refused; new: the same words."""
    X, names, a, groups, _ = nested
    old = _old_path(monkeypatch, logit.fit, X, a, groups, names, covariance=False)
    assert not old.ok and old.warning == logit.NOT_CONVERGED
    _no_statsmodels(monkeypatch)
    new = logit.fit(X, a, groups, names, covariance=False)
    assert new.params is None and new.warning == old.warning


def test_aipw_row_is_the_same_as_before(nested, monkeypatch):
    """The AIPW estimate of the nested split (the practice's column excluded from the propensity
    design, as the disputed points and practices call it): the same refusal as the old path."""
    X, names, a, groups, y = nested
    Xa = np.column_stack([a, X])
    outcome = logit.fit(Xa, y, groups, ["a", *names])
    _, _, p1, p0 = logit.ame(outcome, Xa, 0)
    old = _old_path(monkeypatch, aipw.estimate, Xa, ["a", *names], a, y, p1, p0, groups, exclude=0)
    _no_statsmodels(monkeypatch)
    new = aipw.estimate(Xa, ["a", *names], a, y, p1, p0, groups, exclude=0)
    assert old.estimate is None and new.estimate is None
    assert new.warning == old.warning == f"propensity model: {logit.NOT_CONVERGED}"


def test_complete_separation_is_left_to_statsmodels(nested, monkeypatch):
    """When the other rows are separated too (here ``a`` is "anger not at its reference level"
    exactly), the proof does not hold, and statsmodels still says why in its words."""
    X, names, _, groups, _ = nested
    levels = [j for j, name in enumerate(names) if name.startswith("anger[")]
    assert len(levels) == 2
    angry = X[:, levels].sum(axis=1)
    assert logit.constant_cell(X, angry) is not None and not logit.quasi_separated(X, angry)
    assert logit.fit(X, angry, groups, names, covariance=False).warning == \
        _old_path(monkeypatch, logit.fit, X, angry, groups, names, covariance=False).warning


def test_an_estimable_propensity_gives_statsmodels_numbers(nested, monkeypatch):
    """Not separated: the proof finds nothing and the fit is the old one to 1e-12 (statsmodels'
    ``Logit.fit(method="newton")`` via the fast path, as tests/analysis/test_fast_fit.py shows)."""
    X, names, _, groups, _ = nested
    j = names.index("apologized")
    assert not logit.quasi_separated(X, X[:, j], exclude=j)
    new = logit.fit(X, X[:, j], groups, names, covariance=False, exclude=j)
    old = _old_path(monkeypatch, logit.fit, X, X[:, j], groups, names, covariance=False, exclude=j)
    np.testing.assert_allclose(new.params, old.params, rtol=0, atol=1e-12)


def test_disputed_point_rows_are_the_same_as_before(monkeypatch):
    """A disputed point nested in a practice (as verify_verbatim is in verified_understanding):
    every row (AIPW refused, logit and naive estimated) equal to the old path's, numbers to 1e-8."""
    df = population(1500, seed=3)
    rng = np.random.default_rng(9)
    df["call_id"] = [f"C{i}" for i in range(len(df))]
    point = vocabulary_point()
    owner = df["took_ownership"].to_numpy(dtype=bool)
    calls = df[["call_id"]].assign(**{disputes.among_column(point.name): True,
                                     disputes.treated_column(point.name): owner & (rng.random(len(df)) < 0.5)})
    old, _ = _old_path(monkeypatch, disputes.dispute_effects, df, calls, PRACTICES, "churned_90d",
                       disputes=[point])
    _no_statsmodels(monkeypatch)
    new, _ = disputes.dispute_effects(df, calls, PRACTICES, "churned_90d", disputes=[point])
    assert old.loc[old["method"] == "aipw", "note"].iloc[0].startswith("propensity model: ")
    numbers = ["estimate_pp", "ci_low_pp", "ci_high_pp", "std_error_pp", "p_value"]
    np.testing.assert_allclose(new[numbers].to_numpy(float), old[numbers].to_numpy(float),
                               rtol=0, atol=1e-8)
    others = [c for c in disputes.COLUMNS if c not in numbers]
    assert new[others].astype(object).where(new[others].notna(), None).values.tolist() == \
        old[others].astype(object).where(old[others].notna(), None).values.tolist()


def vocabulary_point() -> vocabulary.Dispute:
    """A disputed point among every call, its SQL naming no practice (so all are adjusted for)."""
    return vocabulary.Dispute("x_split", "Split", "x_split", "TRUE", "split", "not split", "Split.",
                              "one playbook")
