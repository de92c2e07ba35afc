"""Data health: what was loaded, what was rejected and why, and how fresh everything is.

A load that changed nothing (every file identical to one loaded before, so skipped) is said so at
the top, with the last load that did change the data; the chart shows that load's files.

Rejected rows come a page at a time (:data:`PAGE_ROWS`), with their total; Export CSV writes all of
them (up to :data:`EXPORT_ROWS`) from the server.

Detection vs QA (#17): where the calls' practices came from (QA, transcripts, both, neither), and
per practice how well transcript detection agrees with QA on the calls that have both, QA being
the reference: the numbers of the ``transcript_agreement`` view, as the saved query of the same
name gives them.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html, no_update

from calmline import vocabulary
from calmline.dashboard import data, formats, grids
from calmline.dashboard.filters import not_applied
from calmline.dashboard.figures import funnel_bars
from calmline.terminal import CSV_LINE_END, spreadsheet_safe

dash.register_page(__name__, path="/health", name="Data health", title="calmline - data health", order=4)

FRESHNESS = "health-freshness"
LATEST = "health-latest-load"
FUNNEL = "health-funnel"
BATCHES = "health-batches"
REJECTED = "health-rejected"
REJECTED_COUNT = "health-rejected-count"
REJECTED_PAGE = "health-rejected-page"
REJECTED_EXPORT = f"{REJECTED}-export"
REJECTED_DOWNLOAD = f"{REJECTED}-download"
AGREEMENT = "health-agreement"
AGREEMENT_NOTE = "health-agreement-note"
AGREEMENT_BOX = "health-agreement-box"
PAGE_ROWS = 500
"""Rejected rows sent to the browser at a time."""
KAPPA_RULES = 0.6
"""Below this kappa, detection misses the centre's phrasing: its rules need the centre's own phrases."""
RULE_FILE = "calmline/transcripts/rules/en.toml"
"""The shipped rule file the page points to (a centre adds its phrases in a TOML file of its own)."""
AGREEMENT_HEADERS = {
    "practice": "practice", "kind": "kind", "n_calls": "calls compared", "agreeing": "calls agreeing",
    "agreement": "agreement (% of calls)", "kappa": "Cohen's kappa", "kappa_low": "kappa: 95% CI low",
    "kappa_high": "kappa: 95% CI high", "precision": "precision (% of detected)",
    "precision_low": "precision: 95% CI low", "precision_high": "precision: 95% CI high",
    "recall": "recall (% of QA yes)", "recall_low": "recall: 95% CI low", "recall_high": "recall: 95% CI high",
    "tp": "QA yes, detected (calls)", "fp": "QA no, detected (calls)", "fn": "QA yes, missed (calls)",
    "tn": "QA no, not detected (calls)",
}
"""The Detection vs QA table's headers, units stated; the CSV export keeps the field names."""
KAPPA = {"function": "params.value == null ? '–' : d3.format('.2f')(params.value)"}
EXPORT_ROWS = 1_000_000
"""Most rejected rows one CSV export writes."""


def layout(**_query) -> html.Div:
    return html.Div([
        not_applied("health", "Every load and every file"),
        html.Div(id=LATEST),
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
        html.H5("Detection vs QA", className="mt-3"),
        html.Div(id=AGREEMENT_NOTE),
        html.Div(grids.grid(AGREEMENT, height=420), id=AGREEMENT_BOX),
    ])


def freshness_cards(fresh, history=None) -> list:
    """Cards: the as-of date, the last load, the last load that changed data, the last model run
    and the calls loaded (times in UTC)."""
    changed = last_change(history)

    def card(title, value):
        return dbc.Col(dbc.Card(dbc.CardBody([html.Div(title, className="text-muted small"),
                                              html.H5(value, className="mb-0")])))
    if fresh.empty:
        if history is None or history.empty:
            return [dbc.Col(dbc.Alert(fresh.attrs.get("missing", "No data loaded yet."), color="warning"))]
        # loaded but not fitted yet: freshness needs model_runs; the loads are still worth showing
        return [card("Last load (UTC)", str(history.iloc[0]["finished_at"])[:16]),
                card("Data last changed (UTC)", f"{str(changed.finished_at)[:16]}, batch {changed.batch_id}"
                     if changed is not None else "never"),
                card("Last model run (UTC)", "none yet: run `calmline fit`")]
    row = fresh.iloc[0]
    return [card("As-of date", str(row.as_of)[:10]), card("Last load (UTC)", str(row.last_load)[:16]),
            card("Data last changed (UTC)", f"{str(changed.finished_at)[:16]}, batch {changed.batch_id}"
                 if changed is not None else "never"),
            card("Last model run (UTC)", str(row.last_fit)[:16] if row.last_fit is not None else "none yet"),
            card("Calls loaded", formats.count(row.calls))]


