"""The low-severity items of the red-team report "Hold under fire": every odd input ends in
one clear message naming the file (exit 2, nothing left behind) or a load that says what it
skipped and why; never a traceback, never a silent exit 0."""

from __future__ import annotations

import errno
import os

import pytest

from tests.conftest import file_digest, load_api, load_cli, query
from tests.etl.builders import AGENTS, CALL_COLUMNS, CALLS, call, make_source, write_csv

CALLS_FILE = "calls/calls_2025-01.csv"


def _csv(rows, columns=CALL_COLUMNS) -> bytes:
    lines = [",".join(columns)] + [",".join(r[c] for c in columns) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def test_cr_only_line_ends_fail_with_a_message(tmp_path, db, loader):
    source = make_source(tmp_path / "src")
    (source / CALLS_FILE).write_bytes(_csv(CALLS).replace(b"\n", b"\r"))
    outcome = loader(source, db)
    assert outcome.code == 2
    assert "calls_2025-01.csv:1: line ends are CR only" in outcome.output
    assert "Traceback" not in outcome.output
    assert not db.exists()


def test_mixed_line_ends_name_the_line(tmp_path, db, loader):
    source = make_source(tmp_path / "src")
    crlf = _csv(CALLS[:2]).replace(b"\n", b"\r\n")
    (source / CALLS_FILE).write_bytes(crlf + _csv(CALLS[2:]).split(b"\n", 1)[1])
    outcome = loader(source, db)
    assert outcome.code == 2
    assert "calls_2025-01.csv:4: mixed line ends: this line ends with LF, line 1 with CRLF" in outcome.output


def test_a_failed_write_of_the_working_copy_is_one_message_and_leaves_nothing(tmp_path, db, monkeypatch):
    import calmline.database.publish as publish

    source = make_source(tmp_path / "src")
    assert load_api(source, db).code == 0
    before = file_digest(db)

    def full_disk(src, dst, *args, **kwargs):
        with open(src, "rb") as r, open(dst, "wb") as w:
            w.write(r.read(4096))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(publish, "copy_file", full_disk)
    outcome = load_api(source, db, "--reload")
    assert outcome.code == 2
    assert str(db.resolve()) in outcome.output and "No space left on device" in outcome.output
    assert file_digest(db) == before
    assert not list(db.parent.glob(f".{db.name}.loading-*"))


def test_an_unlistable_folder_fails_with_its_name(tmp_path, db, monkeypatch):
    source = make_source(tmp_path / "src")
    real = os.scandir

    def scandir(path="."):
        if str(path).endswith("calls"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    outcome = load_api(source, db)
    assert outcome.code == 2
    assert f"{source / 'calls'}: cannot list the folder: Permission denied" in outcome.output


def test_a_dangling_symlink_fails_with_its_name(tmp_path, db, loader):
    source = make_source(tmp_path / "src")
    (source / "calls" / "calls_2025-02.csv").symlink_to(tmp_path / "gone.csv")
    outcome = loader(source, db)
    assert outcome.code == 2
    assert "calls_2025-02.csv: a symbolic link to a file that does not exist" in outcome.output


def test_entity_names_match_in_any_case(tmp_path, db, loader):
    source = make_source(tmp_path / "src")
    (source / "agents.csv").rename(source / "Agents.csv")
    (source / "calls").rename(source / "CALLS")
    outcome = loader(source, db)
    assert outcome.code == 0, outcome.output
    assert query(db, "SELECT count(*) FROM rejected_rows") == [(0,)]
    assert query(db, "SELECT entity, file FROM load_batches WHERE entity IN ('agents', 'calls') ORDER BY 1") == [
        ("agents", "Agents.csv"), ("calls", "CALLS/calls_2025-01.csv")]


def test_a_data_file_not_named_after_an_entity_is_reported(tmp_path, db):
    source = make_source(tmp_path / "src")
    write_csv(source / "calls_2025-12.csv", [call("K7")], CALL_COLUMNS)
    from calmline.etl.load import load

    report = load(source, db)
    assert report.notes == ["calls_2025-12.csv: ignored, not named after an entity; calls files go in "
                            "calls/ (calls/calls_2025-12.csv) or are named calls.csv"]
    outcome = load_cli(source, tmp_path / "other.duckdb")
    assert outcome.code == 0
    assert "calls_2025-12.csv: ignored, not named after an entity" in outcome.output


def test_calls_without_any_customers_or_agents_fail_the_load(tmp_path, db, loader):
    source = make_source(tmp_path / "src", customers=None, agents=None)
    outcome = loader(source, db)
    assert outcome.code == 2
    assert "calls refer to customers and agents, but there are none" in outcome.output
    assert not db.exists()


def test_a_call_whose_agent_row_was_rejected_says_so(tmp_path, db, loader):
    agents = [*AGENTS, {"agent_id": "A9", "team": "Red", "site": "Leeds", "hire_date": "someday"}]
    source = make_source(tmp_path / "src", agents=agents, calls=[*CALLS, call("K9", agent_id="A9")])
    assert loader(source, db).code == 0
    assert query(db, "SELECT source_file, line, column_name, rule FROM rejected_rows ORDER BY 1") == [
        ("agents.csv", 4, "hire_date", "not a date (YYYY-MM-DD) (got someday)"),
        ("calls/calls_2025-01.csv", 5, "agent_id", "its agents row was rejected (agents.csv:4) (got A9)")]


def test_an_earlier_as_of_date_removes_stored_calls_after_it(tmp_path, db, loader):
    late = call("K9", started_at="2025-02-01T08:00:00")
    source = make_source(tmp_path / "src", calls=[*CALLS, late],
                         follow_ups=[{"call_id": "K9", "followup_at": "2025-02-02T08:00:00", "channel": "sms"}])
    assert loader(source, db).code == 0
    assert query(db, "SELECT count(*) FROM calls WHERE call_id = 'K9'") == [(1,)]
    outcome = loader(source, db, "--as-of", "2025-01-31")
    assert outcome.code == 0, outcome.output
    # The files are unchanged (skipped); the stored call after the as-of date goes, with its follow-up.
    assert query(db, "SELECT count(*) FROM calls WHERE started_at >= DATE '2025-02-01'") == [(0,)]
    assert query(db, "SELECT count(*) FROM follow_ups WHERE call_id = 'K9'") == [(0,)]
    assert query(db, "SELECT count(*) FROM call_timing WHERE call_id = 'K9'") == [(0,)]
    assert loader(source, db, "--as-of", "2025-01-31", "--reload").code == 0
    assert query(db, "SELECT count(*) FROM calls WHERE call_id = 'K9'") == [(0,)]
    assert query(db, "SELECT rule FROM rejected_rows WHERE batch_id = 3 AND entity = 'calls'") == [
        ("after the as-of date (2025-02-01T08:00:00 > 2025-01-31)",)]
