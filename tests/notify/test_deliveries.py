"""`calmline notify` delivering alerts (#14): by e-mail to a local SMTP server and by webhook to a
local HTTP server, once each; a failed delivery is recorded, reported with exit 1 and delivered by
the next run; --dry-run records nothing. Expectations are computed from the database itself.
(The subscription's PDF report is tested in test_report_pdf_browser.py, which starts Chromium.)"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from tests.conftest import file_digest, query, run_cli
from tests.notify.conftest import free_port

RULES = """\
[[alert]]
name = "stale-data"
metric = "data_age"
days = 30
to = ["analyst@example.com"]
webhooks = ["{hook}"]

[[alert]]
name = "rejections"
metric = "rejected_rows"
threshold = 0
to = ["analyst@example.com"]

[[alert]]
name = "churn-very-high"
metric = "churn_above"
threshold = 95
to = ["director@example.com"]

[[alert]]
name = "churn-above-1"
metric = "churn_above"
threshold = 1
to = ["director@example.com"]
"""


def write_rules(tmp_path: Path, hook: str = "https://hooks.example.com/services/T0/B0/secret-token") -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(RULES.format(hook=hook), encoding="utf-8")
    return path


def facts(db: Path) -> dict:
    as_of = query(db, "SELECT as_of FROM etl_state")[0][0]
    batch, rejected, read = query(db, "SELECT batch_id, sum(rows_rejected), sum(rows_read) FROM load_batches "
                                      "WHERE batch_id = (SELECT max(batch_id) FROM load_batches) GROUP BY batch_id")[0]
    return dict(as_of=as_of, batch=batch, rejected=int(rejected), read=int(read))


def notifications(db: Path) -> list[tuple]:
    return query(db, "SELECT rule, period, channel, recipient, status, detail FROM notifications "
                     "ORDER BY attempted_at, rule, recipient")


def run_notify(db: Path, rules: Path, now: date):
    from calmline.notify import deliveries
    from calmline.notify.rules import read_rules

    lines: list[str] = []
    outcome = deliveries.run(read_rules(rules), db, datetime(now.year, now.month, now.day, 6, tzinfo=timezone.utc),
                             say=lines.append)
    return outcome, lines


def test_alerts_go_by_email_and_webhook_once_and_are_recorded(notify_db, tmp_path, smtp_server, webhook):
    known = facts(notify_db)
    assert known["rejected"] > 0  # the sample has rejected rows, so threshold 0 fires
    today = known["as_of"] + timedelta(days=40)
    rules = write_rules(tmp_path, webhook.url)

    outcome, lines = run_notify(notify_db, rules, today)

    assert outcome.ok and len(outcome.sent) == 4, lines
    mails = {msg["Subject"]: (to, msg) for to, msg in smtp_server.messages}
    as_of = known["as_of"].isoformat()
    stale = mails[f"calmline alert: stale-data (as of {as_of})"]
    assert stale[0] == ("analyst@example.com",)
    assert f"The data is as of {as_of}, 40 days before {today.isoformat()}" in stale[1].get_content()
    rejected = mails[f"calmline alert: rejections (load {known['batch']})"][1].get_content()
    assert f"rejected {known['rejected']:,} of {known['read']:,} rows read" in rejected
    assert not any("churn-very-high" in s for s in mails)  # 95% churn: far above the data's, does not fire
    from calmline.dashboard import filters, formats, overview_numbers

    month = overview_numbers.overview_numbers(filters.params({})).comparisons[0]  # what the page compares
    churn = mails[f"calmline alert: churn-above-1 ({month.period})"][1].get_content()
    assert f"{month.period}: {formats.rate_of(month.churned, month.closed, 'upset calls')}" in churn
    assert "above the alert's 1% beyond chance" in churn
    [(path, content_type, body)] = webhook.posts
    assert path == "/services/T0/B0/secret-token" and content_type.startswith("application/json")
    assert list(body) == ["text"] and body["text"].startswith("calmline alert stale-data: The data is as of")

    recorded = notifications(notify_db)
    assert {(r[0], r[2], r[4]) for r in recorded} == {("stale-data", "email", "sent"), ("stale-data", "webhook", "sent"),
                                                      ("rejections", "email", "sent"), ("churn-above-1", "email", "sent")}
    hook_row = next(r for r in recorded if r[2] == "webhook")
    assert "secret-token" not in hook_row[3] and hook_row[3].startswith("webhook 127.0.0.1 #")

    again, lines = run_notify(notify_db, rules, today + timedelta(days=1))
    assert again.sent == [] and again.already == 4, lines
    assert len(smtp_server.messages) == 3 and len(webhook.posts) == 1
    assert len(notifications(notify_db)) == 4


def test_with_smtp_down_the_run_fails_clearly_records_it_and_the_next_run_delivers(
        notify_db, tmp_path, monkeypatch):
    known = facts(notify_db)
    rules = write_rules(tmp_path)
    rules.write_text(RULES.split("\n\n")[0].replace('\nwebhooks = ["{hook}"]', "") + "\n", encoding="utf-8")
    today = (known["as_of"] + timedelta(days=40)).isoformat()
    closed = free_port()
    monkeypatch.setenv("CALMLINE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CALMLINE_SMTP_PORT", str(closed))

    down = run_cli("notify", "--db", str(notify_db), "--rules", str(rules), "--now", today)

    assert down.returncode == 1, down.stdout + down.stderr
    said = " ".join((down.stdout + down.stderr).split())
    assert f"cannot connect to the SMTP server 127.0.0.1:{closed}" in said
    assert "recorded as failed" in said and "tried again by the next run" in said
    [(rule, period, channel, recipient, status, detail)] = notifications(notify_db)
    assert (rule, channel, recipient, status) == ("stale-data", "email", "analyst@example.com", "failed")
    assert f"127.0.0.1:{closed}" in detail

    from aiosmtpd.controller import Controller

    from tests.notify.conftest import Mailbox

    box = Mailbox(closed)
    controller = Controller(box, hostname="127.0.0.1", port=closed)
    controller.start()
    try:
        up, lines = run_notify(notify_db, rules, date.fromisoformat(today))
    finally:
        controller.stop()
    assert up.ok and len(up.sent) == 1, lines
    assert [to for to, _ in box.messages] == [("analyst@example.com",)]
    assert [r[4] for r in notifications(notify_db)] == ["failed", "sent"]


def test_dry_run_prints_what_would_be_sent_and_records_nothing(notify_db, tmp_path):
    from calmline.notify import deliveries
    from calmline.notify.rules import read_rules

    known = facts(notify_db)
    before = file_digest(notify_db)
    lines: list[str] = []
    when = datetime.combine(known["as_of"] + timedelta(days=40), datetime.min.time(), timezone.utc)

    outcome = deliveries.run(read_rules(write_rules(tmp_path)), notify_db, when, dry_run=True, say=lines.append)

    printed = "\n".join(lines)
    assert outcome.sent == [] and len(outcome.planned) == 4
    assert "would send alert 'stale-data'" in printed and "to analyst@example.com by e-mail" in printed
    assert "by webhook" in printed and "secret-token" not in printed
    assert "alert 'churn-very-high' does not fire" in printed
    assert file_digest(notify_db) == before


def test_an_effect_that_changes_sign_or_loses_significance_between_runs_is_alerted(notify_db, tmp_path):
    """A second 90-day run is made by copying the latest one with two practices changed: one
    significant effect reversed, one made not significant; the others stay as they were."""
    import duckdb

    from calmline.notify import deliveries
    from calmline.notify.rules import read_rules

    con = duckdb.connect(str(notify_db))
    run = con.execute("SELECT max(run_id) FROM model_runs WHERE horizon_days = 90").fetchone()[0]
    significant = [p for (p,) in con.execute(
        "SELECT practice FROM practice_effects WHERE run_id = $run AND method = 'logit' AND effect = 'total' "
        "AND scale = 'risk_difference' AND p_value < 0.01 ORDER BY practice", {"run": run}).fetchall()]
    assert len(significant) >= 2
    flipped, lost = significant[:2]
    new = run + 1000
    con.execute("INSERT INTO model_runs SELECT * REPLACE ($new AS run_id, created_at + INTERVAL 1 DAY AS created_at) "
                "FROM model_runs WHERE run_id = $run", {"new": new, "run": run})
    con.execute("INSERT INTO practice_effects SELECT * REPLACE ($new AS run_id, "
                "CASE WHEN practice = $flipped THEN -estimate ELSE estimate END AS estimate, "
                "CASE WHEN practice = $flipped THEN -ci_high WHEN practice = $lost THEN -0.01 ELSE ci_low END AS ci_low, "
                "CASE WHEN practice = $flipped THEN -ci_low WHEN practice = $lost THEN 0.01 ELSE ci_high END AS ci_high, "
                "CASE WHEN practice = $lost THEN 0.4 ELSE p_value END AS p_value) "
                "FROM practice_effects WHERE run_id = $run",
                {"new": new, "run": run, "flipped": flipped, "lost": lost})
    con.close()
    rules = tmp_path / "rules.toml"
    rules.write_text('[[alert]]\nname = "effects"\nmetric = "effect_changed"\nto = ["analyst@example.com"]\n',
                     encoding="utf-8")
    lines: list[str] = []

    outcome = deliveries.run(read_rules(rules), notify_db, datetime.now(timezone.utc), dry_run=True,
                             say=lines.append)

    fired = {d.period: d.text for d in outcome.planned}
    assert set(fired) == {f"run {run} to {new}: {flipped}", f"run {run} to {new}: {lost}"}, lines
    assert f"changed sign between model runs {run} and {new}" in fired[f"run {run} to {new}: {flipped}"]
    assert "lost significance" in fired[f"run {run} to {new}: {lost}"] and "p = 0.40" in fired[f"run {run} to {new}: {lost}"]
