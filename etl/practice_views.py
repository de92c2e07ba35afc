"""The vocabulary in the database: the ``practices`` table, the macros the SQL reads the
domain's words through, the two views that add the practices to a call (QA's, filled from the
call's transcript where QA left them empty), and the long view of where each came from.

:mod:`calmline.vocabulary` defines the practices once; the marts never list them. They
read them through:

- ``practice_pattern()``: a regular expression matching exactly the practice column names,
  for DuckDB's ``COLUMNS(practice_pattern())`` (``count(COLUMNS(...)) AS '\\1_assessed'``);
- ``practice_assessed_pattern()``: the same for the ``<practice>_assessed`` counts;
- ``practice_names()``: the names as a list, in the vocabulary's order;
- ``upset_anger()``: the anger level from which a call is upset;
- ``followup_window_days()``: the window within which a follow-up counts as ``followed_up``;
- ``call_facts`` and ``summary_calls``: ``call_context`` and ``summary_context`` with one
  BOOLEAN column per practice (NULL = not assessed), derived as each practice says, after the
  columns a transcript fills have been filled (:func:`with_practices_sql`), and
  ``practice_source``, where the call's practices came from;
- ``call_practice_sources``: the same in long form, per call and QA-scored column, with both
  values (:func:`sources_sql`).

Reads the vocabulary, the shipped detection rules and the columns of ``transcript_calls``;
writes those macros, the ``practices`` table and the three views (:func:`mart_sql`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import duckdb

from calmline import vocabulary
from calmline.etl.sql_text import lit, q
from calmline.transcripts import load_rules, tables

WITH_PRACTICES = {"call_facts": "call_context", "summary_calls": "summary_context"}
"""Views that add the practices to their source view: view -> source."""
SOURCES_VIEW = "call_practice_sources"
"""The long view of where each QA-scored value came from (:func:`sources_sql`)."""

COUNTS_FILLED = ("options_offered",)
"""Calls-file columns besides the QA flags that a transcript fills: options_offered is a count
(offered_options derives from it)."""
TIMED = ("let_vent",)
"""QA flags detection takes from the turns' timing rather than from a phrase rule."""
SOURCES = ("qa", "transcript", "qa+transcript")
"""The values of ``practice_source``: every value the call has in the columns of
:func:`qa_recorded` came from the calls file (QA), every one from its transcript, or some from
each; NULL when neither gave one."""


def transcript_filled(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """The calls-file columns that a call's transcript fills where QA left them empty.

    The QA flags of :func:`calmline.vocabulary.qa_flags` and :data:`COUNTS_FILLED` that
    ``transcript_calls`` holds and that detection can find: the shipped rules
    (:func:`calmline.transcripts.load_rules`) have a rule for it, or it is :data:`TIMED`. A
    QA flag added to the vocabulary without detection rules is left as QA scored it, never
    filled with the ``false`` detection writes for a practice it cannot see.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A database holding ``transcript_calls`` (every load creates it).

    Returns
    -------
    tuple of str
        Column names, in the calls file's order; none when ``transcript_calls`` is empty.
    """
    held = {name for (name,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = $t",
        {"t": tables.CALLS}).fetchall()}
    if not held or not con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {tables.CALLS} LIMIT 1)").fetchone()[0]:
        return ()  # no transcript loaded: the views need no join (every load rebuilds them)
    rules = load_rules()
    return tuple(c for c in qa_recorded() if c in held and (c in TIMED or rules.for_practice(c)))


def qa_recorded() -> tuple[str, ...]:
    """The calls-file columns QA scores practices in: the QA flags and :data:`COUNTS_FILLED`."""
    return vocabulary.qa_flags() + COUNTS_FILLED


def _pattern(names) -> str:
    return "^(" + "|".join(re.escape(n) for n in names) + ")$"


def macro_sql() -> str:
    """The vocabulary's macros (practice_pattern(), practice_names(), practice_assessed_pattern(),
    upset_anger(), followup_window_days()) as ``CREATE OR REPLACE MACRO`` statements, one per
    line: what :func:`create_macros` runs, and what :mod:`calmline.spark.dialect` expands when
    it writes a mart's SQL for Spark."""
    names = vocabulary.practice_names()
    pattern = _pattern(names)
    listed = "[" + ", ".join(lit(n) for n in names) + "]"
    return "\n".join([
        f"CREATE OR REPLACE MACRO practice_pattern() AS {lit(pattern)};",
        f"CREATE OR REPLACE MACRO practice_names() AS {listed};",
        f"CREATE OR REPLACE MACRO practice_assessed_pattern() AS {lit(pattern[:-2] + ')_assessed$')};",
        f"CREATE OR REPLACE MACRO upset_anger() AS {int(vocabulary.UPSET_ANGER)};",
        f"CREATE OR REPLACE MACRO followup_window_days() AS {int(vocabulary.FOLLOWUP_WINDOW_DAYS)};"])


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the vocabulary's macros (:func:`macro_sql`) in the database."""
    con.execute(macro_sql())


