"""In a real headless Chromium (issue #17): from an agent's upset calls on Training priorities, a
call opens its page with the detected evidence highlighted, hostile transcript text shows as the
characters it is made of and runs nothing, and the console stays clean. Once on a tiny centre
built for it (hostile text), once on the fitted sample from the coaching queue on."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.common.exceptions import NoAlertPresentException

from tests.conftest import query
from tests.dashboard.transcript_centre import ATTACKS, build


@pytest.fixture(scope="module")
def centre_db(tmp_path_factory):
    return build(tmp_path_factory.mktemp("transcript_centre_browser"))


@pytest.fixture
def app(centre_db):
    from calmline.dashboard.app import Settings, create_app

    return create_app(Settings(db=centre_db, explorer=False))


def _no_alert(driver) -> bool:
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return alert is None


def test_an_agents_call_opens_its_transcript_with_the_evidence_highlighted(dash_duo, app):
    dash_duo.start_server(app)
    # what the coaching queue's link opens (the test below follows that link on the fitted sample)
    dash_duo.wait_for_page(url=dash_duo.server_url + "/training?agent=A1", timeout=30)
    link = dash_duo.wait_for_element('#training-agent-calls [col-id="call_link"] a[href$="/call?id=K1"]', timeout=60)
    assert link.text == "transcript (5 turns)"
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", link)

    dash_duo.wait_for_text_to_equal("#call-id", "K1", timeout=30)
    assert dash_duo.driver.current_url.endswith("/call?id=K1")
    handoff = dash_duo.wait_for_element('#call-turn-3 mark[data-practice="handoff"]', timeout=30)
    assert handoff.text == "transfer you" and handoff.get_attribute("title") == "Handoff (rule: handoff)"
    assert [m.text for m in dash_duo.find_elements('#call-turn-1 mark[data-practice="apologized"]')] == [
        "sorry", "SORRY"]

    # hostile text: shown as its characters, no element made from it, no script run
    shown = dash_duo.driver.execute_script(
        "return document.getElementById('call-transcript').textContent")
    for attack in ATTACKS:
        assert attack in shown
    assert dash_duo.driver.execute_script(
        "return document.querySelectorAll('#call-transcript script, #call-transcript img, #call-transcript a, "
        "#call-transcript b').length") == 0
    assert "<script>alert(1)</script>" in dash_duo.find_element("#call-turn-0").text  # visible, literally
    assert _no_alert(dash_duo.driver)

    # a practice's chip highlights its turns
    chip = dash_duo.find_element('[id*="call-practice-chip"][id*="apologized"]')
    dash_duo.driver.execute_script("arguments[0].click();", chip)
    dash_duo.wait_for_text_to_equal(".call-focus-note", "Highlighted: turn 1", timeout=10)
    assert "call-focused" in dash_duo.find_element("#call-turn-1").get_attribute("class")
    show = dash_duo.find_element('#call-how [id*="call-practice-chip"][id*="handoff"]')  # a how-it-was-done value
    dash_duo.driver.execute_script("arguments[0].click();", show)
    dash_duo.wait_for_text_to_equal(".call-focus-note", "Highlighted: turn 3", timeout=10)
    assert "call-focused" not in dash_duo.find_element("#call-turn-1").get_attribute("class")
    assert _no_alert(dash_duo.driver)
    assert dash_duo.get_logs() == []

    # a hostile id in the URL: a message showing it as text
    dash_duo.wait_for_page(url=dash_duo.server_url + "/call?id=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", timeout=30)
    dash_duo.wait_for_contains_text("#call-missing", "No such call: <img src=x onerror=alert(1)>", timeout=30)
    assert _no_alert(dash_duo.driver)
    assert dash_duo.get_logs() == []


@pytest.fixture
def sample_app(fitted_sample_db):
    """The app on the fitted sample (its upset calls have transcripts)."""
    from calmline.dashboard.app import Settings, create_app

    return create_app(Settings(db=fitted_sample_db))


def test_from_the_coaching_queue_to_a_calls_highlighted_transcript(dash_duo, sample_app, fitted_sample_db):
    """Training -> the first agent in the coaching queue -> one of their newest upset calls with
    evidence -> its transcript, every practice found in a turn highlighted (expected from the
    database, not hard-coded: the sample is regenerated from time to time)."""
    dash_duo.start_server(sample_app)
    dash_duo.wait_for_page(url=dash_duo.server_url + "/training", timeout=30)
    queue = '#training-queue .ag-row[row-index="0"]'
    link = dash_duo.wait_for_element(f'{queue} [col-id="upset_calls_link"] a', timeout=60)
    agent = dash_duo.find_element(f'{queue} [col-id="agent_id"]').text
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", link)
    dash_duo.wait_for_contains_text("#training-agent-calls-title", f"Upset calls of agent {agent}", timeout=60)
    dash_duo.wait_for_element('#training-agent-calls [col-id="call_link"] a', timeout=30)

    links = dash_duo.find_elements('#training-agent-calls [col-id="call_link"] a')
    calls = [(a, parse_qs(urlsplit(a.get_attribute("href")).query)["id"][0]) for a in links]
    with_evidence = {c for (c,) in query(
        fitted_sample_db, "SELECT DISTINCT call_id FROM transcript_practices WHERE turn IS NOT NULL AND "
                          "evidence <> '' AND call_id IN (SELECT unnest($ids))", {"ids": [c for _, c in calls]})}
    chosen, call_id = next((a, c) for a, c in calls if c in with_evidence)
    [(turns,)] = query(fitted_sample_db, "SELECT count(*) FROM transcript_turns WHERE call_id = $c", {"c": call_id})
    assert chosen.text == f"transcript ({turns} turns)"
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", chosen)

    dash_duo.wait_for_text_to_equal("#call-id", call_id, timeout=30)
    dash_duo.wait_for_element("#call-transcript mark.call-mark", timeout=30)
    assert len(dash_duo.find_elements("#call-transcript .call-turn")) == turns
    marked = set(dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#call-transcript mark.call-mark'))"
        ".flatMap(m => m.getAttribute('data-practice').split(' '))"))
    expected = {p for (p,) in query(fitted_sample_db, "SELECT DISTINCT practice FROM transcript_practices WHERE "
                                                      "call_id = $c AND turn IS NOT NULL AND evidence <> ''",
                                    {"c": call_id})}
    assert marked == expected and marked
    assert dash_duo.get_logs() == []
