"""The dashboard's one way to the data: cached, read-only accessors over the queries/ SQL files.

Every page asks ``frame(name, **params)`` for a DataFrame. Parameters are bound
as DuckDB ``$name`` values, never formatted into the SQL. Each query runs on a
cursor of the current read-only snapshot (:mod:`calmline.database.snapshots`): the
first request after the ETL or a fit has published a new database file reads the
new file, without a restart. Results are memoized per (database file version,
query, parameters): the key is made of plain values, stable across worker
processes. A missing database or a table that does not exist yet (no fit run)
gives an empty DataFrame with ``attrs["missing"]`` saying what is missing.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import sys
import threading
import time
from collections import OrderedDict
from functools import lru_cache, wraps
from pathlib import Path

import duckdb
import pandas as pd

from calmline.dashboard import access
from calmline.queries import load_sql
from calmline.database import snapshots
from calmline.database.connection import file_version

log = logging.getLogger("calmline.dashboard")

FILTER_PARAMS = ("start", "end", "teams", "sites", "channels", "issues", "anger")
"""The global filters every filtered query takes (NULL = no filter)."""


def database() -> Path:
    """The database the running app serves (set by ``create_app``)."""
    return Path(access.settings().db)


@lru_cache(maxsize=None)
def parameters(name: str) -> frozenset[str]:
    """The ``$name`` parameters dashboard query ``name`` takes, as DuckDB's parser reads them."""
    [statement] = duckdb.extract_statements(load_sql(f"dashboard/{name}"))
    return frozenset(statement.named_parameters)


def frame(name: str, db: Path | None = None, **params) -> pd.DataFrame:
    """Run ``queries/dashboard/<name>.sql`` with ``params`` bound; a copy the caller may change."""
    db = Path(db) if db is not None else database()
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    version = file_version(db)
    _warm_once(str(db), version)
    return _cached(str(db), version, name, key).copy()


def frame_once(name: str, db: Path | None = None, **params) -> pd.DataFrame:
    """:func:`frame` without keeping the result in the data cache, for a caller that keeps it in
    another form (the overview's customer index: ~40 MB as a frame, ~20 MB as its arrays)."""
    db = Path(db) if db is not None else database()
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    return _query(str(db), file_version(db), name, key)


CACHE_BYTES = 256 * 1024 ** 2
"""The data cache's budget per process: the sum of its DataFrames' deep memory use."""


