"""Overview, for CX directors: headline figures with their units, what changed since the month
before and a year earlier, an early signal for the months still open, revenue at risk and the
contact-centre KPIs, monthly trends, teams -> agents -> upset calls. Every number comes from
:func:`calmline.dashboard.overview_numbers.overview_numbers`, as in the HTML report."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from calmline.dashboard import (call_links, data, filters, grids, html_report, overview_figures, overview_numbers,
                                report_route)

dash.register_page(__name__, path="/", name="Overview", title="calmline - overview", order=0)

HEADLINE = "overview-headline"
CHURN_TREND = "overview-churn-trend"
ADOPTION_TREND = "overview-adoption-trend"
TEAMS = "overview-teams"
TEAM_BARS = "overview-team-bars"
AGENTS = "overview-agents"
CALLS = "overview-calls"
MESSAGE = "overview-message"
REPORT_BUTTON = "overview-report-button"
PDF_BUTTON = "overview-pdf-button"
DEFINITIONS = "overview-definitions"
COMPARISON = "overview-comparison"
EARLY = "overview-early-signal"
DIRECTOR = "overview-director"
KPI_TRENDS = "overview-kpi-trends"
ADOPTION_TITLE = html_report.ADOPTION_TITLE


def layout(**_query) -> html.Div:
    return html.Div([
        html.Div(id=MESSAGE),
        # A plain link to the report's route (its href carries the filters): the file is
        # downloaded by the browser, not sent through a callback.
        dbc.Button("Download report (HTML)", id=REPORT_BUTTON, size="sm", color="primary", outline=True,
                   className="mb-2", href=report_route.href(None), external_link=True,
                   download=html_report.FILENAME),
        dbc.Button("Download PDF", id=PDF_BUTTON, size="sm", color="primary", outline=True,
                   className="mb-2 ms-2", href=report_route.href(None, report_route.PDF_PATH),
                   external_link=True, download=report_route.PDF_FILENAME),
        dbc.Row(id=HEADLINE, className="g-2 mb-2"),
        html.Div(id=COMPARISON, className="mb-2"),
        html.Div(id=EARLY, className="mb-2"),
        html.Div("Click a month on a trend to look at that month only, a team's bar to look at that team.",
                 className="text-muted small"),
        dbc.Row([dbc.Col(dcc.Graph(id=CHURN_TREND), lg=6), dbc.Col(dcc.Graph(id=ADOPTION_TREND), lg=6)]),
        dcc.Graph(id=TEAM_BARS),
        html.Details([html.Summary(html_report.DEFINITIONS_TITLE),
                      html.Dl([part for term, words in html_report.definitions()
                               for part in (html.Dt(term), html.Dd(words, className="small"))])],
                     id=DEFINITIONS, className="mb-2"),
        html.H5("Revenue at risk and contact-centre KPIs"),
        dbc.Row(id=DIRECTOR, className="g-2 mb-2"),
        dcc.Graph(id=KPI_TRENDS),
        html.H5("Teams (click a team to see its agents, an agent to see their upset calls)"),
        grids.grid(TEAMS, height=280, selectable=True),
        dbc.Row([dbc.Col([html.H6(id=f"{AGENTS}-title"), grids.grid(AGENTS, height=300, selectable=True)], lg=5),
                 dbc.Col([html.H6(id=f"{CALLS}-title"), grids.grid(CALLS, height=300)], lg=7)]),
    ])


def _card(title: str, value: str, note: str = "", md: int = 3) -> dbc.Col:
    return dbc.Col(dbc.Card(dbc.CardBody([html.Div(title, className="text-muted small"),
                                          html.H4(value, className="mb-0"),
                                          html.Div(note, className="small")])), md=md)


def headline_cards(numbers: overview_numbers.Overview) -> list:
    """The four headline cards, each stating its unit (calls, customers or points)."""
    cards = overview_numbers.headline_cards(numbers)
    if not cards:
        return [dbc.Col(dbc.Alert(numbers.head.attrs.get("missing", "No calls match these filters."),
                                  color="secondary"))]
    return [_card(**c) for c in cards]


VERDICT_COLOURS = {"better": "success", "worse": "danger", "no clear change": "secondary", "": "light"}
VERDICT_WORDS = {"": "no data"}


def comparison_panel(numbers: overview_numbers.Overview):
    """What changed: the period's churn rate vs the period before and a year earlier, direction marked."""
    if not numbers.comparisons:
        return dbc.Alert(f"No month has all its {overview_numbers.HORIZON}-day windows closed yet: "
                         "see the early signal below.", color="secondary")
    rows = []
    for c in numbers.comparisons:
        words = overview_numbers.comparison_text(c)
        rows.append(html.Li([dbc.Badge(VERDICT_WORDS.get(words["verdict"], words["verdict"]),
                                       color=VERDICT_COLOURS[words["verdict"]], text_color="dark"
                                       if not words["verdict"] else None, className="me-2 border"),
                             html.B(words["label"] + ": "), words["text"]]))
    chosen = numbers.params.get("start") or numbers.params.get("end")
    return dbc.Card(dbc.CardBody([
        html.H5(overview_numbers.comparison_title(numbers), className="card-title"),
        html.Ul(rows, className="mb-1"),
        html.Div(overview_numbers.COMPARISON_NOTE
                 + ("" if chosen else " By default: the latest month whose 90-day windows have all closed."),
                 className="text-muted small")]), id=f"{COMPARISON}-card")


