"""The query explorer's engine: what it runs, what it refuses, and that DuckDB itself is the boundary.

Every attack leaves the database file byte-for-byte unchanged and the same sandbox
answering a normal query afterwards. The file, network and settings attacks are run
twice: through the gate, and straight on the sandbox's raw DuckDB connection, where
DuckDB's own configuration must refuse them.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time

import duckdb
import pandas as pd
import pytest

from calmline.database.connection import connect
from calmline.explorer.gate import MAX_SQL_BYTES, gate
from calmline.explorer.saved_queries import library
from calmline.explorer.sandbox import Limits, QueryFailed, Refused, Sandbox, required
from tests.conftest import ROOT, file_digest

LIMITS = Limits(seconds=1.0, memory="200MB")
CALLS = json.loads((ROOT / "sample_data" / "ground_truth.json").read_text())["world"]["calls"]
"""Calls in sample_data that load: the generator's count (its dirty rows are rejected)."""




@pytest.fixture(scope="module")
def digest(sample_db):
    return file_digest(sample_db)


@pytest.fixture(scope="module")
def box(sample_db):
    with Sandbox(sample_db, LIMITS) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def roomy(sample_db):
    """The same memory limit with 3 s to reach it: on a busy machine a memory-bound query can
    use up the 1 s time limit before it has filled 200 MB."""
    with Sandbox(sample_db, Limits(seconds=3.0, memory=LIMITS.memory)) as sandbox:
        yield sandbox


def still_serves(box: Sandbox, sample_db, digest) -> None:
    """The same worker answers a normal query, its settings hold, and the file is unchanged."""
    assert box.run("SELECT count(*) AS n FROM calls").frame["n"].tolist() == [CALLS]
    assert box.settings()["lock_configuration"] == "true"
    assert box.settings()["enable_external_access"] == "false"
    assert file_digest(sample_db) == digest


# --- settings ---------------------------------------------------------------------------

def test_settings_are_read_back_as_required(box):
    settings = box.settings()
    assert settings["enable_external_access"] == "false"
    assert settings["local_file_system"] == "disabled"
    assert settings["autoload_known_extensions"] == "false"
    assert settings["autoinstall_known_extensions"] == "false"
    assert settings["python_enable_replacements"] == "false"
    assert settings["temp_directory"] == ""
    assert settings["threads"] == "1"
    assert settings["max_execution_time"] == "1000"
    assert settings["memory_limit"] == "190.7 MiB"  # 200 MB
    assert settings["lock_configuration"] == "true"
    assert settings["database_read_only"] == "true"
    assert set(settings) == set(required(LIMITS))


def test_a_setting_not_as_required_stops_the_sandbox_from_opening(sample_db, monkeypatch):
    from calmline.explorer import sandbox

    def stricter(limits):
        return {**required(limits), "threads": "3", "memory_limit": str(10**12)}

    monkeypatch.setattr(sandbox, "required", stricter)
    with pytest.raises(RuntimeError) as refused:
        Sandbox(sample_db, LIMITS)
    assert "threads is '1', must be '3'" in str(refused.value)
    assert "memory_limit" in str(refused.value)


def test_no_database_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `calmline etl` first"):
        Sandbox(tmp_path / "missing.duckdb", LIMITS)


# --- what runs ----------------------------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "SELECT count(*) FROM calls",
    "  -- calls per channel\n select channel, count(*) from calls group by channel ;  -- done\n",
    "WITH upset AS (SELECT * FROM call_facts WHERE is_upset) SELECT count(*) FROM upset",
    "FROM customers LIMIT 3",
    "DESCRIBE calls",
    "SUMMARIZE agents",
    "sElEcT 1 AS one; /* trailing comment */",
])
def test_queries_run(box, sql):
    assert len(box.run(sql).frame) > 0


def test_comments_and_strings_are_not_statements(box):
    result = box.run("SELECT 'DROP TABLE calls; COPY calls TO ''/tmp/x''' AS s -- ; DROP TABLE calls")
    assert result.frame["s"].tolist() == ["DROP TABLE calls; COPY calls TO '/tmp/x'"]


def test_result_keeps_duckdb_types(box):
    result = box.run("SELECT call_id, anger_level, started_at FROM calls LIMIT 1")
    assert result.columns == (("call_id", "VARCHAR"), ("anger_level", "BIGINT"),
                              ("started_at", "TIMESTAMP"))
    assert list(result.frame.columns) == ["call_id", "anger_level", "started_at"]
    assert result.seconds >= 0


