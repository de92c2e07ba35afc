"""Overview, for CX directors: headline figures, monthly trends, teams -> agents -> upset calls."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from calmline import vocabulary
from calmline.dashboard import data, filters, formats, grids, html_report
from calmline.dashboard.figures import team_bars, trend_plot

dash.register_page(__name__, path="/", name="Overview", title="calmline - overview", order=0)

HEADLINE = "overview-headline"
CHURN_TREND = "overview-churn-trend"
ADOPTION_TREND = "overview-adoption-trend"
TEAMS = "overview-teams"
TEAM_BARS = "overview-team-bars"
AGENTS = "overview-agents"
CALLS = "overview-calls"
MESSAGE = "overview-message"
REPORT = "overview-report"
REPORT_BUTTON = "overview-report-button"


def adoption_by_month(params: dict):
    """Monthly adoption, one column per practice assessed in the period (vocabulary order)."""
    long = data.frame("monthly_adoption", **params)
    if long.empty:
        return long.assign(month=[])
    wide = long.pivot(index="month", columns="practice", values="adoption").reset_index()
    shown = [p for p in vocabulary.practice_names() if p in wide and wide[p].notna().any()]
    return wide[["month", *shown]]


def layout(**_query) -> html.Div:
    return html.Div([
        html.Div(id=MESSAGE),
        dbc.Button("Download report (HTML)", id=REPORT_BUTTON, size="sm", color="primary", outline=True,
                   className="mb-2"),
        dcc.Download(id=REPORT),
        dbc.Row(id=HEADLINE, className="g-2 mb-2"),
        html.Div("Click a month on a trend to look at that month only, a team's bar to look at that team.",
                 className="text-muted small"),
        dbc.Row([dbc.Col(dcc.Graph(id=CHURN_TREND), lg=6), dbc.Col(dcc.Graph(id=ADOPTION_TREND), lg=6)]),
        dcc.Graph(id=TEAM_BARS),
        html.H5("Teams (click a team to see its agents, an agent to see their upset calls)"),
        grids.grid(TEAMS, height=280, selectable=True),
        dbc.Row([dbc.Col([html.H6(id=f"{AGENTS}-title"), grids.grid(AGENTS, height=300, selectable=True)], lg=5),
                 dbc.Col([html.H6(id=f"{CALLS}-title"), grids.grid(CALLS, height=300)], lg=7)]),
    ])


def _card(title: str, value: str, note: str = "") -> dbc.Col:
    return dbc.Col(dbc.Card(dbc.CardBody([html.Div(title, className="text-muted small"),
                                          html.H3(value, className="mb-0"),
                                          html.Div(note, className="small")])), md=3)


def headline_cards(head) -> list:
    """The four headline cards from the headline query's single row."""
    if head.empty or not head["upset_calls"].iloc[0]:
        return [dbc.Col(dbc.Alert(head.attrs.get("missing", "No calls match these filters."),
                                  color="secondary"))]
    row = head.iloc[0]
    return [
        _card("Upset calls", formats.count(row.upset_calls), f"{formats.count(row.calm_calls)} calm calls"),
        _card("Churn within 90 days after an upset call", formats.percent(row.churn_upset),
              f"after a calm call: {formats.percent(row.churn_calm)}"),
        _card("Upset customers still with us 90 days on", formats.count(row.upset_retained),
              f"of {formats.count(row.upset_closed)} whose 90 days have passed; {previous_period(row)}"),
        _card("Extra churn after upset calls", formats.points(
            (row.churn_upset or 0) - (row.churn_calm or 0)) if row.churn_upset is not None else "–",
              "upset vs calm, unadjusted"),
    ]


def previous_period(row) -> str:
    """How the retained count compares with the period before (as many months)."""
    if not row.has_previous:
        return "pick a period to compare with the one before"
    if formats.is_missing(row.prev_upset_closed) or not row.prev_upset_closed:
        return "no closed 90-day windows in the period before"
    change = row.upset_retained - row.prev_upset_retained
    return (f"period before: {formats.count(row.prev_upset_retained)} ({'+' if change >= 0 else ''}"
            f"{formats.count(change)}), churn {formats.percent(row.prev_churn_upset)}")


