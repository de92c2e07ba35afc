"""In a real headless Chromium: the overview shows, without any filter chosen, what changed since
the month before, by rate and with its direction (#11.2), and follows a chosen period."""

from __future__ import annotations


def test_the_overview_compares_the_latest_closed_month_with_the_one_before(dash_duo, app):
    dash_duo.start_server(app)
    dash_duo.wait_for_page(url=dash_duo.server_url + "/", timeout=20)
    dash_duo.wait_for_contains_text("#overview-comparison", "vs the month before", timeout=30)
    panel = dash_duo.find_element("#overview-comparison").text
    assert "What changed: Sep 2025" in panel
    assert "14.8% (77 of 519 upset calls)" in panel and "Aug 2025: 14.4% (83 of 576 upset calls)" in panel
    assert "+0.4 points" in panel and "no clear change" in panel
    assert "vs a year earlier" in panel and "the data has no calls in Sep 2024" in panel
    dash_duo.wait_for_contains_text("#overview-early-signal", "Dec 2025 (90-day windows still open)", timeout=20)
    assert "customers" in dash_duo.find_element("#overview-headline").text

    dash_duo.wait_for_page(url=dash_duo.server_url + "/?start=2025-07&end=2025-07", timeout=20)
    dash_duo.wait_for_contains_text("#overview-comparison", "What changed: Jul 2025", timeout=30)
    assert "Jun 2025" in dash_duo.find_element("#overview-comparison").text
    assert dash_duo.get_logs() == []
