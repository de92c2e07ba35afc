"""A file whose rows are nearly all rejected is recorded row by row, set-wise (red-team
"Hold under fire", 6: each rejected row used to cost a Python round trip). The timing is in
benchmarks/etl_rejects.py; this checks that every row still lands at its own line and text."""

from __future__ import annotations

from tests.conftest import query
from tests.etl.builders import CALL_COLUMNS, CALLS, call, make_source

ROWS = 3000


def test_every_rejected_row_is_recorded_at_its_line_with_its_text(tmp_path, db, loader):
    source = make_source(tmp_path / "src", follow_ups=None)
    lines = [",".join(CALL_COLUMNS)]
    for n in range(ROWS):
        kind = n % 4
        if kind == 0:  # broken by a per-row rule
            row = call(f"R{n}", anger_level="9")
        elif kind == 1:  # broken across rows: an unknown customer
            row = call(f"R{n}", customer_id=f"C-{n}")
        elif kind == 2:  # the reader cannot split it
            lines.append(f"R{n},C1,A1")
            continue
        else:  # fine
            row = call(f"R{n}")
        lines.append(",".join(row[c] for c in CALL_COLUMNS))
    (source / "calls" / "calls_2025-01.csv").write_text("\n".join(lines) + "\n")
    assert loader(source, db).code == 0
    assert query(db, "SELECT rows_read, rows_loaded, rows_rejected FROM load_batches "
                     "WHERE entity = 'calls'") == [(ROWS, ROWS // 4, ROWS - ROWS // 4)]
    # Line n + 2 holds row R<n>, whichever way it was rejected.
    assert query(db, "SELECT count(*) FROM rejected_rows WHERE split_part(row_text, ',', 1) <> 'R' || (line - 2)") == [(0,)]
    assert query(db, "SELECT column_name, count(*) FROM rejected_rows GROUP BY 1 ORDER BY 1") == [
        ("anger_level", ROWS // 4), ("customer_id", ROWS // 4), ("started_at", ROWS // 4)]
    assert query(db, "SELECT count(*) FROM calls") == [(ROWS // 4,)]
