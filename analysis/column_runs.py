"""Chosen columns of a block of rows copied into place a run of neighbouring columns at a time.

The models' matrices (dose factors, heterogeneity cells, disputed points) are written a block of
gathered rows at a time, keeping most of the design's columns: the kept columns fall into a few
runs of neighbours, each one strided slice copy, where ``np.take(block, columns, axis=1)`` copies
one value at a time (about 2 ms a block of 8,192 x 47, as long as the fits' own passes over it).
"""

from __future__ import annotations

import numpy as np


def runs(columns) -> list[tuple[int, int, int]]:
    """``columns`` (increasing or not) as runs ``(first, stop, at)``: source columns
    ``first:stop`` go to positions ``at:at + stop - first`` of the destination."""
    out: list[list[int]] = []
    for at, c in enumerate(int(c) for c in columns):
        if out and c == out[-1][1] and at == out[-1][2] + out[-1][1] - out[-1][0]:
            out[-1][1] += 1
        else:
            out.append([c, c + 1, at])
    return [tuple(r) for r in out]


def copy_columns(block: np.ndarray, columns, into: np.ndarray) -> None:
    """``into[:] = block[:, columns]``, a run of neighbouring columns per slice copy (the same
    values); ``columns`` may also be :func:`runs` of them, computed once for many blocks."""
    for first, stop, at in (columns if columns and isinstance(columns[0], tuple) else runs(columns)):
        into[:, at:at + stop - first] = block[:, first:stop]