@callback(
    Output(HEADLINE, "children"), Output(CHURN_TREND, "figure"), Output(ADOPTION_TREND, "figure"),
    Output(TEAMS, "rowData"), Output(TEAMS, "columnDefs"), Output(TEAM_BARS, "figure"),
    Output(MESSAGE, "children"), Input(filters.STORE, "data"),
)
def update(chosen):
    """Everything on the page that follows the global filters."""
    params = filters.params(chosen)
    head = data.frame("headline", **params)
    monthly = data.frame("monthly", **params)
    teams = data.frame("teams", **params)
    churn = trend_plot(monthly, ["churn_upset", "churn_calm"], "Churn within 90 days")
    adopted = adoption_by_month(params)
    adoption = trend_plot(adopted, list(adopted.columns[1:]), "Share of upset calls")
    message = dbc.Alert(head.attrs["missing"], color="warning") if "missing" in head.attrs else None
    return (headline_cards(head), churn, adoption, grids.records(teams),
            grids.columns(teams, percent=("churn_upset", "took_ownership", "followed_up"),
                          counts=("agents", "upset_calls")), team_bars(teams), message)


@callback(
    Output(AGENTS, "rowData"), Output(AGENTS, "columnDefs"), Output(f"{AGENTS}-title", "children"),
    Input(TEAMS, "selectedRows"), State(filters.STORE, "data"),
)
def drill_team(selected, chosen):
    """Clicking a team lists its agents."""
    if not selected:
        return [], [], "Agents: pick a team above"
    team = selected[0]["team"]
    agents = data.frame("team_agents", team=team, **filters.params(chosen))
    return (grids.records(agents), grids.columns(agents, percent=("churn_upset", "took_ownership",
                                                                  "followed_up"), counts=("upset_calls",)),
            f"Agents of {team}")


@callback(
    Output(CALLS, "rowData"), Output(CALLS, "columnDefs"), Output(f"{CALLS}-title", "children"),
    Input(AGENTS, "selectedRows"), State(filters.STORE, "data"),
)
def drill_agent(selected, chosen):
    """Clicking an agent lists their upset calls."""
    if not selected:
        return [], [], "Upset calls: pick an agent"
    agent = selected[0]["agent_id"]
    calls = data.frame("agent_calls", agent=agent, **filters.params(chosen))
    return grids.records(calls), grids.columns(calls), f"Upset calls of {agent}"


@callback(Output("url", "search", allow_duplicate=True),
          Input(CHURN_TREND, "clickData"), Input(ADOPTION_TREND, "clickData"), Input(TEAM_BARS, "clickData"),
          State("url", "search"), prevent_initial_call=True)
def cross_filter(_churn, _adoption, _team, search):
    """Clicking a month on a trend narrows the period to it; clicking a team's bar, the team."""
    return clicked_filter(ctx.triggered_id, (ctx.triggered[0] or {}).get("value"), search)


def clicked_filter(source: str, click: dict | None, search: str | None):
    """The URL search after a click on chart ``source`` (the click's points as Dash sends them)."""
    points = (click or {}).get("points") or []
    if not points:
        return no_update
    point = points[0]
    if source == TEAM_BARS:
        return filters.narrow(search, teams=str(point.get("customdata") or point["x"]))
    month = str(point["x"])[:7]
    return filters.narrow(search, start=month, end=month)


@callback(Output(REPORT, "data"), Input(REPORT_BUTTON, "n_clicks"), State(filters.STORE, "data"),
          prevent_initial_call=True)
def download_report(_clicks, chosen):
    """The overview with its active filters as one self-contained HTML file."""
    params = filters.params(chosen)
    monthly = data.frame("monthly", **params)
    figures = [trend_plot(monthly, ["churn_upset", "churn_calm"], "Churn within 90 days"),
               trend_plot(adopted := adoption_by_month(params), list(adopted.columns[1:]),
                          "Share of upset calls")]
    page = html_report.overview_report(chosen, data.frame("headline", **params), figures,
                                  data.frame("teams", **params))
    return {"content": page, "filename": "calmline-overview.html"}


grids.register_exports(TEAMS, AGENTS, CALLS)
