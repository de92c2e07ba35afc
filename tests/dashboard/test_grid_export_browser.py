"""A grid's CSV export, in a real headless Chromium: text cells that start like a formula reach the
spreadsheet as text (a leading '), numbers stay numbers."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path


def test_a_grid_exports_formulas_as_text_and_numbers_as_numbers(dash_duo):
    import dash
    import dash_ag_grid as dag
    from dash import html

    from calmline.dashboard import grids
    from tests.calmline.test_csv_injection import FORMULAS

    row = {**FORMULAS, "negative": -3, "negative_decimal": -2.5, "negative_text": "-3", "plain": "plain",
           "inside": "a=b", "missing": None}
    # Other tests in this process register the pages' callbacks with Dash globally; this app has none
    # of their components, so it must not check for them.
    app = dash.Dash(__name__, suppress_callback_exceptions=True)
    app.layout = html.Div(dag.AgGrid(id="formulas", rowData=[row], columnDefs=grids.columns(
        __import__("pandas").DataFrame([row])), csvExportParams={"fileName": "formulas.csv", **grids.CSV_EXPORT},
        exportDataAsCsv=True))
    dash_duo.start_server(app)
    target = Path(dash_duo.download_path) / "formulas.csv"
    deadline = time.monotonic() + 20
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    [got] = list(csv.DictReader(io.StringIO(target.read_bytes().decode("utf-8-sig"), newline="")))
    for name, text in FORMULAS.items():
        assert got[name] == "'" + text, name
    assert got["negative"] == "-3" and got["negative_decimal"] == "-2.5" and got["negative_text"] == "-3"
    assert got["plain"] == "plain" and got["inside"] == "a=b" and got["missing"] == ""
    assert dash_duo.get_logs() == []


def test_a_grid_exports_raw_values_under_machine_friendly_headers(dash_duo):
    """The grid shows "1,148", "14.7%" and a practice's label; its CSV carries 1148, 0.147 and the
    practice's name under the field names (issue #11 items 7 and 15), as the explorer's export and
    `calmline query --format csv` do."""
    import dash
    import dash_ag_grid as dag
    import pandas as pd
    from dash import html

    from calmline.dashboard import grids

    frame = pd.DataFrame([{"team": "leeds-1", "upset_calls": 1148, "churn_upset": 0.14703,
                           "month": pd.Timestamp("2025-09-01"), "practice": "took_ownership"}])
    app = dash.Dash(__name__, suppress_callback_exceptions=True)
    app.layout = html.Div(dag.AgGrid(
        id="shown", rowData=grids.records(frame),
        columnDefs=grids.columns(frame, percent=("churn_upset",), counts=("upset_calls",)),
        defaultColDef=grids.DEFAULT_COLUMN, csvExportParams={"fileName": "shown.csv", **grids.CSV_EXPORT},
        exportDataAsCsv=True, className="ag-theme-alpine", style={"height": "200px"}))
    dash_duo.start_server(app)
    dash_duo.wait_for_contains_text("#shown", "14.7%", timeout=10)
    shown = dash_duo.find_element("#shown").text
    assert "1,148" in shown and "Took ownership" in shown  # the grid shows the display form
    target = Path(dash_duo.download_path) / "shown.csv"
    deadline = time.monotonic() + 20
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    text = target.read_bytes().decode("utf-8-sig")
    [header, *_] = text.splitlines()
    assert header.replace('"', "") == "team,upset_calls,churn_upset,month,practice"
    [got] = list(csv.DictReader(io.StringIO(text, newline="")))
    assert got["upset_calls"] == "1148" and float(got["churn_upset"]) == 0.14703
    assert got["month"] == "2025-09-01"  # a date, without a made-up 00:00
    assert got["practice"] == "took_ownership"  # the name, for joining with the result tables
    assert dash_duo.get_logs() == []
