"""Model matrices read a block of rows at a time, never held whole (:class:`Gathered`), and the
products the models take over them: every fit, prediction and AIPW function of
:mod:`calmline.analysis.logit` and :mod:`calmline.analysis.aipw` takes a :class:`Gathered` where it
takes X."""

from __future__ import annotations

import numpy as np

from calmline.analysis.column_runs import copy_columns, runs
from calmline.analysis.compact_matrix import CompactMatrix


class Gathered:
    """A model's matrix that is never held whole: the rows ``rows`` (increasing; all when None) of
    ``source``, its columns ``columns`` (all when None), then the columns of ``extra`` (one row per
    chosen row), read a block of rows at a time (:meth:`block`).

    Every function of this module that fits or predicts takes one where it takes X: the passes that
    already went over X by row blocks (the chord gradients, X' W X, the CR1 sums, the AMEs) read the
    same values block by block, so give the same numbers bit for bit; the products that went over all
    of X at once (predictions, column sums) are taken a block of rows at a time (a row's prediction
    is the same number; a column sum over rows is the same to rounding). A landmark's calls, a model
    with one column more (the direct model's ``resolved``) or a dose factor's matrix is then not a
    copy of the design's rows (1.1 GB at 2.9M calls and 46 columns), at the cost of gathering each
    block when it is read (in cache). The rare paths that need the whole matrix at once
    (statsmodels' fallback, CR2 with few agents) gather it (:meth:`gathered`).
    """

    ndim = 2

    def __init__(self, source: np.ndarray, rows: np.ndarray | None = None, columns=None,
                 extra: np.ndarray | None = None) -> None:
        self.source = source
        self.rows = None if rows is None else np.asarray(rows)
        self.columns = list(range(source.shape[1])) if columns is None else [int(c) for c in columns]
        self.extra = None if extra is None else (extra[:, None] if extra.ndim == 1 else extra)
        n = source.shape[0] if self.rows is None else len(self.rows)
        self.shape = (n, len(self.columns) + (0 if self.extra is None else self.extra.shape[1]))
        self._runs = runs(self.columns)
        self._index = np.asarray(self.columns, dtype=np.intp)
        # a compact source's chosen columns, written as floats straight into the block
        self._compact = source.columns(self.columns) if isinstance(source, CompactMatrix) else None

    def __len__(self) -> int:
        return self.shape[0]

    def _write(self, at, out: np.ndarray) -> np.ndarray:
        """The chosen rows ``at`` (a slice or positions among them) written into ``out`` (C-contiguous).

        The columns are taken by ``np.take`` into a C-contiguous array (one pass in C over the
        block: 8,192 x 44 in about 0.3 ms, where a slice copy per run of neighbouring columns costs
        about 1 ms, its inner loop a few columns long); one slice copy when they are one run."""
        k = len(self.columns)
        if self._compact is not None:
            self._compact.rows(at if self.rows is None else self.rows[at], out[:, :k] if self.extra is not None else out)
            if self.extra is not None:
                out[:, k:] = self.extra[at]
            return out
        if self.rows is None:
            part = self.source[at]
        else:
            take = self.rows[at]
            part = self.source.take(take, axis=0) if self.source.flags.c_contiguous else self.source[take]
        k = len(self.columns)
        if len(self._runs) == 1:
            copy_columns(part, self._runs, out[:, :k])
        elif self.extra is None:
            np.take(part, self._index, axis=1, out=out, mode="clip")  # (the indices are valid)
        else:
            out[:, :k] = np.take(part, self._index, axis=1, mode="clip")
        if self.extra is not None:
            out[:, k:] = self.extra[at]
        return out

    def block(self, start: int, stop: int, out: np.ndarray | None = None) -> np.ndarray:
        """Rows ``start:stop`` of the matrix, C-contiguous (written into the start of ``out`` when
        given: a reused buffer of at least that many rows)."""
        stop = min(stop, self.shape[0])
        out = np.empty((stop - start, self.shape[1])) if out is None else out[:stop - start]
        return self._write(slice(start, stop), out)

    def take(self, positions: np.ndarray) -> np.ndarray:
        """The rows at ``positions`` (a new array): ``gathered()[positions]``."""
        return self._write(np.asarray(positions), np.empty((len(positions), self.shape[1])))

    def column(self, j: int) -> np.ndarray:
        """Column ``j`` (a new array)."""
        k = len(self.columns)
        if j >= k:
            return self.extra[:, j - k].copy()
        c = self.columns[j]
        if self._compact is not None:
            return self.source.column(c, self.rows)
        return self.source[:, c].copy() if self.rows is None else self.source[self.rows, c]

    def gathered(self) -> np.ndarray:
        """The whole matrix (a copy)."""
        return self.block(0, self.shape[0])

    def with_extra(self, extra: np.ndarray) -> "Gathered":
        """The same read with ``extra``'s columns after its own (it has none yet)."""
        if self.extra is not None:
            raise ValueError("with_extra() adds columns to a read without extra columns")
        return Gathered(self.source, self.rows, self.columns, extra)

    def leading(self, k: int) -> "Gathered":
        """Its first ``k`` columns (of the source's; ``X[:, :k]``), read the same way."""
        if k > len(self.columns):
            raise ValueError("leading() takes the source's columns only")
        return Gathered(self.source, self.rows, self.columns[:k])


