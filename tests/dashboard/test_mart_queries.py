"""Dashboard queries moved from call-level views to marts the load builds, or rewritten (#12,
speed): each gives what the query it replaced gave, row for row.

The references below are those queries as they were before the move (commit fd8cf26), run on the
loaded sample (17,691 calls, 6,927 with a transcript, so detection has something to agree with).
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from calmline.queries import load_sql

AGENT_CALLS_OVER_CALL_FACTS = """
SELECT c.call_id, c.started_at, c.customer_id, c.channel, c.issue_type, c.anger_level, c.resolved,
    COLUMNS(practice_pattern()),
    CASE WHEN c.call_date + 90 <= s.as_of
         THEN c.churned_at IS NOT NULL AND c.churned_at <= c.call_date + 90 END AS churned_90d
FROM call_facts c, etl_state s
WHERE c.agent_id = $agent AND c.is_upset
  AND ($start IS NULL OR c.call_date >= $start)
  AND ($end IS NULL OR c.call_date <= $end)
  AND in_filters(c.team, c.site, c.channel, c.issue_type, c.anger_level,
                 $teams, $sites, $channels, $issues, $anger)
  AND (c.churned_at IS NULL OR c.churned_at >= c.call_date)
ORDER BY c.started_at DESC
"""

PRACTICE_SOURCES_OVER_CALL_FACTS = """
WITH calls AS (
    SELECT call_id, practice_source FROM call_facts
), transcribed AS (
    SELECT count(*) AS n FROM transcript_calls SEMI JOIN calls USING (call_id)
), compared AS (
    SELECT count(DISTINCT call_id) AS n FROM call_practice_sources
    WHERE qa_value IS NOT NULL AND detected_value IS NOT NULL
)
SELECT count(*) AS calls,
    count(*) FILTER (practice_source = 'qa') AS from_qa,
    count(*) FILTER (practice_source = 'transcript') AS from_transcript,
    count(*) FILTER (practice_source = 'qa+transcript') AS from_both,
    count(*) FILTER (practice_source IS NULL) AS from_neither,
    any_value((SELECT n FROM transcribed)) AS with_transcript,
    any_value((SELECT n FROM compared)) AS compared
FROM calls
"""

TRAINING_COMPLETIONS_BEFORE = """
WITH done AS (
    SELECT t.agent_id, t.module, t.completed_at, coalesce(a.team, 'unassigned') AS team, p.practice
    FROM training t
    JOIN agents a USING (agent_id)
    JOIN practices p USING (module)
),
around AS (
    SELECT d.module, d.team, d.agent_id, d.practice, u.call_date, u.calls,
        u.call_date < d.completed_at AS before,
        COLUMNS(lambda c: regexp_matches(c, practice_pattern())
                          OR regexp_matches(c, practice_assessed_pattern()))
    FROM done d
    JOIN agent_practice_days u ON u.agent_id = d.agent_id
        AND u.call_date BETWEEN d.completed_at - 90 AND d.completed_at + 90
),
counted AS (
    FROM around
    UNPIVOT (n FOR counted IN (COLUMNS(* EXCLUDE (module, team, agent_id, practice, call_date, calls,
                                                  before))))
),
coached AS (
    SELECT module, team, agent_id, call_date, before, calls,
        sum(n) FILTER (counted = practice || '_assessed') AS assessed,
        sum(n) FILTER (counted = practice) AS used
    FROM counted
    WHERE counted IN (practice, practice || '_assessed')
    GROUP BY ALL
)
SELECT module, team, count(DISTINCT agent_id) AS agents,
    sum(used) FILTER (WHERE before) / nullif(sum(assessed) FILTER (WHERE before), 0) AS adoption_before,
    sum(used) FILTER (WHERE NOT before) / nullif(sum(assessed) FILTER (WHERE NOT before), 0)
        AS adoption_after,
    coalesce(sum(calls) FILTER (WHERE before), 0) AS calls_before,
    coalesce(sum(calls) FILTER (WHERE NOT before), 0) AS calls_after
