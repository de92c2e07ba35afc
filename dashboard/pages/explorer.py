"""Query explorer, for analysts: saved queries with typed parameters, or their own SQL, run in a
locked-down sandbox (read-only, no files, no network, time and memory limits); results in a
sortable grid, a chart of them (rates on a percent axis), CSV export up to the export cap, the schema,
this session's history, and the analyst's own library: the query last run saved under a title, and
opened again, or by someone else, through its link ``/explorer?q=ID``
(:mod:`calmline.explorer.user_library`).
"""

from __future__ import annotations

import time

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, dcc, get_relative_path, html, no_update
from dash.exceptions import MissingCallbackContextException

from calmline.dashboard import data, explorer_threads, formats, grids
from calmline.dashboard.filters import not_applied
from calmline.terminal import CSV_LINE_END, spreadsheet_safe
from calmline.dashboard.figures.explore import KINDS, chart_defaults, numeric_columns, result_chart
from calmline.explorer.saved_queries import library
from calmline.explorer.sandbox import QueryFailed, Refused
from calmline.explorer.user_library import MAX_TITLE, Entry, LibraryError

dash.register_page(__name__, path="/explorer", name="Query explorer",
                   title="calmline - query explorer", order=3)

SAVED = "explorer-saved"
ABOUT = "explorer-about"
PARAMS = "explorer-params"
PARAM = "explorer-param"
RUN_SAVED = "explorer-run-saved"
SQL = "explorer-sql"
RUN_SQL = "explorer-run-sql"
STATUS = "explorer-status"
RESULT = "explorer-result"
EXPORT = "explorer-export"
DOWNLOAD = "explorer-download"
KIND, X, Y, COLOUR = "explorer-kind", "explorer-x", "explorer-y", "explorer-colour"
CHART = "explorer-chart"
SCHEMA = "explorer-schema"
SCHEMA_TABLE = "explorer-schema-table"
HISTORY = "explorer-history"
HISTORY_STORE = "explorer-history-store"
LAST = "explorer-last"
PERCENT = "explorer-percent"
TITLE = "explorer-title"
SAVE = "explorer-save"
SAVE_NOTE = "explorer-save-note"
MINE = "explorer-mine"
OPENED = "explorer-opened"
OPEN_ID = "explorer-open-id"
DELETE = "explorer-delete"
SHARE_LINK = "explorer-share-link"
SHARED_PARAM = "q"
"""The URL parameter of a saved query opened by link: ``/explorer?q=ID``."""
SQL_PLACEHOLDER = ("Write one read-only query here: a SELECT, WITH, DESCRIBE or SUMMARIZE statement. "
                   "The tables and their columns are listed on the left.")
"""Words, not SQL, so an empty editor is never mistaken for a query ready to run (#11.15)."""
HISTORY_SIZE = 30
SCHEMA_COLUMNS = [
    {"field": "table", "headerName": "table", "tooltipField": "table_description", "width": 150},
    {"field": "column", "headerName": "column", "tooltipField": "description", "width": 150},
    {"field": "type", "headerName": "type", "width": 100},
    {"field": "description", "headerName": "description", "tooltipField": "description", "flex": 1,
     "minWidth": 220},
]
"""The schema browser's columns; hovering a table shows what it holds, a description its full text."""
SCHEMA_HINT = ("Click a row to read what its table holds; hover a cell for its full text. The same list is "
               "queryable in SQL as data_dictionary.")