@pytest.mark.parametrize("rows, limit, truncated", [
    (25, 10, True), (25, 25, False), (25, 26, False), (0, 10, False), (5000, 4097, True),
])
def test_row_cap_says_when_it_truncated(box, rows, limit, truncated):
    result = box.run(f"SELECT range AS i FROM range({rows}) ORDER BY i DESC", limit=limit)
    assert result.truncated is truncated
    assert result.limit == limit
    assert len(result.frame) == min(rows, limit)
    assert result.frame["i"].tolist() == list(range(rows - 1, rows - 1 - min(rows, limit), -1))


def test_display_cap_is_the_default(box):
    assert box.run("SELECT * FROM range(10000)").truncated is False
    capped = box.run("SELECT * FROM range(10001)")
    assert capped.truncated and len(capped.frame) == 10_000 == capped.limit


def test_bound_parameters_are_data(box):
    for value in ("x' OR '1'='1", "'; DROP TABLE calls; --", "$other", "\\'); COPY calls TO '/tmp/x"):
        assert box.run("SELECT $v AS v", {"v": value}).frame["v"].tolist() == [value]
    matched = box.run("SELECT count(*) AS n FROM calls WHERE call_id = $id", {"id": "x' OR '1'='1"})
    assert matched.frame["n"].tolist() == [0]


# --- saved queries ------------------------------------------------------------------------

FIT_TABLES = ("model_runs", "practice_effects", "training_priorities", "dose_response")
"""Tables `calmline fit` writes; the module's database is loaded, not fitted."""


@pytest.mark.parametrize("name", sorted(library()))
def test_every_saved_query_runs_in_the_sandbox(box, name):
    """Queries over the marts return rows; those over model results say the table is missing."""
    if any(table in library()[name].sql for table in FIT_TABLES):
        with pytest.raises(QueryFailed) as failed:
            box.saved(name)
        assert failed.value.kind == "error"
        assert "does not exist" in str(failed.value)
    else:
        result = box.saved(name)
        assert not result.truncated
        assert len(result.frame) > 0


def test_saved_query_values_with_sql_in_them_are_data(box):
    everyone = box.saved("churn_by_month_team")
    assert len(everyone.frame) > 0
    for value in ("x' OR '1'='1", "'; DROP TABLE calls; --"):
        assert box.saved("churn_by_month_team", {"team": value}).frame.empty


def test_saved_query_bad_values_name_the_parameter(box):
    with pytest.raises(ValueError, match="unknown parameter colour"):
        box.saved("churn_by_month_team", {"colour": "red"})
    with pytest.raises(ValueError, match="start: expected a date"):
        box.saved("churn_by_month_team", {"start": "last tuesday"})
    with pytest.raises(ValueError, match="horizon: expected one of 30, 90, 180"):
        box.saved("churn_by_month_team", {"horizon": "45; DROP TABLE calls"})
    with pytest.raises(ValueError, match="no saved query called 'nope'"):
        box.saved("nope")


# --- the attack corpus, through the gate ---------------------------------------------------

secret_frame = pd.DataFrame({"secret": ["in the process"]})

REFUSED = [
    "COPY calls TO '/tmp/calmline-stolen.csv'",
    "COPY (SELECT * FROM customers) TO '/tmp/calmline-stolen.parquet' (FORMAT parquet)",
    "EXPORT DATABASE '/tmp/calmline-export'",
    "ATTACH '/tmp/calmline-other.duckdb' AS other",
    "ATTACH ':memory:' AS scratch",
    "DETACH calm",
    "USE memory",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET GLOBAL threads = 8",
    "SET memory_limit = '100GB'",
    "SET max_execution_time = 0",
    "SET lock_configuration = false",
    "RESET memory_limit",
    "PRAGMA threads = 8",
    "PRAGMA enable_profiling",
    "SET VARIABLE x = 1",
    "CREATE TABLE copy AS SELECT * FROM calls",
    "CREATE TEMP TABLE big AS SELECT * FROM range(1000000000)",
    "CREATE VIEW v AS SELECT 1",
    "CREATE TEMP MACRO m() AS 1",
    "INSERT INTO calls (call_id) VALUES ('x')",
    "UPDATE customers SET churned_at = NULL",
    "DELETE FROM calls",
    "DROP TABLE calls",
    "ALTER TABLE calls ADD COLUMN x INTEGER",
    "CHECKPOINT",
    "FORCE CHECKPOINT",
    "VACUUM",
    "BEGIN TRANSACTION",
    "CALL pragma_version()",
    "EXPLAIN ANALYZE SELECT 1",
    "PIVOT calls ON channel USING count(*)",
    "SELECT 1; COPY calls TO '/tmp/calmline-stolen.csv'",
    "SELECT 1; SELECT 2",
    "/* SELECT */ CoPy calls TO '/tmp/calmline-stolen.csv'",
    "-- just reading\nDrOp TaBlE calls",
    "SELECT 1;\nDELETE FROM calls; -- stacked after a query",
    "",
    "  ;  -- nothing",
    "SELECT '" + "x" * 1_000_000 + "'",
]

