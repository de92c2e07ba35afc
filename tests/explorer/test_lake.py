"""The explorer on a database whose row-level tables live in a lake (``calmline etl --engine spark``):
analysts read the lake's Parquet through DuckDB's ``allowed_directories``, and nothing else.

The lake database here is the loaded sample with ``calls`` moved out to Parquet, its view
written by :func:`calmline.spark.write.entity_view_sql` exactly as a Spark load writes it (no
Spark needed). Every attack leaves the database and the lake byte-for-byte unchanged.
"""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest

from calmline.etl.contract import entity
from calmline.explorer.sandbox import Limits, QueryFailed, Refused, Sandbox, required
from calmline.spark.write import entity_view_sql
from tests.conftest import file_digest

LIMITS = Limits(seconds=2.0, memory="200MB")


@pytest.fixture(scope="module")
def lake_db(sample_db, tmp_path_factory):
    """(database, its calls folder in the lake, a folder beside the lake holding a secret Parquet file)."""
    root = tmp_path_factory.mktemp("lake_db")
    db = root / "calmline.duckdb"
    shutil.copyfile(sample_db, db)
    calls = root / "lake" / "batch-1" / "calls"
    calls.mkdir(parents=True)
    outside = root / "outside"
    outside.mkdir()
    con = duckdb.connect(str(db))
    try:
        con.execute(f"COPY (SELECT * FROM calls) TO '{calls / 'part-0.parquet'}' (FORMAT parquet)")
        con.execute(f"COPY (SELECT 'secret' AS s) TO '{outside / 'secret.parquet'}' (FORMAT parquet)")
        (root / "lake" / "batch-1" / "calls2").mkdir()  # a sibling whose name starts like the folder's
        con.execute(f"COPY (SELECT 'secret' AS s) TO '{root / 'lake' / 'batch-1' / 'calls2' / 'x.parquet'}' "
                    "(FORMAT parquet)")
        con.execute("DROP TABLE calls")
        con.execute(f"CREATE VIEW calls AS {entity_view_sql(entity('calls'), calls.parent)}")
        calls_n = con.execute("SELECT count(*) FROM calls").fetchone()[0]
    finally:
        con.close()
    os.symlink(outside, calls / "link")  # a folder link and a file link inside the allowed folder
    os.symlink(outside / "secret.parquet", calls / "secret-link")  # not *.parquet: the view globs those
    return db, calls, outside, calls_n


@pytest.fixture(scope="module")
def lake_box(lake_db):
    with Sandbox(lake_db[0], LIMITS) as sandbox:
        yield sandbox


def digests(db, calls, outside) -> dict:
    return {p: file_digest(p) for p in (db, calls / "part-0.parquet", outside / "secret.parquet")}


def test_the_lake_folder_is_the_only_one_allowed(lake_box, lake_db):
    db, calls, _, _ = lake_db
    assert lake_box.lake == (f"{calls}/",)
    settings = lake_box.settings()
    assert settings["allowed_directories"] == f"[{calls}/]"
    assert settings["enable_external_access"] == "false"
    assert settings["local_file_system"] == "lake only"
    assert settings["lock_configuration"] == "true"
    assert set(settings) == set(required(LIMITS)) | {"allowed_directories"}


def test_analysts_query_the_views_and_the_lakes_parquet(lake_box, lake_db, sample_db):
    _, calls, _, calls_n = lake_db
    with duckdb.connect(str(sample_db), read_only=True) as con:
        want = con.execute("SELECT count(*), count(DISTINCT customer_id) FROM calls").fetchone()
    assert calls_n == want[0]
    assert lake_box.run("SELECT count(*) AS n, count(DISTINCT customer_id) AS c FROM calls").frame.values.tolist() \
        == [list(want)]
    direct = lake_box.run("SELECT count(*) AS n FROM read_parquet($p)", {"p": f"{calls}/part-0.parquet"})
    assert direct.frame["n"].tolist() == [want[0]]
    assert lake_box.run("SELECT count(*) AS n FROM call_summary").frame["n"].tolist()[0] > 0  # marts read the view


OUTSIDE = [  # (how the path is written, from the calls folder, the fixture's folders)
    "{outside}/secret.parquet",                         # plainly outside
    "{calls}/../../../outside/secret.parquet",          # climbing out with ..
    "{calls}/link/secret.parquet",                      # through a folder symlink inside the lake
    "{calls}/secret-link",                              # a file symlink inside the lake
    "{calls}2/x.parquet",                               # a sibling folder whose name starts the same
    "{calls}/../*.parquet",
]


@pytest.mark.parametrize("path", OUTSIDE)
@pytest.mark.parametrize("reader", ["read_parquet", "read_blob", "glob", "read_text"])
def test_reading_outside_the_allowed_folder_is_refused(lake_box, lake_db, path, reader):
    db, calls, outside, calls_n = lake_db
    before = digests(db, calls, outside)
    target = path.format(calls=calls, outside=outside)
    with pytest.raises(QueryFailed, match="disabled by configuration"):
        lake_box.run(f"SELECT * FROM {reader}($p)", {"p": target})
    with pytest.raises(duckdb.PermissionException):  # DuckDB itself, without the gate
        lake_box._con.execute(f"SELECT * FROM {reader}('{target}')").fetchall()
    lake_box._con.abort()
    assert lake_box.run("SELECT count(*) AS n FROM calls").frame["n"].tolist() == [calls_n]
    assert digests(db, calls, outside) == before


def test_the_settings_stay_locked_and_writing_into_the_lake_is_refused(lake_box, lake_db):
    db, calls, outside, _ = lake_db
    before = digests(db, calls, outside)
    for sql in ("SET allowed_directories = ['/']", "SET enable_external_access = true",
                "RESET allowed_directories"):
        with pytest.raises(duckdb.InvalidInputException, match="locked"):
            lake_box._con.execute(sql)
    with pytest.raises(Refused):
        lake_box.run(f"COPY calls TO '{calls}/stolen.csv'")
    assert sorted(p.name for p in calls.iterdir()) == ["link", "part-0.parquet", "secret-link"]
    assert digests(db, calls, outside) == before