def layout(**query) -> html.Div:
    browser = _for_a_browser()
    why = explorer_threads.refusal() if browser else None
    if why:
        return dbc.Alert(why, color="secondary", id=STATUS)
    options = [{"label": f"{q.title} ({', '.join(q.audience)})", "value": q.name} for q in library().values()]
    opened = opened_entry(query.get(SHARED_PARAM)) if browser else None
    start = _prefill(opened)
    return html.Div([
        not_applied("explorer", "Queries read the whole database"),
        html.Div(opened_banner(query.get(SHARED_PARAM), opened) if browser else None, id=OPENED),
        dcc.Store(id=OPEN_ID, data=opened.id if opened is not None else None),
        dbc.Button("Delete this query from my library", id=DELETE, size="sm", color="danger", outline=True,
                   className="mb-2", style=_deletable(opened) if browser else {"display": "none"}),
        dbc.Row([
            dbc.Col([
                html.H5("Saved queries"),
                dcc.Dropdown(id=SAVED, options=options, placeholder="Pick a saved query", clearable=False,
                             value=start["saved"]),
                html.Div(start["about"], id=ABOUT, className="small text-muted my-2"),
                html.Div(start["params"], id=PARAMS),
                dbc.Button("Run saved query", id=RUN_SAVED, color="primary", className="mt-2",
                           disabled=start["saved"] is None),
                html.H5("My queries", className="mt-4"),
                html.Div(my_queries() if browser else None, id=MINE, className="small"),
                html.H5("Tables and columns", className="mt-4"),
                dag.AgGrid(id=SCHEMA, rowData=[], columnDefs=SCHEMA_COLUMNS,
                           defaultColDef={"sortable": True, "filter": True, "resizable": True},
                           dashGridOptions={"rowSelection": "single", "enableBrowserTooltips": True},
                           style={"height": "320px"}, className="ag-theme-alpine"),
                html.Div(SCHEMA_HINT, id=SCHEMA_TABLE, className="small text-muted my-2"),
            ], lg=4),
            dbc.Col([
                html.H5("SQL"),
                dbc.Textarea(id=SQL, rows=8, spellcheck=False, style={"fontFamily": "monospace"},
                             placeholder=SQL_PLACEHOLDER, value=start["sql"]),
                html.Div([
                    dbc.Button("Run SQL", id=RUN_SQL, color="primary", className="me-2"),
                    html.Span("One SELECT, WITH, DESCRIBE or SUMMARIZE statement; read-only; "
                              f"stopped after {explorer_threads.limits().seconds:g} s.", className="small text-muted"),
                ], className="my-2"),
                dcc.Loading(html.Div(id=STATUS)),
                dbc.InputGroup([
                    dbc.Input(id=TITLE, placeholder="A title for the query last run", maxLength=MAX_TITLE,
                              value=start["title"]),
                    dbc.Button("Save to my library", id=SAVE, color="secondary"),
                ], size="sm", className="mb-1"),
                html.Div(id=SAVE_NOTE),
                dbc.Button("Export CSV", id=EXPORT, size="sm", color="secondary", outline=True,
                           className="mb-1", disabled=True),
                dcc.Download(id=DOWNLOAD),
                dag.AgGrid(id=RESULT, rowData=[], columnDefs=[], style={"height": "420px"},
                           defaultColDef={"sortable": True, "filter": True, "resizable": True},
                           className="ag-theme-alpine"),
                dbc.Row([
                    dbc.Col(dcc.Dropdown(id=KIND, options=list(KINDS), value="bar", clearable=False), md=3),
                    dbc.Col(dcc.Dropdown(id=X, placeholder="x"), md=3),
                    dbc.Col(dcc.Dropdown(id=Y, placeholder="y"), md=3),
                    dbc.Col(dcc.Dropdown(id=COLOUR, placeholder="colour"), md=3),
                ], className="g-1 mt-2"),
                dbc.RadioItems(id=PERCENT, inline=True, value="auto", className="small mt-1", options=[
                    {"label": "y axis: percent for rates (0 to 1) named as such", "value": "auto"},
                    {"label": "always percent", "value": "percent"}, {"label": "plain numbers", "value": "plain"}]),
                dcc.Graph(id=CHART),
                html.H6("This session's queries (click one to load it again)"),
                dag.AgGrid(id=HISTORY, rowData=[], columnDefs=[
                    {"field": f, "headerName": f} for f in ("at", "query", "rows", "outcome")],
                    defaultColDef={"resizable": True}, dashGridOptions={"rowSelection": "single"},
                    style={"height": "220px"}, className="ag-theme-alpine"),
            ], lg=8),
        ]),
        dcc.Store(id=LAST, data=opened.request if opened is not None else None),
        dcc.Store(id=HISTORY_STORE, storage_type="session"),
    ])


