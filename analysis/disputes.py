"""The points the playbooks disagree on, estimated like a practice (issue #17).

Each disputed point of :data:`calmline.vocabulary.DISPUTES` compares two ways of doing a
practice among the calls whose transcript puts them in the comparison (``among``: e.g. the
calls where the agent apologised) and splits them in two (``treated``: e.g. the first apology
came in the first quarter of the call). The estimand is the one of a practice's total effect
(:mod:`calmline.analysis.effects`): the mean over the compared calls of P(churn within the
horizon | treated side) - P(churn | other side), everything before the call and the agent's
other practices on it as they were. It is estimated by the same machinery, in the same
adjustment set (the pre-call covariates of :func:`calmline.analysis.design.build` and the
on-call practices as co-adjusters), with the same agent-clustered errors (CR2 and a t with
agents - 1 degrees of freedom below ``logit.FEW_AGENTS`` agents), by logit average marginal
effect and by AIPW, the naive difference beside them for comparison.

Two adjustments differ from a practice's, and each row's note says so: a practice the point's
own SQL names (``took_ownership`` in hand-off vs ownership) is not adjusted for, since it
defines the comparison; and neither is a practice that is the same as the treated side (or
its opposite) on every compared call (``let_vent`` is "not interrupted" by definition), since
the two cannot be told apart.

Pure: DataFrames in, a tidy frame out; :mod:`calmline.analysis.runner` reads the calls
(``queries/analysis/dispute_calls.sql``) and stores the rows in ``dispute_effects``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from calmline import vocabulary
from calmline.analysis import aipw, effects, gathered
from calmline.analysis.column_runs import copy_columns, runs
from calmline.analysis.design import ENCODED, Design, agent_codes, build, gather_rows
from calmline.analysis.dispute_rows import PointDesign

MIN_CALLS = 300
"""Fewer compared calls than this and a point is not estimated: the floor of a subgroup's own
model in :func:`calmline.analysis.dose.heterogeneity` (its ``min_calls``), which fits the same
covariates and practices on a subset of the upset calls."""

METHODS = ("aipw", "logit", "naive")
"""The estimates of each point, in the order the table lists them: the headline is AIPW, else
the logit AME when AIPW could not be estimated (no overlap); naive is shown only to compare."""

MARKER = "/* DISPUTE_COLUMNS */"
"""Where ``queries/analysis/dispute_calls.sql`` takes the points' columns (:func:`select_list`)."""

COLUMNS = ["dispute", "position", "label", "claim", "playbooks", "counter", "treated_label",
           "control_label", "method", "headline", "n_calls", "n_treated", "n_control", "n_agents",
           "n_analysed", "estimate_pp", "ci_low_pp", "ci_high_pp", "std_error_pp", "p_value", "t_df",
           "note"]
"""One row per disputed point and method. ``n_calls``: compared calls (in the horizon's window,
every practice assessed, the transcript puts them in ``among`` and can say which side);
``n_treated``/``n_control``: on the claim's side and on the other; ``n_agents``: agents who took
them; ``n_analysed``: calls the estimate uses (AIPW: after trimming the non-overlap);
``estimate_pp``, ``ci_low_pp``, ``ci_high_pp``, ``std_error_pp``: the change in churn of the
treated side over the other, percentage points (-2.1 = 2.1 fewer customers lost per 100 calls),
95% interval; ``t_df``: degrees of freedom of the t reference with few agents (else missing);
``headline``: the row the dashboard and the saved query show; ``note``: why a number is missing,
or what it rests on."""


def among_column(name: str) -> str:
    """The column of ``dispute_calls`` saying a call is in point ``name``'s comparison."""
    return f"{name}_among"


def treated_column(name: str) -> str:
    """The column of ``dispute_calls`` saying a compared call is on the claim's side."""
    return f"{name}_treated"


def select_list(disputes=None) -> str:
    """The two columns of every disputed point, SQL over ``transcript_calls``' columns.

    ``<name>_among`` is the point's ``among`` expression (FALSE when it is NULL);
    ``<name>_treated`` its ``treated`` expression among those calls (NULL outside them, or
    when the transcript cannot say). The expressions are the vocabulary's, trusted code.

    Parameters
    ----------
    disputes : sequence of Dispute, optional
        By default :data:`calmline.vocabulary.DISPUTES`, read when called.

    Returns
    -------
    str
        Comma-separated select items, for :data:`MARKER` in ``dispute_calls.sql``.
    """
    items = []
    for d in vocabulary.DISPUTES if disputes is None else disputes:
        among = f"coalesce(CAST(({d.among}) AS BOOLEAN), false)"
        items += [f'{among} AS "{among_column(d.name)}"',
                  f'CASE WHEN {among} THEN CAST(({d.treated}) AS BOOLEAN) END AS "{treated_column(d.name)}"']
    return ",\n    ".join(items)


