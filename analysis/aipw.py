"""Doubly robust (augmented inverse-probability-weighted) effect of one practice on churn.

The estimand is the same as the logit AME: the mean over upset calls of
P(churn | practice used) - P(churn | not used), everything else as it was. AIPW
combines an outcome model (the logit with every practice and the pre-call
covariates) with a propensity model (the chance the agent used the practice,
given the pre-call covariates and the other practices); it stays consistent if
either model is right. Calls whose propensity is outside [trim, 1 - trim] are
left out (reported), and standard errors are clustered by agent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from calmline.analysis import gathered, logit

TRIM = 0.01
"""Calls with a propensity below this, or above 1 minus it, are outside the overlap and left out."""


@dataclass
class AipwResult:
    """One practice's doubly robust effect, its overlap and its weights."""

    estimate: float | None
    se: float | None
    n_used: int
    n_trimmed: int
    propensity: np.ndarray | None
    kept: np.ndarray | None
    warning: str | None = None
    df: int | None = None
    """Degrees of freedom of the t reference (agents - 1 below ``logit.FEW_AGENTS``), None: normal."""


@dataclass(frozen=True)
class Switched:
    """Each call's outcome-logit predictions with the practice used and not used (``p1``, ``p0`` of
    :func:`estimate`), made a block of rows at a time from the model's linear predictor, the
    practice's 0/1 column and its coefficient, instead of held as two whole vectors: the same
    arithmetic on each call's numbers as ``lin = linear - column * coefficient``,
    ``p1 = logistic(lin + coefficient)``, ``p0 = logistic(lin)`` over all calls, so the same values,
    bit for bit (two vectors of 23 MB fewer at 2.9M calls, and the whole-length ``lin``)."""

    linear: np.ndarray
    column: np.ndarray
    coefficient: float

    def rows(self, rows: slice) -> tuple[np.ndarray, np.ndarray]:
        """``(p1, p0)`` of the calls ``rows``."""
        lin = self.linear[rows] - self.column[rows] * self.coefficient
        return logit.predict_linear(lin + self.coefficient), logit.predict_linear(lin)


def estimate(X_other: np.ndarray, names_other: list[str], a: np.ndarray, y: np.ndarray,
             p1: np.ndarray | Switched, p0: np.ndarray | None, groups: np.ndarray, *, trim: float = TRIM,
             exclude: int | None = None, propensity: logit.LogitFit | None = None) -> AipwResult:
    """AIPW estimate of the effect of binary ``a`` on ``y``.

    Parameters
    ----------
    X_other : (n, k) array
        Propensity design: intercept, pre-call covariates and the other practices.
    a, y : (n,) arrays
        The practice (0/1) and the outcome: 0/1 (churn), or any numbers for a continuous
        outcome, whose estimate is then a mean difference in the outcome's unit.
    p1, p0 : (n,) arrays
        Outcome-model predictions (probabilities, or means for a continuous outcome) for
        each call with the practice used and not used; or ``p1`` a :class:`Switched` that makes
        both a block of rows at a time (``p0`` then None).
    groups : (n,) array
        Agents, for the cluster-robust standard error.
    trim : float
        Overlap bound for the propensity.
    exclude : int, optional
        A column of ``X_other`` that is not in the propensity model (the practice itself, when
        ``X_other`` is the outcome model's design): the same as deleting it, without a copy.
    propensity : LogitFit, optional
        The propensity model already fitted (``logit.fit(X_other, a, groups, names_other,
        covariance=False, exclude=exclude)``, or :func:`calmline.analysis.logit.propensities`
        for several practices together); fitted here otherwise.

    Returns
    -------
    AipwResult
        The estimate (probability units, or the outcome's unit) and its standard error, or
        None with a warning when the propensity model cannot be fitted or too few calls overlap.
    """
    n = len(a)
    if a.min() == a.max():
        return AipwResult(None, None, n, 0, None, None, "no variation: the practice is used on "
                          + ("every" if a.min() == 1 else "no") + " call")
    prop = propensity if propensity is not None else logit.fit(
        X_other, a, groups, names_other, covariance=False, exclude=exclude)
    if not prop.ok:
        return AipwResult(None, None, n, 0, None, None, f"propensity model: {prop.warning}")
    e = logit.predict(prop.params, X_other)
    kept = (e >= trim) & (e <= 1 - trim)
    n_kept = int(kept.sum())
    if n_kept < 50 or a[kept].min() == a[kept].max():
        return AipwResult(None, None, n, n - n_kept, e, kept,
                          "no overlap: the practice is (almost) determined by the call's situation "
                          "and the agent's other practices")
    psi, g_k = _influence(a, y, e, p1, p0, kept, n_kept), groups[kept]
    tau = float(psi.mean())
    df = logit.small_cluster_df(g_k)
    psi -= tau  # (centred in place: the same values as psi - tau, without a second vector)
    se = _cluster_se(psi, g_k, small=df is not None)
    warning = None
    if n - n_kept > 0.05 * n:
        warning = f"{n - n_kept:,} calls ({(n - n_kept) / n:.0%}) outside the overlap were left out"
    if df is not None:
        warning = "; ".join(w for w in (warning, logit.few_agents_note(df + 1)) if w)
    return AipwResult(tau, se, n, n - n_kept, e, kept, warning, df)


PSI_ROWS = 65_536
"""Rows per block of :func:`_influence`."""


def _influence(a: np.ndarray, y: np.ndarray, e: np.ndarray, p1: np.ndarray | Switched,
               p0: np.ndarray | None, kept: np.ndarray, n_kept: int) -> np.ndarray:
    """Each kept call's AIPW influence value ``p1 - p0 + a (y - p1) / e - (1 - a) (y - p0) / (1 - e)``,
    in row order, computed a block of :data:`PSI_ROWS` rows at a time (p1 and p0 of the block made
    then when ``p1`` is a :class:`Switched`): the same arithmetic on each call's numbers, so the same
    values, bit for bit, without the kept calls' copies of the five vectors and the formula's
    whole-length temporaries (about 10 vectors of 23 MB at 2.9M calls)."""
    psi = np.empty(n_kept)
    at = 0
    for start in range(0, len(a), PSI_ROWS):
        rows = slice(start, start + PSI_ROWS)
        k = kept[rows]
        p1_b, p0_b = p1.rows(rows) if isinstance(p1, Switched) else (p1[rows], p0[rows])
        a_k, y_k, e_k, p1_k, p0_k = a[rows][k], y[rows][k], e[rows][k], p1_b[k], p0_b[k]
        part = p1_k - p0_k + a_k * (y_k - p1_k) / e_k - (1 - a_k) * (y_k - p0_k) / (1 - e_k)
        psi[at:at + len(part)] = part
        at += len(part)
    return psi


def _cluster_se(centered: np.ndarray, groups: np.ndarray, *, small: bool = False) -> float:
    """Standard error of a mean of influence values, summed within clusters.

    CR1: sqrt(G / (G - 1) sum_g S_g^2) / n, S_g the cluster's sum. ``small``: CR2 (Bell and
    McCaffrey) for a mean, whose hat matrix block is J / n, so each cluster's sum is divided by
    sqrt(1 - n_g / n): sqrt(sum_g S_g^2 / (1 - n_g / n)) / n (with equal clusters the same as
    CR1; with unequal ones larger where one agent holds many calls).
    """
    n = len(centered)
    codes = logit._codes(groups)
    sums = np.bincount(codes, weights=centered)
    sizes = np.bincount(codes)
    g = int(np.count_nonzero(sizes))
    if g < 2:
        return float(np.sqrt(np.sum(centered ** 2)) / n)
    if small:
        present = sizes > 0
        return float(np.sqrt(np.sum(sums[present] ** 2 / (1 - sizes[present] / n))) / n)
    return float(np.sqrt(g / (g - 1) * np.sum(sums ** 2)) / n)


def squared(columns: np.ndarray, *, held: bool = True) -> dict[int, np.ndarray]:
    """The squares :func:`balance` needs of ``columns``: ``{j: column_j ** 2}`` for the columns that
    are not 0/1 only (a 0/1 column is its own square, bit for bit), so checking balance on many
    practices holds a few squared columns, not a second copy of the covariates. Not ``held``: a
    :class:`Squares` that makes each when it is read (for a matrix read by blocks, whose balance
    reads each one at a time: three vectors of 23 MB fewer held at 2.9M calls)."""
    other = np.zeros(columns.shape[1], bool)  # a value neither 0 nor 1, found over row blocks
    for _, block in gathered.row_blocks(columns, 32_768):
        other |= ((block != 0) & (block != 1)).any(axis=0)
    if not held:
        return Squares(columns, np.flatnonzero(other))
    if isinstance(columns, gathered.Gathered):  # (each column gathered once)
        return {j: column * column for j in np.flatnonzero(other) for column in [columns.column(j)]}
    return {j: columns[:, j] * columns[:, j] for j in np.flatnonzero(other)}