def _for_a_browser() -> bool:
    """Whether Dash is rendering the page for someone's browser (in its page-routing callback).

    Dash also calls every page's ``layout()`` once, on the server's first request, whoever made it,
    to learn which ids the callbacks may use (callback validation). With sign-in that request is
    usually a browser's unsigned first try, so refusing it would leave the editor's ids out, and
    every browser would log an "ID not found in layout" error per explorer callback, on every
    page. That pass gets the whole editor; who may use it is decided per page render and per
    callback (:func:`calmline.dashboard.explorer_threads.refusal`).
    """
    try:
        ctx.triggered_id  # noqa: B018 - only available inside a callback
    except (MissingCallbackContextException, LookupError):
        return False
    return True


# The analyst's own library: save the query last run, open one by link, share it -----------------

def opened_entry(ident) -> Entry | None:
    """The saved query a ``?q=ID`` link opens (anyone's: the link is the permission); None if none."""
    if not ident:
        return None
    try:
        return explorer_threads.user_library().get(ident)
    except LibraryError:
        return None


def _prefill(entry: Entry | None) -> dict:
    """What the editor starts with: empty, or the opened entry (its SQL, or its saved query and values)."""
    start = {"saved": None, "about": None, "params": None, "sql": None, "title": None}
    if entry is None:
        return start
    start["title"] = entry.title
    if entry.request["kind"] == "sql":
        start["sql"] = entry.request["sql"]
    elif entry.request["name"] in library():
        about, inputs, _, sql = show_saved(entry.request["name"], entry.request["params"])
        start.update(saved=entry.request["name"], about=about, params=inputs, sql=sql)
    return start


def share_href(ident: str) -> str:
    """The link that opens saved query ``ident`` (absolute within a request, so it can be copied)."""
    path = get_relative_path("/explorer") + f"?{SHARED_PARAM}={ident}"
    try:
        import flask

        return flask.request.host_url.rstrip("/") + path if flask.has_request_context() else path
    except RuntimeError:
        return path


def share_box(ident: str, where: str) -> html.Div:
    """The share link, selectable, with a copy button (``where`` keeps the ids of two boxes apart)."""
    box = f"{SHARE_LINK}-{where}"
    return html.Div([
        html.Span("Share: ", className="small me-1"),
        dcc.Input(id=box, value=share_href(ident), readOnly=True, size="60", className="small"),
        dcc.Clipboard(target_id=box, title="Copy the link", className="d-inline ms-1"),
    ], className="d-flex align-items-center")


def opened_banner(ident, entry: Entry | None):
    """What opening a ``?q=`` link shows above the editor: whose query it is, and what may be done with it.
    Titles and names are shown as text, never as HTML."""
    if not ident:
        return None
    if entry is None:
        return dbc.Alert("No saved query has this link: it may have been deleted, or the link was cut short.",
                         color="warning", className="py-1")
    own = entry.owner == explorer_threads.library_owner()
    saved = entry.updated_at.replace("T", " ")[:16]
    if own:
        words = [html.B(entry.title), f" — your saved query (saved {saved} UTC). Save it under the same title "
                 "to replace it; the link stays the same."]
    else:
        words = [html.B(entry.title), f" — shared by {entry.owner} (saved {saved} UTC). Read-only: run it, or "
                 "save it to your library to keep a copy of your own."]
    return dbc.Alert([html.Div(words), html.Div(entry.describe(), className="small text-muted"),
                      share_box(entry.id, "opened")], color="info", className="py-2 mb-1")


def _deletable(entry: Entry | None) -> dict | None:
    """The delete button's style: shown only for the user's own entry."""
    return None if entry is not None and entry.owner == explorer_threads.library_owner() else {"display": "none"}


