"""calmline's SQL: one query per .sql file, the file name being the query's name.

This package imports nothing of calmline's. ``load_sql("marts/call_facts")``
returns the text of ``queries/marts/call_facts.sql``; :mod:`calmline.database.connection`
is the one place that opens a DuckDB database.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent


@cache
def load_sql(name: str) -> str:
    """Return the SQL text of the query called ``name`` (a path below queries/, no suffix).

    Parameters
    ----------
    name : str
        For example ``"marts/call_facts"``.

    Returns
    -------
    str
        The file's text, header comment included.
    """
    path = (ROOT / f"{name}.sql").resolve()
    if ROOT not in path.parents:
        raise ValueError(f"query name {name!r} points outside queries/")
    if not path.is_file():
        raise KeyError(f"no query called {name!r} (looked for {path})")
    return path.read_text(encoding="utf-8")
