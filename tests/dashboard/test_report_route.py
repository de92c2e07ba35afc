"""The HTML report served as a file download by a Flask route (issue #12, "Pages"): the filters'
numbers, the same as the page's; behind sign-in when sign-in is on; bad filter values a clear 400."""

from __future__ import annotations

import base64
import html
import re

import pytest

PASSWORD = "calm-line-test"


def _words(page: str) -> str:
    body = re.sub(r"<script.*?</script>", "", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _a_team_and_month(app) -> tuple[str, str]:
    """A team and a month the served database has (from the filters' own options)."""
    from calmline.dashboard import data

    with app.server.app_context():
        options = data.frame("filter_options")
    team = options.loc[options["filter"] == "team", "value"].iloc[0]
    month = sorted(options.loc[options["filter"] == "month", "value"])[2]
    return team, month


def test_the_report_is_a_download_with_the_filters_numbers_the_same_as_the_page(app):
    from calmline.dashboard import filters, overview_numbers

    team, month = _a_team_and_month(app)
    client = app.server.test_client()
    answer = client.get(f"/report.html?teams={team}&anger=4&anger=5&start={month}")
    assert answer.status_code == 200
    assert answer.mimetype == "text/html"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="calmline-overview.html"'
    page = answer.get_data(as_text=True)
    words = _words(page)
    assert f"Team: {team}; Anger level: 4, 5" in words and "From month: " + month in words
    chosen = {"teams": [team], "anger": ["4", "5"], "start": month}
    shown = overview_numbers.overview_numbers(filters.params(chosen))  # what the Overview shows for them
    cards = overview_numbers.headline_cards(shown)
    assert cards
    for card in cards:
        assert card["value"] in words and card["note"] in words
    every = overview_numbers.overview_numbers(filters.params({}))
    assert int(shown.head["upset_calls"].iloc[0]) < int(every.head["upset_calls"].iloc[0])
    assert f"{int(shown.head['upset_calls'].iloc[0]):,}" in words
    assert "<script src=" not in page and "plotly" in page.lower()  # self-contained


@pytest.mark.parametrize("search, named", [
    ("teams=no-such-team", "no-such-team"),
    ("anger=9", "anger"),
    ("start=2025-13", "2025-13"),
    ("start=1990-01", "1990-01"),  # a month outside the data
    ("view=000000000000", "000000000000"),
    ("end=2025-02&end=2025-03", "one value only"),
])
def test_bad_filter_values_are_a_400_saying_which(app, search, named):
    answer = app.server.test_client().get("/report.html?" + search)
    assert answer.status_code == 400
    text = answer.get_data(as_text=True)
    assert "The report was not made" in text and named in text
    assert "Content-Disposition" not in answer.headers


def test_the_overview_button_is_a_plain_link_carrying_the_filters(app):
    from calmline.dashboard.pages import overview

    team, _ = _a_team_and_month(app)
    button = next(c for c in overview.layout().children if getattr(c, "id", None) == overview.REPORT_BUTTON)
    assert button.external_link  # the browser fetches it; Dash's router does not swallow it
    link = overview.report_link({"teams": [team], "anger": ["5"]})
    assert link == f"/report.html?teams={team}&anger=5"
    answer = app.server.test_client().get(link)
    assert answer.status_code == 200 and f"Team: {team}; Anger level: 5" in _words(answer.get_data(as_text=True))


def test_the_report_needs_sign_in_when_sign_in_is_on(fitted_sample_db, tmp_path):
    from calmline.dashboard.access import read_users
    from calmline.dashboard.app import Settings, create_app
    from werkzeug.security import generate_password_hash

    users = tmp_path / "users.toml"
    users.write_text(f'[users.dana]\npassword_hash = "{generate_password_hash(PASSWORD)}"\n'
                     f'roles = ["director"]\n', encoding="utf-8")
    app = create_app(Settings(db=fitted_sample_db, users=read_users(users)))
    client = app.server.test_client()
    refused = client.get("/report.html?anger=5")
    assert refused.status_code == 401 and "Content-Disposition" not in refused.headers
    assert "<!DOCTYPE html>" not in refused.get_data(as_text=True)
    wrong = client.get("/report.html?anger=5", headers={
        "Authorization": "Basic " + base64.b64encode(b"dana:wrong").decode()})
    assert wrong.status_code == 401
    signed_in = client.get("/report.html?anger=5", headers={
        "Authorization": "Basic " + base64.b64encode(f"dana:{PASSWORD}".encode()).decode()})
    assert signed_in.status_code == 200
    assert signed_in.headers["Content-Disposition"].startswith("attachment")
    assert "Anger level: 5" in _words(signed_in.get_data(as_text=True))


@pytest.mark.parametrize("search, named", [("teams=no-such-team", "no-such-team"), ("start=2025-13", "2025-13")])
def test_the_pdf_refuses_bad_filter_values_with_a_400_saying_which(app, search, named):
    answer = app.server.test_client().get("/report.pdf?" + search)
    assert answer.status_code == 400
    assert "The report was not made" in answer.get_data(as_text=True) and named in answer.get_data(as_text=True)
    assert "Content-Disposition" not in answer.headers


def test_the_pdf_without_chromium_on_the_server_is_a_503_saying_what_to_install(app, monkeypatch):
    monkeypatch.setenv("CALMLINE_CHROMIUM", "/nonexistent/chromium")
    answer = app.server.test_client().get("/report.pdf?anger=5")
    assert answer.status_code == 503
    text = answer.get_data(as_text=True)
    assert "cannot be made on this server" in text and "/nonexistent/chromium" in text
    assert "Content-Disposition" not in answer.headers


def test_the_pdf_button_sits_beside_the_html_one_and_carries_the_filters(app):
    from calmline.dashboard.pages import overview

    team, _ = _a_team_and_month(app)
    ids = [getattr(c, "id", None) for c in overview.layout().children]
    assert ids.index(overview.PDF_BUTTON) == ids.index(overview.REPORT_BUTTON) + 1
    button = overview.layout().children[ids.index(overview.PDF_BUTTON)]
    assert button.external_link and button.children == "Download PDF"
    assert overview.pdf_link({"teams": [team], "anger": ["5"]}) == f"/report.pdf?teams={team}&anger=5"


def test_the_pdf_needs_sign_in_when_sign_in_is_on(fitted_sample_db, tmp_path, monkeypatch):
    from calmline.dashboard.access import read_users
    from calmline.dashboard.app import Settings, create_app
    from werkzeug.security import generate_password_hash

    monkeypatch.setenv("CALMLINE_CHROMIUM", "/nonexistent/chromium")  # answered before any render
    users = tmp_path / "users.toml"
    users.write_text(f'[users.dana]\npassword_hash = "{generate_password_hash(PASSWORD)}"\n'
                     f'roles = ["director"]\n', encoding="utf-8")
    app = create_app(Settings(db=fitted_sample_db, users=read_users(users)))
    client = app.server.test_client()
    assert client.get("/report.pdf?anger=5").status_code == 401
    signed_in = client.get("/report.pdf?anger=5", headers={
        "Authorization": "Basic " + base64.b64encode(f"dana:{PASSWORD}".encode()).decode()})
    assert signed_in.status_code == 503  # past the sign-in, stopped by the missing Chromium


def test_the_report_states_the_definitions_from_the_vocabulary_in_the_pages_words(app, monkeypatch):
    """What "upset" means, churn within the horizon, units and the interval: in the report and on the
    Overview page alike, following calmline.vocabulary (a changed threshold changes both)."""
    from calmline.dashboard import html_report
    from calmline.dashboard.pages import overview

    from calmline import vocabulary

    words = _words(app.server.test_client().get("/report.html?anger=5").get_data(as_text=True))
    assert "How to read this" in words
    assert f"anger level (1 calm to 5 irate, as scored for the call) is {vocabulary.UPSET_ANGER} or more" in words
    assert f"Churn within {vocabulary.HEADLINE_HORIZON} days" in words and "95% confidence interval" in words
    for term, text in html_report.definitions():
        assert term in words and text in words
    page = overview.layout()
    [details] = [c for c in page.children if getattr(c, "id", None) == overview.DEFINITIONS]
    shown = [part.children for part in details.children[1].children]
    assert shown == [x for pair in html_report.definitions() for x in pair]
    monkeypatch.setattr(vocabulary, "UPSET_ANGER", 4)
    assert "is 4 or more" in html_report.definitions()[0][1]
