"""Training priorities, for trainers: which practice to teach next, to whom, and did training work.

The priorities come from the model run of the horizon chosen at the top (kept in the URL as
``?horizon=30``, the same selector as the Practice impact page's).
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, callback, dcc, html

from calmline import vocabulary
from calmline.dashboard import data, grids, horizons
from calmline.dashboard.filters import not_applied
from calmline.dashboard.figures import adoption_gap_heatmap, practice_label, priorities_bar
from calmline.dashboard.figures.effects import horizon_words
from calmline.dashboard.horizons import run_of, run_rows, selector

dash.register_page(__name__, path="/training", name="Training priorities",
                   title="calmline - training priorities", order=2)

HORIZON = "training-horizon"
TITLE = "training-title"
RUN = "training-run"
INTRO = "training-intro"
TEAM = "training-team"
BARS = "training-priorities"
GAPS = "training-gaps"
AGENTS = "training-agents"
MODULES = "training-modules"


def intro(horizon_days: int, _run=None) -> str:
    return (f"Customers kept per month (fewer lost to {horizon_words(horizon_days)}) if adoption of each "
            "practice on upset calls rose to the level of the best quarter of agents, with 95% intervals "
            "from the effect's uncertainty.")


def layout(**_query) -> html.Div:
    return html.Div([
        not_applied("training", "Centre-wide model results"),
        dbc.Row([dbc.Col([html.H4(id=TITLE, className="mb-0"), html.Div(id=RUN, className="small text-muted")],
                         className="align-self-center"),
                 dbc.Col(selector(HORIZON), width="auto")], className="mb-2 g-2"),
        html.P(intro(vocabulary.HEADLINE_HORIZON), id=INTRO),
        dcc.Dropdown(id=TEAM, clearable=False, value="all", style={"maxWidth": "320px"},
                     options=[{"label": "All teams", "value": "all"}]),
        dbc.Row([dbc.Col(dcc.Graph(id=BARS), lg=6), dbc.Col(dcc.Graph(id=GAPS), lg=6)]),
        html.H5("Agent scorecards (adoption shrunk towards the team norm; 'needs most' = biggest gap)"),
        grids.grid(AGENTS, height=360),
        html.H5("Training completed, and adoption in the 90 days before and after"),
        grids.grid(MODULES, height=300),
    ])


def scorecards(adoption: pd.DataFrame, priorities: pd.DataFrame) -> pd.DataFrame:
    """One row per agent: shrunken adoption per practice and the practice they most need.

    'Most need' = the practice with the most customers at stake where the agent is furthest
    below the target (target adoption - the agent's shrunken rate, weighted by the practice's
    customers kept per month for all teams).
    """
    if adoption.empty:
        return adoption
    wide = adoption.pivot_table(index=["agent_id", "team"], columns="practice", values="shrunk_rate")
    targets = priorities[priorities["team"] == "all"].set_index("practice")
    gap = (targets["target_adoption"].astype(float) - wide).clip(lower=0)
    weight = targets["retained_per_month"].astype(float).clip(lower=0).fillna(0)
    score = gap * weight.reindex(gap.columns).fillna(0)
    wide = wide.round(3)
    wide.columns = [practice_label(c) for c in wide.columns]
    wide["needs most"] = [practice_label(score.columns[i]) if row.max() > 0 else "–"
                          for i, row in zip(score.to_numpy().argmax(axis=1), score.to_numpy())]
    return wide.reset_index()


sync_horizon = horizons.sync_callback(HORIZON)


@callback(Output(TITLE, "children"), Output(RUN, "children"), Output(INTRO, "children"),
          Input(HORIZON, "value"))
@data.per_version
def describe(horizon=None):
    """The page's title, the run it shows and its introduction, for the chosen horizon."""
    return horizons.header(horizon, "Training priorities for", intro)


@callback(Output(TEAM, "options"), Output(BARS, "figure"), Output(GAPS, "figure"),
          Output(AGENTS, "rowData"), Output(AGENTS, "columnDefs"),
          Output(MODULES, "rowData"), Output(MODULES, "columnDefs"), Input(TEAM, "value"),
          Input(HORIZON, "value"))
@data.per_version
def update(team, horizon=None):
    """The chosen horizon's newest run (the default horizon's when none is chosen): priorities,
    adoption gaps and agent scorecards; training completions do not depend on the run."""
    run = run_of(horizon)
    days = vocabulary.HEADLINE_HORIZON if run is None else int(run["horizon_days"])
    priorities = run_rows("training_priorities", run)
    adoption = run_rows("agent_adoption", run)
    teams = sorted(priorities["team"].unique()) if len(priorities) else ["all"]
    cards = scorecards(adoption, priorities) if len(priorities) else adoption
    if team not in (None, "all") and len(cards):
        cards = cards[cards["team"] == team]
    modules = data.frame("training_completions")
    return ([{"label": "All teams" if t == "all" else t, "value": t} for t in teams],
            priorities_bar(priorities, team or "all", horizon_days=days),
            adoption_gap_heatmap(priorities, horizon_days=days),
            grids.records(cards),
            grids.columns(cards, percent=tuple(c for c in cards.columns if c not in ("agent_id", "team",
                                                                                     "needs most"))),
            grids.records(modules),
            grids.columns(modules, percent=("adoption_before", "adoption_after"),
                          counts=("agents", "calls_before", "calls_after")))


grids.register_exports(AGENTS, MODULES)
