"""The fast plan (each distinct text matched once, joined back to its sentences) gives the same
rows as the previous plan (every rule on every sentence), where the same text means different
things: early or late in the call (``after_share``), alone or among other sentences of its
turn (``unless_turn``, turn-scope rules), said by the agent or the customer.

The dev set is detected twice, once as recorded and once with every call's turns in reverse
order (so each sentence keeps its text and its turn's text but moves to the other end of the
call), in one table, so that identical texts meet different positions in the same run."""

from __future__ import annotations

import importlib

import duckdb
import pytest

from calmline.transcripts import read_transcripts
from calmline.transcripts.rulebook import load_rules
from tests.transcripts.write_snapshot import SOURCES

detect_module = importlib.import_module("calmline.transcripts.detect")


@pytest.fixture(scope="module")
def dev_and_reversed() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    read_transcripts(con, SOURCES["dev"])
    con.execute("""
        CREATE TABLE both_ways AS
        SELECT call_id, turn, speaker, start_s, end_s, text FROM transcript_turns
        UNION ALL
        SELECT call_id || '-reversed', (max(turn) OVER w - turn)::INTEGER, speaker,
               max(end_s) OVER w - end_s, max(end_s) OVER w - start_s, text
        FROM transcript_turns WINDOW w AS (PARTITION BY call_id)
    """)
    yield con
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, plan: str, monkeypatch) -> dict[str, list[tuple]]:
    monkeypatch.setattr(detect_module, "HITS_PLAN", plan)
    detect_module.detect(con, "both_ways")
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("transcript_calls", "transcript_practices")}


def test_distinct_texts_give_the_rows_of_every_sentence(dev_and_reversed, monkeypatch):
    con = dev_and_reversed
    old = _rows(con, "each_sentence", monkeypatch)
    new = _rows(con, "distinct", monkeypatch)
    assert len(new["transcript_calls"]) == 2 * con.execute(
        "SELECT count(DISTINCT call_id) FROM transcript_turns").fetchone()[0]
    for table in old:
        assert new[table] == old[table], f"{table}: the plans differ"
    # the cases where a text's place matters are exercised: a late-call rule (summary) that
    # fires in one copy of a call but not in the other, a turn-scope rule, a rule cancelled by
    # its turn
    fired = {(r[0].removesuffix("-reversed"), r[-1], r[0].endswith("-reversed"))
             for r in new["transcript_practices"]}
    rules = {r for _, r, _ in fired}
    assert {"summary", "verify_check", "verify_intro"} <= rules
    summary = {(c, rev) for c, r, rev in fired if r == "summary"}
    assert any((c, not rev) not in summary for c, rev in summary), "summary fires the same both ways"


def test_the_texts_table_holds_each_text_once(dev_and_reversed, monkeypatch):
    """The rules run once per text: a text repeated across sentences, turns and calls is one
    row per speaker, fewer rows than sentences."""
    con = dev_and_reversed
    monkeypatch.setattr(detect_module, "HITS_PLAN", "distinct")
    rules = load_rules("en")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {detect_module._CHUNK} AS SELECT * FROM both_ways")
    con.execute(detect_module._sentences_sql(detect_module._CHUNK, rules.settings))
    con.execute(detect_module._texts_sql(rules))
    texts, distinct = con.execute("SELECT count(*), count(DISTINCT (speaker, x)) FROM _tx_texts").fetchone()
    sentences = con.execute("SELECT count(*) FROM _tx_sentences").fetchone()[0]
    assert texts == distinct
    assert texts < sentences
