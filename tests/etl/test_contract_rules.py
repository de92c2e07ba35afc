"""Every rule of the input contract, through the Python API and through `calmline etl`.

Each case breaks one rule in one row of an otherwise valid folder and checks
that exactly that row is rejected, with the file, line, column and rule a
data owner needs to fix it, while every other row loads. The calls' rules are
checked together: one folder with one bad row per rule, loaded once per way in.
"""

from __future__ import annotations

import pytest

from tests.conftest import query
from tests.etl.builders import AGENTS, CALLS, CUSTOMERS, FOLLOW_UPS, TRAINING, call, make_source

BAD_CALL = {  # field overrides on a fourth call, K9, written at line 5 of the calls file
    "empty call_id": ({"call_id": ""}, "call_id", "required value is empty"),
    "unknown customer": ({"customer_id": "C404"}, "customer_id", "not found in customers (got C404)"),
    "unknown agent": ({"agent_id": "A404"}, "agent_id", "not found in agents (got A404)"),
    "bad timestamp": ({"started_at": "2025-13-45"}, "started_at", "not an ISO 8601 timestamp"),
    "US date": ({"started_at": "01/05/2025 10:00"}, "started_at", "not an ISO 8601 timestamp"),
    "empty started_at": ({"started_at": ""}, "started_at", "required value is empty"),
    "future call": ({"started_at": "2999-01-01T00:00:00"}, "started_at", "in the future"),
    "unknown channel": ({"channel": "fax"}, "channel", "must be phone, chat or email (got fax)"),
    "empty issue_type": ({"issue_type": " "}, "issue_type", "required value is empty"),
    "anger 0": ({"anger_level": "0"}, "anger_level", "must be between 1 and 5 (got 0)"),
    "anger 7": ({"anger_level": "7"}, "anger_level", "must be between 1 and 5 (got 7)"),
    "anger word": ({"anger_level": "high"}, "anger_level", "not a whole number (got high)"),
    "anger fraction": ({"anger_level": "3.5"}, "anger_level", "not a whole number (got 3.5)"),
    "negative wait": ({"wait_s": "-1"}, "wait_s", "must be >= 0"),
    "wait word": ({"wait_s": "long"}, "wait_s", "not a number (got long)"),
    "wait nan": ({"wait_s": "nan"}, "wait_s", "not a number"),
    "zero handle": ({"handle_s": "0"}, "handle_s", "must be > 0 (got 0)"),
    "negative handle": ({"handle_s": "-5"}, "handle_s", "must be > 0 (got -5)"),
    "empty handle": ({"handle_s": ""}, "handle_s", "required value is empty"),
    "negative hold": ({"hold_s": "-2"}, "hold_s", "must be >= 0"),
    "negative transfers": ({"transfers": "-1"}, "transfers", "must be >= 0"),
    "fractional transfers": ({"transfers": "1.5"}, "transfers", "not a whole number"),
    "resolved maybe": ({"resolved": "maybe"}, "resolved", "not a boolean"),
    "practice word": ({"apologized": "sometimes"}, "apologized", "not a boolean (use true/false"),
    "negative options": ({"options_offered": "-1"}, "options_offered", "must be >= 0"),
    "csat 0": ({"csat": "0"}, "csat", "must be between 1 and 5"),
    "csat 6": ({"csat": "6"}, "csat", "must be between 1 and 5"),
}


@pytest.fixture(scope="module", params=["api", "cli"])
def every_bad_call_loaded(request, tmp_path_factory):
    """One folder holding the three valid calls and, after them, one call per case of
    ``BAD_CALL`` (line 5 onwards, in the order of ``BAD_CALL``, each breaking that case's rule
    only), loaded once through the Python API and once through `calmline etl`, instead of one
    folder and one load per case (a load costs about a second of CPU, whatever its size).

    Every rule checked is one row's own (a value, or a reference to a customer or an agent):
    none depends on another rejected row, so each case's row is rejected for its rule alone,
    as it was alone in its folder; a rule that stopped working loads its row, which the case's
    test and the count of loaded calls then see.

    Returns (database, {case: line of its row}).
    """
    bad = [call(**{"call_id": f"K{9 + i}", **over}) for i, (over, _, _) in enumerate(BAD_CALL.values())]
    return _loaded(tmp_path_factory, request.param, BAD_CALL, calls=[*CALLS, *bad])


