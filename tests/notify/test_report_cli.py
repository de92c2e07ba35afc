"""`calmline report` (#14) without Chromium: the HTML report with its filters, and the clear
refusals (an unknown filter value, an unknown format, no Chromium for a PDF); and `calmline fit
--notify RULES` evaluating the alerts after its publish."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import query, run_cli


def said(proc) -> str:
    return " ".join((proc.stdout + proc.stderr).split())


def test_report_writes_the_overviews_html_with_its_filters(fitted_sample_db, tmp_path):
    team = query(fitted_sample_db, "SELECT min(team) FROM agents")[0][0]
    upset = query(fitted_sample_db, "SELECT count(*) FROM call_facts WHERE team = $t AND anger_level = 5",
                  {"t": team})[0][0]
    out = tmp_path / "overview.html"

    done = run_cli("report", "--db", str(fitted_sample_db), "--out", str(out), "--filter", f"team={team}",
                   "--filter", "anger=5")

    assert done.returncode == 0, said(done)
    page = out.read_text(encoding="utf-8")
    assert f"<strong>Filters:</strong> Team: {team}; Anger level: 5" in page
    assert f"<b>{upset:,} calls</b>" in page  # the upset-calls card, for the team's anger-5 calls only


def test_report_refuses_what_it_cannot_do_with_the_reason(fitted_sample_db, tmp_path, monkeypatch):
    from calmline.notify.report_file import ReportError, write_report

    with pytest.raises(ReportError, match="the database has no teams: no-such-team"):
        write_report(fitted_sample_db, tmp_path / "r.html", {"teams": ["no-such-team"]})
    with pytest.raises(ReportError, match="must end in .pdf or .html"):
        write_report(fitted_sample_db, tmp_path / "r.docx")
    assert list(tmp_path.iterdir()) == []

    monkeypatch.delenv("CALMLINE_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))  # no chromium on it
    absent = run_cli("report", "--db", str(fitted_sample_db), "--out", str(tmp_path / "r.pdf"))
    assert absent.returncode == 2
    assert "report not written: a PDF needs headless Chromium, which is not installed" in said(absent)
    assert "apt-get install chromium" in said(absent) and "--out FILE.html" in said(absent)
    assert not (tmp_path / "r.pdf").exists()
    bad_filter = run_cli("report", "--db", str(fitted_sample_db), "--out", str(tmp_path / "r.pdf"),
                         "--filter", "colour=red")
    assert bad_filter.returncode == 2 and "unknown filter 'colour'" in said(bad_filter)


def test_fit_with_notify_evaluates_the_alerts_after_publishing(notify_db, tmp_path, smtp_server):
    as_of = query(notify_db, "SELECT as_of FROM etl_state")[0][0]
    assert (date.today() - as_of).days > 1  # the sample's data is older than a day
    rules = tmp_path / "rules.toml"
    rules.write_text('[[alert]]\nname = "stale"\nmetric = "data_age"\ndays = 1\nto = ["ops@example.com"]\n'
                     '[[subscription]]\nname = "daily"\ncadence = "daily"\nto = ["ops@example.com"]\n',
                     encoding="utf-8")

    fit = run_cli("fit", "--db", str(notify_db), "--notify", str(rules))  # already fitted: skipped, alerts still run

    assert fit.returncode == 0, said(fit)
    assert [msg["Subject"] for _, msg in smtp_server.messages] == [f"calmline alert: stale (as of {as_of.isoformat()})"]
    assert query(notify_db, "SELECT rule, status FROM notifications") == [("stale", "sent")]  # not the subscription
    assert os.environ["CALMLINE_SMTP_PORT"] == str(smtp_server.port)


def test_report_writes_the_page_asked_for_and_refuses_an_unknown_page(fitted_sample_db, tmp_path):
    from calmline.dashboard import horizons, practice_headline

    from calmline.notify import dashboard_context

    team = query(fitted_sample_db, "SELECT min(team) FROM agents")[0][0]
    out = tmp_path / "impact.html"
    done = run_cli("report", "--db", str(fitted_sample_db), "--out", str(out), "--page", "impact",
                   "--filter", f"team={team}", "--filter", "anger=5")
    assert done.returncode == 0, said(done)
    page = out.read_text(encoding="utf-8")
    assert "<h1>calmline: practice impact</h1>" in page
    assert f"<strong>Filters:</strong> Team: {team}; Anger level: 5" in page
    dashboard_context.use_database(fitted_sample_db)
    run = horizons.run_of(None)
    table = practice_headline.headline_table(horizons.run_rows("practice_effects", run), int(run["horizon_days"]))
    assert len(table) and all(f"<td>{estimate}</td>" in page for estimate in table.iloc[:, 1])

    unknown = run_cli("report", "--db", str(fitted_sample_db), "--out", str(tmp_path / "x.html"), "--page", "agents")
    assert unknown.returncode == 2
    assert "there is no report of page 'agents'; --page is one of overview, impact, training" in said(unknown)
    assert not (tmp_path / "x.html").exists()
