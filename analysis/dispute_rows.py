"""A disputed point's model read from the linked calls' design a block of rows at a time.

:func:`calmline.analysis.disputes._rows_design` writes a point's matrix (its adjusted practices, the
point's side, its covariates) for its compared calls: at 1M upset calls the largest point's is 276 MB,
and with transcripts on every call of a 10M-upset-call centre it would be 2.7 GB. Here the same matrix
is a :class:`calmline.analysis.gathered.Gathered` read of the shared matrix's rows with the side's column
in its place, which every fit, prediction and AIPW function of the models takes where it takes X: no
copy of the compared calls' rows.
"""

from __future__ import annotations

import numpy as np

from calmline.analysis import gathered
from calmline.analysis.column_runs import copy_columns, runs
from calmline.analysis.design import gather_rows


class PointRows(gathered.Gathered):
    """The rows ``rows`` (increasing) of ``source``, its columns ``columns``, with ``side`` (one value
    per chosen row) inserted as column ``at``: ``np.column_stack([S[:, :at], side, S[:, at:]])`` of
    ``S = source[np.ix_(rows, columns)]``, never held whole."""

    def __init__(self, source: np.ndarray, rows: np.ndarray, columns: list[int], side: np.ndarray,
                 at: int) -> None:
        super().__init__(source, rows, columns, extra=side)
        self.at = at
        self._before, self._after = runs(self.columns[:at]), runs(self.columns[at:])

    def _write(self, at, out: np.ndarray) -> np.ndarray:
        """The chosen rows ``at`` (a slice or positions among them) written into ``out``."""
        part = gather_rows(self.source, self.rows[at])
        i = self.at
        copy_columns(part, self._before, out[:, :i])
        out[:, i] = self.extra[at, 0]
        copy_columns(part, self._after, out[:, i + 1:])
        return out

    def column(self, j: int) -> np.ndarray:
        """Column ``j`` (a new array)."""
        if j == self.at:
            return self.extra[:, 0].copy()
        return self.source[self.rows, self.columns[j if j < self.at else j - 1]]

    def __getitem__(self, key) -> np.ndarray:
        """``X[:, j]``, a column (how a design's practice column is read)."""
        rows, j = key
        if rows != slice(None) or not isinstance(j, (int, np.integer)):
            raise IndexError("PointRows reads whole columns only: X[:, j]")
        return self.column(int(j))

    def leading(self, k: int) -> gathered.Gathered:
        """Its first ``k`` columns, before the side's."""
        if k > self.at:
            raise ValueError("leading() takes the columns before the side's only")
        return gathered.Gathered(self.source, self.rows, self.columns[:k])


class PointDesign:
    """A point's design as :func:`calmline.analysis.effects._estimate` reads it: its matrix
    (:class:`PointRows`), names, practices (the adjusted ones varying among the compared calls, then
    the side) and covariates; already ``varying()``."""

    combined = None

    def __init__(self, source: np.ndarray, rows: np.ndarray, practices: list[int], practice_names: list[str],
                 covariates: list[int], covariate_names: list[str], side: np.ndarray, name: str) -> None:
        at = len(practices)
        self.X = PointRows(source, rows, practices + covariates, side, at)
        self.practices = PointRows(source, rows, practices, side, at)
        self.practice_names = [*practice_names, name]
        self.covariate_names = list(covariate_names)
        self.notes: list[str] = []

    def varying(self) -> "PointDesign":
        return self

    def matrix(self) -> tuple[PointRows, list[str]]:
        return self.X, self.practice_names + self.covariate_names
