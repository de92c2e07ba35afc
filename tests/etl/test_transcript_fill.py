"""Detected practices fill the QA flags the calls file left empty (#17): QA wins where it scored
the call, a transcript fills what QA left empty, a call with neither stays unassessed, and
``practice_source`` / ``call_practice_sources`` say where every value came from."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from calmline import vocabulary
from tests.conftest import load_api, query
from tests.etl.builders import CALL_COLUMNS, PRACTICES, call, make_source, write_csv

EMPTY = {p: "" for p in PRACTICES}
APOLOGY = [{"speaker": "customer", "start_s": 0.0, "end_s": 9.0, "text": "my bill doubled and nobody told me why"},
           {"speaker": "agent", "start_s": 9.5, "end_s": 14.0,
            "text": "I'm so sorry about that, I can see why you'd be frustrated."}]
"""An apology with empathy; nothing else detection looks for (no thanks, no options)."""
CREDIT = {"speaker": "agent", "start_s": 14.5, "end_s": 20.0,
          "text": "I've added a credit of twenty pounds to your account for the trouble."}
"""One remedy, which detection also reads as compensation offered."""

CALLS = [
    # QA scored every practice, no apology among them; the transcript has one: QA wins
    call("K1", apologized="false"),
    # QA left every practice and the options empty; the transcript fills them all
    call("K2", customer_id="C2", agent_id="A2", started_at="2025-01-06T11:00:00", **EMPTY, options_offered=""),
    # QA left everything empty and there is no transcript: not assessed
    call("K3", customer_id="C3", started_at="2025-01-07T09:00:00", **EMPTY, options_offered=""),
    # QA scored all but the apology; the transcript fills that one
    call("K4", started_at="2025-01-08T10:00:00", apologized=""),
]


def _transcripts(folder: Path, *call_ids: str) -> None:
    """K2's transcript also offers a credit; the others only apologise."""
    (folder / "transcripts.jsonl").write_text(
        "".join(json.dumps({"call_id": c, "turns": APOLOGY + [CREDIT] * (c == "K2")}) + "\n"
                for c in call_ids), encoding="utf-8")


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    """The four calls and three transcripts, loaded once for this module's tests (read only)."""
    root = tmp_path_factory.mktemp("fill")
    source = make_source(root / "src", calls=CALLS)
    _transcripts(source, "K1", "K2", "K4")
    db = root / "calmline.duckdb"
    out = load_api(source, db)
    assert out.code == 0, out.output
    return db


def _facts(db: Path, call_id: str, columns: str) -> tuple:
    return query(db, f"SELECT {columns} FROM call_facts WHERE call_id = $c", {"c": call_id})[0]


def test_the_qa_value_wins_where_qa_scored_the_call(filled):
    assert query(filled, "SELECT apologized FROM transcript_calls WHERE call_id = 'K1'") == [(True,)]
    assert _facts(filled, "K1", "apologized, thanked, offered_options, practice_source") == (False, True, True, "qa")


def test_an_empty_qa_flag_takes_the_detected_value(filled):
    detected = query(filled, f"SELECT {', '.join(PRACTICES)}, options_offered FROM transcript_calls "
                             "WHERE call_id = 'K2'")[0]
    assert _facts(filled, "K2", f"{', '.join(PRACTICES)}, options_offered") == detected
    # as a user reads it: an apology, empathy and one remedy were found, no thanks; one remedy is
    # not the two offered_options (derived from the filled count) needs
    assert _facts(filled, "K2", "apologized, empathized, thanked, options_offered, offered_options, "
                                "practice_source") == (True, True, False, 1, False, "transcript")


def test_a_call_without_qa_or_transcript_stays_unassessed(filled):
    assert _facts(filled, "K3", f"{', '.join(PRACTICES)}, options_offered, offered_options, practice_source") == (
        (None,) * (len(PRACTICES) + 2) + (None,))


def test_some_values_from_each_source(filled):
    assert _facts(filled, "K4", "apologized, thanked, practice_source") == (True, True, "qa+transcript")


