"""A writer that reads before it writes (`calmline fit`) has its working copy made in the background
(staged_database(db, beside=True)): what it publishes, and what a failure leaves, are as without."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pytest

from calmline.database import publish
from calmline.database.publish import staged_database


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "calmline.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE calls AS SELECT range AS call_id FROM range(50000)")
    return path


def _tables(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [n for (n,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {n: con.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}


def _leftovers(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir() if ".loading-" in p.name)


def _slow_copy(monkeypatch, seconds: float) -> None:
    real = publish.copy_file

    def slow(src, dst, stop=None):
        time.sleep(seconds)
        return real(src, dst, stop)

    monkeypatch.setattr(publish, "copy_file", slow)


def test_the_writer_reads_the_published_file_while_the_copy_is_made_and_publishes_the_copy(db, monkeypatch):
    _slow_copy(monkeypatch, 0.5)
    with staged_database(db, beside=True) as copying:
        with duckdb.connect(str(db), read_only=True) as reader:  # before the copy is complete
            read = reader.execute("SELECT sum(call_id) FROM calls").fetchone()[0]
        with duckdb.connect(str(copying.ready())) as con:
            con.execute("CREATE TABLE results AS SELECT $read AS total", {"read": read})
    assert _tables(db) == {"calls": 50000, "results": 1}
    assert _leftovers(db) == []


def test_a_copy_that_fails_is_reported_and_leaves_the_published_database_as_it_was(db, monkeypatch):
    before = _tables(db)

    def full_disk(src, dst, stop=None):
        Path(dst).write_bytes(b"half a database")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish, "copy_file", full_disk)
    with pytest.raises(OSError, match="No space left"):
        with staged_database(db, beside=True) as copying:
            copying.ready()
    assert _tables(db) == before and _leftovers(db) == []


def test_a_writer_that_fails_before_its_copy_is_made_leaves_no_working_file(db, monkeypatch):
    before = _tables(db)
    _slow_copy(monkeypatch, 0.5)
    with pytest.raises(RuntimeError, match="the models failed"):
        with staged_database(db, beside=True):
            raise RuntimeError("the models failed")
    assert _tables(db) == before and _leftovers(db) == []


def test_a_writer_interrupted_while_the_copy_is_made_stops_it_at_once(db, monkeypatch):
    """Ctrl-C in the first seconds of a fit: it does not wait for the copy of a large database."""
    before = _tables(db)
    monkeypatch.setattr(publish, "COPY_CHUNK_BYTES", 4096)
    real = os.sendfile

    def slow(*args):
        time.sleep(0.02)  # a chunk of a slow disk
        return real(*args)

    monkeypatch.setattr(os, "sendfile", slow)
    chunks = db.stat().st_size / publish.COPY_CHUNK_BYTES
    assert chunks * 0.02 > 2  # the whole copy would take more than 2 s
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with staged_database(db, beside=True):
            time.sleep(0.1)
            raise KeyboardInterrupt
    assert time.monotonic() - started < 1.0
    assert _tables(db) == before and _leftovers(db) == []


@pytest.mark.parametrize("kernel", [True, False])
def test_a_copy_is_the_same_bytes_by_the_kernel_or_read_and_written(tmp_path, monkeypatch, kernel):
    monkeypatch.setattr(publish, "COPY_CHUNK_BYTES", 4096)
    if not kernel:
        def refused(*args):
            raise OSError(22, "Invalid argument")
        monkeypatch.setattr(os, "sendfile", refused)
    source, target = tmp_path / "a", tmp_path / "b"
    source.write_bytes(os.urandom(3 * 4096 + 123))
    publish.copy_file(source, target)
    assert target.read_bytes() == source.read_bytes()
