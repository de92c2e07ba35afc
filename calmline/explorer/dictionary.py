"""The data dictionary: what every table, view and column of a calmline database means.

One source per kind of word, read when a description is asked for (never copied at import):

- input tables (agents, customers, calls, follow_ups, training): their grain and each
  column's doc and rule from the input contract, :mod:`calmline.etl.contract`;
- practice columns (a practice's name, or ``<practice>_assessed``), in any table: the
  practice's label and definition from :mod:`calmline.vocabulary`, worded by the column's
  type, so a new practice is described with no edit here;
- everything else: ``queries/dictionary.toml``, where ``[common]`` describes once the
  columns that mean the same in every table (call_id, team, run_id, ...) and each table
  has its grain, a description and its own columns.

:func:`data_dictionary` lists a database's columns with their descriptions; the query
explorer's schema browser and its ``data_dictionary`` table are built from it.
"""

from __future__ import annotations

import tomllib
from functools import cache

import duckdb
import pandas as pd

from calmline import vocabulary
from calmline.queries import ROOT

__all__ = ["column_description", "data_dictionary", "describe", "entries", "table_description"]

PATH = ROOT / "dictionary.toml"
COLUMNS = ["table", "kind", "column", "type", "table_description", "description"]
_COUNTS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT", "UINTEGER")


@cache
def entries() -> dict:
    """``queries/dictionary.toml`` as read: ``common`` and one dict per table."""
    with PATH.open("rb") as file:
        return tomllib.load(file)


def _entities() -> dict:
    """The input contract's entities by name (``contract.entities()`` or ``contract.ENTITIES``)."""
    from calmline.etl import contract

    found = contract.entities() if callable(getattr(contract, "entities", None)) else contract.ENTITIES
    return {entity.name: entity for entity in found}


def _sentence(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        return ""
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "?", "!")) else ".")


def _join(*parts: str | None) -> str:
    """Sentences, for table descriptions."""
    return " ".join(s for s in (_sentence(p) for p in parts) if s)


def _capital(text: str) -> str:
    """First letter upper-cased, unless the text starts with a name (``anger_level >= 3``)."""
    first = text.split(" ", 1)[0]
    return text if "_" in first or any(ch.isdigit() for ch in first) else text[:1].upper() + text[1:]


def _fragments(*parts: str | None) -> str:
    """Fragments joined by semicolons, for column descriptions ("unique; required")."""
    return "; ".join(p.strip().rstrip(".") for p in parts if p and p.strip())


def table_description(table: str) -> str:
    """What ``table`` holds: its grain, then what it is for ("" for a table nobody described).

    Parameters
    ----------
    table : str
        A table or view of the calmline database.

    Returns
    -------
    str
        For input tables the grain is the contract's; for the rest ``dictionary.toml``'s.
    """
    entry = entries().get(table, {})
    entity = _entities().get(table)
    grain = entity.doc if entity is not None else entry.get("grain", "")
    return _join(grain, entry.get("description"))


def _practice_text(column: str, data_type: str) -> str:
    """A practice column's meaning from the vocabulary, worded by its type ("" if not one)."""
    name, assessed = (column[:-len("_assessed")], True) if column.endswith("_assessed") else (column, False)
    practice = next((p for p in vocabulary.PRACTICES if p.name == name), None)
    if practice is None:
        return ""
    definition = practice.definition.strip().rstrip(".")
    if definition[:1].isupper() and not definition[1:2].isupper():
        definition = definition[0].lower() + definition[1:]
    label = f"'{practice.label}'"
    counts = data_type.upper() in _COUNTS
    if assessed:
        return (f"Calls on which {label} was assessed (the denominator of its adoption rate)" if counts
                else f"Whether {label} was assessed on this call")
    if counts:
        return f"Calls on which {label} was used: {definition}"
    if data_type.upper() == "BOOLEAN":
        return f"{label} was used on this call (true or false; NULL = not assessed): {definition}"
    return f"The practice {label}: {definition}"


def _contract_text(column) -> str:
    """A contract column's doc, its rule when the doc does not say it, and whether required."""
    doc, rule = column.doc or "", column.rule or ""
    said = rule
    for prefix in ("must not be ", "must be ", "must "):
        said = said.removeprefix(prefix)
    if rule and said not in doc:
        doc = f"{doc} ({rule})" if doc else rule
    return _fragments(doc, "required in the source file" if column.required else "")


def column_description(table: str, column: str, data_type: str = "") -> str:
    """What ``column`` of ``table`` means.

    Parameters
    ----------
    table, column : str
        Names as in the database.
    data_type : str, optional
        The column's DuckDB type: a practice's column counts calls (integer) or flags one
        call (BOOLEAN), and is described accordingly.

    Returns
    -------
    str
        A practice's column: the vocabulary's words, unless the table has its own entry.
        Else the table's own entry in ``dictionary.toml`` or the ``[common]`` one, followed
        for an input table by the contract's doc and rule. A column of another table with no
        entry of its own also borrows the doc of the input column of that name, unless that
        is a key or reference (call_facts.anger_level gets calls' "1 (calm) to 5 (irate)",
        horizon_churn.call_id not calls' "unique"). "" when nothing describes it.
    """
    book = entries()
    own_entry = book.get(table, {}).get("columns", {}).get(column)
    practice = _practice_text(column, data_type)
    if practice and not own_entry:
        return _capital(practice)
    meaning = own_entry or book.get("common", {}).get(column, "")
    entities = _entities()
    if table in entities:
        own = next((c for c in entities[table].columns if c.name == column), None)
        return _capital(_fragments(meaning, _contract_text(own) if own is not None else ""))
    borrowed = next((c.doc for e in entities.values() for c in e.columns if c.name == column and c.doc
                     and c.references is None and c.name not in e.key), "")
    return _capital(_fragments(meaning, borrowed))


def describe(columns: pd.DataFrame) -> pd.DataFrame:
    """``columns`` (``table``, ``column`` and optionally ``type``) with ``table_description``
    and ``description`` added.

    Parameters
    ----------
    columns : pandas.DataFrame
        One row per column of a table or view.

    Returns
    -------
    pandas.DataFrame
        A copy, with the two description columns after the given ones.
    """
    out = columns.copy()
    types = out["type"] if "type" in out else pd.Series("", index=out.index)
    tables = {t: table_description(t) for t in out["table"].unique()}
    out["table_description"] = out["table"].map(tables)
    out["description"] = [column_description(t, c, str(ty))
                          for t, c, ty in zip(out["table"], out["column"], types)]
    return out


def data_dictionary(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every column of every table and view of the connection's current database, described.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Connected to (or ``USE``-ing) a calmline database; only read.

    Returns
    -------
    pandas.DataFrame
        Columns ``table``, ``kind`` (table or view), ``column``, ``type``,
        ``table_description`` and ``description`` (empty where nothing describes it),
        tables by name, each table's columns in their order.
    """
    frame = con.execute("""
        SELECT c.table_name AS "table", CASE WHEN t.table_type = 'VIEW' THEN 'view' ELSE 'table' END AS kind,
               c.column_name AS "column", c.data_type AS type
        FROM information_schema.columns c
        JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
        WHERE c.table_catalog = current_database() AND c.table_schema = 'main'
        ORDER BY c.table_name, c.ordinal_position""").df()
    return describe(frame)[COLUMNS]
