"""Training priorities, for trainers: which practice to teach next, to whom, and did training work.

The priorities come from the model run of the horizon chosen at the top (kept in the URL as
``?horizon=30``, the same selector as the Practice impact page's). An agent's upset calls open
from the coaching queue as ``?agent=AGT-0001``, so the link can be shared and the browser's back
button returns to the queue.
"""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, callback, dcc, html

from calmline import vocabulary
from calmline.dashboard import call_links, data, grids, horizons, report_route, summary_cells
from calmline.dashboard.filters import not_applied
from calmline.dashboard.figures import adoption_gap_heatmap, practice_label, priorities_bar
from calmline.dashboard.figures.effects import horizon_words
from calmline.dashboard.figures.priorities import ranking_note
from calmline.dashboard.figures.training import adoption_small_multiples, training_impact_plot
from calmline.dashboard.horizons import HORIZON_PARAM, run_of, run_rows, selector

PATH = "/training"
AGENT_PARAM = "agent"
"""The URL query parameter naming the agent whose upset calls the page lists."""

dash.register_page(__name__, path=PATH, name="Training priorities",
                   title="calmline - training priorities", order=2)

HORIZON = "training-horizon"
TITLE = "training-title"
RUN = "training-run"
INTRO = "training-intro"
TEAM = "training-team"
BARS = "training-priorities"
GAPS = "training-gaps"
RANKING = "training-ranking"
QUEUE = "training-queue"
TEAM_NEEDS = "training-team-needs"
AGENTS = "training-agents"
AGENT = "training-agent"
CALLS = "training-agent-calls"
CALLS_TITLE = "training-agent-calls-title"
IMPACT = "training-impact"
IMPACT_CHURN = "training-impact-churn"
IMPACT_TABLE = "training-impact-table"
MODULES = "training-modules"
TREND = "training-adoption-trend"

PINNED = {"pinned": "left", "lockPinned": True}


def intro(horizon_days: int, _run=None) -> str:
    return (f"Customers kept per month (fewer lost to {horizon_words(horizon_days)}) if adoption of each "
            "practice on upset calls rose to the level of the best quarter of agents. The 95% intervals "
            "carry both the uncertainty of the practice's effect and that of the adoption gap (agents "
            "resampled within their team); 'top 3' is how often the practice ranks in the top three "
            "across those resamples.")


def layout(**query) -> html.Div:
    return html.Div([
        not_applied("training", "Centre-wide model results"),
        report_route.download_buttons("training"),
        dcc.Store(id=AGENT, data=query.get(AGENT_PARAM) or None),
        dbc.Row([dbc.Col([html.H4(id=TITLE, className="mb-0"), html.Div(id=RUN, className="small text-muted")],
                         className="align-self-center"),
                 dbc.Col(selector(HORIZON), width="auto")], className="mb-2 g-2"),
        html.P(intro(vocabulary.HEADLINE_HORIZON), id=INTRO),
        dcc.Dropdown(id=TEAM, clearable=False, value="all", style={"maxWidth": "320px"},
                     options=[{"label": "All teams", "value": "all"}]),
        dbc.Row([dbc.Col(dcc.Graph(id=BARS), lg=6), dbc.Col(dcc.Graph(id=GAPS), lg=6)]),
        html.P(id=RANKING, className="small"),
        html.H5("Coaching queue: agents ranked by customers kept per month if they closed their biggest gap"),
        html.Div(id=TEAM_NEEDS),
        grids.grid(QUEUE, height=320),
        html.H6(id=CALLS_TITLE, className="mt-3"),
        html.Div(grids.grid(CALLS, height=300), id=f"{CALLS}-box"),
        html.H5("Agent scorecards (adoption shrunk towards the practice's norm; 'needs most' = biggest gap)",
                className="mt-3"),
        grids.grid(AGENTS, height=360),
        html.H5("Did training work? Trained agents against untrained agents over the same months",
                className="mt-3"),
        html.P("A difference in differences: the change in a trained agent's adoption (and churn) from the "
               "3 months before their module to the 3 months after, minus the change for agents who never "
               "took it over the same months. Intervals are clustered by agent.", className="small"),
        dbc.Row([dbc.Col(dcc.Graph(id=IMPACT), lg=6), dbc.Col(dcc.Graph(id=IMPACT_CHURN), lg=6)]),
        grids.grid(IMPACT_TABLE, height=300),
        html.H5("Training completed, and adoption in the 90 days before and after (no comparison group)",
                className="mt-3"),
        grids.grid(MODULES, height=300),
        dcc.Graph(id=TREND),
    ])


