"""The customer's recent contact history in the model population (queries/analysis/upset_calls.sql)."""

from __future__ import annotations

import duckdb

from calmline.queries import load_sql
from tests.conftest import load_api
from tests.etl.builders import call, make_source


def test_earlier_upset_calls_in_90_days_and_repeat_contacts_in_30(tmp_path, db):
    """By hand, customer C1: U1 upset 01-01, Q2 calm 01-10, U3 upset 01-20 (one upset call and two
    calls before it within 30 days), U4 and U5 upset 02-25 at the same moment (U1 55 days and U3 36
    days earlier: two upset calls in 90 days, no call in 30 days; calls at the same moment do not
    count as earlier). C2's call does not count for C1."""
    calls = [call("U1", started_at="2025-01-01T09:00:00"),
             call("Q2", started_at="2025-01-10T09:00:00", anger_level="1"),
             call("U3", started_at="2025-01-20T09:00:00"),
             call("X1", customer_id="C2", agent_id="A2", started_at="2025-01-21T09:00:00"),
             call("U4", started_at="2025-02-25T09:00:00"),
             call("U5", agent_id="A2", started_at="2025-02-25T09:00:00")]
    assert load_api(make_source(tmp_path / "src", calls=calls, follow_ups=None), db,
                    "--as-of", "2025-03-01").code == 0
    con = duckdb.connect(str(db), read_only=True)
    rows = {r[0]: r[1:] for r in con.execute(
        f"SELECT call_id, prior_upset_calls_90d, repeat_contact_30d FROM ({load_sql('analysis/upset_calls')})"
    ).fetchall()}
    con.close()
    assert rows == {"U1": (0, False), "U3": (1, True), "X1": (0, False), "U4": (2, False), "U5": (2, False)}
