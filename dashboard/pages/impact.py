"""Practice impact: each practice's effect on churn within the chosen horizon, how sure we are, and
how to read it.

The horizon selector is kept in the URL (``?horizon=30``) beside the global filters. It offers
the horizons that have been fitted, each shown from its newest model run; without a choice the
page shows the headline horizon (:data:`calmline.vocabulary.HEADLINE_HORIZON`) if it has been
fitted, else the newest run's. The Training priorities page uses the same selector, through the
functions below.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from calmline import vocabulary
from calmline.analysis.specification import ADJUSTED_FOR, specification
from calmline.dashboard import data
from calmline.dashboard.figures import dose_plot, forest_plot, hazard_plot, heterogeneity_heatmap, km_plot, practice_label
from calmline.dashboard.figures.effects import horizon_words

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

HORIZON_PARAM = "horizon"
"""The URL query parameter that keeps the chosen horizon (in days)."""


# The horizon selector (shared with the Training priorities page) ------------------------------

def fitted_runs() -> pd.DataFrame:
    """One row per fitted horizon: its newest run (run_id, horizon_days, created_at, n_calls,
    n_events, warnings, ...) and is_default; empty, saying why, before the first fit."""
    return data.frame("fitted_horizons", headline=vocabulary.HEADLINE_HORIZON)


def horizon_in(search: str | None) -> int | None:
    """The horizon a URL query string asks for (``?horizon=30`` -> 30); None if none or not a number."""
    for key, value in parse_qsl((search or "").lstrip("?")):
        if key == HORIZON_PARAM:
            try:
                return int(value)
            except ValueError:
                return None
    return None


def with_horizon(search: str | None, horizon: int) -> str:
    """The URL query string with the horizon set to ``horizon``; every other parameter kept as it is."""
    pairs = [(k, v) for k, v in parse_qsl((search or "").lstrip("?")) if k != HORIZON_PARAM]
    return "?" + urlencode([*pairs, (HORIZON_PARAM, str(int(horizon)))])


def chosen_run(runs: pd.DataFrame, wanted: int | None) -> pd.Series | None:
    """The run to show: the newest of ``wanted`` days if that horizon was fitted, else the default
    horizon's; None before the first fit."""
    if runs.empty:
        return None
    match = runs[runs["horizon_days"] == wanted] if wanted is not None else runs.iloc[0:0]
    if match.empty:
        match = runs[runs["is_default"].astype(bool)]
    return match.iloc[0] if len(match) else runs.iloc[-1]


def horizon_options(runs: pd.DataFrame) -> list[dict]:
    """The selector's options: the fitted horizons, each named in words."""
    return [{"label": horizon_words(h)[:1].upper() + horizon_words(h)[1:], "value": int(h)}
            for h in runs["horizon_days"]] if len(runs) else []


def follow_horizon(trigger, search: str | None, value, selector: str):
    """(new URL search, selector options, selector value) after ``trigger`` changed.

    When the page opens (trigger None, or the selector still empty) the URL's horizon, if
    fitted, else the default, is put in the selector; a horizon chosen in the selector
    (``selector``, the page's id for it) is written into the URL, every other parameter kept.
    """
    if trigger == selector and value is not None:
        new_search = with_horizon(search, value)
        return (new_search if new_search != (search or "") else no_update), no_update, no_update
    runs = fitted_runs()
    run = chosen_run(runs, horizon_in(search))
    return no_update, horizon_options(runs), (None if run is None else int(run["horizon_days"]))


def run_of(horizon: int | None) -> pd.Series | None:
    """The newest run of ``horizon`` days (the default horizon's when None or not fitted)."""
    return chosen_run(fitted_runs(), horizon)


def run_rows(name: str, run: pd.Series | None) -> pd.DataFrame:
    """``run_<name>`` rows of ``run``; empty, saying why, before the first fit."""
    if run is None:
        empty = pd.DataFrame()
        empty.attrs["missing"] = fitted_runs().attrs.get("missing", "No model run yet: run `calmline fit`.")
        return empty
    return data.frame(f"run_{name}", run_id=int(run["run_id"]))


def selector(ident: str) -> dcc.Dropdown:
    """The horizon selector; its options and value come from the URL when the page opens."""
    return dcc.Dropdown(id=ident, clearable=False, searchable=False, placeholder="Horizon",
                        style={"minWidth": "220px"})