def my_queries() -> list:
    """The signed-in user's saved queries, newest first, each a link that opens it."""
    try:
        mine = explorer_threads.user_library().mine(explorer_threads.library_owner())
    except LibraryError as exc:
        return [html.Div(str(exc), className="text-danger")]
    owner = explorer_threads.library_owner()
    whose = (html.Div(f"Signed in as {owner}: only you can change these; anyone with a link can open one.",
                      className="text-muted") if explorer_threads.settings().users is not None else
             html.Div("No sign-in on this server: everyone using it shares this one library.", className="text-muted"))
    if not mine:
        return [whose, html.Div("None yet: run a query, give it a title and save it.", className="text-muted")]
    return [whose, html.Ul([html.Li([dcc.Link(e.title, href=f"{get_relative_path('/explorer')}?{SHARED_PARAM}={e.id}"),
                              html.Span(f" · {e.updated_at[:10]}", className="text-muted")])
                     for e in mine], className="ps-3 mb-0")]


@callback(Output(SAVE_NOTE, "children"), Output(MINE, "children"), Output(OPENED, "children"),
          Output(OPEN_ID, "data"), Output(DELETE, "style"),
          Input(SAVE, "n_clicks"), Input(DELETE, "n_clicks"), State(TITLE, "value"), State(LAST, "data"),
          State(OPEN_ID, "data"), prevent_initial_call=True)
def save_or_delete(_save, _delete, title, last, open_id):
    """Save the query last run to the user's library under ``title`` (replacing their entry of that
    title), or delete the entry opened by link if it is theirs; then show the link to share."""
    if explorer_threads.refusal():
        return dbc.Alert(explorer_threads.refusal(), color="secondary"), *(no_update,) * 4
    shelf, owner = explorer_threads.user_library(), explorer_threads.library_owner()
    try:
        if ctx.triggered_id == DELETE:
            if not open_id or not shelf.delete(owner, open_id):
                return dbc.Alert("Only your own saved queries can be deleted.", color="warning"), *(no_update,) * 4
            return (dbc.Alert("Deleted from your library; its link no longer opens it.", color="success"),
                    my_queries(), None, None, {"display": "none"})
        entry = shelf.save(owner, title, last)
    except LibraryError as exc:
        return dbc.Alert(str(exc), color="warning", className="py-1"), *(no_update,) * 4
    note = dbc.Alert([html.Div(["Saved to your library as ", html.B(entry.title), "."]),
                      share_box(entry.id, "saved")], color="success", className="py-1")
    return note, my_queries(), no_update, no_update, no_update


def param_input(param, value: str | None = None) -> dbc.Row:
    """A typed input for one saved-query parameter, showing ``value`` (text as the user gave it)."""
    ident = {"type": PARAM, "name": param.name}
    if param.choices:
        control = dcc.Dropdown(id=ident, options=list(param.choices), value=value,
                               placeholder="all", clearable=True)
    else:
        kind = {"date": "date", "int": "number", "float": "number"}.get(param.type, "text")
        control = dbc.Input(id=ident, type=kind, value=value, placeholder="all" if param.default is None
                            else None, step="any" if param.type == "float" else None, debounce=True)
    return dbc.Row([dbc.Label(param.help or param.name, width=5, className="small"), dbc.Col(control, width=7)],
                   className="mb-1")


def show_saved(name, values: dict | None = None):
    """What picking a saved query shows: what it does, its parameters as inputs (with ``values`` by
    name where given, None being empty, else their defaults), the run button's state, and its SQL."""
    query = library().get(name)
    if query is None:
        return "", [], True, no_update
    values = values or {}
    inputs = [param_input(p, values[p.name] if p.name in values else p.default) for p in query.params]
    return query.description, inputs, False, query.sql


@callback(Output(ABOUT, "children"), Output(PARAMS, "children"), Output(RUN_SAVED, "disabled"),
          Output(SQL, "value"), Output(SAVED, "value"),
          Input(SAVED, "value"), Input(HISTORY, "selectedRows"), State(HISTORY_STORE, "data"),
          prevent_initial_call=True)
