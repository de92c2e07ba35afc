"""Warming (CALMLINE_WARM=1) reads the explorer's schema in the background (#12, Pages: a worker's
first schema load waited ~1 s for its sandbox process), then closes the sandbox it opened; an
analyst's first visit then gets the rows without opening one."""

from __future__ import annotations

import threading

import pandas as pd


def test_warming_reads_the_schema_and_leaves_no_sandbox_open(sample_db, monkeypatch):
    from calmline.dashboard import data, explorer_threads
    from calmline.dashboard.app import Settings, create_app

    app = create_app(Settings(db=sample_db))
    from calmline.dashboard.pages import explorer
    data.clear_caches()
    opened, closed = [], []

    class Sandbox:  # stands in for the sandbox process (starting one takes about a second)
        def __init__(self, db, *args, **kwargs):
            opened.append(db)

        def schema(self):
            return pd.DataFrame({"table": ["calls"], "kind": ["table"], "column": ["call_id"]})

        def close(self):
            closed.append(True)

    monkeypatch.setattr(explorer_threads, "QueryProcess", Sandbox)
    before = set(explorer_threads._ExplorerThread.running)
    with app.server.app_context():
        worker = threading.Thread(target=explorer._warm)  # as data.warm runs it: its own thread
        worker.start()
        worker.join(60)
        assert len(opened) == 1 and closed == [True]
        assert not [t for t in explorer_threads._ExplorerThread.running if t not in before and t.is_alive()]
        with app.server.test_request_context("/"):
            rows = explorer.show_schema(explorer.SCHEMA)
    assert len(opened) == 1 and rows == [{"table": "calls", "kind": "table", "column": "call_id"}]
    data.clear_caches()


def test_the_schema_is_warmed_before_the_figures(sample_db):
    """A worker's warming reads the explorer's schema first (it mostly waits on the sandbox's own
    process), not after seconds of report and model-page figures: session 11's load tests saw the
    first schema request of a run wait 1.2-13 s behind them."""
    from calmline.dashboard import data
    from calmline.dashboard.app import Settings, create_app

    create_app(Settings(db=sample_db))
    from calmline.dashboard.pages import explorer

    assert data._warmers[0] is explorer._warm
    assert len(data._warmers) > 1  # the figures' builds come after it