def calls_href(agent: str, horizon_days: int | None = None) -> str:
    """The link to ``agent``'s upset calls on this page (the horizon kept)."""
    params = {AGENT_PARAM: agent, **({HORIZON_PARAM: int(horizon_days)} if horizon_days else {})}
    return f"{dash.get_relative_path(PATH)}?{urlencode(params)}#{CALLS_TITLE}"


def scorecards(adoption: pd.DataFrame, coaching: pd.DataFrame) -> pd.DataFrame:
    """One row per agent and team: what they need most first, then their adoption of every practice.

    Columns: agent_id, team, 'needs most' (the practice label, '–' when none), its n (the agent's
    upset calls assessed for it), adoption of it with its 95% interval, customers kept per month
    by closing the gap with its 95% interval, the agent's upset calls, whether it is a team-level
    need, then one column per practice (shrunken adoption), all from ``agent_coaching`` and
    ``agent_adoption`` of the same run.
    """
    if adoption.empty:
        return adoption
    wide = adoption.pivot_table(index=["agent_id", "team"], columns="practice", values="shrunk_rate")
    wide.columns = [practice_label(c) for c in wide.columns]
    wide = wide.reset_index()
    if coaching.empty:
        return wide.assign(**{"needs most": "–"})
    first = coaching.rename(columns={"n_calls": "needs_most_n_calls"}).assign(
        **{"needs most": coaching["needs_most"].map(lambda p: practice_label(p) if isinstance(p, str) else "–")})
    first = first[["agent_id", "team", "needs most", "needs_most_n_calls", "adoption", "adoption_ci_low",
                   "adoption_ci_high", "target_adoption", "kept_per_month", "ci_low", "ci_high",
                   "upset_calls", "team_level"]]
    out = first.merge(wide, on=["agent_id", "team"], how="right")
    out["needs most"] = out["needs most"].fillna("–")
    return out


def queue_rows(coaching: pd.DataFrame, horizon_days: int | None) -> pd.DataFrame:
    """The coaching queue as the grid shows it: agents with something to coach, most customers first,
    each with a link to their upset calls."""
    if coaching.empty:
        return coaching
    rows = coaching[coaching["needs_most"].notna()].copy()
    rows["needs_most"] = rows["needs_most"].map(practice_label)
    rows["upset_calls_link"] = [f"[{int(n):,} upset calls]({calls_href(a, horizon_days)})"
                                for a, n in zip(rows["agent_id"], rows["upset_calls"])]
    # the link next to the agent: AG Grid renders only the columns in view
    return rows[["queue_rank", "agent_id", "team", "upset_calls_link", "needs_most", "kept_per_month", "ci_low",
                 "ci_high", "n_calls", "adoption", "adoption_ci_low", "adoption_ci_high", "target_adoption",
                 "team_level"]]


def team_needs(coaching: pd.DataFrame, team: str | None) -> list:
    """One line per team where most agents need the same practice: a team-level need."""
    if coaching.empty or "team_level" not in coaching:
        return []
    marked = coaching[coaching["team_level"].fillna(False).astype(bool)]
    if team not in (None, "all"):
        marked = marked[marked["team"] == team]
    lines = []
    for (name, practice), part in marked.groupby(["team", "needs_most"]):
        size = int((coaching["team"] == name).sum())
        lines.append(html.Li(f"Team {name}: {len(part)} of {size} agents need {practice_label(practice)} most: "
                             "a team-level need, teach it to the team."))
    return [dbc.Alert(html.Ul(lines, className="mb-0"), color="info", className="py-2")] if lines else []


def _columns(frame: pd.DataFrame, pinned=("agent_id", "team"), **formats) -> list[dict]:
    defs = grids.columns(frame, **formats)
    for col in defs:
        if col["field"] in pinned:
            col.update(PINNED)
    return defs


