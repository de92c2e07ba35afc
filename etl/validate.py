"""Per-row validation: cast each text value to its contract type and list the rules it breaks.

The SQL is derived from :mod:`calmline.etl.contract`, so each rule is written once.
One pass over a file's rows (:func:`stage_file`) appends them, in file order,
to the entity's table ``stage_<entity>_t``: the file's index, its line when
the reader knows it, the typed values, ``_ok`` (the row passed every per-row
rule) and, only for rows that did not, ``problems`` (a list of
``{column, rule}``) and ``_text`` (the row as written). One table per entity,
not per file, so the final insert is a single scan that DuckDB writes
straight to disk. Rules that look across rows (duplicates, references, order
in time) are added by :mod:`calmline.etl.cross_checks`.
"""

from __future__ import annotations

import duckdb

from calmline.etl.contract import EARLIEST_DATE, LATEST_DATE, SQL_TYPES, Column, Entity
from calmline.etl.read_raw import RawSource
from calmline.etl.sql_text import lit, q
from calmline.etl import work_tables

_PARSERS = {
    "text": "{v}",
    "integer": "cl_int({v})",
    "number": "cl_num({v})",
    # 'true' and 'false', what nearly every export writes, are matched before cl_bool lower-cases
    # (a copy of every value: 0.3 s of CPU at 2M calls x 11 columns). Same result for any input.
    "boolean": "CASE {v} WHEN 'true' THEN true WHEN 'false' THEN false ELSE cl_bool({v}) END",
    "timestamp": "cl_ts({v})",
    "date": "cl_date({v})",
}
_TYPE_RULES = {
    "integer": "not a whole number",
    "number": "not a number",
    "boolean": "not a boolean (use true/false, 1/0, yes/no or y/n)",
    "timestamp": "not an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SS, optionally Z or +HH:MM)",
    "date": "not a date (YYYY-MM-DD)",
}
_DATE_RANGE = {
    "timestamp": f"{{v}} NOT BETWEEN TIMESTAMP '{EARLIEST_DATE}' AND TIMESTAMP '{LATEST_DATE} 23:59:59.999999'",
    "date": f"{{v}} NOT BETWEEN DATE '{EARLIEST_DATE}' AND DATE '{LATEST_DATE}'",
}
_DATE_RULE = f"must be between {EARLIEST_DATE} and {LATEST_DATE}"


def create_stage(con: duckdb.DuckDBPyConnection, entity: Entity, direct: bool = False) -> None:
    """Create the empty ``work_tables.staged(entity)``.

    Parameters
    ----------
    direct : bool
        Stage into the stored table's layout, in the database itself rather than in memory:
        the entity's columns and lineage columns as its stored table has them, then the
        staging columns. Used when the entity has no stored rows yet, so the staged rows can
        become the stored table (:func:`calmline.etl.store.adopt`) without being written twice.
    """
    cols = ", ".join(f"{q(c.name)} {SQL_TYPES[c.kind]}" for c in entity.columns)
    staging_cols = (f"_file_idx INTEGER, _line BIGINT, _ok BOOLEAN, "
                    f"problems STRUCT(\"column\" VARCHAR, rule VARCHAR)[], _text VARCHAR")
    if direct:
        con.execute(f"CREATE OR REPLACE TABLE main.{work_tables.staged(entity.name)} ({cols}, "
                    f"_batch_id INTEGER, _source_file VARCHAR, _source_line BIGINT, {staging_cols})")
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {work_tables.staged(entity.name)} ({cols}, {staging_cols})")