def run_summary(run: pd.Series | None) -> str:
    """One line on the run shown: its horizon in words, when it was fitted, how many calls."""
    if run is None:
        return "No model run yet: run `calmline fit`."
    return (f"Model run {int(run['run_id'])}: {horizon_words(run['horizon_days'])}, fitted "
            f"{str(run['created_at'])[:16]} on {int(run['n_calls']):,} upset calls "
            f"({int(run['n_events']):,} of those customers churned within {int(run['horizon_days'])} days).")


# The page ---------------------------------------------------------------------------------------

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
        "raw comparisons are. Total effects include what works through resolving the issue; 'direct' leaves "
        "that out. Hazard ratios and survival curves follow customers for as long as we can see them, "
        "whatever the horizon.")
    spec = specification(horizon_days) if run is None else run["specification"]
    return [html.P(words, className="mb-1"),
            html.Details([html.Summary("The model, exactly (as stored with this run)"),
                          html.Div(spec, className="small")])]


def layout(**_query) -> html.Div:
    return html.Div([
        dbc.Row([dbc.Col([html.H4(id=TITLE, className="mb-0"), html.Div(id=RUN, className="small text-muted")],
                         className="align-self-center"),
                 dbc.Col(selector(HORIZON), width="auto")], className="mb-2 g-2"),
        dbc.Alert(how_to_read(vocabulary.HEADLINE_HORIZON), color="light", id=READ),
        html.Div(id=WARNINGS),
        dcc.Graph(id=FOREST),
        dbc.Row([dbc.Col([dcc.Dropdown(id=KM_PRACTICE, clearable=False, placeholder="Practice"),
                          dcc.Graph(id=KM)], lg=6),
                  dbc.Col(dcc.Graph(id=HAZARD), lg=6)]),
        dbc.Row([dbc.Col(dcc.Graph(id=graph), lg=6) for graph in DOSE.values()]),
        dbc.Row([dbc.Col(dcc.Graph(id=graph), lg=6) for graph in HET.values()]),
    ])


@callback(
    Output("url", "search", allow_duplicate=True), Output(HORIZON, "options"), Output(HORIZON, "value"),
    Input(HORIZON, "value"), State("url", "search"),
    prevent_initial_call="initial_duplicate",
)
def sync_horizon(value, search):
    """The selector from the URL when the page opens (Dash's page router renders the page again
    whenever the URL's query string changes); a horizon chosen in it into the URL."""
    return follow_horizon(ctx.triggered_id, search, value, HORIZON)


@callback(Output(TITLE, "children"), Output(RUN, "children"), Output(READ, "children"),
          Input(HORIZON, "value"))
@data.per_version
def describe(horizon=None):
    """The page's title, the run it shows and how to read it, for the chosen horizon."""
    run = run_of(horizon)
    days = vocabulary.HEADLINE_HORIZON if run is None else int(run["horizon_days"])
    return f"Practice impact on {horizon_words(days)}", run_summary(run), how_to_read(days, run)


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
    practices = sorted(effects["practice"].unique()) if len(effects) else []
    options = [{"label": practice_label(p), "value": p} for p in practices]
    warnings = []
    if run is None:
        warnings = [dbc.Alert(effects.attrs["missing"], color="warning")]
    elif len(run["warnings"]):
        warnings = [dbc.Alert([html.Div(w) for w in run["warnings"]], color="info")]
    return (forest_plot(effects, horizon_days=days), hazard_plot(effects), options,
            "took_ownership" if "took_ownership" in practices else (practices[0] if practices else None),
            warnings,
            *(dose_plot(dose, factor, horizon_days=days) for factor in DOSE),
            *(heterogeneity_heatmap(het, dimension, horizon_days=days) for dimension in HET))


@callback(Output(KM, "figure"), Input(KM_PRACTICE, "value"), Input(HORIZON, "value"))
@data.per_version
def update_km(practice, horizon=None):
    """Kaplan-Meier curves with and without the chosen practice, the horizon marked."""
    run = run_of(horizon)
    return km_plot(run_rows("km_curves", run), practice,
                   horizon_days=None if run is None else int(run["horizon_days"]))
