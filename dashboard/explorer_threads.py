"""The query explorer's sandboxes, run in low-priority child processes so the rest of the app keeps up.

A :class:`calmline.explorer.sandbox.Sandbox` is a locked-down DuckDB instance of its own; here
each runs in a child process of its own (:class:`calmline.explorer.isolation.QueryProcess`),
whose memory the operating system caps and which is killed at the time limit, so no query
can take the worker process or the host down. Explorer queries do not run on the server
thread that received them: each server thread hands them to an explorer thread of its own,
whose CPU priority is lowered (Linux nice +NICENESS), and whose child process runs at that
niceness too. An analyst's query that runs until its time limit then takes only the CPU the
dashboard's queries leave over, instead of a core of its own. A worker process runs at most
as many explorer queries at once as it has server threads. Each explorer thread keeps its
query process, reopened when the ETL publishes a new file, and is started again if it has died.
Whether the explorer may be used at all (switched on, and the signed-in user an analyst) is
decided here too.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import sys
import threading
import weakref
from concurrent.futures import Future
from concurrent.futures import TimeoutError as Waiting
from pathlib import Path


import pandas as pd

from calmline.dashboard import data
from calmline.dashboard.access import explorer_refusal, settings, signed_in_user
from calmline.database.connection import file_version
from calmline.explorer import dictionary
from calmline.explorer.isolation import QueryProcess, SandboxCalls
from calmline.explorer.sandbox import Limits
from calmline.explorer.user_library import UserLibrary, default_path, owner_of

NICENESS = 10
"""How far explorer threads' CPU priority is lowered (Linux nice; 19 is the lowest)."""

log = logging.getLogger("calmline.dashboard")
_local = threading.local()


def limits() -> Limits:
    """The explorer's limits for this app (``Settings.limits``)."""
    return settings().limits


class Explorer(SandboxCalls):
    """What the explorer page calls: the sandbox's queries, each run on an explorer thread.

    The methods are :class:`calmline.explorer.sandbox.Sandbox`'s, and raise what it raises.
    """

    def __init__(self, db: Path, limits: Limits) -> None:
        self._db, self._limits = db, limits

    def _call(self, method: str, *args, **kwargs):
        return in_explorer_thread(lambda: getattr(_own_sandbox(self._db, self._limits), method)(*args, **kwargs))


def sandbox() -> Explorer:
    """The explorer over the database the app serves, with this app's limits (a missing database
    file is reported when a query runs)."""
    return Explorer(data.database(), limits())


def close_thread_sandbox(wait: float = 2.0) -> None:
    """End this server thread's explorer thread and close its sandbox process, if it has one (a
    background thread that only warmed a cache must not keep a sandbox open)."""
    helper = getattr(_local, "explorer", None)
    if helper is not None:
        helper.stop(wait)
        _local.explorer = None


def in_explorer_thread(work):
    """``work()`` run on this server thread's low-priority explorer thread; its result or exception."""
    helper = getattr(_local, "explorer", None)
    if helper is None or not helper.is_alive():
        helper = _local.explorer = _ExplorerThread()
    return helper.call(work)


class _ExplorerThread:
    """One low-priority thread that runs the work handed to it, one piece at a time."""

    running: "weakref.WeakSet[_ExplorerThread]" = weakref.WeakSet()

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="calmline-explorer", daemon=True)
        self._thread.start()
        self.running.add(self)

    def stop(self, wait: float) -> None:
        """Close the thread's sandbox and end it, waiting at most ``wait`` seconds."""
        self._jobs.put(None)
        self._thread.join(wait)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def call(self, work):
        done: Future = Future()
        self._jobs.put((work, done))
        while True:
            try:
                return done.result(timeout=1)
            except Waiting:
                if not self._thread.is_alive():  # killed from outside: never wait for it
                    raise RuntimeError("the explorer thread stopped; run the query again") from None

    def _serve(self) -> None:
        _lower_priority()
        while (job := self._jobs.get()) is not None:
            work, done = job
            try:
                done.set_result(work())
            except BaseException as exc:  # the caller's to handle, whatever it is
                done.set_exception(exc)
        held = getattr(_local, "held", None)
        if held is not None:
            held[1].close()


@atexit.register
def _stop_explorer_threads() -> None:
    # Daemon threads are frozen at exit with their DuckDB instances still open; close them first.
    for helper in list(_ExplorerThread.running):
        helper.stop(wait=2)


def _lower_priority() -> None:
    # On Linux the nice value belongs to each thread, and threads started later inherit it.
    if not sys.platform.startswith("linux"):
        return
    try:  # relative to the server's own niceness: a server already run under `nice` keeps the gap
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + NICENESS))
    except OSError as exc:
        log.warning("explorer queries run at normal priority: %s", exc)


def _own_sandbox(db: Path, limits: Limits) -> QueryProcess:
    """This explorer thread's query process (a sandbox in a child process with OS limits), opened
    or reopened (new database file, other limits) as needed."""
    key = (str(db), file_version(db), limits)
    held = getattr(_local, "held", None)
    if held is not None and held[0] == key:
        return held[1]
    if held is not None:
        held[1].close()
        _local.held = None
    if key[1] is None:
        raise FileNotFoundError(f"no database at {db}: run `calmline etl` first")
    box = QueryProcess(db, limits, niceness=NICENESS)
    _local.held = (key, box)
    return box


def schema() -> pd.DataFrame:
    """The rows :meth:`calmline.explorer.sandbox.Sandbox.schema` gives for the database the app
    serves (every table and view with its columns, types and descriptions, and the
    ``data_dictionary`` table's own), read here on a snapshot cursor instead of in a sandbox
    process: the catalog is the same file's, and a worker's first schema then takes ~20-60 ms
    instead of starting a query process (~1 s; 1.2-13 s in session 11's load tests). The same rows,
    tested against the sandbox's in tests/dashboard/test_explorer_warm.py."""
    frame = data.read(dictionary.data_dictionary)
    own = pd.DataFrame({"table": "data_dictionary", "kind": "table", "column": dictionary.COLUMNS,
                        "type": "VARCHAR"})
    frame = pd.concat([frame, dictionary.describe(own)[dictionary.COLUMNS]], ignore_index=True)
    frame = frame.sort_values("table", kind="stable").reset_index(drop=True)
    return pd.DataFrame({c: frame[c].fillna("").astype(str) for c in dictionary.COLUMNS})


def refusal() -> str | None:
    """Why this user may not use the explorer, or None when they may."""
    return explorer_refusal(settings(), signed_in_user())


def user_library() -> UserLibrary:
    """The analysts' own saved queries for this app (``Settings.user_library``, else beside the database)."""
    chosen = settings()
    return UserLibrary(chosen.user_library or default_path(chosen.db))


def library_owner() -> str:
    """Whose library this request works on: the signed-in user, or the one local owner on a server
    without sign-in (whatever name a request's Authorization header claims: nothing checks it there)."""
    return owner_of(signed_in_user() if settings().users is not None else None)
