"""Analysts' queries in a child process of their own, with limits the operating system enforces.

DuckDB's ``memory_limit`` does not count single huge values (``range(300000000)`` as one
list, ``repeat('x', 4000000000)``, ``lpad``/``printf`` to gigabytes), and its time limit is
checked only between chunks, so one query can take many gigabytes and minutes. The
:class:`~calmline.explorer.sandbox.Sandbox` settings therefore are not the boundary on their
own: :class:`QueryProcess` runs the sandbox in a child process (``python -m
calmline.explorer.query_child``) and

- caps the child's address space (``RLIMIT_AS``) once its sandbox is open, so the process can
  grow by at most the memory limit (less what it already holds) plus :data:`MARGIN`: an
  allocation past that fails inside DuckDB or Python, and the query ends with the memory
  message while the child lives on;
- waits for each answer at most the time limit plus :data:`GRACE` from the call (starting a
  child counts), then kills the child
  (SIGKILL) and answers with the time-limit message; the next query starts a new child;
- runs the child at lower CPU priority (``niceness``), so a runaway query takes only the
  CPU the dashboard leaves over.

The child exits by itself after :data:`IDLE_SECONDS` without a query, and when its parent
goes away (its end of the socket closes).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import weakref
from multiprocessing.connection import Connection
from pathlib import Path

import pandas as pd

from calmline.database.connection import file_version
from calmline.explorer.gate import QueryFailed
from calmline.explorer.sandbox import Limits, Result

MARGIN = 96 * 1024 ** 2
"""Bytes the child may hold beyond the memory limit (Python's own allocations, the result)."""
GRACE = 0.2
"""Seconds past the time limit before the child is killed (DuckDB usually stops it first)."""
OPEN_SECONDS = 60.0
"""Longest wait for a child to start and open its sandbox."""
IDLE_SECONDS = 300.0
"""A child with no query for this long exits (the next query starts a new one)."""


class SandboxCalls:
    """The sandbox's query methods, each handed to ``self._call(method, *args, **kwargs)``."""

    def run(self, sql: str, params: dict | None = None, *, limit: int | None = None) -> Result:
        return self._call("run", sql, params, limit=limit)

    def saved(self, name: str, values: dict | None = None, *, limit: int | None = None) -> Result:
        return self._call("saved", name, values, limit=limit)

    def schema(self) -> pd.DataFrame:
        return self._call("schema")

    def _call(self, method: str, *args, **kwargs):
        raise NotImplementedError


class QueryProcess(SandboxCalls):
    """A :class:`~calmline.explorer.sandbox.Sandbox` over ``db`` in a child process, for one
    thread at a time. Its methods are the sandbox's and raise what it raises; a query the
    child does not answer within the time limit, or that kills it, raises QueryFailed.

    Parameters
    ----------
    db : str or Path
        The published database file.
    limits : Limits
        Time, memory, threads and row caps, enforced by DuckDB and by the operating system.
    niceness : int
        The child's CPU niceness at least (Unix: 0 to 19).
    """

    def __init__(self, db: str | Path, limits: Limits = Limits(), *, niceness: int = 0) -> None:
        self.db, self.limits, self.niceness = Path(db), limits, niceness
        self._child: subprocess.Popen | None = None
        self._conn: Connection | None = None
        self._version = None
        self._lock = threading.Lock()
        self._ended_peak: int | None = None  # VmHWM of the child the last query ended

    def peak_memory(self) -> int | None:
        """Peak resident memory in bytes (Linux) of the child that answered the last query: the
        one running, or the one that query ended (a memory error ends it); None when unknown."""
        if self._ended_peak is not None:
            return self._ended_peak
        if self._child is None or self._child.poll() is not None:
            return None
        return self._child_peak()

    def close(self) -> None:
        """Stop the child (it finishes nothing it was doing)."""
        with self._lock:
            self._stop()

    def __enter__(self) -> QueryProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, method: str, *args, **kwargs):
        started = time.monotonic()
        with self._lock:
            self._ended_peak = None
            self._ensure_open()
            self._conn.send((method, args, kwargs))
            # the time limit counts from the call: a child that had to start first leaves less
            left = self.limits.seconds + GRACE - (time.monotonic() - started)
            return self._answer(max(left, GRACE), during=method)

    def _ensure_open(self) -> None:
        version = file_version(self.db)
        if version is None:
            raise FileNotFoundError(f"{self.db}: no calmline database here; run `calmline etl` first")
        if self._child is not None and self._child.poll() is None and version == self._version:
            return
        self._stop()
        parent, child = socket.socketpair()
        env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
        self._child = subprocess.Popen(
            [sys.executable, "-m", "calmline.explorer.query_child", str(child.fileno())],
            pass_fds=(child.fileno(),), env=env, stdin=subprocess.DEVNULL)
        child.close()
        weakref.finalize(self, _end, self._child)  # an owner dropped without close() ends its child too
        self._conn = Connection(parent.detach())
        self._version = version  # before the child attaches: a publish in between reopens
        self._conn.send((str(self.db), self.limits, self.niceness, MARGIN, IDLE_SECONDS))
        self._answer(OPEN_SECONDS, during="open")

    def _answer(self, seconds: float, during: str):
        if not self._conn.poll(seconds):
            self._stop()
            if during != "open":  # have the next query's child ready by the time it comes
                threading.Thread(target=self._start_spare, daemon=True).start()
            if during == "open":
                raise RuntimeError(f"the query explorer could not open {self.db} within {seconds:g} s")
            raise QueryFailed("timeout", f"The query was stopped after the time limit of "
                              f"{self.limits.seconds:g} s. Narrow it down (filter, aggregate, "
                              "LIMIT) and run it again.")
        try:
            status, value = self._conn.recv()
        except (EOFError, OSError):
            self._stop()
            raise QueryFailed("memory", f"The query was stopped at the memory limit of "
                              f"{self.limits.memory}. Narrow it down (filter, aggregate, "
                              "fewer columns) and run it again.") from None
        if status == "error":
            if during == "open":
                self._stop()
            elif isinstance(value, QueryFailed) and value.kind == "memory":
                # a process that met its address-space cap may keep a heap it cannot grow again:
                # the next query gets a fresh child (started now, as after a timeout)
                self._ended_peak = self._child_peak()
                self._stop()
                threading.Thread(target=self._start_spare, daemon=True).start()
            raise value
        return value

    def _child_peak(self) -> int | None:
        """The running child's VmHWM in bytes, None when it cannot be read."""
        try:
            with open(f"/proc/{self._child.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) * 1024
        except (OSError, AttributeError):
            return None
        return None

    def _start_spare(self) -> None:
        """Start a child ahead of the next query (after one was killed), unless one is running."""
        with self._lock:
            if self._child is None:
                try:
                    self._ensure_open()
                except Exception:  # the next query opens one itself and reports what fails
                    self._stop()

    def _stop(self) -> None:
        """End the child (if any) and forget it."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._child is not None:
            if self._child.poll() is None:
                self._child.kill()
            self._child.wait()
            self._child = None


def _end(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.kill()
        child.wait()
