"""The overview's monthly, team and adoption rows from the summary's cells each worker keeps in
memory, instead of three queries a request.

``call_summary`` holds a few thousand cells (one per calendar month, team, site, channel, issue type
and anger level: 7,560 at 2M calls), and the ``monthly``, ``teams`` and ``monthly_adoption`` queries
each filter and sum them; each cost ~10 ms of CPU a request, mostly DuckDB's planning of a small
query. The cells are read once per worker and database version (``summary_cells``, ``repeat_cells``
and ``team_roster``, ~1 MB), and a request marks the cells that pass its filters (one look-up per
dimension) and sums them by month or team: the same rows, columns, types and order as the queries
(every count is a whole number, summed exactly; tested against the queries for filter sets drawn at
random in tests/dashboard/test_summary_cells.py). When the database has no ``call_summary`` yet,
the queries answer as before.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from calmline import vocabulary
from calmline.dashboard import data
from calmline.dashboard.customer_counts import DIMENSIONS, _month_day
from calmline.database.connection import file_version

MONTHLY_SUMS = ("resolved_known", "resolved", "handled", "handle_s_sum", "handle_s_sq_sum", "csat_scored",
                "csat_sum", "csat_sq_sum")
"""The ``monthly`` query's columns summed over every filtered cell, upset or calm."""
SPLIT_SUMS = {"calls": ("upset_calls", "calm_calls"), "closed_90d": ("upset_closed_90d", "calm_closed_90d"),
              "churned_90d": ("upset_churned_90d", "calm_churned_90d"), "closed_30d": ("upset_closed_30d", None),
              "churned_30d": ("upset_churned_30d", None)}
"""The ``monthly`` query's sums over the upset cells and the calm ones: cell column -> (its upset sum,
its calm sum)."""
MONTHLY_COLUMNS = ["month", "upset_calls", "calm_calls", "upset_closed_90d", "upset_churned_90d", "churn_upset",
                   "calm_closed_90d", "calm_churned_90d", "churn_calm", "upset_closed_30d", "upset_churned_30d",
                   *MONTHLY_SUMS, "repeat_closed_30d", "repeat_30d"]
"""The ``monthly`` query's columns, in its order."""
TEAM_COLUMNS = ["team", "site", "agents", "upset_calls", "churn_upset", "took_ownership", "followed_up",
                "closed_90d", "churned_90d"]
"""The ``teams`` query's columns, in its order."""
ADOPTION_COLUMNS = ["month", "practice", "assessed", "used", "adoption"]
"""The ``monthly_adoption`` query's columns, in its order."""


@dataclass(frozen=True)
class Cells:
    """One table of cells as arrays: each cell's month (a place in ``months``), its filter dimensions
    as codes (the value's place + 1 in ``values[param]``, 0 for no value) and its numbers (float64,
    NaN for NULL)."""

    months: np.ndarray
    month: np.ndarray
    codes: dict
    values: dict
    numbers: dict


@dataclass(frozen=True)
class Summary:
    """The summary's cells (with ``upset``, each cell's is_upset), the repeat cells, the roster and the
    practices whose adoption ``monthly_adoption`` sums."""

    cells: Cells
    upset: np.ndarray
    repeats: Cells
    roster: dict
    practices: list


def _cells(frame: pd.DataFrame, numbers) -> Cells:
    months, month = np.unique(frame["call_month"].to_numpy("datetime64[us]"), return_inverse=True)
    codes, values = {}, {}
    for param, column in DIMENSIONS.items():
        present = frame[column].notna().to_numpy()
        found = sorted(set(frame.loc[present, column].tolist()))
        lookup = {v: i + 1 for i, v in enumerate(found)}
        codes[param] = np.array([lookup[v] if ok else 0 for v, ok in zip(frame[column].tolist(), present)],
                                dtype=np.int64)
        values[param] = found
    return Cells(months=months, month=month, codes=codes, values=values,
                 numbers={c: pd.to_numeric(frame[c]).to_numpy(np.float64, na_value=np.nan) for c in numbers})