sync_horizon = horizons.sync_callback(HORIZON)
report_links = report_route.follow_filters("training")


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
    centre = _centre(horizon)
    cards = centre["cards"]
    if team not in (None, "all") and len(cards):
        cards = cards[cards["team"] == team]
    return (centre["options"],
            priorities_bar(centre["priorities"], team or "all", horizon_days=centre["days"]),
            centre["gaps"], grids.records(cards), centre["card_columns"],
            centre["modules"], centre["module_columns"])


@data.per_version
def _centre(horizon=None) -> dict:
    """What :func:`update` shows that does not depend on the team chosen, once per horizon and database
    (a team picked then costs its bar chart and a filter): the run's priorities, the team options,
    the adoption-gap heatmap (every team), all scorecards and their columns, the training completions.
    Callers must not change it."""
    run = run_of(horizon)
    days = vocabulary.HEADLINE_HORIZON if run is None else int(run["horizon_days"])
    priorities = run_rows("training_priorities", run)
    adoption = run_rows("agent_adoption", run)
    coaching = run_rows("agent_coaching", run)
    teams = sorted(priorities["team"].unique()) if len(priorities) else ["all"]
    cards = scorecards(adoption, coaching) if len(priorities) else adoption
    modules = data.frame("training_completions")
    fixed = ("agent_id", "team", "needs most", "needs_most_n_calls", "upset_calls", "team_level",
             "kept_per_month", "ci_low", "ci_high")
    card_columns = _columns(cards, percent=tuple(c for c in cards.columns if c not in fixed),
                            counts=("needs_most_n_calls", "upset_calls"))
    for col in card_columns:
        col["headerName"] = {"needs_most_n_calls": "n (calls assessed)", "adoption": "adoption of it",
                             "kept_per_month": "customers kept / month", "ci_low": "kept: 95% CI low",
                             "ci_high": "kept: 95% CI high", "upset_calls": "upset calls",
                             "team_level": "team-level need"}.get(col["field"], col["headerName"])
        if col["field"] in ("kept_per_month", "ci_low", "ci_high"):
            col["valueFormatter"] = {"function": "params.value == null ? '–' : d3.format('.2f')(params.value)"}
    return {"days": days, "priorities": priorities, "coaching": coaching, "cards": cards,
            "card_columns": card_columns,
            "options": [{"label": "All teams" if t == "all" else t, "value": t} for t in teams],
            "gaps": adoption_gap_heatmap(priorities, horizon_days=days),
            "modules": grids.records(modules),
            "module_columns": grids.columns(modules, percent=("adoption_before", "adoption_after"),
                                            counts=("agents", "calls_before", "calls_after")),
            "queue": queue_rows(coaching, None if run is None else days)}


@callback(Output(RANKING, "children"), Output(QUEUE, "rowData"), Output(QUEUE, "columnDefs"),
          Output(TEAM_NEEDS, "children"), Input(TEAM, "value"), Input(HORIZON, "value"))
@data.per_version
def queue(team, horizon=None):
    """How sure the team's ranking is, the coaching queue (the team's agents, or everyone's) and
    the team-level needs."""
    centre = _centre(horizon)
    priorities, coaching, rows = centre["priorities"], centre["coaching"], centre["queue"]
    if team not in (None, "all") and len(rows):
        rows = rows[rows["team"] == team]
    defs = _columns(rows, percent=("adoption", "adoption_ci_low", "adoption_ci_high", "target_adoption"),
                    counts=("n_calls",))
    for col in defs:
        col["headerName"] = {"queue_rank": "#", "needs_most": "needs most", "n_calls": "n (calls assessed)",
                             "adoption": "adoption of it", "kept_per_month": "customers kept / month",
                             "ci_low": "kept: 95% CI low", "ci_high": "kept: 95% CI high",
                             "team_level": "team-level need", "upset_calls_link": "their upset calls"
                             }.get(col["field"], col["headerName"])
        if col["field"] in ("kept_per_month", "ci_low", "ci_high"):
            col["valueFormatter"] = {"function": "params.value == null ? '–' : d3.format('.2f')(params.value)"}
        if col["field"] == "upset_calls_link":
            col.update(cellRenderer="markdown", width=170)
        if col["field"] == "queue_rank":
            col.update(PINNED, width=70)
    return (ranking_note(priorities, team or "all"), grids.records(rows), defs, team_needs(coaching, team))


