"""Each practice's effect on churn within a horizon: naive, logit (odds ratio and AME), AIPW.

Total effect (``effect = 'total'``): adjusted for the pre-call situation and the other
practices on the call, never for results of the call nor for practices that happen after
it (``after_call``, e.g. the follow-up), so a practice's effect through them (a promise
that brings a follow-up) is part of its total. Direct effect (``'direct'``, labelled, not
the headline): the same logit with ``resolved`` added, i.e. the part of the effect that does
not work through resolving the issue on the call; it holds resolution fixed, so it needs
no unmeasured common cause of resolution and churn (else collider bias), and calls
without a recorded resolution are left out of it. Landmark effect (``'landmark'``) of a
practice that happens after the call: among calls whose customer was still active when
its window closed (the landmark), churn within the horizon counted from the call with vs
without it, adjusted for the pre-call covariates and the call's practices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline.analysis import aipw, compact_matrix, gathered, logit
from calmline.analysis.design import Design, agent_codes, build, landmark_rows, subset_matrix

COLUMNS = ["practice", "method", "effect", "scale", "estimate", "ci_low", "ci_high", "p_value",
           "std_error", "t_df", "n_with", "n_without", "n_calls", "n_trimmed", "n_analysed", "warning"]
"""n_calls: calls in the model; n_analysed: calls the estimate uses (AIPW: after trimming,
direct: with a recorded resolution); n_trimmed: calls AIPW left out of the overlap (AIPW
rows only, 0 when none); std_error: the estimate's standard error (risk differences in
probability units, odds ratios on the log scale); t_df: degrees of freedom of the t reference
of the interval and p-value when fewer than ``logit.FEW_AGENTS`` agents (agents - 1), else
missing (normal reference)."""

DIRECT_CAVEAT = ("direct effect: holds resolution fixed, which is only valid if nothing unmeasured "
                 "drives both resolution and churn (otherwise collider bias); not the headline")
"""Stored with every direct row, so every place that shows one can label it."""


def landmark_note(landmark_days: int | None) -> str:
    """The words stored with every landmark row."""
    when = f"{landmark_days} days after the call" if landmark_days else "the landmark"
    return (f"landmark: only calls whose customer was still active {when} (when the follow-up "
            "window closed); churn counted from the call; adjusted for the pre-call situation and "
            "the call's practices")


def practice_effects(df: pd.DataFrame, practices: list[str], outcome: str, design: Design | None = None,
                     *, after_call=(), landmark: np.ndarray | None = None,
                     landmark_days: int | None = None, trim: float = aipw.TRIM,
                     with_direct: bool = True, with_balance: bool = True
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
    after_call : sequence of str
        Practices that happen after the call (the vocabulary's ``after_call``). They are
        left out of every other practice's adjustment set, and get a landmark effect.
    landmark : (n,) bool array, optional
        Calls whose customer was still active when the after-call window closed
        (:func:`calmline.analysis.design.active_at`). Without it after-call practices get
        rows saying they could not be estimated.
    landmark_days : int, optional
        The landmark in days after the call, for the rows' note.
    trim : float
        AIPW's overlap bound.
    with_direct, with_balance : bool
        False leaves out the direct-effect logit (its rows and its warnings) or the balance SMDs
        (``balance`` then empty), for a caller that shows neither; every other row is the same.

    Returns
    -------
    effects : DataFrame
        Columns ``COLUMNS``; method in naive | logit | aipw, effect total | direct | landmark,
        scale risk_difference | odds_ratio. Total: the mean over calls of P(churn | practice
        used) - P(churn | not used), everything before the practice as it was. Landmark: the
        same among calls still active at the landmark.
    balance : DataFrame
        practice, covariate, smd_before, smd_after (AIPW weights).
    warnings : list of str
        Model-level warnings.
    """
    full = design or build(df, practices)
    after = [p for p in practices if p in set(after_call)]
    on_call = [p for p in practices if p not in after]
    y = df[outcome].astype(float).to_numpy()
    groups = agent_codes(df["agent_id"])
    if len(groups) and groups.max() < np.iinfo(np.int32).max:  # (the same codes in half the memory)
        groups = groups.astype(np.int32)
    # (resolved made in the call, so that _estimate can let it go once the direct model is fitted)
    rows, balance, warnings = _estimate(full.dropping(after), on_call, y, groups, "total", trim,
                                        resolved=_resolved(df) if with_direct else None,
                                        label="total-effect logit", balance=with_balance)
    warnings = list(full.notes) + warnings
    note = landmark_note(landmark_days)
    for practice in after:
        if landmark is None or not landmark.any():
            base = dict(practice=practice, n_with=None, n_without=None, n_calls=0)
            why = "no calls still active at the landmark: the after-call practice cannot be estimated"
            rows += [_missing(base, m, "landmark", s, why) for m, s in
                     (("naive", "risk_difference"), ("logit", "odds_ratio"),
                      ("logit", "risk_difference"), ("aipw", "risk_difference"))]
            continue
        # its calls read from the design's matrix a block of rows at a time (no copy of them) when its
        # models take chord steps (logit.warm_started), else, or when a covariate is constant among
        # them, gathered into one matrix the models read as it is
        dropped = full.dropping([p for p in after if p != practice])
        sub = (_Landmark.of(dropped, landmark) if logit.warm_started(int(landmark.sum())) else None) or \
            subset_matrix(dropped, landmark)
        r, b, w = _estimate(sub, [practice], y[landmark], groups[landmark], "landmark", trim,
                            note=note, label=f"{practice} landmark logit", balance=with_balance)
        rows += r
        balance += b
        warnings += w
    return (pd.DataFrame(rows, columns=COLUMNS),
            pd.DataFrame(balance, columns=["practice", "covariate", "smd_before", "smd_after"]),
            warnings)