def read_summary() -> Summary | None:
    """The cells of the database the app serves (three queries), or None when it has no
    ``call_summary`` (or ``upset_repeat_summary``) yet: the caller asks the queries then."""
    cells = data.frame_once("summary_cells")
    repeats = data.frame_once("repeat_cells")
    roster = data.frame_once("team_roster")
    if any(f.attrs.get("missing") for f in (cells, repeats, roster)):
        return None
    practices = [p for p in vocabulary.practice_names() if p in cells and f"{p}_assessed" in cells]
    numbers = [*SPLIT_SUMS, *MONTHLY_SUMS, "took_ownership_assessed", "followed_up_assessed",
               *practices, *(f"{p}_assessed" for p in practices)]
    # a database loaded before call_summary had the sums of squares: those KPIs get no interval
    return Summary(cells=_cells(cells, [n for n in dict.fromkeys(numbers) if n in cells]),
                   upset=cells["is_upset"].fillna(False).to_numpy(bool),
                   repeats=_cells(repeats, ("repeat_closed_30d", "repeat_30d")),
                   roster=dict(zip(roster["team"].tolist(), roster["agents"].tolist())), practices=practices)


_held: dict = data.clears_with_caches({})
"""Per database path: (its file version, the summary), the newest version only."""
_reading = threading.Lock()


def _summary() -> Summary | None:
    """The summary of the database the app serves, read once per worker and database version."""
    return data.newest_read(_held, _reading, read_summary, file_version)


def _passing(cells: Cells, params: dict) -> np.ndarray:
    """Per cell: whether it passes the filters ``params`` (``in_filters`` and ``in_months``)."""
    keep = np.ones(len(cells.month), dtype=bool)
    first, last = _month_day(params.get("start"), True), _month_day(params.get("end"), False)
    days = (cells.months - np.datetime64("1970-01-01", "us")) // np.timedelta64(1, "D")
    if first is not None or last is not None:
        in_period = np.ones(len(days), dtype=bool)
        if first is not None:
            in_period &= days >= first
        if last is not None:
            in_period &= days <= last
        keep &= in_period[cells.month]
    for param in DIMENSIONS:
        chosen = params.get(param)
        if chosen is None:
            continue
        wanted = set(chosen)
        allowed = np.array([False, *(v in wanted for v in cells.values[param])])  # NULL never passes
        keep &= allowed[cells.codes[param]]
    return keep


def _sum_by(group: np.ndarray, where: np.ndarray, values: np.ndarray, size: int, coalesce: bool) -> np.ndarray:
    """SQL's sum of ``values`` over the rows ``where`` by ``group`` (0 .. size - 1): NULLs (NaN) skipped,
    NULL (NaN) for a group with none unless ``coalesce`` (0, as ``coalesce(sum(...), 0)``). The values
    are whole numbers, so the sums are exact in any order."""
    rows = group[where]
    vals = values[where]
    known = ~np.isnan(vals)
    out = np.bincount(rows[known], weights=vals[known], minlength=size).astype(np.float64, copy=False)
    if not coalesce:
        out[np.bincount(rows[known], minlength=size) == 0] = np.nan
    return out


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / nullif(b, 0), NULL (NaN) where either is."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1), np.nan)


def monthly(params: dict) -> pd.DataFrame:
    """The ``monthly`` query's rows for the filters ``params`` (one per calendar month with a filtered
    cell, in month order), from the worker's cells; the query's own when the database has none."""
    summary = _summary()
    if summary is None:
        return data.frame("monthly", **params)
    cells = summary.cells
    keep = _passing(cells, params)
    m = len(cells.months)
    present = np.bincount(cells.month[keep], minlength=m) > 0
    out = {"month": cells.months[present]}
    split = {}
    for column, (upset_name, calm_name) in SPLIT_SUMS.items():
        values = cells.numbers[column]
        split[upset_name] = _sum_by(cells.month, keep & summary.upset, values, m, False)
        if calm_name:
            split[calm_name] = _sum_by(cells.month, keep & ~summary.upset, values, m, False)
    for name, values in split.items():
        out[name] = np.nan_to_num(values[present], nan=0.0)  # coalesce(sum(...) FILTER (...), 0)
    out["churn_upset"] = _ratio(split["upset_churned_90d"], split["upset_closed_90d"])[present]
    out["churn_calm"] = _ratio(split["calm_churned_90d"], split["calm_closed_90d"])[present]
    for column in MONTHLY_SUMS:
        values = cells.numbers.get(column)
        out[column] = (_sum_by(cells.month, keep, values, m, False)[present] if values is not None
                       else np.full(int(present.sum()), np.nan))
    rep = summary.repeats
    rep_keep = _passing(rep, params)
    # the repeat cells' months joined on the month (a month of the summary without repeats: 0)
    at = np.searchsorted(rep.months, cells.months[present])
    found = (at < len(rep.months)) & (rep.months[np.minimum(at, len(rep.months) - 1)] == cells.months[present])
    for column in ("repeat_closed_30d", "repeat_30d"):
        sums = _sum_by(rep.month, rep_keep, rep.numbers[column], len(rep.months), True)
        out[column] = np.where(found, sums[np.minimum(at, max(len(sums) - 1, 0))] if len(sums) else 0, 0
                               ).astype(np.int64)
    frame = pd.DataFrame({c: out[c] for c in MONTHLY_COLUMNS})
    frame["month"] = frame["month"].astype("datetime64[us]")
    return frame


