"""The report routes keep each report per database version, page, model run shown and filters (#12, "Pages"):
asked again, the same report is served without being made again, stamped with the time of the
request; other filters, another page or a new database version make their own."""

from __future__ import annotations

import re

import pytest

STAMP = re.compile(r"<small>Made (\d{4}-\d\d-\d\d \d\d:\d\d) UTC</small>")


@pytest.fixture
def made(app, monkeypatch):
    """The reports actually made (page, filters), with the route's cache empty to start with."""
    from calmline.dashboard import data, html_report

    data.clear_caches()
    calls = []
    original = html_report.report_for

    def counted(chosen, page="overview", horizon=None):
        calls.append((page, dict(chosen or {})))
        return original(chosen, page, horizon)

    monkeypatch.setattr(html_report, "report_for", counted)
    yield calls
    data.clear_caches()


def test_a_report_asked_again_is_served_from_the_cache_with_the_time_of_the_request(app, made, monkeypatch):
    from calmline.dashboard import report_page

    client = app.server.test_client()
    first = client.get("/report.html?anger=5").get_data(as_text=True)
    monkeypatch.setattr(report_page, "_stamp", lambda: "2031-01-02 03:04 UTC")
    again = client.get("/report.html?anger=5").get_data(as_text=True)
    assert made == [("overview", {"anger": ["5"]})]
    assert STAMP.search(again).group(1) == "2031-01-02 03:04"
    assert STAMP.sub("", again) == STAMP.sub("", first) and len(STAMP.findall(again)) == 1


def test_other_filters_another_page_or_a_new_database_make_their_own_report(app, monkeypatch):
    """Which reports are made, with report_for stubbed (the first test serves a real one)."""
    from calmline.dashboard import data, html_report, report_route

    data.clear_caches()
    made = []

    def fake(chosen, page="overview", horizon=None):
        made.append((page, dict(chosen or {})))
        return f"<small>Made 2020-01-01 00:00 UTC</small>{page} {chosen}"

    monkeypatch.setattr(html_report, "report_for", fake)
    client = app.server.test_client()
    for search in ("anger=5", "anger=4", "anger=4&page=impact", "anger=4&page=impact", "anger=4"):
        assert client.get(f"/report.html?{search}").status_code == 200
    assert made == [("overview", {"anger": ["5"]}), ("overview", {"anger": ["4"]}), ("impact", {"anger": ["4"]})]
    monkeypatch.setattr(report_route, "file_version", lambda db: ("a new load", 1))
    assert client.get("/report.html?anger=4").status_code == 200
    assert len(made) == 4 and made[-1] == ("overview", {"anger": ["4"]})
    data.clear_caches()


def test_warming_makes_the_unfiltered_reports_the_download_buttons_ask_for_first(app, monkeypatch):
    """With ``CALMLINE_WARM=1`` a worker makes the reports behind the buttons before any filter (the
    overview's; impact's and training's for the default and every fitted horizon) in the background,
    so the first download is served from the cache (report_for stubbed: only which reports are made
    is checked here, not their content)."""
    from calmline.dashboard import data, horizons, html_report, report_route

    data.clear_caches()
    made = []

    def fake(chosen, page="overview", horizon=None):
        made.append((page, horizon))
        return f"<small>Made 2020-01-01 00:00 UTC</small>{page} {horizon}"

    monkeypatch.setattr(html_report, "report_for", fake)
    with app.server.app_context():
        fitted = [int(h) for h in horizons.fitted_runs()["horizon_days"]]
        report_route._warm()
    assert fitted and made[0] == ("overview", None)
    # one report per model run shown: no horizon shows the default horizon's run, the same report
    # (tests/dashboard/test_report_stream.py), so it is made once
    default = int(horizons.run_of(None)["horizon_days"])
    assert sorted(made[1:], key=str) == sorted([(p, h) for h in (None, *(f for f in fitted if f != default))
                                                for p in ("impact", "training")], key=str)
    before = len(made)
    for horizon in fitted:
        answer = app.server.test_client().get(f"/report.html?page=training&horizon={horizon}")
        assert answer.get_data(as_text=True).endswith(f"training {None if horizon == default else horizon}")
    assert len(made) == before
    data.clear_caches()