FROM coached
GROUP BY ALL
ORDER BY module, team
"""

NO_FILTERS = dict(start=None, end=None, teams=None, sites=None, channels=None, issues=None, anger=None)


@pytest.fixture(scope="module")
def con(sample_db):
    with duckdb.connect(str(sample_db), read_only=True) as connection:
        yield connection


@pytest.mark.parametrize("chosen", [
    NO_FILTERS,
    {**NO_FILTERS, "start": "2025-03-01", "end": "2025-08-31", "channels": ["phone", "chat"], "anger": [4, 5]},
    {**NO_FILTERS, "sites": ["Leeds"], "issues": ["billing", "outage"]},
], ids=["no filters", "period, channels, anger", "site, issues"])
def test_agent_calls_from_the_mart_equal_the_query_over_call_facts(con, chosen):
    """Every agent's upset calls: the same rows, columns, values and order (newest first)."""
    agents = [r[0] for r in con.execute("SELECT agent_id FROM agents ORDER BY agent_id LIMIT 12").fetchall()]
    compared = 0
    for agent in agents:
        params = {**chosen, "agent": agent}
        want = con.execute(AGENT_CALLS_OVER_CALL_FACTS, params).df()
        got = con.execute(load_sql("dashboard/agent_calls"), params).df()
        pd.testing.assert_frame_equal(got, want)
        compared += len(want)
    assert compared > 100


def test_the_mart_holds_each_agents_upset_calls_together(con):
    """Stored in agent order: one agent's calls are a few row groups, not spread over all of them."""
    agents = [r[0] for r in con.execute("SELECT agent_id FROM agent_upset_calls").fetchall()]
    assert agents == sorted(agents)
    upset = con.execute("SELECT count(*) FROM call_facts WHERE is_upset AND (churned_at IS NULL OR "
                        "churned_at >= call_date)").fetchone()[0]
    assert len(agents) == upset


def test_practice_sources_from_the_load_equal_the_count_over_call_facts(con):
    want = con.execute(PRACTICE_SOURCES_OVER_CALL_FACTS).df()
    got = con.execute(load_sql("dashboard/practice_sources")).df()
    pd.testing.assert_frame_equal(got, want)
    assert want["with_transcript"].iloc[0] > 0 and want["compared"].iloc[0] > 0  # detection has something to agree with


def test_the_stored_agreement_equals_the_agreement_computed_from_the_calls(con):
    """transcript_agreement is a table the load fills; its SQL run again over call_practice_sources
    gives the same rows."""
    assert con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = "
                       "'transcript_agreement'").fetchone()[0] == "BASE TABLE"
    want = con.execute(load_sql("marts/transcript_agreement")).df().sort_values("practice", ignore_index=True)
    got = con.execute("SELECT * FROM transcript_agreement").df().sort_values("practice", ignore_index=True)
    assert len(want) > 5
    pd.testing.assert_frame_equal(got, want)


def test_the_long_sources_view_has_call_contexts_calls_and_reads_one_call_without_the_rest(con):
    """call_practice_sources keeps the calls of call_context (its semi join is now written on
    customers, agents and the as-of date, so the call page's filter on one call_id reaches the
    calls scan): the same rows as the view with the semi join on call_context."""
    from calmline.etl import practice_views

    filled = practice_views.transcript_filled(con)
    assert filled  # the sample's transcripts fill QA columns: the detected values are compared too
    current = practice_views.sources_sql(filled)
    over_context = current[:current.index("    -- call_context's calls")] + \
        "    SEMI JOIN call_context USING (call_id)\n" + current[current.index(")\nSELECT call_id"):]
    want = con.execute(f"SELECT * FROM ({over_context}) ORDER BY ALL").df()
    got = con.execute("SELECT * FROM call_practice_sources ORDER BY ALL").df()
    assert len(want) > 100_000 and want["detected_value"].notna().any()
    pd.testing.assert_frame_equal(got, want)
    plan = con.execute("EXPLAIN SELECT * FROM call_practice_sources WHERE call_id = 'CALL-000001'").fetchall()
    assert "call_context" not in str(plan) and "call_timing" not in str(plan)  # none of its joins


