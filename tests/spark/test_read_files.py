"""An entity's CSV files read as one Spark source keep each row's own file and line
(calmline.spark.read.read_files).

The files are numbered from their chunks (``_metadata.file_path`` and ``file_block_start``):
here the split size is made tiny so that every file is cut into several chunks and Spark's
partitions mix chunks of different files, the case a plain ``row_number`` per partition gets
wrong. The expected lines are counted in Python from the files themselves.
"""

from __future__ import annotations

import pytest

from calmline.etl.sources import discover

pytestmark = pytest.mark.spark

HEADER = "agent_id,team,site,hire_date"


def _write(folder, name: str, rows: list[str]) -> None:
    (folder / name).write_text("\n".join([HEADER, *rows]) + "\n")


def test_rows_keep_their_file_and_line_across_chunks_in_one_numbering_query(spark, tmp_path):
    from calmline.spark.read import read_files

    agents = tmp_path / "agents"
    agents.mkdir()
    expected = {}
    for f, count in (("a.csv", 40), ("b.csv", 7), ("c.csv", 25), ("d.csv", 3), ("e.csv", 12), ("f.csv", 9)):
        rows = [f"AGT-{f[0]}{k:03d},team-{k % 3},Leeds,2020-01-{1 + k % 28:02d}" for k in range(count)]
        if f == "c.csv":
            rows.insert(10, "")  # a blank line: skipped, but the lines after it keep their numbers
        _write(agents, f, rows)
        for line, row in enumerate(rows, start=2):
            if row:
                expected[(f, line)] = row.split(",")[0]
    sources = discover(tmp_path, [])
    items = list(enumerate(sources))
    names = {i: s.path.name for i, s in items}
    before = {k: spark.conf.get(k) for k in ("spark.sql.files.maxPartitionBytes", "spark.sql.files.openCostInBytes")}
    spark.conf.set("spark.sql.files.maxPartitionBytes", "256")
    spark.conf.set("spark.sql.files.openCostInBytes", "0")
    try:
        spark.sparkContext.setJobGroup("cl-read-files", "numbering the files")
        frame = read_files(spark, items)
        numbering = len(spark.sparkContext.statusTracker().getJobIdsForGroup("cl-read-files"))
        assert frame.rdd.getNumPartitions() > len(items)  # the files were cut into chunks
        got = {(names[r._file_idx], r._line): r.agent_id for r in frame.select("_file_idx", "_line", "agent_id").collect()}
    finally:
        for key, value in before.items():
            spark.conf.set(key, value)
    assert got == expected
    assert 0 < numbering < len(items)  # one numbering query for the files, not one per file
