"""Cox models of every upset call on one matrix of the calls in time order, fitted where it lies.

:func:`calmline.analysis.cox.fit_cox_columns` gathers each model's terms into a new time-sorted
matrix, so the survival step held the design of all calls beside each model's copy of it (about
380 + 356 MB at 1M upset calls). Here the covariates are written, one block of
:func:`calmline.analysis.design.covariate_blocks` at a time, straight into one matrix whose rows
are already in the engine's order (time, churned first, then the calls' order) and whose columns
are the total model's terms. That model is fitted on the matrix itself: its columns are centred
in place and put back afterwards, exactly (a 0/1 column from its sign, the others from a kept
copy). A landmark model's calls (still active ``landmark_days`` after the call) are the rows from
the first time past the landmark on, in the same order, so it is fitted on those rows with its
after-call practice moved into its place among the columns. The numbers are those of
``fit_cox_columns`` on the design: the same values, in the same order, through the same code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline.analysis import cox_engine
from calmline.analysis.cox import NUMBERS, _finish, _fit_kept, _screen_terms
from calmline.analysis.design import covariate_blocks, _varies

SPARE_COLUMNS = 256
"""Columns the matrix may grow to (not touched, so not in memory, unless written)."""


class SortedTerms:
    """The terms of the Cox models of ``df``'s calls, rows in time order.

    Attributes
    ----------
    X : (n, capacity) array, Fortran order
        Its first ``len(names)`` columns hold the terms ``names``, rows in ``order``.
    names : list of str
        The practices (but the ``apart`` ones) in the given order, then the varying covariates
        but the intercept: the total model's terms, as ``design.build`` and the Cox step name them.
    apart : dict of str to (n,) array
        The ``apart`` practices' columns, rows in ``order`` (moved in for a landmark model).
    order, t, e : (n,) arrays
        The row order (of ``df``), and the times and churns in it.
    """

    def __init__(self, df: pd.DataFrame, practices: list[str], apart, time: np.ndarray,
                 event: np.ndarray):
        n = len(df)
        self.practice_order = list(practices)
        self.order = cox_engine.sort_order(time, event)
        self.t, self.e = time[self.order], event[self.order]
        apart = [p for p in practices if p in set(apart)]
        self.X = np.empty((n, len(practices) + SPARE_COLUMNS), order="F")
        self.names: list[str] = []
        self._kept: dict[str, np.ndarray] = {}  # the columns that are not 0/1, as written
        for p in practices:
            if p not in apart:
                self._write(_bytes_or_floats(df[p]), p)
        self.apart = {p: _bytes_or_floats(df[p])[self.order].astype(float) for p in apart}
        # level columns as one byte a value while their block is held (written as floats)
        for k, (block, names) in enumerate(covariate_blocks(df, levels=np.int8)):
            varies = _varies(block, names, k)
            if k and block.dtype == np.int8 and block.shape[1] > 1:
                # the level columns' rows in time order, one gather (np.take: ~10x faster than
                # fancy indexing on rows of a few bytes)
                block = np.take(block, self.order, axis=0)
                for j in np.flatnonzero(varies):
                    self._write(block[:, j], names[j], ordered=True)
            elif k:  # the intercept (block 0) is not a Cox term
                for j in np.flatnonzero(varies):
                    self._write(block[:, j], names[j])
            del block
        self._binary = {name: name not in self._kept for name in self.names}

    def _write(self, values: np.ndarray, name: str, *, ordered: bool = False) -> None:
        """Write ``values`` (rows as ``df``'s, or in ``order`` already) as the next column: 0/1
        bytes (a practice, a level) gathered a byte a value and then written as floats, the
        same numbers as gathering their floats; other values gathered as floats."""
        j = len(self.names)
        if j == self.X.shape[1]:
            raise ValueError("more covariate columns than SortedTerms.SPARE_COLUMNS allows")
        column = self.X[:, j]
        if values.dtype.itemsize == 1 and values.dtype.kind in "biu":
            small = values if ordered else np.take(values, self.order)
            column[...] = small
            binary = values.dtype == bool or bool(((small == 0) | (small == 1)).all())
        else:
            np.take(values.astype(float, copy=False), self.order, out=column)
            binary = bool(((column == 0) | (column == 1)).all())
        self.names.append(name)
        if not binary:
            self._kept[name] = column.copy()

    def insert(self, name: str, at: int) -> None:
        """Move the apart column ``name`` in at column ``at``, the columns from there one right."""
        used = len(self.names)
        for j in range(used, at, -1):
            self.X[:, j] = self.X[:, j - 1]
        self.X[:, at] = self.apart[name]
        self.names.insert(at, name)
        self._binary.setdefault(name, ((self.X[:, at] == 0) | (self.X[:, at] == 1)).all())
        if not self._binary[name]:
            self._kept[name] = self.apart[name]

    def remove(self, name: str) -> None:
        """Take the column ``name`` out again, the columns after it one left."""
        at = self.names.index(name)
        for j in range(at, len(self.names) - 1):
            self.X[:, j] = self.X[:, j + 1]
        self.names.pop(at)

    def column(self, name: str) -> np.ndarray:
        """A term's values, rows in ``order``."""
        return self.apart[name] if name in self.apart else self.X[:, self.names.index(name)]

    def _restore(self, first: int) -> None:
        """Put back the values of rows ``first:`` after they were centred in place."""
        for j, name in enumerate(self.names):
            x = self.X[first:, j]
            if self._binary[name]:
                x[...] = x > 0  # a centred 0/1 column that varies: 1 - mean > 0 >= -mean
            else:
                x[...] = self._kept[name][first:]

    def fit(self, first: int, t: np.ndarray, codes: np.ndarray, *, ties: str = "efron",
            alpha: float = 0.05, start: dict[str, float] | None = None) -> pd.DataFrame:
        """:func:`calmline.analysis.cox.fit_cox_columns`'s table for the current terms on the
        rows ``first:`` (their times ``t``, cluster ``codes`` in row order), every value present.

        The columns are centred where they lie and put back before returning; only when the
        screen leaves a term out are the kept ones copied (as ``fit_cox_columns`` does)."""
        terms = list(self.names)
        e = self.e[first:]
        if ties not in ("efron", "breslow"):
            raise ValueError(f"ties must be 'efron' or 'breslow', not {ties!r}")
        out = pd.DataFrame({"term": terms, "n": len(t), "n_events": int(e.sum())})
        for col in NUMBERS:
            out[col] = pd.array([None] * len(terms), dtype="Float64")
        reasons: dict[str, list[str]] = {term: [] for term in terms}
        if len(t) == 0 or e.sum() == 0:
            why = ("no calls to analyse" if len(t) == 0
                   else "no churn events: hazard ratios cannot be estimated")
            return _finish(out, reasons, [why])
        X = self.X[first:, :len(terms)]
        keep = _screen_terms(X, e, terms, reasons)
        notes: list[str] = []
        if keep:
            begin = np.array([start.get(terms[j], 0.0) for j in keep]) if start else None
            if len(keep) < len(terms):  # a copy of the kept columns, as fit_cox_columns makes
                X = np.asfortranarray(X[:, keep])
            try:
                for x in X.T:
                    x -= x.mean()
                notes += _fit_kept(out, t, e, X, keep, codes, ties, alpha, reasons, begin)
            finally:
                if len(keep) == len(terms):
                    self._restore(first)
        return _finish(out, reasons, notes)


def _bytes_or_floats(column: pd.Series) -> np.ndarray:
    """A practice's values: its bools as they are (one byte a value, read as 0/1), else floats."""
    values = column.to_numpy()
    return values if values.dtype == bool else column.to_numpy(dtype=float)


def sorted_terms(df: pd.DataFrame, practices: list[str], apart, landmark_days: int | None = None,
                 *, time: str = "time_days", event: str = "event",
                 cluster: str = "agent_id") -> SortedTerms | None:
    """:class:`SortedTerms` of ``df``'s calls, or None when the survival step must take the
    design's way (:func:`calmline.analysis.cox.fit_cox_columns`): a time, churn or agent missing,
    a time below 0 or a churn not 0/1 (its words or its error then), or a landmark's times
    (``time - landmark_days``) not in the same order as the times (ties made or undone by
    rounding), which would order its calls differently."""
    if not len(df) or any(df[c].isna().any() for c in (time, event, cluster)):
        return None
    t = df[time].astype(float).to_numpy()
    e = df[event].astype(float).to_numpy()
    if (t < 0).any() or not np.isin(e, (0.0, 1.0)).all():
        return None
    # whole days less whole days are exact, so in the same order: no check needed
    if landmark_days is not None and not (float(landmark_days).is_integer() and t.max() < 2 ** 52
                                          and (t == np.floor(t)).all()):
        later = np.sort(t[t > landmark_days])
        shifted = np.sort((df[time] - landmark_days).astype(float).to_numpy()[t > landmark_days])
        if not np.array_equal(np.diff(later) > 0, np.diff(shifted) > 0):
            return None
    return SortedTerms(df, practices, apart, t, e)