def write_practices(con: duckdb.DuckDBPyConnection) -> None:
    """Replace the ``practices`` table: one row per practice of the vocabulary."""
    con.execute("CREATE OR REPLACE TABLE practices (practice VARCHAR PRIMARY KEY, label VARCHAR, "
                "definition VARCHAR, playbooks VARCHAR[], source VARCHAR, module VARCHAR, "
                "after_call BOOLEAN, position INTEGER)")
    con.executemany("INSERT INTO practices VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(p.name, p.label, p.definition, list(p.playbooks),
                      "derived: " + p.derived if p.derived else "calls file (QA flag)",
                      p.module, p.after_call, i) for i, p in enumerate(vocabulary.PRACTICES)])


def with_practices_sql(source: str, filled: tuple[str, ...] = (), columns: Sequence[str] | None = None) -> str:
    """A SELECT of every column of ``source`` but the practice flags, ``practice_source``, then
    every practice.

    Parameters
    ----------
    source : str
        A view with one row per call and every column of ``calls`` (``call_context``).
    filled : tuple of str
        The columns a transcript fills (:func:`transcript_filled`): each takes the detected
        value of ``transcript_calls`` where ``source`` has NULL and the call has a transcript;
        a value QA gave is kept. The derived practices then read the filled columns
        (offered_options from options_offered) but are never filled themselves.
    columns : sequence of str, optional
        Every column of ``source``, when known: the SELECT then names them instead of using
        DuckDB's star expressions (``COLUMNS(lambda ...)``, ``* REPLACE``), so that it also runs
        on Spark once transpiled (:mod:`calmline.spark.marts`). The same rows and columns.

    Returns
    -------
    str
        The SELECT. ``practice_source`` (:data:`SOURCES`) says where the call's values of the
        columns of :func:`qa_recorded` came from: 'qa' when all from QA, 'transcript' when all
        from the transcript, 'qa+transcript' when some from each, NULL when it has none.
    """
    derived = ",\n    ".join(f"CAST(({p.expression}) AS BOOLEAN) AS {q(p.name)}"
                             for p in vocabulary.PRACTICES)
    from_qa = " OR ".join(f"s.{q(c)} IS NOT NULL" for c in qa_recorded())
    if columns is not None:
        return _with_practices_listed(source, filled, columns, derived, from_qa)
    if filled:
        coalesced = ", ".join(f"coalesce(s.{q(c)}, t.{q(c)}) AS {q(c)}" for c in filled)
        from_transcript = " OR ".join(f"(s.{q(c)} IS NULL AND t.{q(c)} IS NOT NULL)" for c in filled)
        columns, joined = f"s.* REPLACE ({coalesced})", f"LEFT JOIN {tables.CALLS} t ON t.call_id = s.call_id"
    else:
        from_transcript, columns, joined = "false", "s.*", ""
    filled_source = (f"(SELECT {columns},\n"
                     f"    CASE WHEN ({from_qa}) AND ({from_transcript}) THEN '{SOURCES[2]}'\n"
                     f"         WHEN {from_qa} THEN '{SOURCES[0]}'\n"
                     f"         WHEN {from_transcript} THEN '{SOURCES[1]}' END AS practice_source\n"
                     f"  FROM {source} s {joined})")
    return (f"SELECT COLUMNS(lambda c: NOT regexp_matches(c, practice_pattern())),\n    {derived}\n"
            f"FROM {filled_source}")


