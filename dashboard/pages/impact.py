"""Practice impact: each practice's effect on 90-day churn, how sure we are, and how to read it."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from calmline.dashboard import data
from calmline.dashboard.figures import dose_plot, forest_plot, hazard_plot, heterogeneity_heatmap, km_plot, practice_label

dash.register_page(__name__, path="/impact", name="Practice impact", title="calmline - practice impact")

FOREST = "impact-forest"
HAZARD = "impact-hazard"
KM_PRACTICE = "impact-km-practice"
KM = "impact-km"
DOSE = {"options_offered": "impact-dose-options", "followup_timing": "impact-dose-followup",
        "break_minutes": "impact-dose-break"}
HET = {"anger_level": "impact-het-anger", "issue_type": "impact-het-issue"}
READ = "impact-how-to-read"
WARNINGS = "impact-warnings"

HOW_TO_READ = (
    "Each dot is how much a practice changes the chance that an upset customer leaves within 90 days, "
    "in percentage points: -2 pp means 2 fewer customers lost per 100 upset calls where the agent used "
    "it. Bars are 95% confidence intervals; a bar crossing 0 means the data cannot rule out no effect. "
    "The models compare calls in the same situation (anger, issue, channel, wait, tenure, plan, value, "
    "region, month) and with the same other practices, because angry customers get more apologies and "
    "skilled agents do everything at once: the grey 'naive' dots show how misleading raw comparisons "
    "are. Total effects include what works through resolving the issue; 'direct' leaves that out.")


def layout(**_query) -> html.Div:
    return html.Div([
        dbc.Alert(HOW_TO_READ, color="light", id=READ),
        html.Div(id=WARNINGS),
        dcc.Graph(id=FOREST),
        dbc.Row([dbc.Col([dcc.Dropdown(id=KM_PRACTICE, clearable=False, placeholder="Practice"),
                          dcc.Graph(id=KM)], lg=6),
                  dbc.Col(dcc.Graph(id=HAZARD), lg=6)]),
        dbc.Row([dbc.Col(dcc.Graph(id=graph), lg=4) for graph in DOSE.values()]),
        dbc.Row([dbc.Col(dcc.Graph(id=graph), lg=6) for graph in HET.values()]),
    ])


@callback(
    Output(FOREST, "figure"), Output(HAZARD, "figure"), Output(KM_PRACTICE, "options"),
    Output(KM_PRACTICE, "value"), Output(WARNINGS, "children"),
    *(Output(graph, "figure") for graph in DOSE.values()),
    *(Output(graph, "figure") for graph in HET.values()),
    Input("url", "pathname"),
)
@data.per_version
def update(_pathname):
    """The latest 90-day model run, all figures."""
    run = data.frame("latest_run")
    effects = data.run_frame("practice_effects")
    dose = data.run_frame("dose_response")
    het = data.run_frame("effect_heterogeneity")
    practices = sorted(effects["practice"].unique()) if len(effects) else []
    options = [{"label": practice_label(p), "value": p} for p in practices]
    warnings = []
    if run.empty:
        warnings = [dbc.Alert(run.attrs.get("missing", "No model run yet: run `calmline fit`."),
                              color="warning")]
    elif len(run["warnings"].iloc[0]):
        warnings = [dbc.Alert([html.Div(w) for w in run["warnings"].iloc[0]], color="info")]
    return (forest_plot(effects), hazard_plot(effects), options,
            "took_ownership" if "took_ownership" in practices else (practices[0] if practices else None),
            warnings,
            *(dose_plot(dose, factor) for factor in DOSE),
            *(heterogeneity_heatmap(het, dimension) for dimension in HET))


@callback(Output(KM, "figure"), Input(KM_PRACTICE, "value"))
@data.per_version
def update_km(practice):
    """Kaplan-Meier curves with and without the chosen practice."""
    return km_plot(data.run_frame("km_curves"), practice)
