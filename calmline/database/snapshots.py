"""Read-only snapshots of the published database, shared by a process's threads.

Why not ``duckdb.connect(path, read_only=True)`` per thread: DuckDB keeps one database
instance per path per process while any connection to it is open, so a thread that
"reopens" after a publish is handed the old instance again (the file it attached before
the atomic rename), and keeps serving the old data until every thread lets go.

Here a snapshot is a DuckDB instance of its own (``:memory:``) that ATTACHes the file
read-only. One snapshot per database path is current; a request takes a cursor on it
with :func:`reading`. When a publish changes the file (its inode or modification time),
the next request opens a new snapshot, which attaches the new file; the old one is closed
as soon as the last request still using it finishes. So the next request after a publish
always reads the published file, and no request has its data replaced mid-way.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from calmline.database.connection import SESSION_TIME_ZONE, file_version

ALIAS = "calmline"
"""The attached database's name inside a snapshot (the default catalog of its cursors)."""


class Snapshot:
    """One version of the database file, attached read-only in an instance of its own."""

    def __init__(self, path: Path, version) -> None:
        self.path, self.version = path, version
        self.users = 0
        self.retired = False
        self._con = duckdb.connect(":memory:")
        quoted = str(path).replace("'", "''")
        self._con.execute(f"ATTACH '{quoted}' AS {ALIAS} (READ_ONLY)")

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own for one thread, on the attached database, time zone UTC."""
        cur = self._con.cursor()
        cur.execute(f"USE {ALIAS}")
        cur.execute(f"SET TimeZone = '{SESSION_TIME_ZONE}'")
        return cur

    def close(self) -> None:
        self._con.close()


_lock = threading.Lock()
_current: dict[str, Snapshot] = {}


def _take(path: Path) -> Snapshot:
    version = file_version(path)
    if version is None:
        raise FileNotFoundError(f"{path}: no calmline database here; run `calmline etl` first")
    key = str(path.resolve())
    with _lock:
        snap = _current.get(key)
        if snap is None or snap.version != version:
            if snap is not None:
                _retire(snap)
            snap = _current[key] = Snapshot(path, version)
        snap.users += 1
        return snap


def _retire(snap: Snapshot) -> None:
    snap.retired = True
    if snap.users == 0:
        snap.close()


def _release(snap: Snapshot) -> None:
    with _lock:
        snap.users -= 1
        if snap.retired and snap.users == 0:
            snap.close()


@contextmanager
def reading(path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only cursor on the database as published now, for the duration of one request.

    Raises
    ------
    FileNotFoundError
        When there is no database at ``path``.
    """
    snap = _take(Path(path))
    try:
        cur = snap.cursor()
        try:
            yield cur
        finally:
            cur.close()
    finally:
        _release(snap)


def open_snapshots() -> int:
    """How many snapshots this process holds open (current and still in use); for tests."""
    with _lock:
        return len(_current)


def close_all() -> None:
    """Forget every snapshot; each closes once no request is using it (tests start afresh with it)."""
    with _lock:
        for key, snap in list(_current.items()):
            del _current[key]
            _retire(snap)
