"""Practice impact for the filter: estimates for the upset calls the global filters keep, on demand,
cached, and the table that sets them beside the stored centre-wide run.

The estimate itself is :func:`calmline.analysis.filtered_runner.estimate` (read-only, on a cursor of
the current database snapshot). Results are kept per process in a small least-recently-used cache
keyed by plain values: the database file and its version (:func:`calmline.database.connection.file_version`,
so a new load or fit starts afresh), the stored run (its id and horizon) and the filter's bound
parameters. Two requests for the same key while it is being computed wait for one computation,
and a process computes one filter at a time (:data:`CONCURRENT`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import pandas as pd

from calmline import vocabulary
from calmline.analysis import filtered_runner
from calmline.analysis.filtered_runner import FilteredEstimate, counts_text
from calmline.dashboard import data, formats
from calmline.database import snapshots
from calmline.database.connection import file_version

MAX_ENTRIES = 32
"""Filters whose estimates a process keeps (the least recently used is dropped first)."""

METHODS = {"logit": "Logit AME", "aipw": "AIPW"}
"""The methods a filter is estimated by, as the table names them (the forest plot's series)."""

EFFECTS = {"total": "total", "landmark": "at the landmark (after-call practice)"}

CONCURRENT = 1
"""Filter estimates a process computes at the same time; more wait their turn, so that directors
pressing the button together do not take every core from the other pages' callbacks."""
_running = threading.BoundedSemaphore(CONCURRENT)


class EstimateCache:
    """Least recently used :class:`FilteredEstimate` objects, at most ``size``; thread-safe, and a key
    being computed is computed once (later callers wait for it)."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self._items: OrderedDict[tuple, FilteredEstimate] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[tuple, threading.Lock] = {}

    def __len__(self) -> int:
        return len(self._items)

    def peek(self, key: tuple) -> FilteredEstimate | None:
        """The cached value of ``key``, or None; never computes."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def get(self, key: tuple, make) -> FilteredEstimate:
        """The cached value of ``key``, computed by ``make()`` when missing."""
        found = self.peek(key)
        if found is not None:
            return found
        with self._lock:
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            found = self.peek(key)
            if found is not None:
                return found
            value = make()
            with self._lock:
                self._items[key] = value
                self._items.move_to_end(key)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
                self._computing.pop(key, None)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_cache = EstimateCache()


def is_filtered(params: dict) -> bool:
    """Whether the bound filter parameters restrict anything."""
    return any(v is not None for v in params.values())


def _key(params: dict, run: pd.Series) -> tuple:
    db = data.database()
    values = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    return str(db.resolve()), file_version(db), int(run["run_id"]), int(run["horizon_days"]), values


def run_practices(stored: pd.DataFrame) -> list[str]:
    """The practices of the stored run's logit and AIPW rows, in the vocabulary's order."""
    present = set(filtered_runner.shown_rows(stored)["practice"]) if len(stored) else set()
    return [p for p in vocabulary.practice_names() if p in present]


def cached(params: dict, run: pd.Series | None) -> FilteredEstimate | None:
    """The estimate for ``params`` (bound filter parameters) beside ``run``, if already computed."""
    if run is None or not is_filtered(params):
        return None
    return _cache.peek(_key(params, run))


def estimate(params: dict, run: pd.Series, stored: pd.DataFrame) -> FilteredEstimate:
    """The estimate for ``params`` beside ``run`` (the stored run shown): from the cache, else
    computed on the current database snapshot for the run's horizon and practices."""
    def make() -> FilteredEstimate:
        with _running, snapshots.reading(data.database()) as con:
            return filtered_runner.estimate(con, params, int(run["horizon_days"]), run_practices(stored),
                                           int(run["run_id"]))
    return _cache.get(_key(params, run), make)


def _pp(value) -> float | None:
    """A risk difference as the number of points the page shows (one decimal)."""
    return None if formats.is_missing(value) else round(float(value) * 100, 1) + 0.0  # no -0.0


def _n(row) -> float | None:
    if row is None:
        return None
    for column in ("n_analysed", "n_calls"):
        value = row.get(column)
        if not formats.is_missing(value):
            return int(value)
    return None


COLUMNS = ["practice", "method", "effect",
           "filter_estimate", "filter_ci", "filter_n_calls",
           "centre_estimate", "centre_ci", "centre_n_calls", "note",
           "filter_estimate_pp", "filter_ci_low_pp", "filter_ci_high_pp",
           "centre_estimate_pp", "centre_ci_low_pp", "centre_ci_high_pp"]
"""The comparison table: the text columns are what the page shows (formats.points, interval_points);
the ``_pp`` columns hold the same numbers, in percentage points rounded as shown, for the CSV."""

EXPORTED = ["practice", "method", "effect",
            "filter_estimate_pp", "filter_ci_low_pp", "filter_ci_high_pp", "filter_n_calls",
            "centre_estimate_pp", "centre_ci_low_pp", "centre_ci_high_pp", "centre_n_calls", "note"]
"""The columns of the CSV export: the numbers as numbers (the grid's text columns would reach a
spreadsheet as text, "-4.1 pp" even quoted as "'-4.1 pp" by the spreadsheet-safe export)."""


def comparison(filtered: FilteredEstimate, stored: pd.DataFrame) -> pd.DataFrame:
    """One row per practice and method: the filter's estimate beside the stored centre-wide one.

    Parameters
    ----------
    filtered : FilteredEstimate
        The estimate for the filter (with effects).
    stored : DataFrame
        The stored run's ``practice_effects`` rows.

    Returns
    -------
    DataFrame
        :data:`COLUMNS`: the logit AME and AIPW change in churn within the horizon, in percentage
        points with its 95% interval and the calls it uses (n), for the filter and centre-wide,
        and why an estimate is missing or what it rests on (the filter's row's warning).
    """
    mine = filtered_runner.shown_rows(filtered.effects)
    theirs = filtered_runner.shown_rows(stored)
    index = {(r["practice"], r["method"], r["effect"]): r for r in theirs.to_dict("records")}
    order = {p: i for i, p in enumerate(vocabulary.practice_names())}
    rows = []
    for r in sorted(mine.to_dict("records"), key=lambda r: (order.get(r["practice"], 99),
                                                          list(METHODS).index(r["method"]))):
        c = index.get((r["practice"], r["method"], r["effect"]))
        rows.append({
            "practice": r["practice"], "method": METHODS[r["method"]], "effect": EFFECTS[r["effect"]],
            "filter_estimate": formats.points(r["estimate"]),
            "filter_ci": formats.interval_points(r["ci_low"], r["ci_high"]),
            "filter_n_calls": _n(r),
            "centre_estimate": formats.points(c["estimate"]) if c else formats.MISSING,
            "centre_ci": formats.interval_points(c["ci_low"], c["ci_high"]) if c else "",
            "centre_n_calls": _n(c),
            "note": r.get("warning") if not formats.is_missing(r.get("warning")) else "",
            "filter_estimate_pp": _pp(r["estimate"]), "filter_ci_low_pp": _pp(r["ci_low"]),
            "filter_ci_high_pp": _pp(r["ci_high"]),
            "centre_estimate_pp": _pp(c["estimate"]) if c else None,
            "centre_ci_low_pp": _pp(c["ci_low"]) if c else None,
            "centre_ci_high_pp": _pp(c["ci_high"]) if c else None,
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def column_defs() -> list[dict]:
    """The grid's columns: practice, method, then the filter's and the centre-wide estimate, 95% CI
    and n calls side by side; the ``_pp`` numbers are hidden but exported with the rest."""
    from calmline.dashboard.grids import COUNT, PRACTICE_LABELS

    headers = {"practice": "Practice", "method": "Method", "effect": "Effect",
               "filter_estimate": "This filter", "filter_ci": "This filter: 95% CI",
               "filter_n_calls": "This filter: n calls",
               "centre_estimate": "Centre-wide", "centre_ci": "Centre-wide: 95% CI",
               "centre_n_calls": "Centre-wide: n calls", "note": "Note (this filter)"}
    defs = []
    for name in COLUMNS:
        col = {"field": name, "headerName": headers.get(name, name.replace("_", " "))}
        if name == "practice":
            col.update(refData=PRACTICE_LABELS, pinned="left", width=190)
        elif name.endswith("n_calls"):
            col.update(valueFormatter=COUNT, useValueFormatterForExport=False, width=130)
        elif name.endswith("_pp"):
            col["hide"] = True
        elif name == "note":
            col.update(tooltipField="note", width=420)
        defs.append(col)
    return defs


def summary(filtered: FilteredEstimate, run: pd.Series) -> str:
    """One line with the n of each side: the filter's calls, events and agents, and the run's."""
    return (f"This filter: {counts_text(filtered.n_calls, filtered.n_events, filtered.n_agents, filtered.horizon_days)}"
            f". Centre-wide: model run {int(run['run_id'])}, {int(run['n_calls']):,} upset calls "
            f"({int(run['n_events']):,} churned within {int(run['horizon_days'])} days). Changes in churn "
            "in percentage points; n calls is the calls each estimate uses."
            + (f" Estimated in {sum(filtered.seconds.get(k, 0.0) for k in ('read', 'estimate')):.1f} s; kept "
               "for this filter until the data or the model run changes." if filtered.seconds else ""))