class Squares(Mapping):
    """:func:`squared`'s ``{j: column_j ** 2}`` with each square made when it is read (the same
    elementwise product, so the same values) and not kept."""

    def __init__(self, columns, which) -> None:
        self._columns, self._which = columns, [int(j) for j in which]

    def __getitem__(self, j: int) -> np.ndarray:
        if j not in self._which:
            raise KeyError(j)
        if isinstance(self._columns, np.ndarray):  # (a view of the array's column)
            return self._columns[:, j] * self._columns[:, j]
        column = gathered.column(self._columns, j)  # a new array: squared where it lies
        return np.multiply(column, column, out=column)

    def __iter__(self):
        return iter(self._which)

    def __len__(self) -> int:
        return len(self._which)


def balance(covariates: np.ndarray, names: list[str], a: np.ndarray, e: np.ndarray,
            kept: np.ndarray, squares: np.ndarray | dict | None = None, *,
            practices: np.ndarray | None = None, practice_names: list[str] | None = None,
            skip: int | None = None, together: np.ndarray | None = None,
            into: np.ndarray | None = None) -> list[tuple[str, float, float]]:
    """Standardized mean differences (used minus not used) before and after weighting.

    Parameters
    ----------
    covariates : (n, k) array
        Intercept first (left out of the result), then the pre-call covariates.
    names : list of str
        Column names of ``covariates``.
    a, e, kept : (n,) arrays
        The practice (0/1), its propensity and the calls inside the overlap.
    squares : (n, k) array or dict, optional
        ``covariates`` squared, or :func:`squared` of them, when balance is checked for many
        practices on the same covariates.
    practices : (n, m) array of 0/1, optional
        The other practices on the call (the co-practices, the main confounders); their balance
        is reported too, after the covariates'.
    practice_names : list of str, optional
        Column names of ``practices``.
    skip : int, optional
        A column of ``practices`` left out (the practice itself, when ``practices`` holds all of
        them): the same rows as without that column, and no copy of the others.
    together : (n, m + k) array, optional
        ``practices`` then ``covariates`` side by side (the model's matrix), when the caller has
        them so: every column's sums from one product over its rows instead of one per part (the
        parts are views of it with wider rows: each product read all of its rows' memory). The
        same rows, in the same order.
    into : (n, 4) array, optional
        Where the four weight columns of the sums (treated, control, and each weighted) are written
        with ``together``, when the caller checks balance for many practices on the same calls: one
        array for all of them instead of a new one each (a new array's pages are mapped and zeroed
        when first written: 13 x 24 MB at 1M upset calls). The same sums, bit for bit.

    Returns
    -------
    list of (column, smd_before, smd_after)
        For every covariate but the intercept, then every co-practice, that varies; after
        weighting by 1/e and 1/(1 - e) among calls inside the overlap, |SMD| < 0.1 is the usual
        mark of good balance.
    """
    if a.min() == a.max():
        return []
    blocks = isinstance(together, gathered.Gathered)  # (the weights then made a block at a time)
    w = None if blocks else _weights(a, e, kept)
    if together is not None and practices is not None and squares is not None \
            and not isinstance(squares, np.ndarray) and covariates.shape[1] >= 2:
        m = practices.shape[1]
        names_t = [*practice_names, *names]
        found = _smd_blocks(together, squares, m, names_t, a, e, kept) if blocks else \
            _smd(together, {m + j: v for j, v in squares.items() if j}, names_t, (a == 1).astype(float),
                 (a == 0).astype(float), w, into)
        at = {name: k for k, name in enumerate([*practice_names, *names])}
        # covariates first (not the intercept), then the co-practices but ``skip``, as below
        return ([r for r in found if at[r[0]] > m] +
                [r for r in found if at[r[0]] < m and (skip is None or r[0] != practice_names[skip])])
    w = _weights(a, e, kept) if w is None else w
    t, c = (a == 1).astype(float), (a == 0).astype(float)
    out = []
    if covariates.shape[1] >= 2:
        X = covariates[:, 1:]  # column 0 is the intercept; slicing makes no copy
        if squares is None:
            squares = squared(covariates)
        sq = squares[:, 1:] if isinstance(squares, np.ndarray) else \
            {j - 1: v for j, v in squares.items() if j}  # without the intercept
        out += _smd(X, sq, names[1:], t, c, w)
    if practices is not None and practices.shape[1]:
        # 0/1 columns, their own squares; a skipped column is computed alongside and left out
        found = _smd(practices, {}, list(practice_names), t, c, w)
        out += [r for r in found if skip is None or r[0] != practice_names[skip]]
    return out


