"""Cox partial likelihood with Efron's (or Breslow's) tie correction, and its maximiser.

Works on calls sorted by time, churned calls first within a time (``sort_order``).
Every risk-set sum then comes from sums within each run of calls sharing a time
and status, added up from the last time back, so one pass over the calls per
term gives all of them. A time with d churns is d Efron sub-steps: at sub-step l
the churned calls keep weight ``1 - l/d`` in the risk set (Breslow: weight 1
throughout), as in R survival's ``coxph``. Memory is the covariate matrix, a few
vectors of one number per call and a few arrays of one row per distinct time
(small when times are whole days); nothing of size calls x terms x terms.

The matrix is read through a small protocol (:class:`Dense` for a float array): blocks of
``CHUNK`` rows (``rows``), one column at a time (``columns``), and the two products over all
rows, :func:`matvec` and :func:`rmatvec`, taken a block at a time. A matrix kept in another form
(the survival step's 0/1 terms as bytes, ``cox_sorted``) hands out the same float blocks and
columns, so it gives the same numbers to the last digit without a float copy of every call.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import blas

CHUNK = 4_096          # rows per block of the information's weighted cross-product
STEP_TOL = 1e-9        # converged: no log hazard ratio moves by more than this ...
LOGLIK_TOL = 1e-12     # ... and the log partial likelihood by less than this, relative
MAX_HALVINGS = 30      # halve a step that lowers the likelihood at most this often


class Dense:
    """An (n, k) float array as the engine reads a model's terms.

    ``select(columns, means)`` is the matrix of some of its columns, each less its ``mean``, whose
    blocks are written into one buffer (a block is read before the next is asked for).
    """

    def __init__(self, X: np.ndarray, columns=None, means=None):
        self.X, self._columns, self._means = X, columns, means
        self.shape = (X.shape[0], X.shape[1] if columns is None else len(columns))
        self._buffer = None

    def __len__(self) -> int:
        return self.shape[0]

    def column(self, j: int) -> np.ndarray:
        """Column ``j``'s values (float)."""
        return self.X[:, j]

    def mean(self, j: int) -> float:
        return self.X[:, j].mean()

    def select(self, columns, means) -> "Dense":
        return Dense(self.X, list(columns), np.asarray(means, dtype=float))

    def rows(self, a: int, b: int) -> np.ndarray:
        """Rows ``a:b`` of every column, (b - a, k), column-major where the array is."""
        if self._columns is None:
            return self.X[a:b]
        rows = self.X[a:b, self._columns]
        if self._buffer is None or len(self._buffer) < len(rows):
            self._buffer = np.empty((min(CHUNK, len(self)), len(self._columns)), order="F")
        block = self._buffer if len(rows) == len(self._buffer) else np.empty(rows.shape, order="F")
        np.subtract(rows, self._means, out=block)
        return block

    def ranges(self) -> tuple[np.ndarray, np.ndarray]:
        """Each column's smallest and largest value."""
        if self._columns is not None:
            raise ValueError("ranges() reads a whole matrix, not a selection")
        return self.X.min(axis=0), self.X.max(axis=0)

    def columns(self, out=None):
        """Each column in turn (the array's own, never a copy; ``out`` is not needed)."""
        if self._columns is not None:
            raise ValueError("columns() reads a whole matrix, not a selection")
        return iter(self.X.T)


def terms_of(X):
    """``X`` as the engine reads it: a float array wrapped in :class:`Dense`, else as it is."""
    return Dense(X) if isinstance(X, np.ndarray) else X


def matvec(X, beta: np.ndarray) -> np.ndarray:
    """``X @ beta``, a block of ``CHUNK`` rows at a time (each row's sum as in one product)."""
    X = terms_of(X)
    out = np.empty(len(X))
    for a in range(0, len(X), CHUNK):
        np.matmul(X.rows(a, a + CHUNK), beta, out=out[a:a + CHUNK])
    return out


