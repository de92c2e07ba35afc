"""The saved query library: every query runs on the sample database, values stay data, headers are checked."""

from __future__ import annotations

import re
import shutil
from datetime import date

import duckdb
import pytest

from calmline.database.connection import connect
from calmline.explorer.saved_queries import AUDIENCES, library, parse
from calmline.vocabulary import practice_names

TOPICS = {
    "churn after upset calls by month and team": "churn_by_month_team",
    "practice adoption by agent": "practice_adoption_by_agent",
    "agents whose upset-call customers churn most (shrunken)": "agent_upset_churn_shrunken",
    "repeat upset contacts within 30 days": "repeat_upset_contacts",
    "follow-up lag vs churn": "followup_lag_churn",
    "transfers and holds vs churn": "transfers_holds_churn",
    "customers lost after unresolved upset calls": "lost_after_unresolved_upset",
    "the latest model run's effects": "latest_model_effects",
    "training completions and adoption before/after": "training_adoption_before_after",
    "rejected rows by rule": "rejected_rows_by_rule",
    "churn by anger level and issue type": "churn_by_anger_issue",
    "effect of offering options by number offered": "options_offered_churn",
}
INJECTIONS = ("x' OR '1'='1", "'; DROP TABLE calls; --")
QUERIES = library()




def run(db, name, values=None):
    """Run a saved query read-only with ``values`` bound; a list of dicts, one per row."""
    query = QUERIES[name]
    with connect(db) as con:
        cursor = con.execute(query.sql, query.bind(values))
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def scalar(db, sql, params=None):
    with connect(db) as con:
        row = con.execute(sql, params).fetchone()
    return row[0] if len(row) == 1 else row


def column(db, sql):
    with connect(db) as con:
        return {row[0] for row in con.execute(sql).fetchall()}


def test_the_library_covers_every_topic_of_the_issue_with_complete_headers():
    assert len(QUERIES) >= 10 and list(QUERIES) == sorted(QUERIES)
    missing = {topic: name for topic, name in TOPICS.items() if name not in QUERIES}
    assert not missing
    for query in QUERIES.values():
        assert query.title and query.description and query.audience
        assert set(query.audience) <= set(AUDIENCES)
        assert query.sql.startswith("-- title: ")
    for audience in AUDIENCES:
        assert any(audience in q.audience for q in QUERIES.values())


def test_practice_parameters_offer_the_practices_the_model_scores():
    practice = next(p for p in QUERIES["practice_adoption_by_agent"].params if p.name == "practice")
    assert practice.type == "practice" and practice.choices == practice_names()


@pytest.mark.parametrize("name", QUERIES)
def test_every_saved_query_returns_rows_with_its_defaults(fitted_sample_db, name):
    rows = run(fitted_sample_db, name)
    assert rows, f"{name} returned no rows on the sample database"
    columns = list(rows[0])
    assert len(set(columns)) == len(columns)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", c) for c in columns), columns


TEXT_QUERIES = [name for name, q in QUERIES.items() if any(p.type == "text" for p in q.params)]


@pytest.mark.parametrize("name", TEXT_QUERIES)
def test_quotes_and_sql_in_text_parameters_are_data(fitted_sample_db, name):
    calls = scalar(fitted_sample_db, "SELECT count(*) FROM calls")
    texts = [p.name for p in QUERIES[name].params if p.type == "text"]
    for injection in INJECTIONS:
        assert run(fitted_sample_db, name, {t: injection for t in texts}) == []
    assert scalar(fitted_sample_db, "SELECT count(*) FROM calls") == calls > 17000


def test_most_queries_take_a_text_filter():
    assert len(TEXT_QUERIES) >= 8


def test_values_are_typed_and_empty_means_no_filter():
    query = QUERIES["churn_by_month_team"]
    assert query.bind({"start": "2025-03-01", "team": " leeds-1 ", "horizon": "30"}) == {
        "start": date(2025, 3, 1), "end": None, "team": "leeds-1", "horizon": 30}
    assert query.bind({"horizon": "", "team": None})["horizon"] is None
    assert query.bind()["horizon"] == 90
    assert QUERIES["rejected_rows_by_rule"].bind({"batch": "3"})["batch"] == 3
    shrunk = QUERIES["agent_upset_churn_shrunken"]
    assert shrunk.bind({"prior_strength": "12.5"})["prior_strength"] == 12.5
    assert QUERIES["latest_model_effects"].bind({"method": "cox"})["method"] == "cox"


