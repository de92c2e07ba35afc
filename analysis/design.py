"""Design matrices for the practice models, built with numpy from the model population.

What is adjusted for is stated once, in :mod:`calmline.analysis.specification`
(``ADJUSTED_FOR``: what was true before the agent acted) and encoded here: those
columns (:data:`ENCODED`) and, in every practice model, the other practices used
on the call. Results of the call (resolved, transfers, hold, handle time, CSAT) are
never in the total-effect models; ``resolved`` is added only for the labelled
direct effect. Practices that happen after the call (``after_call`` in the vocabulary,
passed in by the runner) are never in another practice's design: the models drop
them with :meth:`Design.dropping`, and estimate them at a landmark (:func:`active_at`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from calmline import vocabulary
from calmline.analysis.compact_matrix import CompactMatrix, zero_one
from calmline.analysis.gathered import Gathered

ENCODED = ("anger_level", "issue_type", "channel", "plan", "region", "call_month", "wait_s",
           "tenure_days", "monthly_value", "minutes_since_prev_upset", "prior_upset_calls_90d",
           "repeat_contact_30d")
"""The population's columns :func:`build` encodes as covariates, in its order."""

PRIOR_UPSET_CAP = 3
"""Earlier upset calls in 90 days are encoded as 0, 1, 2 or this many and more (a level each)."""

SOURCES = {"anger": "anger_level", "issue_type": "issue_type", "channel": "channel", "plan": "plan",
           "region": "region", "month": "call_month", "log_wait_min": "wait_s",
           "log_tenure_years": "tenure_days", "monthly_value_10": "monthly_value",
           "short_break": "minutes_since_prev_upset", "prior_upset_90d": "prior_upset_calls_90d",
           "repeat_contact_30d": "repeat_contact_30d"}
"""Each encoded column's name (before ``[level]`` or ``_missing``) -> the population column it encodes."""

SHORT_BREAK_MIN = 10.0
"""An upset call taken less than this many minutes after the agent's previous one ended."""


