"""The load's speed-ups keep every stored row: each table, view and mart after a load equals the
reference written by the load before them (see :mod:`tests.etl.same_tables`).

Two loads: ``source_a`` into a new database (the first load of every entity, with the
generator's dirty rows and hand-made ones: trimmed values, boolean spellings, an offset
timestamp, a quoted field over two lines, a blank line, a duplicate key, a short row, references
to missing rows), then ``source_b`` on top of it (changed rows, new rows, an unchanged file
skipped, a rejected training row).
"""

from calmline.etl.load import load

from tests.etl.same_tables import DATA, differences


def test_every_table_and_mart_as_in_the_reference(tmp_path):
    db = tmp_path / "same.duckdb"
    report = load(DATA / "source_a", db)
    assert report.rows_rejected > 0  # the dirty rows are there to be rejected
    assert differences(db, DATA / "reference_a") == {}
    load(DATA / "source_b", db)
    assert differences(db, DATA / "reference_b") == {}
