"""Dose-response: churn by how much of a practice, adjusted like the practice effects.

Four factors, each a categorical term replacing its binary practice in the
total-effect logit: options offered (0, 1, 2, 3+; replaces offered_options),
follow-up timing (none within 30 days, 0-3, 4-14, 15-30 days; replaces
followed_up), the compensation granted as a share of the customer's monthly value
(none, under a quarter of a month, a quarter to half, half to one, a month or more;
a customer with no recorded value counts at the median value; replaces compensated;
left out when no call recorded an amount) and the agent's break since their previous
upset call (under 5,
5-10, 10-30, 30+ minutes, or no earlier upset call; replaces short_break). For
each level: the adjusted churn probability (every call set to that level) and
the risk difference from the reference level, with agent-clustered CIs.
Heterogeneity: each practice's AME refitted within each anger level and issue type.
Practices that happen after the call (``after_call``: the follow-up) are in no model's
adjustment set; follow-up timing, and the follow-up's heterogeneity, are fitted only on
calls whose customer was still active when the follow-up window closed (the landmark), as
its landmark effect is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calmline.analysis import gathered, logit
from calmline.analysis.column_runs import copy_columns, runs
from calmline.analysis.multiplicity import FDR_LEVEL, bh_qvalues
from calmline.analysis.design import Design, agent_codes, build

DOSE_COLUMNS = ["factor", "level", "reference", "estimate", "ci_low", "ci_high", "p_value", "risk",
                "n", "warning"]
HETEROGENEITY_COLUMNS = ["practice", "dimension", "level", "estimate", "ci_low", "ci_high", "p_value",
                         "q_value", "survives_fdr", "n", "warning"]
"""q_value: Benjamini-Hochberg q-value within the cell's heatmap (all practices and levels of one
dimension); survives_fdr: q_value <= ``multiplicity.FDR_LEVEL`` (missing without an estimate)."""


LANDMARK_NOTE = ("landmark: only calls whose customer was still active when the follow-up window "
                 "closed; churn counted from the call")


def _join(*parts) -> str | None:
    return "; ".join(p for p in parts if p) or None


def _options(df: pd.DataFrame) -> pd.Series:
    n = pd.to_numeric(df["options_offered"], errors="coerce")
    return pd.Series(np.select([n >= 3, n == 2, n == 1], ["3+", "2", "1"], "0"), index=df.index)


def _followup(df: pd.DataFrame) -> pd.Series:
    days = pd.to_numeric(df["days_to_followup"], errors="coerce")
    return pd.Series(np.select([days <= 3, days <= 14, days <= 30], ["0-3 days", "4-14 days", "15-30 days"],
                               "none within 30 days"), index=df.index)


def _compensation(df: pd.DataFrame) -> pd.Series:
    amount = pd.to_numeric(df["compensation_value"], errors="coerce")
    value = pd.to_numeric(df["monthly_value"], errors="coerce")
    share = amount / value.fillna(value.median())  # unknown value: the median, as the design imputes it
    levels = pd.Series(np.select([amount <= 0, share < 0.25, share < 0.5, share < 1],
                                 ["none", "under 1/4 month", "1/4 to 1/2 month", "1/2 to 1 month"],
                                 "a month or more"), index=df.index, dtype=object)
    return levels.where(amount.notna())


def _break(df: pd.DataFrame) -> pd.Series:
    m = pd.to_numeric(df["minutes_since_prev_upset"], errors="coerce")
    return pd.Series(np.select([m.isna(), m < 5, m < 10, m < 30], ["no earlier upset call", "under 5 min",
                                                                  "5-10 min", "10-30 min"], "30+ min"),
                     index=df.index)


def _options_codes(df: pd.DataFrame) -> np.ndarray:
    n = pd.to_numeric(df["options_offered"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.select([n >= 3, n == 2, n == 1], [3, 2, 1], 0).astype(np.int8)


def _followup_codes(df: pd.DataFrame) -> np.ndarray:
    days = pd.to_numeric(df["days_to_followup"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.select([days <= 3, days <= 14, days <= 30], [1, 2, 3], 0).astype(np.int8)


def _compensation_codes(df: pd.DataFrame) -> np.ndarray:
    amount = pd.to_numeric(df["compensation_value"], errors="coerce")
    value = pd.to_numeric(df["monthly_value"], errors="coerce")
    share = (amount / value.fillna(value.median())).to_numpy(dtype=float, na_value=np.nan)  # as _compensation
    amount = amount.to_numpy(dtype=float, na_value=np.nan)
    codes = np.select([amount <= 0, share < 0.25, share < 0.5, share < 1], [0, 1, 2, 3], 4)
    return np.where(np.isnan(amount), -1, codes).astype(np.int8)


def _break_codes(df: pd.DataFrame) -> np.ndarray:
    m = pd.to_numeric(df["minutes_since_prev_upset"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.select([np.isnan(m), m < 5, m < 10, m < 30], [4, 0, 1, 2], 3).astype(np.int8)


LEVEL_CODES = {"options_offered": _options_codes, "followup_timing": _followup_codes,
               "compensation_amount": _compensation_codes, "break_minutes": _break_codes}
"""Each factor's levels as positions in its level order (:data:`FACTORS`), -1 where the call has
none: the levels of ``FACTORS``' functions without a string per call (their ``np.select`` of
text, a Series of it and its factorisation cost about 0.5 CPU s at 750k calls); the same calls
at each level (``tests/analysis/test_dose_level_positions.py``)."""


FACTORS = {
    # factor: (levels function, binary practice it replaces, reference level, level order)
    "options_offered": (_options, "offered_options", "0", ["0", "1", "2", "3+"]),
    "followup_timing": (_followup, "followed_up", "none within 30 days",
                        ["none within 30 days", "0-3 days", "4-14 days", "15-30 days"]),
    "compensation_amount": (_compensation, "compensated", "none", ["none", "under 1/4 month", "1/4 to 1/2 month",
                                                                   "1/2 to 1 month", "a month or more"]),
    "break_minutes": (_break, None, "30+ min",
                      ["under 5 min", "5-10 min", "10-30 min", "30+ min", "no earlier upset call"]),
}


def dose_response(df: pd.DataFrame, practices: list[str], outcome: str, design: Design | None = None,
                  *, after_call=(), landmark: np.ndarray | None = None) -> pd.DataFrame:
    """Adjusted churn by level of each dose factor; see the module docstring.

    ``design`` is ``build(df, practices)`` when the caller has it already. Practices in
    ``after_call`` (they happen after the call) are never adjusted for; a factor that
    grades one of them (follow-up timing) is fitted only on the calls whose customer was
    still active at the ``landmark`` (a boolean mask, see ``design.active_at``) when given.
    """
    y_all = df[outcome].astype(float).to_numpy()
    groups_all = agent_codes(df["agent_id"])
    whole = (design or build(df, practices)).varying()
    rows = []
    for factor, (_, replaces, reference, order) in FACTORS.items():
        X = at = None  # the previous factor's matrix and predictions go before this one's is built
        codes = LEVEL_CODES[factor](df)  # positions in ``order``; -1: no level
        if (codes < 0).all():
            continue  # not recorded on these calls
        rows_of, y, groups, note = None, y_all, groups_all, None
        if replaces in after_call and landmark is not None:
            rows_of = landmark
            codes, y, groups = codes[landmark], y_all[landmark], groups_all[landmark]
            note = LANDMARK_NOTE
        # each level's calls by an integer comparison, not one of strings per level
        at_level = {lvl: codes == k for k, lvl in enumerate(order)}
        present = [lvl for lvl in order if at_level[lvl].any()]
        others = [lvl for lvl in present if lvl != reference]
        X, names = _factor_rows(whole, rows_of, [*after_call, replaces],
                                ["short_break"] if factor == "break_minutes" else [],
                                [at_level[lvl] for lvl in others], [f"{factor}[{lvl}]" for lvl in others])
        fit = logit.fit(X, y, groups, names)
        first = X.shape[1] - len(others)
        at = _Levels(fit, X, first, others) if fit.ok else None
        for lvl in present:
            n = int(at_level[lvl].sum())
            if not fit.ok or reference not in present:
                why = fit.warning if not fit.ok else f"no calls at the reference level {reference}"
                rows.append(dict(factor=factor, level=lvl, reference=reference, estimate=None, ci_low=None,
                                 ci_high=None, p_value=None, risk=None, n=n, warning=_join(why, note)))
                continue
            risk = at.risk(lvl)
            if lvl == reference:
                rows.append(dict(factor=factor, level=lvl, reference=reference, estimate=0.0, ci_low=0.0,
                                 ci_high=0.0, p_value=None, risk=risk, n=n, warning=note))
                continue
            est, se = at.contrast(lvl)
            lo, hi, p = logit.wald(est, se, fit.df)
            rows.append(dict(factor=factor, level=lvl, reference=reference,
                             estimate=est if lo is not None else None, ci_low=lo,
                             ci_high=hi, p_value=p, risk=risk, n=n,
                             warning=_join(note, logit.NO_SE if lo is None else None,
                                           "fewer than 100 calls at this level" if n < 100 else None)))
    return pd.DataFrame(rows, columns=DOSE_COLUMNS)


def _factor_rows(whole: Design, rows: np.ndarray | None, drop: list[str], skip: list[str],
                 dummies: list[np.ndarray], dummy_names: list[str]) -> tuple[np.ndarray | gathered.Gathered, list[str]]:
    """:func:`_factor_matrix`'s matrix and names as a :class:`calmline.analysis.gathered.Gathered` read of
    the design's own matrix (its rows ``rows``, the kept columns, then the level dummies, held as one
    byte a value), not written into a new matrix (1.1 GB at 2.9M calls and 46 columns, per factor):
    the same values in the same places. :func:`_factor_matrix`'s copy when it is within
    :data:`calmline.analysis.gathered.COPY_LIMIT_BYTES`, or when the design has no single matrix to
    read (no ``combined``)."""
    if whole.combined is None:
        return _factor_matrix(whole, rows, drop, skip, dummies, dummy_names)
    ranges = None if rows is None else _ranges(whole, np.flatnonzero(rows))  # (one pass, for both)
    pj, cj, at = _factor_columns(whole, rows, drop, skip, ranges=ranges)
    if gathered.small(len(whole.combined) if at is None else len(at), len(pj) + len(cj) + len(dummies)):
        return _factor_matrix(whole, rows, drop, skip, dummies, dummy_names, ranges=ranges)
    names = [whole.practice_names[j] for j in pj] + [whole.covariate_names[j] for j in cj] + list(dummy_names)
    first = whole.practices.shape[1]
    extra = np.column_stack(dummies) if dummies else None
    return gathered.Gathered(whole.combined, at, pj + [first + j for j in cj], extra), names


def _factor_columns(whole: Design, rows: np.ndarray | None, drop: list[str], skip: list[str], *,
                    ranges: tuple[np.ndarray, np.ndarray] | None = None
                    ) -> tuple[list[int], list[int], np.ndarray | None]:
    """:func:`_factor_matrix`'s practice and covariate columns and the rows' numbers (None: all)."""
    order = whole.listed_order()  # the practices in the order the models read them (``Design.listed``)
    pj = [j for j in (range(len(whole.practice_names)) if order is None else order)
          if whole.practice_names[j] not in drop]
    cj = list(range(len(whole.covariate_names)))
    at = None if rows is None else np.flatnonzero(rows)
    if at is not None:  # subset(): covariates varying on the rows (and the intercept); varying(): practices
        low, high = ranges if ranges is not None else _ranges(whole, at)
        first = len(whole.practice_names)
        pj = [j for j in pj if high[j] - low[j] > 0]
        cj = [j for j in cj if j == 0 or high[first + j] - low[first + j] > 0]
    return pj, [j for j in cj if whole.covariate_names[j] not in skip], at


def _factor_matrix(whole: Design, rows: np.ndarray | None, drop: list[str], skip: list[str],
                   dummies: list[np.ndarray], dummy_names: list[str], *,
                   ranges: tuple[np.ndarray, np.ndarray] | None = None,
                   out: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    """A factor model's design, written once into its matrix: ``whole``'s practices but ``drop``,
    its covariates but ``skip``, then the level dummies, on the calls ``rows`` (all when None),
    where a practice or covariate (not the intercept) constant on those calls is left out. The
    matrix and names of ``whole.subset(rows).varying().dropping(drop)`` with the ``skip`` columns
    removed and the dummies appended, without those designs' copies of the calls' rows.

    The calls' rows are gathered a block at a time (all of a block's columns in one gather), once
    to find the columns constant on them (each column's smallest and largest value) and once to
    write X: the same matrix as gathering column by column, in two passes over the rows.

    ``ranges``: each column's smallest and largest value on ``rows`` (practices then covariates,
    :func:`_level_ranges` of the calls' level), when the caller has them: the first pass is then
    not made. ``out``: a float array of at least ``n x columns`` elements that X is written into
    (a view of its start) instead of a new matrix: the caller's models read one buffer in turn."""
    pj, cj, at = _factor_columns(whole, rows, drop, skip, ranges=ranges)
    n = len(whole.covariates) if at is None else len(at)
    names = [whole.practice_names[j] for j in pj] + [whole.covariate_names[j] for j in cj] + list(dummy_names)
    width = len(pj) + len(cj) + len(dummies)
    X = np.empty((n, width)) if out is None else out[:n * width].reshape(n, width)
    last = len(pj) + len(cj)
    for start in range(0, n, BLOCK_ROWS):  # row blocks: each block of X is written while in cache
        block = slice(start, start + BLOCK_ROWS)
        _gather(whole, pj, cj, block if at is None else at[block], X[block, :last])
        for i, dummy in enumerate(dummies):
            X[block, last + i] = dummy[block]
    return X, names


def _sources(whole: Design, pj: list[int], cj: list[int]) -> list[tuple[np.ndarray, list[int], slice]]:
    """Where the columns ``pj`` of the practices and ``cj`` of the covariates are read from, and
    where they go: one matrix (the design's ``combined``, practices then covariates) and its
    columns, or the practices and the covariates apart."""
    if whole.combined is not None:
        first = whole.practices.shape[1]
        return [(whole.combined, pj + [first + j for j in cj], slice(None))]
    return [(source, columns, to) for source, columns, to in
            ((whole.practices, pj, slice(0, len(pj))), (whole.covariates, cj, slice(len(pj), None)))
            if columns]


def _gather(whole: Design, pj: list[int], cj: list[int], take, into: np.ndarray) -> None:
    """Write the rows ``take`` (a slice or row numbers) of the columns ``pj`` of the practices and
    ``cj`` of the covariates into ``into``: a row gather of each source's block, then its columns
    copied into place a run of neighbouring columns at a time (no fancy-indexed copy of a copy).
    (Not ``np.take`` for the rows: on a view with gaps, such as ``dropping()``'s, it copies the
    whole source first; nor for the columns: it copies one value at a time.)"""
    for source, columns, to in _sources(whole, pj, cj):
        copy_columns(source[take], columns, into[:, to])


def _ranges(whole: Design, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column's smallest and largest value (practices, then covariates) on the rows ``at``,
    a block of gathered rows at a time."""
    pj, cj = list(range(whole.practices.shape[1])), list(range(whole.covariates.shape[1]))
    width = len(pj) + len(cj)
    low, high = np.full(width, np.inf), np.full(width, -np.inf)
    block = np.empty((min(BLOCK_ROWS, len(at)), width))
    for start in range(0, len(at), BLOCK_ROWS):
        take = at[start:start + BLOCK_ROWS]
        rows = block[:len(take)]
        _gather(whole, pj, cj, take, rows)
        np.minimum(low, rows.min(axis=0), out=low)
        np.maximum(high, rows.max(axis=0), out=high)
    return low, high


def _level_ranges(whole: Design, codes: np.ndarray, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Each level's smallest and largest value of every column (practices, then covariates):
    ``(low, high)``, each ``levels x columns``, row ``k`` that of :func:`_ranges` on the rows
    ``codes == k`` (``inf``/``-inf`` for a level without rows; code -1, no level, is in none).

    One pass over the rows in order, for every level at once, instead of a pass over each
    level's gathered rows: each block's rows sorted by level (in cache) and reduced per level."""
    pj, cj = list(range(whole.practices.shape[1])), list(range(whole.covariates.shape[1]))
    width = len(pj) + len(cj)
    low, high = np.full((levels, width), np.inf), np.full((levels, width), -np.inf)
    block = np.empty((min(BLOCK_ROWS, len(codes)), width))
    for start in range(0, len(codes), BLOCK_ROWS):
        c = codes[start:start + BLOCK_ROWS]
        order = np.argsort(c, kind="stable")
        ordered = c[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        present = ordered[starts]
        rows = block[:len(c)]
        _gather(whole, pj, cj, start + order, rows)
        keep = present >= 0
        present = present[keep]
        low[present] = np.minimum(low[present], np.minimum.reduceat(rows, starts, axis=0)[keep])
        high[present] = np.maximum(high[present], np.maximum.reduceat(rows, starts, axis=0)[keep])
    return low, high


BLOCK_ROWS = 8_192
"""Rows per block when :func:`_factor_matrix` gathers a model's rows."""


def _cell_matrix(whole: Design, at: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """A heterogeneity cell's matrix and names: ``_factor_matrix(whole, rows, [], [], [], [])`` on the
    rows ``at`` (increasing), written into the start of ``out`` (at least ``len(at)`` x every
    column of ``whole``), the same values and names.

    One gathered pass over the cell's rows writes every column into ``out`` and takes each
    column's range from each block while it is in cache; the columns constant on the rows (a
    practice, or a covariate but the intercept) are then squeezed out in place, a block of rows
    at a time through a small buffer (row ``i`` moves to a lower address, below the rows not yet
    moved). Before, a separate gathered pass over the rows found every level's ranges
    (:func:`_level_ranges`: about 0.16 CPU s a dimension at 1M upset calls) before the cells'
    matrices were gathered (``tests/analysis/test_heterogeneity_cell_matrix.py``)."""
    order = whole.listed_order()
    pj = list(range(len(whole.practice_names))) if order is None else order
    cj = list(range(len(whole.covariate_names)))
    n, width, first = len(at), len(pj) + len(cj), len(pj)
    wide = out[:n * width].reshape(n, width)
    low, high = np.full(width, np.inf), np.full(width, -np.inf)
    for start in range(0, n, BLOCK_ROWS):
        rows = wide[start:start + BLOCK_ROWS]
        _gather(whole, pj, cj, at[start:start + BLOCK_ROWS], rows)
        np.minimum(low, rows.min(axis=0), out=low)
        np.maximum(high, rows.max(axis=0), out=high)
    varies = high - low > 0
    keep = [i for i in range(first) if varies[i]] + [first + j for j in cj if j == 0 or varies[first + j]]
    names = [whole.practice_names[pj[i]] for i in keep if i < first] + \
            [whole.covariate_names[i - first] for i in keep if i >= first]
    if len(keep) == width:
        return wide, names
    X = out[:n * len(keep)].reshape(n, len(keep))
    columns = runs(keep)
    moved = np.empty((min(BLOCK_ROWS, n), len(keep)))
    for start in range(0, n, BLOCK_ROWS):
        rows = wide[start:start + BLOCK_ROWS]
        copy_columns(rows, columns, moved[:len(rows)])  # read whole before X's rows are written over it
        X[start:start + len(rows)] = moved[:len(rows)]
    return X, names


CELL_COPY_LIMIT_BYTES = 160 * 2**20
"""A heterogeneity cell whose matrix would take more than this is read from the design's rows
(:func:`_cell_rows`), not copied into the cells' buffer, which is sized for the largest copied cell and
held while its dimension's cells are fitted. Half :data:`calmline.analysis.gathered.COPY_LIMIT_BYTES`
(a dose factor's matrix, held only while its factor is fitted), measured: at 1M upset calls every cell
(at most 371,327 calls x 47 columns, 140 MB) is still copied, as before; at 2.9M calls in the model the
cells above 560,000 calls are read, and the buffer is at most 160 MB."""


def _read(full: Design, rows: int, width: int) -> bool:
    """A cell of ``rows`` calls is read from the design's matrix (:func:`_cell_rows`), not copied."""
    return full.combined is not None and not gathered.small(rows, width, CELL_COPY_LIMIT_BYTES)


def _cell_rows(whole: Design, at: np.ndarray) -> tuple[gathered.Gathered, list[str]]:
    """:func:`_cell_matrix`'s matrix and names as a :class:`calmline.analysis.gathered.Gathered` read of
    the design's ``combined`` matrix (the rows ``at``, the columns varying on them), no copy of the
    cell's rows (0.4 GB for a cell of 1.15M calls); the columns' ranges from one gathered pass over the
    rows. The same values in the same places."""
    order = whole.listed_order()
    pj = list(range(len(whole.practice_names))) if order is None else order
    first = len(pj)
    low, high = _ranges(whole, at)  # practices, then covariates, in the design's own order
    keep_p = [j for j in pj if high[j] - low[j] > 0]
    keep_c = [j for j in range(len(whole.covariate_names)) if j == 0 or high[first + j] - low[first + j] > 0]
    names = [whole.practice_names[j] for j in keep_p] + [whole.covariate_names[j] for j in keep_c]
    return gathered.Gathered(whole.combined, at, keep_p + [first + j for j in keep_c]), names


def _at_level(fit, X: np.ndarray, first: int, others: list[str], level: str, base: np.ndarray,
              found: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each call's predicted risk with the factor set to ``level``, and the gradient of their mean.

    ``base`` is the linear predictor without the factor's dummies; no copy of X is made. ``found``:
    the gradient's sum over X's first columns, when the caller has it (:func:`_level_grads`).
    """
    k = first + others.index(level) if level in others else None
    p = logit.predict_linear(base + (fit.params[k] if k is not None else 0.0))
    d = p * (1 - p)
    grad = found if found is not None else (
        X[:, :first].T @ d if isinstance(X, np.ndarray) else gathered.crossprod(d, X.leading(first)))
    grad = np.concatenate([grad, np.zeros(len(others))])
    if k is not None:
        grad[k] = d.sum()
    return p, grad / len(X)


def _level_grads(fit, X, first: int, others: list[str], base: np.ndarray) -> dict[str, np.ndarray]:
    """``gathered.crossprod(d, X.leading(first))`` of every level (``d = p (1 - p)``, p its predictions, as
    :func:`_at_level` makes them) from one pass over the blocks of a :class:`calmline.analysis.gathered.Gathered`:
    the same blocks, each level's predictions of a block being the same numbers as those rows of
    its predictions of every call, summed in the same order (bit for bit), with one gather of X's
    rows instead of one per level."""
    shifts = {lvl: fit.params[first + i] for i, lvl in enumerate(others)} | {"__reference__": 0.0}
    out = {lvl: None for lvl in shifts}
    for rows, block in gathered.row_blocks(X.leading(first), gathered.PRODUCT_ROWS):
        for lvl, shift in shifts.items():
            p = logit.predict_linear(base[rows] + shift)
            part = (p * (1 - p)).T @ block
            out[lvl] = part if out[lvl] is None else out[lvl] + part
    return {lvl: g if g is not None else np.zeros(first) for lvl, g in out.items()}


def _base(X, first: int, params: np.ndarray) -> np.ndarray:
    """The linear predictor without the factor's dummies, ``X[:, :first] @ params[:first]`` (a
    :class:`calmline.analysis.gathered.Gathered`'s a block of rows at a time: each row the same number)."""
    if isinstance(X, np.ndarray):
        return X[:, :first] @ params[:first]
    return gathered.product(X.leading(first), params[:first])


class _Levels:
    """Each level's predictions of one fitted factor model, computed once and shared by the level's
    risk and its contrast (the linear predictor without the factor is computed once for all
    levels): one pass over X per level instead of five, the same numbers. The reference level's are
    kept, and the last other level's (each level's risk and contrast are asked for together): two
    n-vectors held, not one per level."""

    def __init__(self, fit, X, first: int, others: list[str]) -> None:
        self.fit, self.X, self.first, self.others = fit, X, first, others
        self.base = _base(X, first, fit.params)
        self.found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # a Gathered X: every level's gradient from one pass over its blocks, not one pass each
        self.grads = None if isinstance(X, np.ndarray) else _level_grads(fit, X, first, others, self.base)

    def at(self, level: str) -> tuple[np.ndarray, np.ndarray]:
        key = level if level in self.others else "__reference__"
        if key not in self.found:
            for old in [k for k in self.found if k != "__reference__"]:
                del self.found[old]  # (a level's numbers are taken before the next level's)
            self.found[key] = _at_level(self.fit, self.X, self.first, self.others, key, self.base,
                                        None if self.grads is None else self.grads[key])
        return self.found[key]

    def risk(self, level: str) -> float:
        """As :func:`_risk_at`."""
        return float(self.at(level)[0].mean())

    def contrast(self, level: str) -> tuple[float, float]:
        """As :func:`_contrast`."""
        (p1, g1), (p0, g0) = self.at(level), self.at("__reference__")
        grad = g1 - g0
        return float((p1 - p0).mean()), float(np.sqrt(max(grad @ self.fit.cov @ grad, 0.0)))


def _risk_at(fit, X, first, others, level) -> float:
    base = _base(X, first, fit.params)
    return float(_at_level(fit, X, first, others, level, base)[0].mean())


def _contrast(fit, X, first, others, level) -> tuple[float, float]:
    """Mean predicted risk at ``level`` minus at the reference, with delta-method SE."""
    base = _base(X, first, fit.params)
    p1, g1 = _at_level(fit, X, first, others, level, base)
    p0, g0 = _at_level(fit, X, first, others, "__reference__", base)
    grad = g1 - g0
    return float((p1 - p0).mean()), float(np.sqrt(max(grad @ fit.cov @ grad, 0.0)))


CELL_DIMENSIONS = ("anger_level", "issue_type")
"""The columns whose levels make :func:`heterogeneity`'s cells."""


def heterogeneity(df: pd.DataFrame, practices: list[str], outcome: str, design: Design | None = None, *,
                  min_calls: int = 300, after_call=(), landmark: np.ndarray | None = None,
                  note: str | None = None) -> pd.DataFrame:
    """Each practice's AME within each anger level and each issue type (separate fits).

    Practices in ``after_call`` are never adjusted for; each is estimated among the calls
    still active at the ``landmark`` (boolean mask), adjusted for the call's practices
    (no rows for it without a landmark).

    A heatmap (one dimension: every practice at every level) tests many cells at once, so each
    cell gets a Benjamini-Hochberg q-value within its dimension, and ``survives_fdr`` says
    whether it stays a discovery at a false discovery rate of ``FDR_LEVEL`` (5%); the cells
    that do not are the ones a reader should not read as differences.
    """
    after = [p for p in practices if p in set(after_call)]
    if after:
        on_call = [p for p in practices if p not in after]
        full = (design or build(df, practices))
        out = [heterogeneity(df, on_call, outcome, full.dropping(after), min_calls=min_calls)]
        # the landmark calls' columns the cells read (their design is the subset's), not a copy
        # of every column of theirs
        read = [c for c in dict.fromkeys([outcome, "agent_id", *CELL_DIMENSIONS]) if c in df.columns]
        for p in after if landmark is not None and landmark.any() else []:
            sub = df.loc[landmark, read].reset_index(drop=True)
            # each cell's rows gathered from the horizon's design where they lie (not from a copy of
            # every landmark call's design, ``subset(landmark)``: the same cells, ~200 MB at 1M)
            part = _cells(sub, on_call + [p], outcome, full.dropping([q for q in after if q != p]),
                          min_calls, LANDMARK_NOTE, np.flatnonzero(landmark))
            out.append(_with_q(part)[part["practice"] == p])
        return _with_q(pd.concat(out, ignore_index=True)[HETEROGENEITY_COLUMNS])
    return _with_q(_cells(df, practices, outcome, design or build(df, practices), min_calls, note))


def _cells(df: pd.DataFrame, practices: list[str], outcome: str, full: Design, min_calls: int,
           note: str | None, at: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`heterogeneity`'s cells (no q-values) of the calls ``df``: the rows ``at`` of ``full``
    (all its rows when None), in order; each cell's design is that of ``full.subset(at)``'s rows
    of the cell (a covariate constant on them left out, the practices in the design's order)."""
    y_all = df[outcome].astype(float).to_numpy()
    groups_all = agent_codes(df["agent_id"])
    rows = []
    previous: dict[str, float] = {}  # the last level's coefficients: each level's Newton starts there
    for dimension in CELL_DIMENSIONS:
        # each level's rows from one factorisation (a comparison of codes, not of strings)
        X = buffer = None  # the previous dimension's cells let go before this one's buffer is made
        codes, uniques = pd.factorize(df[dimension])
        if len(uniques) < 2**15:  # each call's level in two bytes, not eight (the level array and the
            codes = codes.astype(np.int16)  # design rows' one: 2 x 17 MB fewer at 2.9M calls)
        labels = {str(u): k for k, u in enumerate(uniques)}
        sizes = np.bincount(codes[codes >= 0], minlength=len(uniques))
        # the calls' level at their rows of the design (-1: not among the calls, or no level)
        placed = codes if at is None else np.full(len(full.covariates), -1, dtype=codes.dtype)
        if at is not None:
            placed[at] = codes
        # one buffer that each cell's matrix is written into in turn (the largest such cell's size,
        # every column of the design); a cell whose matrix would pass gathered.COPY_LIMIT_BYTES is read
        # from the design's rows instead (_cell_rows)
        width = full.practices.shape[1] + full.covariates.shape[1]
        copied = [int(k) for k in sizes if k >= min_calls and not _read(full, int(k), width)]
        buffer = np.empty(max(copied) * width) if copied else None
        for level in sorted(labels):
            mask = codes == labels[level]
            base = dict(dimension=dimension, level=str(level), n=int(mask.sum()))
            if mask.sum() < min_calls:
                rows += [dict(base, practice=p, estimate=None, ci_low=None, ci_high=None, p_value=None,
                              warning=_join(f"only {mask.sum()} calls: too few to estimate", note))
                         for p in practices]
                continue
            # the cell's design (``full.subset(mask).varying().matrix()``) written into the buffer,
            # over the previous cell's (whose results are all taken)
            at_level = np.flatnonzero(placed == labels[level])
            X, names = _cell_rows(full, at_level) if _read(full, len(at_level), width) else \
                _cell_matrix(full, at_level, buffer)
            start = np.array([previous.get(nm, 0.0) for nm in names]) if previous else None
            fit = logit.fit(X, y_all[mask], groups_all[mask], names, start=start)
            if fit.ok:
                previous = dict(zip(names, fit.params))
            # every practice's AME of the cell (those varying in it), their gradients from one pass over X
            estimable = [p for p in practices if fit.ok and p in names]
            found = dict(zip(estimable, zip(*logit.ames(fit, X, [names.index(p) for p in estimable]))))\
                if estimable else {}
            for i, practice in enumerate(practices):
                if practice not in found:
                    why = fit.warning if not fit.ok else "no variation in this group"
                    rows.append(dict(base, practice=practice, estimate=None, ci_low=None, ci_high=None,
                                     p_value=None, warning=_join(why, note)))
                    continue
                est, se = (float(v) for v in found[practice])
                lo, hi, p = logit.wald(est, se, fit.df)
                rows.append(dict(base, practice=practice, estimate=est if lo is not None else None,
                                 ci_low=lo, ci_high=hi, p_value=p,
                                 warning=_join(note, logit.NO_SE if lo is None else None)))
    return pd.DataFrame(rows, columns=HETEROGENEITY_COLUMNS)


def _with_q(cells: pd.DataFrame) -> pd.DataFrame:
    """The q-value of every cell within its dimension (heatmap), and whether it survives."""
    cells = cells.copy()
    cells["q_value"] = np.nan
    for _, idx in cells.groupby("dimension").groups.items():
        cells.loc[idx, "q_value"] = bh_qvalues(pd.to_numeric(cells.loc[idx, "p_value"], errors="coerce")
                                               .to_numpy(dtype=float))
    q = cells["q_value"]
    cells["survives_fdr"] = pd.array([None if np.isnan(v) else bool(v <= FDR_LEVEL) for v in q],
                                     dtype="boolean")
    return cells
