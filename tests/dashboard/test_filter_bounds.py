"""Filter values are bounded: only values the data offers, at most MAX_VALUES per filter, reach a
query or the data cache; a link with values that are not found says so; the data cache is bounded
by memory, not by entries."""

from __future__ import annotations

import time

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def app(sample_db):
    from calmline.dashboard.app import Settings, create_app

    return create_app(Settings(db=sample_db))


def test_a_huge_filter_list_is_cut_to_known_values_quickly_and_caches_nothing_big(app):
    from calmline.dashboard import data, filters
    from calmline.dashboard.pages import overview

    huge = {"teams": ["leeds-1"] + [f"team-{i}" for i in range(200_000)], "anger": ["5"] * 10 + ["x"]}
    started = time.perf_counter()
    kept, dropped = filters.bound(huge)
    assert kept == {"teams": ["leeds-1"], "anger": ["5"]} and "x" in dropped["anger"]
    cards, _, _, teams, *_ = overview.update(huge)
    assert time.perf_counter() - started < 10
    assert [t["team"] for t in teams] == ["leeds-1"]
    params = filters.params(huge)
    assert params["teams"] == ["leeds-1"]
    assert params["anger"] == [5]
    longest = max(len(repr(key)) for key in data._frames._frames)
    assert longest < 20_000, "a cache key holds only known values"


def test_unknown_values_are_dropped_and_a_stale_link_says_which(app):
    from calmline.dashboard import filters

    ids = [filters.control_id(name) for name in filters.FIELDS]
    search, values, chosen, note = filters.follow_noting(
        "url", "?teams=leeds-1&teams=gone-team&channels=pigeon&anger=5&anger=9", [None] * len(ids), ids)
    assert chosen == {"teams": ["leeds-1"], "anger": ["5"]}
    text = str(note)
    assert "gone-team" in text and "pigeon" in text and "9" in text and "leeds-1" not in text
    assert filters.follow_noting("url", "?teams=leeds-1", [None] * len(ids), ids)[3] is None
    many = filters.bound({"teams": [str(i) for i in range(5000)]})[1]["teams"]
    assert len(str(filters.notice({"teams": many}))) < 2000, "the notice stays short"


def test_the_data_cache_is_bounded_by_memory_and_keeps_the_recently_used():
    from calmline.dashboard.data import FrameCache

    cache = FrameCache(budget=2_000_000)
    made = []

    def make(i):
        made.append(i)
        return pd.DataFrame({"text": [f"row {i} {j}" * 3 for j in range(5_000)]})  # about 0.5 MB deep

    for i in range(20):
        cache.get(("k", i), lambda i=i: make(i))
        cache.get(("k", 0), lambda: make(0))  # 0 stays the most recently used
    assert cache.bytes <= 2_000_000 and 1 < len(cache) < 20
    assert made.count(0) == 1, "the recently used frame was kept"
    cache.get(("k", 1), lambda: make(1))
    assert made.count(1) == 2, "the least recently used went first"
    huge = cache.get(("huge",), lambda: pd.DataFrame({"x": ["y" * 100] * 100_000}))
    assert len(huge) == 100_000 and ("huge",) not in cache._frames


def test_a_stale_link_names_every_value_not_found_months_outside_the_data_included(app):
    """Issue #11.10: ``/?teams=oldname&anger=9&start=2030-01`` showed the whole centre without a word
    (the month was kept and silently emptied or ignored). Every value not in the data is left out and
    named, and a month outside the data says which months the data covers."""
    from calmline.dashboard import filters

    months = sorted(o["value"] for o in filters._options()["start"])
    ids = [filters.control_id(name) for name in filters.FIELDS]
    _, shown, chosen, note = filters.follow_noting(
        "url", "?teams=oldname&anger=9&start=2030-01&end=1999-12", [None] * len(ids), ids)
    assert chosen == {} and shown == [None] * len(ids), "nothing unknown reaches the queries"
    text = str(note)
    for named in ("Team: oldname", "Anger level: 9", "From month: 2030-01", "To month: 1999-12",
                  f"the data covers {months[0]} to {months[-1]}"):
        assert named in text, named
    inside = filters.follow_noting("url", f"?start={months[1]}&end={months[-2]}", [None] * len(ids), ids)
    assert inside[2] == {"start": months[1], "end": months[-2]} and inside[3] is None
