"""The `calmline` command's rough edges, as a user meets them (issue #11 items 8, 9 and 15): help
without placeholders, a version, a separate database for generated data, a hint for a typo in a
saved query's team, readable wide results, practice labels, a busy port refused before any work,
and no duplicate model run when nothing changed."""

from __future__ import annotations

import csv
import io
import socket
import subprocess
from importlib.metadata import version

import pytest

from calmline import vocabulary
from tests.conftest import ROOT, query, run_cli


def test_help_shows_no_bool_placeholders_and_the_horizon_default():
    for command in ((), ("generate",), ("etl",), ("fit",), ("serve",), ("demo",), ("query",)):
        helped = run_cli(*command, "--help")
        assert helped.returncode == 0, command
        assert "<bool>" not in helped.stdout, command
    fit_help = run_cli("fit", "--help").stdout
    assert "[default: 90]" in fit_help and "--force" in fit_help


def test_version_prints_the_installed_version():
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"calmline {version('calmline')}"


def test_generate_suggests_a_database_of_its_own_not_the_demo_one(tmp_path):
    proc = run_cli("generate", "--out", str(tmp_path / "big"), "--customers", "50", "--months", "1")
    assert proc.returncode == 0, proc.stderr
    assert "calmline.duckdb" not in proc.stdout
    assert f"--db {tmp_path / 'big.duckdb'}" in proc.stdout


def test_a_team_typo_gets_a_hint_with_the_closest_teams(sample_db):
    proc = run_cli("query", "churn_by_month_team", "--param", "team=leeds-9", "--db", str(sample_db))
    assert proc.returncode == 0, proc.stderr
    assert "there is no team 'leeds-9'" in proc.stderr
    hint = next(line for line in proc.stderr.splitlines() if "leeds-9" in line)
    assert "leeds-1" in hint and "belfast-1" not in hint  # close values only
    known = run_cli("query", "churn_by_month_team", "--param", "team=leeds-1", "--db", str(sample_db))
    assert "there is no team" not in known.stderr


def test_a_wide_result_prints_one_record_at_a_time_with_rounded_floats(sample_db):
    columns = ", ".join(f"0.123456789 AS a_rather_long_column_name_{i}" for i in range(8))
    proc = run_cli("query", "--sql", f"SELECT {columns} FROM range(2)", "--db", str(sample_db))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= 120  # the width of piped output
    assert sum("a_rather_long_column_name_7" in line for line in lines) == 2  # one line per record
    assert "0.1235" in proc.stdout and "0.123456789" not in proc.stdout
    as_csv = run_cli("query", "--sql", f"SELECT {columns}", "--db", str(sample_db), "--format", "csv")
    assert "0.123456789" in as_csv.stdout  # machines get every digit


def test_a_table_shows_practice_labels_and_csv_the_names(sample_db):
    sql = "SELECT 'took_ownership' AS practice, 12345.678 AS took_ownership, 1148.0 AS calls"
    shown = run_cli("query", "--sql", sql, "--db", str(sample_db))
    assert shown.returncode == 0, shown.stderr
    label = vocabulary.label("took_ownership")
    assert label != "took_ownership" and shown.stdout.count(label) == 2  # header and value
    assert "12,345.7" in shown.stdout and "1,148" in shown.stdout
    rows = list(csv.DictReader(io.StringIO(run_cli("query", "--sql", sql, "--db", str(sample_db),
                                                   "--format", "csv").stdout)))
    assert rows == [{"practice": "took_ownership", "took_ownership": "12345.678", "calls": "1148.0"}]


@pytest.fixture
def busy_port():
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


