"""Practice impact: each practice's effect on churn within the chosen horizon, how sure we are, and
how to read it. The horizon selector (:mod:`calmline.dashboard.horizons`) is kept in the URL.
"""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html

from calmline import vocabulary
from calmline.analysis.specification import ADJUSTED_FOR, specification
from calmline.dashboard import data, disputes_panel, horizons, report_route
from calmline.dashboard import filtered_estimates, filters
from calmline.dashboard.filters import not_applied
from calmline.dashboard.grids import CSV_EXPORT, DEFAULT_COLUMN, records, register_exports
from calmline.dashboard.horizons import run_of, run_rows, selector
from calmline.dashboard.figures import dose_plot, forest_plot, hazard_plot, heterogeneity_heatmap, km_plot, practice_label
from calmline.dashboard.figures.disputes import disputes_plot

dash.register_page(__name__, path="/impact", name="Practice impact", title="calmline - practice impact",
                   order=1)

HORIZON = "impact-horizon"
TITLE = "impact-title"
RUN = "impact-run"
FOREST = "impact-forest"
HAZARD = "impact-hazard"
KM_PRACTICE = "impact-km-practice"
KM = "impact-km"
DOSE = {"options_offered": "impact-dose-options", "followup_timing": "impact-dose-followup",
        "compensation_amount": "impact-dose-compensation", "break_minutes": "impact-dose-break"}
HET = {"anger_level": "impact-het-anger", "issue_type": "impact-het-issue"}
READ = "impact-how-to-read"
WARNINGS = "impact-warnings"
SENSITIVITY = "impact-sensitivity"
DISPUTES = "impact-disputes"
DISPUTES_PLOT = "impact-disputes-plot"
FILTER_PANEL = "impact-filter"
FILTER_STATUS = "impact-filter-status"
FILTER_BUTTON = "impact-filter-run"
FILTER_TABLE = "impact-filter-table"
FILTER_GRID = "impact-filter-grid"
FILTER_RESULT = "impact-filter-result"
FILTER_BUTTON_TEXT = filters.ON_DEMAND["impact"]

ASSUMPTION = ("Key assumption: this assumes no unrecorded trait of the agent or the customer drives both the "
              "practice and churn.")
"""The one sentence the page states the estimates rest on."""


def _flag(value) -> bool:
    return value is True or (not isinstance(value, str) and bool(pd.notna(value)) and bool(value))


