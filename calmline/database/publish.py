"""Publish a new database atomically, so readers never see a half-written one.

Writers (`calmline etl`, and `calmline fit` for its result tables) never write
the published file. It copies it to a private working
file beside it, loads into the copy, checkpoints and closes it, then renames
the copy over the published path (an atomic rename on POSIX). Readers that
hold the old file open keep reading the old version; the next ``connect``
sees the new one. A load that fails, crashes or is killed leaves only a
stray working file, which the next load removes. One writer at a time is
ensured with an advisory lock on ``<db>.lock``.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path



class WriterBusy(Exception):
    """Another process is writing the database right now."""

    def __init__(self, db: Path) -> None:
        self.db = db
        super().__init__(f"{db}: another `calmline etl` or `calmline fit` is writing this database; "
                         "wait for it to finish")


def working_path(db: Path) -> Path:
    """The private file a load writes into before publishing."""
    return db.with_name(f".{db.name}.loading-{os.getpid()}")


@contextmanager
def staged_database(db: Path) -> Iterator[Path]:
    """Yield a private copy of ``db`` to write; publish it on success, discard it on error.

    Raises
    ------
    WriterBusy
        When another writer (a load or a fit) is already writing this database.
    """
    db = db.resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    with _writer_lock(db):
        _remove_stale(db)
        work = working_path(db)
        if db.exists():
            shutil.copyfile(db, work)
        try:
            yield work
            _fsync(work)
            os.replace(work, db)
            _fsync(db.parent)
        finally:
            _discard(work)


@contextmanager
def _writer_lock(db: Path) -> Iterator[None]:
    lock_path = db.with_name(f".{db.name}.lock")
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WriterBusy(db) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_stale(db: Path) -> None:
    """Working files of loads that crashed or were killed (we hold the lock, so none is live)."""
    for stale in db.parent.glob(f".{db.name}.loading-*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)


def _discard(work: Path) -> None:
    """Remove a working file with its write-ahead log and spill folder."""
    work.unlink(missing_ok=True)
    work.with_name(work.name + ".wal").unlink(missing_ok=True)
    shutil.rmtree(work.with_name(work.name + ".tmp"), ignore_errors=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
