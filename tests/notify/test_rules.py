"""The rules file of `calmline notify` (#14): a good file is read, a bad one is refused with the
line and the reason. No database needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from calmline.notify.rules import RulesError, parse_filter_options, read_rules

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
[smtp]
sender = "calmline@example.com"

[[subscription]]
name = "weekly"
cadence = "weekly"
filters = { teams = ["leeds-1"], anger = [4, 5] }
to = ["dana@example.com"]

[[alert]]
name = "churn-up"
metric = "churn_up"
points = 3
to = ["dana@example.com"]
webhooks = ["https://hooks.example.com/services/T0/B0/secret"]
"""


def refused(tmp_path: Path, text: str) -> list[tuple[int, str]]:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        read_rules(path)
    assert str(path) in str(caught.value)
    return caught.value.problems


def test_a_good_file_is_read_with_its_filters_as_the_dashboard_holds_them(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(GOOD, encoding="utf-8")
    rules = read_rules(path)
    [weekly] = rules.subscriptions
    [alert] = rules.alerts
    assert (weekly.cadence, weekly.report, weekly.to, weekly.line) == ("weekly", "overview", ("dana@example.com",), 4)
    assert weekly.filters == {"teams": ["leeds-1"], "anger": ["4", "5"]}
    assert (alert.metric, alert.threshold, alert.method, alert.horizon, alert.line) == ("churn_up", 3.0, "logit", 90, 10)
    assert rules.smtp.sender == "calmline@example.com" and rules.smtp.starttls == "auto"


def test_the_example_rules_file_in_docs_is_valid():
    rules = read_rules(ROOT / "docs" / "notify.example.toml")
    assert {a.metric for a in rules.alerts} == {"churn_above", "churn_up", "adoption_below", "effect_changed",
                                                "rejected_rows", "data_age"}
    assert {s.cadence for s in rules.subscriptions} == {"weekly", "monthly"}


@pytest.mark.parametrize("old, new, line, reason", [
    ('metric = "churn_up"', 'metric = "churn_upp"', 12, "alert 'churn-up': unknown metric 'churn_upp'; known: churn_above, "
     "churn_up, adoption_below, effect_changed, rejected_rows, data_age"),
    ("points = 3", 'points = "three"', 13, "alert 'churn-up': points 'three' is not a number (points)"),
    ("points = 3", "points = 250", 13, "alert 'churn-up': points 250 must be between 0 and 100 (points)"),
    ("points = 3", "threshold = 3", 13, "alert 'churn-up': metric churn_up takes points, not threshold"),
    ('to = ["dana@example.com"]\nwebhooks', 'to = ["dana.example.com"]\nwebhooks', 14,
     "alert 'churn-up': 'dana.example.com' is not an e-mail address (name@example.com)"),
    ('webhooks = ["https://', 'webhooks = ["ftp://', 15, "alert 'churn-up': 'ftp://hooks.example.com/services/T0/B0/"
                                                          "secret' is not an http(s) URL"),
    ('cadence = "weekly"', 'cadence = "fortnightly"', 6,
     "subscription 'weekly': cadence 'fortnightly' must be one of daily, weekly, monthly"),
    ("filters = { teams", "filters = { teamz", 7,
     "subscription 'weekly': unknown filter 'teamz'; known: start, end, teams, sites, channels, issues, anger"),
    ("anger = [4, 5]", "anger = [1, 5]", 7, "subscription 'weekly': anger must be upset levels 3, 4 or 5 (got [1, 5])"),
    ('sender = "calmline@example.com"', 'sender = "calmline"', 2, "sender 'calmline' is not an e-mail address"),
])
def test_a_bad_value_is_refused_with_its_line_and_reason(tmp_path, old, new, line, reason):
    assert GOOD.count(old) == 1
    assert refused(tmp_path, GOOD.replace(old, new)) == [(line, reason)]


def test_an_unknown_practice_and_a_missing_threshold_name_their_alert(tmp_path):
    text = GOOD + """
[[alert]]
name = "adoption"
metric = "adoption_below"
practice = "hugged"
threshold = 30
to = ["dana@example.com"]

[[alert]]
name = "stale"
metric = "data_age"
to = ["dana@example.com"]
"""
    problems = refused(tmp_path, text)
    assert problems[0][0] == 20 and "alert 'adoption': unknown practice 'hugged'" in problems[0][1]
    assert "took_ownership" in problems[0][1]
    assert problems[1][0] == 24 and "alert 'stale': metric data_age needs days = a number (days)" in problems[1][1]


def test_a_toml_syntax_error_gives_tomls_line(tmp_path):
    problems = refused(tmp_path, GOOD.replace('points = 3', 'points = '))
    assert problems[0][0] == 13 and "not valid TOML" in problems[0][1]


def test_two_rules_with_one_name_are_refused(tmp_path):
    problems = refused(tmp_path, GOOD.replace('name = "churn-up"', 'name = "weekly"'))
    assert problems == [(10, "rule name 'weekly' is used twice (also line 4); names key the deliveries, "
                             "so they must be unique")]


def test_a_rule_without_recipients_or_with_a_key_it_does_not_take_is_refused(tmp_path):
    text = GOOD.replace('to = ["dana@example.com"]\n\n[[alert]]', '\n[[alert]]').replace("points = 3", "points = 3\nteam = 'x'")
    problems = refused(tmp_path, text)
    reasons = [r for _, r in problems]
    assert any("subscription 'weekly': has no recipient" in r for r in reasons)
    assert (13, "alert 'churn-up': unknown key 'team'; expected name, to, webhooks, filters, metric, threshold, "
                "points, days, practice, method, horizon") in problems


def test_report_filters_from_the_command_line():
    assert parse_filter_options(["teams=leeds-1", "team=leeds-2", "anger=5", "start=2025-03"]) == {
        "teams": ["leeds-1", "leeds-2"], "anger": ["5"], "start": "2025-03"}
    with pytest.raises(ValueError, match="unknown filter 'colour'"):
        parse_filter_options(["colour=red"])
    with pytest.raises(ValueError, match="expected KEY=VALUE"):
        parse_filter_options(["teams"])
    with pytest.raises(ValueError, match="start must be one month"):
        parse_filter_options(["start=March"])


def test_an_unknown_top_level_key_or_table_is_refused_with_its_line(tmp_path):
    problems = refused(tmp_path, 'version = 2\n' + GOOD + '\n[alerts]\nx = 1\n')
    assert problems == [(1, "unknown key 'version'; expected [smtp], [access], [[subscription]] or [[alert]]"),
                        (18, "unknown table [alerts]; expected [smtp], [access], [[subscription]] or [[alert]]")]


def test_a_subscription_names_its_page_and_an_unknown_page_is_refused_with_its_line(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(GOOD.replace('cadence = "weekly"', 'cadence = "weekly"\npage = "impact"'), encoding="utf-8")
    assert read_rules(path).subscriptions[0].report == "impact"
    path.write_text(GOOD.replace('cadence = "weekly"', 'cadence = "weekly"\nreport = "training"'), encoding="utf-8")
    assert read_rules(path).subscriptions[0].report == "training"  # the older key, still read
    assert refused(tmp_path, GOOD.replace('cadence = "weekly"', 'cadence = "weekly"\npage = "impacts"')) == [
        (7, ("subscription 'weekly': page 'impacts' is not a page there is a report of; known: overview, impact, "
             "training"))]
    assert refused(tmp_path, GOOD.replace('cadence = "weekly"', 'cadence = "weekly"\npage = 3')) == [
        (7, "subscription 'weekly': page 3 is not a page there is a report of; known: overview, impact, training")]
    assert refused(tmp_path, GOOD.replace('cadence = "weekly"',
                                          'cadence = "weekly"\npage = "impact"\nreport = "training"')) == [
        (7, "subscription 'weekly': page 'impact' and report 'training' disagree; give page only")]


def test_the_example_rules_file_subscribes_to_every_page():
    rules = read_rules(ROOT / "docs" / "notify.example.toml")
    assert {s.report for s in rules.subscriptions} == {"overview", "impact", "training"}
