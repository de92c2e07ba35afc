"""A load without transcripts has nothing to compare with QA: the marts that compare
(transcript_agreement, practice_source_counts' compared calls) must not read every call to find
that out (#12: 1.7 CPU-s of a 1M-call load went there), and call_practice_sources still lists
every QA value."""

from calmline.etl.load import load

from tests.conftest import query
from tests.etl.builders import CALLS, PRACTICES, make_source


def _plan(db, sql: str) -> str:
    return "\n".join(row[1] for row in query(db, f"EXPLAIN {sql}"))


def test_no_transcript_no_scan_of_the_calls_for_detected_values(tmp_path):
    db = tmp_path / "calmline.duckdb"
    load(make_source(tmp_path / "src"), db)
    assert query(db, "SELECT count(*) FROM transcript_calls")[0][0] == 0
    compared = _plan(db, "SELECT * FROM call_practice_sources WHERE qa_value IS NOT NULL "
                         "AND detected_value IS NOT NULL")
    assert "Empty Result" in compared and "Scan" not in compared, compared
    assert query(db, "SELECT count(*) FROM transcript_agreement")[0][0] == 0
    assert query(db, "SELECT compared, with_transcript FROM practice_source_counts") == [(0, 0)]
    # the QA values are all there: every practice flag and options_offered of every call, from QA
    rows = query(db, "SELECT source, count(*), count(detected_value), count(*) FILTER (value = qa_value) "
                     "FROM call_practice_sources GROUP BY ALL")
    qa_values = len(CALLS) * (len(PRACTICES) + 1)
    assert rows == [("qa", qa_values, 0, qa_values)]