def rmatvec(v: np.ndarray, X) -> np.ndarray:
    """``v @ X``: the products of blocks of ``CHUNK`` rows, added in row order."""
    X = terms_of(X)
    out = np.zeros(X.shape[1])
    for a in range(0, len(X), CHUNK):
        out += v[a:a + CHUNK] @ X.rows(a, a + CHUNK)
    return out


def segment_sums(X, v: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sums of ``v_i x_i`` (rows of X) over each segment of rows ``starts[s]:starts[s + 1]``
    (the last to the end; ``starts[0] == 0``, increasing), (len(starts), k).

    A block of ``CHUNK`` rows at a time: its weighted rows in one buffer, summed within each
    segment's part in the block (``np.add.reduceat``), the parts of a segment added in row order.
    """
    X = terms_of(X)
    n, k = X.shape
    out = np.zeros((len(starts), k))
    product = np.empty((min(CHUNK, n), k), order="F")
    for a in range(0, n, CHUNK):
        rows = X.rows(a, a + CHUNK)
        part = product if len(rows) == len(product) else np.empty(rows.shape, order="F")
        np.multiply(rows, v[a:a + CHUNK, None], out=part)
        _add_segments(out, part, starts, a)
    return out


def _add_segments(out: np.ndarray, part: np.ndarray, starts: np.ndarray, a: int) -> None:
    """Add the rows ``part`` (the rows from ``a`` on) into ``out``'s rows of the segments they lie in."""
    first = np.searchsorted(starts, a, side="right") - 1  # the segment row a is in
    last = np.searchsorted(starts, a + len(part), side="left")  # past the block's last
    out[first:last] += np.add.reduceat(part, np.maximum(starts[first:last], a) - a, axis=0)


def row_times(starts: np.ndarray, a: int, b: int) -> np.ndarray:
    """Each row's time (its index among the distinct times, ``np.repeat(np.arange(len(starts)),
    sizes)[a:b]``) for the rows ``a:b`` only, ``starts`` the distinct times' first rows."""
    first = int(np.searchsorted(starts, a, side="right")) - 1
    last = int(np.searchsorted(starts, b - 1, side="right")) if b > a else first + 1
    bounds = np.clip(np.r_[starts[first + 1:last], b], a, b)
    return np.repeat(np.arange(first, last), np.diff(np.r_[a, bounds]))


def sort_order(t: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Row order by time, churned before censored within a time (the layout used here), ties in
    row order. Whole-day times below ``2**15`` with 0/1 churns (the calls') are one 16-bit key,
    ``2 t + 1 - e``, sorted stably (numpy's radix sort: ~0.02 s at 990k calls, the two-key
    ``np.lexsort`` ~0.14 s): the same order."""
    if (len(t) and len(t) == len(e) and t.min() >= 0 and t.max() < 2 ** 15 and (t == np.floor(t)).all()
            and ((e == 0) | (e == 1)).all()):
        return np.argsort((2 * t + (1 - e)).astype(np.uint16), kind="stable")
    return np.lexsort((-e, t))


def risk_sets(t: np.ndarray, e: np.ndarray, ties: str = "efron") -> dict:
    """Where each distinct time, and its churned and censored runs, lie in sorted data.

    Parameters
    ----------
    t, e : numpy.ndarray
        Times and 0/1 churn indicators, already in ``sort_order``.
    ties : {"efron", "breslow"}

    Returns
    -------
    dict
        ``starts``/``sizes`` of each distinct time's rows; ``runs``, the starts of
        the runs of equal (time, status), with ``run_time`` (their time's index) and
        ``run_dead``; ``deaths`` per time; per Efron sub-step its time ``step`` and
        the weight ``frac`` = l/d taken off the churned calls (0 for Breslow).
    """
    n = len(t)
    new_time = np.r_[True, t[1:] != t[:-1]]
    new_run = new_time | np.r_[True, e[1:] != e[:-1]]
    starts, runs = np.flatnonzero(new_time), np.flatnonzero(new_run)
    k = len(starts)
    run_time = np.cumsum(new_time)[runs] - 1
    run_dead = e[runs] == 1
    deaths = np.bincount(run_time[run_dead], weights=np.diff(np.r_[runs, n])[run_dead], minlength=k)
    n_dead = deaths.astype(np.int64)
    step = np.repeat(np.arange(k), n_dead)
    frac = ((np.arange(len(step)) - (np.cumsum(n_dead) - n_dead)[step]) / deaths[step]
            if ties == "efron" else np.zeros(len(step)))
    return {"starts": starts, "sizes": np.diff(np.r_[starts, n]), "runs": runs,
            "run_time": run_time, "run_dead": run_dead, "first_run": np.flatnonzero(new_time[runs]),
            "deaths": deaths, "step": step, "frac": frac}


SHIFT_SLACK = 100.0
"""A pass with a bound for the largest ``x'beta`` is kept when the bound is within this of it."""


def column_ranges(X) -> tuple[np.ndarray, np.ndarray]:
    """Each column's smallest and largest value (for :func:`evaluate`'s ``ranges``)."""
    return terms_of(X).ranges()


def evaluate(X: np.ndarray, e: np.ndarray, rs: dict, beta: np.ndarray, ranges=None, *,
             with_xe: bool = False) -> dict:
    """Log partial likelihood at ``beta`` and the per-time sums its derivatives use.

    With risk weights ``w = exp(x'beta - top)``: ``s0, s1`` the risk-set sums of
    ``w`` and ``w x`` at each time, ``d0, d1`` the same over that time's churns,
    ``c`` each sub-step's denominator ``s0 - frac d0``, and per time the sums over
    its sub-steps ``a1 = sum 1/c``, ``a2 = sum 1/c**2``, ``f1 = sum frac/c``,
    ``f2 = sum frac/c**2``, ``ff2 = sum frac**2/c**2``.

    ``top`` is the largest ``x'beta`` (a pass over the rows for it, then one for the sums); with
    the columns' ``ranges`` (:func:`column_ranges`) it is their bound ``sum_j max(beta_j lo_j,
    beta_j hi_j)`` instead, known before the rows are read, so one pass does both, unless the
    bound is more than ``SHIFT_SLACK`` above the largest ``x'beta`` (then the two passes). Every
    quantity used is the same ratio of these sums whatever ``top`` is (no weight above 1).
    ``with_xe``: that one pass also sums ``X' e`` (:func:`rmatvec`'s blocks, added in the same
    order), returned as ``xe`` (not when the two passes were taken).
    """
    X = terms_of(X)
    with np.errstate(all="ignore"):
        if ranges is not None:
            lo, hi = ranges
            shift = np.maximum(beta * lo, beta * hi).sum()
            once = _evaluate_once(X, e, rs, beta, shift, with_xe) if np.isfinite(shift) else None
            if once is not None:
                return once
        eta = matvec(X, beta)
        top = eta.max()
        churned = e @ eta
        w = np.exp(np.subtract(eta, top, out=eta), out=eta)  # in eta's place: no second vector
        del eta
        return _sums(w, segment_sums(X, w, rs["runs"]), churned, top, rs)


def _evaluate_once(X, e, rs, beta, shift, with_xe=False) -> dict | None:
    """:func:`evaluate` in one pass over the rows, ``top`` the bound ``shift``; None when the
    largest ``x'beta`` is more than ``SHIFT_SLACK`` below it (or not a number)."""
    n, k = X.shape
    runs = rs["runs"]
    w = np.empty(n)
    run_sums = np.zeros((len(runs), k))
    product = np.empty((min(CHUNK, n), k), order="F")
    top, churned = -np.inf, 0.0
    xe = np.zeros(k) if with_xe else None
    for a in range(0, n, CHUNK):
        rows = X.rows(a, a + CHUNK)
        if xe is not None:
            xe += e[a:a + len(rows)] @ rows
        eta = w[a:a + len(rows)]
        np.matmul(rows, beta, out=eta)
        top = np.maximum(top, eta.max())
        churned += e[a:a + len(rows)] @ eta
        np.exp(np.subtract(eta, shift, out=eta), out=eta)
        part = product if len(rows) == len(product) else np.empty(rows.shape, order="F")
        np.multiply(rows, eta[:, None], out=part)
        _add_segments(run_sums, part, runs, a)
    if not shift - top <= SHIFT_SLACK:
        return None
    out = _sums(w, run_sums, churned, shift, rs)
    if xe is not None:
        out["xe"] = xe
    return out


def _sums(w, run_sums, churned, top, rs) -> dict:
    """:func:`evaluate`'s result from the weights ``w``, their ``x``-weighted sums per run, ``e'x'beta``
    and the ``top`` taken off."""
    step, frac, k = rs["step"], rs["frac"], len(rs["starts"])
    with np.errstate(all="ignore"):
        s0, d0 = _by_time(np.add.reduceat(w, rs["runs"]), rs)
        s1, d1 = _by_time(run_sums, rs)
        c = s0[step] - frac * d0[step]
        loglik = churned - np.log(c).sum() - top * len(step)
        # each sub-step weight made just before its sums (one vector of every churn at a time)
        a1, a2, f1, f2, ff2 = (np.bincount(step, weights=v(), minlength=k)
                               for v in (lambda: 1 / c, lambda: c**-2.0, lambda: frac / c,
                                         lambda: frac / c**2, lambda: (frac / c) ** 2))
    return {"loglik": loglik, "w": w, "s1": s1, "d1": d1,
            "a1": a1, "a2": a2, "f1": f1, "f2": f2, "ff2": ff2}


def _by_time(run_sums, rs):
    """Risk-set sums (from the last time back) and churned sums, per distinct time."""
    risk = np.add.reduceat(run_sums, rs["first_run"], axis=0)[::-1].cumsum(axis=0)[::-1]
    dead = np.zeros_like(risk)
    dead[rs["run_time"][rs["run_dead"]]] = run_sums[rs["run_dead"]]
    return risk, dead


def score(xe: np.ndarray, ev: dict) -> np.ndarray:
    """Gradient of the log partial likelihood; ``xe`` is ``X' e``."""
    return xe - (ev["s1"] * ev["a1"][:, None] - ev["d1"] * ev["f1"][:, None]).sum(axis=0)


def information(X: np.ndarray, e: np.ndarray, rs: dict, ev: dict) -> np.ndarray:
    """Observed information (minus the Hessian) of the log partial likelihood.

    ``sum_i wt_i x_i x_i'`` (a call's weight summed over the sub-steps it is at
    risk in) less the outer products of the sub-steps' weighted sums, the first
    accumulated over blocks of rows so no calls x terms copy is made.
    """
    with np.errstate(all="ignore"):
        return _information(terms_of(X), e, rs, ev)


def _information(X, e, rs, ev):
    s1, d1 = ev["s1"], ev["d1"]
    w, A1, F1, starts = ev["w"], ev["a1"].cumsum(), ev["f1"], rs["starts"]
    # sum_i wt_i x_i x_i' as a symmetric rank-k update of sqrt(wt) x over blocks of rows, each
    # written into one buffer that stays in cache (wt >= 0: a call's weight in the risk sets it
    # is in, less the part of its own churn's sub-steps taken off it, (1 - l/d)/c each)
    # The block is column-major, as X is (the Cox matrices are): the product streams down each
    # column instead of scattering every row across a row-major block (about 0.2 faster at 1M
    # calls), and dsyrk reads it as A'A (trans=1) in place of the row-major block's (A')(A')'.
    # wt = w (A1 - e F1), A1 and F1 of each call's time, made for each block of rows only (the
    # same operations a value: no vector of every call)
    k, n = X.shape[1], len(w)
    upper = np.zeros((k, k), order="F")
    block = np.empty((min(CHUNK, n), k), order="F")
    for a in range(0, n, CHUNK):
        rows = X.rows(a, a + CHUNK)
        at = row_times(starts, a, a + len(rows))
        root = np.take(A1, at)
        own = np.take(F1, at)
        root -= np.multiply(e[a:a + CHUNK], own, out=own)
        root *= w[a:a + CHUNK]
        np.sqrt(np.maximum(root, 0.0, out=root), out=root)
        part = block if len(rows) == len(block) else np.empty((len(rows), k), order="F")
        np.multiply(rows, root[:, None], out=part)
        upper = blas.dsyrk(1.0, part, beta=1.0, c=upper, trans=1, lower=0, overwrite_c=1)
    upper = np.triu(upper)
    info = upper + np.triu(upper, 1).T
    # sum over sub-steps of (s1 - frac d1)(s1 - frac d1)' / c**2, expanded
    mixed = s1.T @ (d1 * ev["f2"][:, None])
    info -= s1.T @ (s1 * ev["a2"][:, None]) - mixed - mixed.T + d1.T @ (d1 * ev["ff2"][:, None])
    return (info + info.T) / 2


def newton(X: np.ndarray, e: np.ndarray, rs: dict, *, max_iter: int = 30,
           start: np.ndarray | None = None) -> dict:
    """Maximise the log partial likelihood by Newton-Raphson from ``beta = 0`` (or ``start``).

    A step that lowers the likelihood (or overflows) is halved until it does not.
    Converged when no coefficient moves by more than ``STEP_TOL`` and the log
    likelihood by less than ``LOGLIK_TOL`` of itself.

    Parameters
    ----------
    X : numpy.ndarray or Dense or ByteTerms
        Calls x terms, rows in ``sort_order``; centring the columns helps accuracy. A float
        array, or anything that hands out its rows and columns as :class:`Dense` does
        (``cox_sorted.ByteTerms``: 0/1 terms kept as bytes).
    e : numpy.ndarray
        0/1 churn indicators in the same order.
    rs : dict
        ``risk_sets(t, e, ties)``.
    max_iter : int
        Most Newton steps taken.
    start : (terms,) array, optional
        Coefficients to start from (a related model's): the same maximum, in fewer steps.

    Returns
    -------
    dict
        ``beta``; ``information`` at ``beta`` (to within one converged step);
        ``loglik``; ``parts``, ``evaluate`` at ``beta``; ``iterations``; ``converged``.

    Raises
    ------
    numpy.linalg.LinAlgError
        The information is singular.
    """
    with np.errstate(all="ignore"):  # overflow shows as a NaN step or likelihood, handled here
        return _newton(terms_of(X), e, rs, max_iter, start)


def _newton(X, e, rs, max_iter, start=None):
    ranges = column_ranges(X)
    beta = np.zeros(X.shape[1]) if start is None else np.array(start, dtype=float)
    ev = evaluate(X, e, rs, beta, ranges, with_xe=True)  # X' e from the same pass
    xe = ev.pop("xe", None)
    if xe is None:
        xe = rmatvec(e, X)
    info, converged, iterations = None, False, 0
    while iterations < max_iter and not converged:
        iterations += 1
        info = information(X, e, rs, ev)
        # the point's weights are not read again unless no step is taken (then made again: the
        # same numbers), so a trial's weights are not made beside them
        del ev["w"]
        delta = np.linalg.solve(info, score(xe, ev))
        if not np.isfinite(delta).all():
            break
        floor = ev["loglik"] - LOGLIK_TOL * abs(ev["loglik"])
        for _ in range(MAX_HALVINGS):
            trial = evaluate(X, e, rs, beta + delta, ranges)
            if trial["loglik"] >= floor:  # False for NaN
                break
            delta = delta / 2
        else:
            break  # no step, however short, raises the likelihood
        gain = trial["loglik"] - ev["loglik"]
        beta, ev = beta + delta, trial
        converged = np.abs(delta).max() <= STEP_TOL and abs(gain) <= LOGLIK_TOL * abs(ev["loglik"])
    if "w" not in ev:  # no step taken from beta: its weights again
        ev = evaluate(X, e, rs, beta, ranges)
    if not converged:
        info = information(X, e, rs, ev)
    return {"beta": beta, "information": info, "loglik": ev["loglik"], "parts": ev,
            "iterations": iterations, "converged": bool(converged)}
