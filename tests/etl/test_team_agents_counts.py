"""The overview's team -> agents drill-down counts what call_facts holds.

``agent_summary`` keeps only what the drill-down (queries/dashboard/team_agents.sql) shows: the
upset calls, 90-day churn and two practices (narrowed for the load's speed, #12). Whatever the
mart keeps, each agent's figures must be those counted over every upset call in ``call_facts``
for the same team and filters; the reference below is that count, written from call_facts'
definitions (upset calls, closed windows, calls after the customer churned left out).
"""

from __future__ import annotations

import duckdb
import pytest

from calmline.queries import load_sql

OVER_CALL_FACTS = """
WITH calls AS (
    SELECT f.*, f.call_date + 90 <= s.as_of AS window_closed
    FROM call_facts f, etl_state s
    WHERE f.is_upset AND (f.churned_at IS NULL OR f.churned_at >= f.call_date)
      AND coalesce(f.team, 'unassigned') = $team
      AND ($start IS NULL OR f.call_date >= $start) AND ($end IS NULL OR f.call_date <= $end)
      AND ($sites IS NULL OR list_contains($sites, f.site))
      AND ($channels IS NULL OR list_contains($channels, f.channel))
      AND ($issues IS NULL OR list_contains($issues, f.issue_type))
      AND ($anger IS NULL OR list_contains($anger, f.anger_level))
)
SELECT agent_id, count(*) AS upset_calls,
    count(*) FILTER (window_closed AND churned_at <= call_date + 90) / nullif(count(*) FILTER (window_closed), 0),
    count(*) FILTER (window_closed), count(*) FILTER (window_closed AND churned_at <= call_date + 90),
    count(*) FILTER (took_ownership) / nullif(count(took_ownership), 0),
    count(*) FILTER (followed_up) / count(*)
FROM calls
GROUP BY agent_id
ORDER BY upset_calls DESC, agent_id
"""

FILTERS = [
    {},
    {"start": "2025-03-01", "end": "2025-06-30", "anger": [4, 5]},
    {"channels": ["chat", "phone"], "issues": ["billing"]},
]


@pytest.fixture(scope="module")
def sample(sample_db):
    with duckdb.connect(str(sample_db), read_only=True) as con:
        yield con


@pytest.mark.parametrize("chosen", FILTERS, ids=["all", "period-anger", "channel-issue"])
def test_each_agents_figures_are_those_of_their_upset_calls(sample, chosen):
    teams = [t for (t,) in sample.execute("SELECT DISTINCT coalesce(team, 'unassigned') FROM agents ORDER BY 1").fetchall()]
    assert len(teams) > 1
    compared = 0
    for team in teams:
        params = {"team": team, "start": None, "end": None, "sites": None, "channels": None, "issues": None,
                  "anger": None, **chosen}
        shown = sample.execute(load_sql("dashboard/team_agents"), params).fetchall()
        counted = sample.execute(OVER_CALL_FACTS, params).fetchall()
        assert [tuple(r) for r in shown] == [tuple(r) for r in counted], team
        compared += len(shown)
    assert compared > 10  # agents with upset calls were compared, not empty results
