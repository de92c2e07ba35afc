"""The one connection factory.

The ETL is the only writer and writes to a private copy of the database that
it publishes atomically (see :mod:`calmline.database.publish`); every other reader opens the
published file read-only, one connection per thread.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

SESSION_TIME_ZONE = "UTC"
"""Timestamps without an offset are read as UTC; ones with an offset are converted to it."""


def connect(path: str | Path, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open a calmline database.

    Parameters
    ----------
    path : str or Path
        The DuckDB file.
    read_only : bool
        Readers keep the default. Only :mod:`etl` passes ``False``, and only
        for its private working copy.

    Returns
    -------
    duckdb.DuckDBPyConnection
        A connection with calmline's session settings (time zone UTC).
    """
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(f"{path}: no calmline database here; run `calmline etl` first")
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute(f"SET TimeZone = '{SESSION_TIME_ZONE}'")
    return con


def file_version(path: str | Path) -> tuple[int, int] | None:
    """The database file's identity, (inode, modification time); None when there is no file.

    A publish replaces the file by an atomic rename, so the identity changes: readers compare
    it to know when to reopen.
    """
    try:
        stat = Path(path).stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns
