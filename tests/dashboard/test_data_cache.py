"""The dashboard's caches compute a result once when several requests ask for it at the same time
(#12: a page's callbacks fire together, and a new database sends every client to the same cold
figures): the others wait for it instead of running the same queries and figures again."""

from __future__ import annotations

import threading
import time

import pandas as pd


def _together(n: int, target) -> list:
    """Run ``target()`` on ``n`` threads started at once; their results."""
    results, start = [None] * n, threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        results[i] = target()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_a_frame_asked_for_by_several_threads_at_once_is_computed_once():
    from calmline.dashboard.data import FrameCache

    cache, calls = FrameCache(budget=10_000_000), []

    def make():
        calls.append(1)
        time.sleep(0.2)  # a query that takes a while: the other threads arrive meanwhile
        return pd.DataFrame({"x": [1, 2, 3]})

    frames = _together(4, lambda: cache.get(("q", 1), make))
    assert len(calls) == 1 and all(f is frames[0] for f in frames)
    cache.get(("q", 2), make)  # another key is computed on its own
    assert len(calls) == 2


def test_a_failed_computation_lets_the_next_request_try_again():
    from calmline.dashboard.data import FrameCache

    cache, tries = FrameCache(budget=10_000_000), []

    def make():
        tries.append(1)
        if len(tries) == 1:
            raise RuntimeError("database busy")
        return pd.DataFrame({"x": [1]})

    try:
        cache.get(("q",), make)
    except RuntimeError:
        pass
    assert cache.get(("q",), make)["x"].tolist() == [1] and len(tries) == 2


def test_per_version_figures_asked_for_at_once_are_built_once(tmp_path, monkeypatch):
    from calmline.dashboard import data

    db = tmp_path / "calmline.duckdb"
    db.write_bytes(b"")  # only its identity (inode, modification time) keys the memo
    monkeypatch.setattr(data, "database", lambda: db)
    built = []

    @data.per_version
    def figures(horizon):
        built.append(horizon)
        time.sleep(0.2)
        return {"horizon": horizon}

    results = _together(4, lambda: figures(90))
    assert built == [90] and all(r is results[0] for r in results)
    figures(30)
    assert built == [90, 30]


def test_with_warming_on_the_first_read_of_a_database_builds_the_registered_figures_once(tmp_path, monkeypatch):
    from calmline.dashboard import data

    db = tmp_path / "calmline.duckdb"
    db.write_bytes(b"")
    monkeypatch.setattr(data, "database", lambda: db)
    monkeypatch.setattr(data, "_warmers", [])
    monkeypatch.setattr(data, "_warmed", set())
    built, done = [], threading.Event()

    @data.per_version
    def figures(horizon):
        built.append(horizon)
        return {"horizon": horizon}

    def warmer():
        figures(90)
        done.set()

    data.warm(warmer)
    monkeypatch.setenv(data.WARM_ENV, "0")
    figures(30)
    assert not done.wait(0.3) and built == [30]  # off unless asked for
    monkeypatch.setenv(data.WARM_ENV, "1")
    figures(30)  # the first read with warming on starts it, in the background
    assert done.wait(10) and built == [30, 90]
    assert figures(90) == {"horizon": 90} and built == [30, 90]  # the visitor finds it built
    figures(30)
    time.sleep(0.2)
    assert built == [30, 90]  # once per database version
