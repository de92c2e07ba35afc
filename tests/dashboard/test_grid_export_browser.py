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
    assert got["negative"] == "-3" and got["negative decimal"] == "-2.5" and got["negative text"] == "-3"
    assert got["plain"] == "plain" and got["inside"] == "a=b" and got["missing"] == ""
    assert dash_duo.get_logs() == []