def teams(params: dict) -> pd.DataFrame:
    """The ``teams`` query's rows for the filters ``params`` (one per team with a filtered upset cell
    in the period, most upset calls first, then by team), from the worker's cells; the query's own
    when the database has none."""
    summary = _summary()
    if summary is None:
        return data.frame("teams", **params)
    cells = summary.cells
    keep = _passing(cells, params) & summary.upset
    names = [None, *cells.values["teams"]]  # code 0: no team, a group of its own (SQL groups NULLs)
    k = len(names)
    code = cells.codes["teams"]
    present = np.bincount(code[keep], minlength=k) > 0

    def total(column):
        return _sum_by(code, keep, cells.numbers[column], k, False)

    calls, closed, churned = total("calls"), total("closed_90d"), total("churned_90d")
    owned, owned_n = total("took_ownership"), total("took_ownership_assessed")
    followed, followed_n = total("followed_up"), total("followed_up_assessed")
    site_names = cells.values["sites"]
    sites = {}
    for t, s in set(zip(code[keep].tolist(), cells.codes["sites"][keep].tolist())):
        if s:
            sites.setdefault(t, set()).add(site_names[s - 1])
    groups = np.flatnonzero(present)
    agents = [summary.roster.get(names[t]) for t in groups]
    frame = pd.DataFrame({
        "team": pd.Series([names[t] for t in groups], dtype=object),
        "site": pd.Series([", ".join(sorted(sites[t])) if t in sites else None for t in groups], dtype=object),
        "agents": (pd.Series(agents, dtype=np.int64) if None not in agents
                   else pd.Series([np.nan if a is None else a for a in agents], dtype=np.float64)),
        "upset_calls": calls[groups], "churn_upset": _ratio(churned, closed)[groups],
        "took_ownership": _ratio(owned, owned_n)[groups], "followed_up": _ratio(followed, followed_n)[groups],
        "closed_90d": closed[groups], "churned_90d": churned[groups],
    })
    # ORDER BY upset_calls DESC, team (NULLs last, as DuckDB sorts them)
    order = sorted(range(len(frame)), key=lambda i: (-frame["upset_calls"].iat[i] if not np.isnan(
        frame["upset_calls"].iat[i]) else np.inf, frame["team"].iat[i] is None, frame["team"].iat[i] or ""))
    return frame.iloc[order].reset_index(drop=True)[TEAM_COLUMNS]


def monthly_adoption(params: dict) -> pd.DataFrame:
    """The ``monthly_adoption`` query's rows for the filters ``params`` (one per calendar month with a
    filtered upset cell and practice, in month and practice order), from the worker's cells; the
    query's own when the database has none."""
    summary = _summary()
    if summary is None:
        return data.frame("monthly_adoption", **params)
    cells = summary.cells
    keep = _passing(cells, params) & summary.upset
    m = len(cells.months)
    present = np.flatnonzero(np.bincount(cells.month[keep], minlength=m) > 0)
    practices = sorted(summary.practices)
    assessed = np.column_stack([_sum_by(cells.month, keep, cells.numbers[f"{p}_assessed"], m, False)[present]
                                for p in practices]) if practices else np.empty((len(present), 0))
    used = np.column_stack([_sum_by(cells.month, keep, cells.numbers[p], m, False)[present]
                            for p in practices]) if practices else np.empty((len(present), 0))
    frame = pd.DataFrame({
        "month": np.repeat(cells.months[present], len(practices)).astype("datetime64[us]"),
        "practice": pd.Series(practices * len(present), dtype=object),
        "assessed": assessed.reshape(-1), "used": used.reshape(-1),
    })
    frame["adoption"] = _ratio(frame["used"].to_numpy(), frame["assessed"].to_numpy())
    return frame[ADOPTION_COLUMNS]


def _warm() -> None:
    """Read the cells in the background when ``CALMLINE_WARM=1`` (see :func:`data.warm`)."""
    _summary()


data.warm(_warm)