def _resolved(df: pd.DataFrame) -> np.ndarray:
    """Each call's recorded resolution as 1.0 / 0.0, NaN where none was recorded."""
    return pd.to_numeric(df["resolved"].astype("Float64"), errors="coerce").to_numpy(dtype=float, na_value=np.nan)


class _Landmark:
    """``subset_matrix(design, rows).varying()`` as :func:`_estimate` reads it, its matrix, practices
    and covariates being :class:`calmline.analysis.gathered.Gathered` reads of the design's own matrix
    (:func:`calmline.analysis.design.landmark_rows`): no gathered copy of the calls' rows (1.0 GB at
    2.7M landmark calls and 46 columns). The same values, in the same order."""

    combined = None

    def __init__(self, design: Design, at: np.ndarray, found) -> None:
        rows, self.names, self.practice_names, self.covariate_names = found
        p = len(self.practice_names)
        self.X = gathered.Gathered(rows.matrix, rows.rows, rows.columns)
        self.practices = gathered.Gathered(rows.matrix, rows.rows, rows.columns[:p])
        self.covariates = gathered.Gathered(rows.matrix, rows.rows, rows.columns[p:])
        self.notes = list(design.notes)
        self._design, self._at = design, at

    @classmethod
    def of(cls, design: Design, rows: np.ndarray) -> "_Landmark | None":
        """None when the rows need a copy anyway (see ``landmark_rows``)."""
        found = landmark_rows(design, rows)
        return None if found is None else cls(design, np.flatnonzero(rows), found)

    def varying(self) -> "_Landmark":
        return self  # (practices constant among the rows are left out already)

    def matrix(self) -> tuple[gathered.Gathered, list[str]]:
        return self.X, list(self.names)

    def treatment(self, practice: str) -> np.ndarray:
        """The practice's column on the rows (also when it is constant there)."""
        return self._design.practices[self._at, self._design.practice_names.index(practice)]


def _seen_rows(X: gathered.Gathered, names: list[str], p: int, seen: np.ndarray, resolved: np.ndarray
               ) -> tuple[gathered.Gathered, list[str]]:
    """``design.subset(seen).matrix(resolved[seen])`` of a design read by blocks (X, its ``p``
    practices first): the rows ``seen`` of X's own source, covariates constant among them left
    out (as ``subset`` drops them), then resolved; read a block of rows at a time, not copied."""
    rows = np.flatnonzero(seen) if X.rows is None else X.rows[seen]
    varies = gathered.ranges(gathered.Gathered(X.source, rows, X.columns[p:])) > 0
    varies[0] = True  # (the intercept)
    kept = list(range(p)) + [p + i for i in np.flatnonzero(varies)]
    return (gathered.Gathered(X.source, rows, [X.columns[j] for j in kept], resolved[seen]),
            [names[j] for j in kept] + ["resolved"])


