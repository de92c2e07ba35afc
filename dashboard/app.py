"""The Dash app factory: the app, its navigation, the global filters and the page container.

No data is loaded here; pages ask :mod:`calmline.dashboard.data` when a callback runs. The
settings the app is created with are kept on it and read back with
:func:`calmline.dashboard.access.settings`.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from calmline.dashboard import access, filters
from calmline.dashboard import report_route  # noqa: F401  (adds GET /report.html to every app made here)
from calmline.dashboard.access import Settings, settings
from calmline.explorer.sandbox import Sandbox

__all__ = ["Settings", "create_app", "settings", "navigation"]

log = logging.getLogger("calmline.dashboard")

EXPLORER_PAGE = "calmline.dashboard.pages.explorer"
"""The query explorer's page module: its link is left out for whoever may not use it."""
ALERTS_PAGE = "calmline.dashboard.pages.alerts"
"""The Alerts page's module: linked only when the server was given a rules file."""


def create_app(settings: Settings) -> dash.Dash:
    """Create the calmline dashboard for the database at ``settings.db``."""
    app = dash.Dash(
        # The package's name, so Dash imports the pages as calmline.dashboard.pages.<page>, the name the
        # rest of the code and the tests import them by; from "calmline.dashboard.app" it would infer
        # "pages.<page>", and a page imported both ways registers its path twice.
        "calmline.dashboard",
        use_pages=True,
        pages_folder=str(Path(__file__).parent / "pages"),
        assets_folder=str(Path(__file__).parent / "assets"),  # Bootstrap 5.3.3 CSS, served locally
        title=settings.title,
        suppress_callback_exceptions=False,
        on_error=report_error,
    )
    served = dataclasses.replace(settings, explorer=settings.explorer and _sandbox_as_required(settings))
    access.keep(app, served)
    app.layout = layout
    filters.register(app)
    _answer_bad_requests(app)  # before sign-in's own check, which reads the callback body
    if settings.users is not None:
        access.protect(app, settings.users)
    return app


def _sandbox_as_required(settings: Settings) -> bool:
    """Open a sandbox once and read its settings back: the explorer is served only if they hold."""
    if not Path(settings.db).exists():
        return True  # checked again when the first query opens one
    try:
        Sandbox(settings.db, settings.limits).close()
    except RuntimeError as exc:
        log.error("query explorer switched off: %s", exc)
        return False
    return True


def _answer_bad_requests(app: dash.Dash) -> None:
    """Requests the app cannot serve get 400 or 404 instead of a server error (HTTP 500).

    A callback request must be a JSON object naming one of the app's callbacks, with its inputs
    as a list; an unknown component-suite path (``/_dash-component-suites/nope/x.js``) is
    not found.
    """
    import flask
    from dash.exceptions import CallbackException, DependencyException

    server = app.server

    @server.before_request
    def _callback_body_is_a_callback():
        if flask.request.path != "/_dash-update-component" or flask.request.method != "POST":
            return None
        body = flask.request.get_json(silent=True, force=True)
        shaped = (isinstance(body, dict) and isinstance(body.get("output"), str)
                  and isinstance(body.get("inputs"), list) and isinstance(body.get("state", []), list)
                  and isinstance(body.get("changedPropIds", []), list)
                  and isinstance(body.get("outputs", []), (dict, list)))
        if not shaped:
            return flask.Response("Not a Dash callback request.\n", status=400, mimetype="text/plain")
        if body["output"] not in app.callback_map:
            return flask.Response("No such callback.\n", status=400, mimetype="text/plain")
        return None

    @server.errorhandler(DependencyException)
    def _no_such_component_file(_exc):
        return flask.Response("Not found.\n", status=404, mimetype="text/plain")

    @server.errorhandler(LookupError)
    @server.errorhandler(TypeError)
    @server.errorhandler(CallbackException)
    def _callback_body_of_the_wrong_shape(exc):
        # Our callbacks' own errors never get here (on_error answers them in the page); these
        # are Dash failing to match a request's inputs and outputs to the callback it names.
        if flask.request.path == "/_dash-update-component":
            return flask.Response("The callback's inputs or outputs do not match it.\n", status=400,
                                  mimetype="text/plain")
        raise exc


ERROR = "app-error"


def report_error(err: Exception) -> None:
    """A callback failed: log it on the server and show a short message in the page."""
    log.exception("callback failed: %s", err, exc_info=err)
    dash.set_props(ERROR, {"children": dbc.Alert(
        "Something went wrong while updating this view; the error has been logged on the server. "
        "Try again, or change the filters.", color="danger", dismissable=True)})


def navigation() -> list[tuple[str, str]]:
    """(label, path) of each page this user may open, from Dash's page registry.

    Each page's ``register_page`` gives its name, path and order; pages come in that order,
    the home page ("/") first as Dash places it when it gives no order of its own. The query
    explorer is left out for a user it refuses, and so is a page registered with ``nav=False`` (one
    opened from another page's links, such as a call's page). The Alerts page is linked only when
    the server was given a rules file (it still answers at /alerts, saying how to set one up).
    """
    hide_explorer = access.explorer_refusal(settings(), access.signed_in_user()) is not None
    no_rules = settings().rules is None  # the Alerts page is linked only when a rules file is served
    pages = [p for p in dash.page_registry.values() if p.get("nav", True)
             and not (hide_explorer and p["module"] == EXPLORER_PAGE)
             and not (no_rules and p["module"] == ALERTS_PAGE)]
    ranked = sorted(enumerate(pages), key=lambda ip: (_rank(ip[1]) is None, _rank(ip[1]) or 0, ip[0]))
    return [(page["name"], page["relative_path"]) for _, page in ranked]


def set_up_before_serving(server) -> None:
    """Have Dash set itself up now, before a server with several threads answers anyone. Dash does it
    on its first request (copying the pages' callbacks, adding the page router's), which is not safe
    for two first requests at once (one was answered 500, "dictionary changed size during
    iteration"). One request answered here does it (a 401 when sign-in is on: the set-up runs before
    the sign-in check either way)."""
    server.test_client().get("/")


def _rank(page: dict):
    """A page's declared order; the home page's is 0 unless it declares one."""
    if page.get("supplied_order") is not None:
        return page["supplied_order"]
    return 0 if page["path"] == "/" else None


def layout() -> html.Div:
    """The frame around every page: navigation (its links carry the filters to the next page), global
    filters (kept in the URL), the page."""
    links = [dbc.NavItem(dbc.NavLink(label, href=href, id={"type": filters.NAV, "path": href}))
             for label, href in navigation()]  # href and active follow the URL: filters.nav_links
    return html.Div([
        dcc.Location(id="url", refresh="callback-nav"),
        dbc.Navbar(dbc.Container([dbc.NavbarBrand("calmline", href="/"), dbc.Nav(links, navbar=True)],
                                 fluid=True), color="dark", dark=True, className="mb-2"),
        dbc.Container([html.Div(id=ERROR), filters.bar(), dash.page_container], fluid=True),
    ])
