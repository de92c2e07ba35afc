"""A load reads the transcripts again only when that could change what is stored: identical
files are skipped like every other file, but a new call (which turns a transcript rejected for
its unknown call into a valid one) or new detection rules score them again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calmline.etl import transcripts_step
from tests.conftest import load_api, query
from tests.etl.builders import CALL_COLUMNS, CALLS, call, make_source, write_csv

TURNS = [{"speaker": "customer", "start_s": 0.0, "end_s": 8.0, "text": "you charged me twice this month"},
         {"speaker": "agent", "start_s": 8.5, "end_s": 12.0, "text": "I'm so sorry about that."}]


def _transcripts_batch(db: Path) -> tuple:
    """The latest load's transcripts file: status and rows read."""
    return query(db, "SELECT status, rows_read FROM load_batches WHERE entity = 'transcripts' "
                     "AND batch_id = (SELECT max(batch_id) FROM load_batches)")[0]


@pytest.fixture()
def source(tmp_path) -> Path:
    """K1-K3 and transcripts of K1 and of K5, a call not (yet) in the calls file."""
    folder = make_source(tmp_path / "src")
    (folder / "transcripts.jsonl").write_text(
        "".join(json.dumps({"call_id": c, "turns": TURNS}) + "\n" for c in ("K1", "K5")), encoding="utf-8")
    return folder


def test_identical_transcripts_are_skipped(source, tmp_path):
    db = tmp_path / "calmline.duckdb"
    assert load_api(source, db).code == 0
    assert _transcripts_batch(db) == ("loaded with rejections", 2)
    assert load_api(source, db).code == 0
    assert _transcripts_batch(db) == ("skipped", 0)
    assert query(db, "SELECT call_id FROM transcript_calls") == [("K1",)]


def test_a_new_call_reads_them_again_and_its_transcript_is_kept(source, tmp_path):
    db = tmp_path / "calmline.duckdb"
    assert load_api(source, db).code == 0
    write_csv(source / "calls" / "calls_2025-01.csv", CALLS + [call("K5", started_at="2025-01-09T10:00:00")],
              CALL_COLUMNS)
    assert load_api(source, db).code == 0
    assert _transcripts_batch(db) == ("loaded", 2)
    assert query(db, "SELECT call_id, apologized FROM transcript_calls ORDER BY call_id") == [
        ("K1", True), ("K5", True)]


def test_new_detection_rules_score_them_again(source, tmp_path, monkeypatch):
    db = tmp_path / "calmline.duckdb"
    assert load_api(source, db).code == 0
    monkeypatch.setattr(transcripts_step, "rules_note", lambda: "detected with rules 000000000000")
    assert load_api(source, db).code == 0
    assert _transcripts_batch(db) == ("loaded with rejections", 2)


def test_reload_reads_them_again(source, tmp_path):
    db = tmp_path / "calmline.duckdb"
    assert load_api(source, db).code == 0
    assert load_api(source, db, "--reload").code == 0
    assert _transcripts_batch(db) == ("loaded with rejections", 2)