def _treatment(full, practice: str) -> np.ndarray:
    if isinstance(full, _Landmark):
        return full.treatment(practice)
    return np.ascontiguousarray(full.practices[:, full.practice_names.index(practice)])


def _estimate(full: Design, targets: list[str], y: np.ndarray, groups: np.ndarray, effect: str,
              trim: float, *, resolved: np.ndarray | None = None, note: str | None = None,
              label: str, balance: bool = True) -> tuple[list[dict], list[dict], list[str]]:
    """Naive, logit and AIPW rows of ``targets`` in one design (every practice in it adjusted for
    the others); the direct logit too when ``resolved`` is given; no balance rows when not
    ``balance`` (a caller that does not store them)."""
    design = full.varying()
    n = len(y)
    seen = None if resolved is None else ~np.isnan(resolved)
    every = (seen is not None and seen.all() and (compact_matrix.ranges(design.covariates[:, 1:]) > 0).all())
    # (every call has a resolution and no covariate is constant, which subset() would drop: the
    # direct model's matrix is the outcome model's with resolved after it)
    shared = every and design.combined is None
    if shared:
        # X written once, as the first columns of the direct model's matrix (a view of it), not
        # copied beside it (0.29 GB at 1M calls)
        n_p = len(design.practice_names)
        n_k = n_p + len(design.covariate_names)
        Xd, names = np.empty((n, n_k + 1)), design.practice_names + design.covariate_names
        Xd[:, :n_p], Xd[:, n_p:n_k], Xd[:, n_k] = design.practices, design.covariates, resolved
        X, names_d = Xd[:, :n_k], names + ["resolved"]
    else:
        # a view of the design's matrix when it has one (the horizon's, after-call practices
        # dropped: :func:`calmline.analysis.design.build`'s layout); the direct model's matrix
        # is then X and resolved, written while that model is fitted and let go after it
        (X, names), Xd = design.matrix(), None
    # every practice's propensity model with the outcome model: their full-data steps share passes over X
    varied = [p for p in targets if p in design.practice_names]
    columns = [design.practice_names.index(p) for p in varied]
    main, fitted = logit.fit_with_propensities(X, y, groups, names, columns)
    fits = [(label, main)]
    direct = None
    warnings = []
    if resolved is not None:
        if not seen.all():
            warnings.append(f"{int((~seen).sum()):,} upset calls without a recorded resolution were left "
                            "out of the direct-effect model (not counted as unresolved)")
        if every and not shared and (logit.warm_started(n) or isinstance(X, gathered.Gathered)):
            # X and resolved, read a block of rows at a time, not written into a copy of X (1.1 GB at
            # 2.9M calls): the same values
            Xd = X.with_extra(resolved) if isinstance(X, gathered.Gathered) else gathered.Gathered(X, extra=resolved)
            names_d = names + ["resolved"]
        elif every and not shared:  # (a small model: its exact Newton steps on a copy, as before)
            Xd, names_d = np.empty((n, X.shape[1] + 1)), names + ["resolved"]
            Xd[:, :-1], Xd[:, -1] = X, resolved
        elif not shared and isinstance(X, gathered.Gathered) and seen.any():
            Xd, names_d = _seen_rows(X, names, len(design.practice_names), seen, resolved)
        elif not shared:
            Xd, names_d = design.subset(seen).matrix(resolved[seen][:, None], ["resolved"]) if seen.any() \
                else (None, None)
        # (every call seen: y and groups themselves, not copies of them)
        y_d, groups_d = (y, groups) if seen.all() else (y[seen], groups[seen])
        direct = logit.fit(Xd, y_d, groups_d, names_d) if seen.any() else \
            logit.LogitFit(None, None, [], "no call has a recorded resolution")
        fits.append(("direct-effect logit", direct))
    # the direct AMEs of every practice varying among those calls, from one product with its
    # design, which is then let go (not held through the propensities and the AIPW loop)
    direct_marginal = {}
    if direct is not None and direct.ok and Xd is not None:
        m = len(design.practice_names)  # the practices' columns, their ranges in one pass over the rows
        if every:  # (every call: Xd's practices are the design's, which all vary: it is ``varying()``)
            varying_d = list(range(m)) if len(Xd) else []
        else:
            ranges_d = gathered.ranges(Xd.leading(m) if isinstance(Xd, gathered.Gathered) else Xd[:, :m]) \
                if m and len(Xd) else np.zeros(0)
            varying_d = [int(k) for k in np.flatnonzero(ranges_d > 0)]
        if varying_d:
            direct_marginal = dict(zip(varying_d, zip(*logit.ames(direct, Xd, varying_d))))
    Xd = None  # (when X is a view of it, its memory stays with X)
    with_direct, n_seen = resolved is not None, None if seen is None else int(seen.sum())
    resolved = seen = None  # (not held through the propensities' use and the AIPW loop)
    rows, balance_rows = [], []
    joint = names == design.practice_names + design.covariate_names  # X is practices | covariates
    # only the columns not 0/1; made when read (not held through the loop) when balance reads X by blocks
    squares = aipw.squared(design.covariates, held=not (joint and isinstance(X, gathered.Gathered))) \
        if balance else None
    # balance's four weight columns, one array for every practice (not a new one each); a matrix read
    # by blocks makes them a block at a time instead (aipw._smd_blocks)
    weights = np.empty((n, 4)) if balance and joint and main.ok and len(targets) > 1 and \
        not isinstance(X, gathered.Gathered) else None
    linear = gathered.product(X, main.params) if main.ok else None  # shared by every practice's AME
    # every practice's AME and standard error (all vary: the design is ``varying()``), their
    # gradients from one product with X instead of a pass over X each
    marginal = dict(zip(varied, zip(*logit.ames(main, X, columns, linear=linear)))) \
        if main.ok and varied else {}
    propensity = dict(zip(varied, fitted)) if main.ok else {}
    for practice in targets:
        a = res = None  # (the last practice's vectors let go before this one's are made)
        a = _treatment(full, practice)
        n_with, n_without = int(a.sum()), int(len(a) - a.sum())
        base = dict(practice=practice, n_with=n_with, n_without=n_without, n_calls=n, n_analysed=n)
        rows.append(_naive(y, a, base, effect, note))
        model_rows = [("logit", effect, "odds_ratio"), ("logit", effect, "risk_difference")] + \
            ([("logit", "direct", "risk_difference")] if with_direct else []) + \
            [("aipw", effect, "risk_difference")]
        if n_with == 0 or n_without == 0:
            why = f"no variation: {practice} is used on {'every' if n_without == 0 else 'no'} upset call"
            rows += [_missing(dict(base, n_trimmed=0) if m == "aipw" else base, m, e, s, why)
                     for m, e, s in model_rows]
            continue
        j = design.practice_names.index(practice)
        # the AME from the shared product; each call's predictions with and without the practice made
        # by AIPW a block of rows at a time from the shared linear predictor and the practice's column
        # (``a`` holds X's column j: the same 0/1 values)
        rows += _logit_rows(main, X, j, base, effect, note, (*marginal[practice], None, None) if main.ok else None)
        if direct is not None:
            dbase = dict(base, n_analysed=n_seen)
            if j in direct_marginal:
                rows += _logit_rows(direct, None, j, dbase, "direct", DIRECT_CAVEAT,
                                    (*direct_marginal[j], None, None))[1:]
            else:
                rows.append(_missing(dbase, "logit", "direct", "risk_difference",
                                     _join(direct.warning or "no variation among calls with a recorded "
                                           "resolution", DIRECT_CAVEAT)))
        if main.ok:
            # the propensity design is the outcome model's without the practice's own column
            res = aipw.estimate(X, names, a, y, aipw.Switched(linear, a, main.params[j]), None, groups,
                                trim=trim, exclude=j, propensity=propensity.get(practice))
            rows.append(_aipw_row(res, base, effect, note))
            if balance and res.propensity is not None:
                balance_rows += [dict(practice=practice, covariate=c, smd_before=b, smd_after=w)
                                 for c, b, w in aipw.balance(
                                     design.covariates, design.covariate_names, a, res.propensity,
                                     res.kept, squares, practices=design.practices,
                                     practice_names=design.practice_names, skip=j,
                                     together=X if joint else None, into=weights)]
        else:
            rows.append(_missing(dict(base, n_trimmed=0), "aipw", effect, "risk_difference",
                                 _join(main.warning, note)))
    warnings += [f"{name}: {fit.warning}" for name, fit in fits if fit.warning]
    return rows, balance_rows, warnings