@dataclass
class Design:
    """A model's inputs: covariates (with intercept) and practices as 0/1 columns."""

    covariates: np.ndarray
    covariate_names: list[str]
    practices: np.ndarray
    practice_names: list[str]
    notes: list[str] = field(default_factory=list)
    combined: np.ndarray | None = None
    """The matrix whose columns are ``practices`` then ``covariates``, when both are views of it:
    :meth:`matrix` hands it out as it is, not copied, when the practices are in ``listed`` order."""
    listed: list[str] | None = None
    """The order the models read the practices in (:meth:`matrix`, :meth:`subset`,
    :func:`subset_matrix`), when it is not ``practice_names``' own: :func:`build` stores the
    after-call practices first, so that :meth:`dropping` them leaves a view of its matrix."""
    practice_ranges: np.ndarray | None = None
    """Each practice's largest minus smallest value, when whoever built the design knows them (from
    a pass it made anyway): :meth:`varying` then reads no column again."""

    def listed_order(self) -> list[int] | None:
        """The practices' columns in ``listed`` order, or None when that is their own order."""
        if self.listed is None:
            return None
        order = [self.practice_names.index(p) for p in self.listed if p in self.practice_names]
        return None if order == list(range(len(self.practice_names))) else order

    def _listed_without(self, names) -> list[str] | None:
        return None if self.listed is None else [p for p in self.listed if p not in set(names)]

    def without(self, practice: str) -> "Design":
        """The same design with one practice left out (its column removed)."""
        j = self.practice_names.index(practice)
        if isinstance(self.combined, CompactMatrix):  # a view of the same stores
            kept = [i for i in range(self.combined.shape[1]) if i != j]
            combined = self.combined.columns(kept)
            m = len(self.practice_names) - 1
            return Design(combined.columns(slice(m, None)), self.covariate_names, combined.columns(slice(0, m)),
                          [p for p in self.practice_names if p != practice], list(self.notes), combined,
                          self._listed_without([practice]))
        return Design(self.covariates, self.covariate_names, np.delete(self.practices, j, axis=1),
                      [p for p in self.practice_names if p != practice], list(self.notes),
                      listed=self._listed_without([practice]))

    def dropping(self, practices) -> "Design":
        """The same design without any of ``practices`` (names not in it are ignored). When they
        are its first practice columns (as :func:`build` stores the after-call practices) and the
        design has a ``combined`` matrix, the result is a view of that matrix (no copy)."""
        drop = [p for p in self.practice_names if p in set(practices)]
        k = len(drop)
        if k and self.combined is not None and drop == self.practice_names[:k]:
            return Design(self.covariates, self.covariate_names, self.practices[:, k:],
                          self.practice_names[k:], list(self.notes), self.combined[:, k:],
                          self._listed_without(drop))
        design = self
        for name in practices:
            if name in design.practice_names:
                design = design.without(name)
        return design

    def varying(self) -> "Design":
        """The same design without practices used on every call or on none (they cannot be
        estimated, and would make the model singular)."""
        if self.practice_ranges is not None:
            keep = np.asarray(self.practice_ranges) > 0
        elif isinstance(self.practices, CompactMatrix):
            keep = self.practices.ranges() > 0
        else:
            keep = np.ptp(self.practices, axis=0) > 0 if len(self.practices) else \
                np.zeros(len(self.practice_names), bool)
        gone = [p for p, k in zip(self.practice_names, keep) if not k]
        if isinstance(self.combined, CompactMatrix) and not keep.all():  # a view of the same stores
            m = int(keep.sum())
            combined = self.combined.columns(list(np.flatnonzero(keep)) +
                                             list(range(len(keep), self.combined.shape[1])))
            return Design(combined.columns(slice(m, None)), self.covariate_names, combined.columns(slice(0, m)),
                          [p for p, k in zip(self.practice_names, keep) if k], list(self.notes), combined,
                          self._listed_without(gone))
        return Design(self.covariates, self.covariate_names, self.practices if keep.all() else self.practices[:, keep],
                      [p for p, k in zip(self.practice_names, keep) if k], list(self.notes),
                      self.combined if keep.all() else None, self._listed_without(gone))

    def subset(self, rows: np.ndarray) -> "Design":
        """The design restricted to ``rows`` (a boolean mask), covariates constant there dropped;
        its practices in ``listed`` order."""
        cov = self.covariates[rows]
        varies = np.ptp(cov, axis=0) > 0 if len(cov) else np.zeros(cov.shape[1], bool)
        varies[0] = True
        order = self.listed_order()
        practices = self.practices[rows] if order is None else self.practices[np.ix_(rows, order)]
        names = list(self.practice_names) if order is None else [self.practice_names[j] for j in order]
        return Design(cov if varies.all() else cov[:, varies],  # no second copy when all vary
                      [n for n, v in zip(self.covariate_names, varies) if v],
                      practices, names, list(self.notes))

    def matrix(self, extra: np.ndarray | None = None, extra_names: list[str] | None = None
               ) -> tuple[np.ndarray, list[str]]:
        """Practices first (in ``listed`` order), then covariates, then ``extra`` columns (without
        ``extra``, the design's ``combined`` matrix itself when it has one in that order); a
        :class:`~calmline.analysis.gathered.Gathered` read of a compact ``combined`` matrix."""
        order = self.listed_order()
        if isinstance(self.combined, CompactMatrix):  # read a block of rows at a time, not copied
            p = len(self.practice_names)
            columns = (list(range(p)) if order is None else order) + list(range(p, self.combined.shape[1]))
            names = [self.practice_names[j] for j in columns[:p]] + self.covariate_names + (extra_names or [])
            return Gathered(self.combined, columns=columns, extra=extra), names
        if extra is None and self.combined is not None and order is None:
            return self.combined, self.practice_names + self.covariate_names
        practices, practice_names = ((self.practices, self.practice_names) if order is None else
                                     (self.practices[:, order], [self.practice_names[j] for j in order]))
        parts = [practices, self.covariates] + ([extra] if extra is not None else [])
        names = practice_names + self.covariate_names + (extra_names or [])
        return np.column_stack(parts), names


def active_at(df: pd.DataFrame, days: int) -> np.ndarray:
    """Boolean per call: the customer was still active ``days`` days after the call, and the
    as-of date had come by then (``days_observable >= days``), so whatever happens in those
    days (a follow-up) is known. Reads ``event``, ``time_days`` and ``days_observable``."""
    churned = (df["event"].astype("boolean").fillna(False).to_numpy(dtype=bool)
               & (pd.to_numeric(df["time_days"], errors="coerce").to_numpy(dtype=float) <= days))
    seen = pd.to_numeric(df["days_observable"], errors="coerce").to_numpy(dtype=float) >= days
    return seen & ~churned