def _loaded(tmp_path_factory, way: str, cases: dict, **entities) -> tuple:
    """Load a folder of ``entities`` (make_source's keywords) through the API or the CLI (``way``);
    the rows of ``cases`` follow the three valid rows and a header, from line 5 on.
    Returns (database, {case: line of its row})."""
    from tests.conftest import load_api, load_cli

    root = tmp_path_factory.mktemp(f"bad_{way}")
    db = root / "calmline.duckdb"
    outcome = (load_api if way == "api" else load_cli)(make_source(root / "src", **entities), db)
    assert outcome.code == 0, outcome.output
    return db, {case: 5 + i for i, case in enumerate(cases)}


def test_every_bad_call_is_rejected_and_only_the_valid_calls_load(every_bad_call_loaded):
    db, lines = every_bad_call_loaded
    assert query(db, "SELECT count(*) FROM calls")[0][0] == 3
    assert query(db, "SELECT rows_read, rows_loaded, rows_rejected FROM load_batches "
                     "WHERE entity = 'calls'") == [(3 + len(lines), 3, len(lines))]
    assert sorted(line for (line,) in query(db, "SELECT line FROM rejected_rows")) == sorted(lines.values())


@pytest.mark.parametrize("case", list(BAD_CALL), ids=list(BAD_CALL))
def test_a_call_breaking_a_rule_is_rejected_with_its_reason(every_bad_call_loaded, case):
    db, lines = every_bad_call_loaded
    over, column, rule = BAD_CALL[case]
    rejected = query(db, "SELECT source_file, line, column_name, rule, row_text FROM rejected_rows "
                         "WHERE line = $line", {"line": lines[case]})
    assert len(rejected) == 1, rejected
    file, line, col, why, text = rejected[0]
    assert (file, line, col) == ("calls/calls_2025-01.csv", lines[case], column)
    assert rule in why
    assert text.startswith(over.get("call_id", f"K{lines[case] + 4}") + ",")


def test_duplicate_call_id_in_a_file_rejects_the_later_row(tmp_path, db, loader):
    source = make_source(tmp_path / "src", calls=[*CALLS, call("K1", anger_level="5")])
    assert loader(source, db).code == 0
    assert query(db, "SELECT line, column_name, rule FROM rejected_rows") == [
        (5, "call_id", "duplicate call_id (first at calls/calls_2025-01.csv:2)")]
    assert query(db, "SELECT anger_level FROM calls WHERE call_id = 'K1'") == [(4,)]


def test_started_after_the_given_as_of_date_is_rejected(tmp_path, db, loader):
    source = make_source(tmp_path / "src", calls=[*CALLS, call("K9", started_at="2025-02-01T08:00:00")])
    assert loader(source, db, "--as-of", "2025-01-31").code == 0
    assert query(db, "SELECT column_name, rule FROM rejected_rows") == [
        ("started_at", "after the as-of date (2025-02-01T08:00:00 > 2025-01-31)")]
    assert query(db, "SELECT as_of, as_of_source FROM etl_state")[0][1] == "--as-of"


def test_accepted_spellings_are_normalised(tmp_path, db, loader):
    spellings = call("K9", channel="Chat", started_at="2025-01-05T12:00:00+02:00", anger_level="4.0",
                     resolved="YES", let_vent="y", empathized="0", apologized="N", thanked="",
                     options_offered="3", csat="")
    source = make_source(tmp_path / "src", calls=[*CALLS, spellings])
    assert loader(source, db).code == 0
    assert query(db, "SELECT count(*) FROM rejected_rows") == [(0,)]
    row = query(db, "SELECT channel, strftime(started_at, '%H:%M'), anger_level, resolved, let_vent, "
                    "empathized, apologized, thanked, csat FROM calls WHERE call_id = 'K9'")
    assert row == [("chat", "10:00", 4, True, True, False, False, None, None)]


CUSTOMER_CASES = {
    "duplicate customer": ({"customer_id": "C1"}, "customer_id", "duplicate customer_id"),
    "bad signup": ({"signup_date": "yesterday"}, "signup_date", "not a date (YYYY-MM-DD)"),
    "negative value": ({"monthly_value": "-3"}, "monthly_value", "must be >= 0"),
    "churn before signup": ({"churned_at": "2019-01-01"}, "churned_at", "must not be before signup_date"),
    "bad churn date": ({"churned_at": "2025-02-30"}, "churned_at", "not a date"),
}


@pytest.fixture(scope="module", params=["api", "cli"])
def every_bad_customer_loaded(request, tmp_path_factory):
    """The three valid customers and, from line 5 on, one customer per case of
    ``CUSTOMER_CASES`` (C9, C10, ... unless the case sets the id), loaded once per way in, as
    ``every_bad_call_loaded`` does for the calls. Returns (database, {case: line})."""
    extra = [{"customer_id": f"C{9 + i}", "signup_date": "2020-01-01", "plan": "basic",
              "monthly_value": "10", "region": "west", "churned_at": "", **over}
             for i, (over, _, _) in enumerate(CUSTOMER_CASES.values())]
    return _loaded(tmp_path_factory, request.param, CUSTOMER_CASES, customers=[*CUSTOMERS, *extra])