def _join(*parts) -> str | None:
    return "; ".join(p for p in parts if p) or None


def _missing(base: dict, method: str, effect: str, scale: str, why: str | None) -> dict:
    return dict(base, method=method, effect=effect, scale=scale, estimate=None, ci_low=None,
                ci_high=None, p_value=None, warning=why or "not estimable")


def _interval(base: dict, method: str, effect: str, scale: str, estimate: float, se: float,
              warning: str | None, transform=None, df: int | None = None) -> dict:
    """A row with the Wald interval of ``estimate`` (against t with ``df`` degrees of freedom when
    given); no numbers when the standard error cannot give one (:data:`logit.NO_SE`)."""
    lo, hi, p = logit.wald(estimate, se, df)
    if lo is None:
        return _missing(base, method, effect, scale, _join(logit.NO_SE, warning))
    f = transform or (lambda v: float(v))
    return dict(base, method=method, effect=effect, scale=scale, estimate=f(estimate), ci_low=f(lo),
                ci_high=f(hi), p_value=p, std_error=float(se), t_df=df, warning=warning)


def _naive(y: np.ndarray, a: np.ndarray, base: dict, effect: str = "total", note: str | None = None
           ) -> dict:
    """Raw churn rate with minus without: what a spreadsheet would show, unadjusted."""
    if a.min() == a.max():
        return _missing(base, "naive", effect, "risk_difference", _join("no comparison group", note))
    r1, r0 = y[a == 1].mean(), y[a == 0].mean()
    se = np.sqrt(r1 * (1 - r1) / (a == 1).sum() + r0 * (1 - r0) / (a == 0).sum())
    return _interval(base, "naive", effect, "risk_difference", float(r1 - r0), se,
                     _join("unadjusted: confounded by anger and by the other practices; shown only "
                           "to compare", note))


