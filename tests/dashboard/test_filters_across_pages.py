"""The global filters are either applied or plainly said not to be (issue #11.4), and they travel
with the navigation from page to page (issue #11.13)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def app(sample_db):
    from calmline.dashboard.app import Settings, create_app

    return create_app(Settings(db=sample_db))


def _find(component, wanted):
    """Every component of a layout for which ``wanted(component)`` holds."""
    found = [component] if wanted(component) else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children] if children is not None else []:
        if hasattr(child, "to_plotly_json"):
            found += _find(child, wanted)
    return found


def _notices(layout):
    from calmline.dashboard import filters

    return _find(layout, lambda c: isinstance(getattr(c, "id", None), dict)
                 and c.id.get("type") == filters.NOT_APPLIED)


@pytest.mark.parametrize("page", ["training", "explorer", "health"])  # impact: test_impact_notice.py
def test_pages_that_ignore_the_filters_say_so_and_name_the_ones_set(app, page):
    """Before: ``/impact?teams=leeds-1&anger=5`` showed the centre-wide forest plot with the filters
    on screen and no word that they were not applied."""
    import importlib

    from calmline.dashboard import filters

    module = importlib.import_module(f"calmline.dashboard.pages.{page}")
    [notice] = _notices(module.layout())
    assert "not applied on this page" in str(notice.children)
    shown = str(filters.not_applied_text(notice.id["scope"], {"teams": ["leeds-1"], "anger": ["5"]}))
    assert "Team: leeds-1; Anger level: 5" in shown and "not applied" in shown and "Overview" in shown


def test_the_overview_applies_the_filters_and_shows_no_such_notice(app):
    from calmline.dashboard.pages import overview

    assert _notices(overview.layout()) == []


def test_navigation_links_carry_the_filters_and_horizon_but_not_a_page_s_own_state(app):
    """Before: the navigation's links were bare paths, so /impact?teams=leeds-1 -> Overview lost the team."""
    from calmline.dashboard import app as app_module
    from calmline.dashboard import filters

    with app.server.test_request_context("/"):
        frame = app_module.layout()
    links = _find(frame, lambda c: isinstance(getattr(c, "id", None), dict) and c.id.get("type") == filters.NAV)
    paths = [link.id["path"] for link in links]
    assert paths == ["/", "/impact", "/training", "/explorer", "/health"]
    hrefs, active = filters.nav_links("/impact", "?teams=leeds-1&anger=5&horizon=30&team=x&saved=abc",
                                      [link.id for link in links])
    assert hrefs[0] == "/?teams=leeds-1&anger=5&horizon=30"
    assert hrefs[3] == "/explorer?teams=leeds-1&anger=5&horizon=30"
    assert active == [False, True, False, False, False]
    assert filters.nav_links("/", "?view=0123456789ab", [{"path": "/health"}]) == (
        ["/health?view=0123456789ab"], [False])
    assert filters.nav_links("/", "", [{"path": "/"}]) == (["/"], [True])


def test_a_change_of_a_page_s_own_url_state_does_not_redraw_the_filtered_pages(app, monkeypatch):
    """The store the pages listen to changes only when the filters do (a drill-down in the URL must
    not re-run the overview's queries)."""
    from types import SimpleNamespace

    from dash import no_update

    from calmline.dashboard import filters

    ids = [filters.control_id(name) for name in filters.FIELDS]
    monkeypatch.setattr(filters, "ctx", SimpleNamespace(triggered_id="url"))
    assert filters.sync("?teams=leeds-1&team=leeds-1", [None] * len(ids), ids, {"teams": ["leeds-1"]})[2] \
        is no_update
    assert filters.sync("?teams=leeds-1", [None] * len(ids), ids, {})[2] == {"teams": ["leeds-1"]}


def test_a_drill_down_is_written_to_the_url_and_read_back_from_it():
    """The overview's team -> agent drill-down lives in the URL: choosing a team drops the agent below
    it, restoring a team from the URL keeps it, and the URL selects the row once the grid holds it."""
    from dash import no_update

    from calmline.dashboard import filters

    assert filters.drilled_search("?anger=5&team=a&agent=x", "team", "b", ("agent",)) == "?anger=5&team=b"
    assert filters.drilled_search("?anger=5&team=a&agent=x", "team", "a", ("agent",)) is None
    assert filters.drilled_search("", "agent", "x") == "?agent=x"
    rows = [{"team": "a", "n": 1}, {"team": "b", "n": 2}]
    assert filters.drill_from_url("?team=b", "team", "team", rows, None) == [rows[1]]
    assert filters.drill_from_url("?team=b", "team", "team", rows, [rows[1]]) is no_update
    assert filters.drill_from_url("?team=c", "team", "team", rows, None) is no_update, "not (yet) in the grid"
    assert filters.drill_from_url("", "team", "team", rows, [rows[0]]) == [], "back to no team"
