"""Each practice's effect on churn within a horizon: naive, logit (odds ratio and AME), AIPW.

Total effect: adjusted for the pre-call situation and the other practices on
the call, never for results of the call. Direct effect (labelled): the same
logit with ``resolved`` added, i.e. the part of the effect that does not work
through resolving the issue on the call.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline.analysis import aipw, logit
from calmline.analysis.design import Design, agent_codes, build

COLUMNS = ["practice", "method", "effect", "scale", "estimate", "ci_low", "ci_high", "p_value",
           "n_with", "n_without", "warning"]


def practice_effects(df: pd.DataFrame, practices: list[str], outcome: str, design: Design | None = None
                     ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Estimate every practice's effect on ``outcome`` (0/1) in the complete-case population ``df``.

    Parameters
    ----------
    df : DataFrame
        Upset calls with the practices, pre-call covariates, ``agent_id``, ``resolved``
        and the outcome column, no missing practice or outcome.
    practices : list of str
    outcome : str
        e.g. ``churned_90d``.
    design : Design, optional
        ``build(df, practices)``, when the caller has it already.

    Returns
    -------
    effects : DataFrame
        Columns ``COLUMNS``; method in naive | logit | aipw, effect total | direct,
        scale risk_difference | odds_ratio.
    balance : DataFrame
        practice, covariate, smd_before, smd_after (AIPW weights).
    warnings : list of str
        Model-level warnings.
    """
    full = design or build(df, practices)
    design = full.varying()
    y = df[outcome].astype(float).to_numpy()
    groups = agent_codes(df["agent_id"])
    X, names = design.matrix()
    main = logit.fit(X, y, groups, names)
    resolved = df["resolved"].astype("float").fillna(0).to_numpy()[:, None]
    Xd, names_d = design.matrix(resolved, ["resolved"])
    direct = logit.fit(Xd, y, groups, names_d)
    rows, balance_rows = [], []
    squares = design.covariates * design.covariates
    for i, practice in enumerate(practices):
        a = full.practices[:, i]
        n_with, n_without = int(a.sum()), int(len(a) - a.sum())
        base = dict(practice=practice, n_with=n_with, n_without=n_without)
        rows.append(_naive(y, a, base))
        if n_with == 0 or n_without == 0:
            why = f"no variation: {practice} is used on {'every' if n_without == 0 else 'no'} upset call"
            rows += [_missing(base, m, e, s, why) for m, e, s in _MODEL_ROWS]
            continue
        j = design.practice_names.index(practice)
        rows += _logit_rows(main, X, j, base, "total")
        rows += _logit_rows(direct, Xd, j, base, "direct")[1:]
        if main.ok:
            _, _, p1, p0 = logit.ame(main, X, j)
            others = np.column_stack([np.delete(design.practices, j, axis=1), design.covariates])
            other_names = [p for p in design.practice_names if p != practice] + design.covariate_names
            res = aipw.estimate(others, other_names, a, y, p1, p0, groups)
            rows.append(_aipw_row(res, base))
            if res.propensity is not None:
                balance_rows += [dict(practice=practice, covariate=c, smd_before=b, smd_after=w)
                                 for c, b, w in aipw.balance(design.covariates, design.covariate_names,
                                                             a, res.propensity, res.kept, squares)]
        else:
            rows.append(_missing(base, "aipw", "total", "risk_difference", main.warning))
    warnings = list(design.notes) + [f"{label}: {fit.warning}" for label, fit in
                                     (("total-effect logit", main), ("direct-effect logit", direct))
                                     if fit.warning]
    return (pd.DataFrame(rows, columns=COLUMNS),
            pd.DataFrame(balance_rows, columns=["practice", "covariate", "smd_before", "smd_after"]),
            warnings)


_MODEL_ROWS = [("logit", "total", "odds_ratio"), ("logit", "total", "risk_difference"),
               ("logit", "direct", "risk_difference"), ("aipw", "total", "risk_difference")]


def _missing(base: dict, method: str, effect: str, scale: str, why: str | None) -> dict:
    return dict(base, method=method, effect=effect, scale=scale, estimate=None, ci_low=None,
                ci_high=None, p_value=None, warning=why or "not estimable")


def _naive(y: np.ndarray, a: np.ndarray, base: dict) -> dict:
    """Raw churn rate with minus without: what a spreadsheet would show, unadjusted."""
    if a.min() == a.max():
        return _missing(base, "naive", "total", "risk_difference", "no comparison group")
    r1, r0 = y[a == 1].mean(), y[a == 0].mean()
    se = np.sqrt(r1 * (1 - r1) / (a == 1).sum() + r0 * (1 - r0) / (a == 0).sum())
    lo, hi, p = logit.wald(r1 - r0, se)
    return dict(base, method="naive", effect="total", scale="risk_difference", estimate=float(r1 - r0),
                ci_low=lo, ci_high=hi, p_value=p, warning="unadjusted: confounded by anger and "
                "by the other practices; shown only to compare")


def _logit_rows(fit: logit.LogitFit, X: np.ndarray, j: int, base: dict, effect: str) -> list[dict]:
    if not fit.ok:
        return [_missing(base, "logit", effect, "odds_ratio", fit.warning),
                _missing(base, "logit", effect, "risk_difference", fit.warning)]
    b, se_b = fit.params[j], float(np.sqrt(fit.cov[j, j]))
    lo, hi, p = logit.wald(b, se_b)
    odds = dict(base, method="logit", effect=effect, scale="odds_ratio", estimate=float(np.exp(b)),
                ci_low=float(np.exp(lo)), ci_high=float(np.exp(hi)), p_value=p, warning=fit.warning)
    est, se, _, _ = logit.ame(fit, X, j)
    lo, hi, p = logit.wald(est, se)
    rd = dict(base, method="logit", effect=effect, scale="risk_difference", estimate=est,
              ci_low=lo, ci_high=hi, p_value=p, warning=fit.warning)
    return [odds, rd]


def _aipw_row(res: aipw.AipwResult, base: dict) -> dict:
    if res.estimate is None:
        return _missing(base, "aipw", "total", "risk_difference", res.warning)
    lo, hi, p = logit.wald(res.estimate, res.se)
    return dict(base, method="aipw", effect="total", scale="risk_difference", estimate=res.estimate,
                ci_low=lo, ci_high=hi, p_value=p, warning=res.warning)
