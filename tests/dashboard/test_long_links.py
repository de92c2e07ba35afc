"""Shared links stay short: filters that would make a long URL are stored on the server and the
link says ?view=ID; opening it reproduces the view, and a view that is gone says so."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def app(sample_db):
    from calmline.dashboard.app import Settings, create_app

    return create_app(Settings(db=sample_db))


def test_a_long_view_gets_a_short_link_that_reproduces_it(app, monkeypatch):
    from calmline.dashboard import filters

    monkeypatch.setattr(filters, "LONG_SEARCH", 40)
    ids = [filters.control_id(name) for name in filters.FIELDS]
    options = filters._options()
    picked = {"teams": [o["value"] for o in options["teams"]], "channels": [o["value"] for o in options["channels"]],
              "anger": ["4", "5"], "start": "2025-03"}
    values = [picked.get(i["name"]) for i in ids]
    search, _, chosen, _ = filters.follow_noting({"type": "filter", "name": "teams"}, "?horizon=30", values, ids)
    assert search.startswith("?view=") and len(search) < 60 and "horizon=30" in search
    assert len(filters.to_search(picked)) > 150
    _, shown, again, note = filters.follow_noting("url", search, [None] * len(ids), ids)
    assert again == chosen == picked and note is None
    assert shown == values, "the controls show the stored view"
    assert filters.narrow(search, anger="5").startswith("?view=")


def test_a_view_that_is_not_found_says_so_and_shows_everything(app):
    from calmline.dashboard import filters

    ids = [filters.control_id(name) for name in filters.FIELDS]
    _, shown, chosen, note = filters.follow_noting("url", "?view=0123456789ab", [None] * len(ids), ids)
    assert chosen == {} and shown == [None] * len(ids) and "not found" in str(note)
    assert filters.follow_noting("url", "?view=../../etc/passwd", [None] * len(ids), ids)[2] == {}
