"""Data health: what was loaded, what was rejected and why, and how fresh everything is.

Rejected rows come a page at a time (:data:`PAGE_ROWS`), with their total; Export CSV writes all of
them (up to :data:`EXPORT_ROWS`) from the server.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html, no_update

from calmline.dashboard import data, formats, grids
from calmline.dashboard.filters import not_applied
from calmline.dashboard.figures import funnel_bars
from calmline.terminal import CSV_LINE_END, spreadsheet_safe

dash.register_page(__name__, path="/health", name="Data health", title="calmline - data health", order=4)

FRESHNESS = "health-freshness"
FUNNEL = "health-funnel"
BATCHES = "health-batches"
REJECTED = "health-rejected"
REJECTED_COUNT = "health-rejected-count"
REJECTED_PAGE = "health-rejected-page"
REJECTED_EXPORT = f"{REJECTED}-export"
REJECTED_DOWNLOAD = f"{REJECTED}-download"
PAGE_ROWS = 500
"""Rejected rows sent to the browser at a time."""
EXPORT_ROWS = 1_000_000
"""Most rejected rows one CSV export writes."""


def layout(**_query) -> html.Div:
    return html.Div([
        not_applied("health", "Every load and every file"),
        dbc.Row(id=FRESHNESS, className="g-2 mb-2"),
        dcc.Graph(id=FUNNEL),
        html.H5("Load batches: rows read = loaded + rejected, for every file"),
        grids.grid(BATCHES, height=300),
        html.H5("Rejected rows, with the rule each broke"),
        html.Div([
            dbc.Button("Export CSV", id=REJECTED_EXPORT, size="sm", color="secondary", outline=True,
                       className="me-2"),
            html.Span(id=REJECTED_COUNT, className="small text-muted me-2"),
            dbc.Pagination(id=REJECTED_PAGE, max_value=1, active_page=1, fully_expanded=False, size="sm",
                           first_last=True, previous_next=True, className="d-inline-flex mb-0"),
        ], className="d-flex align-items-center mb-1"),
        dcc.Download(id=REJECTED_DOWNLOAD),
        grids.grid(REJECTED, height=360, export=False),
    ])


def freshness_cards(fresh) -> list:
    if fresh.empty:
        return [dbc.Col(dbc.Alert(fresh.attrs.get("missing", "No data loaded yet."), color="warning"))]
    row = fresh.iloc[0]

    def card(title, value):
        return dbc.Col(dbc.Card(dbc.CardBody([html.Div(title, className="text-muted small"),
                                              html.H5(value, className="mb-0")])), md=3)
    return [card("As-of date", str(row.as_of)[:10]), card("Last load", str(row.last_load)[:16]),
            card("Last model run", str(row.last_fit)[:16] if row.last_fit is not None else "none yet"),
            card("Calls loaded", formats.count(row.calls))]


def rejected_page(page: int | None):
    """Rows of page ``page`` (from 1) of the rejected rows."""
    page = max(1, int(page or 1))
    return data.frame("rejected_rows", limit=PAGE_ROWS, offset=(page - 1) * PAGE_ROWS)


def rejected_total() -> int:
    counted = data.frame("rejected_rows_count")
    return int(counted["rows"].iloc[0]) if len(counted) else 0


@callback(Output(FRESHNESS, "children"), Output(FUNNEL, "figure"), Output(BATCHES, "rowData"),
          Output(BATCHES, "columnDefs"), Output(REJECTED, "rowData"), Output(REJECTED, "columnDefs"),
          Input("url", "pathname"))
@data.per_version
def update(_pathname):
    fresh = data.frame("freshness")
    batches = data.frame("load_batches")
    rejected = rejected_page(1)
    latest = batches[batches["batch_id"] == batches["batch_id"].max()] if len(batches) else batches
    counts = ("rows_read", "rows_loaded", "rows_rejected", "rows_inserted", "rows_updated", "rows_unchanged")
    return (freshness_cards(fresh), funnel_bars(latest), grids.records(batches),
            grids.columns(batches, counts=counts), grids.records(rejected), grids.columns(rejected))


@callback(Output(REJECTED_COUNT, "children"), Output(REJECTED_PAGE, "max_value"), Input("url", "pathname"))
def count(_pathname):
    """How many rejected rows there are, and how many pages they fill."""
    total = rejected_total()
    pages = max(1, -(-total // PAGE_ROWS))
    return f"{formats.count(total)} rejected rows, {formats.count(PAGE_ROWS)} a page", pages


@callback(Output(REJECTED, "rowData", allow_duplicate=True), Input(REJECTED_PAGE, "active_page"),
          prevent_initial_call=True)
def turn(page):
    """The rows of the page picked."""
    return grids.records(rejected_page(page))


@callback(Output(REJECTED_DOWNLOAD, "data"), Input(REJECTED_EXPORT, "n_clicks"), prevent_initial_call=True)
def export(n_clicks):
    """Every rejected row (up to EXPORT_ROWS) as CSV, text that starts like a formula made safe."""
    if not n_clicks:
        return no_update
    rows = spreadsheet_safe(data.frame("rejected_rows", limit=EXPORT_ROWS, offset=0))
    return dcc.send_data_frame(rows.to_csv, f"{REJECTED}.csv", index=False, lineterminator=CSV_LINE_END)


grids.register_exports(BATCHES)
