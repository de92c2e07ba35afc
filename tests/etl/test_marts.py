"""The analysis marts the ETL builds: call_facts and customer_retention, on hand-checked cases."""

from __future__ import annotations

import pytest

from tests.conftest import load_api, query
from tests.etl.builders import CALLS, CUSTOMERS, call, make_source


@pytest.fixture
def loaded(tmp_path, db):
    customers = [*CUSTOMERS[:2], {**CUSTOMERS[2], "churned_at": "2025-01-02"}]
    calls = [*CALLS,
             call("K4", started_at="2025-01-05T10:07:00"),            # A1, upset, 2 min after K1 ended
             call("K5", customer_id="C3", started_at="2025-01-07T10:00:00")]  # after C3 churned
    follow_ups = [{"call_id": "K1", "followup_at": "2025-01-08T10:00:00", "channel": "phone"},
                  {"call_id": "K2", "followup_at": "2025-02-20T11:00:00", "channel": "email"},
                  {"call_id": "K2", "followup_at": "2025-02-25T11:00:00", "channel": "email"}]
    source = make_source(tmp_path / "src", customers=customers, calls=calls, follow_ups=follow_ups)
    assert load_api(source, db).code == 0
    return db


def facts(db, call_id: str, columns: str):
    return query(db, f"SELECT {columns} FROM call_facts WHERE call_id = $c", {"c": call_id})[0]


def test_follow_up_within_30_days_and_days_to_it(loaded):
    assert facts(loaded, "K1", "followup_within_30d, days_to_followup") == (True, 3.0)
    within, days = facts(loaded, "K2", "followup_within_30d, days_to_followup")
    assert within is False and days == pytest.approx(45.0)
    assert facts(loaded, "K3", "followup_within_30d, days_to_followup") == (False, None)


def test_the_agents_break_since_their_previous_upset_call(loaded):
    assert facts(loaded, "K1", "minutes_since_prev_upset") == (None,)
    assert facts(loaded, "K4", "minutes_since_prev_upset") == (2.0,)        # K1 ended 10:05
    assert facts(loaded, "K3", "minutes_since_prev_upset") == (2808.0,)     # K4 ended 01-05 10:12, K3 at 01-07 09:00
    assert facts(loaded, "K2", "minutes_since_prev_upset") == (None,)       # A2's first


def test_call_facts_carry_team_tenure_and_derived_flags(loaded):
    assert facts(loaded, "K1", "team, site, plan, tenure_days, is_upset, offered_options, call_month") == (
        "Red", "Leeds", "basic", 1831, True, True, __import__("datetime").date(2025, 1, 1))
    assert facts(loaded, "K3", "is_upset") == (False,)


def test_customer_retention_outcomes_and_censoring(loaded):
    assert query(loaded, "SELECT CAST(as_of AS VARCHAR) FROM etl_state") == [("2025-03-01",)]
    rows = {r[0]: r[1:] for r in query(
        loaded, "SELECT call_id, event, time_days, churned_30d, churned_90d, churned_180d, "
                "censored_90d, churned_before_call FROM customer_retention")}
    assert set(rows) == {"K1", "K2", "K4", "K5"}, "one row per upset call, calm K3 left out"
    # C2 churned 2025-03-01, day 54: event seen, but the 90- and 180-day windows are still open, so
    # churned_90d/_180d are NULL as documented (#11.5: they used to be TRUE, over-counting churn)
    assert rows["K2"] == (True, 54, False, None, None, False, False)
    assert rows["K1"] == (False, 55, False, None, None, True, False)     # still a customer, 55 days seen
    assert rows["K5"] == (False, None, None, None, None, False, True)    # C3 had churned before


def test_horizon_churn_counts_only_windows_closed_by_the_as_of_date(loaded):
    rows = {(r[0], r[1]): r[2] for r in query(loaded, "SELECT call_id, horizon, churned FROM horizon_churn")}
    assert {c for c, _ in rows} == {"K1", "K2", "K4", "K5"} and {h for _, h in rows} == {30, 90, 180}
    assert rows["K1", 30] is False and rows["K1", 90] is None    # 55 days seen: 30 closed, 90 open
    assert rows["K2", 30] is False and rows["K2", 90] is None    # churned on day 54 of an open window
    assert rows["K5", 30] is None                                # churned before the call: no outcome


def test_an_agents_calls_started_together_follow_each_other_in_call_id_order(tmp_path, db):
    """call_timing orders an agent's calls by start time, then call_id (not file order)."""
    calls = [call("KB", started_at="2025-01-10T09:00:00", handle_s="60"),    # ends 09:01
             call("KA", started_at="2025-01-10T09:00:00", handle_s="600"),   # ends 09:10
             call("KC", started_at="2025-01-10T09:20:00", anger_level="1")]  # calm
    assert load_api(make_source(tmp_path / "src", calls=calls, follow_ups=None), db).code == 0
    assert facts(db, "KA", "minutes_since_prev_upset") == (None,)
    assert facts(db, "KB", "minutes_since_prev_upset") == (0.0,)   # after KA, which ends later
    assert facts(db, "KC", "minutes_since_prev_upset") == (19.0,)  # after KB, the later of the two


def test_customer_retention_has_every_upset_call_of_call_facts_once(loaded):
    """customer_retention reads call_context, not call_facts: the same upset calls, each once."""
    for first, second in (("call_facts", "customer_retention"), ("customer_retention", "call_facts")):
        assert query(loaded, f"SELECT call_id FROM {first} WHERE call_id IN (SELECT call_id FROM call_facts "
                             f"WHERE is_upset) EXCEPT ALL SELECT call_id FROM {second}") == []