def last_change(history):
    """The newest load that changed data (a row new or updated), as a row of ``load_history``; None
    when there is none."""
    if history is None or history.empty or "changed_data" not in history:
        return None
    changed = history[history["changed_data"].fillna(False).astype(bool)]
    return None if changed.empty else changed.iloc[0]


def latest_load_notice(history) -> list:
    """What the latest load did, when it changed no data: its files identical to ones loaded before
    and skipped (or read again with every row unchanged), and the last load that changed data.
    Nothing when the latest load changed data or nothing was loaded."""
    if history is None or history.empty or "changed_data" not in history:
        return []
    latest = history.iloc[0]
    if bool(latest["changed_data"]):
        return []
    when = str(latest["finished_at"])[:16]
    files, skipped = int(latest["files"]), int(latest["files_skipped"])
    if skipped == files:
        what = (f"all {formats.count(files)} files were identical to files loaded before and were skipped "
                f"(`calmline etl --reload` reads them again)")
    else:
        what = (f"{formats.count(skipped)} of {formats.count(files)} files were identical to files loaded "
                f"before and skipped; the other {formats.count(files - skipped)} were read "
                f"({formats.count(latest['rows_read'])} rows) with no row new or changed"
                + (f" and {formats.count(latest['rows_rejected'])} rejected" if latest["rows_rejected"] else ""))
    changed = last_change(history)
    since = ("No load has changed data yet." if changed is None else
             f"The data last changed in batch {changed.batch_id} ({str(changed.finished_at)[:16]} UTC): "
             f"{formats.count(changed.rows_new)} rows new, {formats.count(changed.rows_updated)} updated, "
             f"{formats.count(changed.rows_rejected)} rejected; the chart below shows that load.")
    return [dbc.Alert([html.B(f"The latest load (batch {latest['batch_id']}, {when} UTC) changed nothing: "),
                       what + ". ", since], color="info", className="mb-2")]


def rejected_page(page: int | None):
    """Rows of page ``page`` (from 1) of the rejected rows."""
    page = max(1, int(page or 1))
    return data.frame("rejected_rows", limit=PAGE_ROWS, offset=(page - 1) * PAGE_ROWS)


def rejected_total() -> int:
    counted = data.frame("rejected_rows_count")
    return int(counted["rows"].iloc[0]) if len(counted) else 0


@callback(Output(LATEST, "children"), Output(FRESHNESS, "children"), Output(FUNNEL, "figure"),
          Output(BATCHES, "rowData"), Output(BATCHES, "columnDefs"), Output(REJECTED, "rowData"),
          Output(REJECTED, "columnDefs"), Input("url", "pathname"))