def dispute_effects(df: pd.DataFrame, calls: pd.DataFrame, practices: list[str], outcome: str, *,
                    after_call=(), disputes=None, min_calls: int = MIN_CALLS, trim: float = aipw.TRIM,
                    design: Design | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Estimate every disputed point's change in churn, adjusted like a practice.

    Parameters
    ----------
    df : DataFrame
        The complete-case model population of one horizon (every practice assessed, the
        outcome's window closed): ``call_id``, ``agent_id``, the practices, the pre-call
        covariates and ``outcome``.
    calls : DataFrame
        ``dispute_calls``: one row per call with a transcript, ``call_id`` and, per point,
        ``<name>_among`` and ``<name>_treated`` (:func:`among_column`, :func:`treated_column`).
        Empty (or None) when no transcript was loaded.
    practices : list of str
        The practices of the run; the on-call ones are the co-adjusters.
    outcome : str
        The 0/1 outcome column, e.g. ``churned_90d``.
    after_call : sequence of str
        Practices that happen after the call: never adjusted for.
    disputes : sequence of Dispute, optional
        By default :data:`calmline.vocabulary.DISPUTES`, read when called.
    min_calls : int
        Fewer compared calls than this: no estimate, and the note says why.
    trim : float
        AIPW's overlap bound.
    design : Design, optional
        ``build(df, practices)`` (the horizon's design, which the caller has): when every call of
        ``df`` has a transcript, the linked calls are ``df``'s rows in their order, so their
        design is this one without the after-call practices, the same arrays ``build`` would
        give them, and it is not built again.

    Returns
    -------
    rows : DataFrame
        Columns :data:`COLUMNS`, one row per point and method (:data:`METHODS`), in the
        vocabulary's order; no rows when ``calls`` is empty.
    warnings : list of str
        For the run: why there are no rows (no transcripts).
    """
    disputes = tuple(vocabulary.DISPUTES if disputes is None else disputes)
    if calls is None or calls.empty:
        return pd.DataFrame(columns=COLUMNS), [
            "no transcripts loaded: the playbooks' disputed points ("
            + ", ".join(d.label for d in disputes) + ") are measured from transcripts; load them "
            "with `calmline etl` and a transcripts file in the source folder (README: Transcripts)"]
    after = set(after_call)
    on_call = [p for p in practices if p not in after]
    found, at = _positions(df, calls)
    # when every call is linked (the rows of df, in order), their design is the caller's: the
    # linked frame then needs none of the columns it encodes
    reuse = (design is not None and len(found) == len(df) and len(design.covariates) == len(df)
             and set(on_call) <= set(design.practice_names))
    # only the columns the models read: the merge and every point's subset copy no more
    used = ["call_id", "agent_id", outcome, *([] if reuse else [*on_call, *ENCODED])]
    linked = _linked(df[[c for c in dict.fromkeys(used) if c in df.columns]], calls, (found, at))
    # one design for every linked call, each point's rows taken from it (not a build per point)
    if reuse:
        shared = design.dropping([p for p in design.practice_names if p not in on_call])
    else:
        shared = build(linked, on_call) if len(linked) else None
    rows = []
    agents = _agents(linked)
    # every point's matrix written into the same memory, one point at a time: the largest's size
    # (each point's rows counted first, not held: 16 bytes a compared call, ~58 MB for six at 1M)
    width = 0 if shared is None else len(shared.practice_names) + 1 + len(shared.covariate_names)
    buffer = _Buffer(max((m for d in disputes for m in [len(_compared_rows(linked, d)[0])]
                          if gathered.small(m, width, POINT_COPY_BYTES)), default=0) * width)
    for position, d in enumerate(disputes):
        rows += _point(linked, d, position, on_call, outcome, min_calls, trim, shared, agents, buffer)
    return pd.DataFrame(rows, columns=COLUMNS), []


POINT_COPY_BYTES = gathered.COPY_LIMIT_BYTES
"""A point's matrix is written into the points' shared buffer (:class:`_Buffer`) when it takes at most
this many bytes, and read from the linked calls' design a block of rows at a time
(:class:`calmline.analysis.dispute_rows.PointDesign`) when larger: the models' limit for a copy of the
design's rows. At 1M upset calls the largest point's matrix (276 MB) is copied: read by blocks, the
points took 12.9-13.6 against 10.2-11.4 CPU s, for a peak 0.23-0.32 GB lower (the same table)."""


def _compared_rows(linked: pd.DataFrame, d) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``linked`` that point ``d`` compares (in its comparison, the side known) and
    whether each is on the claim's side (0/1)."""
    among = linked[among_column(d.name)].astype("boolean").fillna(False).to_numpy(dtype=bool)
    side = linked[treated_column(d.name)].astype("boolean")
    rows = np.flatnonzero(among & side.notna().to_numpy())
    return rows, side.to_numpy(dtype=bool, na_value=False)[rows].astype(float)


class _Buffer:
    """One flat float array for every point's matrix in turn, grown when a point needs more.

    A new matrix per point is new memory, whose pages the kernel maps and zeroes when it is first
    written: in a test of a 600,000 x 46 matrix that was 0.09-0.66 CPU s (0.02-0.59 s of it system
    time, varying with the huge pages' state), against 0.07-0.08 s to write the same values into
    memory written before. A point's matrix lives only while the point is estimated, so the points
    can share one; its size is the largest point's matrix, which was held while that point ran."""

    def __init__(self, size: int = 0) -> None:
        self.size, self.array = size, None

    def __call__(self, size: int) -> np.ndarray:
        """A flat array of at least ``size`` values (made at the first call: the size given when
        made, or more if asked)."""
        if self.array is None or len(self.array) < size:
            self.array = None  # a smaller one let go before the larger is made
            self.array = np.empty(max(size, self.size))
        return self.array


def _agents(linked: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each linked call's agent code (:func:`calmline.analysis.design.agent_codes`: a missing agent
    is a code of its own) and whether its agent is missing."""
    return agent_codes(linked["agent_id"]), linked["agent_id"].isna().to_numpy()


def _rows_design(shared: Design, rows: np.ndarray, practices: list[str], treated: np.ndarray,
                 name: str, scan: tuple[np.ndarray, ...] | None = None, into=None,
                 copy_limit: int | None = None) -> Design | PointDesign:
    """The design :func:`calmline.analysis.design.build` gives the calls ``rows`` of ``shared``
    (``build`` of all linked calls) with the practices ``practices`` and the 0/1 column ``treated``
    (named ``name``) last: the same model, from the shared columns.

    A covariate constant on those calls is left out, as ``build`` leaves it out. A level column
    of a categorical covariate is kept when the level occurs among the calls; when the shared
    design's reference level does not occur, the most common level among them becomes the
    reference (its column is left out), so the levels still have one. ``build`` of the rows
    themselves takes their most common level as the reference: where that differs from the
    shared one, the columns span the same space, so the fit's predictions, average marginal
    effects, propensities and their standard errors are the same up to rounding. Numeric
    covariates keep the shared design's value for a missing one (the median of all linked
    calls); with their ``_missing`` indicator in the model, the fit is again the same.

    ``scan``: :func:`_scan` of the rows, when the caller has it. ``into``: a callable giving a flat
    float array of at least the values asked for (rows x columns), that the matrix is written into
    (:func:`dispute_effects` hands every point the same one, its pages already mapped), instead of a
    new matrix.

    A matrix of more than ``copy_limit`` bytes (default :data:`POINT_COPY_BYTES`) is not written: the
    design is then a :class:`calmline.analysis.dispute_rows.PointDesign`, the same columns read from
    the shared matrix's rows a block at a time (its practices already those that vary)."""
    n, width = len(rows), len(shared.covariate_names)
    scan = scan if scan is not None else _scan(shared, rows, treated)
    low, high, total = scan[:3]
    keep = np.ones(width, bool)
    levels: dict[str, list[int]] = {}
    for j, label in enumerate(shared.covariate_names):
        if j == 0:
            continue  # the intercept
        if "[" in label:
            levels.setdefault(label.split("[")[0], []).append(j)
        elif n == 0 or high[j] - low[j] == 0:
            keep[j] = False
    for columns in levels.values():
        counts = total[columns]  # calls at each level (0/1 columns: exact sums)
        keep[columns] = counts > 0
        if n - counts.sum() == 0:  # the shared reference level does not occur among these calls
            keep[columns[int(np.argmax(counts))]] = False
    picked = [shared.practice_names.index(p) for p in practices]
    kept = np.flatnonzero(keep)
    # the model's matrix (practices, the treated side, covariates) written once, the design's
    # arrays views of it: its matrix() is then this matrix, not a copy
    p = len(picked) + 1
    k = p + len(kept)
    first = shared.practices.shape[1]
    if shared.combined is not None and not gathered.small(n, k, POINT_COPY_BYTES if copy_limit is None else copy_limit):
        varies = [j for j in picked if len(scan) < 6 or scan[5][j] > 0]  # as the copy's varying() keeps
        return PointDesign(shared.combined, rows, varies, [shared.practice_names[j] for j in varies],
                           [first + j for j in kept], [shared.covariate_names[j] for j in kept], treated, name)
    # (the buffer asked for the shared design's width: the size it was made for when this is the largest point)
    X = np.empty((n, k)) if into is None else \
        into(n * (len(shared.practice_names) + 1 + width))[:n * k].reshape(n, k)
    # each block of rows gathered once from the shared matrix (practices then covariates), its
    # kept columns copied into place a run of neighbours at a time
    sources = [(shared.combined, runs(picked), slice(0, p - 1)),
               (None, runs([first + j for j in kept]), slice(p, None))] if shared.combined is not None else \
        [(shared.practices, runs(picked), slice(0, p - 1)), (shared.covariates, runs(kept), slice(p, None))]
    for start in range(0, n, BLOCK_ROWS):
        block = slice(start, start + BLOCK_ROWS)
        take = rows[block]
        part = None
        for source, columns, to in sources:
            if source is not None:
                part = gather_rows(source, take)
            copy_columns(part, columns, X[block, to])
        X[block, p - 1] = treated[block]
    # the practices' ranges known from the scan: the models' varying() reads no column again
    ranges = None if len(scan) < 6 else np.append(scan[5][picked], 1.0 if 0 < treated.sum() < n else 0.0)
    return Design(X[:, p:], [shared.covariate_names[j] for j in kept], X[:, :p], [*practices, name], [],
                  combined=X, practice_ranges=ranges)


def _count(codes: np.ndarray) -> int:
    """How many distinct codes (small non-negative integers) ``codes`` holds: ``len(np.unique(codes))``
    from their counts, without a sort or hash of them."""
    return int(np.count_nonzero(np.bincount(codes))) if len(codes) else 0


def _scan(shared: Design, rows: np.ndarray, treated: np.ndarray) -> tuple[np.ndarray, ...]:
    """One pass over the calls ``rows`` of ``shared``, a gathered block of rows at a time: each
    covariate's smallest and largest value and sum on them (:func:`_rows_design`), for each
    practice whether it equals ``treated`` on every call, and whether its opposite does
    (:func:`_determined`, every practice at once), and each practice's range on them.

    The practices and the level columns (``name[level]``) are 0/1 (as :func:`build` makes them), so
    each block's column sums and sums over the treated calls, one product with the block while it
    is in cache, say it all: a practice is the side on every call when its count and its count
    among the treated both equal the treated calls' count, the opposite when it is never used with
    the side and used on every other call; a 0/1 column's smallest value is 1 only when its count
    is every call's, its largest 0 only when its count is 0 (exact: integer sums in floating point).
    The other covariates (the intercept and the numeric ones, a few runs of neighbouring columns)
    have their smallest and largest values taken as before. Before, every column had its own
    minimum, maximum and sum and every practice two comparisons with the side per block (about
    0.13 CPU s a point at 1M upset calls).

    Returns
    -------
    low, high, total : arrays, one value per covariate
    same, opposite : bool arrays, one value per practice
    ranges : array, one value per practice (its largest minus smallest value on the calls)
    """
    width, m = shared.covariates.shape[1], shared.practices.shape[1]
    n = len(rows)
    numeric = [j for j, name in enumerate(shared.covariate_names) if "[" not in name]
    spans = [(first, stop) for first, stop, _ in runs(numeric)]
    low, high = np.full(width, np.inf), np.full(width, -np.inf)
    sums = np.zeros((2, m + width))  # every column's sum, and its sum over the treated calls
    for start in range(0, n, BLOCK_ROWS):
        take = rows[start:start + BLOCK_ROWS]
        both = gather_rows(shared.combined, take) if shared.combined is not None else \
            np.hstack([shared.practices[take], shared.covariates[take]])
        weights = np.empty((len(take), 2))
        weights[:, 0], weights[:, 1] = 1.0, treated[start:start + BLOCK_ROWS]
        sums += weights.T @ both
        for first, stop in spans:
            part = both[:, m + first:m + stop]
            np.minimum(low[first:stop], part.min(axis=0), out=low[first:stop])
            np.maximum(high[first:stop], part.max(axis=0), out=high[first:stop])
    count, with_side = sums[0], sums[1]
    total, sided = count[m:].copy(), float(np.sum(treated))
    levels = np.ones(width, bool)
    levels[numeric] = False
    low[levels] = np.where(total[levels] == n, 1.0, 0.0)
    high[levels] = np.where(total[levels] > 0, 1.0, 0.0)
    used, used_with = count[:m], with_side[:m]
    same = (used == sided) & (used_with == sided)
    opposite = (used_with == 0) & (used == n - sided)
    ranges = ((used > 0) & (used < n)).astype(float)
    return low, high, total, same, opposite, ranges


BLOCK_ROWS = 8_192
"""Rows per block when :func:`_rows_design` gathers a point's calls."""


def _linked(df: pd.DataFrame, calls: pd.DataFrame, positions: tuple[np.ndarray, np.ndarray] | None = None
            ) -> pd.DataFrame:
    """``df.merge(calls, on="call_id", how="inner", validate="one_to_one")``, by position: each
    call's row of ``calls`` looked up in one hash index of its call ids, no sort or MultiIndex of
    both key columns (the merge's validation factorised them again): the same rows, in ``df``'s
    order, with the same columns. ``positions``: :func:`_positions` of the two frames, when the
    caller has them.

    Raises
    ------
    pandas.errors.MergeError
        A call id repeats in either frame, as the merge's validation would."""
    found, at = _positions(df, calls) if positions is None else positions
    left = df.take(found).reset_index(drop=True)
    right = calls.drop(columns="call_id").take(at[found]).reset_index(drop=True)
    return pd.concat([left, right], axis=1)


def _positions(df: pd.DataFrame, calls: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``df`` whose call has a row in ``calls`` (in ``df``'s order), and for every row
    of ``df`` the position of its call's row in ``calls`` (-1 for none).

    Raises
    ------
    pandas.errors.MergeError
        A call id repeats in either frame."""
    # both frames' ids numbered in one hash pass (a factorisation of the two columns together):
    # uniqueness and each call's row of ``calls`` from the numbers, not a hash index of ``calls``
    # looked up with ``df``'s ids and two more passes for uniqueness
    codes = pd.factorize(_ids(calls["call_id"], df["call_id"]))[0]
    right, left = codes[:len(calls)], codes[len(calls):]
    if (codes < 0).any():  # a missing id: the index's own matching of missing values
        return _positions_by_index(df, calls)
    width = int(codes.max()) + 1 if len(codes) else 0
    if np.bincount(right, minlength=width).max(initial=0) > 1 or \
            np.bincount(left, minlength=width).max(initial=0) > 1:
        raise pd.errors.MergeError("Merge keys are not unique in either left or right dataset; "
                                   "not a one-to-one merge")
    row_of = np.full(width, -1, dtype=np.intp)
    row_of[right] = np.arange(len(right))
    at = row_of[left]
    return np.flatnonzero(at >= 0), at


def _ids(right: pd.Series, left: pd.Series) -> pd.Series:
    """Both frames' call ids in one column, ``right`` first: as Arrow strings when both are (the
    fit reads them so; Arrow numbers them, 0.62 -> 0.36 CPU s at 1M upset calls), else as objects."""
    arrow = [isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow" for s in (right, left)]
    if all(arrow):
        return pd.concat([right, left], ignore_index=True)
    return pd.concat([right.astype(object), left.astype(object)], ignore_index=True)


def _positions_by_index(df: pd.DataFrame, calls: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_positions` by a hash index of ``calls``' ids looked up with ``df``'s."""
    keys = pd.Index(calls["call_id"])
    if not keys.is_unique or not df["call_id"].is_unique:
        raise pd.errors.MergeError("Merge keys are not unique in either left or right dataset; "
                                   "not a one-to-one merge")
    at = keys.get_indexer(df["call_id"])
    return np.flatnonzero(at >= 0), at


def _point(linked: pd.DataFrame, d, position: int, on_call: list[str], outcome: str, min_calls: int,
           trim: float, shared: Design | None = None,
           agents: tuple[np.ndarray, np.ndarray] | None = None, buffer=None,
           compared: tuple[np.ndarray, np.ndarray] | None = None) -> list[dict]:
    """The rows of one point: its compared calls, then each method's estimate or why there is none.
    ``shared``: the design of every linked call (``build(linked, on_call)``); ``agents``:
    :func:`_agents` of the linked calls; ``buffer``: a callable giving a flat float array of at least
    the values asked for, which the point's matrix is written into (:class:`_Buffer`); the point's
    design is let go when it returns; ``compared``: :func:`_compared_rows` of the point, when the
    caller has them."""
    rows, t = compared if compared is not None else _compared_rows(linked, d)
    # the compared calls' agents from the linked calls' codes (one factorisation of every linked
    # call's agent, not a distinct count and a factorisation of the agents' text per point): the
    # codes renumbered in order of appearance are agent_codes() of the compared calls' agents
    codes, missing = agents if agents is not None else _agents(linked)
    agents = codes[rows]
    n, n_t = len(rows), int(t.sum())
    base = dict(dispute=d.name, position=position, label=d.label, claim=d.claim, playbooks=d.playbooks,
                counter=d.counter or None, treated_label=d.treated_label, control_label=d.control_label,
                n_calls=n, n_treated=n_t, n_control=n - n_t, n_agents=_count(agents[~missing[rows]]),
                n_analysed=n)
    if n == 0:
        return _refused(base, "no upset call in this horizon's window has a transcript that puts it in "
                              "this comparison")
    if n < min_calls:
        return _refused(base, f"only {n:,} calls compared: too few to estimate (fewer than {min_calls:,})")
    if n_t in (0, n):
        which = d.treated_label if n_t == n else d.control_label
        return _refused(base, f"no variation: every one of the {n:,} calls compared was \"{which}\"")
    shared = shared if shared is not None else build(linked, on_call)
    # one pass over the compared calls: the covariates' ranges and the practices determined by the side
    scan = _scan(shared, rows, t)
    determined = {p: bool(a or b) for p, a, b in zip(shared.practice_names, scan[3], scan[4])}
    named = [p for p in on_call if re.search(rf"\b{re.escape(p)}\b", f"{d.among} {d.treated}")]
    same = [p for p in on_call if p not in named and determined[p]]
    adjusted = [p for p in on_call if p not in named and p not in same]
    design = _rows_design(shared, rows, adjusted, t, d.name, scan, buffer)
    y = linked[outcome].astype(float).to_numpy()[rows]
    found, _, model_warnings = effects._estimate(  # the practices' own estimator (one target)
        design, [d.name], y, pd.factorize(agents)[0], "total", trim, label=f"{d.name} logit",
        balance=False)
    note = _adjustment_note(named, same)
    out = {}
    for r in found:
        if r["scale"] != "risk_difference" or r["method"] not in METHODS:
            continue
        out[r["method"]] = dict(base, method=r["method"], n_analysed=r.get("n_analysed", n),
                                estimate_pp=_pp(r["estimate"]), ci_low_pp=_pp(r["ci_low"]),
                                ci_high_pp=_pp(r["ci_high"]), std_error_pp=_pp(r.get("std_error")),
                                p_value=r["p_value"], t_df=r.get("t_df"),
                                note="; ".join(w for w in (r.get("warning"), note) if w) or None)
    headline = "aipw" if out["aipw"]["estimate_pp"] is not None or out["logit"]["estimate_pp"] is None \
        else "logit"
    return [dict(out[m], headline=m == headline) for m in METHODS]


def _determined(values, t: np.ndarray) -> bool:
    """The practice (0/1 values) is the treated side, or its opposite, on every compared call."""
    a = np.asarray(values, dtype=float)
    return bool(np.all(a == t) or np.all(a == 1 - t))


def _adjustment_note(named: list[str], same: list[str]) -> str | None:
    parts = []
    if named:
        parts.append(", ".join(named) + " not adjusted for: it defines the comparison")
    if same:
        parts.append(", ".join(same) + " not adjusted for: on every compared call it is the same as "
                                       "the comparison or its opposite")
    return "; ".join(parts) or None


def _pp(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value) * 100


def _refused(base: dict, why: str) -> list[dict]:
    """A row per method without numbers; the first (AIPW) is the headline."""
    return [dict(base, method=m, headline=m == METHODS[0], estimate_pp=None, ci_low_pp=None,
                 ci_high_pp=None, std_error_pp=None, p_value=None, t_df=None, note=why)
            for m in METHODS]