def stage_files(con: duckdb.DuckDBPyConnection, entity: Entity, raw: RawSource,
                lineage: tuple[int, str] | None = None) -> None:
    """Append the rows ``raw.select`` reads to ``work_tables.staged(entity)``, in file order,
    typed, with every per-row rule each breaks. Reads the raw file views of ``raw``.

    ``lineage``, for a table staged directly (:func:`create_stage`): the load's batch id and
    the SQL giving each row's file as users see it, written into ``_batch_id`` and
    ``_source_file`` (``_source_line`` is known once the reader's rejects are counted)."""
    line = "_line" if raw.has_line else "NULL::BIGINT"
    # An empty value is NULL: after trim, or where the reader gives '' (JSON, Parquet); the CSV
    # reader gives NULL itself (0.2 CPU-s for 25 columns of 1M calls).
    empty = "{}" if raw.empty_is_null and not raw.trim else "nullif({}, '')"
    trim = empty.format("trim({})" if raw.trim else "{}")
    trimmed = ", ".join(f"{trim.format(q(c.name))} AS {q(c.name)}" for c in entity.columns)
    typed = ", ".join(_typed(c) for c in entity.columns)
    cleaned_copies = ", ".join(f"{q(c.name)} AS {q('raw_' + c.name)}" for c in entity.columns)
    checks = [(c.name, cond, message) for c in entity.columns for cond, message in _checks(c)]
    # _ok: no rule broken (a condition that is NULL does not break its rule). A CASE rather than
    # NOT coalesce(...) AND ...: DuckDB evaluates each WHEN only on the rows no earlier WHEN
    # matched, with fewer vector operations (0.37 against 0.55 CPU-s for the 45 checks of 1M calls).
    ok = ("CASE " + " ".join(f"WHEN {cond} THEN false" for _, cond, _ in checks) + " ELSE true END"
          if checks else "true")
    problems = ", ".join(f"CASE WHEN {cond} THEN {{'column': {lit(col)}, 'rule': {msg}}} END"
                         for col, cond, msg in checks)
    names = ", ".join(q(c.name) for c in entity.columns)
    text = f"CASE WHEN NOT _ok THEN {raw.text} END" if raw.text_in_stage else "NULL::VARCHAR"
    into, extra = "_file_idx, _line, " + names + ", _ok, problems, _text", ""
    if lineage is not None:
        into += ", _batch_id, _source_file"
        extra = f", {int(lineage[0])}, {lineage[1]}"
    con.execute(f"""
        INSERT INTO {work_tables.staged(entity.name)} ({into})
        SELECT _file_idx, {line}, {names}, _ok,
            CASE WHEN NOT _ok THEN list_filter([{problems}], lambda p: p IS NOT NULL) END AS problems,
            {text} AS _text{extra}
        FROM (
            SELECT *, {ok} AS _ok FROM (
                SELECT * EXCLUDE ({names}), {typed}, {cleaned_copies} FROM (
                    SELECT * EXCLUDE ({names}), {trimmed} FROM ({raw.select})
                )
            )
        )
    """)


def _typed(c: Column) -> str:
    expr = _PARSERS[c.kind].format(v=q(c.name))
    if c.lower:
        expr = f"lower({expr})"
    return f"{expr} AS {q(c.name)}"


def _checks(c: Column) -> list[tuple[str, str]]:
    """(condition that breaks the rule, message SQL) pairs for one column."""
    v, raw = q(c.name), q("raw_" + c.name)
    out = []
    if c.required and c.kind == "text":
        # A tab or a zero-width space survives trim() but is no more an id than an empty field.
        out.append((f"{raw} IS NULL OR cl_blank({raw})", lit("required value is empty")))
    elif c.required:
        out.append((f"{raw} IS NULL", lit("required value is empty")))
    if c.kind in _TYPE_RULES:
        out.append((f"{raw} IS NOT NULL AND {v} IS NULL",
                    f"{lit(_TYPE_RULES[c.kind] + ' (got ')} || {raw} || ')'"))
    if c.check:
        condition = c.check.format(v=v)
        out.append((f"{v} IS NOT NULL AND NOT ({condition})",
                    f"{lit(c.rule + ' (got ')} || {raw} || ')'"))
    if c.at_most is not None:
        out.append((f"{v} > {c.at_most!r}", f"{lit(c.at_most_rule + ' (got ')} || {raw} || ')'"))
    if c.kind in _DATE_RANGE:
        out.append((_DATE_RANGE[c.kind].format(v=v), f"{lit(_DATE_RULE + ' (got ')} || {raw} || ')'"))
    return out