def _logit_rows(fit: logit.LogitFit, X: np.ndarray, j: int, base: dict, effect: str,
                note: str | None = None, marginal: tuple | None = None) -> list[dict]:
    """Odds-ratio and AME rows of column ``j``; ``marginal`` is ``logit.ame(fit, X, j)`` when the
    caller has it already."""
    if not fit.ok:
        return [_missing(base, "logit", effect, "odds_ratio", _join(fit.warning, note)),
                _missing(base, "logit", effect, "risk_difference", _join(fit.warning, note))]
    b, se_b = fit.params[j], float(np.sqrt(fit.cov[j, j]))
    warning = _join(fit.warning, note)
    odds = _interval(base, "logit", effect, "odds_ratio", b, se_b, warning,
                     transform=lambda v: float(np.exp(v)), df=fit.df)
    est, se, _, _ = marginal if marginal is not None else logit.ame(fit, X, j)
    return [odds, _interval(base, "logit", effect, "risk_difference", est, se, warning, df=fit.df)]


def _aipw_row(res: aipw.AipwResult, base: dict, effect: str = "total", note: str | None = None) -> dict:
    base = dict(base, n_trimmed=int(res.n_trimmed), n_analysed=int(res.n_used - res.n_trimmed))
    if res.estimate is None:
        return _missing(base, "aipw", effect, "risk_difference", _join(res.warning, note))
    return _interval(base, "aipw", effect, "risk_difference", res.estimate, res.se,
                     _join(res.warning, note), df=res.df)
