"""Tables: AG Grid with sorting, filtering and CSV export of every filtered row."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, callback, html, no_update

from calmline import vocabulary

PERCENT = {"function": "params.value == null ? '–' : d3.format('.1%')(params.value)"}
COUNT = {"function": "params.value == null ? '–' : d3.format(',')(params.value)"}
P_VALUE = {"function": "params.value == null ? '–' : params.value < 0.001 ? '< 0.001' : "
                       "d3.format(params.value < 0.01 ? '.3f' : '.2f')(params.value)"}
"""A p-value as :func:`calmline.dashboard.formats.p_value` writes it, without "p =": "< 0.001", "0.004",
"0.27" (a bare '.3f' showed 6.4e-05 as "0.000")."""
SPREADSHEET_SAFE = {"function": (
    "params.value == null ? '' : /^[=+\\-@\\t\\r]/.test(params.value) "
    "&& !/^[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?$/.test(params.value) ? \"'\" + params.value : params.value")}
"""AG Grid's CSV export writes each cell through this: text starting like a formula (=, +, -, @, tab,
carriage return) gets a leading ' so a spreadsheet shows it instead of running it; numbers, and text
that is just a number, stay as they are (as calmline.terminal.spreadsheet_safe_text does)."""
FIELD_HEADER = {"function": "params.column.getColDef().field"}
"""The CSV header of a column: its field name (``churn_upset``), not the header the grid shows."""
CSV_EXPORT = {"allColumns": True, "processCellCallback": SPREADSHEET_SAFE, "processHeaderCallback": FIELD_HEADER}
"""A grid's CSV export: every column, raw values (the value formatters only change what the grid
shows; ``useValueFormatterForExport`` is off in :data:`DEFAULT_COLUMN` too) under field names, text
made spreadsheet-safe."""
DEFAULT_COLUMN = {"sortable": True, "filter": True, "resizable": True, "useValueFormatterForExport": False,
                  "wrapHeaderText": True, "autoHeaderHeight": True}
"""Every grid column's defaults: a long header (a rate with its unit and base) wraps onto more lines
instead of being cut to "Churn within 90 days ..."."""


PRACTICE_LABELS = {p: vocabulary.label(p) for p in vocabulary.practice_names()}
"""A ``practice`` column shows each practice's label (``took_ownership`` as "Took ownership"), as the
figures do, through AG Grid's ``refData``; the CSV export keeps the name."""


def grid(grid_id: str, *, height: int = 360, selectable: bool = False, export: bool = True) -> html.Div:
    """An empty grid with an export button whose id is ``grid_id + '-export'`` (none when ``export``
    is False: the page exports from the server)."""
    button = [dbc.Button("Export CSV", id=f"{grid_id}-export", size="sm", color="secondary", outline=True,
                         className="mb-1")] if export else []
    return html.Div([
        *button,
        dag.AgGrid(id=grid_id, rowData=[], columnDefs=[], style={"height": f"{height}px"},
                   defaultColDef=DEFAULT_COLUMN,
                   dashGridOptions={"rowSelection": "single"} if selectable else {},
                   csvExportParams={"fileName": f"{grid_id}.csv", **CSV_EXPORT},
                   className="ag-theme-alpine"),
    ])


def columns(frame: pd.DataFrame, percent: tuple[str, ...] = (), counts: tuple[str, ...] = (),
            headers: dict[str, str] | None = None) -> list[dict]:
    """Column definitions with calmline's number formats for display; exports keep raw values.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows the grid shows; one column per frame column, in order.
    percent : tuple of str
        Columns holding shares in [0, 1], shown as ``14.7%``. A column called ``practice`` shows
        labels, and a column named after a practice has its label as header.
    counts : tuple of str
        Columns holding counts, shown with thousands separators (``1,148``).
    headers : dict, optional
        Headers by column name, where the grid should say more than the name (its unit, its base).

    Returns
    -------
    list of dict
        AG Grid column definitions: ``field`` is the column name (the CSV header), ``headerName``
        the same with spaces (or from ``headers``).
    """
    practices = set(vocabulary.practice_names())
    defs = []
    for name in frame.columns:
        header = vocabulary.label(name) if name in practices else name.replace("_", " ")
        col = {"field": name, "headerName": (headers or {}).get(name, header)}
        if name == "practice":
            col["refData"] = PRACTICE_LABELS
            col["useValueFormatterForExport"] = False
        elif name in percent:
            col["valueFormatter"] = PERCENT
        elif name in counts:
            col["valueFormatter"] = COUNT
        if "valueFormatter" in col:
            col["useValueFormatterForExport"] = False  # CSV gets 0.147, not "14.7%"
        defs.append(col)
    return defs


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-safe records (dates as ``YYYY-MM-DD``, timestamps to the minute, missing as null).

    The values stay raw (``0.147``, ``1148``): the grid formats them for display and its CSV export
    writes them as they are."""
    out = frame.copy()
    for name in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[name]):
            values = out[name]
            days = values.dropna()
            whole = bool((days == days.dt.normalize()).all())
            out[name] = values.dt.strftime("%Y-%m-%d" if whole else "%Y-%m-%d %H:%M")
    # column by column, then zipped into rows: the same records as
    # ``out.astype(object).where(out.notna(), None).to_dict("records")`` (Python scalars, None for
    # missing; tested), without pandas' per-cell boxing (~3x less CPU for an agent's ~500-3,000 calls)
    names = list(out.columns)
    known = out.notna()
    columns = []
    for name in names:
        values = out[name].astype(object).tolist()
        if out[name].dtype == object:
            values = [v.item() if isinstance(v, np.generic) else v for v in values]
        ok = known[name].to_numpy()
        if not ok.all():
            values = [v if k else None for v, k in zip(values, ok.tolist())]
        columns.append(values)
    return [dict(zip(names, row)) for row in zip(*columns)] if names else [{} for _ in range(len(out))]


def register_exports(*grid_ids: str) -> None:
    """Wire each grid's Export CSV button: AG Grid writes every filtered row, not just the page."""
    for grid_id in grid_ids:
        @callback(Output(grid_id, "exportDataAsCsv"), Input(f"{grid_id}-export", "n_clicks"),
                  prevent_initial_call=True)
        def _export(n_clicks):
            return bool(n_clicks) or no_update
