"""In a real headless Chromium, one server for three journeys of issue #11: a model page says plainly
that it does not apply the filters set (4); the filters, and the overview's drill-down, survive going
to another page and back through the navigation (13); an analyst saves a query and shares its link,
which a second analyst opens, runs and copies (analyst section). The console stays clean throughout."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.wait import WebDriverWait

PASSWORD = "calm-line-test"
USERS = {"ana": "analyst", "bo": "analyst"}
SQL = "SELECT team, count(*) AS upset_calls FROM call_facts WHERE is_upset GROUP BY team ORDER BY team"


@pytest.fixture
def signed_in_app(fitted_sample_db, tmp_path):
    from werkzeug.security import generate_password_hash

    from calmline.dashboard.access import read_users
    from calmline.dashboard.app import Settings, create_app

    users = tmp_path / "users.toml"
    users.write_text("".join(f'[users.{name}]\npassword_hash = "{generate_password_hash(PASSWORD)}"\n'
                             f'roles = ["{role}"]\n\n' for name, role in USERS.items()), encoding="utf-8")
    return create_app(Settings(db=fitted_sample_db, users=read_users(users), user_library=tmp_path / "lib.sqlite"))


def _wait(dash_duo, condition, message: str, timeout: float = 20):
    return WebDriverWait(dash_duo.driver, timeout).until(lambda _driver: condition(), message)


def _click(dash_duo, selector: str) -> None:
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
                                   element)
    element.click()


def _grid_rows(dash_duo, grid: str) -> list[dict] | None:
    return dash_duo.driver.execute_script(
        "let api; try { api = window.dash_ag_grid && dash_ag_grid.getApi(arguments[0]); } catch (e) { return null; }"
        "if (!api) return null;"
        "const rows = []; api.forEachNodeAfterFilterAndSort(n => rows.push(n.data)); return rows;", grid)


def _sign_in(dash_duo, origin: str, user: str, path: str) -> None:
    """Open ``path`` signed in as ``user``: basic auth's name and password in a first address;
    Chromium sends them with every later request to that origin."""
    dash_duo.driver.get(origin.replace("http://", f"http://{user}:{PASSWORD}@") + "/")
    dash_duo.driver.get(origin + path)  # the page's own requests may not come from an address with credentials
    dash_duo.wait_for_element("#_pages_content", timeout=20)


def _console_is_clean(dash_duo) -> None:
    logs = dash_duo.get_logs()
    assert logs == [], [entry["message"][:600] for entry in logs]


def _query(url: str) -> dict:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(url).query)


def test_filter_notice_filters_and_drill_down_across_pages_and_a_shared_query(dash_duo, signed_in_app,
                                                                             fitted_sample_db):
    from tests.conftest import query

    dash_duo.server(signed_in_app)
    origin = dash_duo.server.url.rstrip("/")  # http://localhost:PORT; the second user comes by 127.0.0.1

    # 1. A model page names the filters it does not apply (#11.4).
    _sign_in(dash_duo, origin, "ana", "/impact?teams=leeds-1&anger=5")
    dash_duo.wait_for_contains_text("#_pages_content", "Centre-wide model results", timeout=20)
    _wait(dash_duo, lambda: "Team: leeds-1; Anger level: 5" in dash_duo.find_element("#_pages_content").text,
          "the notice does not name the filters set")
    # Practice impact's stored estimates are centre-wide; its button re-estimates for the filters (#12)
    assert "not for the filters set above" in dash_duo.find_element("#_pages_content").text

    # 2. The navigation carries the filters (#11.13): Overview shows leeds-1 only.
    _click(dash_duo, ".navbar a.nav-link[href^='/?']")
    _wait(dash_duo, lambda: _query(dash_duo.driver.current_url) == {"teams": ["leeds-1"], "anger": ["5"]},
          "the filters did not travel to the overview")
    _wait(dash_duo, lambda: [r["team"] for r in _grid_rows(dash_duo, "overview-teams") or []] == ["leeds-1"],
          "the overview is not filtered to leeds-1")

    # ... and the drill-down is in the URL: pick the team, then an agent; go away and come back.
    _click(dash_duo, "#overview-teams .ag-row[row-index='0'] .ag-cell[col-id='team']")
    dash_duo.wait_for_text_to_equal("#overview-agents-title", "Agents of leeds-1", timeout=20)
    _wait(dash_duo, lambda: _query(dash_duo.driver.current_url).get("team") == ["leeds-1"], "team not in the URL")
    _wait(dash_duo, lambda: _grid_rows(dash_duo, "overview-agents"), "no agents listed")
    _click(dash_duo, "#overview-agents .ag-row[row-index='0'] .ag-cell[col-id='agent_id']")
    agent = _wait(dash_duo, lambda: (_query(dash_duo.driver.current_url).get("agent") or [None])[0],
                  "agent not in the URL")
    dash_duo.wait_for_text_to_equal("#overview-calls-title", f"Upset calls of {agent}", timeout=20)
    _click(dash_duo, ".navbar a.nav-link[href^='/health']")
    dash_duo.wait_for_element("#health-batches", timeout=20)
    assert _query(dash_duo.driver.current_url) == {"teams": ["leeds-1"], "anger": ["5"]}
    _wait(dash_duo, lambda: "Team: leeds-1; Anger level: 5" in dash_duo.find_element("#_pages_content").text,
          "a page reached through the navigation does not name the filters it ignores")
    dash_duo.driver.back()
    dash_duo.wait_for_text_to_equal("#overview-calls-title", f"Upset calls of {agent}", timeout=20)
    assert dash_duo.find_element("#overview-agents-title").text == "Agents of leeds-1"
    _console_is_clean(dash_duo)

    # 3. Ana runs a query, saves it with a title and takes its link.
    _click(dash_duo, ".navbar a.nav-link[href^='/explorer']")
    dash_duo.wait_for_element("#explorer-sql", timeout=20)
    dash_duo.find_element("#explorer-sql").send_keys(SQL)
    _click(dash_duo, "#explorer-run-sql")
    dash_duo.wait_for_contains_text("#explorer-status", "7 rows in", timeout=30)
    title = "Upset calls by team <b>all</b>"
    dash_duo.find_element("#explorer-title").send_keys(title)
    _click(dash_duo, "#explorer-save")
    dash_duo.wait_for_contains_text("#explorer-save-note", "Saved to your library", timeout=20)
    link = dash_duo.find_element("#explorer-share-link-saved").get_attribute("value")
    assert "/explorer?q=" in link
    dash_duo.wait_for_contains_text("#explorer-mine", title, timeout=20)
    _console_is_clean(dash_duo)

    # 4. Bo opens the link (another origin: the browser signs in afresh), runs it and keeps a copy.
    other = origin.replace("localhost", "127.0.0.1")
    _sign_in(dash_duo, other, "bo", "/explorer?q=" + link.split("?q=")[1])
    dash_duo.wait_for_contains_text("#explorer-opened", "shared by ana", timeout=20)
    assert title in dash_duo.find_element("#explorer-opened").text, "the title is shown as typed, as text"
    assert dash_duo.driver.execute_script("return document.querySelectorAll('#explorer-opened b b').length") == 0
    assert dash_duo.find_element("#explorer-sql").get_attribute("value") == SQL
    assert not dash_duo.find_element("#explorer-delete").is_displayed(), "not bo's to delete"
    _click(dash_duo, "#explorer-run-sql")
    dash_duo.wait_for_contains_text("#explorer-status", "7 rows in", timeout=30)
    expected = [{"team": t, "upset_calls": n} for t, n in query(fitted_sample_db,
                "SELECT team, count(*) FROM call_facts WHERE is_upset GROUP BY team ORDER BY team")]
    assert _wait(dash_duo, lambda: _grid_rows(dash_duo, "explorer-result"), "no rows") == expected
    _click(dash_duo, "#explorer-save")
    dash_duo.wait_for_contains_text("#explorer-save-note", "Saved to your library", timeout=20)
    copy = dash_duo.find_element("#explorer-share-link-saved").get_attribute("value")
    assert copy.split("?q=")[1] != link.split("?q=")[1], "bo's copy is an entry of bo's own"
    dash_duo.wait_for_contains_text("#explorer-mine", title, timeout=20)
    _console_is_clean(dash_duo)