def _with_practices_listed(source: str, filled: tuple[str, ...], columns: Sequence[str], derived: str,
                           from_qa: str) -> str:
    """:func:`with_practices_sql` with every column of ``source`` named (no star expressions)."""
    practices = re.compile(_pattern(vocabulary.practice_names()))
    inner = ", ".join(f"coalesce(s.{q(c)}, t.{q(c)}) AS {q(c)}" if c in filled else f"s.{q(c)}" for c in columns)
    if filled:
        from_transcript = " OR ".join(f"(s.{q(c)} IS NULL AND t.{q(c)} IS NOT NULL)" for c in filled)
        joined = f"LEFT JOIN {tables.CALLS} t ON t.call_id = s.call_id"
    else:
        from_transcript, joined = "false", ""
    outer = ", ".join([*(q(c) for c in columns if not practices.match(c)), "practice_source"])
    return (f"SELECT {outer},\n    {derived}\n"
            f"FROM (SELECT {inner},\n"
            f"    CASE WHEN ({from_qa}) AND ({from_transcript}) THEN '{SOURCES[2]}'\n"
            f"         WHEN {from_qa} THEN '{SOURCES[0]}'\n"
            f"         WHEN {from_transcript} THEN '{SOURCES[1]}' END AS practice_source\n"
            f"  FROM {source} s {joined})")


def sources_sql(filled: tuple[str, ...] = ()) -> str:
    """``call_practice_sources``: one row per call up to the as-of date and column of
    :func:`qa_recorded` that has a value from QA or from the call's transcript.

    Columns: call_id; practice (the calls-file column); qa_value (as the calls file records it,
    1 = done, 0 = not, the count for options_offered; NULL = QA left it empty); detected_value
    (coded alike, from ``transcript_calls``; NULL without a transcript or for a column not in
    ``filled``); value (the one call_facts uses: qa_value, else detected_value); source ('qa'
    or 'transcript', which of the two that is). Reads calls, transcript_calls, and customers,
    agents and etl_state for call_context's calls (the same rows; semi joins, so a filter on one
    call_id is pushed down to the calls: the call page reads one call's values).

    Written from the vocabulary like the practice views, one list of (practice, QA value,
    detected value) per call unnested: joining two unpivoted tables on (call_id, practice) took
    four times as long (12 s against 3 s for the agreement over 1M calls).

    Parameters
    ----------
    filled : tuple of str
        The columns a transcript fills (:func:`transcript_filled`).

    Returns
    -------
    str
        The SELECT.
    """
    def item(c: str) -> str:
        detected = f"t.{q(c)}::INTEGER" if c in filled else "NULL::INTEGER"
        both = f"'qa_value': c.{q(c)}::INTEGER, 'detected_value': {detected}" if filled else \
            f"'qa_value': c.{q(c)}::INTEGER"
        return f"{{'practice': {lit(c)}, {both}}}"
    items = ",\n        ".join(item(c) for c in qa_recorded())
    joined = f"LEFT JOIN {tables.CALLS} t USING (call_id)" if filled else ""
    # Nothing filled (no transcript loaded): detected_value is a NULL constant outside the list, so
    # DuckDB sees that a filter on it keeps no row and skips the calls (transcript_agreement and
    # practice_source_counts' compared calls: 1.7 CPU-s at 1M calls when there is nothing to compare).
    detected = "p.detected_value" if filled else "NULL::INTEGER"
    return f"""WITH paired AS (
    SELECT c.call_id, unnest([
        {items}]) AS p
    FROM calls c {joined}
    -- call_context's calls (its customer, its agent, up to the as-of date) without its joins: a
    -- filter on call_id then reaches the calls scan (one call: 15 ms, not 1 s at 2M calls)
    SEMI JOIN customers USING (customer_id)
    SEMI JOIN agents USING (agent_id)
    SEMI JOIN etl_state s ON c.started_at < s.as_of + INTERVAL 1 DAY
)
SELECT call_id, p.practice, p.qa_value, {detected} AS detected_value, coalesce(p.qa_value, {detected}) AS value,
    CASE WHEN p.qa_value IS NOT NULL THEN '{SOURCES[0]}' ELSE '{SOURCES[1]}' END AS source
FROM paired
WHERE p.qa_value IS NOT NULL OR {detected} IS NOT NULL"""


def mart_sql(mart: str, con: duckdb.DuckDBPyConnection) -> str | None:
    """The SELECT of a mart written from the vocabulary (the two practice views and
    ``call_practice_sources``), or None for a mart whose SQL is a file of queries/marts/.

    Parameters
    ----------
    mart : str
        The mart's name.
    con : duckdb.DuckDBPyConnection
        The load's connection, after ``transcript_calls`` exists (it decides what is filled).

    Returns
    -------
    str or None
    """
    if mart in WITH_PRACTICES:
        return with_practices_sql(WITH_PRACTICES[mart], transcript_filled(con))
    if mart == SOURCES_VIEW:
        return sources_sql(transcript_filled(con))
    return None
