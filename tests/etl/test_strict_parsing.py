"""Values are read exactly as the contract writes them, or rejected: never guessed at
(red-team "Hold under fire", 4 and the lenient-parsing items).

Timestamps: YYYY-MM-DD, 'T' or a space, HH:MM[:SS[.fraction]], then optionally Z or an
offset +HH:MM, +HHMM or +HH with hours <= 14 and minutes < 60. Dates: YYYY-MM-DD only.
Integers: digits with an optional sign (a trailing '.0', as float exports write them, is
allowed). Numbers: plain decimal with an optional exponent. Ids made only of invisible
characters are empty.
"""

from __future__ import annotations

import pytest

from tests.conftest import load_api, query
from tests.etl.builders import AGENTS, CALLS, CUSTOMERS, call, make_source

BAD_TIMESTAMPS = ["2025-01-02T10:00:00 America/New_York", "2025-01-02T10:00 PM", "2025-01-02 10:00 PM",
                  "2025-01-02T10:00:00 garbage", "2025-01-02T10:00:00+05:30:00",
                  "2025-01-02T10:00:00+25:00", "2025-01-02T10:00:00+15", "2025-01-02T10:00:00+05:60",
                  "2025-01-02T10:00:00 +02:00", "2025-01-02t10:00:00", "2025-01-02T10", "2025-01-02",
                  "2025-01-02T10:00:00z", "20250102T100000", "2025-01-02T24:30:00"]
GOOD_TIMESTAMPS = {  # as written -> stored, in UTC
    "2025-01-02T10:00:00": "2025-01-02 10:00:00", "2025-01-02 10:00": "2025-01-02 10:00:00",
    "2025-01-02T10:00:00.250": "2025-01-02 10:00:00.25", "2025-01-02T10:00:00Z": "2025-01-02 10:00:00",
    "2025-01-02T10:00:00+05:30": "2025-01-02 04:30:00", "2025-01-02T10:00:00-0130": "2025-01-02 11:30:00",
    "2025-01-02T10:00:00+14": "2025-01-01 20:00:00", "2025-01-02T10:00:00-14:00": "2025-01-03 00:00:00",
}


def test_timestamps_must_be_exact_iso_8601(tmp_path, db):
    bad = [call(f"B{n}", started_at=v) for n, v in enumerate(BAD_TIMESTAMPS)]
    good = [call(f"G{n}", started_at=v) for n, v in enumerate(GOOD_TIMESTAMPS)]
    source = make_source(tmp_path / "src", calls=[*CALLS, *bad, *good])
    assert load_api(source, db).code == 0
    rejected = query(db, "SELECT split_part(row_text, ',', 1), column_name, rule FROM rejected_rows")
    assert sorted(r[0] for r in rejected) == sorted(f"B{n}" for n in range(len(BAD_TIMESTAMPS)))
    for _, column, rule in rejected:
        assert (column, rule.split(" (")[0]) == ("started_at", "not an ISO 8601 timestamp")
    stored = dict(query(db, "SELECT call_id, CAST(started_at AS VARCHAR) FROM calls WHERE call_id LIKE 'G%'"))
    assert stored == {f"G{n}": utc for n, utc in enumerate(GOOD_TIMESTAMPS.values())}


@pytest.mark.parametrize("value", ["2020-01-01T00:00:00", "2020-01-01 10:00", "2020-1-01", "2020-01-01Z",
                                   " 2020-01-01x"])
def test_a_date_is_only_a_date(tmp_path, db, value):
    customers = [*CUSTOMERS, {**CUSTOMERS[0], "customer_id": "C9", "signup_date": value}]
    source = make_source(tmp_path / "src", customers=customers)
    assert load_api(source, db).code == 0
    assert query(db, "SELECT line, column_name, rule FROM rejected_rows") == [
        (5, "signup_date", f"not a date (YYYY-MM-DD) (got {value.strip()})")]


NUMBERS = {  # column, written -> stored or None for rejected with the rule
    ("transfers", "1_000"): "not a whole number",
    ("anger_level", "1e0"): "not a whole number",
    ("anger_level", "0x4"): "not a whole number",
    ("anger_level", "+4"): 4,
    ("anger_level", "4.00"): 4,
    ("csat", "0b11"): "not a whole number",
    ("handle_s", "1_000"): "not a number",
    ("handle_s", "1e3"): 1000.0,
    ("handle_s", ".5"): 0.5,
    ("wait_s", "+2.5E1"): 25.0,
}


def test_numbers_are_plain(tmp_path, db):
    calls = [call(f"N{n}", **{column: value}) for n, (column, value) in enumerate(NUMBERS)]
    source = make_source(tmp_path / "src", calls=[*CALLS, *calls])
    assert load_api(source, db).code == 0
    rejected = {r[0]: (r[1], r[2]) for r in query(
        db, "SELECT split_part(row_text, ',', 1), column_name, rule FROM rejected_rows")}
    for n, ((column, value), expected) in enumerate(NUMBERS.items()):
        if isinstance(expected, str):
            assert rejected[f"N{n}"] == (column, f"{expected} (got {value})")
        else:
            assert f"N{n}" not in rejected
            assert query(db, f"SELECT {column} FROM calls WHERE call_id = 'N{n}'") == [(expected,)]


@pytest.mark.parametrize("blank", ["\t", "\u200b", "\u00a0\u2003", "\ufeff", "\t\u200b\u3000"],
                         ids=["tab", "zero-width space", "no-break and em spaces", "BOM", "mixed"])
def test_ids_that_look_blank_are_empty(tmp_path, db, blank):
    agents = [*AGENTS, {"agent_id": blank, "team": "Red", "site": "Leeds", "hire_date": "2022-01-10"}]
    calls = [*CALLS, call(blank), call("K8", customer_id=blank)]
    source = make_source(tmp_path / "src", agents=agents, calls=calls)
    assert load_api(source, db).code == 0
    assert query(db, "SELECT source_file, line, column_name, rule FROM rejected_rows ORDER BY 1, 2") == [
        ("agents.csv", 4, "agent_id", "required value is empty"),
        ("calls/calls_2025-01.csv", 5, "call_id", "required value is empty"),
        ("calls/calls_2025-01.csv", 6, "customer_id", "required value is empty"),
    ]