def early_panel(numbers: overview_numbers.Overview):
    """The early signal for months whose 90-day windows are still open."""
    table = overview_numbers.early_table(numbers)
    if table.empty:
        return None
    return dbc.Card(dbc.CardBody([
        html.H5(overview_numbers.EARLY_TITLE, className="card-title"),
        dbc.Table.from_dataframe(table, size="sm", bordered=False, striped=True, className="mb-1"),
        html.Div(overview_numbers.EARLY_NOTE, className="text-muted small")]))


def director_cards(numbers: overview_numbers.Overview) -> list:
    """Revenue at risk, the top practice gap's cost and the KPIs, as cards."""
    cards = overview_numbers.director_cards(numbers)
    if not cards:
        return [dbc.Col(dbc.Alert("No calls match these filters.", color="secondary"))]
    return [_card(**c) for c in cards]


# The page's parts that follow the filters are seven callbacks, each asking the overview's numbers
# only for what it shows (overview_numbers.Overview computes a part when first asked for and keeps
# it per database version and filters): the browser sends them at once, each part is drawn as soon
# as its own numbers are ready, and none waits for numbers it does not show (the customer count
# behind the headline and revenue cards is the slowest; the trends, teams and comparisons do not
# need it).

@callback(Output(HEADLINE, "children"), Output(MESSAGE, "children"), Input(filters.STORE, "data"))
def show_headline(chosen):
    """The headline cards, and the message saying what is missing, if anything."""
    numbers = overview_numbers.overview_numbers(filters.params(chosen))
    head = numbers.head
    message = dbc.Alert(head.attrs["missing"], color="warning") if "missing" in head.attrs else None
    return headline_cards(numbers), message


@callback(Output(CHURN_TREND, "figure"), Input(filters.STORE, "data"))
def show_churn_trend(chosen):
    """Churn within 90 days after upset calls, month by month."""
    return overview_figures.churn(overview_numbers.overview_numbers(filters.params(chosen)))


@callback(Output(TEAMS, "rowData"), Output(TEAMS, "columnDefs"), Output(TEAM_BARS, "figure"),
          Input(filters.STORE, "data"))
def show_teams(chosen):
    """The teams' table and bars."""
    numbers = overview_numbers.overview_numbers(filters.params(chosen))
    teams = overview_numbers.with_churn_interval(numbers.teams)
    return grids.records(teams), people_columns(teams, html_report.TEAM_COLUMNS), overview_figures.teams(numbers)


def people_columns(frame, order) -> list[dict]:
    """The team or agent table's columns in ``order`` (the churn rate beside its interval and n), under
    the headers the report gives them."""
    return grids.columns(frame[[c for c in order if c in frame]],
                         percent=("churn_upset", "churn_ci_low", "churn_ci_high", "took_ownership", "followed_up"),
                         counts=("agents", "upset_calls", "closed_90d", "churned_90d"),
                         headers=html_report.COLUMN_HEADERS)


