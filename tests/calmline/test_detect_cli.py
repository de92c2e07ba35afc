"""`calmline detect`: transcripts read and scored in memory, printed with their evidence (#17).

The fixture tests/transcripts/fixtures/detect_small.jsonl holds two readable calls built on the
issue's hard cases and two unusable lines; the labelled dev file's expected values are the
hand labels stored with each call in tests/transcripts/labelled/dev/telecom_phone.jsonl (its
"labels" field)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from calmline.vocabulary import qa_flags
from tests.conftest import run_cli

FIXTURES = Path(__file__).resolve().parents[1] / "transcripts" / "fixtures"
SMALL = FIXTURES / "detect_small.jsonl"
UNREADABLE = FIXTURES / "detect_unreadable.jsonl"
DEV = Path(__file__).resolve().parents[1] / "transcripts" / "labelled" / "dev" / "telecom_phone.jsonl"
CSV_COLUMNS = ["call_id", *qa_flags(), "options_offered", "verify_mode", "first_apology_turn",
               "vent_interruptions", "empathy_negated", "policy_language", "handoff", "agent_talk_share"]


def detect(*args: str):
    return run_cli("detect", *args, timeout=120)


@pytest.fixture(scope="module")
def small_csv() -> tuple[list[dict], str, int]:
    proc = detect("--transcripts", str(SMALL), "--format", "csv")
    return list(csv.DictReader(io.StringIO(proc.stdout))), proc.stderr, proc.returncode


def test_csv_has_one_row_per_readable_call_with_the_issues_columns_in_order(small_csv):
    rows, _, code = small_csv
    assert code == 0
    assert list(rows[0].keys()) == CSV_COLUMNS
    assert [r["call_id"] for r in rows] == ["fx-1", "fx-2"]


def test_csv_values_follow_the_hard_cases(small_csv):
    """fx-1: a real apology at turn 1 and "let me transfer you to billing" (a hand-off);
    fx-2: "sorry, could you repeat the account number?" starting before the opening account ends (no
    apology, an interruption) and "I understand, but that's our policy" (empathy negated plus
    policy language, not empathy)."""
    rows = {r["call_id"]: r for r in small_csv[0]}
    one, two = rows["fx-1"], rows["fx-2"]
    assert (one["apologized"], one["first_apology_turn"], one["handoff"], one["let_vent"]) == ("true", "1", "true", "true")
    assert (two["apologized"], two["first_apology_turn"], two["vent_interruptions"], two["let_vent"]) == ("false", "", "1", "false")
    assert (two["empathized"], two["empathy_negated"], two["policy_language"]) == ("false", "true", "true")
    for row in rows.values():
        assert {row[f] for f in qa_flags()} <= {"true", "false"}
        assert 0 < float(row["agent_talk_share"]) < 1


def test_rejected_rows_are_reported_on_stderr_with_file_line_and_reason(small_csv):
    rows, stderr, _ = small_csv
    assert f"{SMALL}:3" in stderr and "robot" in stderr
    assert f"{SMALL}:4" in stderr and "invalid JSON" in stderr
    assert "2 of 4 rows rejected" in stderr
    assert not any(r["call_id"] in ("fx-3", "fx-4") for r in rows)


def test_nothing_readable_exits_non_zero_and_says_why():
    proc = detect("--transcripts", str(UNREADABLE))
    assert proc.returncode != 0
    assert "reversed times" in proc.stderr and "no call could be read" in proc.stderr
    assert proc.stdout.strip() == ""


def test_missing_path_and_unknown_call_fail():
    assert detect("--transcripts", str(FIXTURES / "nope.jsonl")).returncode == 2
    proc = detect("--transcripts", str(SMALL), "--call", "fx-9")
    assert proc.returncode == 1 and "fx-9" in proc.stderr


def test_table_shows_each_value_with_turn_words_and_rule_and_call_narrows():
    proc = detect("--transcripts", str(SMALL), "--call", "fx-2")
    assert proc.returncode == 0
    assert "fx-1" not in proc.stdout and "call fx-2" in proc.stdout
    line = next(l for l in proc.stdout.splitlines() if "empathy_negated" in l)
    cells = [c.strip() for c in line.replace("┃", "│").split("│")]
    assert cells[:5] == ["empathy_negated", "true", "3", "i understand, but", "empathy_but"]


def test_json_is_one_object_per_call_with_its_evidence():
    proc = detect("--transcripts", str(SMALL), "--format", "json")
    calls = json.loads(proc.stdout)
    assert [c["call_id"] for c in calls] == ["fx-1", "fx-2"]
    handoff = [e for e in calls[0]["evidence"] if e["practice"] == "handoff"]
    assert handoff == [{"practice": "handoff", "value": "true", "turn": 3, "evidence": "transfer you", "rule": "handoff"}]
    assert calls[1]["first_apology_turn"] is None and calls[1]["apologized"] is False


def test_labelled_dev_file_matches_its_labels_and_csv_agrees_with_json():
    """Hand labels of telecom_phone.jsonl: ev-0001 verifies verbatim and apologises at turn 4;
    ev-0002 is interrupted once, negates empathy and cites policy; ev-0007 hands off."""
    rows = {r["call_id"]: r for r in csv.DictReader(io.StringIO(
        detect("--transcripts", str(DEV), "--format", "csv").stdout))}
    assert len(rows) == 10
    assert (rows["ev-0001"]["verify_mode"], rows["ev-0001"]["first_apology_turn"]) == ("verbatim", "4")
    assert (rows["ev-0002"]["vent_interruptions"], rows["ev-0002"]["empathy_negated"],
            rows["ev-0002"]["policy_language"]) == ("1", "true", "true")
    assert rows["ev-0007"]["handoff"] == "true"
    calls = {c["call_id"]: c for c in json.loads(detect("--transcripts", str(DEV), "--format", "json").stdout)}
    for call_id, row in rows.items():
        for flag in qa_flags():
            assert row[flag] == str(calls[call_id][flag]).lower()
        assert float(row["agent_talk_share"]) == pytest.approx(calls[call_id]["agent_talk_share"])


def test_a_folder_of_amazon_transcribe_files_is_scored_with_the_file_stem_as_call_id():
    """tests/transcripts/fixtures/transcribe/tx-7.json is shaped as Transcribe Call Analytics
    writes its post-call output (Transcript segments with ParticipantRole, BeginOffsetMillis,
    EndOffsetMillis, Content); the agent apologises in turn 1 and takes ownership in turn 2."""
    proc = detect("--transcripts", str(FIXTURES / "transcribe"), "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    (row,) = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert (row["call_id"], row["apologized"], row["first_apology_turn"], row["took_ownership"]) == (
        "tx-7", "true", "1", "true")
    assert float(row["agent_talk_share"]) == pytest.approx(10.1 / 19.1, abs=1e-3)
