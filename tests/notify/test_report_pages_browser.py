"""The Practice impact and Training reports as PDF (#14), printed by headless Chromium: a weekly
subscription with page = "impact" e-mails the impact PDF with the filters, data period, as-of date
and model run on every page and the page's headline numbers; the training PDF prints a team name
holding HTML and script as text on every page and in its tables, never run. One PDF per page.
Starts Chromium, so these run in the browser xdist group (see tests/conftest.py)."""

from __future__ import annotations

import html
import unicodedata
from datetime import UTC, datetime

import pytest

from tests.conftest import query
from tests.notify.conftest import NAME
from tests.notify.test_report_pdf_browser import pdf_pages as pdf_text


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text, ligatures (the printed "fi" of "filters") as their letters."""
    return [unicodedata.normalize("NFKC", page) for page in pdf_text(data)]

pytestmark = pytest.mark.xdist_group("browser")


def test_a_subscription_with_page_impact_delivers_the_impact_pdf_with_the_pages_numbers(
        notify_db, tmp_path, smtp_server):
    from calmline.dashboard import (
        filtered_estimates,
        filters,
        horizons,
        practice_headline,
    )

    from calmline.notify import deliveries
    from calmline.notify.rules import read_rules

    team = query(notify_db, "SELECT min(team) FROM agents")[0][0]
    as_of = query(notify_db, "SELECT as_of FROM etl_state")[0][0]
    rules = tmp_path / "rules.toml"
    rules.write_text(f'[[subscription]]\nname = "weekly-impact"\npage = "impact"\ncadence = "weekly"\n'
                     f'filters = {{ teams = ["{team}"] }}\nto = ["dana@example.com"]\n', encoding="utf-8")

    outcome = deliveries.run(read_rules(rules), notify_db, datetime(2026, 11, 30, 7, tzinfo=UTC),
                             say=lambda line: None)

    assert outcome.ok and len(outcome.sent) == 1
    [(to, mail)] = smtp_server.messages
    assert to == ("dana@example.com",) and mail["Subject"] == f"calmline weekly impact, 2026-W49: Team: {team}"
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "calmline-impact-2026-W49.pdf"
    pages = pdf_pages(attachment.get_content())
    run = horizons.run_of(None)  # the run the Practice impact page shows by default
    assert len(pages) >= 3
    for page in pages:  # the context printed on every page
        assert f"calmline impact. Filters: Team: {team}" in page
        assert f"Data as of {as_of.isoformat()}" in page
        assert f"Model run #{int(run['run_id'])} (churn within {int(run['horizon_days'])} days" in page
    text = " ".join(pages)
    squeezed = "".join(text.split())
    assert "Centre-wide model results: the filters set above (Team: " in text
    table = practice_headline.headline_table(horizons.run_rows("practice_effects", run), int(run["horizon_days"]))
    assert len(table) >= 10
    body = " ".join(mail.get_body(("plain",)).get_content().split())
    for practice, estimate, interval, n, *_ in table.itertuples(index=False):
        assert "".join(f"{practice} {estimate}".split()) in squeezed, practice
        assert "".join(interval.split()) in squeezed and "".join(n.split()) in squeezed, practice
        assert f"- {practice}: {estimate} ({interval}; n = {n} upset calls with / without)" in body
    assert "The playbooks disagree" in text and "How to read this" in text
    found = filtered_estimates.estimate(filters.params({"teams": [team]}), run,
                                        horizons.run_rows("practice_effects", run))  # the page's "Estimate for this filter"
    said = found.refusal or filtered_estimates.summary(found, run)
    said = said.split(" Estimated in ")[0]  # the seconds it took differ between two fits; the counts do not
    assert "".join(f"Estimates for this filter {said}".split()) in squeezed
    if found.ok:
        shown = filtered_estimates.comparison(found, horizons.run_rows("practice_effects", run))
        for row in shown.itertuples(index=False):
            assert "".join(row.filter_estimate.split()) in squeezed and "".join(row.filter_ci.split()) in squeezed


def test_the_training_pdf_prints_a_team_name_with_html_and_script_as_text(hostile_team_db, tmp_path):
    from calmline.notify.report_file import page_html, write_report

    db = hostile_team_db

    document = page_html(db, {"teams": [NAME]}, "training")
    assert NAME not in document and html.escape(NAME) in document  # in the filters and the tables, escaped
    assert document.count(html.escape(NAME)) > 2
    out = write_report(db, tmp_path / "training.pdf", {"teams": [NAME]}, page="training")

    pages = pdf_pages(out.read_bytes())
    assert len(pages) >= 2
    squeezed = ["".join(page.split()) for page in pages]
    assert all("".join(f"calmline training. Filters: Team: {NAME}".split()) in page for page in squeezed)
    text = " ".join(pages)
    assert "EXECUTED" not in text and "PWNED" not in text
    assert "Coaching queue" in text and "Agent scorecards" in text
