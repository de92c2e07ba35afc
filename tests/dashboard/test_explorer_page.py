"""The explorer page's callbacks, called directly on the sample database."""

from __future__ import annotations

from contextlib import contextmanager

import pytest


@contextmanager
def pressed(button: str):
    """Inside it, the page's callbacks see ``button`` as the one that was clicked (as in Dash's
    dispatch); after it, nothing is left set for later tests in this thread."""
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    token = context_value.set(AttributeDict(triggered_inputs=[{"prop_id": f"{button}.n_clicks"}]))
    try:
        yield
    finally:
        context_value.reset(token)


@pytest.fixture(scope="module")
def explorer_app(sample_db):
    from calmline.dashboard.app import Settings, create_app

    return create_app(Settings(db=sample_db))


def test_a_saved_query_runs_with_its_parameters_and_offers_a_chart(explorer_app):
    from calmline.dashboard.pages import explorer

    with explorer_app.server.test_request_context("/"), pressed(explorer.RUN_SAVED):
        about, params, disabled, sql = explorer.show_saved("churn_by_month_team")
        assert not disabled and "$start" in sql and len(params) >= 3
        rows, cols, status, last, history, export_off, xs, ys, colours, kind, x, y, colour = explorer.run(
            1, None, "churn_by_month_team", ["leeds-1"], [{"name": "team"}], "", [])
    assert rows and {r["team"] for r in rows} == {"leeds-1"}
    assert last == {"kind": "saved", "name": "churn_by_month_team", "params": {"team": "leeds-1"}}
    assert not export_off and x in xs and y in ys and history[0]["rows"] == len(rows)


def test_sql_that_writes_is_refused_with_what_is_allowed(explorer_app):
    from calmline.dashboard.pages import explorer

    with explorer_app.server.test_request_context("/"), pressed(explorer.RUN_SQL):
        rows, _, status, *_rest, history = explorer.run(None, 1, None, [], [], "DROP TABLE calls", [])[:5]
    assert rows == [] and "SELECT" in str(status) and "Not run" in str(status)


def test_export_runs_the_last_query_again_up_to_the_export_cap(explorer_app):
    from calmline.dashboard.pages import explorer

    with explorer_app.server.test_request_context("/"):
        download, status = explorer.export(1, {"kind": "sql", "sql": "SELECT * FROM calls"})
    lines = download["content"].strip().splitlines()
    assert lines[0].startswith("call_id") and len(lines) > 10_000  # more than the display cap
    assert "Exported" in str(status)


def test_explorer_queries_run_on_threads_of_lower_cpu_priority_than_the_pages(explorer_app):
    """A runaway analyst query must leave the CPU to the other users' pages first."""
    import os
    import sys
    import threading

    from calmline.dashboard import explorer_threads

    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    assert sys.platform.startswith("linux")  # where the server runs; thread priorities are per thread there
    page = nice()
    assert explorer_threads.in_explorer_thread(nice) == min(19, page + explorer_threads.NICENESS)
    assert nice() == page  # the page's own thread is untouched
    with explorer_app.server.test_request_context("/"):
        explorer = explorer_threads.sandbox()
        assert explorer.run("SELECT 42 AS answer").frame["answer"].tolist() == [42]
        assert explorer.saved("churn_by_month_team", {"team": "leeds-1"}).frame["team"].unique().tolist() == [
            "leeds-1"]
        assert "call_facts" in set(explorer.schema()["table"])


def test_the_schema_browser_says_what_every_table_and_column_holds(explorer_app):
    from calmline.dashboard.pages import explorer

    with explorer_app.server.test_request_context("/"):
        rows = explorer.show_schema(explorer.SCHEMA)
    assert rows and all(r["description"] and r["table_description"] for r in rows)
    churn = next(r for r in rows if r["table"] == "horizon_churn" and r["column"] == "churned")
    assert "window" in churn["description"] and "churn rates" in churn["table_description"]
    fields = [c["field"] for c in explorer.SCHEMA_COLUMNS]
    assert fields == ["table", "column", "type", "description"]
    assert explorer.SCHEMA_COLUMNS[0]["tooltipField"] == "table_description"  # hovering a table says what it holds
    shown = explorer.show_table([churn])
    assert "horizon_churn" in str(shown) and churn["table_description"] in str(shown)
    assert explorer.show_table([]) == explorer.SCHEMA_HINT


def test_export_writes_formulas_as_text_and_numbers_as_numbers(explorer_app):
    """CSV injection: a text cell like =HYPERLINK(...) must reach the spreadsheet as text."""
    import csv
    import io

    from calmline.dashboard.pages import explorer
    from tests.calmline.test_csv_injection import SQL, expect_safe

    with explorer_app.server.test_request_context("/"):
        download, status = explorer.export(1, {"kind": "sql", "sql": SQL})
    [row] = list(csv.DictReader(io.StringIO(download["content"], newline="")))
    expect_safe(row)
