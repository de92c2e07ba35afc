"""Cox models of every upset call on one store of the calls' terms in time order, read where it lies.

:func:`calmline.analysis.cox.fit_cox_columns` gathers each model's terms into a new time-sorted
float matrix, so the survival step held the design of all calls beside each model's copy of it.
Here the covariates are written, one block of :func:`calmline.analysis.design.covariate_blocks`
at a time, straight into a store whose rows are already in the engine's order (time, churned
first, then the calls' order): every 0/1 term (the practices, the level columns) as one byte a
call, the other terms as floats. The engine (:mod:`calmline.analysis.cox_engine`) reads a model's
terms through :class:`ByteTerms`, which writes a block of rows, or one column, as floats less the
column's mean when it is asked for: the values the engine read from a centred float matrix, so the
same numbers to the last digit, from about 1 byte a call and 0/1 term instead of 8 (at 3.9M upset
calls and 46 terms, 0.3 instead of 1.5 GB). A landmark model's calls (still active
``landmark_days`` after the call) are the rows from the first time past the landmark on, in the
same order, so it is fitted on those rows with its after-call practice moved in among the terms.
The numbers are those of ``fit_cox_columns`` on the design: the same values, in the same order,
through the same code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline.analysis import cox_engine
from calmline.analysis.cox import NUMBERS, _finish, _fit_kept, _screen_terms
from calmline.analysis.design import covariate_blocks, _varies

SPARE_COLUMNS = 256
"""Byte columns the store may grow to past the practices (not touched, so not in memory,
unless written)."""


class ByteTerms:
    """Some columns of a :class:`SortedTerms` store over its rows ``first:``, read as
    :mod:`calmline.analysis.cox_engine` reads a matrix, each column less its ``means`` entry
    when means are given (the model's centred terms) or as it is (the screen's).

    ``parts[j]`` is column j's place: (a 2-D store, its column there), or (a vector of level
    codes, a level) for a level column, 1 where the code is that level and 0 elsewhere. Blocks of
    rows and single columns are written as floats into buffers kept for the next call: what
    ``rows`` or ``columns`` handed out is read before the next block or column is asked for.
    """

    def __init__(self, parts: list[tuple[np.ndarray, int]], first: int, means=None):
        self._parts, self._first = parts, first
        self._means = None if means is None else np.asarray(means, dtype=float)
        n = (parts[0][0].shape[0] - first) if parts else 0
        self.shape = (n, len(parts))
        # runs of neighbouring columns in one store: one operation a run for a block of rows
        self._runs: list[tuple[np.ndarray, int, int, int]] = []  # (store, its first column, j0, j1)
        for j, (store, c) in enumerate(parts):
            last = self._runs[-1] if self._runs else None
            if last is not None and last[0] is store and last[1] + (j - last[2]) == c:
                self._runs[-1] = (store, last[1], last[2], j + 1)
            else:
                self._runs.append((store, c, j, j + 1))
        # a run of level columns is written from a table of its values by code (the same values
        # as a 0/1 byte less its mean): row i, at code + 1, level c + i's value for that code
        self._tables = {j0: _level_table(store, c, j1 - j0,
                                         None if self._means is None else self._means[j0:j1])
                        for store, c, j0, j1 in self._runs if store.ndim == 1}
        self._block = self._column = self._index = None

    def __len__(self) -> int:
        return self.shape[0]

    def _values(self, j: int) -> np.ndarray:
        return _part_values(*self._parts[j], self._first)

    def mean(self, j: int) -> float:
        """Column j's mean: a 0/1 column's exact count over n, as its floats' mean is."""
        return self._values(j).mean()

    def select(self, columns, means) -> "ByteTerms":
        return ByteTerms([self._parts[j] for j in columns], self._first, means)

    def column(self, j: int) -> np.ndarray:
        """Column j less its mean, as floats, when this has means; else its values as they are
        kept (a 0/1 term's bytes: the screen's tests of them are exact either way)."""
        values = self._values(j)
        if self._means is None:
            return values
        if self._column is None:
            self._column = np.empty(len(self))
        np.subtract(values, self._means[j], out=self._column)
        return self._column

    def ranges(self) -> tuple[np.ndarray, np.ndarray]:
        """Each column's smallest and largest value (less its mean: the centred extremes)."""
        lo, hi = np.empty(self.shape[1]), np.empty(self.shape[1])
        for j in range(self.shape[1]):
            values = self._values(j)
            lo[j], hi[j] = values.min(), values.max()
        if self._means is not None:
            lo -= self._means
            hi -= self._means
        return lo, hi

    def columns(self, out=None):
        """Each column in turn, as :meth:`column` writes it (one buffer for all), or written into
        ``out`` (a float vector of ``len(self)``) when given and this has means: the caller's
        vector is then all this needs (no buffer of every row of its own)."""
        if out is None or self._means is None:
            return (self.column(j) for j in range(self.shape[1]))
        return (np.subtract(self._values(j), self._means[j], out=out) for j in range(self.shape[1]))

    def rows(self, a: int, b: int) -> np.ndarray:
        """Rows ``a:b`` of every column as floats, (b - a, k), column-major."""
        b = min(b, len(self))
        if self._block is None:
            self._block = np.empty((min(cox_engine.CHUNK, len(self)), self.shape[1]), order="F")
        block = self._block if b - a == len(self._block) else np.empty((b - a, self.shape[1]), order="F")
        lo, hi = self._first + a, self._first + b
        for store, c, j0, j1 in self._runs:
            if store.ndim == 1:  # level columns c, c + 1, ...: their table's columns at code + 1
                if self._index is None:
                    self._index = np.empty(len(self._block), dtype=np.intp)
                index = np.add(store[lo:hi], 1, out=self._index[:hi - lo])
                np.take(self._tables[j0], index, axis=1, out=block[:, j0:j1].T, mode="clip")
                continue
            values = store[lo:hi, c:c + j1 - j0]
            if self._means is None:
                block[:, j0:j1] = values
            else:
                np.subtract(values, self._means[j0:j1], out=block[:, j0:j1])
        return block