def test_derived_practices_are_never_filled(filled):
    """followed_up and compensated come from the follow-ups and the credits recorded (the calls file
    here has no compensation_value), whatever the transcript says."""
    assert query(filled, "SELECT compensation_offered, followup_promised FROM transcript_calls "
                         "WHERE call_id = 'K2'") == [(True, False)]
    assert _facts(filled, "K2", "followed_up, compensated") == (False, None)


def test_the_long_view_says_where_each_value_came_from(filled):
    rows = query(filled, "SELECT call_id, qa_value, detected_value, value, source FROM call_practice_sources "
                         "WHERE practice = 'apologized' ORDER BY call_id")
    assert rows == [("K1", 0, 1, 0, "qa"), ("K2", None, 1, 1, "transcript"), ("K4", None, 1, 1, "transcript")]
    assert query(filled, "SELECT count(*) FROM call_practice_sources WHERE call_id = 'K3'") == [(0,)]
    # the long view and call_facts agree on every value and on the call's source
    per_call = query(filled, """
        SELECT call_id, CASE WHEN bool_and(source = 'qa') THEN 'qa' WHEN bool_and(source = 'transcript')
                             THEN 'transcript' ELSE 'qa+transcript' END
        FROM call_practice_sources GROUP BY call_id ORDER BY call_id""")
    assert per_call == query(filled, "SELECT call_id, practice_source FROM call_facts "
                                     "WHERE practice_source IS NOT NULL ORDER BY call_id")
    long = query(filled, "SELECT call_id, value FROM call_practice_sources WHERE practice = 'thanked' ORDER BY 1")
    wide = query(filled, "SELECT call_id, thanked::INTEGER FROM call_facts WHERE thanked IS NOT NULL ORDER BY 1")
    assert long == wide


def test_every_mart_sees_the_filled_values(filled):
    """call_practices, and call_summary through summary_calls, count the apology of K2 and K4."""
    assert query(filled, "SELECT call_id FROM call_practices WHERE practice = 'apologized' AND used "
                         "ORDER BY call_id") == [("K2",), ("K4",)]
    assert query(filled, "SELECT sum(apologized), sum(apologized_assessed), sum(thanked_assessed) "
                         "FROM call_summary") == [(2, 3, 3)]


def test_a_load_without_transcripts_keeps_qa_as_it_is(tmp_path: Path, db: Path):
    source = make_source(tmp_path / "src", calls=CALLS)
    assert load_api(source, db).code == 0
    assert query(db, "SELECT call_id, apologized, practice_source FROM call_facts ORDER BY call_id") == [
        ("K1", False, "qa"), ("K2", None, None), ("K3", None, None), ("K4", None, "qa")]
    assert query(db, "SELECT DISTINCT source FROM call_practice_sources") == [("qa",)]
    assert query(db, "SELECT count(*) FROM transcript_agreement") == [(0,)]


def test_a_qa_flag_detection_has_no_rules_for_is_not_filled(tmp_path: Path, db: Path, monkeypatch):
    """A practice added to the vocabulary without detection rules: detection writes false for it
    on every call, which must not pass for a score of the calls QA left empty."""
    new = replace(vocabulary.practice("thanked"), name="greeted_by_name", label="Greeted by name",
                  module=None)
    monkeypatch.setattr(vocabulary, "PRACTICES", (*vocabulary.PRACTICES, new))
    source = tmp_path / "src"
    make_source(source, calls=None)
    rows = [{**c, "greeted_by_name": v} for c, v in zip(CALLS, ("true", "", "", ""))]
    write_csv(source / "calls" / "calls_2025-01.csv", rows, [*CALL_COLUMNS, "greeted_by_name"])
    _transcripts(source, "K1", "K2", "K4")
    out = load_api(source, db)
    assert out.code == 0, out.output
    assert query(db, "SELECT greeted_by_name FROM transcript_calls WHERE call_id = 'K2'") == [(False,)]
    assert _facts(db, "K2", "greeted_by_name, apologized") == (None, True)
    assert _facts(db, "K1", "greeted_by_name") == (True,)