def covariate_groups(names: list[str]) -> dict[str, list[int]]:
    """The positions in ``names`` (a design's covariate names) of each population column's
    encoded columns: ``{"anger_level": [1, 2], ...}``, in :data:`ENCODED` order; the intercept
    and names of no known source are left out."""
    found: dict[str, list[int]] = {}
    for j, name in enumerate(names):
        stem = name.split("[")[0]
        stem = stem[:-len("_missing")] if stem.endswith("_missing") and stem not in SOURCES else stem
        if stem in SOURCES:
            found.setdefault(SOURCES[stem], []).append(j)
    return {c: found[c] for c in ENCODED if c in found}


def complete_cases(df: pd.DataFrame, practices: list[str], outcome: str) -> tuple[pd.DataFrame, int]:
    """Rows with every practice assessed and the outcome observed; and how many were left out."""
    keep = df[practices + [outcome]].notna().all(axis=1)
    return df.loc[keep].reset_index(drop=True), int((~keep).sum())


def _dummies(values, prefix: str, naming=None, dtype=float) -> tuple[np.ndarray, list[str]]:
    """0/1 columns for every level but the most common (the reference); missing is a level.

    ``naming``: the labels of the distinct values (in order of appearance), when ``values`` are
    codes of something else (months as integers, levels as small ints): the columns are then
    those of the labelled values themselves, without a string per row. ``dtype``: the columns'
    (0 and 1 either way)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    labels = (["unknown" if pd.isna(u) else str(u) for u in uniques] if naming is None
              else list(naming(uniques)))
    reference = int(np.argmax(np.bincount(codes, minlength=len(labels)))) if len(labels) else 0
    keep = sorted((lbl, k) for k, lbl in enumerate(labels) if k != reference)
    if not keep:
        return np.empty((len(codes), 0), dtype=dtype), []
    column = np.full(len(labels), -1)
    column[[k for _, k in keep]] = np.arange(len(keep))
    target = column[codes]
    rows = np.flatnonzero(target >= 0)
    out = np.zeros((len(codes), len(keep)), dtype=dtype)
    out[rows, target[rows]] = 1
    return out, [f"{prefix}[{lbl}]" for lbl, _ in keep]


def _text(values: pd.Series):
    """A text column as :func:`_dummies` factorises it: Arrow-backed strings and categoricals (as
    the fit holds :data:`calmline.analysis.runner.LEVELS`) as they are (no Python object per
    value), anything else as an object array; the same codes and levels either way (missing is
    ``pd.NA``, NaN or None, a level of its own)."""
    if isinstance(values.dtype, pd.CategoricalDtype) or (
            isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"):
        return values.array
    return values.to_numpy(dtype=object)


def agent_codes(agents: pd.Series) -> np.ndarray:
    """Integer cluster codes for the agents (missing agent = one cluster of its own)."""
    return pd.factorize(agents, use_na_sentinel=False)[0]


def _numeric(values: pd.Series, name: str, transform) -> tuple[np.ndarray, list[str]]:
    """A transformed numeric column; missing values get the median and an indicator column.

    ``transform`` may write into the array it is handed (a copy of the values of this call's own):
    the column is made in one vector of every call, not one for each operation."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
    missing = np.isnan(x)
    if missing.all():
        return np.empty((len(x), 0)), []
    if missing.any():
        x[missing] = np.nanmedian(x)
    x = transform(x)
    if not missing.any():
        return x[:, None], [name]
    return np.column_stack([x, missing.astype(float)]), [name, f"{name}_missing"]


COMPACT_ABOVE_BYTES = 64 * 2**20
"""A design whose matrix would take more than this many bytes as floats (about 175,000 calls at 46
columns) is held as a :class:`calmline.analysis.compact_matrix.CompactMatrix` (its 0/1 columns a
byte a value). Its passes then read a sixth of the memory, and cost less CPU as well as memory: at
989,913 upset calls (753,443 in the model), same rounds, the whole fit took 41.9 CPU s and 1,048 MB
compact against 44.9 CPU s and 1,272 MB as floats; at 3.9M upset calls 150 against 188 CPU s and
1.8 against 2.4 GB. Smaller designs (the sample, most tests) stay a float matrix that numpy reads
as it is."""


def build(df: pd.DataFrame, practices: list[str], after_call=None, compact: bool | None = None) -> Design:
    """Encode the pre-call covariates and the practices of ``df``.

    Parameters
    ----------
    df : DataFrame
        The model population (see ``queries/analysis/upset_calls.sql``), complete cases.
    practices : list of str
        0/1 (or boolean) practice columns.
    after_call : sequence of str, optional
        The practices that happen after the call (by default the vocabulary's ``after_call``
        ones). Only where they are kept changes: first among the matrix's columns, so that the
        total models' design (:meth:`Design.dropping` them) is a view of the one matrix; every
        model still reads the practices in the order given (``Design.listed``).
    compact : bool, optional
        Hold the matrix as a :class:`~calmline.analysis.compact_matrix.CompactMatrix` (by
        default when it would take more than :data:`COMPACT_ABOVE_BYTES` as floats). The same
        values either way.

    Returns
    -------
    Design
        Covariates: intercept, anger level, issue type, channel, plan, region and
        month (each with the most common level as reference), log1p(wait in minutes),
        log1p(tenure in years), monthly value per 10, short break (< 10 minutes since
        the agent's previous upset call), the customer's earlier upset calls in the 90
        days before (levels 0, 1, 2, 3 or more; 0 the reference) and a repeat contact
        (any call of theirs in the 30 days before). Columns without variation are dropped
        and noted. Practices and covariates are views of one matrix (``combined``).
    """
    missing = [c for c in (*ENCODED, *practices) if c not in df.columns]
    if missing:
        raise ValueError(f"the data has no column {', '.join(missing)} (needed for the design)")
    after = set(_after_call() if after_call is None else after_call)
    stored = [p for p in practices if p in after] + [p for p in practices if p not in after]
    p, n = len(stored), len(df)
    # each block's names, which of its columns vary, and which of those are 0/1; the blocks are held
    # (level columns as one byte each) until written into a float matrix, and not held once the
    # design is known to be compact (past COMPACT_ABOVE_BYTES): then made again and written straight
    # into it, so that only the compact matrix and one block are held at a time
    layout, blocks, width = [], [], p
    for k, (b, ns) in enumerate(covariate_blocks(df, levels=np.int8)):
        v = _varies(b, ns, k)
        kept = b if v.all() else b[:, v]
        del b
        layout.append((ns, v, [zero_one(kept[:, i]) for i in range(kept.shape[1])]))
        width += kept.shape[1]
        if compact is None and n * width * 8 > COMPACT_ABOVE_BYTES:
            compact = True
        blocks = [] if compact else blocks + [kept]
        del kept
    names = [name for ns, _, _ in layout for name in ns]
    varies = np.concatenate([v for _, v, _ in layout])
    notes = []
    if not varies.all():
        notes.append("dropped covariates without variation: "
                     + ", ".join(nm for nm, v in zip(names, varies) if not v))
    # one matrix: the practices, then the varying columns of each block side by side
    if compact:
        practice_values = [df[name].to_numpy() for name in stored]
        combined = CompactMatrix.of_columns(n, [zero_one(v) for v in practice_values] +
                                            [flag for _, _, flags in layout for flag in flags])
        for j, values in enumerate(practice_values):
            combined.write_column(j, values)
        del practice_values
        at = p
        for k, (b, _) in enumerate(covariate_blocks(df, levels=np.int8)):  # the same blocks again
            for i in np.flatnonzero(layout[k][1]):
                combined.write_column(at, b[:, i])
                at += 1
            del b
    else:
        combined = np.empty((n, width))
        for j, name in enumerate(stored):
            combined[:, j] = df[name].astype(float).to_numpy()
        at = p
        while blocks:
            b = blocks.pop(0)  # each block let go once written
            combined[:, at:at + b.shape[1]] = b
            at += b.shape[1]
            del b
    return Design(combined[:, p:], [nm for nm, v in zip(names, varies) if v], combined[:, :p], stored, notes,
                  combined, list(practices) if stored != list(practices) else None)


def _after_call() -> list[str]:
    """The vocabulary's after-call practices (where :func:`build` keeps their columns)."""
    return [p.name for p in vocabulary.PRACTICES if p.after_call]


def covariate_blocks(df: pd.DataFrame, levels=float):
    """The covariates of :func:`build` (intercept first), one block of columns at a time.

    ``levels``: the dtype of the level columns (``name[level]``, 0/1), e.g. ``np.int8`` for a
    caller that writes them elsewhere as floats: one byte a value while the block is held.

    Yields
    ------
    (numpy.ndarray, list of str)
        A block's columns (rows as ``df``'s) and their names, before the columns without
        variation are dropped (:func:`_varies` says which vary): made only when asked for, so
        a caller that writes each block elsewhere holds one block at a time.
    """
    n = len(df)
    yield np.ones((n, 1)), ["intercept"]
    yield _dummies(df["anger_level"].to_numpy(), "anger", dtype=levels)
    for col in ("issue_type", "channel", "plan", "region"):
        yield _dummies(_text(df[col]), col, dtype=levels)
    months = pd.to_datetime(df["call_month"]).to_numpy().astype("datetime64[M]")
    yield _dummies(months.view("int64"), "month",
                   lambda u: np.asarray(u, dtype="int64").view("datetime64[M]").astype(str), levels)
    yield _numeric(df["wait_s"], "log_wait_min", lambda x: _log1p_of_clipped(x, 60))
    yield _numeric(df["tenure_days"], "log_tenure_years", lambda x: _log1p_of_clipped(x, 365.25))
    yield _numeric(df["monthly_value"], "monthly_value_10", lambda x: np.divide(x, 10, out=x))
    minutes = pd.to_numeric(df["minutes_since_prev_upset"], errors="coerce").to_numpy(dtype=float)
    yield np.where(np.isnan(minutes), 0.0, minutes < SHORT_BREAK_MIN).astype(float)[:, None], ["short_break"]
    prior = pd.to_numeric(df["prior_upset_calls_90d"], errors="coerce").to_numpy(dtype=float)
    names = np.array([str(k) for k in range(PRIOR_UPSET_CAP)] + [f"{PRIOR_UPSET_CAP}+"], dtype=object)
    level = np.where(np.isnan(prior), -1, np.clip(np.nan_to_num(prior), 0, PRIOR_UPSET_CAP)).astype(int)
    yield _dummies(level, "prior_upset_90d", lambda u: ["unknown" if k < 0 else names[k] for k in u], levels)
    yield _numeric(pd.to_numeric(df["repeat_contact_30d"].astype("Float64"), errors="coerce"),
                   "repeat_contact_30d", lambda x: (x > 0).astype(float))


def _log1p_of_clipped(x: np.ndarray, unit: float) -> np.ndarray:
    """``np.log1p(np.clip(x, 0, None) / unit)``, written into ``x`` (the same operations, so the
    same values)."""
    np.clip(x, 0, None, out=x)
    np.divide(x, unit, out=x)
    return np.log1p(x, out=x)


def _varies(block: np.ndarray, names: list[str], k: int) -> np.ndarray:
    """Which columns of the ``k``-th block of :func:`covariate_blocks` vary. A level column of
    _dummies (``name[level]``) always varies, as its level and the reference both occur, and the
    intercept (block 0) is kept: only the numeric blocks need a pass for their range."""
    if k == 0 or all("[" in nm for nm in names):
        return np.ones(block.shape[1], bool)
    return np.ptp(block, axis=0) > 0 if len(block) else np.zeros(block.shape[1], bool)


SUBSET_ROWS = 8_192
"""Rows gathered at a time by :func:`subset_matrix`."""


def subset_matrix(design: Design, rows: np.ndarray) -> Design:
    """``design.subset(rows)`` whose practices and covariates are views of one matrix (practices
    first, as ``matrix()`` lays them out), gathered a block of rows at a time: ``matrix()`` then
    hands that matrix out instead of a second copy of the subset (with ``subset``'s own copies,
    two matrices of a landmark's calls beside the design, 0.2-0.3 GB each at 1M upset calls).
    The same values; ``subset`` itself when a covariate is constant among the rows (it drops it)."""
    idx = np.flatnonzero(rows)
    p = design.practices.shape[1]
    order = design.listed_order()  # the practices in the order the models read them
    names = design.practice_names if order is None else [design.practice_names[j] for j in order]
    combined = np.empty((len(idx), p + design.covariates.shape[1]))
    for a in range(0, len(idx), SUBSET_ROWS):
        block = idx[a:a + SUBSET_ROWS]
        if design.combined is not None:  # its rows gathered whole (one take), then placed
            whole = gather_rows(design.combined, block)
            combined[a:a + SUBSET_ROWS, :p] = whole[:, :p] if order is None else whole.take(order, axis=1)
            combined[a:a + SUBSET_ROWS, p:] = whole[:, p:]
            continue
        combined[a:a + SUBSET_ROWS, :p] = design.practices[block] if order is None else \
            design.practices[np.ix_(block, order)]
        combined[a:a + SUBSET_ROWS, p:] = design.covariates[block]
    cov = combined[:, p:]
    varies = (cov.max(axis=0) - cov.min(axis=0) > 0) if len(cov) else np.zeros(cov.shape[1], bool)
    if not varies[1:].all():
        return design.subset(rows)
    return Design(cov, list(design.covariate_names), combined[:, :p], list(names),
                  list(design.notes), combined)


def gather_rows(matrix: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``matrix[rows]``, a new C-contiguous array: by ``take`` (the faster gather) when ``matrix``
    is C-contiguous, else by fancy indexing, as ``take`` would first copy such a matrix whole (a
    column slice of a design's matrix, as :meth:`Design.dropping` gives, on every block read)."""
    return matrix.take(rows, axis=0) if matrix.flags.c_contiguous else matrix[rows]


class Rows:
    """Some rows of a matrix, with its columns in a given order, read a block of rows at a time
    (:meth:`block`): a landmark's calls for a model that reads its matrix by blocks, without a
    gathered copy of them (0.27 GB at 1M upset calls, the landmark being 95% of the calls). The
    blocks hold the values ``matrix[np.ix_(rows, columns)]`` would, so the same sums."""

    def __init__(self, matrix: np.ndarray, rows: np.ndarray, columns: list[int],
                 ranges: np.ndarray | None = None) -> None:
        self.matrix, self.rows, self.columns = matrix, np.asarray(rows), list(columns)
        self.shape = (len(self.rows), len(self.columns))
        self.ranges = ranges
        """Each column's largest minus smallest value among the rows, when known (one pass fewer)."""
        first = self.columns[0] if self.columns else 0
        self._span = (slice(first, first + len(self.columns))
                      if self.columns == list(range(first, first + len(self.columns))) else None)

    def __len__(self) -> int:
        return self.shape[0]

    def block(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` (of the chosen rows), a new C-contiguous array: the rows gathered
        whole, then their columns in order (a slice of them when the columns are a range)."""
        whole = gather_rows(self.matrix, self.rows[start:stop])
        return np.ascontiguousarray(whole[:, self._span]) if self._span is not None else \
            whole.take(self.columns, axis=1)

    def gathered(self) -> np.ndarray:
        """Every chosen row at once (a copy)."""
        return self.block(0, len(self))


def landmark_rows(design: Design, rows: np.ndarray):
    """``subset_matrix(design, rows).varying()``'s matrix as :class:`Rows` of the design's own
    matrix (no copy of the rows), with its names, practice names and covariate names; None when
    that needs a copy anyway (no ``combined`` matrix, or a covariate constant among the rows,
    which ``subset`` drops). Practices constant among the rows are left out, as ``varying``
    does; the practices in ``listed`` order, as ``subset_matrix`` gathers them."""
    if design.combined is None:
        return None
    idx = np.flatnonzero(rows)
    p = design.practices.shape[1]
    order = design.listed_order() or list(range(p))
    k = design.combined.shape[1]
    if not len(idx):
        return None
    low, high = np.full(k, np.inf), np.full(k, -np.inf)
    for a in range(0, len(idx), SUBSET_ROWS):  # each column's range among the rows, in one pass
        block = design.combined[idx[a:a + SUBSET_ROWS]]
        np.minimum(low, block.min(axis=0), out=low)
        np.maximum(high, block.max(axis=0), out=high)
    varies = high - low > 0
    if not varies[p + 1:].all():
        return None
    kept = [j for j in order if varies[j]]
    practice_names = [design.practice_names[j] for j in kept]
    columns = kept + list(range(p, k))
    return (Rows(design.combined, idx, columns, (high - low)[columns]), practice_names + design.covariate_names,
            practice_names, list(design.covariate_names))

