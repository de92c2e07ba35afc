"""`calmline query`: saved queries with parameters in each format, ad-hoc SQL, refusals and bad input."""

from __future__ import annotations

import csv
import io
import json

import pytest

from calmline.explorer.saved_queries import library
from tests.conftest import ROOT, file_digest, query, run_cli

TEAM = "belfast-1"




def months_with_upset_calls(db, team: str, start: str) -> int:
    return query(db, "SELECT count(DISTINCT call_month) FROM call_facts WHERE is_upset AND team = ? "
                     "AND call_date >= ?", [team, start])[0][0]


def test_saved_query_with_params_as_csv(sample_db):
    proc = run_cli("query", "churn_by_month_team", "--param", f"team={TEAM}", "-p", "start=2025-07-01",
                   "--db", str(sample_db), "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == months_with_upset_calls(sample_db, TEAM, "2025-07-01") > 0
    assert {row["team"] for row in rows} == {TEAM}
    assert min(row["month"] for row in rows) == "2025-07-01"  # dates print as dates


def test_saved_query_with_params_as_json(sample_db):
    proc = run_cli("query", "churn_by_month_team", "-p", f"team={TEAM}", "-p", "horizon=30",
                   "--db", str(sample_db), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert {row["team"] for row in rows} == {TEAM}
    assert all(0 <= row["churn_rate"] <= 1 for row in rows if row["churn_rate"] is not None)
    assert rows[0]["month"] == "2025-01-01"


def test_saved_query_as_table_with_title_and_row_count(sample_db):
    proc = run_cli("query", "churn_by_month_team", "-p", f"team={TEAM}", "--db", str(sample_db))
    assert proc.returncode == 0, proc.stderr
    assert "Churn after upset calls by month and team" in proc.stdout
    assert proc.stdout.count(TEAM) == months_with_upset_calls(sample_db, TEAM, "2000-01-01")
    assert "rows in" in proc.stderr


def test_adhoc_sql_runs_in_the_sandbox(sample_db):
    proc = run_cli("query", "--sql", "SELECT count(*) AS n FROM calls -- all of them;",
                   "--db", str(sample_db), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    calls = json.loads((ROOT / "sample_data" / "ground_truth.json").read_text())["world"]["calls"]
    assert json.loads(proc.stdout) == [{"n": calls}]  # calls in sample_data that load (its generator's count)


def test_limit_truncates_and_says_so_on_stderr(sample_db):
    proc = run_cli("query", "--sql", "SELECT range AS i FROM range(20)", "--limit", "5",
                   "--db", str(sample_db), "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["i", "0", "1", "2", "3", "4"]
    assert "more rows than the limit of 5" in proc.stderr


def test_refused_sql_exits_2_with_the_reason_and_changes_nothing(sample_db):
    before = file_digest(sample_db)
    for sql in ("COPY calls TO '/tmp/calmline-cli-stolen.csv'", "SELECT 1; DROP TABLE calls"):
        proc = run_cli("query", "--sql", sql, "--db", str(sample_db))
        assert proc.returncode == 2
        assert proc.stdout == ""
        assert "Only a query can run here" in proc.stderr
    assert file_digest(sample_db) == before


def test_failed_sql_exits_1_with_the_error(sample_db):
    proc = run_cli("query", "--sql", "SELECT * FROM read_text('/etc/hostname')", "--db", str(sample_db))
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "reads the calmline database only" in proc.stderr


@pytest.mark.parametrize("args, message", [
    (["-p", "team"], "--param 'team': expected KEY=VALUE"),
    (["-p", "colour=red"], "unknown parameter colour (known: start, end, team, horizon)"),
    (["-p", "start=last tuesday"], "start: expected a date like 2025-01-31, got 'last tuesday'"),
    (["-p", "horizon=45"], "horizon: expected one of 30, 90, 180, got '45'"),
    (["-p", "team=a", "-p", "team=b"], "--param team given twice"),
])
def test_bad_param_exits_2_naming_it(sample_db, args, message):
    proc = run_cli("query", "churn_by_month_team", *args, "--db", str(sample_db))
    assert proc.returncode == 2
    assert message in proc.stderr
    assert proc.stdout == ""


def test_list_names_every_saved_query():
    proc = run_cli("query", "--list")
    assert proc.returncode == 0, proc.stderr
    for name in library():
        assert name in proc.stdout
    assert "horizon choice(30,90,180) = 90" in proc.stdout


def test_query_explains_itself_and_needs_a_database():
    helped = run_cli("query", "--help")
    assert helped.returncode == 0
    for option in ("--param", "--sql", "--format", "--limit", "--list", "--db"):
        assert option in helped.stdout
    assert run_cli("query", "--sql", "SELECT 1").returncode == 2
    assert run_cli("query").returncode == 2