def test_only_the_valid_customers_load(every_bad_customer_loaded):
    db, lines = every_bad_customer_loaded
    assert query(db, "SELECT count(*) FROM customers") == [(len(CUSTOMERS),)]
    assert sorted(line for (line,) in query(db, "SELECT line FROM rejected_rows")) == sorted(lines.values())


@pytest.mark.parametrize("case", list(CUSTOMER_CASES), ids=list(CUSTOMER_CASES))
def test_customer_rules(every_bad_customer_loaded, case):
    db, lines = every_bad_customer_loaded
    over, column, rule = CUSTOMER_CASES[case]
    rejected = query(db, "SELECT source_file, line, column_name, rule FROM rejected_rows WHERE line = $line",
                     {"line": lines[case]})
    assert [(f, n, c) for f, n, c, _ in rejected] == [("customers.csv", lines[case], column)]
    assert rule in rejected[0][3]


def test_agent_and_training_rules(tmp_path, db, loader):
    agents = [*AGENTS, {"agent_id": "A1", "team": "Green", "site": "Leeds", "hire_date": "2024-01-01"},
              {"agent_id": "A3", "team": "Green", "site": "Leeds", "hire_date": "01-01-2024"}]
    training = [*TRAINING,
                {"agent_id": "A404", "module": "apologized", "completed_at": "2025-01-01"},
                {"agent_id": "A2", "module": "juggling", "completed_at": "2025-01-01"},
                {"agent_id": "A2", "module": "options_offered", "completed_at": "someday"}]
    source = make_source(tmp_path / "src", agents=agents, training=training)
    assert loader(source, db).code == 0
    rejected = query(db, "SELECT source_file, line, column_name, rule FROM rejected_rows "
                         "ORDER BY source_file, line")
    assert rejected == [
        ("agents.csv", 4, "agent_id", "duplicate agent_id (first at agents.csv:2)"),
        ("agents.csv", 5, "hire_date", "not a date (YYYY-MM-DD) (got 01-01-2024)"),
        ("training.csv", 3, "agent_id", "not found in agents (got A404)"),
        ("training.csv", 4, "module", "must be a practice name or options_offered (got juggling)"),
        ("training.csv", 5, "completed_at", "not a date (YYYY-MM-DD) (got someday)"),
    ]


def test_follow_up_rules(tmp_path, db, loader):
    follow_ups = [*FOLLOW_UPS,
                  {"call_id": "K404", "followup_at": "2025-01-09T10:00:00", "channel": "email"},
                  {"call_id": "K2", "followup_at": "2025-01-06T10:59:59", "channel": "email"},
                  {"call_id": "K2", "followup_at": "", "channel": "email"}]
    source = make_source(tmp_path / "src", follow_ups=follow_ups)
    assert loader(source, db).code == 0
    assert query(db, "SELECT line, column_name, rule FROM rejected_rows ORDER BY line") == [
        (3, "call_id", "not found in calls (got K404)"),
        (4, "followup_at", "before the call started (2025-01-06T11:00:00)"),
        (5, "followup_at", "required value is empty"),
    ]


def test_a_row_breaking_several_rules_lists_them_all(tmp_path, db, loader):
    source = make_source(tmp_path / "src", calls=[*CALLS, call("K9", anger_level="9", handle_s="0",
                                                               channel="fax")])
    assert loader(source, db).code == 0
    (problems,) = query(db, "SELECT problems FROM rejected_rows")[0]
    assert problems == ("channel: must be phone, chat or email (got fax); "
                        "anger_level: must be between 1 and 5 (got 9); handle_s: must be > 0 (got 0)")


def test_strict_exits_non_zero_only_when_rows_were_rejected(tmp_path, db):
    from tests.conftest import load_cli

    clean = make_source(tmp_path / "clean")
    assert load_cli(clean, db, "--strict").code == 0
    dirty = make_source(tmp_path / "dirty", calls=[*CALLS, call("K9", anger_level="0")])
    outcome = load_cli(dirty, tmp_path / "other.duckdb", "--strict")
    assert outcome.code == 1
    assert "1 rows were rejected" in outcome.output
    assert query(tmp_path / "other.duckdb", "SELECT count(*) FROM calls") == [(3,)]