class SortedTerms:
    """The terms of the Cox models of ``df``'s calls, rows in time order.

    Attributes
    ----------
    names : list of str
        The practices (but the ``apart`` ones) in the given order, then the varying covariates
        but the intercept: the total model's terms, as ``design.build`` and the Cox step name them.
    apart : dict of str to (n,) array
        The ``apart`` practices' columns, rows in ``order`` (moved in for a landmark model).
    order, t, e : (n,) arrays
        The row order (of ``df``), and the times and churns in it: times as they are handed over
        (whole days as 32-bit integers by :func:`sorted_terms`: the models and the curves only
        compare and count them), churns as floats.
    """

    def __init__(self, df: pd.DataFrame, practices: list[str], apart, time: np.ndarray,
                 event: np.ndarray, order: np.ndarray | None = None):
        n = len(df)
        self.practice_order = list(practices)
        if order is None:  # (sorted_terms hands it over, from the times as floats)
            order = cox_engine.sort_order(np.asarray(time, dtype=float), np.asarray(event, dtype=float))
        self.order = order.astype(np.int32, copy=False) if n < 2 ** 31 else order  # half the bytes
        del order
        # the caller's times and churns (its own arrays, handed over) put in time order where
        # they lie: no second pair of vectors of every call beside them while the store is written
        # (the churns as they are handed over, bytes from sorted_terms; floats once it is written)
        self.t, event = _in_order(time, self.order), _in_order(event, self.order)
        apart = [p for p in practices if p in set(apart)]
        # the 0/1 terms, a byte a call (columns not written are never touched)
        self._bytes = np.empty((n, len(practices) + SPARE_COLUMNS), dtype=np.int8, order="F")
        self._used = 0
        self._where: dict[str, tuple[np.ndarray, int]] = {}  # a term's store and column there
        self._binary: dict[str, bool] = {}
        self.names: list[str] = []
        # the covariates first (design.covariate_blocks' vectors of every call are the store's
        # peak, so the practices are not yet written beside them), listed after the practices
        covariates: list[str] = []
        for k, (block, names) in enumerate(covariate_blocks(df, levels=np.int8)):
            varies = _varies(block, names, k)
            if k and block.dtype == np.int8 and block.shape[1] > 1:
                codes = _level_codes(block)
                if codes is not None:  # one byte a call for all the block's columns, in time order
                    del block
                    codes = np.take(codes, self.order)
                    for j in np.flatnonzero(varies):
                        self._where[names[j]], self._binary[names[j]] = (codes, j), True
                        covariates.append(names[j])
                    continue
                # the level columns' rows in time order, one gather (np.take: ~10x faster than
                # fancy indexing on rows of a few bytes)
                block = np.take(block, self.order, axis=0)
                for j in np.flatnonzero(varies):
                    self._store(block[:, j], names[j], ordered=True)
                    covariates.append(names[j])
            elif k:  # the intercept (block 0) is not a Cox term
                for j in np.flatnonzero(varies):
                    self._store(block[:, j], names[j])
                    covariates.append(names[j])
            del block
        for p in practices:
            if p not in apart:
                self._write(_bytes_or_floats(df[p]), p)
        self.apart = {}
        for p in apart:
            self._store(_bytes_or_floats(df[p]), p)
            self.apart[p] = self.column(p)
        self.names += covariates
        self.e = event.astype(float)

    def _write(self, values: np.ndarray, name: str, *, ordered: bool = False) -> None:
        """Store ``values`` (rows as ``df``'s, or in ``order`` already) as the next term."""
        self._store(values, name, ordered=ordered)
        self.names.append(name)

    def _store(self, values: np.ndarray, name: str, *, ordered: bool = False) -> None:
        """Keep ``values`` in time order: 0/1 values (bools, bytes or floats) as bytes, others
        as floats (a store of their own)."""
        if self._used == self._bytes.shape[1]:
            raise ValueError("more 0/1 columns than SortedTerms.SPARE_COLUMNS allows")
        column = self._bytes[:, self._used]
        if values.dtype.itemsize == 1 and values.dtype.kind in "biu":
            small = values.view(np.int8) if values.dtype == bool else values
            if ordered:
                column[...] = small
            else:
                np.take(small, self.order, out=column)
            binary = values.dtype == bool or bool(((column == 0) | (column == 1)).all())
            floats = None if binary else column.astype(float)
        else:
            floats = values.astype(float, copy=False) if ordered else np.take(values.astype(float, copy=False),
                                                                              self.order)
            binary = bool(((floats == 0) | (floats == 1)).all())
            if binary:
                column[...] = floats  # 0/1 exactly
        if binary:
            self._where[name] = (self._bytes, self._used)
            self._used += 1
        else:
            self._where[name] = (floats.reshape(-1, 1), 0)
        self._binary[name] = binary

    @property
    def X(self) -> np.ndarray:
        """The current terms as one float matrix, (n, len(names)), column-major: a copy, to look at
        (the models read the store itself)."""
        out = np.empty((len(self.t), len(self.names)), order="F")
        for j, name in enumerate(self.names):
            out[:, j] = self.column(name)
        return out

    def insert(self, name: str, at: int) -> None:
        """Move the apart column ``name`` in among the terms at position ``at``."""
        self.names.insert(at, name)

    def remove(self, name: str) -> None:
        """Take the column ``name`` out of the terms again."""
        self.names.pop(self.names.index(name))

    def column(self, name: str) -> np.ndarray:
        """A term's values, rows in ``order`` (bytes for a 0/1 term, else floats)."""
        return _part_values(*self._where[name], 0)

    def fit(self, first: int, t: np.ndarray, codes: np.ndarray, *, ties: str = "efron",
            alpha: float = 0.05, start: dict[str, float] | None = None) -> pd.DataFrame:
        """:func:`calmline.analysis.cox.fit_cox_columns`'s table for the current terms on the
        rows ``first:`` (their times ``t``, cluster ``codes`` in row order), every value present.

        The terms are read from the store as :class:`ByteTerms` (screened as they are, fitted
        less their means): nothing is written into the store, and no float copy of it is made."""
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
        X = ByteTerms([self._where[name] for name in terms], first)
        keep = _screen_terms(X, e, terms, reasons)
        notes: list[str] = []
        if keep:
            begin = np.array([start.get(terms[j], 0.0) for j in keep]) if start else None
            centred = X.select(keep, [X.mean(j) for j in keep])
            notes += _fit_kept(out, t, e, centred, keep, codes, ties, alpha, reasons, begin)
        return _finish(out, reasons, notes)


