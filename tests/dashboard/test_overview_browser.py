"""In a real headless Chromium: the overview shows, without any filter chosen, what changed since
the month before, by rate and with its direction (#11.2), and follows a chosen period."""

from __future__ import annotations


def _month(db, month: str) -> tuple[int, int]:
    """Upset calls of ``month`` whose 90-day window has closed, and of those the churned: counted
    here from call_facts, independently of the page's marts."""
    from tests.conftest import query

    return query(db, """
        WITH closed AS (
            SELECT c.* FROM call_facts c, etl_state s
            WHERE c.is_upset AND strftime(c.call_month, '%Y-%m') = $m AND c.call_date + 90 <= s.as_of
              AND (c.churned_at IS NULL OR c.churned_at >= c.call_date))
        SELECT count(*) FILTER (churned_at <= call_date + 90), count(*) FROM closed""", {"m": month})[0]


def test_the_overview_compares_the_latest_closed_month_with_the_one_before(dash_duo, app, fitted_sample_db):
    from calmline.dashboard import formats

    dash_duo.start_server(app)
    dash_duo.wait_for_page(url=dash_duo.server_url + "/", timeout=20)
    dash_duo.wait_for_contains_text("#overview-comparison", "vs the month before", timeout=30)
    panel = dash_duo.find_element("#overview-comparison").text
    assert "What changed: Sep 2025" in panel
    (sep_k, sep_n), (aug_k, aug_n) = _month(fitted_sample_db, "2025-09"), _month(fitted_sample_db, "2025-08")
    assert formats.rate_of(sep_k, sep_n, "upset calls") in panel
    assert "Aug 2025: " + formats.rate_of(aug_k, aug_n, "upset calls") in panel
    change = formats.points(sep_k / sep_n - aug_k / aug_n).replace("pp", "points")
    assert f"Change {change}" in panel
    assert "vs a year earlier" in panel and "the data has no calls in Sep 2024" in panel
    dash_duo.wait_for_contains_text("#overview-early-signal", "Dec 2025 (90-day windows still open)", timeout=20)
    assert "customers" in dash_duo.find_element("#overview-headline").text

    dash_duo.wait_for_page(url=dash_duo.server_url + "/?start=2025-07&end=2025-07", timeout=20)
    dash_duo.wait_for_contains_text("#overview-comparison", "What changed: Jul 2025", timeout=30)
    assert "Jun 2025" in dash_duo.find_element("#overview-comparison").text
    assert dash_duo.get_logs() == []
