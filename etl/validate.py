"""Per-row validation: cast each raw text column to its contract type and list the rules it breaks.

The SQL is derived from :mod:`etl.contract`, so each rule is written once.
Every row of ``raw{i}`` becomes one row of ``stage_<entity>`` with its typed
values and ``problems``, a list of ``{column, rule}``; an empty list means the
row passed every per-row rule. Rules that look across rows (duplicates,
references, order in time) are added by :mod:`etl.cross_checks`.
"""

from __future__ import annotations

from etl.contract import SQL_TYPES, Column, Entity
from etl.sql_text import insert_many, lit, q

_PARSERS = {
    "text": "{v}",
    "integer": "cl_int({v})",
    "number": "cl_num({v})",
    "boolean": "cl_bool({v})",
    "timestamp": "cl_ts({v})",
    "date": "cl_date({v})",
}
_TYPE_RULES = {
    "integer": "not a whole number",
    "number": "not a number",
    "boolean": "not a boolean (use true/false, 1/0, yes/no or y/n)",
    "timestamp": "not an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SS)",
    "date": "not a date (YYYY-MM-DD)",
}


def stage_ddl(entity: Entity) -> str:
    """DDL of ``stage_<entity>``: typed columns plus lineage and problems."""
    cols = ", ".join(f"{q(c.name)} {SQL_TYPES[c.kind]}" for c in entity.columns)
    return (f"CREATE OR REPLACE TEMP TABLE stage_{entity.name} (_file_idx INTEGER, _line BIGINT, "
            f"{cols}, problems STRUCT(\"column\" VARCHAR, rule VARCHAR)[])")


def stage_insert(entity: Entity, i: int) -> str:
    """SQL that validates ``raw{i}`` into ``stage_<entity>``."""
    trimmed = ", ".join(f"nullif(trim({q(c.name)}), '') AS {q(c.name)}" for c in entity.columns)
    typed = ", ".join(_typed(c) for c in entity.columns)
    raws = ", ".join(f"{q(c.name)} AS {q('raw_' + c.name)}" for c in entity.columns)
    checks = ", ".join(x for c in entity.columns for x in _checks(c))
    names = ", ".join(q(c.name) for c in entity.columns)
    return f"""
        INSERT INTO stage_{entity.name}
        WITH cleaned AS (SELECT _line, {trimmed} FROM raw{i}),
        typed AS (SELECT _line, {typed}, {raws} FROM cleaned)
        SELECT {i}, _line, {names},
               list_filter([{checks}], lambda p: p IS NOT NULL) AS problems
        FROM typed
    """


def _typed(c: Column) -> str:
    expr = _PARSERS[c.kind].format(v=q(c.name))
    if c.lower:
        expr = f"lower({expr})"
    return f"{expr} AS {q(c.name)}"


def _problem(column: str, rule_sql: str) -> str:
    return f"{{'column': {lit(column)}, 'rule': {rule_sql}}}"


def _checks(c: Column) -> list[str]:
    v, raw = q(c.name), q("raw_" + c.name)
    out = []
    if c.required:
        out.append(f"CASE WHEN {raw} IS NULL THEN {_problem(c.name, lit('required value is empty'))} END")
    if c.kind in _TYPE_RULES:
        message = f"{lit(_TYPE_RULES[c.kind] + ' (got ')} || {raw} || ')'"
        out.append(f"CASE WHEN {raw} IS NOT NULL AND {v} IS NULL THEN {_problem(c.name, message)} END")
    if c.check:
        condition = c.check.replace("v ", f"{v} ").replace("(v)", f"({v})")
        message = f"{lit(c.rule + ' (got ')} || {raw} || ')'"
        out.append(f"CASE WHEN {v} IS NOT NULL AND NOT ({condition}) THEN {_problem(c.name, message)} END")
    return out
