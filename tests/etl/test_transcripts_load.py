"""`calmline etl` with an optional transcripts source (#17): read against the loaded calls,
rejects accounted like every file's, detection stored, ``--redact`` masking stored text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import load_cli, query
from tests.etl.builders import make_source, write_csv

K1 = {"call_id": "K1", "turns": [
    {"speaker": "customer", "start_s": 0.0, "end_s": 9.0, "text": "my bill doubled and nobody told me why"},
    {"speaker": "agent", "start_s": 9.5, "end_s": 14.0, "text": "I'm so sorry about that, I can see why you'd be frustrated."},
    {"speaker": "agent", "start_s": 14.5, "end_s": 18.0, "text": "let me transfer you to billing."}]}
K2 = {"call_id": "K2", "turns": [
    {"speaker": "customer", "start_s": 0.0, "end_s": 8.0, "text": "I was charged twice, write to me at jo@example.com"},
    {"speaker": "agent", "start_s": 8.5, "end_s": 14.0, "text": "I understand, but that's our policy. Call 0800 123 4567."}]}
UNKNOWN = {"call_id": "X9", "turns": [{"speaker": "agent", "start_s": 0.0, "end_s": 1.0, "text": "hello"}]}


def _jsonl(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def source(tmp_path: Path) -> Path:
    src = make_source(tmp_path / "src")
    _jsonl(src / "transcripts.jsonl", json.dumps(K1), json.dumps(K2), json.dumps(UNKNOWN), '{"call_id": "K3", ')
    return src


def test_transcripts_are_read_detected_and_accounted(source: Path, db: Path):
    out = load_cli(source, db)
    assert out.code == 0, out.output
    assert "transcripts.jsonl: ignored" not in out.output
    assert query(db, "SELECT call_id, apologized, handoff, empathized, empathy_negated, policy_language "
                     "FROM transcript_calls ORDER BY call_id") == [
        ("K1", True, True, True, False, False), ("K2", False, False, False, True, True)]
    assert query(db, "SELECT turn, evidence, rule FROM transcript_practices WHERE call_id = 'K1' "
                     "AND practice = 'handoff'") == [(2, "transfer you", "handoff")]
    assert query(db, "SELECT count(*) FROM transcript_turns") == [(5,)]
    rejected = query(db, "SELECT source_file, line, problems FROM rejected_rows WHERE entity = 'transcripts' "
                         "ORDER BY line")
    assert [(f, line) for f, line, _ in rejected] == [("transcripts.jsonl", 3), ("transcripts.jsonl", 4)]
    assert "X9" in rejected[0][2] or "call" in rejected[0][2]
    assert "invalid JSON" in rejected[1][2]
    assert query(db, "SELECT file, rows_read, rows_loaded, rows_rejected, status FROM load_batches "
                     "WHERE entity = 'transcripts'") == [("transcripts.jsonl", 4, 2, 2, "loaded with rejections")]
    assert query(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'transcript_rejects'") == [(0,)]


def test_redact_masks_digits_and_emails_in_stored_text(source: Path, db: Path, tmp_path: Path):
    plain = tmp_path / "plain.duckdb"
    assert load_cli(source, plain).code == 0
    stored = " ".join(t for (t,) in query(plain, "SELECT text FROM transcript_turns"))
    assert "jo@example.com" in stored and "0800" in stored
    out = load_cli(source, db, "--redact")
    assert out.code == 0, out.output
    redacted = " ".join(t for (t,) in query(db, "SELECT text FROM transcript_turns"))
    assert "jo@example.com" not in redacted and not any(ch.isdigit() for ch in redacted)
    assert query(db, "SELECT handoff FROM transcript_calls WHERE call_id = 'K1'") == [(True,)]


def test_a_transcripts_folder_of_csv_turns_is_read(tmp_path: Path, db: Path):
    src = make_source(tmp_path / "src")
    rows = [{"call_id": "K3", "turn": str(i), "speaker": s, "start_s": str(a), "end_s": str(b), "text": t}
            for i, (s, a, b, t) in enumerate([("customer", 0, 5, "the app keeps crashing"),
                                              ("agent", 5.5, 9, "thanks for your patience while I look")])]
    write_csv(src / "transcripts" / "chat.csv", rows)
    out = load_cli(src, db)
    assert out.code == 0, out.output
    assert query(db, "SELECT call_id, thanked FROM transcript_calls") == [("K3", True)]
    assert query(db, "SELECT file, rows_read, rows_loaded FROM load_batches WHERE entity = 'transcripts'") == [
        ("transcripts/chat.csv", 2, 2)]


def test_without_transcripts_the_tables_exist_empty_and_nothing_is_counted(tmp_path: Path, db: Path):
    src = make_source(tmp_path / "src")
    assert load_cli(src, db).code == 0
    for table in ("transcript_turns", "transcript_practices", "transcript_calls"):
        assert query(db, f"SELECT count(*) FROM {table}") == [(0,)]
    assert query(db, "SELECT count(*) FROM load_batches WHERE entity = 'transcripts'") == [(0,)]
    assert query(db, "SELECT count(*) FROM rejected_rows WHERE entity = 'transcripts'") == [(0,)]


def test_a_transcripts_folder_of_amazon_transcribe_files_is_read(tmp_path: Path, db: Path):
    """The Transcribe fixture copied as transcripts/K2.json: the file stem is the call id."""
    import shutil

    src = make_source(tmp_path / "src")
    (src / "transcripts").mkdir()
    fixture = Path(__file__).resolve().parents[1] / "transcripts" / "fixtures" / "transcribe" / "tx-7.json"
    shutil.copy(fixture, src / "transcripts" / "K2.json")
    out = load_cli(src, db)
    assert out.code == 0, out.output
    assert query(db, "SELECT call_id, apologized, took_ownership FROM transcript_calls") == [("K2", True, True)]
    assert query(db, "SELECT file, format, rows_read, rows_loaded FROM load_batches WHERE entity = 'transcripts'") == [
        ("transcripts/K2.json", "transcribe", 1, 1)]