def _ordered(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """Practices as the forest plot lists them: the most protective main estimate first, none last."""
    return sensitivity.assign(_none=sensitivity["estimate"].isna(),
                              _label=sensitivity["practice"].map(practice_label)).sort_values(
        ["_none", "estimate", "_label"])


def sensitivity_summary(sensitivity: pd.DataFrame) -> str:
    """What the sensitivity checks of a run say overall, in one or two sentences.

    Parameters
    ----------
    sensitivity : DataFrame
        Rows of ``practice_sensitivity`` for one run (empty before a fit that stored them).

    Returns
    -------
    str
        How many practices with an interval clear of zero would survive an unrecorded trait as
        strong as the strongest measured covariate, their E-values, and which practices the
        within-agent estimate disagrees with (and by what rule).
    """
    if sensitivity is None or sensitivity.empty or "e_value_ci" not in sensitivity.columns:
        return "No sensitivity checks stored for this run: run `calmline fit` again to get them."
    clear = sensitivity[pd.to_numeric(sensitivity["e_value_ci"], errors="coerce") > 1]
    survive = clear[[not _flag(v) for v in clear["benchmark_explains_away"]]]
    disagree = [practice_label(p) for p, v in zip(sensitivity["practice"], sensitivity["within_disagrees"])
                if _flag(v)]
    if len(clear):
        low, high = clear["e_value"].min(), clear["e_value"].max()
        evalues = f"E-values {low:.2f}" + (f" to {high:.2f}" if high > low else "")
        text = (f"Of the {len(clear)} practices whose interval excludes no effect, {len(survive)} would still "
                "do so after allowing for an unrecorded trait as strong as the strongest measured covariate "
                f"({evalues}: the risk ratio such a trait would need with both the practice and churn to "
                "explain the estimate away).")
    else:
        text = "No practice's interval excludes no effect, so there is nothing for hidden confounding to explain away."
    text += (" The within-agent estimate (each agent's own calls compared) disagrees for "
             + (", ".join(disagree) if disagree else "no practice")
             + " (flagged ⚠ when the main estimate lies outside its 95% interval).")
    return text


def sensitivity_panel(sensitivity: pd.DataFrame) -> list:
    """Beside the forest plot: each practice's sensitivity checks in plain words, in the plot's order."""
    head = [html.H6("What the data cannot rule out", className="mb-1"),
            html.P(ASSUMPTION + " Per practice, how strong such a trait would have to be, and what comparing "
                   "each agent's own calls says:", className="small mb-2")]
    if sensitivity is None or sensitivity.empty or "reading" not in sensitivity.columns:
        why = (sensitivity.attrs.get("missing") if sensitivity is not None else None) or \
            "No sensitivity checks stored for this run: run `calmline fit` again to get them."
        return head + [html.P(why, className="small text-muted")]
    items = []
    for _, row in _ordered(sensitivity).iterrows():
        flagged = _flag(row.get("within_disagrees"))
        title = practice_label(row["practice"]) + (" (at the landmark)" if row["effect"] == "landmark" else "")
        items.append(html.Li([html.B(title), html.Span(" ⚠ within-agent disagrees", className="text-danger")
                              if flagged else None,
                              html.Div(row["reading"], className="small")],
                             className="mb-2", id=f"{SENSITIVITY}-{row['practice']}-{row['effect']}"))
    return head + [html.Ul(items, className="ps-3 mb-0")]


def how_to_read(horizon_days: int, run=None) -> list:
    """The plain-words reading of the page, and the run's stored specification word for word."""
    words = (
        f"Each dot is how much a practice changes the chance that an upset customer leaves within "
        f"{horizon_days} days, in percentage points: -2 pp means 2 fewer customers lost per 100 upset calls "
        "where the agent used it. Bars are 95% confidence intervals; a bar crossing 0 means the data cannot "
        "rule out no effect. The models compare calls in the same situation ("
        f"{', '.join(label for _, label in ADJUSTED_FOR)}) and with the same other practices, because angry "
        "customers get "
        "more apologies and skilled agents do everything at once: the grey 'naive' dots show how misleading "
        "raw comparisons are. Total effects include what works through resolving the issue and through the "
        "follow-ups a practice brings; 'direct' holds resolution fixed, which is not the headline and can be "
        "biased if something unrecorded drives both resolution and churn. The follow-up happens after the "
        f"call, so it is compared only among customers still with us {vocabulary.FOLLOWUP_WINDOW_DAYS} days "
        "on (the landmark), and never adjusted for in another practice's estimate. Hazard ratios and "
        "survival curves follow customers for as long as we can see them, whatever the horizon. The green "
        "crosses compare each agent's own calls only (agent fixed effects): if a practice only looked good "
        "because good agents do everything, they would sit near 0.")
    spec = specification(horizon_days) if run is None else run["specification"]
    sensitivity = run_rows("practice_sensitivity", run) if run is not None else None
    return [html.P(words, className="mb-1"),
            html.P([html.B(ASSUMPTION), " ", sensitivity_summary(sensitivity)], className="mb-1"),
            html.Details([html.Summary("The model, exactly (as stored with this run)"),
                          html.Div(spec, className="small")])]


def filter_panel() -> dbc.Card:
    """Estimates for this filter: a button that re-estimates the logit AME and AIPW for the calls
    the global filters keep, a spinner while it runs, and the table setting them beside the stored
    centre-wide run (its CSV export holds the same numbers, as numbers)."""
    grid = html.Div([
        dbc.Button("Export CSV", id=f"{FILTER_GRID}-export", size="sm", color="secondary", outline=True,
                   className="mb-1"),
        dag.AgGrid(id=FILTER_GRID, rowData=[], columnDefs=filtered_estimates.column_defs(),
                   defaultColDef=DEFAULT_COLUMN, style={"height": "420px"}, className="ag-theme-alpine",
                   dashGridOptions={"tooltipShowDelay": 300, "suppressColumnVirtualisation": True},
                   csvExportParams={"fileName": "practice-impact-for-filter.csv", **CSV_EXPORT,
                                    "allColumns": False, "columnKeys": filtered_estimates.EXPORTED}),
    ], id=FILTER_TABLE, style={"display": "none"})
    return dbc.Card(dbc.CardBody([
        html.H6("Estimates for this filter", className="mb-1"),
        html.Div(id=FILTER_STATUS, className="small mb-2"),
        dbc.Button(FILTER_BUTTON_TEXT, id=FILTER_BUTTON, size="sm", color="primary", className="mb-2",
                   style={"display": "none"}),
        dcc.Loading(html.Div([html.Div(id=FILTER_RESULT), grid]), type="circle",
                    delay_show=150),
    ]), id=FILTER_PANEL, className="mb-2")


def layout(**_query) -> html.Div:
    return html.Div([
        not_applied("impact", "Centre-wide model results"),
        report_route.download_buttons("impact"),
        dbc.Row([dbc.Col([html.H4(id=TITLE, className="mb-0"), html.Div(id=RUN, className="small text-muted")],
                         className="align-self-center"),
                 dbc.Col(selector(HORIZON), width="auto")], className="mb-2 g-2"),
        dbc.Alert(how_to_read(vocabulary.HEADLINE_HORIZON), color="light", id=READ),
        html.Div(id=WARNINGS),
        filter_panel(),
        dbc.Row([dbc.Col(dcc.Graph(id=FOREST), lg=7),
                 dbc.Col(html.Div(id=SENSITIVITY, style={"maxHeight": "720px", "overflowY": "auto"}),
                         lg=5)], className="g-2"),
        dbc.Row([dbc.Col([dcc.Dropdown(id=KM_PRACTICE, clearable=False, placeholder="Practice"),
                          dcc.Graph(id=KM)], lg=6),
                  dbc.Col(dcc.Graph(id=HAZARD), lg=6)]),
        dbc.Row([dbc.Col(dcc.Graph(id=graph), lg=6) for graph in DOSE.values()]),
        dbc.Row([dbc.Col(dcc.Graph(id=graph), lg=6) for graph in HET.values()]),
        dbc.Row([dbc.Col(html.Div(id=DISPUTES), lg=7), dbc.Col(dcc.Graph(id=DISPUTES_PLOT), lg=5)],
                className="g-2 mt-2"),
    ])


sync_horizon = horizons.sync_callback(HORIZON)
report_links = report_route.follow_filters("impact")


@callback(Output(TITLE, "children"), Output(RUN, "children"), Output(READ, "children"),
          Input(HORIZON, "value"))
@data.per_version
def describe(horizon=None):
    """The page's title, the run it shows and how to read it, for the chosen horizon."""
    return horizons.header(horizon, "Practice impact on", how_to_read)


@callback(
    Output(FOREST, "figure"), Output(HAZARD, "figure"), Output(KM_PRACTICE, "options"),
    Output(KM_PRACTICE, "value"), Output(WARNINGS, "children"),
    *(Output(graph, "figure") for graph in DOSE.values()),
    *(Output(graph, "figure") for graph in HET.values()),
    State("url", "pathname"), Input(HORIZON, "value"),
)
@data.per_version
def update(_pathname, horizon=None):
    """The chosen horizon's newest model run (the default horizon's when none is chosen), all figures."""
    run = run_of(horizon)
    days = vocabulary.HEADLINE_HORIZON if run is None else int(run["horizon_days"])
    effects = run_rows("practice_effects", run)
    dose = run_rows("dose_response", run)
    het = run_rows("effect_heterogeneity", run)
    sensitivity = run_rows("practice_sensitivity", run)
    practices = sorted(effects["practice"].unique()) if len(effects) else []
    options = [{"label": practice_label(p), "value": p} for p in practices]
    warnings = []
    if run is None:
        warnings = [dbc.Alert(effects.attrs["missing"], color="warning")]
    elif len(run["warnings"]):
        warnings = [dbc.Alert([html.Div(w) for w in run["warnings"]], color="info")]
    return (forest_plot(effects, horizon_days=days, sensitivity=sensitivity), hazard_plot(effects), options,
            "took_ownership" if "took_ownership" in practices else (practices[0] if practices else None),
            warnings,
            *(dose_plot(dose, factor, horizon_days=days) for factor in DOSE),
            *(heterogeneity_heatmap(het, dimension, horizon_days=days) for dimension in HET))


@callback(Output(SENSITIVITY, "children"), Input(HORIZON, "value"))
@data.per_version
def update_sensitivity(horizon=None):
    """Beside the forest plot: what the data cannot rule out, per practice, for the chosen horizon's run."""
    return sensitivity_panel(run_rows("practice_sensitivity", run_of(horizon)))


@callback(Output(KM, "figure"), Input(KM_PRACTICE, "value"), Input(HORIZON, "value"))
@data.per_version
def update_km(practice, horizon=None):
    """Kaplan-Meier curves with and without the chosen practice, the horizon marked."""
    run = run_of(horizon)
    return km_plot(run_rows("km_curves", run), practice,
                   horizon_days=None if run is None else int(run["horizon_days"]))


@callback(Output(DISPUTES, "children"), Output(DISPUTES_PLOT, "figure"), Input(HORIZON, "value"))
@data.per_version
def update_disputes(horizon=None):
    """The playbooks' disputed points of the chosen horizon's run: in words, and as a forest plot."""
    run = run_of(horizon)
    days = vocabulary.HEADLINE_HORIZON if run is None else int(run["horizon_days"])
    points = run_rows("disputes", run)
    return (disputes_panel.panel(points, days, DISPUTES),
            disputes_plot(points, horizon_days=days))


register_exports(FILTER_GRID)


@callback(Output(FILTER_STATUS, "children"), Output(FILTER_BUTTON, "style"), Output(FILTER_RESULT, "children"),
          Output(FILTER_GRID, "rowData"), Output(FILTER_TABLE, "style"),
          Input(FILTER_BUTTON, "n_clicks"), Input(filters.STORE, "data"), Input(HORIZON, "value"),
          running=[(Output(FILTER_BUTTON, "disabled"), True, False)])
def update_filtered(_clicks, chosen=None, horizon=None):
    """The filter's estimates beside the centre-wide run: computed when the button is pressed,
    shown at once when this filter and run were estimated before (cached per process)."""
    return filtered_view(chosen, horizon, run_now=ctx.triggered_id == FILTER_BUTTON)


def filtered_view(chosen: dict | None, horizon: int | None, *, run_now: bool) -> tuple:
    """(status line, button style, result message, grid rows, grid style) for the filters ``chosen``
    and the chosen horizon's run; estimates only when ``run_now`` or already cached."""
    hidden, shown = {"display": "none"}, {}
    run = run_of(horizon)
    params = filters.params(chosen)
    if run is None:
        return "No model run yet: run `calmline fit`.", hidden, None, [], hidden
    described = filters.describe(filters.bound(chosen)[0])
    if not filtered_estimates.is_filtered(params):
        return ("The figures below are centre-wide. Set a filter above (team, site, channel, issue type, "
                "anger level, period) to estimate each practice for those calls, beside the centre-wide "
                "run."), hidden, None, [], hidden
    stored = run_rows("practice_effects", run)
    found = filtered_estimates.cached(params, run)
    if found is None and not run_now:
        return ([(f"Filters set ({described}); the figures below are centre-wide (model run "
                  f"{int(run['run_id'])}). Press "), html.B(FILTER_BUTTON_TEXT),
                 (" to estimate the logit AME and AIPW of each practice for the filtered upset calls, beside "
                  "the centre-wide run (it fits the models again on those calls: seconds on a small centre, "
                  "longer on millions of calls).")], shown, None, [], hidden)
    found = found or filtered_estimates.estimate(params, run, stored)
    status = f"Filters: {described}."
    if not found.ok:
        return status, hidden, dbc.Alert(found.refusal, color="warning", className="py-2 mb-0"), [], hidden
    notes = list(dict.fromkeys(w.split(": ", 1)[-1] for w in found.warnings))
    result = [html.Div(filtered_estimates.summary(found, run), className="small"),
              *(html.Div(n, className="small text-muted") for n in notes)]
    table = filtered_estimates.comparison(found, stored)
    return status, hidden, result, records(table), shown


def _warm() -> None:
    """The page's figures as it opens, for each fitted horizon and the default (see :func:`data.warm`)."""
    for horizon in (None, *(int(h) for h in horizons.fitted_runs().get("horizon_days", []))):
        describe(horizon)
        practices = update("/impact", horizon)[3]
        update_sensitivity(horizon)
        update_km(practices, horizon)
        update_disputes(horizon)


data.warm(_warm)