def _smd(X: np.ndarray, sq: np.ndarray | dict, names: list[str], t: np.ndarray, c: np.ndarray, w: np.ndarray,
         into: np.ndarray | None = None) -> list[tuple[str, float, float]]:
    """(name, SMD before, SMD after weighting by ``w``) of the columns of ``X`` that vary; ``sq`` is
    X squared, or :func:`squared` of X (the other columns being 0/1, their own squares)."""
    wt, wc = w * t, w * c
    # the four weighted column sums from one pass over X (one product, not four)
    if into is None:
        weights = np.column_stack([t, c, wt, wc])
    else:  # the same (n, 4) C-ordered array, written into the caller's
        weights = into
        weights[:, 0], weights[:, 1], weights[:, 2], weights[:, 3] = t, c, wt, wc
    s1, s0, u1, u0 = gathered.crossprod(weights, X)
    if isinstance(sq, np.ndarray):
        q1, q0 = t @ sq, c @ sq
    else:
        q1, q0 = s1.copy(), s0.copy()
        for j, v in sq.items():
            q1[j], q0[j] = t @ v, c @ v
    return _differences(names, (s1, s0, u1, u0), (q1, q0), (t.sum(), c.sum(), wt.sum(), wc.sum()))


def _differences(names: list[str], sums: tuple, squares: tuple, totals: tuple) -> list[tuple[str, float, float]]:
    """:func:`_smd`'s rows from the columns' sums over the treated and the controls, unweighted and
    weighted (``sums``), the sums of their squares (``squares``) and the four weights' totals."""
    (s1, s0, u1, u0), (q1, q0), (n1, n0, w1, w0) = sums, squares, totals
    m1, m0 = s1 / n1, s0 / n0
    v1, v0 = q1 / n1 - m1 ** 2, q0 / n0 - m0 ** 2
    pooled = np.sqrt(np.clip((v1 + v0) / 2, 0, None))
    varies = pooled > 0
    pooled = np.where(varies, pooled, 1.0)
    before = (m1 - m0) / pooled
    after = ((u1 / w1 - u0 / w0) / pooled if w1 > 0 and w0 > 0 else np.zeros(len(names)))
    return [(names[j], float(before[j]), float(after[j])) for j in range(len(names)) if varies[j]]


def _weights(a: np.ndarray, e: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Each call's balance weight: 1/e if treated, 1/(1 - e) if not (e kept off 0 and 1), 0 outside
    the overlap; elementwise, so a block of rows' weights are those rows' of the whole vector."""
    return np.where(a == 1, 1 / np.clip(e, 1e-9, None), 1 / np.clip(1 - e, 1e-9, None)) * kept


def _smd_blocks(X: gathered.Gathered, squares: Mapping, m: int, names: list[str], a: np.ndarray,
                e: np.ndarray, kept: np.ndarray) -> list[tuple[str, float, float]]:
    """:func:`_smd` of a matrix read a block of rows at a time (``squares``: :func:`squared` of its
    covariates, which follow its ``m`` practices; the intercept's left out; each read when needed),
    its treated and control indicators ``a == 1``, ``a == 0`` and :func:`_weights`: the four weight
    columns made for each block of rows as :func:`calmline.analysis.gathered.crossprod` reads it (the
    same blocks, the same values, so the same sums, bit for bit), not as the weight vector, four
    whole vectors and an (n, 4) array (about 8 vectors of 23 MB at 2.9M calls, and the weights'
    temporaries). The totals and the squares' sums are taken over whole vectors as there,
    written one at a time into one buffer (the same sums, in the same order)."""
    sums = None
    weights = np.empty((min(gathered.PRODUCT_ROWS, len(X)), 4))
    for rows, block in gathered.row_blocks(X, gathered.PRODUCT_ROWS):
        part = weights[:block.shape[0]]
        a_b, w_b = a[rows], _weights(a[rows], e[rows], kept[rows])
        part[:, 0], part[:, 1] = a_b == 1, a_b == 0
        np.multiply(w_b, part[:, 0], out=part[:, 2])
        np.multiply(w_b, part[:, 1], out=part[:, 3])
        product = part.T @ block
        sums = product if sums is None else sums + product
    if sums is None:
        sums = np.zeros((4, X.shape[1]))
    side = np.empty(len(a))  # each side's indicator, then its weights, over all calls
    totals, squared_sums, weighted = [], [], []
    for k, value in enumerate((1, 0)):
        np.equal(a, value, out=side)  # (a == 1).astype(float): 1.0 and 0.0
        q = sums[k].copy()
        for j in squares:
            if j:
                q[m + j] = side @ squares[j]
        totals.append(side.sum())
        squared_sums.append(q)
        for start in range(0, len(a), PSI_ROWS):  # w * (a == value), as the whole vectors' product
            at = slice(start, start + PSI_ROWS)
            np.multiply(_weights(a[at], e[at], kept[at]), side[at], out=side[at])
        weighted.append(side.sum())
    return _differences(names, tuple(sums), tuple(squared_sums), (*totals, *weighted))
