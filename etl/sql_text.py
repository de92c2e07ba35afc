"""Small helpers for the SQL the ETL derives from the contract.

Identifiers and reader options cannot be bound parameters, so they are quoted
here; every value that comes from the data is bound, never formatted in.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb


def q(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """Quote a string literal (for reader options and fixed messages, never data values)."""
    return "'" + value.replace("'", "''") + "'"


def insert_many(con: duckdb.DuckDBPyConnection, sql: str, rows: Sequence[Sequence]) -> None:
    """``executemany`` that accepts an empty list (DuckDB 2 refuses one)."""
    if rows:
        con.executemany(sql, list(rows))


def file_path_case(column: str, files: dict[int, str]) -> str:
    """SQL mapping a file index column to the file's path as users see it."""
    return f"CASE {column} " + " ".join(f"WHEN {i} THEN {lit(p)}" for i, p in files.items()) + " END"