def choose(name, selected, history):
    """Picking a saved query shows it with its defaults. Clicking a line of this session's history
    loads that query again: its SQL into the editor, or its saved query with the values it ran with
    (one callback, so the defaults of the pick never overwrite them)."""
    if ctx.triggered_id != HISTORY:
        return *show_saved(name), no_update
    request = _from_history(selected, history)
    if request is None:
        return (no_update,) * 5
    if request["kind"] == "sql":
        return no_update, no_update, no_update, request["sql"], no_update
    return *show_saved(request["name"], request["params"]), request["name"]


def _from_history(selected, history) -> dict | None:
    """The run request of the history line the user clicked, if it is still in the history."""
    if not selected:
        return None
    return next((h["request"] for h in history or [] if h["at"] == selected[0]["at"]
                 and h["query"] == selected[0]["query"]), None)


@callback(Output(SCHEMA, "rowData"), Input(SCHEMA, "id"))
def show_schema(_id):
    """The tables and columns analysts can query (nothing for anyone else)."""
    if explorer_threads.refusal():
        return []
    return grids.records(_schema())


@data.per_version
def _schema() -> pd.DataFrame:
    # the sandbox's rows, read in this process (explorer_threads.schema): no query process to start
    return explorer_threads.schema()


def _warm() -> None:
    """The schema browser's rows, read in the background when ``CALMLINE_WARM=1`` (see
    :func:`calmline.dashboard.data.warm`). Since they are read in this process (~20-60 ms), not
    in a sandbox process, this only saves an analyst's first visit to a worker those milliseconds;
    a sandbox opened by anything it calls is closed again at once."""
    if not explorer_threads.settings().explorer:
        return
    try:
        _schema()
    finally:
        explorer_threads.close_thread_sandbox()


data.warm(_warm, first=True)  # before the reports' and model pages' figures: it waits on a child process


@callback(Output(SCHEMA_TABLE, "children"), Input(SCHEMA, "selectedRows"), prevent_initial_call=True)
def show_table(selected):
    """What the table of the clicked schema row holds (its grain, what it is for)."""
    if not selected:
        return SCHEMA_HINT
    row = selected[0]
    return [html.B(row.get("table", "")), ": ", row.get("table_description") or "no description"]


@callback(
    Output(RESULT, "rowData"), Output(RESULT, "columnDefs"), Output(STATUS, "children"),
    Output(LAST, "data"), Output(HISTORY_STORE, "data"), Output(EXPORT, "disabled"),
    Output(X, "options"), Output(Y, "options"), Output(COLOUR, "options"),
    Output(KIND, "value"), Output(X, "value"), Output(Y, "value"), Output(COLOUR, "value"),
    Input(RUN_SAVED, "n_clicks"), Input(RUN_SQL, "n_clicks"),
    State(SAVED, "value"), State({"type": PARAM, "name": ALL}, "value"), State({"type": PARAM, "name": ALL}, "id"),
    State(SQL, "value"), State(HISTORY_STORE, "data"),
    prevent_initial_call=True,
)
def run(_saved_clicks, _sql_clicks, name, values, ids, sql, history):
    """Run the saved query or the SQL, whichever button was pressed."""
    if explorer_threads.refusal():
        return [], [], dbc.Alert(explorer_threads.refusal(), color="secondary"), *([no_update] * 10)
    if ctx.triggered_id == RUN_SAVED:
        request = {"kind": "saved", "name": name,
                   "params": {i["name"]: (None if v in ("", None) else str(v)) for i, v in zip(ids, values)}}
    else:
        request = {"kind": "sql", "sql": sql or ""}
    outcome = execute(request)
    history = [entry(request, outcome), *(history or [])][:HISTORY_SIZE]
    if isinstance(outcome, str):
        return ([], [], dbc.Alert(outcome, color="danger"), no_update, history, True,
                *([no_update] * 7))
    result, note = outcome
    frame = result.frame
    columns = list(frame.columns)
    first = chart_defaults(frame)
    return (grids.records(_as_shown(result)), grids.columns(frame),
            dbc.Alert(note, color="warning" if result.truncated else "success"),
            request, history, False, columns, numeric_columns(frame) or columns, columns,
            first["kind"], first["x"], first["y"], first["colour"])


