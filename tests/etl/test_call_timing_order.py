"""call_timing is stored in call_id order, as calls is: the call page reads one call's timing
from one row group (its zone maps skip the rest) instead of scanning the whole table, which at
2M calls cost each call view about 60 ms of CPU."""

import duckdb

from calmline.etl.load import load

from tests.etl.same_tables import DATA


def test_call_timing_is_stored_in_call_id_order(tmp_path):
    db = tmp_path / "order.duckdb"
    load(DATA / "source_a", db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = [r[0] for r in con.execute("SELECT call_id FROM call_timing").fetchall()]
        calls = con.execute("SELECT count(*) FROM calls").fetchone()[0]
    finally:
        con.close()
    assert len(stored) == calls > 50
    assert stored == sorted(stored)
