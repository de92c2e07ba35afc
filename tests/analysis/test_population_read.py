"""The model population as `calmline fit` reads it (#12): DuckDB writes the table from the query, and
the frame is read back from it in call_id order as a stream of batches, written into columns
allocated once. The frame must hold exactly what the whole query's Arrow table gave (session 15's
read: sorted by call_id in Arrow, converted column by column), so every model reads the same values
as before, however many batches it comes in; it holds them compactly (the level columns as
categoricals, integers as int32), and a step that does not fit in the capped memory runs again."""

from __future__ import annotations

import datetime
import shutil
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from calmline.analysis import population_read, runner
from calmline.database.connection import connect
from calmline.queries import load_sql


def whole_table_frame(table: pa.Table, levels=runner.LEVELS) -> pd.DataFrame:
    """Session 15's read (runner._population_frame at 1556b4b): the whole table sorted by call_id in
    Arrow, the level columns dictionary-encoded, each column converted and its int64 narrowed."""
    table = table.take(pc.sort_indices(table["call_id"])) if "call_id" in table.column_names else table
    columns = {}
    for name in table.column_names:
        column = table.column(name)
        if name in levels and not pa.types.is_dictionary(column.type):
            column = pc.dictionary_encode(column)
        columns[name] = population_read.compact(population_read.arrow_frame(pa.table({name: column}))[name])
    return pd.DataFrame(columns, copy=False)


def streamed(table: pa.Table, batch_rows: int, levels=runner.LEVELS) -> pd.DataFrame:
    """stream_frame of ``table`` (already in order) in batches of ``batch_rows``, with what each
    column holds worked out from the whole table, as population_columns.sql does in DuckDB."""
    held = {}
    for name in table.column_names:
        column = table.column(name)
        least, greatest = (pc.min_max(column).values() if column.null_count < len(column) and
                           not pa.types.is_dictionary(column.type) else (None, None))
        held[name] = population_read.Held(column.null_count, least and least.as_py(), greatest and greatest.as_py())
    return population_read.stream_frame(table.to_batches(batch_rows), table.schema, table.num_rows, held, levels)


def mixed_table(rows: int = 300) -> pa.Table:
    """Every kind of column the population has and some it could have, with missing values that
    first appear in a later batch, a level first seen late, and a level column of 200 values."""
    rng = np.random.default_rng(11)
    late = np.arange(rows) >= rows // 2  # missing values only in the second half
    pick = rng.random(rows) < 0.3

    def masked(values, where):
        return pa.array(values, mask=where)

    return pa.table({
        "call_id": pa.array([f"CALL-{i:09d}" for i in range(rows)]),
        "team": masked(np.array([f"team-{i % 7}" for i in range(rows)], dtype=object), late & pick),
        "call_month": masked(np.array([datetime.date(2025, 1 + i % 12, 1) for i in range(rows)]), late & pick),
        "call_day": pa.array([datetime.date(2025, 1, 1 + i % 28) for i in range(rows)], pa.date32()),
        "small": pa.array(rng.integers(-5, 5, rows), pa.int64()),
        "wide": pa.array(rng.integers(-5, 5, rows) * 2 ** 40, pa.int64()),
        "narrow": pa.array(rng.integers(0, 9, rows), pa.int32()),
        "counts_missing": masked(rng.integers(0, 9, rows), late & pick),
        "tiny": pa.array(rng.integers(0, 9, rows), pa.int16()),
        "amount": masked(rng.normal(size=rows), pick),
        "flag": pa.array(rng.random(rows) < 0.5),
        "flag_missing": masked(rng.random(rows) < 0.5, late & pick),
        "price": pa.array([Decimal(i) / 100 for i in range(rows)], pa.decimal128(9, 2)),
        "issue_type": masked(np.array(["late" if i > rows - 5 else ["a", "b", "c"][i % 3] for i in range(rows)],
                                      dtype=object), late & pick),
        "channel": pa.array([f"c{i % 200:03d}" for i in range(rows)]),
        "plan": pa.array([["x", "y"][i % 2] for i in range(rows)]).dictionary_encode(),
    })