def test_a_busy_port_fails_with_one_line_before_loading_anything(tmp_path, busy_port):
    db = tmp_path / "demo.duckdb"
    proc = run_cli("demo", "--db", str(db), "--port", str(busy_port), timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert f"port {busy_port} on 127.0.0.1 is already in use" in proc.stderr and "--port" in proc.stderr
    assert not db.exists() and proc.stdout == ""  # nothing was loaded or fitted
    served = run_cli("serve", "--db", str(db), "--port", str(busy_port), timeout=60)
    assert served.returncode == 2 and "already in use" in served.stderr and "Traceback" not in served.stderr


def test_make_demo_takes_a_port():
    proc = subprocess.run(["make", "-n", "demo", "PORT=8060"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "calmline demo --db calmline.duckdb --port 8060" in proc.stdout


def test_demo_twice_stores_one_model_run_and_force_fits_again(fitted_sample_db, tmp_path):
    """The demo's first run is `calmline etl` of sample_data then `calmline fit` at the headline
    horizon: the session's fitted sample is exactly that (tests/conftest.py), so a copy of it is
    what a first demo leaves, and the demo run here is the second one."""
    import shutil

    db = tmp_path / "demo.duckdb"
    shutil.copyfile(fitted_sample_db, db)
    # (what the first demo left: the sample loaded and fitted, keeping its 25 rejected rows)
    assert query(db, "SELECT count(*) FROM model_runs") == [(1,)]
    assert query(db, "SELECT count(*) FROM rejected_rows") == [(25,)]
    second = run_cli("demo", "--db", str(db), "--no-serve")
    assert second.returncode == 0, second.stderr
    files = sum(1 for p in (ROOT / "sample_data").rglob("*") if p.suffix in (".csv", ".parquet"))
    assert files == 17  # 12 months of calls, customers, agents, follow-ups, training, transcripts
    assert f"nothing changed: all {files} files are identical" in second.stdout
    assert "90-day models: run 1 was fitted on the same data and specification; not fitted again" in second.stdout
    assert query(db, "SELECT count(*) FROM model_runs") == [(1,)]
    assert query(db, "SELECT count(*) FROM rejected_rows") == [(25,)]
    forced = run_cli("fit", "--db", str(db), "--force")
    assert forced.returncode == 0, forced.stderr
    assert query(db, "SELECT run_id, horizon_days FROM model_runs ORDER BY run_id") == [(1, 90), (2, 90)]


def test_fit_warnings_name_practices_by_their_labels(capsys):
    from types import SimpleNamespace

    from calmline import terminal

    summary = SimpleNamespace(runs=[3], db="x.duckdb", seconds=1.0, rows={}, lanes=1,
                              warnings=["30-day run 3: followed_up landmark logit: no churn events"])
    terminal.print_fit(summary)
    out = capsys.readouterr().out
    assert f"{vocabulary.label('followed_up')} landmark logit" in out and "followed_up landmark" not in out


@pytest.mark.parametrize("lanes, said", [(1, False), (2, True)])
def test_fit_says_when_it_ran_model_families_two_at_a_time(capsys, lanes, said):
    from types import SimpleNamespace

    from calmline import terminal

    terminal.print_fit(SimpleNamespace(runs=[1], db="x.duckdb", seconds=32.2, rows={}, lanes=lanes, warnings=[]))
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("model run(s) 1 stored in x.duckdb in 32.2 s")
    assert ("(2 model families at a time)" in first) is said


@pytest.mark.parametrize("force", [False, True])
def test_fit_on_a_database_another_program_holds_open_to_write_says_so_and_leaves_it(sample_db, tmp_path, force):
    import shutil
    import sys

    from tests.conftest import file_digest

    db = tmp_path / "calmline.duckdb"
    shutil.copyfile(sample_db, db)
    before = file_digest(db)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"con = duckdb.connect({str(db)!r})\nprint('open', flush=True)\ntime.sleep(120)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        refused = run_cli("fit", "--db", str(db), *(["--force"] if force else []))
    finally:
        holder.kill()
        holder.wait()
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    said = " ".join(refused.stderr.split())
    assert f"{db.resolve()}: could not fit (another program holds it open to write" in said
    assert "the database was left as it was" in said
    assert file_digest(db) == before and not list(tmp_path.glob(".calmline.duckdb.loading-*"))