@pytest.mark.parametrize("name, values, expected", [
    ("churn_by_month_team", {"start": "tomorrow"}, "start: expected a date like 2025-01-31, got 'tomorrow'"),
    ("churn_by_month_team", {"end": "2025-02-30"}, "end: expected a date"),
    ("churn_by_month_team", {"horizon": "45"}, "horizon: expected one of 30, 90, 180, got '45'"),
    ("repeat_upset_contacts", {"days": "30.5"}, "days: expected a whole number"),
    ("repeat_upset_contacts", {"days": "1; DROP TABLE calls"}, "days: expected a whole number"),
    ("agent_upset_churn_shrunken", {"prior_strength": "lots"}, "prior_strength: expected a number"),
    ("agent_upset_churn_shrunken", {"prior_strength": "nan"}, "prior_strength: expected a number"),
    ("practice_adoption_by_agent", {"practice": "smiled"}, "practice: expected one of let_vent"),
    ("latest_model_effects", {"method": "aipw' OR '1'='1"}, "method: expected one of aipw"),
    ("churn_by_month_team", {"teams": "leeds-1"}, "unknown parameter teams (known: start, end, team, horizon)"),
])
def test_a_bad_value_or_unknown_parameter_is_refused_by_name(name, values, expected):
    with pytest.raises(ValueError, match=re.escape(expected)):
        QUERIES[name].bind(values)


GOOD = """-- title: Calls of a team
-- description: One row per call.
-- audience: analyst, director
-- param: team text = | Team
SELECT call_id FROM call_facts WHERE $team IS NULL OR team = $team
"""


@pytest.mark.parametrize("old, new, line, problem", [
    ("-- title: Calls of a team\n", "", 4, "no '-- title: ...' line"),
    ("-- description: One row per call.\n", "-- description:\n", 2, "description is empty"),
    ("analyst, director", "analyst, ceo", 3, "audience must be"),
    ("team text =", "team txt =", 4, "TYPE one of date, int, float, text"),
    ("team text =", "Team text =", 4, "NAME a lowercase identifier"),
    ("team text = |", "team int = leeds |", 4, "bad default: team: expected a whole number"),
    ("team text = |", "team choice(30,90) = 45 |", 4, "bad default: team: expected one of 30, 90"),
    ("| Team\n", "| Team\n-- param: team int = | Again\n", 5, "parameter team declared twice"),
    ("| Team\n", "| Team\n-- param: days int = 30 | Days\n", 5, "days is declared but the SQL never uses $days"),
    ("OR team = $team", "OR team = $team\n  AND call_date >= $start", 6, "$start is used but not declared"),
    ("SELECT call_id", "DELETE", 5, "one SELECT or WITH"),
    ("= $team\n", "= $team; DROP TABLE calls\n", 5, "only one SQL statement"),
])
def test_a_malformed_header_is_refused_naming_file_and_line(old, new, line, problem):
    assert old in GOOD
    with pytest.raises(ValueError) as caught:
        parse("bad", GOOD.replace(old, new))
    assert str(caught.value).startswith(f"queries/library/bad.sql line {line}: ")
    assert problem in str(caught.value)


def test_a_well_formed_header_is_read_as_written():
    query = parse("good", GOOD.replace("$team\n", "$team;\n-- trailing note, '$nothing'\n"))
    assert (query.name, query.title, query.audience) == ("good", "Calls of a team", ("analyst", "director"))
    assert [(p.name, p.type, p.default, p.help) for p in query.params] == [("team", "text", None, "Team")]
    free = parse("free", "-- title: T\n-- description: D\n-- audience: trainer\n-- Reads: calls\n"
                 "SELECT '$x' AS a /* $y */ FROM calls -- $z\n")
    assert free.params == () and free.bind() == {}


