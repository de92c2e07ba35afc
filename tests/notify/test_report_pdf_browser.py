"""The overview as PDF (#14), printed by headless Chromium: e-mailed by a weekly subscription with
the filters, data period, as-of date and model run on every page and the overview's own headline
numbers; and data such as team names printed as text, never run. Starts Chromium, so these run in
the browser xdist group (the file name says "browser"; see tests/conftest.py)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import query
from tests.notify.conftest import NAME

pytestmark = pytest.mark.xdist_group("browser")


def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages]


def test_the_weekly_report_arrives_as_pdf_with_its_filters_on_every_page_and_the_overviews_numbers(
        notify_db, tmp_path, smtp_server):
    from calmline.dashboard import filters, overview_numbers
    from calmline.notify import deliveries
    from calmline.notify.rules import read_rules

    team = query(notify_db, "SELECT min(team) FROM agents")[0][0]
    as_of = query(notify_db, "SELECT as_of FROM etl_state")[0][0]
    run_id = query(notify_db, "SELECT max(run_id) FROM model_runs WHERE horizon_days = 90")[0][0]
    rules = tmp_path / "rules.toml"
    rules.write_text(f'[[subscription]]\nname = "weekly"\ncadence = "weekly"\nfilters = {{ teams = ["{team}"] }}\n'
                     f'to = ["dana@example.com"]\n', encoding="utf-8")
    monday = datetime(2026, 11, 30, 7, tzinfo=timezone.utc)

    outcome = deliveries.run(read_rules(rules), notify_db, monday, say=lambda line: None)

    assert outcome.ok and len(outcome.sent) == 1
    [(to, mail)] = smtp_server.messages
    assert to == ("dana@example.com",) and "2026-W49" in mail["Subject"] and f"Team: {team}" in mail["Subject"]
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    pages = pdf_pages(attachment.get_content())
    assert len(pages) >= 2
    for page in pages:  # the context printed on every page
        assert f"Filters: Team: {team}" in page
        assert f"Data as of {as_of.isoformat()}" in page
        assert f"Model run #{run_id}" in page
    numbers = overview_numbers.overview_numbers(filters.params({"teams": [team]}))
    cards = overview_numbers.headline_cards(numbers)
    assert len(cards) == 4
    body = " ".join(mail.get_body(("plain",)).get_content().split())
    for card in cards:  # the same numbers as the page's cards, in the PDF and in the e-mail
        assert " ".join(card["value"].split()) in pages[0], card
        assert f"{card['title']}: {card['value']}" in body
    later = deliveries.run(read_rules(rules), notify_db, monday + timedelta(days=3), say=lambda line: None)
    assert later.sent == [] and len(smtp_server.messages) == 1  # once per week


def test_team_names_with_html_and_script_are_printed_as_text(hostile_team_db, tmp_path):
    from calmline.notify.report_file import write_report

    db = hostile_team_db

    out = write_report(db, tmp_path / "report.pdf", {"teams": [NAME]})

    pages = pdf_pages(out.read_bytes())
    squeezed = ["".join(page.split()) for page in pages]
    assert all("".join(NAME.split()) in page for page in squeezed)  # in every page's header, as text
    text = " ".join(pages)
    assert "EXECUTED" not in text and "PWNED" not in text
