"""Reading transcripts: the three forms give the same turns table, and every unusable row is
rejected with its file, line and reason, so that rows read = loaded + rejected."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from calmline.transcripts import read_transcripts

GOOD = {"call_id": "c1", "turns": [
    {"speaker": "agent", "start_s": 0.0, "end_s": 2.0, "text": "Hello, how can I help?"},
    {"speaker": "customer", "start_s": 2.5, "end_s": 9.0, "text": "My bill is wrong again, email me at a.b@x.com"},
    {"speaker": "agent", "start_s": 8.0, "end_s": 12.0, "text": "I'm so sorry about that."},
]}


def _turn_rows(call: dict) -> list[dict]:
    return [{"call_id": call["call_id"], "turn": n + 1, **t} for n, t in enumerate(call["turns"])]


def _transcribe(call: dict) -> dict:
    return {"JobStatus": "COMPLETED", "LanguageCode": "en-US", "Transcript": [
        {"Id": f"s{n}", "ParticipantRole": t["speaker"].upper(), "BeginOffsetMillis": int(t["start_s"] * 1000),
         "EndOffsetMillis": int(t["end_s"] * 1000), "Content": t["text"], "Sentiment": "NEUTRAL",
         "LoudnessScores": [70.1]} for n, t in enumerate(call["turns"])],
        "ConversationCharacteristics": {"TotalConversationDurationMillis": 12000}}


def _turns(con) -> list[tuple]:
    return con.execute("SELECT call_id, turn, speaker, start_s, end_s, text FROM transcript_turns "
                       "ORDER BY call_id, turn").fetchall()


def _rejects(con) -> list[tuple]:
    return con.execute("SELECT line, column_name, rule FROM transcript_rejects ORDER BY line").fetchall()


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def test_the_three_forms_give_the_same_turns(tmp_path, con):
    jsonl = tmp_path / "calls.jsonl"
    jsonl.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    read_transcripts(con, jsonl)
    expected = _turns(con)
    assert [t[1] for t in expected] == [0, 1, 2]
    assert expected[1][2:] == ("customer", 2.5, 9.0, GOOD["turns"][1]["text"])

    pd.DataFrame(_turn_rows(GOOD)).to_csv(tmp_path / "turns.csv", index=False)
    report = read_transcripts(con, tmp_path / "turns.csv")
    assert _turns(con) == expected and report.rows_read == 3 and report.rows_rejected == 0

    pd.DataFrame(_turn_rows(GOOD)).to_parquet(tmp_path / "turns.parquet")
    read_transcripts(con, tmp_path / "turns.parquet")
    assert _turns(con) == expected

    folder = tmp_path / "aws"
    folder.mkdir()
    (folder / "c1.json").write_text(json.dumps(_transcribe(GOOD)), encoding="utf-8")
    report = read_transcripts(con, folder)
    assert _turns(con) == expected
    assert (report.rows_read, report.calls, report.turns) == (1, 1, 3)


def test_a_transcribe_file_is_named_by_the_mapping_when_given(tmp_path, con):
    (tmp_path / "job-42.json").write_text(json.dumps(_transcribe(GOOD)), encoding="utf-8")
    read_transcripts(con, tmp_path, call_ids={"job-42": "c9"})
    assert {t[0] for t in _turns(con)} == {"c9"}


def test_chat_without_overlap_and_phone_with_overlap_are_both_valid(tmp_path, con):
    chat = {"call_id": "chat", "turns": [
        {"speaker": "customer", "start_s": 0, "end_s": 0, "text": "hi"},
        {"speaker": "agent", "start_s": 5, "end_s": 5, "text": "hello"}]}
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps(chat) + "\n" + json.dumps(GOOD) + "\n", encoding="utf-8")
    report = read_transcripts(con, path)
    assert (report.rows_loaded, report.rows_rejected) == (2, 0)


BAD_TURNS = [
    ({"speaker": "supervisor"}, "speaker", "speaker must be agent or customer"),
    ({"start_s": -1.0}, "start_s", "negative time"),
    ({"end_s": 1.0}, "end_s", "reversed times"),
    ({"start_s": 1.0, "end_s": 1.5}, "start_s", "out of order"),
    ({"text": "   "}, "text", "empty text"),
    ({"start_s": "soon"}, "start_s", "start_s is not a number"),
]


@pytest.mark.parametrize(("change", "column", "rule"), BAD_TURNS, ids=[b[2] for b in BAD_TURNS])
def test_a_bad_turn_rejects_its_json_line_with_column_and_reason(tmp_path, con, change, column, rule):
    bad = json.loads(json.dumps(GOOD))
    bad["call_id"] = "c2"
    bad["turns"][2].update(change)
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    report = read_transcripts(con, path)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (2, 1, 1)
    [(line, col, why)] = _rejects(con)
    assert (line, col) == (2, column) and why.startswith(rule)
    assert {t[0] for t in _turns(con)} == {"c1"}


def test_invalid_json_and_invalid_utf8_lines_are_rejected_and_counted(tmp_path, con):
    path = tmp_path / "calls.jsonl"
    good = json.dumps(GOOD).encode()
    path.write_bytes(b'{"call_id": "x", "turns": [\n' + good + b"\n" + b'{"call_id": "\xff\xfe"}\n'
                     + b"\n" + b'[1, 2]\n')
    report = read_transcripts(con, path)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (4, 1, 3)
    assert [(line, rule) for line, _, rule in _rejects(con)] == [
        (1, "invalid JSON"), (3, "not valid UTF-8 text"), (5, "not a JSON object")]


def test_a_repeated_call_id_is_rejected(tmp_path, con):
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps(GOOD) + "\n", encoding="utf-8")
    report = read_transcripts(con, path)
    assert report.rows_rejected == 1 and _rejects(con)[0][0] == 2


def test_a_bad_csv_row_rejects_its_call_with_line_numbers(tmp_path, con):
    rows = _turn_rows(GOOD) + [{**r, "call_id": "c2"} for r in _turn_rows(GOOD)]
    rows[4]["speaker"] = "bot"                      # line 6: c2's second turn
    pd.DataFrame(rows).to_csv(tmp_path / "turns.csv", index=False)
    report = read_transcripts(con, tmp_path / "turns.csv")
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (6, 3, 3)
    rejects = _rejects(con)
    assert rejects[1] == (6, "speaker", "speaker must be agent or customer (got 'bot')")
    assert {r[0] for r in rejects} == {5, 6, 7}
    assert all("line 6" in r[2] for r in rejects if r[0] != 6)


def test_csv_line_numbers_skip_lines_the_reader_rejected(tmp_path, con):
    path = tmp_path / "turns.csv"
    lines = ["call_id,turn,speaker,start_s,end_s,text",
             "c1,1,agent,0,1,hello",
             "c1,2,customer,1,2,too,many,fields",
             "c1,3,agent,2,3,\xa0",
             "c3,1,bot,0,1,hi"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read_transcripts(con, path)
    rejects = {line: rule for line, _, rule in _rejects(con)}
    assert rejects[3].startswith("long row")
    assert rejects[5].startswith("speaker must be")


def test_parquet_rows_are_numbered_from_one(tmp_path, con):
    rows = _turn_rows(GOOD)
    rows[1]["end_s"] = -3.0
    pd.DataFrame(rows).to_parquet(tmp_path / "t.parquet")
    report = read_transcripts(con, tmp_path / "t.parquet")
    assert report.rows_rejected == 3
    assert _rejects(con)[1][:2] == (2, "end_s")


def test_transcribe_invalid_json_file_is_one_rejected_row(tmp_path, con):
    (tmp_path / "c1.json").write_text(json.dumps(_transcribe(GOOD)), encoding="utf-8")
    (tmp_path / "c2.json").write_text('{"Transcript": [', encoding="utf-8")
    (tmp_path / "c3.json").write_bytes(b'{"Transcript": "\xff"}')
    report = read_transcripts(con, tmp_path)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (3, 1, 2)
    assert sorted(r[2] for r in _rejects(con)) == ["invalid JSON", "not valid UTF-8 text"]


def test_unknown_call_ids_are_rejected_when_the_calls_are_known(tmp_path, con):
    con.execute("CREATE TABLE calls AS SELECT 'c1' AS call_id")
    other = {**GOOD, "call_id": "zz"}
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps(other) + "\n", encoding="utf-8")
    report = read_transcripts(con, path, known_calls="calls")
    assert report.rows_rejected == 1 and _rejects(con)[0][2] == "unknown call_id"


def test_speaker_labels_are_mapped(tmp_path, con):
    call = json.loads(json.dumps(GOOD))
    for t in call["turns"]:
        t["speaker"] = {"agent": "Rep", "customer": "caller"}[t["speaker"]]
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps(call) + "\n", encoding="utf-8")
    report = read_transcripts(con, path, speaker_map={"rep": "agent", "CALLER": "customer"})
    assert report.rows_rejected == 0 and [t[2] for t in _turns(con)] == ["agent", "customer", "agent"]


def test_redact_masks_emails_cards_and_digits_in_stored_text(tmp_path, con):
    call = json.loads(json.dumps(GOOD))
    call["turns"][1]["text"] = "card 4111 1111 1111 1111, mail jo@example.org, flat 12"
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps(call) + "\n", encoding="utf-8")
    read_transcripts(con, path, redact=True)
    assert _turns(con)[1][5] == "card [card], mail [email], flat ##"


def test_rows_read_equals_loaded_plus_rejected_per_file(tmp_path, con):
    path = tmp_path / "calls.jsonl"
    bad = {**GOOD, "call_id": "c3", "turns": []}
    path.write_text("\n".join([json.dumps(GOOD), "nope", json.dumps(bad)]) + "\n", encoding="utf-8")
    report = read_transcripts(con, path)
    for f in report.files:
        assert f.rows_read == f.rows_loaded + f.rows_rejected
    assert (report.rows_read, report.rows_rejected) == (3, 2)


def test_labelled_set_loads_without_rejects(con):
    dev = Path(__file__).parent / "labelled" / "dev"
    lines = sum(len(f.read_text(encoding="utf-8").splitlines()) for f in dev.glob("*.jsonl"))
    report = read_transcripts(con, dev)
    # every line is one call and none is rejected; the count grows as calls are added (198 in session 7)
    assert report.rows_rejected == 0 and report.calls == lines > 0


def test_a_rejected_json_lines_call_states_each_reason_once_not_once_per_turn(tmp_path, con):
    """Every turn of a JSON Lines call shares its line: an unknown call_id or a bad speaker on
    all three turns is one reason in the reject row, not the same reason three times."""
    con.execute("CREATE TABLE calls AS SELECT 'c1' AS call_id")
    robot = {"call_id": "c1", "turns": [{**t, "speaker": "robot"} for t in GOOD["turns"]]}
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps({**GOOD, "call_id": "zz"}) + "\n" + json.dumps(robot) + "\n", encoding="utf-8")
    read_transcripts(con, path, known_calls="calls")
    problems = [r[0] for r in con.execute("SELECT problems FROM transcript_rejects ORDER BY line").fetchall()]
    assert problems == ["call_id: unknown call_id", "speaker: speaker must be agent or customer (got 'robot')"]
