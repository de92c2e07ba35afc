"""In a real headless Chromium: every page renders with a clean console, a filter change updates
the figures, a drill-down works, and a table exports its rows as CSV."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, run_cli

PAGES = {"/": "overview-teams", "/impact": "impact-forest", "/training": "training-priorities",
         "/explorer": "_pages_content", "/health": "health-batches"}


@pytest.fixture(scope="module")
def fitted_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "calmline.duckdb"
    assert run_cli("etl", "--source", str(ROOT / "sample_data"), "--db", str(db)).returncode == 0
    assert run_cli("fit", "--db", str(db)).returncode == 0
    return db


@pytest.fixture
def app(fitted_db):
    from dashboard.app import Settings, create_app

    return create_app(Settings(db=fitted_db))


def test_every_page_renders_without_console_errors(dash_duo, app):
    dash_duo.start_server(app)
    for path, element in PAGES.items():
        dash_duo.wait_for_page(url=dash_duo.server_url + path, timeout=20)
        dash_duo.wait_for_element(f"#{element}", timeout=20)
        assert dash_duo.get_logs() == [], path


def test_a_filter_in_the_url_filters_the_overview(dash_duo, app):
    dash_duo.start_server(app)
    dash_duo.wait_for_page(url=dash_duo.server_url + "/?teams=leeds-1", timeout=20)
    dash_duo.wait_for_text_to_equal("#overview-teams .ag-row[row-index='0'] .ag-cell[col-id='team']",
                                    "leeds-1", timeout=20)
    assert len(dash_duo.find_elements("#overview-teams .ag-center-cols-container .ag-row")) == 1
    assert dash_duo.get_logs() == []


def test_clicking_a_team_lists_its_agents(dash_duo, app):
    dash_duo.start_server(app)
    dash_duo.wait_for_page(url=dash_duo.server_url + "/", timeout=20)
    cell = "#overview-teams .ag-row[row-index='0'] .ag-cell[col-id='team']"
    dash_duo.wait_for_element(cell, timeout=20)
    element = dash_duo.find_element(cell)
    team = element.text
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()
    dash_duo.wait_for_text_to_equal("#overview-agents-title", f"Agents of {team}", timeout=20)
    assert dash_duo.get_logs() == []


def test_a_table_exports_all_its_rows_as_csv(dash_duo, app):
    import csv
    import time
    from pathlib import Path

    dash_duo.start_server(app)
    dash_duo.wait_for_page(url=dash_duo.server_url + "/health", timeout=20)
    dash_duo.wait_for_element("#health-rejected .ag-row", timeout=20)
    button = dash_duo.find_element("#health-rejected-export")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();",
                                   button)
    target = Path(dash_duo.download_path) / "health-rejected.csv"
    deadline = time.monotonic() + 20
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    rows = list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 1 + 25, "every rejected row, not only the visible ones"
    assert "rule" in [c.lower() for c in rows[0]]