def _part_values(store: np.ndarray, c: int, first: int) -> np.ndarray:
    """The values of a term's place (store, c) over the rows ``first:``: a column of a 2-D store
    as it lies, or a level column of a codes vector as 0/1 bytes (a new vector)."""
    if store.ndim == 1:
        return (store[first:] == c).view(np.int8)
    return store[first:, c]


def _level_table(codes: np.ndarray, c: int, m: int, means) -> np.ndarray:
    """The values of the m level columns c, c + 1, ... by code: (m, levels + 1), row i at
    ``code + 1`` 1 if the code is c + i else 0, less ``means[i]`` when means are given (the
    floats ``np.subtract`` makes of a 0/1 byte and the mean)."""
    levels = max(int(codes.max()) + 1 if len(codes) else 0, c + m)
    hit = np.arange(-1, levels)[None, :] == np.arange(c, c + m)[:, None]
    if means is None:
        return np.where(hit, 1.0, 0.0)
    return np.where(hit, 1.0 - means[:, None], 0.0 - means[:, None])


def _level_codes(block: np.ndarray) -> np.ndarray | None:
    """A block of level columns (0/1 bytes, at most one 1 a row, fewer than 128 columns) as one
    byte a row: the column that is 1 (-1 for the reference level); None for any other block."""
    if block.shape[1] >= 128:
        return None
    codes = np.full(len(block), -1, dtype=np.int8)
    for j in range(block.shape[1]):
        column = block[:, j]
        if not ((column == 0) | (column == 1)).all():
            return None
        hit = column == 1
        if (codes[hit] >= 0).any():
            return None
        codes[hit] = j
    return codes