@pytest.mark.parametrize("batch_rows", [1, 7, 64, 299, 300, 1000])
def test_the_frame_is_the_same_in_any_number_of_batches(batch_rows):
    table = mixed_table()
    reference = whole_table_frame(table)
    frame = streamed(table, batch_rows)
    pd.testing.assert_frame_equal(frame, reference, check_exact=True)
    assert dict(frame.dtypes.astype(str)) == dict(reference.dtypes.astype(str))
    # what the frame holds compactly: levels as categoricals, 64-bit integers that fit as int32,
    # missing values as the whole table's conversion has them
    assert frame["issue_type"].cat.categories[-1] == "late" and frame["issue_type"].isna().any()
    assert frame["channel"].cat.codes.dtype == np.int16 and frame["channel"].nunique() == 200
    assert frame["small"].dtype == np.int32 and frame["wide"].dtype == np.int64
    assert frame["counts_missing"].dtype == np.float64 and frame["flag_missing"].dtype == "boolean"
    assert frame["flag"].dtype == bool and frame["call_month"].dtype == "datetime64[us]"


def test_an_empty_population_gives_the_same_empty_frame():
    # without the dictionary column: no batch, so no dictionary to take its categories from
    table = mixed_table().slice(0, 0).drop_columns(["plan"])
    pd.testing.assert_frame_equal(streamed(table, 10), whole_table_frame(table), check_exact=True)


def test_batches_that_do_not_add_up_to_the_rows_stated_are_refused():
    table = mixed_table(20)
    held = {name: population_read.Held(table.column(name).null_count) for name in table.column_names}
    with pytest.raises(ValueError, match="not the 21"):
        population_read.stream_frame(table.to_batches(8), table.schema, 21, held, runner.LEVELS)
    with pytest.raises(ValueError, match="more than"):
        population_read.stream_frame(table.to_batches(8), table.schema, 19, held, runner.LEVELS)
    for name in ["counts_missing", "flag_missing"]:  # a missing value where none was stated
        wrong = {**held, name: population_read.Held(0, 0, 9)}
        with pytest.raises(ValueError, match="no missing value"):
            population_read.stream_frame(mixed_table().to_batches(50), table.schema, 300, wrong, runner.LEVELS)


@pytest.fixture
def con(sample_db, tmp_path):
    db = tmp_path / "calmline.duckdb"
    shutil.copyfile(sample_db, db)
    connection = connect(db, read_only=False)
    yield connection
    connection.close()


def query_frame(con) -> tuple[pd.DataFrame, list]:
    """The reference: the population query's whole Arrow table, read as session 15 read it."""
    table = con.sql(load_sql("analysis/upset_calls")).to_arrow_table()
    return whole_table_frame(table.drop_columns(["customer_id", "site"])), con.sql(load_sql("analysis/upset_calls")).types


def test_the_frame_read_in_batches_equals_the_whole_querys(con, monkeypatch):
    monkeypatch.setattr(runner, "BATCH_ROWS", 1000)  # several batches of the sample's upset calls
    reference, query_types = query_frame(con)
    frame = runner._store_population(con)
    stored_types = con.table("model_population").types
    order_kept = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    assert len(frame) > 5 * runner.BATCH_ROWS
    missing = [c for c in frame if frame[c].isna().any()]
    assert {"minutes_since_prev_upset", "days_to_followup", "churned_90d"} <= set(missing)
    pd.testing.assert_frame_equal(frame, reference, check_exact=True)
    assert all(isinstance(frame[c].dtype, pd.CategoricalDtype) for c in runner.LEVELS)
    assert frame["churned_90d"].dtype == "boolean" and frame["tenure_days"].dtype == np.int32
    assert stored_types == query_types  # the table the query wrote has the query's column types
    assert order_kept is True  # the setting the write turned off is back as it was


@pytest.mark.parametrize("cap, refused", [("QUERY_MEMORY", "analysis/upset_calls"),
                                           ("READ_MEMORY", "analysis/population_sorted")])
def test_a_step_past_the_capped_memory_runs_again_without_the_cap(con, monkeypatch, cap, refused):
    reference, _ = query_frame(con)
    runner._store_population(con)  # the table the sorted read reads
    with con.cursor() as capped:  # the cap alone: DuckDB refuses the query (its hash tables) or the read (its sort)
        capped.execute("SET memory_limit = '1MB'")
        with pytest.raises(duckdb.OutOfMemoryException):
            for _ in capped.sql(load_sql(refused)).to_arrow_reader(1000):
                pass
        capped.execute("RESET memory_limit")  # a database-wide setting
    monkeypatch.setattr(runner, cap, "1MB")  # far too little
    frame = runner._store_population(con)
    limit_after = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    default = duckdb.connect().execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    pd.testing.assert_frame_equal(frame, reference, check_exact=True)
    assert limit_after == default


def test_a_limit_set_on_purpose_is_left_as_it_is(con):
    con.execute("SET memory_limit = '3GB'")
    set_on_purpose = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    reference, _ = query_frame(con)
    frame = runner._store_population(con)
    pd.testing.assert_frame_equal(frame, reference, check_exact=True)
    assert con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == set_on_purpose
