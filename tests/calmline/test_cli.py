"""The `calmline` command as a user meets it: help, generate, then load what it generated."""

from __future__ import annotations

import json

from tests.conftest import file_digest, query, run_cli


def test_every_command_explains_itself():
    top = run_cli("--help")
    assert top.returncode == 0
    for command in ("generate", "etl", "fit", "serve", "demo"):
        assert command in top.stdout
        helped = run_cli(command, "--help")
        assert helped.returncode == 0
        assert "--help" in helped.stdout
    assert "--as-of" in run_cli("etl", "--help").stdout
    assert "--seed" in run_cli("generate", "--help").stdout


def test_generate_is_deterministic_and_loads_cleanly(tmp_path):
    for name in ("a", "b"):
        proc = run_cli("generate", "--out", str(tmp_path / name), "--customers", "300", "--seed", "5",
                       "--dirty-rows", "3")
        assert proc.returncode == 0, proc.stderr
        assert "300 customers" in proc.stdout
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files
    for rel in files:
        assert file_digest(tmp_path / "a" / rel) == file_digest(tmp_path / "b" / rel), rel
    db = tmp_path / "g.duckdb"
    load = run_cli("etl", "--source", str(tmp_path / "a"), "--db", str(db))
    assert load.returncode == 0, load.stderr
    assert "3 rows rejected" in load.stdout
    assert query(db, "SELECT count(*) FROM rejected_rows") == [(3,)]
    truth = json.loads((tmp_path / "a" / "ground_truth.json").read_text())
    assert query(db, "SELECT CAST(as_of AS VARCHAR) FROM etl_state")[0][0] <= truth["as_of"]
    again = run_cli("etl", "--source", str(tmp_path / "a"), "--db", str(db), "--as-of", truth["as_of"])
    assert again.returncode == 0
    assert query(db, "SELECT CAST(as_of AS VARCHAR) FROM etl_state") == [(truth["as_of"],)]


def test_a_bad_as_of_date_is_refused(tmp_path):
    proc = run_cli("etl", "--source", str(tmp_path), "--db", str(tmp_path / "x.duckdb"), "--as-of", "soon")
    assert proc.returncode == 2
    assert "--as-of 'soon' is not a date" in proc.stderr


def test_the_committed_sample_is_what_the_generator_makes(tmp_path):
    from tests.conftest import ROOT

    proc = run_cli("generate", "--out", str(tmp_path / "s"), "--customers", "3000", "--seed", "7",
                   "--dirty-rows", "25")
    assert proc.returncode == 0, proc.stderr
    made = sorted(p.relative_to(tmp_path / "s") for p in (tmp_path / "s").rglob("*") if p.is_file())
    for rel in made:
        assert file_digest(tmp_path / "s" / rel) == file_digest(ROOT / "sample_data" / rel), rel


def test_fit_explains_what_it_needs(tmp_path):
    missing = run_cli("fit", "--db", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 2 and "run `calmline etl` first" in missing.stderr
    odd = run_cli("fit", "--db", str(tmp_path / "none.duckdb"), "--horizon", "45")
    assert odd.returncode == 2 and "--horizon must be 30, 90 or 180" in odd.stderr


def test_fit_names_a_bad_lanes_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("CALMLINE_FIT_LANES", "two")
    bad = run_cli("fit", "--db", str(tmp_path / "none.duckdb"))
    assert bad.returncode == 2
    assert "CALMLINE_FIT_LANES must be a whole number of at least 1 (got 'two')" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_fit_on_the_sample_stores_a_run_per_horizon(multi_horizon_db):
    """The session's two-horizon sample is made by one call on the loaded sample,
    ``calmline fit --horizon 90 --horizon 30`` (tests/conftest.py); its output is in fit.out."""
    output = (multi_horizon_db.parent / "fit.out").read_text(encoding="utf-8")
    assert "model run(s) 1, 2 stored" in output
    assert query(multi_horizon_db, "SELECT horizon_days FROM model_runs ORDER BY run_id") == [(90,), (30,)]
    for run, outcome in ((1, "churn_90d"), (2, "churn_30d")):
        assert query(multi_horizon_db, "SELECT DISTINCT outcome FROM practice_effects WHERE run_id = $r "
                                       "AND method <> 'cox'", {"r": run}) == [(outcome,)]


def test_serve_refuses_other_machines_without_sign_in(tmp_path):
    proc = run_cli("serve", "--db", str(tmp_path / "x.duckdb"), "--host", "0.0.0.0", timeout=60)
    assert proc.returncode == 2 and "--users" in proc.stderr


def test_serve_says_what_is_wrong_with_the_users_file(tmp_path):
    users = tmp_path / "users.toml"
    users.write_text('[users.ali]\npassword_hash = "plain"\nroles = ["analyst"]\n')
    proc = run_cli("serve", "--db", str(tmp_path / "x.duckdb"), "--users", str(users), timeout=60)
    assert proc.returncode == 2 and "users.toml: [users.ali]: password_hash is not a werkzeug hash" in proc.stderr


def test_password_prints_one_unwrapped_hash_that_a_users_file_accepts(tmp_path):
    import os
    import subprocess
    import sys

    from werkzeug.security import check_password_hash

    from calmline.dashboard.access import read_users
    from tests.conftest import ROOT

    proc = subprocess.run([sys.executable, "-m", "calmline", "password"], input="s3cret pass\ns3cret pass\n",
                          capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "COLUMNS": "40", "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and len(lines[0]) > 40  # longer than the terminal, and still one line
    assert check_password_hash(lines[0], "s3cret pass") and "Password" in proc.stderr
    users = tmp_path / "users.toml"
    users.write_text(f'[users.ali]\npassword_hash = "{lines[0]}"\nroles = ["analyst"]\n')
    assert check_password_hash(read_users(users)["ali"].password_hash, "s3cret pass")