class FrameCache:
    """Least recently used DataFrames, bounded by their memory (``memory_usage(deep=True)``), not
    by their number. A frame bigger than the whole budget is returned but not kept. Thread-safe;
    a thread asking for a key another thread is computing waits for that result instead of running
    the same query again (a page's callbacks fire together and often ask for the same frames).
    ``measure``: the size of a value that is not a DataFrame (``len`` for the reports' text)."""

    def __init__(self, budget: int, measure=None) -> None:
        self.budget = budget
        self.measure = measure
        self._frames: OrderedDict[tuple, tuple[pd.DataFrame, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._computing: dict[tuple, threading.Lock] = {}

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._frames)

    def get(self, key: tuple, make) -> pd.DataFrame:
        with self._lock:
            if key in self._frames:
                self._frames.move_to_end(key)
                return self._frames[key][0]
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:  # one thread computes a key; the others wait, then find it kept
            with self._lock:
                if key in self._frames:
                    self._frames.move_to_end(key)
                    return self._frames[key][0]
            try:
                return self._make(key, make)
            finally:
                with self._lock:
                    self._computing.pop(key, None)

    def _make(self, key: tuple, make) -> pd.DataFrame:
        frame = make()
        size = (int(self.measure(frame)) if self.measure is not None
                else int(frame.memory_usage(index=True, deep=True).sum())) + sys.getsizeof(key)
        with self._lock:
            if key in self._frames or size > self.budget:
                return frame
            self._frames[key] = (frame, size)
            self._bytes += size
            while self._bytes > self.budget:
                _, (_, dropped) = self._frames.popitem(last=False)
                self._bytes -= dropped
        return frame

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()
            self._bytes = 0


_frames = FrameCache(CACHE_BYTES)


def _cached(db: str, version, name: str, key: tuple) -> pd.DataFrame:
    """The result of query ``name`` with ``key``'s parameters on version ``version`` of ``db``, from
    the cache when there (never changed by callers: :func:`frame` hands out copies)."""
    return _frames.get((db, version, name, key), lambda: _query(db, version, name, key))


def _query(db: str, version, name: str, key: tuple) -> pd.DataFrame:
    if version is None:
        return _missing(f"no database at {db}: run `calmline etl` first")
    params = {k: list(v) if isinstance(v, tuple) else v for k, v in key}
    bound = {k: v for k, v in params.items() if k in parameters(name)}
    try:
        with snapshots.reading(db) as con:
            return con.execute(load_sql(f"dashboard/{name}"), bound).df()
    except duckdb.CatalogException as exc:
        found = re.search(r"Table with name (\w+) does not exist", str(exc))
        table = found.group(1) if found else "a table"
        return _missing(f"{table} does not exist yet" + (": run `calmline fit`" if table in _FIT_TABLES
                                                          else ""))


_FIT_TABLES = {"model_runs", "practice_effects", "km_curves", "dose_response", "effect_heterogeneity",
               "training_priorities", "agent_adoption", "practice_balance", "practice_sensitivity"}


def read(work, db: Path | None = None):
    """``work(cursor)``, run on a read-only cursor of the database as published now, for a reader
    that is not one query file of queries/ (the explorer's data dictionary, built from the catalog
    by :mod:`calmline.explorer.dictionary`). Not cached: the caller keeps what it needs."""
    with snapshots.reading(Path(db) if db is not None else database()) as con:
        return work(con)


def _missing(why: str) -> pd.DataFrame:
    empty = pd.DataFrame()
    empty.attrs["missing"] = why
    return empty


_memos: list = []
"""The memo of every :func:`per_version` callback, for :func:`clear_caches`."""


WARM_ENV = "CALMLINE_WARM"
"""Set to 1 (as benchmarks/dashboard.py does under gunicorn) to have each worker build the model
pages' figures in the background as soon as it first reads a database (see :func:`warm`)."""
_warmers: list = []
_warmed: set = set()
_warm_lock = threading.Lock()


def warm(build, first: bool = False) -> None:
    """Register ``build()``, which asks for per-version results a page shows before any filter
    (the model pages' figures for each fitted horizon), to run on a background thread of each
    process the first time it reads a database version, when ``CALMLINE_WARM=1``. Its results go
    into the :func:`per_version` memos, so the first visitors after a new database find them (or
    wait for the one build already under way) instead of each worker building them on its first
    visit of every page. Errors are logged, never raised. The builds run one after the other, in
    the order registered; ``first``: before those registered so far (for a build that mostly
    waits on another process, such as the explorer's schema from its sandbox, so that it is not
    queued behind seconds of figure building)."""
    if first:
        _warmers.insert(0, build)
    else:
        _warmers.append(build)


def warm_now(db: Path | None = None) -> None:
    """Start the warming of :func:`warm` for ``db`` (default: the app's database) now, as a worker
    starts (``calmline.dashboard.wsgi``), instead of at its first request; nothing when
    ``CALMLINE_WARM`` is not set or there is no database yet. Runs once per process and database
    version: a process forked later (gunicorn ``--preload``) warms on its own first read."""
    db = Path(db) if db is not None else database()
    _warm_once(str(db), file_version(db))


def _warm_once(db: str, version) -> None:
    if version is None or not _warmers or os.environ.get(WARM_ENV, "0") in ("", "0", "off", "false"):
        return
    key = (db, version, os.getpid())  # a forked worker does not inherit its parent's threads
    with _warm_lock:
        if key in _warmed or _stop_warming.is_set():
            return
        _warmed.add(key)
        thread = threading.Thread(target=_run_warmers, name="calmline-warm", daemon=True)
        _warming.append(thread)
    thread.start()


_stop_warming = threading.Event()
_warming: list[threading.Thread] = []


def _run_warmers() -> None:
    for build in list(_warmers):
        if _stop_warming.is_set():  # the process is exiting: start no more builds
            return
        try:
            build()
        except Exception:  # a page that cannot draw yet (no fit) says so when it is visited
            if not _stop_warming.is_set():
                log.exception("warming the dashboard's caches failed in %s", getattr(build, "__name__", build))


@atexit.register
def _end_warming(wait: float = 10.0) -> None:
    """At exit, let a warming thread finish the build it is in (at most ``wait`` seconds) and start no
    other: a daemon thread stopped inside DuckDB at interpreter exit aborts the process (seen when a
    worker stopped seconds after it started warming)."""
    _stop_warming.set()
    deadline = time.monotonic() + wait
    for thread in list(_warming):
        thread.join(max(0.0, deadline - time.monotonic()))


_clearable: list = []
"""Other caches of this process :func:`clear_caches` empties (:func:`clears_with_caches`)."""


def clears_with_caches(cache):
    """Have :func:`clear_caches` empty ``cache`` (anything with ``clear()``) too; returns it."""
    _clearable.append(cache)
    return cache


def newest_read(held: dict, lock: threading.Lock, read, version_of=file_version):
    """``read()`` for the database the app serves, once per worker and file version
    (``version_of(path)``): ``held`` maps a database path to (its version, what ``read`` gave), the
    newest version only (a new load replaces it); threads asking while it is read wait for that one
    read (``lock``)."""
    db = str(database())
    version = version_of(db)
    got = held.get(db)
    if got is None or got[0] != version:
        with lock:
            got = held.get(db)
            if got is None or got[0] != version:
                got = held[db] = (version, read())
    return got[1]


def clear_caches() -> None:
    """Empty the data cache and every :func:`per_version` memo of this process, as a worker that
    has just started or seen a new database has them (for measurements and tests)."""
    _frames.clear()
    for memo in _memos:
        memo.cache_clear()
    for cache in _clearable:
        cache.clear()


def per_version(callback):
    """Memoize ``callback``'s result per (database file version, arguments).

    For callbacks whose output depends only on the database and their (hashable) inputs,
    such as the model-result pages: their figures are then built once per worker process
    for each new database, not on every visit. The cached figures are never changed after.
    """
    @lru_cache(maxsize=64)
    def cached(_db: str, _version, *args):
        return callback(*args)

    _memos.append(cached)
    computing: dict[tuple, threading.Lock] = {}
    guard = threading.Lock()

    @wraps(callback)
    def wrapper(*args):
        db = database()
        key = (str(db), file_version(db), *args)
        _warm_once(key[0], key[1])
        with guard:
            lock = computing.setdefault(key, threading.Lock())
        with lock:  # threads asking for the same figures at once: one builds them, the others wait
            try:
                return cached(*key)
            finally:
                with guard:
                    computing.pop(key, None)

    return wrapper


def filter_params(filters: dict | None) -> dict:
    """The global filters (from the URL) as bound parameters; absent or empty means all."""
    filters = filters or {}
    out = {}
    for name in FILTER_PARAMS:
        value = filters.get(name)
        out[name] = value if value not in ("", [], None) else None
    if out["anger"] is not None:
        out["anger"] = [int(a) for a in out["anger"]]
    return out
