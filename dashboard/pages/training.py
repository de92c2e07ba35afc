"""Training priorities, for trainers: which practice to teach next, to whom, and did training work."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, callback, dcc, html

from calmline.dashboard import data, grids
from calmline.dashboard.figures import adoption_gap_heatmap, practice_label, priorities_bar

dash.register_page(__name__, path="/training", name="Training priorities",
                   title="calmline - training priorities")

TEAM = "training-team"
BARS = "training-priorities"
GAPS = "training-gaps"
AGENTS = "training-agents"
MODULES = "training-modules"


def layout(**_query) -> html.Div:
    return html.Div([
        html.P("Customers kept per month if adoption of each practice on upset calls rose to the level "
               "of the best quarter of agents, with 95% intervals from the effect's uncertainty."),
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


@callback(Output(TEAM, "options"), Output(BARS, "figure"), Output(GAPS, "figure"),
          Output(AGENTS, "rowData"), Output(AGENTS, "columnDefs"),
          Output(MODULES, "rowData"), Output(MODULES, "columnDefs"), Input(TEAM, "value"))
@data.per_version
def update(team):
    priorities = data.run_frame("training_priorities")
    adoption = data.run_frame("agent_adoption")
    teams = sorted(priorities["team"].unique()) if len(priorities) else ["all"]
    cards = scorecards(adoption, priorities) if len(priorities) else adoption
    if team not in (None, "all") and len(cards):
        cards = cards[cards["team"] == team]
    modules = data.frame("training_completions")
    return ([{"label": "All teams" if t == "all" else t, "value": t} for t in teams],
            priorities_bar(priorities, team or "all"), adoption_gap_heatmap(priorities),
            grids.records(cards),
            grids.columns(cards, percent=tuple(c for c in cards.columns if c not in ("agent_id", "team",
                                                                                     "needs most"))),
            grids.records(modules),
            grids.columns(modules, percent=("adoption_before", "adoption_after"),
                          counts=("agents", "calls_before", "calls_after")))


grids.register_exports(AGENTS, MODULES)