CONTAINED = [  # queries the gate lets through; DuckDB's settings stop them
    ("SELECT * FROM read_text('/etc/hostname')", "disabled by configuration"),
    ("SELECT * FROM read_csv('/etc/passwd', sep = ':')", "disabled by configuration"),
    ("SELECT * FROM read_blob('/etc/hostname')", "disabled by configuration"),
    ("SELECT * FROM read_json('/etc/hostname')", "disabled by configuration"),
    ("SELECT * FROM glob('/etc/*')", "disabled by configuration"),
    ("SELECT * FROM sniff_csv('/etc/passwd')", "disabled by configuration"),
    ("SELECT * FROM parquet_metadata('/etc/passwd')", "disabled by configuration"),
    ("SELECT * FROM '/etc/hostname'", "does not exist"),
    ("SELECT * FROM read_csv('https://example.com/data.csv')", "disabled by configuration"),
    ("SELECT * FROM 'http://169.254.169.254/latest/meta-data'", "does not exist"),
    ("SELECT * FROM query('COPY calls TO ''/tmp/calmline-stolen.csv''')", "single SELECT"),
    ("WITH gone AS (DELETE FROM calls RETURNING *) SELECT count(*) FROM gone", "read-only"),
    ("SELECT * FROM secret_frame", "does not exist"),
    ("SELECT count(*) FROM range(1000000000) a CROSS JOIN range(1000) b", "time limit of 1 s"),
    ("SELECT count(*) FROM (SELECT range % 100000000 AS k FROM range(300000000) GROUP BY k)",
     "memory limit of 200MB"),
    ("SELECT list(range) FROM range(100000000)", "memory limit of 200MB"),
]


@pytest.mark.parametrize("sql", REFUSED, ids=lambda sql: sql[:40])
def test_gate_refuses_and_says_what_is_allowed(box, sample_db, digest, sql):
    with pytest.raises(Refused) as refused:
        box.run(sql)
    assert "Only a query can run here" in str(refused.value)
    assert not os.path.exists("/tmp/calmline-stolen.csv")
    still_serves(box, sample_db, digest)


def test_read_blob_of_the_database_file_itself_is_refused(box, sample_db, digest):
    with pytest.raises(QueryFailed, match="disabled by configuration"):
        box.run("SELECT size FROM read_blob($p)", {"p": str(sample_db)})
    still_serves(box, sample_db, digest)


@pytest.mark.parametrize("sql, message", CONTAINED, ids=lambda v: str(v)[:40])
def test_queries_that_pass_the_gate_are_contained(box, roomy, sample_db, digest, sql, message):
    started = time.perf_counter()
    with pytest.raises(QueryFailed) as failed:
        (roomy if "memory limit" in message else box).run(sql)
    assert message in str(failed.value)
    assert failed.value.kind == ("timeout" if "time limit" in message else
                                 "memory" if "memory limit" in message else "error")
    assert time.perf_counter() - started < 5
    still_serves(box, sample_db, digest)


def test_oversized_statement_is_refused_before_parsing():
    with pytest.raises(Refused, match=f"at most {MAX_SQL_BYTES:,} are allowed"):
        gate("SELECT 1 " + " " * MAX_SQL_BYTES)
    assert gate("SELECT 1" + " " * (MAX_SQL_BYTES - 8)).startswith("SELECT 1")


def test_syntax_error_is_a_failure_with_duckdbs_message(box):
    with pytest.raises(QueryFailed) as failed:
        box.run("SELEC count(*) FROM calls")
    assert failed.value.kind == "error"
    assert 'syntax error at or near "SELEC"' in str(failed.value)


# --- the same attacks straight on DuckDB: the settings are the boundary -----------------

