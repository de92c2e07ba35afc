"""After a publish, the next request reads the new file, however many threads are reading.

DuckDB keeps one instance per path per process while any connection is open, so reopening a
path while other threads hold it hands back the old file. These tests read the way the
dashboard does (``data.frame`` over :mod:`calmline.database.snapshots`) from many threads at
once, publish a load and a fit in the middle, and check that every read started after a
publish sees it.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from calmline.dashboard import data
from calmline.database import snapshots
from tests.conftest import ROOT, load_api


def _reader(db: Path, query: str, column: str, log: list, stop: threading.Event) -> None:
    while not stop.is_set():
        started = time.monotonic()
        frame = data.frame(query, db=db, headline=90)
        log.append((started, None if frame.empty else frame[column].iloc[0]))
        time.sleep(0.002)


def _readers(db: Path, query: str, column: str, n: int = 12):
    log: list = []
    stop = threading.Event()
    threads = [threading.Thread(target=_reader, args=(db, query, column, log, stop), daemon=True)
               for _ in range(n)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(log) < 3 * n and time.monotonic() < deadline:
        time.sleep(0.05)
    return log, stop, threads


def _stop(stop, threads) -> None:
    stop.set()
    for t in threads:
        t.join(timeout=30)


@pytest.fixture
def centre(sample_db, tmp_path) -> Path:
    db = tmp_path / "calmline.duckdb"
    shutil.copyfile(sample_db, db)
    return db


def _one_more_call(tmp_path: Path) -> Path:
    source = tmp_path / "more"
    shutil.copytree(ROOT / "sample_data", source)
    calls = sorted((source / "calls").glob("*.csv"))[-1]
    lines = calls.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    first[0] = "CALL-999999999"
    calls.write_text("\n".join([*lines, ",".join(first)]) + "\n", encoding="utf-8")
    return source


def test_concurrent_readers_see_a_load_from_the_next_request_on(centre, tmp_path):
    log, stop, threads = _readers(centre, "load_batches", "batch_id")
    try:
        before = log[-1][1]
        assert load_api(_one_more_call(tmp_path), centre).code == 0
        published = time.monotonic()
        time.sleep(0.5)
    finally:
        _stop(stop, threads)
    after = [batch for started, batch in log if started > published]
    assert before == 1 and len(after) > 20 and set(after) == {2}


def test_concurrent_readers_see_a_fit_from_the_next_request_on(centre):
    from calmline import vocabulary
    from calmline.analysis.runner import fit

    log, stop, threads = _readers(centre, "fitted_horizons", "run_id")
    try:
        assert log and log[-1][1] is None  # no model run yet
        fit(centre, list(vocabulary.practice_names()))
        published = time.monotonic()
        time.sleep(0.5)
    finally:
        _stop(stop, threads)
    after = [run for started, run in log if started > published]
    assert len(after) > 20 and set(after) == {1}


def test_an_old_snapshot_is_closed_once_its_last_reader_finishes(centre, tmp_path):
    snapshots.close_all()
    with snapshots.reading(centre) as old:
        assert load_api(_one_more_call(tmp_path), centre).code == 0
        with snapshots.reading(centre) as new:
            assert new.execute("SELECT count(*) FROM calls").fetchone()[0] == \
                old.execute("SELECT count(*) FROM calls").fetchone()[0] + 1
        assert old.execute("SELECT count(*) FROM calls").fetchone()[0] > 0  # still readable
    assert snapshots.open_snapshots() == 1  # only the current one is kept
