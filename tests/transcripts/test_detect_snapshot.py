"""Detection gives the same rows as the stored snapshot (tests/transcripts/snapshots/).

The snapshot was written by ``tests/transcripts/write_snapshot.py`` from the SQL before it was
made faster, so a plan change that alters a single flag, turn, evidence or rule fails here. A
deliberate rule change rewrites the snapshot in the same commit (see that script)."""

from __future__ import annotations

import duckdb
import pytest

from tests.transcripts.write_snapshot import ORDER, SNAPSHOT, SOURCES, detect_rows


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_detection_matches_the_snapshot_to_the_row(tmp_path, name):
    con = detect_rows(SOURCES[name])
    for table, order in ORDER.items():
        out = tmp_path / f"{name}_{table}.csv"
        con.execute(f"COPY (SELECT * FROM {table} ORDER BY {order}) TO '{out}'")
        got = out.read_text(encoding="utf-8").splitlines()
        want = (SNAPSHOT / f"{name}_{table}.csv").read_text(encoding="utf-8").splitlines()
        assert got[0] == want[0], f"{table}: columns changed"
        missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
        assert (missing, extra) == ([], []) and len(got) == len(want), f"{table}: rows differ"
    con.close()


def test_detecting_in_chunks_of_calls_gives_the_same_rows(tmp_path):
    """Memory is bounded by detecting a range of calls at a time (``chunk_calls``): chunks of 60
    calls (three chunks) give the dev set's snapshot to the row, in the same order, and an empty turns table
    still gives both (empty) result tables."""
    from calmline.transcripts import read_transcripts
    from calmline.transcripts.detect import detect

    con = duckdb.connect()
    read_transcripts(con, SOURCES["dev"])
    assert detect(con, chunk_calls=60) == len((SNAPSHOT / "dev_transcript_calls.csv").read_text().splitlines()) - 1
    for table, order in ORDER.items():
        out = tmp_path / f"{table}.csv"
        con.execute(f"COPY (SELECT * FROM {table}) TO '{out}'")
        got = out.read_text(encoding="utf-8").splitlines()
        want = (SNAPSHOT / f"dev_{table}.csv").read_text(encoding="utf-8").splitlines()
        assert sorted(got) == sorted(want), f"{table}: rows differ"
        if table == "transcript_calls":
            assert got == want, "calls out of call_id order"
    con.execute("CREATE TABLE empty_turns AS SELECT * FROM transcript_turns LIMIT 0")
    assert detect(con, "empty_turns") == 0
    assert con.execute("SELECT count(*) FROM transcript_practices").fetchone()[0] == 0
    con.close()
