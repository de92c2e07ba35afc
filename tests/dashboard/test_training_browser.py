"""In a real headless Chromium: the coaching queue's link opens an agent's upset calls, with a clean
console (the Training page's own browser check; the page list in test_browser covers rendering)."""

from __future__ import annotations


def test_the_coaching_queue_links_to_an_agents_upset_calls(dash_duo, app):
    dash_duo.start_server(app)
    dash_duo.wait_for_page(url=dash_duo.server_url + "/training", timeout=30)
    link = dash_duo.wait_for_element('#training-queue .ag-row[row-index="0"] [col-id="upset_calls_link"] a',
                                     timeout=60)
    agent = dash_duo.find_element('#training-queue .ag-row[row-index="0"] [col-id="agent_id"]').text
    assert "upset calls" in link.text and "agent=" in link.get_attribute("href")
    # the page keeps growing as its figures render, so a pointer click can land beside the moving link:
    # click it as the browser does (its href, same tab)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", link)
    dash_duo.wait_for_contains_text("#training-agent-calls-title", f"Upset calls of agent {agent}", timeout=60)
    dash_duo.wait_for_element('#training-agent-calls .ag-row[row-index="0"]', timeout=30)
    assert f"agent={agent}" in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []
