"""Data health: what was loaded, what was rejected and why, and how fresh everything is."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from calmline.dashboard import data, formats, grids
from calmline.dashboard.figures import funnel_bars

dash.register_page(__name__, path="/health", name="Data health", title="calmline - data health", order=4)

FRESHNESS = "health-freshness"
FUNNEL = "health-funnel"
BATCHES = "health-batches"
REJECTED = "health-rejected"


def layout(**_query) -> html.Div:
    return html.Div([
        dbc.Row(id=FRESHNESS, className="g-2 mb-2"),
        dcc.Graph(id=FUNNEL),
        html.H5("Load batches: rows read = loaded + rejected, for every file"),
        grids.grid(BATCHES, height=300),
        html.H5("Rejected rows, with the rule each broke"),
        grids.grid(REJECTED, height=360),
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


@callback(Output(FRESHNESS, "children"), Output(FUNNEL, "figure"), Output(BATCHES, "rowData"),
          Output(BATCHES, "columnDefs"), Output(REJECTED, "rowData"), Output(REJECTED, "columnDefs"),
          Input("url", "pathname"))
@data.per_version
def update(_pathname):
    fresh = data.frame("freshness")
    batches = data.frame("load_batches")
    rejected = data.frame("rejected_rows")
    latest = batches[batches["batch_id"] == batches["batch_id"].max()] if len(batches) else batches
    counts = ("rows_read", "rows_loaded", "rows_rejected", "rows_inserted", "rows_updated", "rows_unchanged")
    return (freshness_cards(fresh), funnel_bars(latest), grids.records(batches),
            grids.columns(batches, counts=counts), grids.records(rejected), grids.columns(rejected))


grids.register_exports(BATCHES, REJECTED)