def test_training_completions_equal_the_query_before_it_was_made_cheaper(con):
    want = con.execute(TRAINING_COMPLETIONS_BEFORE).df()
    got = con.execute(load_sql("dashboard/training_completions")).df()
    assert len(want) > 10 and want["agents"].sum() > 0
    pd.testing.assert_frame_equal(got, want)


AGENT_TRANSCRIPTS_OVER_CALLS = """
SELECT t.call_id, t.turns
FROM transcript_calls t
JOIN calls c USING (call_id)
WHERE c.agent_id = $agent
"""


def test_agent_transcripts_from_the_mart_give_the_agents_grids_the_same_links(con):
    """agent_transcripts reads the agent's upset calls from agent_upset_calls instead of every call:
    the links of the agent's upset-call grid (agent_calls) are the same as with the query over calls."""
    calls_of = {r[0] for r in con.execute("SELECT DISTINCT agent_id FROM agent_upset_calls").fetchall()}
    linked = 0
    for agent in sorted(calls_of)[:25]:
        calls = con.execute(load_sql("dashboard/agent_calls"), {**NO_FILTERS, "agent": agent}).df()
        old = dict(con.execute(AGENT_TRANSCRIPTS_OVER_CALLS, {"agent": agent}).fetchall())
        new = dict(con.execute(load_sql("dashboard/agent_transcripts"), {"agent": agent}).fetchall())
        assert {c: old.get(c) for c in calls["call_id"]} == {c: new.get(c) for c in calls["call_id"]}
        assert set(new) <= set(calls["call_id"])
        linked += sum(c in new for c in calls["call_id"])
    assert linked > 100  # the sample's transcripts are there to be linked


CALL_HEADER_OVER_CALL_FACTS = """
WITH call AS (
    SELECT * FROM call_facts WHERE call_id = $call_id
), state AS (
    SELECT as_of FROM etl_state
), detected AS (
    SELECT * FROM transcript_calls WHERE call_id = $call_id
)
SELECT c.call_id, c.started_at, c.agent_id, c.team, c.site, c.channel, c.issue_type, c.anger_level,
    c.is_upset, c.resolved,
    c.churned_at IS NOT NULL AND c.churned_at < c.call_date AS churned_before,
    CASE WHEN c.call_date + 90 <= s.as_of
         THEN c.churned_at IS NOT NULL AND c.churned_at <= c.call_date + 90 END AS churned_90d,
    (c.call_date + 90)::DATE AS window_closes,
    s.as_of::DATE AS as_of,
    d.call_id IS NOT NULL AS has_transcript,
    d.turns, d.options_offered AS detected_options_offered, d.verify_mode, d.first_apology_turn,
    d.first_apology_position, d.vent_interruptions, d.empathy_negated, d.policy_language, d.handoff,
    d.blaming, d.compensation_offered, d.agent_talk_share
FROM call c CROSS JOIN state s LEFT JOIN detected d USING (call_id)
"""


def test_the_call_header_read_from_the_tables_equals_it_read_through_call_facts(con):
    """call_header reads the call's columns from calls, agents and customers instead of call_facts
    (whose call_timing join scanned every row for one call): the same row for calls with and
    without a transcript, and none for an unknown id."""
    ids = [r[0] for r in con.execute("SELECT call_id FROM calls USING SAMPLE 120 ROWS (reservoir, 3)").fetchall()]
    ids += [r[0] for r in con.execute("SELECT call_id FROM transcript_calls ORDER BY call_id LIMIT 20").fetchall()]
    rows = 0
    for call_id in [*ids, "NO-SUCH-CALL"]:
        want = con.execute(CALL_HEADER_OVER_CALL_FACTS, {"call_id": call_id}).df()
        got = con.execute(load_sql("dashboard/call_header"), {"call_id": call_id}).df()
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        rows += len(want)
    assert rows == len(ids)
