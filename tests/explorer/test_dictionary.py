"""The data dictionary: every column of the database described, from one source each, none stale."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from calmline import vocabulary
from calmline.database import model_inputs
from calmline.explorer import dictionary
from calmline.explorer.sandbox import Limits, Refused, Sandbox

LIMITS = Limits(seconds=5.0, memory="200MB")


def _database_columns(db) -> dict[str, dict[str, str]]:
    """table -> {column: type} of every table and view of the file's main schema, internal included."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT table_name, column_name, data_type FROM duckdb_columns() "
                           "WHERE database_name = current_database() AND schema_name = 'main' "
                           "ORDER BY table_name, column_index").fetchall()
    finally:
        con.close()
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, {})[column] = data_type
    return tables


@pytest.fixture(scope="module")
def every_table_db(fitted_sample_db, tmp_path_factory):
    """A fitted database that also has the tables only a Spark load stores (the fit's inputs)."""
    db = tmp_path_factory.mktemp("dictionary") / "calmline.duckdb"
    shutil.copyfile(fitted_sample_db, db)
    with duckdb.connect(str(db)) as con:
        model_inputs.store(con, con.execute("SELECT last_batch_id FROM etl_state").fetchone()[0])
    return db


@pytest.fixture(scope="module")
def fitted_columns(every_table_db):
    tables = _database_columns(every_table_db)
    tables["data_dictionary"] = dict.fromkeys(dictionary.COLUMNS, "VARCHAR")  # the sandbox's own table
    return tables


def test_every_column_of_every_table_and_view_is_described(fitted_columns):
    assert {"calls", "call_facts", "horizon_churn", "practice_effects", "call_timing"} <= set(fitted_columns)
    missing = [f"{t}.{c}" for t, cols in fitted_columns.items() for c, ty in cols.items()
               if not dictionary.column_description(t, c, ty).strip()]
    assert missing == []
    undescribed = [t for t in fitted_columns if not dictionary.table_description(t).strip()]
    assert undescribed == []


def test_the_dictionary_names_no_table_or_column_that_does_not_exist(fitted_columns):
    book = dictionary.entries()
    stale = []
    for table, entry in book.items():
        if table == "common":
            stale += [f"common.{c}" for c in entry if not any(c in cols for cols in fitted_columns.values())]
            continue
        if table not in fitted_columns:
            stale.append(table)
            continue
        stale += [f"{table}.{c}" for c in entry.get("columns", {}) if c not in fitted_columns[table]]
    assert stale == []


def test_words_of_the_contract_and_the_vocabulary_are_not_repeated_in_the_toml():
    """Input tables take their grain and documented columns from the contract; practice columns
    come from the vocabulary in every table."""
    book = dictionary.entries()
    practice_columns = {n for p in vocabulary.PRACTICES for n in (p.name, f"{p.name}_assessed")}
    for name, entity in dictionary._entities().items():
        entry = book.get(name, {})
        assert "grain" not in entry, name
        for column in entity.columns:
            own = entry.get("columns", {}).get(column.name, "")
            assert not (column.doc and column.doc.lower() in own.lower()), f"{name}.{column.name}"
    listed = set(book.get("common", {}))
    for name, entry in book.items():
        listed |= set(entry.get("columns", {})) if name != "common" else set()
    assert practice_columns.isdisjoint(listed)


def test_input_columns_read_the_contract_and_marts_borrow_it():
    calls = {c.name: c for c in dictionary._entities()["calls"].columns}
    described = dictionary.column_description("calls", "wait_s", "DOUBLE")
    assert calls["wait_s"].doc.lower() in described.lower() and "must be >= 0" in described
    assert calls["anger_level"].doc in dictionary.column_description("call_facts", "anger_level", "BIGINT")
    followup = dictionary.column_description("follow_ups", "followup_at", "TIMESTAMP")
    assert followup.startswith("When the follow-up") and "not before the call started" in followup
    assert "unique" not in dictionary.column_description("horizon_churn", "call_id", "VARCHAR")
    assert dictionary.table_description("calls").startswith("One row per contact.")


def test_a_practice_added_to_the_vocabulary_is_described_without_editing_the_dictionary(monkeypatch):
    new = vocabulary.Practice("named_feeling", "Named the feeling",
                              "The agent named the emotion the customer expressed.", ("HEARD",))
    monkeypatch.setattr(vocabulary, "PRACTICES", (*vocabulary.PRACTICES, new))
    flag = dictionary.column_description("call_practice_flags", "named_feeling", "BOOLEAN")
    count = dictionary.column_description("call_summary", "named_feeling", "BIGINT")
    assessed = dictionary.column_description("call_summary", "named_feeling_assessed", "BIGINT")
    assert "Named the feeling" in flag and "named the emotion the customer expressed" in flag
    assert "not assessed" in flag
    assert count.startswith("Calls on which 'Named the feeling' was used")
    assert "assessed" in assessed and "Named the feeling" in assessed
    assert "Named the feeling" in dictionary.column_description("calls", "named_feeling", "BOOLEAN")
    monkeypatch.undo()
    assert dictionary.column_description("call_summary", "named_feeling", "BIGINT") == ""


def test_the_sandbox_lists_the_dictionary_and_analysts_can_query_it(every_table_db, fitted_columns):
    with Sandbox(every_table_db, LIMITS) as box:
        schema = box.schema()
        assert list(schema.columns) == dictionary.COLUMNS
        assert (schema["description"] != "").all() and (schema["table_description"] != "").all()
        assert {(t, c) for t, cols in fitted_columns.items() for c in cols} == set(
            zip(schema["table"], schema["column"]))
        churn = box.run("SELECT \"table\" FROM data_dictionary WHERE \"table\" = 'horizon_churn' "
                        "AND table_description ILIKE '%closed-window churn rates%'").frame
        assert len(churn) == len(fitted_columns["horizon_churn"])
        with pytest.raises(Refused):
            box.run("DELETE FROM data_dictionary")
        assert box.run("SELECT count(*) AS n FROM data_dictionary").frame["n"].tolist() == [len(schema)]
        assert box.settings()["lock_configuration"] == "true"
        assert box.settings()["enable_external_access"] == "false"
