"""The Efron/Breslow partial likelihood and its Newton-Raphson against R survival and statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines.datasets import load_rossi
from statsmodels.duration.hazard_regression import PHReg

from calmline.analysis import cox_engine
from tests.analysis.test_cox import ROSSI_TERMS, tied_calls

# R 4.2.2, survival 3.5-3, on lifelines' copy of Rossi (written out with to_csv):
#   f <- coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio,
#              data = R, ties = ties); f$loglik; coef(f)
ROSSI_R = {
    "efron": {"loglik": [-675.380632346871, -658.747659446087], "coef": [
        -0.3794221664858867, -0.0574377426840623, 0.3138997878424986, -0.1497956976665371,
        -0.4337038779373086, -0.0848710825003947, 0.0914970809852960]},
    "breslow": {"loglik": [-675.683389417497, -659.120605677328], "coef": [
        -0.3790218874307941, -0.0572459250446639, 0.3141297669073693, -0.1511146000559651,
        -0.4327825737628727, -0.0849828352673010, 0.0911115420915654]},
}


def prepared(t, e, X, ties="efron"):
    """Sorted as the Cox engine expects, columns centred: (X, e, risk sets)."""
    order = cox_engine.sort_order(t, e)
    X = np.asfortranarray(X[order] - X.mean(axis=0))
    return X, e[order], cox_engine.risk_sets(t[order], e[order], ties)


def heavy_tailed(seed: int = 5, n: int = 30) -> pd.DataFrame:
    """One covariate with Student-t (1.5 df) outliers and tied days: Newton's first step overshoots."""
    rng = np.random.default_rng(seed)
    x = rng.standard_t(1.5, n).round(1)
    t = np.ceil(rng.exponential(np.exp(np.clip(x, -5, 5))) * 5)
    return pd.DataFrame({"time_days": t, "event": (rng.random(n) < 0.8).astype(int), "wait": x})


def arrays(df, terms, time="time_days", event="event"):
    return df[time].to_numpy(float), df[event].to_numpy(float), df[terms].to_numpy(float)


def test_risk_sets_layout():
    """Times 1,1,1,2,3,3 with churns 1,1,0,1,0,0: two tied churns on day 1 (Efron
    sub-steps taking off 0 and 1/2 of their weight), one on day 2, none on day 3."""
    t = np.array([3, 1, 2, 1, 3, 1.0])
    e = np.array([0, 0, 1, 1, 0, 1.0])
    order = cox_engine.sort_order(t, e)
    assert t[order].tolist() == [1, 1, 1, 2, 3, 3] and e[order].tolist() == [1, 1, 0, 1, 0, 0]
    rs = cox_engine.risk_sets(t[order], e[order])
    assert rs["starts"].tolist() == [0, 3, 4] and rs["sizes"].tolist() == [3, 1, 2]
    assert rs["deaths"].tolist() == [2, 1, 0]
    assert rs["step"].tolist() == [0, 0, 1] and rs["frac"].tolist() == [0, 0.5, 0]
    assert cox_engine.risk_sets(t[order], e[order], "breslow")["frac"].tolist() == [0, 0, 0]


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_rossi_loglik_and_newton_match_r(ties):
    """R's ``f$loglik`` (at beta = 0 and at the estimate) and ``coef(f)``: header of this file.
    R stops once the log likelihood changes by less than 1e-9 of itself, so its
    coefficients are only good to about 1e-8; ours go further."""
    rossi = load_rossi()
    X, e, rs = prepared(*arrays(rossi, ROSSI_TERMS, "week", "arrest"), ties)
    ref = ROSSI_R[ties]
    assert cox_engine.evaluate(X, e, rs, np.zeros(7))["loglik"] == pytest.approx(ref["loglik"][0], rel=1e-12)
    fit = cox_engine.newton(X, e, rs)
    assert fit["converged"] and fit["iterations"] <= 6
    assert fit["loglik"] == pytest.approx(ref["loglik"][1], rel=1e-12)
    np.testing.assert_allclose(fit["beta"], ref["coef"], rtol=1e-7)
    np.testing.assert_allclose(cox_engine.score(e @ X, fit["parts"]), 0, atol=1e-8)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_derivatives_match_phreg_away_from_the_estimate(ties):
    """statsmodels 0.15 ``PHReg(t, X, status=e, ties=ties)``: ``loglike``, ``score`` and
    ``hessian`` at an arbitrary beta, on a fixture with 28 churns on 5 days."""
    t, e, X = arrays(tied_calls(), ["practice", "wait"])
    model = PHReg(t, X, status=e, ties=ties)
    beta = np.array([0.7, -0.4])
    Xs, es, rs = prepared(t, e, X, ties)
    ev = cox_engine.evaluate(Xs, es, rs, beta)
    assert ev["loglik"] == pytest.approx(model.loglike(beta), rel=1e-12)
    np.testing.assert_allclose(cox_engine.score(es @ Xs, ev), model.score(beta), rtol=1e-10)
    np.testing.assert_allclose(cox_engine.information(Xs, es, rs, ev), -model.hessian(beta), rtol=1e-10)


@pytest.mark.parametrize("ties, coef, se", [
    ("efron", -0.0957370747022513, 0.0292174875896606),
    ("breslow", -0.0756881350049694, 0.0289041880351627)])
def test_a_step_that_lowers_the_likelihood_is_halved(ties, coef, se):
    """On ``heavy_tailed()`` the full Newton step from 0 lowers the log likelihood (Efron:
    from -67.8 to -90.9; Breslow: -69.6 to -77.1) and plain Newton runs off to NaN
    within five steps; halving such steps reaches R's answer. R 4.2.2,
    survival 3.5-3, the fixture written out with to_csv:
    ``f <- coxph(Surv(time_days, event) ~ wait, data = d, ties = ties); coef(f); sqrt(diag(f$var))``."""
    X, e, rs = prepared(*arrays(heavy_tailed(), ["wait"]), ties)
    start = cox_engine.evaluate(X, e, rs, np.zeros(1))
    full = np.linalg.solve(cox_engine.information(X, e, rs, start), cox_engine.score(e @ X, start))
    assert cox_engine.evaluate(X, e, rs, full)["loglik"] < start["loglik"] - 5
    fit = cox_engine.newton(X, e, rs)
    assert fit["converged"]
    assert fit["beta"][0] == pytest.approx(coef, rel=1e-9)
    assert np.sqrt(1 / fit["information"][0, 0]) == pytest.approx(se, rel=1e-8)


def test_unconverged_fits_say_so():
    """One Newton step is not enough; a term that separates (churn only after day 100
    among calls with it, hazard ratio heading to 0) never settles."""
    t, e, X = arrays(tied_calls(), ["practice", "wait"])
    one = cox_engine.newton(*prepared(t, e, X), max_iter=1)
    assert one["iterations"] == 1 and not one["converged"]
    rng = np.random.default_rng(3)
    t = rng.integers(1, 200, 300).astype(float)
    late = (t > 100).astype(float)
    e = np.where(late == 1, 1.0, rng.random(300) < 0.5)
    e[(late == 0) & (t > 50)] = 0.0
    X = np.column_stack([late, rng.normal(size=300)])
    fit = cox_engine.newton(*prepared(t, e, X), max_iter=30)
    assert not fit["converged"] and fit["beta"][0] < -15
