"""Extreme values in every numeric and date column either load or are rejected, and never
break a later step: the marts, and `calmline fit` after the load (red-team "Hold under fire", 3).

Every numeric column has a plausible range (contract.py: seconds up to 7 days, counts up to
100, money up to 1e9) and every date lies between 1900-01-01 and 2999-12-31.
"""

from __future__ import annotations

from tests.conftest import load_cli, query, run_cli
from tests.etl.builders import AGENTS, CALL_COLUMNS, CALLS, CUSTOMERS, FOLLOW_UPS, TRAINING, call, make_source, write_csv

HUGE = ["9.3e12", "1e15", "1e308", "-1e308", "1e-300", "-1e-300", "-0", "0", "9223372036854775807",
        "-9223372036854775808", "99999999999999999999", "4e18"]
DATES = ["9999-12-31", "0001-01-01", "0000-01-01", "1899-12-31", "1900-01-01", "2999-12-31",
         "3000-01-01", "294247-01-01", "2025-02-29"]
TIMESTAMPS = [d + "T00:00:00" for d in DATES] + ["2999-12-31T23:59:59.999999"]
CALL_NUMBERS = ["wait_s", "handle_s", "hold_s", "transfers", "options_offered", "compensation_value",
                "anger_level", "csat"]
AS_OF = "2025-06-30"


def _extreme_source(root):
    calls, customers, agents, follow_ups, training = [*CALLS], [*CUSTOMERS], [*AGENTS], [*FOLLOW_UPS], [*TRAINING]
    n = 0

    def upset_call(**over):
        nonlocal n
        n += 1
        calls.append(call(f"X{n}", **{"anger_level": "5", "compensation_value": "5", **over}))
        return f"X{n}"

    for column in CALL_NUMBERS:
        for value in HUGE:
            upset_call(**{column: value})
    for value in TIMESTAMPS:
        upset_call(started_at=value)
    for k, value in enumerate(HUGE + DATES):
        cid, aid = f"CX{k}", f"AX{k}"
        extreme = value in DATES
        customers.append({"customer_id": cid, "signup_date": value if extreme else "2020-01-01",
                          "plan": "basic", "monthly_value": "20" if extreme else value,
                          "region": "north", "churned_at": ""})
        if extreme:
            customers.append({"customer_id": cid + "c", "signup_date": "2020-01-01", "plan": "basic",
                              "monthly_value": "20", "region": "north", "churned_at": value})
            agents.append({"agent_id": aid, "team": "Red", "site": "Leeds", "hire_date": value})
            training.append({"agent_id": "A1", "module": "apologized", "completed_at": value})
            upset_call(customer_id=cid + "c", agent_id=aid)
        follow_ups.append({"call_id": upset_call(customer_id=cid), "followup_at": value + "T10:00:00"
                           if extreme else "2025-01-06T10:00:00", "channel": "phone"})
    make_source(root, calls=None, customers=customers, agents=agents, follow_ups=follow_ups,
                training=training)
    write_csv(root / "calls" / "calls_2025-01.csv", [{"compensation_value": "", **c} for c in calls],
              [*CALL_COLUMNS, "compensation_value"])
    return root


def test_extreme_values_load_or_are_rejected_and_a_fit_still_runs(tmp_path, db):
    source = _extreme_source(tmp_path / "src")
    outcome = load_cli(source, db, "--as-of", AS_OF)
    assert outcome.code == 0, outcome.output
    for file, read, loaded, rejected in query(db, "SELECT file, rows_read, rows_loaded, rows_rejected "
                                                  "FROM load_batches"):
        assert read == loaded + rejected, file
    # Every extreme row is either stored or rejected with a rule naming its column.
    assert query(db, "SELECT count(*) FROM rejected_rows WHERE column_name IS NULL") == [(0,)]
    assert query(db, "SELECT count(*) FROM call_timing") == query(db, "SELECT count(*) FROM calls")
    fit = run_cli("fit", "--db", str(db))
    assert fit.returncode == 0, fit.stdout + fit.stderr


def test_a_huge_handle_time_is_rejected_with_its_range(tmp_path, db, loader):
    source = make_source(tmp_path / "src", calls=[*CALLS, call("K9", anger_level="5", handle_s="9.3e12")])
    assert loader(source, db).code == 0
    assert query(db, "SELECT line, column_name, rule FROM rejected_rows") == [
        (5, "handle_s", "must be at most 604800 (7 days) (got 9.3e12)")]
    # The next load still works (the red team's database kept failing).
    assert loader(source, db, "--reload").code == 0


BOUNDS = {
    "wait_s": ("604801", "must be at most 604800 (7 days)"),
    "hold_s": ("1e9", "must be at most 604800 (7 days)"),
    "transfers": ("101", "must be at most 100"),
    "options_offered": ("1000000", "must be at most 100"),
    "started_at": ("1899-12-31T23:59:59", "must be between 1900-01-01 and 2999-12-31"),
}


def test_each_bound_names_its_rule(tmp_path, db):
    """(compensation_value and monthly_value: see the extremes test.)"""
    from tests.conftest import load_api

    calls = [*CALLS] + [call(f"K{n}", **{column: value}) for n, (column, (value, _)) in
                        enumerate(BOUNDS.items(), start=10)]
    source = make_source(tmp_path / "src", calls=calls)
    assert load_api(source, db).code == 0
    got = dict(query(db, "SELECT column_name, rule FROM rejected_rows"))
    assert got == {c: f"{rule} (got {value})" for c, (value, rule) in BOUNDS.items()}
    assert query(db, "SELECT count(*) FROM calls") == [(3,)]