def test_churn_by_month_and_team_counts_every_upset_call_once(fitted_sample_db):
    period = {"start": "2025-02-01", "end": "2025-06-30"}
    rows = run(fitted_sample_db, "churn_by_month_team", period)
    expected = scalar(fitted_sample_db, "SELECT count(*) FROM call_facts WHERE is_upset "
                      "AND call_date BETWEEN DATE '2025-02-01' AND DATE '2025-06-30'")
    assert sum(r["upset_calls"] for r in rows) == expected
    assert {r["month"] for r in rows} == {date(2025, m, 1) for m in range(2, 7)}
    assert all(r["churned"] <= r["closed_windows"] <= r["upset_calls"] for r in rows)
    churned = scalar(fitted_sample_db, "SELECT count(*) FROM customer_retention WHERE churned_90d "
                     "AND days_observable >= 90 AND call_date BETWEEN DATE '2025-02-01' AND "
                     "DATE '2025-06-30'")
    assert sum(r["churned"] for r in rows) == churned

    leeds = run(fitted_sample_db, "churn_by_month_team", {**period, "team": "leeds-1"})
    assert leeds and {r["team"] for r in leeds} == {"leeds-1"}
    assert sum(r["upset_calls"] for r in leeds) == sum(r["upset_calls"] for r in rows
                                                     if r["team"] == "leeds-1")


def test_churn_counts_only_closed_windows(fitted_sample_db):
    """Windows of calls from 5 December are open at the 2026-01-01 as-of date, early churners or not."""
    december = run(fitted_sample_db, "churn_by_month_team", {"start": "2025-12-05", "horizon": "30"})
    assert december and all(r["closed_windows"] == r["churned"] == 0 for r in december)
    assert all(r["churn_rate"] is None and r["upset_calls"] > 0 for r in december)
    assert scalar(fitted_sample_db, "SELECT count(*) FROM customer_retention "  # early churners exist
                  "WHERE event AND time_days <= 30 AND call_date >= DATE '2025-12-05'") > 0
    closed = {h: sum(r["closed_windows"]
                     for r in run(fitted_sample_db, "churn_by_month_team", {"horizon": h}))
              for h in ("30", "90", "180")}
    assert closed["30"] > closed["90"] > closed["180"] > 0


def test_latest_model_effects_come_from_the_newest_run_of_the_horizon(fitted_sample_db, tmp_path):
    db = tmp_path / "runs.duckdb"
    shutil.copy(fitted_sample_db, db)
    with duckdb.connect(str(db)) as con:
        for run_id, horizon in ((2, 90), (3, 30)):
            con.execute("INSERT INTO model_runs SELECT * REPLACE (?::INT AS run_id, "
                        "?::INT AS horizon_days) FROM model_runs WHERE run_id = 1", [run_id, horizon])
            con.execute("INSERT INTO practice_effects SELECT * REPLACE (?::INT AS run_id) "
                        "FROM practice_effects WHERE run_id = 1", [run_id])
    before = run(fitted_sample_db, "latest_model_effects")
    assert {r["run_id"] for r in before} == {1}
    newest = run(db, "latest_model_effects")
    assert {r["run_id"] for r in newest} == {2} and len(newest) == len(before)
    assert {r["horizon_days"] for r in newest} == {90}
    assert {r["run_id"] for r in run(db, "latest_model_effects", {"horizon": "30"})} == {3}
    assert run(db, "latest_model_effects", {"horizon": "180"}) == []
    aipw = run(db, "latest_model_effects", {"method": "aipw", "practice": "took_ownership"})
    assert [(r["practice"], r["method"]) for r in aipw] == [("took_ownership", "aipw")]


def test_shrunken_agent_churn_matches_the_beta_binomial_fit(fitted_sample_db):
    """The method-of-moments prior lands close to calmline.analysis.shrinkage's maximum likelihood one."""
    import pandas as pd

    from calmline.analysis.shrinkage import shrink_rates

    rows = run(fitted_sample_db, "agent_upset_churn_shrunken")
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1)) and len(rows) == 50
    rates = [r["shrunken_rate"] for r in rows]
    assert rates == sorted(rates, reverse=True)
    closed = scalar(fitted_sample_db, "SELECT count(churned_90d) FROM customer_retention "
                    "WHERE days_observable >= 90")
    assert sum(r["calls"] for r in rows) == closed
    overall = rows[0]["overall_rate"]
    for r in rows:  # shrinkage pulls each raw rate towards the overall rate, never past it
        low, high = sorted((r["raw_rate"], overall))
        assert low - 1e-12 <= r["shrunken_rate"] <= high + 1e-12
    reference = shrink_rates(pd.DataFrame(rows), successes="churned", trials="calls")
    assert (reference["shrunk_rate"] - reference["shrunken_rate"]).abs().max() < 0.005

    raw = run(fitted_sample_db, "agent_upset_churn_shrunken", {"prior_strength": "0"})
    assert all(abs(r["shrunken_rate"] - r["raw_rate"]) < 1e-12 for r in raw)


