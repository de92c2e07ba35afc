"""In a real headless Chromium (issue #17): from an agent's upset calls on Training priorities, a
call opens its page with the detected evidence highlighted, hostile transcript text shows as the
characters it is made of and runs nothing, and the console stays clean."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import NoAlertPresentException

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
        driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


def test_an_agents_call_opens_its_transcript_with_the_evidence_highlighted(dash_duo, app):
    dash_duo.start_server(app)
    # what the coaching queue's link opens (test_training_browser follows that link on the fitted sample)
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


def test_an_unknown_call_says_so_in_the_browser(dash_duo, app):
    dash_duo.start_server(app)
    dash_duo.wait_for_page(url=dash_duo.server_url + "/call?id=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", timeout=30)
    dash_duo.wait_for_contains_text("#call-missing", "No such call: <img src=x onerror=alert(1)>", timeout=30)
    assert _no_alert(dash_duo.driver)
    assert dash_duo.get_logs() == []