@callback(Output(ADOPTION_TREND, "figure"), Input(filters.STORE, "data"))
def show_adoption(chosen):
    """The practices' adoption trend over the period, one small panel each."""
    return overview_figures.adoption(overview_numbers.overview_numbers(filters.params(chosen)))


def _no_calls(numbers: overview_numbers.Overview) -> bool:
    return numbers.head.empty or not numbers.head["upset_calls"].iloc[0]


@callback(Output(COMPARISON, "children"), Output(EARLY, "children"), Input(filters.STORE, "data"))
def show_comparisons(chosen):
    """What changed (vs the period before and a year earlier) and the early signal."""
    numbers = overview_numbers.overview_numbers(filters.params(chosen))
    if _no_calls(numbers):
        return None, None
    return comparison_panel(numbers), early_panel(numbers)


@callback(Output(DIRECTOR, "children"), Input(filters.STORE, "data"))
def show_director(chosen):
    """Revenue at risk, the top practice gap's cost and the KPIs, as cards."""
    numbers = overview_numbers.overview_numbers(filters.params(chosen))
    return [] if _no_calls(numbers) else director_cards(numbers)


@callback(Output(KPI_TRENDS, "figure"), Input(filters.STORE, "data"))
def show_kpi_trends(chosen):
    """The contact-centre KPIs, month by month."""
    return overview_figures.kpis(overview_numbers.overview_numbers(filters.params(chosen)))


def update(chosen):
    """The headline, trends and teams for the filters ``chosen``, as one tuple (headline cards,
    churn trend, adoption trend, teams' rows, their columns, team bars, message): what
    :func:`show_headline`, :func:`show_churn_trend`, :func:`show_teams` and :func:`show_adoption`
    send, in the order the page's single callback sent them before it was split (tests read it so)."""
    cards, message = show_headline(chosen)
    rows, columns, bars = show_teams(chosen)
    return cards, show_churn_trend(chosen), show_adoption(chosen), rows, columns, bars, message


def update_director(chosen):
    """The director's view for the filters ``chosen``, as one tuple (comparison, early signal,
    director cards, KPI trends): what :func:`show_comparisons`, :func:`show_director` and
    :func:`show_kpi_trends` send."""
    comparison, early = show_comparisons(chosen)
    return comparison, early, show_director(chosen), show_kpi_trends(chosen)


@callback(
    Output(AGENTS, "rowData"), Output(AGENTS, "columnDefs"), Output(f"{AGENTS}-title", "children"),
    Input(TEAMS, "selectedRows"), State(filters.STORE, "data"),
)
def drill_team(selected, chosen):
    """Clicking a team lists its agents."""
    if not selected:
        return [], [], "Agents: pick a team above"
    team = selected[0]["team"]
    agents = overview_numbers.with_churn_interval(data.frame("team_agents", team=team, **filters.params(chosen)))
    return grids.records(agents), people_columns(agents, html_report.AGENT_COLUMNS), f"Agents of {team}"


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
    calls = call_links.with_links(calls, data.frame("agent_transcripts", agent=agent))
    return grids.records(calls), call_links.link_column(grids.columns(calls)), f"Upset calls of {agent}"


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


@callback(Output(REPORT_BUTTON, "href"), Input(filters.STORE, "data"))
def report_link(chosen):
    """The report button's address: the report route with the active filters."""
    return report_route.href(chosen)


@callback(Output(PDF_BUTTON, "href"), Input(filters.STORE, "data"))
def pdf_link(chosen):
    """The PDF button's address: the PDF route with the active filters."""
    return report_route.href(chosen, report_route.PDF_PATH)


def download_report(_clicks, chosen):
    """The overview with the filters ``chosen`` as one self-contained HTML file (what the report
    route serves), as ``{"content", "filename"}``; for callers outside a request, such as
    :mod:`calmline.notify.report_file`."""
    return {"content": html_report.report_for(chosen), "filename": html_report.FILENAME}


grids.register_exports(TEAMS, AGENTS, CALLS)
filters.drill_in_url(TEAMS, "team", "team", clears=("agent",))  # the drill-down stays in the URL
filters.drill_in_url(AGENTS, "agent", "agent_id")
