"""A reference to a row this load rejected names that row, however the row was rejected.

The load looks up the rejected rows of a parent only when it rejected some (#12: at 1M calls the
look-up joined every staged call with the accepted ones even when none was rejected). A parent
rejected by a cross-row rule alone (its own reference missing) passed every per-row rule, so that
decision must count the cross-row problems too; and with nothing rejected the messages are the
plain "not found".
"""

from __future__ import annotations

from tests.conftest import load_api, query
from tests.etl.builders import CALLS, call, make_source

REJECTS = "SELECT source_file, line, column_name, rule FROM rejected_rows ORDER BY source_file, line"


def test_a_follow_up_of_a_call_rejected_across_rows_names_the_call(tmp_path, db):
    calls = [*CALLS, call("K9", customer_id="C404")]  # every value valid; the customer is unknown
    follow_ups = [{"call_id": "K9", "followup_at": "2025-01-06T10:00:00", "channel": "phone"}]
    assert load_api(make_source(tmp_path / "src", calls=calls, follow_ups=follow_ups), db).code == 0
    assert query(db, REJECTS) == [
        ("calls/calls_2025-01.csv", 5, "customer_id", "not found in customers (got C404)"),
        ("follow_ups.csv", 2, "call_id", "its calls row was rejected (calls/calls_2025-01.csv:5) (got K9)")]


def test_with_no_parent_rejected_an_unknown_reference_is_not_found(tmp_path, db):
    follow_ups = [{"call_id": "K404", "followup_at": "2025-01-06T10:00:00", "channel": "phone"}]
    assert load_api(make_source(tmp_path / "src", follow_ups=follow_ups), db).code == 0
    assert query(db, REJECTS) == [("follow_ups.csv", 2, "call_id", "not found in calls (got K404)")]
