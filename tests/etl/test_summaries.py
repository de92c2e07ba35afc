"""The pre-aggregated marts the dashboard reads (call_summary, agent_summary) agree with call_facts.

They read the tables directly for speed, so these tests hold them to call_facts' definitions on
the sample data: any drift in what counts as an upset call, a closed window, churn or a follow-up
shows up here.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import load_api, query
from tests.etl.builders import CALLS, CUSTOMERS, call, make_source

FROM_FACTS = """
WITH calls AS (
    SELECT f.*, f.call_date + 90 <= s.as_of AS window_closed
    FROM call_facts f, etl_state s
    WHERE f.churned_at IS NULL OR f.churned_at >= f.call_date
)
SELECT call_month, coalesce(team, 'unassigned') AS team, channel, anger_level,
    count(*) AS calls, count(*) FILTER (window_closed) AS closed_90d,
    count(*) FILTER (window_closed AND churned_at <= call_date + 90) AS churned_90d,
    count(*) FILTER (apologized) AS apologized, count(apologized) AS apologized_assessed,
    count(*) FILTER (offered_options) AS offered_options, count(*) FILTER (followup_within_30d) AS followed_up
FROM calls GROUP BY ALL ORDER BY ALL
"""


@pytest.fixture(scope="module")
def sample(sample_db):
    with duckdb.connect(str(sample_db), read_only=True) as con:
        yield con


def test_call_summary_counts_what_call_facts_holds(sample):
    expected = sample.execute(FROM_FACTS).fetchall()
    summed = sample.execute("""
        SELECT call_month, team, channel, anger_level, sum(calls), sum(closed_90d), sum(churned_90d),
            sum(apologized), sum(apologized_assessed), sum(offered_options), sum(followed_up)
        FROM call_summary GROUP BY ALL ORDER BY ALL""").fetchall()
    assert len(expected) > 100 and summed == expected


def test_calls_after_the_customer_churned_are_left_out(tmp_path, db):
    customers = [*CUSTOMERS[:2], {**CUSTOMERS[2], "churned_at": "2025-01-02"}]
    calls = [*CALLS, call("K5", customer_id="C3", started_at="2025-01-07T10:00:00")]  # a win-back call
    assert load_api(make_source(tmp_path / "src", customers=customers, calls=calls), db).code == 0
    assert query(db, "SELECT count(*) FROM call_facts") == [(len(calls),)]
    assert query(db, "SELECT sum(calls) FROM call_summary") == [(len(calls) - 2,)]  # K3 and K5 are C3's


def test_agent_summary_is_call_summary_per_agent_for_upset_calls(sample):
    by_team = sample.execute("""
        SELECT team, call_month, sum(calls), sum(closed_90d), sum(churned_90d), sum(took_ownership),
            sum(followed_up)
        FROM call_summary WHERE anger_level >= 3 GROUP BY ALL ORDER BY ALL""").fetchall()
    from_agents = sample.execute("""
        SELECT team, call_month, sum(upset_calls), sum(closed_90d), sum(churned_90d), sum(took_ownership),
            sum(followed_up)
        FROM agent_summary GROUP BY ALL ORDER BY ALL""").fetchall()
    assert by_team == from_agents
    teams_of_agents = sample.execute("""
        SELECT count(*) FROM (SELECT DISTINCT s.agent_id, s.team FROM agent_summary s
                              JOIN agents a USING (agent_id) WHERE s.team <> coalesce(a.team, 'unassigned'))
    """).fetchone()[0]
    assert teams_of_agents == 0
