"""Query explorer, for analysts: its own issue (a sandboxed SQL engine); this is its place in the app."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

dash.register_page(__name__, path="/explorer", name="Query explorer", title="calmline - query explorer")


def layout(**_query) -> html.Div:
    return dbc.Alert([
        html.H5("Query explorer"),
        html.P("Safe, read-only SQL over the calls, churn and model results, with a library of saved "
               "queries, is being built. Until then, analysts can open the database read-only with any "
               "DuckDB client, e.g. duckdb.connect('calmline.duckdb', read_only=True)."),
    ], color="light")