COPY_LIMIT_BYTES = 320 * 2**20
"""A model matrix that differs from the design's (a dose factor's, a heterogeneity cell's) is written
into an array of its own when it takes at most this many bytes, and read from the design's rows a
block at a time (:class:`Gathered`) when larger: each pass over a copy reads contiguous memory, while
each pass over a :class:`Gathered` gathers its blocks again (about 1.3x a dose factor's CPU at 1M
upset calls), so the copy is kept where it is small (750,000 calls x 47 columns: 282 MB) and left out
where it would dominate the fit's peak (1.1 GB at 2.9M calls)."""


def small(rows: int, columns: int, limit: int | None = None) -> bool:
    """True when an ``rows`` x ``columns`` float matrix is within ``limit`` bytes (default
    :data:`COPY_LIMIT_BYTES`)."""
    return rows * columns * 8 <= (COPY_LIMIT_BYTES if limit is None else limit)


def whole(X) -> np.ndarray:
    """X as an array: :meth:`Gathered.gathered` of a :class:`Gathered`, else X itself."""
    return X.gathered() if isinstance(X, Gathered) else X


def row_blocks(X, size: int):
    """``(rows, block)`` for each block of ``size`` rows of X, in order: views of an array, or a
    :class:`Gathered`'s blocks written into one reused buffer (valid until the next block)."""
    n = len(X)
    if not isinstance(X, Gathered):
        for start in range(0, n, size):
            yield slice(start, start + size), X[start:start + size]
        return
    chunk = max(size, GATHER_ROWS)  # gathered a chunk at a time, handed out ``size`` rows at a time
    buffer = np.empty((min(chunk, n), X.shape[1]))
    for first in range(0, n, chunk):
        gathered = X.block(first, first + chunk, buffer)
        for start in range(0, len(gathered), size):
            yield slice(first + start, first + min(start + size, len(gathered))), gathered[start:start + size]


GATHER_ROWS = 8_192
"""Rows of a :class:`Gathered` gathered at a time by :func:`row_blocks` (blocks of fewer rows are
handed out of one such chunk: each gather's fixed cost paid once per 8,192 rows)."""


PRODUCT_ROWS = 8_192
"""Rows per block of :func:`product` and :func:`crossprod` on a :class:`Gathered`."""


def product(X, v: np.ndarray) -> np.ndarray:
    """``X @ v``; on a :class:`Gathered` a block of rows at a time (each row's value the same number
    as the whole product's: a row's dot product does not depend on the other rows)."""
    if not isinstance(X, Gathered):
        return X @ v
    out = np.empty((len(X),) + v.shape[1:])
    for rows, block in row_blocks(X, PRODUCT_ROWS):
        out[rows] = block @ v
    return out


def crossprod(W: np.ndarray, X) -> np.ndarray:
    """``W.T @ X`` (W: (n,) or (n, m)); on a :class:`Gathered` summed over blocks of rows (the same
    to rounding, about 1e-16 relative)."""
    if not isinstance(X, Gathered):
        return W.T @ X
    out = None
    for rows, block in row_blocks(X, PRODUCT_ROWS):
        part = W[rows].T @ block
        out = part if out is None else out + part
    return out if out is not None else np.zeros(W.shape[1:] + (X.shape[1],))


def ranges(X) -> np.ndarray:
    """Each column's largest minus smallest value (``np.ptp(X, axis=0)``); on a
    :class:`Gathered` a block of rows at a time."""
    if not isinstance(X, Gathered):
        return np.ptp(X, axis=0)
    low, high = np.full(X.shape[1], np.inf), np.full(X.shape[1], -np.inf)
    for _, block in row_blocks(X, PRODUCT_ROWS):
        np.minimum(low, block.min(axis=0), out=low)
        np.maximum(high, block.max(axis=0), out=high)
    return high - low if len(X) else np.zeros(X.shape[1])


def column(X, j: int) -> np.ndarray:
    """Column ``j`` of X: a view of an array, a gathered copy of a :class:`Gathered`'s."""
    return X.column(j) if isinstance(X, Gathered) else X[:, j]