RAW_REFUSED = [  # (sql, DuckDB's exception, what it says)
    ("SELECT * FROM read_text('/etc/hostname')", duckdb.PermissionException, "disabled"),
    ("SELECT * FROM read_csv('/etc/passwd')", duckdb.PermissionException, "disabled"),
    ("SELECT * FROM glob('/etc/*')", duckdb.PermissionException, "disabled"),
    ("SELECT * FROM sniff_csv('/etc/passwd')", duckdb.PermissionException, "disabled"),
    ("SELECT * FROM read_csv('https://example.com/data.csv')", duckdb.PermissionException, "disabled"),
    ("COPY calls TO '{tmp}/stolen.csv'", duckdb.PermissionException, "disabled"),
    ("EXPORT DATABASE '{tmp}/export'", duckdb.PermissionException, "disabled"),
    ("ATTACH '{tmp}/other.duckdb' AS other", duckdb.PermissionException, "disabled"),
    ("INSTALL httpfs", duckdb.PermissionException, "disabled"),
    ("LOAD httpfs", duckdb.PermissionException, "disabled"),
    ("SET enable_external_access = true", duckdb.InvalidInputException, "locked"),
    ("SET disabled_filesystems = ''", duckdb.InvalidInputException, "locked"),
    ("SET lock_configuration = false", duckdb.InvalidInputException, "locked"),
    ("SET GLOBAL threads = 8", duckdb.InvalidInputException, "locked"),
    ("SET memory_limit = '100GB'", duckdb.InvalidInputException, "locked"),
    ("SET SESSION max_execution_time = 0", duckdb.InvalidInputException, "locked"),
    ("SET temp_directory = '{tmp}'", duckdb.InvalidInputException, "locked"),
    ("SET python_enable_replacements = true", duckdb.InvalidInputException, "locked"),
    ("SET autoload_known_extensions = true", duckdb.InvalidInputException, "locked"),
    ("RESET enable_external_access", duckdb.InvalidInputException, "locked"),
    ("PRAGMA threads = 8", duckdb.InvalidInputException, "locked"),
    ("CREATE TABLE copy AS SELECT * FROM calls", duckdb.InvalidInputException, "read-only"),
    ("INSERT INTO etl_state SELECT * FROM etl_state", duckdb.InvalidInputException, "read-only"),
    ("UPDATE customers SET churned_at = NULL", duckdb.InvalidInputException, "read-only"),
    ("DELETE FROM calls", duckdb.InvalidInputException, "read-only"),
    ("DROP TABLE calls", duckdb.InvalidInputException, "read-only"),
    ("CREATE TEMP TABLE big AS SELECT range AS a, repeat('x', 50) AS b FROM range(300000000)",
     duckdb.OutOfMemoryException, "could not allocate"),
    ("SELECT count(*) FROM range(1000000000) a CROSS JOIN range(1000) b",
     duckdb.InterruptException, "maximum execution time"),
]


@pytest.mark.parametrize("sql, error, message", RAW_REFUSED, ids=lambda v: str(v)[:40])
def test_duckdb_itself_refuses_without_the_gate(box, sample_db, digest, tmp_path, monkeypatch,
                                                sql, error, message):
    monkeypatch.chdir(tmp_path)  # where DuckDB would spill (.tmp) or write relative paths
    with pytest.raises(error) as refused:
        box._con.execute(sql.format(tmp=tmp_path)).fetchall()
    box._con.abort()
    assert message in str(refused.value)
    assert list(tmp_path.iterdir()) == []  # nothing written, nothing spilled
    still_serves(box, sample_db, digest)


def test_checkpoint_straight_on_duckdb_changes_nothing(box, sample_db, digest):
    box._con.execute("CHECKPOINT")
    box._con.execute("FORCE CHECKPOINT")
    still_serves(box, sample_db, digest)


def test_no_python_object_is_reachable_from_sql(box, sample_db, digest):
    frame_in_scope = pd.DataFrame({"secret": ["in the process"]})
    plain = duckdb.connect()  # control: an ordinary connection finds the variable
    assert plain.execute("SELECT * FROM frame_in_scope").fetchall() == [("in the process",)]
    plain.close()
    with pytest.raises(duckdb.CatalogException, match="frame_in_scope does not exist"):
        box._con.execute("SELECT * FROM frame_in_scope")
    with pytest.raises(QueryFailed, match="frame_in_scope does not exist"):
        box.run("SELECT * FROM frame_in_scope")
    assert len(frame_in_scope) == 1
    still_serves(box, sample_db, digest)


# --- design findings (a)-(d) ----------------------------------------------------------------

def test_ordinary_connection_opened_first_keeps_working_and_its_settings(sample_db):
    plain = connect(sample_db)
    before = plain.execute("SELECT current_setting('threads'), current_setting('enable_external_access'), "
                           "current_setting('lock_configuration')").fetchone()
    with Sandbox(sample_db, LIMITS) as sandbox:
        assert sandbox.run("SELECT count(*) AS n FROM calls").frame["n"].tolist() == [CALLS]
        assert plain.execute("SELECT count(*) FROM calls").fetchone() == (CALLS,)
        assert plain.execute("SELECT current_setting('threads'), current_setting('enable_external_access'), "
                             "current_setting('lock_configuration')").fetchone() == before
        assert before[1:] == (True, False)
        assert plain.execute("SELECT count(*) FROM glob(?)", [str(sample_db)]).fetchone() == (1,)
    assert plain.execute("SELECT count(*) FROM calls").fetchone() == (CALLS,)
    plain.close()


