"""The estimators on any DataFrame: the notebook API.

Each function estimates the average effect of a binary treatment on an outcome, adjusted for
the covariates you name: the mean over all rows of the outcome with the treatment minus
without it (the average treatment effect). A 0/1 outcome gives a risk difference (probability
units: 0.05 is 5 percentage points); any other numeric outcome a mean difference in the
outcome's own unit.

- :func:`standardise`: the g-formula (standardisation, the average marginal effect): an
  outcome model (logit for a 0/1 outcome, least squares otherwise) predicts every row with
  and without the treatment; Hernán and Robins, *Causal Inference: What If*, chapter 13.
- :func:`ip_weighting`: inverse probability weighting: a logit propensity model, then the
  weighted difference in mean outcome (Hajek); chapter 12.
- :func:`aipw`: doubly robust (augmented IPW): both models, consistent if either is right.
- :func:`estimate_all`: the three, and the unadjusted difference, in one frame.

Every function takes the column names as arguments, returns a tidy frame (:data:`COLUMNS`),
and raises one :class:`DataError` naming every problem with the columns at once. Rows with a
missing value in any column used are left out and counted (``n_dropped``). Covariates that are
not numeric (or are listed in ``categorical``) get a 0/1 column per level but the first;
numeric ones enter as they are (add ``age**2`` as a column of its own for a square).
Standard errors come from each row's influence value (the sandwich, as a bootstrap would
count), summed within clusters when ``cluster`` names a column; intervals are 95% Wald
intervals. With fewer than :data:`FEW_CLUSTERS` clusters, as in the product's fit, the
standard errors are small-cluster corrected (CR2) and intervals and p-values use a t
distribution with G - 1 degrees of freedom, and every row says so.

The product's fit (:mod:`calmline.analysis.effects`) uses the same models
(:mod:`calmline.analysis.logit`, :mod:`calmline.analysis.aipw`) on its own design.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api import types

from calmline.analysis import aipw as _aipw
from calmline.analysis import logit

COLUMNS = ["term", "method", "estimand", "outcome_model", "estimate", "std_error", "ci_low",
           "ci_high", "p_value", "n", "n_analysed", "n_treated", "n_untreated", "n_dropped",
           "n_trimmed", "n_clusters", "warning"]
"""The columns of every result. ``term``: the treatment column; ``estimand``: risk_difference
(0/1 outcome, probability units) or mean_difference (the outcome's unit); ``outcome_model``:
logit, linear or None (IP weighting and the unadjusted difference use none); ``n``: complete
rows; ``n_analysed``: rows the estimate uses (``n`` less ``n_trimmed``, the rows whose
propensity lay outside [trim, 1 - trim]); ``n_treated``/``n_untreated``: among the analysed
rows; ``n_dropped``: rows left out for a missing value; ``n_clusters``: clusters (rows when no
cluster column is given)."""

FEW_CLUSTERS = logit.FEW_AGENTS
"""Below this many clusters: CR2 standard errors and a t reference, with a note on the row."""

OUTCOME_MODELS = ("auto", "logit", "linear")
"""``auto``: logit when the outcome is 0/1 (or boolean), least squares otherwise."""


class DataError(ValueError):
    """The data cannot be used as asked: every problem found, in one message.

    Attributes
    ----------
    problems : list of str
        One sentence per problem.
    missing : list of str
        The column names asked for that the frame does not have.
    """

    def __init__(self, problems: list[str], missing: list[str]):
        self.problems = problems
        self.missing = missing
        super().__init__("the data cannot be used:\n- " + "\n- ".join(problems))


class _Data:
    """Validated, complete-case arrays and encoded covariates."""

    def __init__(self, df, treatment, outcome, covariates, categorical, interactions, cluster,
                 outcome_model):
        covariates, categorical, interactions = map(_names, (covariates, categorical, interactions))
        _check(df, treatment, outcome, covariates, categorical, interactions, cluster, outcome_model)
        used = list(dict.fromkeys([treatment, outcome, *covariates] + ([cluster] if cluster else [])))
        complete = df[used].notna().all(axis=1)
        data = df.loc[complete, used].reset_index(drop=True)
        self.n_dropped = int((~complete).sum())
        self.n = len(data)
        self.treatment = treatment
        self.a = data[treatment].astype(float).to_numpy()
        self.y = data[outcome].astype(float).to_numpy()
        binary = bool(np.isin(self.y, (0.0, 1.0)).all())
        self.linear = outcome_model == "linear" or (outcome_model == "auto" and not binary)
        self.estimand = "risk_difference" if binary else "mean_difference"
        self.groups = (pd.factorize(data[cluster])[0] if cluster else np.arange(self.n))
        self.clustered = cluster is not None
        self.n_clusters = int(self.groups.max() + 1) if self.n else 0
        blocks, names, self.notes = [np.ones((self.n, 1))], ["intercept"], []
        modifiers = []
        for col in covariates:
            x, cols = _encode(data[col], col, col in categorical)
            if not cols:
                self.notes.append(f"covariate {col!r} has one value only and was left out")
                continue
            blocks.append(x)
            names += cols
            if col in interactions:
                modifiers.append((x, [f"{treatment}:{c}" for c in cols]))
        self.C = np.column_stack(blocks)
        self.C_names = names
        self.M = (np.column_stack([x for x, _ in modifiers]) if modifiers
                  else np.empty((self.n, 0)))
        self.M_names = [c for _, cols in modifiers for c in cols]
        if self.n and self.a.min() == self.a.max():
            raise DataError([f"after leaving out {self.n_dropped:,} rows with missing values, the "
                             f"treatment {treatment!r} is {int(self.a[0])} on every row"], [])
        if self.n and self.y.min() == self.y.max():
            raise DataError([f"after leaving out {self.n_dropped:,} rows with missing values, the "
                             f"outcome {outcome!r} is {self.y[0]:g} on every row: nothing to "
                             "estimate"], [])
        if self.clustered and self.n_clusters < FEW_CLUSTERS:
            self.notes.append(f"only {self.n_clusters} clusters: cluster-robust standard errors "
                              f"run small below {FEW_CLUSTERS}, so they are small-cluster "
                              "corrected (CR2, Bell-McCaffrey) and intervals and p-values use a "
                              f"t distribution with {self.n_clusters - 1} degrees of freedom")

    def outcome_design(self, a: np.ndarray) -> np.ndarray:
        """Intercept, treatment, covariates, treatment x modifiers, for treatment values ``a``."""
        return np.column_stack([self.C[:, :1], a, self.C[:, 1:], self.M * a[:, None]])

    @property
    def outcome_names(self) -> list[str]:
        return ["intercept", self.treatment] + self.C_names[1:] + self.M_names

    def row(self, method: str, outcome_model: str | None, estimate: float | None, se: float | None,
            kept: np.ndarray | None = None, warning: str | None = None,
            df: int | None = None) -> dict:
        """One result row; no numbers when the standard error cannot give an interval."""
        kept = np.ones(self.n, bool) if kept is None else kept
        parts = self.notes + ([warning] if warning else [])
        base = dict(term=self.treatment, method=method, estimand=self.estimand,
                    outcome_model=outcome_model, n=self.n, n_analysed=int(kept.sum()),
                    n_treated=int(self.a[kept].sum()), n_untreated=int((1 - self.a[kept]).sum()),
                    n_dropped=self.n_dropped, n_trimmed=int(self.n - kept.sum()),
                    n_clusters=self.n_clusters)
        lo, hi, p = (None, None, None) if estimate is None else logit.wald(estimate, se, df)
        if lo is None:
            parts = parts + ([logit.NO_SE] if estimate is not None else []) or ["not estimable"]
            warnings.warn(f"{method}: " + "; ".join(parts), stacklevel=3)
            return dict(base, estimate=None, std_error=None, ci_low=None, ci_high=None,
                        p_value=None, warning="; ".join(parts))
        return dict(base, estimate=float(estimate), std_error=float(se), ci_low=float(lo),
                    ci_high=float(hi), p_value=float(p), warning="; ".join(parts) or None)

    def se(self, influence: np.ndarray, rows: np.ndarray | None = None) -> tuple[float, int | None]:
        """Standard error of a mean from its rows' influence values, summed within clusters, and
        the t reference's degrees of freedom (None: normal); ``rows``: the rows it uses."""
        groups = self.groups if rows is None else self.groups[rows]
        df = logit.small_cluster_df(groups) if self.clustered else None
        return _aipw._cluster_se(influence, groups, small=df is not None), df


def standardise(df: pd.DataFrame, treatment: str, outcome: str, covariates: Sequence[str] = (), *,
                categorical: Sequence[str] = (), interactions: Sequence[str] = (),
                cluster: str | None = None, outcome_model: str = "auto") -> pd.DataFrame:
    """Average treatment effect by standardisation (the g-formula, the average marginal effect).

    An outcome model of ``outcome`` on the treatment, the covariates and the treatment's
    interactions predicts every row's outcome with the treatment and without it; the
    estimate is the mean difference of the two predictions over all rows.

    Parameters
    ----------
    df : DataFrame
        One row per unit.
    treatment : str
        A 0/1 (or boolean) column.
    outcome : str
        A numeric column: 0/1 gives a risk difference, anything else a mean difference.
    covariates : sequence of str
        Columns adjusted for: numeric ones enter linearly, the others (and those listed in
        ``categorical``) as one 0/1 column per level but the first.
    categorical : sequence of str
        Numeric covariates to treat as categories (codes such as education level).
    interactions : sequence of str
        Covariates whose coefficient may differ with the treatment (treatment x covariate
        terms in the outcome model); all of them makes the outcome model one per arm.
    cluster : str, optional
        A column of cluster labels (agents, schools) for cluster-robust standard errors.
    outcome_model : {"auto", "logit", "linear"}
        The outcome model: ``auto`` is logit for a 0/1 outcome and least squares otherwise;
        ``linear`` on a 0/1 outcome is the linear probability model.

    Returns
    -------
    DataFrame
        One row, columns :data:`COLUMNS`, ``method`` "standardisation". The standard error
        comes from the estimate's influence function (the outcome model's sandwich and the
        spread of the rows' predicted contrasts, as a bootstrap would count them).

    Raises
    ------
    DataError
        Naming every missing column and every other problem with the columns at once.
    """
    d = _Data(df, treatment, outcome, covariates, categorical, interactions, cluster, outcome_model)
    model = "linear" if d.linear else "logit"
    fit, X, X1, X0 = _outcome_fit(d)
    if not fit.ok:
        return _frame([d.row("standardisation", model, None, None, warning=f"outcome model: {fit.warning}")])
    est, influence, _, _ = logit.g_formula(fit.params, X, d.y, X1, X0, linear=d.linear)
    se, df_t = d.se(influence)
    return _frame([d.row("standardisation", model, est, se, warning=fit.warning, df=df_t)])


def ip_weighting(df: pd.DataFrame, treatment: str, outcome: str, covariates: Sequence[str] = (), *,
                 categorical: Sequence[str] = (), cluster: str | None = None,
                 trim: float = _aipw.TRIM) -> pd.DataFrame:
    """Average treatment effect by inverse probability weighting.

    A logit propensity model of the treatment on the covariates gives each row the
    probability e of the treatment it got; rows are weighted by 1/e (treated) and
    1/(1 - e) (untreated), and the estimate is the difference of the weighted mean outcomes
    (the coefficient of a weighted least-squares regression of the outcome on the treatment,
    the saturated marginal structural model).

    Parameters
    ----------
    df, treatment, outcome, covariates, categorical, cluster
        As :func:`standardise`.
    trim : float
        Rows whose propensity lies outside [trim, 1 - trim] are left out (``n_trimmed``); 0
        keeps every row.

    Returns
    -------
    DataFrame
        One row, columns :data:`COLUMNS`, ``method`` "ip_weighting". The standard error is
        the weighted regression's robust (sandwich) one, which treats the weights as known and
        is therefore conservative, as Hernán and Robins's GEE is (their 3.44 kg, 2.41 to 4.47).

    Raises
    ------
    DataError
        Naming every missing column and every other problem with the columns at once.
    """
    d = _Data(df, treatment, outcome, covariates, categorical, (), cluster, "auto")
    e, kept, why = _propensity(d, trim)
    if e is None:
        return _frame([d.row("ip_weighting", None, None, None, kept, why)])
    a, y = d.a[kept], d.y[kept]
    w = np.where(a == 1, 1 / e[kept], 1 / (1 - e[kept]))
    est, influence = _difference(a, y, w)
    se, df_t = d.se(influence, kept)
    return _frame([d.row("ip_weighting", None, est, se, kept, why, df=df_t)])


def aipw(df: pd.DataFrame, treatment: str, outcome: str, covariates: Sequence[str] = (), *,
         categorical: Sequence[str] = (), interactions: Sequence[str] = (),
         cluster: str | None = None, outcome_model: str = "auto",
         trim: float = _aipw.TRIM) -> pd.DataFrame:
    """Average treatment effect by augmented inverse probability weighting (doubly robust).

    Combines the outcome model of :func:`standardise` with the propensity model of
    :func:`ip_weighting`: consistent if either is right. With both models saturated (one
    categorical covariate holding every stratum, interacted with the treatment, and a
    linear outcome model) it equals the exact stratified difference.

    Parameters
    ----------
    df, treatment, outcome, covariates, categorical, interactions, cluster, outcome_model
        As :func:`standardise`.
    trim : float
        As :func:`ip_weighting`.

    Returns
    -------
    DataFrame
        One row, columns :data:`COLUMNS`, ``method`` "aipw"; the standard error from the
        influence values, clustered when ``cluster`` is given.

    Raises
    ------
    DataError
        Naming every missing column and every other problem with the columns at once.
    """
    d = _Data(df, treatment, outcome, covariates, categorical, interactions, cluster, outcome_model)
    model = "linear" if d.linear else "logit"
    fit, X, X1, X0 = _outcome_fit(d)
    if not fit.ok:
        return _frame([d.row("aipw", model, None, None, warning=f"outcome model: {fit.warning}")])
    _, _, m1, m0 = logit.g_formula(fit.params, X, d.y, X1, X0, linear=d.linear)
    res = _aipw.estimate(d.C, d.C_names, d.a, d.y, m1, m0, d.groups, trim=trim)
    kept = res.kept if res.kept is not None else np.ones(d.n, bool)
    if res.estimate is None:  # the product's words (calls, practices) put in this API's
        why = res.warning if res.kept is None else NO_OVERLAP
    else:
        why = _trimmed(d.n, int(kept.sum()), trim)
    why = "; ".join(w for w in (fit.warning, why) if w) or None
    return _frame([d.row("aipw", model, res.estimate, res.se, kept, why, df=res.df)])


def estimate_all(df: pd.DataFrame, treatment: str, outcome: str, covariates: Sequence[str] = (), *,
                 categorical: Sequence[str] = (), interactions: Sequence[str] = (),
                 cluster: str | None = None, outcome_model: str = "auto",
                 trim: float = _aipw.TRIM) -> pd.DataFrame:
    """The unadjusted difference, standardisation, IP weighting and AIPW, one row each.

    Parameters
    ----------
    df, treatment, outcome, covariates, categorical, interactions, cluster, outcome_model, trim
        As :func:`standardise`, :func:`ip_weighting` and :func:`aipw`.

    Returns
    -------
    DataFrame
        Four rows, columns :data:`COLUMNS`; ``method`` unadjusted | standardisation |
        ip_weighting | aipw. The unadjusted row is the plain difference in mean outcome
        (treated minus untreated) with a robust standard error, shown to compare.
    """
    d = _Data(df, treatment, outcome, covariates, categorical, interactions, cluster, outcome_model)
    est, influence = _difference(d.a, d.y, np.ones(d.n))
    se, df_t = d.se(influence)
    raw = _frame([d.row("unadjusted", None, est, se, df=df_t,
                        warning="unadjusted: confounded by whatever drives both treatment and outcome")])
    shared = dict(categorical=categorical, cluster=cluster)
    return pd.concat([
        raw,
        standardise(df, treatment, outcome, covariates, interactions=interactions,
                    outcome_model=outcome_model, **shared),
        ip_weighting(df, treatment, outcome, covariates, trim=trim, **shared),
        aipw(df, treatment, outcome, covariates, interactions=interactions,
             outcome_model=outcome_model, trim=trim, **shared),
    ], ignore_index=True)


def _difference(a: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    """Weighted mean of ``y`` among a = 1 minus among a = 0 (Hajek), and each row's influence
    value (the weighted regression of y on a's sandwich, weights taken as known)."""
    n = len(y)
    w1, w0 = w * a, w * (1 - a)
    m1, m0 = np.sum(w1 * y) / w1.sum(), np.sum(w0 * y) / w0.sum()
    influence = n * (w1 * (y - m1) / w1.sum() - w0 * (y - m0) / w0.sum())
    return float(m1 - m0), influence


def _outcome_fit(d: _Data):
    X = d.outcome_design(d.a)
    X1, X0 = d.outcome_design(np.ones(d.n)), d.outcome_design(np.zeros(d.n))
    names = d.outcome_names
    if d.linear:
        fit = logit.fit_linear(X, d.y, d.groups if d.clustered else None, names)
    else:
        fit = logit.fit(X, d.y, d.groups, names, covariance=False)
    return fit, X, X1, X0


def _propensity(d: _Data, trim: float):
    """Propensity of the treatment given the covariates; rows inside [trim, 1 - trim]; a warning."""
    prop = logit.fit(d.C, d.a, d.groups, d.C_names, covariance=False)
    if not prop.ok:
        return None, None, f"propensity model: {prop.warning}"
    e = logit.predict(prop.params, d.C)
    kept = (e >= trim) & (e <= 1 - trim)
    if kept.sum() < 2 or d.a[kept].min() == d.a[kept].max():
        return None, kept, NO_OVERLAP
    return e, kept, _trimmed(d.n, int(kept.sum()), trim)


NO_OVERLAP = "no overlap: the covariates (almost) determine the treatment"


def _trimmed(n: int, n_kept: int, trim: float) -> str | None:
    """The warning of rows left out of the overlap, or None when there were none."""
    out = n - n_kept
    return (f"{out:,} rows ({out / n:.0%}) with a propensity outside [{trim:g}, {1 - trim:g}] "
            "were left out" if out else None)


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def _names(value) -> list[str]:
    """Column names given as one name, a sequence of names or None."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _encode(values: pd.Series, name: str, categorical: bool) -> tuple[np.ndarray, list[str]]:
    """A numeric column as it is, or 0/1 columns for every level but the first; [] if constant."""
    if categorical or not (types.is_numeric_dtype(values) or types.is_bool_dtype(values)):
        cats = pd.Categorical(values)
        cats = cats.remove_unused_categories()
        levels = list(cats.categories)
        if len(levels) < 2:
            return np.empty((len(values), 0)), []
        codes = cats.codes
        return (np.column_stack([(codes == k).astype(float) for k in range(1, len(levels))]),
                [f"{name}[{lvl}]" for lvl in levels[1:]])
    x = values.astype(float).to_numpy()
    if np.ptp(x) == 0:
        return np.empty((len(x), 0)), []
    return x[:, None], [name]


def _check(df, treatment, outcome, covariates, categorical, interactions, cluster, outcome_model):
    """Every problem with the arguments and columns, raised at once as a :class:`DataError`."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, not {type(df).__name__}")
    problems = []
    asked = [("treatment", treatment), ("outcome", outcome)] + \
        [("covariate", c) for c in covariates] + ([("cluster", cluster)] if cluster else [])
    missing = list(dict.fromkeys(c for _, c in asked if c not in df.columns))
    if missing:
        roles = {}
        for role, c in asked:
            if c in missing:
                roles.setdefault(c, role)
        problems.append(f"{len(missing)} column{'s' if len(missing) > 1 else ''} not in the data: "
                        + ", ".join(f"{c!r} ({roles[c]})" for c in missing)
                        + f"; it has {_some(df.columns)}")
    for what, extra in (("categorical", categorical), ("interactions", interactions)):
        stray = [c for c in extra if c not in covariates]
        if stray:
            problems.append(f"{what} must name covariates; not among them: {', '.join(map(repr, stray))}")
    if outcome_model not in OUTCOME_MODELS:
        problems.append(f"outcome_model must be one of {', '.join(OUTCOME_MODELS)}, not {outcome_model!r}")
    for role, col in (("treatment", treatment), ("outcome", outcome)):
        if col in covariates:
            problems.append(f"the {role} {col!r} cannot also be a covariate")
    if treatment == outcome:
        problems.append(f"the treatment and the outcome are the same column {treatment!r}")
    if treatment in df.columns:
        values = df[treatment].dropna()
        if not (types.is_bool_dtype(values) or types.is_numeric_dtype(values)) or \
                not values.isin([0, 1]).all():
            problems.append(f"the treatment {treatment!r} must be 0/1 or True/False; it has "
                            f"{_some(values.unique(), ordered=True)}")
        elif values.nunique() < 2:
            problems.append(f"the treatment {treatment!r} has one value only, so there is nothing "
                            "to compare")
    if outcome in df.columns and outcome != treatment:
        values = df[outcome].dropna()
        if not (types.is_bool_dtype(values) or types.is_numeric_dtype(values)):
            problems.append(f"the outcome {outcome!r} must be numeric (0/1 for a risk difference); "
                            f"it has {_some(values.unique(), ordered=True)}")
        elif outcome_model == "logit" and not values.isin([0, 1]).all():
            problems.append(f"outcome_model 'logit' needs a 0/1 outcome; {outcome!r} has "
                            f"{_some(values.unique(), ordered=True)}")
    if not missing and len(df) and not df[[treatment, outcome, *covariates]
                                          + ([cluster] if cluster else [])].notna().all(axis=1).any():
        problems.append("no row has a value in every column used")
    if len(df) == 0:
        problems.append("the data has no rows")
    if problems:
        raise DataError(problems, missing)


def _some(values, k: int = 6, *, ordered: bool = False) -> str:
    """The first ``k`` of ``values`` for a message (sorted when ``ordered`` and sortable)."""
    values = [v.item() if hasattr(v, "item") else v for v in values]
    if ordered:
        try:
            values = sorted(values)
        except TypeError:
            pass
    shown = [repr(v) for v in values[:k]]
    more = len(values) - k
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "") if shown else "nothing"