@callback(Output(CALLS_TITLE, "children"), Output(CALLS, "rowData"), Output(CALLS, "columnDefs"),
          Input(AGENT, "data"))
def agent_calls(agent):
    """The upset calls of the agent named in the URL (``?agent=``), newest first, all periods."""
    if not agent:
        return "Click an agent's upset calls in the queue to list them here.", [], []
    calls = data.frame("agent_calls", agent=str(agent), start=None, end=None, teams=None, sites=None,
                       channels=None, issues=None, anger=None)
    if calls.empty:
        return f"No upset calls found for agent {agent}.", [], []
    calls = call_links.with_links(calls, data.frame("agent_transcripts", agent=str(agent)))
    columns = call_links.link_column(grids.columns(calls))
    for col in columns:
        if col["field"] in vocabulary.practice_names():
            col["headerName"] = practice_label(col["field"])
    return (f"Upset calls of agent {agent} ({len(calls):,} calls, newest first; churn within 90 days is empty "
            "while the window is open; 'open' shows a call's practices and transcript)", grids.records(calls), columns)


@callback(Output(IMPACT, "figure"), Output(IMPACT_CHURN, "figure"), Output(IMPACT_TABLE, "rowData"),
          Output(IMPACT_TABLE, "columnDefs"), Input(HORIZON, "value"))
@data.per_version
def impact(horizon=None):
    """The training impact of the chosen horizon's run: adoption and churn, figure and table."""
    run = run_of(horizon)
    days = vocabulary.HEADLINE_HORIZON if run is None else int(run["horizon_days"])
    rows = run_rows("training_impact", run)
    # the practice column keeps its names: the grid shows their labels (grids.PRACTICE_LABELS), and a
    # column of labels had none of its values in that map, so it showed blank
    defs = grids.columns(rows, percent=("trained_before", "trained_after", "comparison_before",
                                         "comparison_after"),
                         counts=("trained_agents", "comparison_agents", "n_calls"))
    for col in defs:
        if col["field"] in ("estimate", "ci_low", "ci_high"):
            col["valueFormatter"] = {"function": "params.value == null ? '–' : "
                                                 "d3.format('+.1f')(100 * params.value) + ' pp'"}
        if col["field"] == "p_value":
            col["valueFormatter"] = grids.P_VALUE
        if col["field"] == "module":
            col.update(PINNED)
        if col["field"] == "outcome":  # the run's outcomes in words (the CSV keeps the names); every value
            # is a key, as a value refData does not hold shows blank
            words = {"adoption": "Adoption of the practice", f"churn_{days}d": f"Churn within {days} days"}
            col["refData"] = {o: words.get(o, o) for o in rows["outcome"].dropna().unique().tolist()}
    return (training_impact_plot(rows, outcome="adoption"), training_impact_plot(rows, outcome=f"churn_{days}d"),
            grids.records(rows), defs)


@callback(Output(TREND, "figure"), Input(TEAM, "value"))
@data.per_version
def trend(team):
    """Monthly adoption of every practice, one small panel each (the chosen team's calls, or all)."""
    # the monthly_adoption query's rows, from the worker's cells of the summary (summary_cells)
    monthly = summary_cells.monthly_adoption(dict(teams=None if team in (None, "all") else [team], sites=None,
                                                  channels=None, issues=None, anger=None, start=None, end=None))
    who = "all teams" if team in (None, "all") else f"team {team}"
    return adoption_small_multiples(monthly, title=f"Adoption of each practice by month, {who} "
                                                   "(share of assessed upset calls)")


grids.register_exports(AGENTS, MODULES, QUEUE, CALLS, IMPACT_TABLE)


def _warm() -> None:
    """What the page shows first, for each fitted horizon and the default (see :func:`data.warm`)."""
    runs = horizons.fitted_runs()
    for horizon in (None, *(int(h) for h in runs.get("horizon_days", []))):
        describe(horizon)
        update("all", horizon)
        queue("all", horizon)
        impact(horizon)
    trend("all")


data.warm(_warm)
