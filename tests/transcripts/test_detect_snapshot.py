"""Detection gives the same rows as the stored snapshot (tests/transcripts/snapshots/).

The snapshot was written by ``tests/transcripts/write_snapshot.py`` from the SQL before it was
made faster, so a plan change that alters a single flag, turn, evidence or rule fails here. A
deliberate rule change rewrites the snapshot in the same commit (see that script)."""

from __future__ import annotations

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
