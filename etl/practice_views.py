"""The vocabulary in the database: the ``practices`` table, the macros the SQL reads the
domain's words through, and the two views that add the practices to a call.

:mod:`calmline.vocabulary` defines the practices once; the marts never list them. They
read them through:

- ``practice_pattern()``: a regular expression matching exactly the practice column names,
  for DuckDB's ``COLUMNS(practice_pattern())`` (``count(COLUMNS(...)) AS '\\1_assessed'``);
- ``practice_assessed_pattern()``: the same for the ``<practice>_assessed`` counts;
- ``practice_names()``: the names as a list, in the vocabulary's order;
- ``upset_anger()``: the anger level from which a call is upset;
- ``followup_window_days()``: the window within which a follow-up counts as ``followed_up``;
- ``call_facts`` and ``summary_calls``: ``call_context`` and ``summary_context`` with one
  BOOLEAN column per practice (NULL = not assessed), derived as each practice says.

Reads the vocabulary; writes those macros, the ``practices`` table and the two views.
"""

from __future__ import annotations

import re

import duckdb

from calmline import vocabulary
from calmline.etl.sql_text import lit, q

WITH_PRACTICES = {"call_facts": "call_context", "summary_calls": "summary_context"}
"""Views that add the practices to their source view: view -> source."""


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the vocabulary's macros in the database."""
    names = vocabulary.practice_names()
    pattern = "^(" + "|".join(re.escape(n) for n in names) + ")$"
    listed = "[" + ", ".join(lit(n) for n in names) + "]"
    con.execute(f"CREATE OR REPLACE MACRO practice_pattern() AS {lit(pattern)}")
    con.execute(f"CREATE OR REPLACE MACRO practice_names() AS {listed}")
    con.execute(f"CREATE OR REPLACE MACRO practice_assessed_pattern() AS {lit(pattern[:-2] + ')_assessed$')}")
    con.execute(f"CREATE OR REPLACE MACRO upset_anger() AS {int(vocabulary.UPSET_ANGER)}")
    con.execute(f"CREATE OR REPLACE MACRO followup_window_days() AS {int(vocabulary.FOLLOWUP_WINDOW_DAYS)}")


def write_practices(con: duckdb.DuckDBPyConnection) -> None:
    """Replace the ``practices`` table: one row per practice of the vocabulary."""
    con.execute("CREATE OR REPLACE TABLE practices (practice VARCHAR PRIMARY KEY, label VARCHAR, "
                "definition VARCHAR, playbooks VARCHAR[], source VARCHAR, module VARCHAR, "
                "after_call BOOLEAN, position INTEGER)")
    con.executemany("INSERT INTO practices VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(p.name, p.label, p.definition, list(p.playbooks),
                      "derived: " + p.derived if p.derived else "calls file (QA flag)",
                      p.module, p.after_call, i) for i, p in enumerate(vocabulary.PRACTICES)])


def with_practices_sql(source: str) -> str:
    """A SELECT of every column of ``source`` but the practice flags, then every practice."""
    derived = ",\n    ".join(f"CAST(({p.expression}) AS BOOLEAN) AS {q(p.name)}"
                             for p in vocabulary.PRACTICES)
    return (f"SELECT COLUMNS(lambda c: NOT regexp_matches(c, practice_pattern())),\n    {derived}\n"
            f"FROM {source}")