def test_practice_adoption_by_agent_adds_up_to_the_calls(fitted_sample_db):
    rows = run(fitted_sample_db, "practice_adoption_by_agent", {"practice": "apologized", "team": "leeds-2"})
    assert rows and {(r["practice"], r["team"]) for r in rows} == {("apologized", "leeds-2")}
    used, assessed = scalar(fitted_sample_db, "SELECT count(*) FILTER (WHERE apologized), count(apologized) "
                            "FROM call_facts WHERE is_upset AND team = 'leeds-2'")
    assert sum(r["used_calls"] for r in rows) == used
    assert sum(r["assessed_calls"] for r in rows) == assessed
    assert all(abs(r["team_adoption"] - used / assessed) < 1e-12 for r in rows)
    everything = run(fitted_sample_db, "practice_adoption_by_agent")
    assert {r["practice"] for r in everything} == set(practice_names())


def test_repeat_contacts_grow_with_the_window(fitted_sample_db):
    short, long = (run(fitted_sample_db, "repeat_upset_contacts", {"days": d}) for d in ("7", "60"))
    assert sum(r["repeat_calls"] for r in short) < sum(r["repeat_calls"] for r in long)
    assert all(r["repeat_calls"] <= r["closed_windows"] <= r["upset_calls"] for r in short + long)


def test_training_before_after_maps_modules_to_practices(fitted_sample_db):
    options = run(fitted_sample_db, "training_adoption_before_after", {"practice": "offered_options"})
    assert {(r["practice"], r["module"]) for r in options} == {("offered_options", "options_offered")}
    assert run(fitted_sample_db, "training_adoption_before_after", {"practice": "followed_up"}) == []
    recent = run(fitted_sample_db, "training_adoption_before_after",
                 {"start": "2025-03-01", "end": "2025-10-31"})
    assert recent and all(date(2025, 3, 1) <= r["completed_at"] <= date(2025, 10, 31) for r in recent)
    assert all(r["calls_before"] + r["calls_after"] > 0 for r in recent)


def test_rejected_rows_by_rule_account_for_every_rejected_row(fitted_sample_db):
    rows = run(fitted_sample_db, "rejected_rows_by_rule")
    assert sum(r["rejected_rows"] for r in rows) == 25
    assert scalar(fitted_sample_db, "SELECT count(*) FROM rejected_rows") == 25
    assert all("(got" not in r["rule"] for r in rows)
    assert run(fitted_sample_db, "rejected_rows_by_rule", {"entity": "customers"}) == []
    assert run(fitted_sample_db, "rejected_rows_by_rule", {"batch": "99"}) == []


def test_lost_customers_churned_within_the_horizon_of_an_unresolved_call(fitted_sample_db):
    rows = run(fitted_sample_db, "lost_after_unresolved_upset", {"horizon": "30"})
    assert rows and len({r["customer_id"] for r in rows}) == len(rows)
    assert all(0 <= r["days_to_churn"] <= 30 for r in rows)
    unresolved = column(fitted_sample_db, "SELECT call_id FROM call_facts WHERE is_upset AND NOT resolved")
    assert {r["last_call_id"] for r in rows} <= unresolved
    assert all(r["unresolved_upset_calls"] >= 1 and r["churned_at"] for r in rows)
    assert len(run(fitted_sample_db, "lost_after_unresolved_upset", {"horizon": "180"})) > len(rows)


def test_options_offered_bands_cover_every_upset_call_with_a_count(fitted_sample_db):
    rows = run(fitted_sample_db, "options_offered_churn")
    assert [r["options_offered"] for r in rows] == ["0", "1", "2", "3+"]
    assert sum(r["upset_calls"] for r in rows) == scalar(
        fitted_sample_db, "SELECT count(options_offered) FROM call_facts WHERE is_upset")
    assert rows[0]["adjusted_difference"] == 0 and all(r["adjusted_risk"] is not None for r in rows)