def test_sandbox_opened_first_leaves_ordinary_connections_possible(sample_db):
    with Sandbox(sample_db, LIMITS) as sandbox:
        plain = connect(sample_db)
        assert plain.execute("SELECT count(*) FROM calls").fetchone() == (CALLS,)
        assert plain.execute("SELECT current_setting('lock_configuration')").fetchone() == (False,)
        with Sandbox(sample_db, LIMITS) as second:
            assert second.run("SELECT count(*) AS n FROM agents").frame["n"].tolist() == [50]
        assert sandbox.run("SELECT count(*) AS n FROM calls").frame["n"].tolist() == [CALLS]
        plain.close()


def test_a_new_published_file_is_picked_up_by_a_new_sandbox(sample_db, tmp_path):
    db = tmp_path / "published.duckdb"
    shutil.copyfile(sample_db, db)
    old = Sandbox(db, LIMITS)
    assert old.is_current()
    work = tmp_path / ".published.duckdb.loading"
    shutil.copyfile(db, work)
    writer = duckdb.connect(str(work))
    writer.execute("DELETE FROM agents WHERE agent_id = 'AGT-0001'")
    writer.close()
    os.replace(work, db)  # what etl/publish does
    assert not old.is_current()
    assert old.run("SELECT count(*) AS n FROM agents").frame["n"].tolist() == [50]
    with Sandbox(db, LIMITS) as new:
        assert new.is_current()
        assert new.run("SELECT count(*) AS n FROM agents").frame["n"].tolist() == [49]
    old.close()


def test_time_limit_stops_one_query_while_other_threads_keep_working(sample_db):
    outcome = {}

    def long_query():
        with Sandbox(sample_db, Limits(seconds=2.0, memory="200MB")) as slow:
            started = time.perf_counter()
            try:
                slow.run("SELECT count(*) FROM range(1000000000) a CROSS JOIN range(1000) b")
            except QueryFailed as exc:
                outcome["kind"], outcome["seconds"] = exc.kind, time.perf_counter() - started
            outcome["after"] = slow.run("SELECT 1 AS ok").frame["ok"].tolist()

    worker = threading.Thread(target=long_query)
    worker.start()
    time.sleep(0.3)
    with Sandbox(sample_db, LIMITS) as other:
        for _ in range(5):
            assert other.run("SELECT count(*) AS n FROM call_facts").frame["n"].tolist() == [CALLS]
    plain = connect(sample_db)
    assert plain.execute("SELECT count(*) FROM calls").fetchone() == (CALLS,)
    plain.close()
    assert worker.is_alive()  # the others finished while the long query still ran
    worker.join(timeout=30)
    assert outcome["kind"] == "timeout"
    assert 1.5 < outcome["seconds"] < 6
    assert outcome["after"] == [1]


# --- schema ------------------------------------------------------------------------------

def test_schema_lists_tables_views_columns_and_what_they_mean(box):
    schema = box.schema()
    assert list(schema.columns) == ["table", "kind", "column", "type", "table_description",
                                    "description"]
    kinds = schema.drop_duplicates("table").set_index("table")["kind"]
    assert kinds["calls"] == "table" and kinds["call_facts"] == "view"
    assert kinds["customer_retention"] == "view"
    tables = schema.drop_duplicates("table").set_index("table")["table_description"]
    assert tables["call_facts"].startswith("One row per call")
    assert tables["load_batches"] == "One row per file per load (batch)."
    assert all(tables != "")
    facts = schema[schema["table"] == "call_facts"].set_index("column")
    assert facts.loc["is_upset", "type"] == "BOOLEAN"
    assert facts.loc["is_upset", "description"] == "anger_level >= 3"
    calls = schema[schema["table"] == "calls"]["column"].tolist()
    assert calls[:3] == ["call_id", "customer_id", "agent_id"]


@pytest.mark.parametrize("bad", [{"seconds": 0}, {"seconds": -1}, {"threads": 0},
                                 {"display_rows": -1}, {"memory": "lots"}])
def test_limits_that_would_lift_a_limit_are_rejected(bad):
    with pytest.raises(ValueError):
        Limits(**bad)
