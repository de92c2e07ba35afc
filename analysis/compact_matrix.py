"""A float matrix held compactly: its 0/1 columns as one byte a value, its other columns as floats
(:class:`CompactMatrix`). The design of a large centre is held this way (46 columns of which about
42 are 0/1: 8.8M calls take 0.65 GB instead of 3.25 GB), and read as floats a block of rows or a
column at a time: every value read is the float the whole matrix would hold (0.0 or 1.0 for a byte),
so a product over its blocks is the same product as over the float matrix, summed by blocks."""

from __future__ import annotations

import numpy as np

BYTE = np.uint8


def zero_one(values: np.ndarray) -> bool:
    """True when every value is 0 or 1 (such a column is held as bytes, exactly)."""
    values = np.asarray(values)
    if values.dtype == bool or (values.dtype.kind in "iu" and values.dtype.itemsize == 1 and
                                (len(values) == 0 or (values.min() >= 0 and values.max() <= 1))):
        return True
    return bool(((values == 0) | (values == 1)).all())


class _Flags:
    """What numpy's ``flags`` say of it that its readers ask: its rows are gathered by ``take``, as
    from a C-contiguous array."""

    c_contiguous = True


class CompactMatrix:
    """An ``n`` x ``k`` float matrix whose column j is ``store[:, c]`` for ``(store, c) = parts[j]``,
    the stores being one byte matrix (its 0/1 columns) and one float matrix (the others), each
    C-contiguous.

    It is read as numpy reads a float array for what the models do with a design: a slice or
    positions of rows (``m[a:b]``, ``m[rows]``, ``m.take(rows, axis=0)``) and a column
    (``m[:, j]``, ``m[rows, j]``) come back as new float arrays; chosen columns
    (``m[:, a:b]``, ``m[:, [..]]``) as a :class:`CompactMatrix` on the same stores (no copy).
    Anything else (``np.asarray(m)``, an operator) gathers the whole float matrix, counted in
    :data:`WHOLE_READS` (the fit never does; a test checks).
    """

    ndim = 2
    dtype = np.dtype(float)

    def __init__(self, stores: list[np.ndarray], parts: list[tuple[int, int]]) -> None:
        self.stores = stores
        self.parts = [(int(s), int(c)) for s, c in parts]
        n = len(stores[0]) if stores else 0
        self.shape = (n, len(self.parts))
        # runs of neighbouring columns of one store: (store, its first column, first j, stop j)
        self._runs: list[tuple[int, int, int, int]] = []
        for j, (s, c) in enumerate(self.parts):
            last = self._runs[-1] if self._runs else None
            if last is not None and last[0] == s and last[1] + (j - last[2]) == c:
                self._runs[-1] = (s, last[1], last[2], j + 1)
            else:
                self._runs.append((s, c, j, j + 1))

    @classmethod
    def of_columns(cls, n: int, zero_ones: list[bool]) -> "CompactMatrix":
        """An empty (uninitialised) one of ``n`` rows whose column j is bytes when
        ``zero_ones[j]``: fill it with :meth:`write_column`."""
        b = int(sum(zero_ones))
        stores = [np.empty((n, b), dtype=BYTE), np.empty((n, len(zero_ones) - b))]
        parts, at = [], [0, 0]
        for flag in zero_ones:
            s = 0 if flag else 1
            parts.append((s, at[s]))
            at[s] += 1
        return cls(stores, parts)

    @property
    def flags(self) -> _Flags:
        """A new one each time: a caller that sets an attribute on it changes no other matrix."""
        return _Flags()

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.stores)

    def is_byte(self, j: int) -> bool:
        """True when column j is held as bytes (its values 0 or 1)."""
        return self.stores[self.parts[j][0]].dtype == BYTE

    def write_column(self, j: int, values: np.ndarray) -> None:
        """Column j's values (0/1 ones for a byte column)."""
        s, c = self.parts[j]
        self.stores[s][:, c] = values

    def __len__(self) -> int:
        return self.shape[0]

    def _fill(self, picked: list[np.ndarray], out: np.ndarray) -> np.ndarray:
        """``out`` (rows x k floats) from ``picked``: each store's chosen rows."""
        for s, c, j0, j1 in self._runs:
            out[:, j0:j1] = picked[s][:, c:c + j1 - j0]
        return out

    def rows(self, at, out: np.ndarray | None = None) -> np.ndarray:
        """The rows ``at`` (a slice, or positions) as floats (written into ``out`` when given)."""
        if isinstance(at, slice):
            picked = [s[at] for s in self.stores]
        else:
            at = np.asarray(at)
            if at.dtype == bool:
                at = np.flatnonzero(at)
            picked = [s.take(at, axis=0) for s in self.stores]
        n = len(picked[0]) if picked else 0
        return self._fill(picked, np.empty((n, self.shape[1])) if out is None else out[:n])

    def take(self, rows, axis: int = 0) -> np.ndarray:
        if axis != 0:
            raise ValueError("a CompactMatrix takes rows only (axis=0)")
        return self.rows(rows)

    def column(self, j: int, rows=None) -> np.ndarray:
        """Column j as floats (a new array), of the rows ``rows`` (a slice, positions or a mask)
        when given."""
        s, c = self.parts[j]
        values = self.stores[s][:, c] if rows is None else self.stores[s][rows, c]
        return values.astype(float)

    def columns(self, chosen) -> "CompactMatrix":
        """The columns ``chosen`` (a slice, positions or a mask), on the same stores."""
        j = np.arange(self.shape[1])[chosen]
        return CompactMatrix(self.stores, [self.parts[int(i)] for i in np.atleast_1d(j)])

    def ranges(self, rows=None, block: int = 65_536) -> np.ndarray:
        """Each column's largest minus smallest value (over the rows ``rows`` when given), a block
        of rows at a time."""
        k = self.shape[1]
        low, high = np.full(k, np.inf), np.full(k, -np.inf)
        n = len(self) if rows is None else len(rows)
        for a in range(0, n, block):
            part = self.rows(slice(a, a + block) if rows is None else rows[a:a + block])
            np.minimum(low, part.min(axis=0), out=low)
            np.maximum(high, part.max(axis=0), out=high)
        return high - low if n else np.zeros(k)

    def __getitem__(self, key):
        if not isinstance(key, tuple):
            return self.rows(key)
        r, c = key
        r = r.ravel() if isinstance(r, np.ndarray) and r.ndim == 2 else r  # (np.ix_)
        c = c.ravel() if isinstance(c, np.ndarray) and c.ndim == 2 else c
        if isinstance(c, (int, np.integer)):
            return self.column(int(c), None if (isinstance(r, slice) and r == slice(None)) else r)
        if isinstance(r, slice) and r == slice(None):
            return self.columns(c)
        return self.columns(c).rows(r)

    def __array__(self, dtype=None, copy=None):
        global WHOLE_READS
        WHOLE_READS += 1
        if STRICT:
            raise RuntimeError("a CompactMatrix was read whole")
        out = self.rows(slice(None))
        return out if dtype is None else out.astype(dtype, copy=False)


WHOLE_READS = 0
"""How many times a :class:`CompactMatrix` was gathered whole (``np.asarray`` of it)."""

STRICT = False
"""When True, gathering a :class:`CompactMatrix` whole raises (tests set it)."""


def ranges(matrix) -> np.ndarray:
    """Each column's largest minus smallest value: ``np.ptp(matrix, axis=0)``, of a
    :class:`CompactMatrix` a block of rows at a time."""
    return matrix.ranges() if isinstance(matrix, CompactMatrix) else np.ptp(matrix, axis=0)
