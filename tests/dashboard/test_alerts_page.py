"""The Alerts page (#14): the rules of the server's rules file with their last results from the
``notifications`` table; recipients masked for a role the rules file does not allow; data such as
a rule's name or a team shown as text; without a rules file, how to set one up. A tiny database
holding only the ``notifications`` table (no sample load or fit)."""

from __future__ import annotations

import base64
from contextlib import contextmanager
from datetime import datetime

import duckdb
import pytest

from tests.conftest import ROOT

PASSWORD = "calm-line-test"
HOSTILE_TEAM = '<img src=x onerror="alert(1)">'
RULES = f'''[access]
roles = ["director"]

[[subscription]]
name = "weekly-leeds"
cadence = "weekly"
filters = {{ teams = ['{HOSTILE_TEAM}'] }}
to = ["dana@example.com"]

[[alert]]
name = "churn-high"
metric = "churn_above"
threshold = 20
to = ["ops@example.com"]
webhooks = ["https://hooks.slack.com/services/T000/B000/SECRETTOKEN"]

[[alert]]
name = "stale"
metric = "data_age"
days = 3
to = ["ops@example.com"]
'''


@contextmanager
def _current(app):
    """``app`` as the app dash.get_app() returns here (a request served earlier in this thread by
    another test's app may have left its own set)."""
    from dash._get_app import app_context

    token = app_context.set(app)
    try:
        yield app
    finally:
        app_context.reset(token)


def _texts(component) -> list[str]:
    """Every string child in the component tree (as Dash will render it: text, never markup)."""
    children = getattr(component, "children", component)
    if isinstance(children, str):
        return [children]
    if isinstance(children, (list, tuple)):
        return [t for child in children for t in _texts(child)]
    return _texts(children) if children is not None and hasattr(children, "children") else []


@pytest.fixture
def served(tmp_path):
    """An app over a database whose notifications say: weekly sent, churn-high failed then one of
    two deliveries sent; stale never run; sign-in with a director and a trainer."""
    from calmline.dashboard.access import read_users
    from calmline.dashboard.app import Settings, create_app
    from werkzeug.security import generate_password_hash

    db = tmp_path / "calmline.duckdb"
    con = duckdb.connect(str(db))
    con.execute((ROOT / "queries/notify/notifications_schema.sql").read_text())
    rows = [("weekly-leeds", "subscription", "2026-W48", "email", "dana@example.com", "sent",
             "calmline weekly overview 2026-W48", None, datetime(2026, 11, 23, 7)),
            ("churn-high", "alert", "2026-08", "email", "ops@example.com", "failed", "Churn above 20%",
             "SMTP server refused", datetime(2026, 11, 29, 7)),
            ("churn-high", "alert", "2026-09", "email", "ops@example.com", "failed", "Churn above 20%",
             "connection refused by mail.example.com:587", datetime(2026, 11, 30, 7)),
            ("churn-high", "alert", "2026-09", "webhook", "hooks.slack.com #1a2b", "sent", "Churn above 20%",
             None, datetime(2026, 11, 30, 7, 0, 1))]
    con.executemany("INSERT INTO notifications VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.close()
    rules = tmp_path / "notify.toml"
    rules.write_text(RULES, encoding="utf-8")
    users = tmp_path / "users.toml"
    hashed = generate_password_hash(PASSWORD)
    users.write_text(f'[users.dana]\npassword_hash = "{hashed}"\nroles = ["director"]\n'
                     f'[users.tom]\npassword_hash = "{hashed}"\nroles = ["trainer"]\n', encoding="utf-8")
    return create_app(Settings(db=db, users=read_users(users), explorer=False, rules=rules))


def _page_as(app, user):
    from calmline.dashboard.pages import alerts

    auth = base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
    with _current(app), app.server.test_request_context("/alerts", headers={"Authorization": "Basic " + auth}):
        page = alerts.layout()
    [table] = [c for c in page.children if getattr(c, "id", None) == alerts.RULES]
    head, body = table.children
    headers = [th.children for th in head.children.children]
    return [dict(zip(headers, (td.children for td in tr.children))) for tr in body.children], page


def test_the_page_lists_every_rule_with_its_last_result(served):
    rows, _ = _page_as(served, "dana")
    by_name = {r["Rule"]: r for r in rows}
    assert list(by_name) == ["weekly-leeds", "churn-high", "stale"]
    weekly = by_name["weekly-leeds"]
    assert weekly["Outcome"] == "sent (1 deliveries)" and "2026-11-23 07:00 (period 2026-W48)" == weekly["Last run (UTC)"]
    assert weekly["Sent, or why it failed"] == "calmline weekly overview 2026-W48"
    churn = by_name["churn-high"]  # its last period, 2026-09: e-mail failed, webhook sent
    assert churn["Outcome"] == "1 of 2 deliveries failed (retried on the next run)"
    assert "period 2026-09" in churn["Last run (UTC)"]
    assert churn["Sent, or why it failed"] == "Churn above 20%; failed: connection refused by mail.example.com:587"
    assert churn["What"] == "churn_above, threshold 20 percent"
    assert by_name["stale"]["Outcome"] == "not run yet" and by_name["stale"]["What"] == "data_age, days 3 days"


def test_recipients_are_shown_to_the_allowed_role_and_masked_for_others_and_webhook_secrets_never(served):
    from calmline.dashboard.pages import alerts

    shown, page = _page_as(served, "dana")
    masked, other = _page_as(served, "tom")
    assert shown[0]["Recipients"] == "dana@example.com"
    assert shown[1]["Recipients"] == "ops@example.com, webhook at hooks.slack.com"
    assert masked[0]["Recipients"] == alerts.MASKED
    assert masked[1]["Recipients"] == f"{alerts.MASKED}, 1 webhook(s)"
    for text in _texts(page) + _texts(other):
        assert "SECRETTOKEN" not in text
    assert not any("example.com" in t and "mail.example.com" not in t for t in _texts(other))


def test_html_in_a_team_name_is_shown_as_text(served):
    rows, page = _page_as(served, "dana")
    assert rows[0]["Rule"] == "weekly-leeds"
    assert rows[0]["Filters"] == f"teams: {HOSTILE_TEAM}"
    assert all(isinstance(cell, str) for row in rows for cell in row.values())  # Dash renders strings as text
    assert not any(type(c).__name__ in ("Img", "Script", "Iframe") for c in _walk(page))


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, str):
            yield from _walk(child)


def test_without_a_rules_file_the_page_says_how_to_set_one_up(tmp_path):
    from calmline.dashboard.app import Settings, create_app
    from calmline.dashboard.pages import alerts

    with _current(create_app(Settings(db=tmp_path / "none.duckdb", explorer=False))):
        texts = _texts(alerts.layout())
    assert any("calmline notify --db calmline.duckdb --rules notify.toml" in t and "--rules" in t for t in texts)
    assert any("CALMLINE_RULES" in t for t in texts)


def test_a_rules_file_with_bad_access_roles_is_refused_with_its_line(tmp_path):
    from calmline.notify.rules import RulesError, read_rules

    path = tmp_path / "bad.toml"
    path.write_text('[access]\nroles = ["boss"]\n\n[[alert]]\nname = "a"\nmetric = "data_age"\ndays = 2\n'
                    'to = ["a@example.com"]\n', encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        read_rules(path)
    assert ":2" in str(caught.value) or "line 2" in str(caught.value)
    assert "boss" in str(caught.value)


def test_the_navigation_links_the_page_only_when_a_rules_file_is_served(served, tmp_path):
    from calmline.dashboard.app import Settings, create_app, navigation

    auth = base64.b64encode(f"tom:{PASSWORD}".encode()).decode()
    with _current(served), served.server.test_request_context("/", headers={"Authorization": "Basic " + auth}):
        assert ("Alerts", "/alerts") in navigation()
    bare = create_app(Settings(db=tmp_path / "none.duckdb", explorer=False))
    with _current(bare), bare.server.test_request_context("/"):
        assert "Alerts" not in [name for name, _ in navigation()]


def test_serve_refuses_a_rules_file_it_cannot_use_naming_the_line(tmp_path):
    import socket

    from typer.testing import CliRunner

    from calmline.cli import app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bad = tmp_path / "notify.toml"
    bad.write_text('[[alert]]\nname = "a"\nmetric = "churn_sky_high"\nto = ["a@example.com"]\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "x.duckdb"), "--port", str(port),
                                      "--rules", str(bad)])
    assert result.exit_code == 2
    assert "churn_sky_high" in result.output and ":3" in result.output
