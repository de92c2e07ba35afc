"""The explorer's schema (#12, Pages): a worker's first schema load waited ~1 s (1.2-13 s in session
11's load tests) for a sandbox process to start. The schema's rows are now read in the worker on
a snapshot cursor, the same rows the sandbox gives, without starting a query process; warming
(CALMLINE_WARM=1) still reads them first, in the background, and leaves no sandbox open."""

from __future__ import annotations

import threading

import pandas as pd


def test_the_schema_read_in_the_worker_is_the_sandboxs(sample_db):
    from calmline.dashboard import data, explorer_threads
    from calmline.dashboard.app import Settings, create_app
    from calmline.explorer.sandbox import Limits, Sandbox

    app = create_app(Settings(db=sample_db))
    data.clear_caches()
    with Sandbox(sample_db, Limits()) as box:
        want = box.schema()
    with app.server.test_request_context("/"):
        got = explorer_threads.schema()
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert len(want) > 100 and "data_dictionary" in set(want["table"])


def test_the_schema_opens_no_sandbox_and_warming_leaves_none_open(sample_db, monkeypatch):
    from calmline.dashboard import data, explorer_threads
    from calmline.dashboard.app import Settings, create_app

    app = create_app(Settings(db=sample_db))
    from calmline.dashboard.pages import explorer
    data.clear_caches()
    opened = []

    class Sandbox:  # stands in for the sandbox process (starting one takes about a second)
        def __init__(self, db, *args, **kwargs):
            opened.append(db)

    monkeypatch.setattr(explorer_threads, "QueryProcess", Sandbox)
    before = set(explorer_threads._ExplorerThread.running)
    with app.server.app_context():
        worker = threading.Thread(target=explorer._warm)  # as data.warm runs it: its own thread
        worker.start()
        worker.join(60)
        assert not [t for t in explorer_threads._ExplorerThread.running if t not in before and t.is_alive()]
        with app.server.test_request_context("/"):
            rows = explorer.show_schema(explorer.SCHEMA)
        data.clear_caches()
        with app.server.test_request_context("/"):  # not warmed: the first request reads them itself
            again = explorer.show_schema(explorer.SCHEMA)
    assert opened == []
    assert rows == again
    assert any(r["table"] == "calls" and r["column"] == "call_id" for r in rows)
    data.clear_caches()


def test_the_schema_is_warmed_before_the_figures(sample_db):
    """A worker's warming reads the explorer's schema first, not after seconds of report and
    model-page figures: session 11's load tests saw the first schema request of a run wait 1.2-13 s
    behind them."""
    from calmline.dashboard import data
    from calmline.dashboard.app import Settings, create_app

    create_app(Settings(db=sample_db))
    from calmline.dashboard.pages import explorer

    assert data._warmers[0] is explorer._warm
    assert len(data._warmers) > 1  # the figures' builds come after it
