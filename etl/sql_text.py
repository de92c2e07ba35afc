"""Small helpers for the SQL the ETL derives from the contract.

Identifiers and reader options cannot be bound parameters, so they are quoted
here; every value that comes from the data is bound, never formatted in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import duckdb


def q(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """Quote a string literal (for reader options and fixed messages, never data values)."""
    return "'" + value.replace("'", "''") + "'"


def path_lit(path: Path | str) -> str:
    """A file path as a literal for DuckDB's readers, read as that one file.

    The readers treat ``*``, ``?`` and ``[`` as glob characters, even in a folder's name;
    each is escaped as a one-character class (``[*]``), so ``calls*.csv`` never reads its
    neighbours too. DuckDB's ``filename`` column still gives the path as written.
    """
    return lit(re.sub(r"([*?\[])", r"[\1]", str(path)))


def insert_many(con: duckdb.DuckDBPyConnection, sql: str, rows: Sequence[Sequence]) -> None:
    """``executemany`` that accepts an empty list (DuckDB 2 refuses one)."""
    if rows:
        con.executemany(sql, list(rows))


def file_path_case(column: str, files: dict[int, str]) -> str:
    """SQL mapping a file index column to the file's path as users see it."""
    return f"CASE {column} " + " ".join(f"WHEN {i} THEN {lit(p)}" for i, p in files.items()) + " END"
