"""`calmline fit` end to end on awkward data: warnings in the tables, never NaN, never a crash."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from tests.conftest import ROOT, query, run_cli

RESULT_TABLES = ("practice_effects", "practice_balance", "km_curves", "dose_response",
                 "effect_heterogeneity", "training_priorities", "agent_adoption")


def _load(tmp_path, calls_sql: str | None = None, customers_sql: str | None = None):
    """The sample data, each calls (or the customers) file rewritten by a SELECT on table t; loaded
    and fitted. Returns the database and fit's output."""
    source = tmp_path / "source"
    shutil.copytree(ROOT / "sample_data", source)
    edits = [(p, calls_sql) for p in sorted((source / "calls").glob("*.csv"))] + \
        [(source / "customers.csv", customers_sql)]
    con = duckdb.connect()
    for path, sql in edits:
        if sql:
            con.execute(f"CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv('{path}', all_varchar=true)")
            con.execute(f"COPY ({sql}) TO '{path}' (HEADER)")
    con.close()
    db = tmp_path / "db.duckdb"
    assert run_cli("etl", "--source", str(source), "--db", str(db), "--as-of", "2026-01-01").returncode == 0
    fitted = run_cli("fit", "--db", str(db))
    assert fitted.returncode == 0, fitted.stderr
    return db, fitted.stdout


def _no_nan(db):
    for table in RESULT_TABLES:
        columns = [c for (c, t) in query(db, "SELECT column_name, data_type FROM information_schema.columns "
                                             "WHERE table_name = $t", {"t": table}) if t == "DOUBLE"]
        for column in columns:
            assert query(db, f"SELECT count(*) FROM {table} WHERE isnan({column}) OR isinf({column})") == [
                (0,)], f"{table}.{column}"


def test_a_practice_nobody_uses_is_reported_not_estimated(tmp_path):
    db, _ = _load(tmp_path, "SELECT * REPLACE ('false' AS summarized) FROM t")
    rows = query(db, "SELECT method, estimate, warning FROM practice_effects "
                     "WHERE practice = 'summarized' AND method IN ('logit', 'aipw')")
    assert rows and all(est is None and "no variation" in warning for _, est, warning in rows)
    assert query(db, "SELECT count(*) FROM practice_effects WHERE practice = 'took_ownership' "
                     "AND method = 'aipw' AND estimate IS NOT NULL") == [(1,)]
    _no_nan(db)


def test_a_centre_with_a_single_agent_still_gets_results_with_a_warning(tmp_path):
    db, _ = _load(tmp_path, "SELECT * REPLACE ('AGT-0001' AS agent_id) FROM t")
    (warnings,), = query(db, "SELECT warnings FROM model_runs")
    assert any("one agent only" in w for w in warnings)
    _no_nan(db)


def test_no_churn_at_all_gives_warnings_and_no_numbers(tmp_path):
    db, output = _load(tmp_path, customers_sql="SELECT * REPLACE (NULL AS churned_at) FROM t")
    assert "no churn events" in output
    assert query(db, "SELECT count(*) FROM practice_effects WHERE method <> 'naive' AND estimate IS NOT NULL"
                 ) == [(0,)]
    _no_nan(db)


@pytest.mark.parametrize("horizon", [30, 180])
def test_other_horizons_use_their_own_windows(sample_db, multi_horizon_db, tmp_path, horizon):
    db = multi_horizon_db  # the sample fitted at 90 days, then at 30
    if horizon not in (30, 90):
        db = tmp_path / "db.duckdb"
        shutil.copyfile(sample_db, db)  # the bundled sample, loaded
        assert run_cli("fit", "--db", str(db), "--horizon", str(horizon)).returncode == 0
    (n_calls,), = query(db, "SELECT n_calls FROM model_runs WHERE horizon_days = $h", {"h": horizon})
    (closed,), = query(db, f"SELECT count(*) FROM customer_retention WHERE days_observable >= {horizon} "
                           f"AND NOT churned_before_call")
    assert 0 < n_calls <= closed


def test_a_results_database_from_before_gains_the_new_columns_and_the_honest_estimands(sample_db, tmp_path):
    """A database fitted by an older calmline has practice_effects without the trimming counts:
    `calmline fit` adds them (ALTER TABLE ... ADD COLUMN IF NOT EXISTS) and fills them."""
    db = tmp_path / "db.duckdb"
    shutil.copyfile(sample_db, db)  # the bundled sample, loaded
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE practice_effects (run_id INTEGER NOT NULL, practice VARCHAR NOT NULL, "
                "method VARCHAR NOT NULL, effect VARCHAR NOT NULL, outcome VARCHAR NOT NULL, "
                "scale VARCHAR NOT NULL, estimate DOUBLE, ci_low DOUBLE, ci_high DOUBLE, p_value DOUBLE, "
                "q_value DOUBLE, n_with BIGINT, n_without BIGINT, mde DOUBLE, warning VARCHAR)")
    con.close()
    fitted = run_cli("fit", "--db", str(db))
    assert fitted.returncode == 0, fitted.stderr
    rows = query(db, "SELECT n_calls, n_trimmed, n_analysed FROM practice_effects WHERE method = 'aipw' "
                     "AND estimate IS NOT NULL")
    assert rows and all(t is not None and t >= 0 and a + t == n for n, t, a in rows)
    assert query(db, "SELECT count(*) FROM practice_effects WHERE method <> 'aipw' AND n_trimmed IS NOT NULL"
                 ) == [(0,)]
    assert query(db, "SELECT DISTINCT effect FROM practice_effects WHERE practice = 'followed_up' "
                     "ORDER BY 1") == [("landmark",)]
    assert query(db, "SELECT count(*) FROM practice_effects WHERE effect = 'direct' AND "
                     "warning NOT LIKE '%collider bias%'") == [(0,)]
    (spec,), = query(db, "SELECT specification FROM model_runs")
    assert "still active 30 days after the call" in spec and "recorded resolution" in spec
    _no_nan(db)
