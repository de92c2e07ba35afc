"""In a real headless Chromium: Practice impact with filters in the URL offers the estimate for the
filter, pressing the button fills the table beside the centre-wide run, and its CSV export holds
the numbers the grid shows; the console stays clean."""

from __future__ import annotations

import csv
import time
from pathlib import Path


def test_pressing_the_button_estimates_the_filter_and_the_csv_matches_the_grid(dash_duo, app):
    from calmline.dashboard import filtered_estimates, formats
    from calmline.dashboard.pages import impact

    filtered_estimates._cache.clear()  # estimated by another test in this process: the button would not show
    dash_duo.start_server(app)
    dash_duo.wait_for_page(url=dash_duo.server_url + "/impact?channels=email&start=2025-03", timeout=30)
    dash_duo.wait_for_contains_text(f"#{impact.FILTER_STATUS}", impact.FILTER_BUTTON_TEXT, timeout=30)
    button = dash_duo.find_element(f"#{impact.FILTER_BUTTON}")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();",
                                   button)
    row = f"#{impact.FILTER_GRID} .ag-center-cols-container .ag-row[row-index='0']"
    dash_duo.wait_for_element(row, timeout=120)
    dash_duo.wait_for_contains_text(f"#{impact.FILTER_RESULT}", "Centre-wide: model run", timeout=30)
    shown = [e.text for e in dash_duo.find_elements(
        f"#{impact.FILTER_GRID} .ag-center-cols-container .ag-row[row-index='0'] .ag-cell")]
    export = dash_duo.find_element(f"#{impact.FILTER_GRID}-export")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();",
                                   export)
    target = Path(dash_duo.download_path) / "practice-impact-for-filter.csv"
    deadline = time.monotonic() + 20
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    rows = list(csv.DictReader(target.read_text(encoding="utf-8-sig").splitlines()))
    first = rows[0]
    for side in ("filter", "centre"):  # the first row's numbers, as the grid shows them
        value, low, high = (float(first[f"{side}_{c}_pp"]) for c in ("estimate", "ci_low", "ci_high"))
        assert formats.points(value / 100) in shown
        assert formats.interval_points(low / 100, high / 100) in shown
        assert f"{int(first[f'{side}_n_calls']):,}" in shown
    # the server's own rows (its answer is cached in this process): every one exported, the same text
    expected = impact.filtered_view({"channels": ["email"], "start": "2025-03"}, None, run_now=False)[3]
    assert len(expected) > 0 and len(rows) == len(expected)
    for got, want in zip(rows, expected):
        assert got["practice"] == want["practice"] and got["method"] == want["method"]
        for column in ("filter_estimate_pp", "filter_ci_low_pp", "filter_ci_high_pp", "centre_estimate_pp",
                       "centre_ci_low_pp", "centre_ci_high_pp"):
            assert (float(got[column]) if got[column] else None) == want[column], column
    assert dash_duo.get_logs() == []