IN_ORDER_ROWS = 1 << 18
"""Rows a block when :func:`_in_order` puts a vector in order."""


def _in_order(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``values[order]`` written into ``values`` itself (which is returned), through a copy of
    it made a block at a time: a vector of every call less than a fancy index's new one."""
    source = values.copy()
    for a in range(0, len(order), IN_ORDER_ROWS):
        np.take(source, order[a:a + IN_ORDER_ROWS], out=values[a:a + IN_ORDER_ROWS])
    return values


def _bytes_or_floats(column: pd.Series) -> np.ndarray:
    """A practice's values: its bools as they are (one byte a value, read as 0/1; a nullable
    boolean column with no value missing as bools too), else floats."""
    if column.dtype == bool:
        return column.to_numpy()
    if isinstance(column.dtype, pd.BooleanDtype) and not column.isna().any():
        return column.to_numpy(dtype=bool)
    return column.to_numpy(dtype=float)


def sorted_terms(df: pd.DataFrame, practices: list[str], apart, landmark_days: int | None = None,
                 *, time: str = "time_days", event: str = "event",
                 cluster: str = "agent_id") -> SortedTerms | None:
    """:class:`SortedTerms` of ``df``'s calls, or None when the survival step must take the
    design's way (:func:`calmline.analysis.cox.fit_cox_columns`): a time, churn or agent missing,
    a time below 0 or a churn not 0/1 (its words or its error then), or a landmark's times
    (``time - landmark_days``) not in the same order as the times (ties made or undone by
    rounding), which would order its calls differently, or not the store's times less
    ``landmark_days`` to the last digit (times neither 64-bit floats nor integers below 2**53)."""
    if not len(df) or any(df[c].isna().any() for c in (time, event, cluster)):
        return None
    times = df[time]
    # arrays of this function's own (SortedTerms puts them in order where they lie)
    t = times.to_numpy(dtype=float, copy=True)
    e = df[event].to_numpy(dtype=float, copy=True)
    if (t < 0).any() or not np.isin(e, (0.0, 1.0)).all():
        return None
    # a landmark model's times are the store's less landmark_days (the survival step holds no
    # frame through the fits): the frame's own time - landmark_days when its times are 64-bit
    # floats (the same subtraction) or integers exact as floats (both subtractions exact)
    kind = times.dtype.kind
    if landmark_days is not None and not (kind == "f" and times.dtype.itemsize == 8
                                          or kind in "iu" and t.max() < 2 ** 53):
        return None
    # whole days less whole days are exact, so in the same order: no check needed
    if landmark_days is not None and not (float(landmark_days).is_integer() and t.max() < 2 ** 52
                                          and (t == np.floor(t)).all()):
        later = np.sort(t[t > landmark_days])
        shifted = np.sort((times - landmark_days).astype(float).to_numpy()[t > landmark_days])
        if not np.array_equal(np.diff(later) > 0, np.diff(shifted) > 0):
            return None
    del times
    order = cox_engine.sort_order(t, e).astype(np.int32) if len(t) < 2 ** 31 else cox_engine.sort_order(t, e)
    # held compactly while the store is written: churns as bytes, and whole days as 32-bit
    # integers (the same order, ties and counts; the store keeps them so)
    e = e.astype(np.int8)
    if t.max() < 2 ** 31 and (t == np.floor(t)).all():
        t = t.astype(np.int32)
    return SortedTerms(df, practices, apart, t, e, order)