@data.per_version
def update(_pathname):
    """The page: the latest load's notice, freshness cards, the files of the last load that changed
    data (the latest load when none did), every file of every load, the first page of rejected rows."""
    fresh = data.frame("freshness")
    batches = data.frame("load_batches")
    history = data.frame("load_history")
    rejected = rejected_page(1)
    changed = last_change(history)
    shown = changed.batch_id if changed is not None else (batches["batch_id"].max() if len(batches) else None)
    latest = batches[batches["batch_id"] == shown] if len(batches) else batches
    funnel = funnel_bars(latest)
    if len(batches) and shown != batches["batch_id"].max():
        funnel.update_layout(title_text=f"Rows loaded and rejected in batch {shown}, the last load that "
                                        f"changed data")
    counts = ("rows_read", "rows_loaded", "rows_rejected", "rows_inserted", "rows_updated", "rows_unchanged")
    return (latest_load_notice(history), freshness_cards(fresh, history), funnel, grids.records(batches),
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


def source_sentence(sources) -> str:
    """Where the calls' practices came from, in calls, from a ``practice_sources`` row."""
    row = sources.iloc[0]
    return (f"Practices of {formats.count(row.calls)} calls: {formats.count(row.from_qa)} from QA scores, "
            f"{formats.count(row.from_transcript)} from transcripts (QA left them empty), "
            f"{formats.count(row.from_both)} from both (QA's value where it scored, the transcript's for "
            f"the rest), {formats.count(row.from_neither)} from neither (not assessed). "
            f"{formats.count(row.with_transcript)} calls have a transcript; "
            f"{formats.count(row.compared)} have both a QA score and a transcript for at least one practice "
            f"and are compared below; a practice's own count is its row's calls compared (QA may have left "
            f"that practice empty on some of them).")


REFERENCE = ("QA is the reference: on the calls that have both, QA's value is the one the analysis uses. "
             "Agreement is the share of those calls on which detection gives the same value (for options "
             "offered, the same count); precision is the share of the calls detection marked as done that "
             "QA marked done; recall the share of the calls QA marked done that detection found; Cohen's "
             "kappa is agreement beyond chance (1 perfect, 0 chance), with its 95% interval. ")


def agreement_note(sources, agreement) -> list:
    """The section's text: where the practices came from, then how to read the table, or why there
    is no table (no transcripts, none of a QA-scored call, or a database loaded before this view)."""
    if sources.empty or agreement.attrs.get("missing"):
        why = agreement.attrs.get("missing") or sources.attrs.get("missing", "no data loaded yet")
        return [dbc.Alert(f"Detection vs QA is not available: {why} (`calmline etl` builds it).",
                          color="warning")]
    said = [html.P(source_sentence(sources), className="mb-1")]
    if not int(sources.iloc[0].with_transcript):
        return said + [dbc.Alert("No transcripts are loaded, so every practice comes from the QA scores of the "
                                 "calls file and there is nothing to compare detection with. Add a "
                                 "transcripts/ folder or a transcripts.jsonl file to the source folder and "
                                 "run `calmline etl` (README: Transcripts).", color="info")]
    if agreement.empty:
        return said + [dbc.Alert("No call has both a QA score and a transcript, so detection cannot be "
                                 "compared with QA yet: transcripts fill only what QA left empty.", color="info")]
    weak = [_label(r.practice, r.kind) for r in agreement.itertuples()
            if not formats.is_missing(r.kappa) and r.kappa < KAPPA_RULES]
    advice = (f"Kappa below {KAPPA_RULES} means the rules miss how this centre's agents say it: add the "
              f"centre's own phrases in a rule file (see {RULE_FILE} and the README's Transcripts section).")
    if weak:
        advice += f" Below {KAPPA_RULES} here: {', '.join(weak)}."
    return said + [html.P(REFERENCE + advice, className="small text-muted mb-1")]


def _label(practice: str, kind: str) -> str:
    """A practice's label; a count column (options_offered) named as itself, compared exactly."""
    if kind == "count":
        return practice.replace("_", " ").capitalize() + " (exact count)"
    return vocabulary.label(practice)


def agreement_columns(agreement) -> list[dict]:
    """The table's columns: shares as percent, kappa to two decimals (in red below
    :data:`KAPPA_RULES`), counts with separators; headers say the unit."""
    shares = ("agreement", "precision", "precision_low", "precision_high", "recall", "recall_low", "recall_high")
    counts = ("n_calls", "agreeing", "tp", "fp", "fn", "tn")
    defs = grids.columns(agreement, percent=shares, counts=counts)
    labels = {**grids.PRACTICE_LABELS,
              **{r.practice: _label(r.practice, r.kind) for r in agreement.itertuples()}}
    for col in defs:
        col["headerName"] = AGREEMENT_HEADERS.get(col["field"], col["headerName"])
        # narrow columns with wrapped headers: the shares and kappa's interval fit one screen
        col |= {"width": {"practice": 210, "kind": 80}.get(col["field"], 115), "wrapHeaderText": True,
                "autoHeaderHeight": True}
        if col["field"] == "practice":
            col["refData"] = labels
            col["pinned"] = "left"
        elif col["field"] in ("kappa", "kappa_low", "kappa_high"):
            col["valueFormatter"], col["useValueFormatterForExport"] = KAPPA, False
        if col["field"] == "kappa":
            col["cellClassRules"] = {"text-danger fw-bold": f"params.value != null && params.value < {KAPPA_RULES}"}
    return defs


@callback(Output(AGREEMENT_NOTE, "children"), Output(AGREEMENT, "rowData"), Output(AGREEMENT, "columnDefs"),
          Output(AGREEMENT_BOX, "style"), Input("url", "pathname"))
@data.per_version
def agreement(_pathname):
    """Detection vs QA: the sources sentence, and the agreement table (hidden when it has no rows)."""
    sources = data.frame("practice_sources")
    table = data.frame("transcript_agreement")
    note = agreement_note(sources, table)
    hidden = {"display": "none"} if table.empty else {}
    return note, grids.records(table), agreement_columns(table), hidden


grids.register_exports(BATCHES, AGREEMENT)


def _warm() -> None:
    """The page as it opens (see :func:`data.warm`)."""
    update("/health")
    agreement("/health")


data.warm(_warm)
