"""In a real headless Chromium: every page renders with a clean console, a filter change updates
the figures, a drill-down works, and a table exports its rows as CSV."""

from __future__ import annotations


PAGES = {"/": "overview-teams", "/impact": "impact-forest", "/training": "training-priorities",
         "/explorer": "_pages_content", "/health": "health-batches"}


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
    _wait(lambda: _team_rows(dash_duo) == 7)  # the grid has settled
    element = dash_duo.find_element(cell)
    team = element.text
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();",
                                   element)
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


CLICK_ON_BAR = """
// A pointer moving onto the bar and clicking it. Plotly listens on its drag layer, which lies
// over the bars, and finds the point under the pointer as it moves.
const bar = arguments[0].getBoundingClientRect(), layer = arguments[1];
const at = {clientX: bar.x + bar.width / 2, clientY: bar.y + bar.height / 2, bubbles: true,
            cancelable: true, view: window};
for (const type of ["mousemove", "mousedown", "mouseup", "click"]) {
    layer.dispatchEvent(new MouseEvent(type, {...at, buttons: type === "mousedown" ? 1 : 0}));
}
"""


def _team_rows(dash_duo) -> int:
    return len(dash_duo.find_elements("#overview-teams .ag-center-cols-container .ag-row"))


def _wait(condition, timeout: float = 20) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_clicking_a_bar_filters_and_back_and_forward_restore_the_views(dash_duo, app):
    dash_duo.start_server(app)
    dash_duo.wait_for_page(url=dash_duo.server_url + "/", timeout=20)
    dash_duo.wait_for_element("#overview-team-bars .bars .point path", timeout=20)
    _wait(lambda: _team_rows(dash_duo) == 7)
    bar = dash_duo.find_elements("#overview-team-bars .bars .point path")[0]
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", bar)
    dash_duo.driver.execute_script(CLICK_ON_BAR, bar, dash_duo.find_element("#overview-team-bars .nsewdrag"))
    _wait(lambda: "teams=" in dash_duo.driver.current_url)
    team = dash_duo.driver.current_url.split("teams=")[1].split("&")[0]
    _wait(lambda: _team_rows(dash_duo) == 1)
    dash_duo.wait_for_text_to_equal("#overview-teams .ag-row[row-index='0'] .ag-cell[col-id='team']",
                                    team, timeout=20)
    dash_duo.driver.back()
    _wait(lambda: "teams=" not in dash_duo.driver.current_url and _team_rows(dash_duo) == 7)
    dash_duo.driver.forward()
    _wait(lambda: f"teams={team}" in dash_duo.driver.current_url and _team_rows(dash_duo) == 1)
    assert dash_duo.get_logs() == []