def _as_shown(result) -> pd.DataFrame:
    """The result's values as the grid shows them: a DATE as 2025-01-31, a timestamp to the second,
    as the CSV export and `calmline query` write them (not a date with a made-up 00:00)."""
    frame = result.frame.copy()
    kinds = [kind for _, kind in result.columns]  # by position: the frame renames repeated names
    for position, name in enumerate(frame.columns):
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            day = position < len(kinds) and kinds[position] == "DATE"
            text = values.dt.strftime("%Y-%m-%d" if day else "%Y-%m-%d %H:%M:%S")
            frame[name] = text.astype(object).where(values.notna(), None)
    return frame


def execute(request: dict, *, export: bool = False):
    """(result, status note) for a run request, or the message saying why it did not run."""
    box = explorer_threads.sandbox()
    cap = explorer_threads.limits().export_rows if export else explorer_threads.limits().display_rows
    try:
        if request["kind"] == "saved":
            result = box.saved(request["name"], request["params"], limit=cap)
        else:
            result = box.run(request["sql"], limit=cap)
    except Refused as exc:
        return f"Not run: {exc}"
    except QueryFailed as exc:
        return f"Stopped: {exc}" if exc.kind in ("timeout", "memory") else f"Failed: {exc}"
    except (ValueError, KeyError) as exc:
        return f"Not run: {exc}"
    shown = f"{formats.count(len(result.frame))} rows in {result.seconds:.2f} s"
    if result.truncated:
        shown = (f"Showing the first {formats.count(result.limit)} rows only (the result has more); "
                 f"{result.seconds:.2f} s. Export gives up to {formats.count(explorer_threads.limits().export_rows)}.")
    return result, shown


def entry(request: dict, outcome) -> dict:
    """One line of the session's query history."""
    text = request.get("sql") if request["kind"] == "sql" else f"saved: {request['name']} " + ", ".join(
        f"{k}={v}" for k, v in request["params"].items() if v is not None)
    failed = isinstance(outcome, str)
    return {"at": time.strftime("%H:%M:%S"), "query": " ".join((text or "").split())[:300],
            "rows": None if failed else len(outcome[0].frame),
            "outcome": outcome if failed else outcome[1], "request": request}


@callback(Output(HISTORY, "rowData"), Input(HISTORY_STORE, "data"))
def show_history(history):
    return [{k: v for k, v in h.items() if k != "request"} for h in history or []]


@callback(Output(CHART, "figure"), Input(RESULT, "rowData"), Input(KIND, "value"), Input(X, "value"),
          Input(Y, "value"), Input(COLOUR, "value"), Input(PERCENT, "value"))
def draw(rows, kind, x, y, colour, percent="auto"):
    """The chart follows the result, the chosen chart type and columns, and the y axis's scale."""
    return result_chart(pd.DataFrame(rows or []), kind, x, y, colour,
                        percent={"percent": True, "plain": False}.get(percent))


@callback(Output(DOWNLOAD, "data"), Output(STATUS, "children", allow_duplicate=True),
          Input(EXPORT, "n_clicks"), State(LAST, "data"), prevent_initial_call=True)
def export(_clicks, request):
    """The last query's whole result as CSV, up to the export cap (run again for it)."""
    if not request or explorer_threads.refusal():
        return no_update, no_update
    outcome = execute(request, export=True)
    if isinstance(outcome, str):
        return no_update, dbc.Alert(outcome, color="danger")
    result, note = outcome
    safe = spreadsheet_safe(result.frame)  # text starting like a formula gets a leading '
    return (dcc.send_data_frame(safe.to_csv, "calmline-query.csv", index=False, lineterminator=CSV_LINE_END),
            dbc.Alert(f"Exported {note}", color="success"))
