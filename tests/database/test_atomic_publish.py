"""The database a reader opens is never half-written, whatever happens to a load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from tests.conftest import ROOT, file_digest, query
from tests.etl.builders import CALLS, make_source


def _big_calls(source: Path, rows: int) -> None:
    """Replace the calls file with ``rows`` valid calls (written by DuckDB, so it is quick)."""
    target = source / "calls" / "calls_2025-01.csv"
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT 'B' || i AS call_id, 'C' || (1 + i % 3) AS customer_id,
        'A' || (1 + i % 2) AS agent_id,
        strftime(TIMESTAMP '2025-01-01' + to_seconds(i % 2500000), '%Y-%m-%dT%H:%M:%S') AS started_at,
        'phone' AS channel, 'billing' AS issue_type, 1 + i % 5 AS anger_level, 10 AS wait_s,
        100 + i % 50 AS handle_s, 0 AS hold_s, 0 AS transfers, true AS resolved,
        i % 2 = 0 AS apologized FROM range({rows}) t(i)) TO '{target}' (HEADER)""")
    con.close()


def _start_load(source: Path, db: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "calmline", "etl", "--source", str(source),
                             "--db", str(db), "--reload"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_load_killed_mid_way_leaves_the_previous_database_intact(tmp_path, db):
    source = make_source(tmp_path / "src")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "calmline", "etl", "--source", str(source), "--db", str(db)],
                   env=env, check=True, capture_output=True)
    before = file_digest(db)
    _big_calls(source, 600_000)
    child = _start_load(source, db)
    working = lambda: list(db.parent.glob(f".{db.name}.loading-*"))  # noqa: E731
    _wait_for(lambda: working() and working()[0].stat().st_size > 0)
    time.sleep(0.5)
    assert child.poll() is None, "the load finished before it could be killed; make it bigger"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert file_digest(db) == before
    assert query(db, "SELECT count(*) FROM calls") == [(len(CALLS),)]
    assert working(), "the killed load's working file should be left behind"
    rerun = _start_load(source, db)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert not working()
    assert query(db, "SELECT count(*) FROM calls") == [(600_000 + len(CALLS),)]


READER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("SELECT count(*) FROM calls").fetchone()[0], flush=True)
errors = 0
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    try:
        con.execute("SELECT count(*), sum(anger_level) FROM call_facts").fetchall()
    except Exception as exc:
        errors += 1
        print("ERROR", exc, flush=True)
print("errors", errors, flush=True)
"""


def test_a_reader_holding_the_database_open_neither_blocks_nor_sees_a_half_load(tmp_path, db):
    source = make_source(tmp_path / "src")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "calmline", "etl", "--source", str(source), "--db", str(db)],
                   env=env, check=True, capture_output=True)
    _big_calls(source, 200_000)
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db), "6"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == str(len(CALLS))
    load = _start_load(source, db)
    out, err = load.communicate(timeout=300)
    assert load.returncode == 0, err
    assert "lock" not in (out + err).lower()
    assert query(db, "SELECT count(*) FROM calls") == [(200_000 + len(CALLS),)]
    rest, reader_err = reader.communicate(timeout=60)
    assert "errors 0" in rest, rest + reader_err


def test_two_loads_at_once_the_second_is_told_to_wait(tmp_path, db):
    source = make_source(tmp_path / "src")
    _big_calls(source, 400_000)
    first = _start_load(source, db)
    _wait_for(lambda: list(db.parent.glob(f".{db.name}.loading-*")))
    second = _start_load(source, db)
    _, err = second.communicate(timeout=120)
    first.communicate(timeout=300)
    assert second.returncode == 2
    assert "another `calmline etl` or `calmline fit` is writing this database" in err
    assert first.returncode == 0
