"""The Dash app factory: the app, its navigation, the global filters and the page container.

No data is loaded here; pages ask :mod:`calmline.dashboard.data` when a callback runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from calmline.dashboard import access, explorer_threads, filters
from calmline.explorer.sandbox import Limits, Sandbox

log = logging.getLogger("calmline.dashboard")

NAV = [("Overview", "/"), ("Practice impact", "/impact"), ("Training priorities", "/training"),
       ("Query explorer", "/explorer"), ("Data health", "/health")]


@dataclass(frozen=True)
class Settings:
    """What the app serves and how."""

    db: Path
    title: str = "calmline"
    explorer: bool = True
    """Serve the query explorer (analysts' own SQL, sandboxed)."""
    users: dict[str, access.User] | None = None
    """Sign-in required for these users (see :mod:`calmline.dashboard.access`); None: no sign-in."""
    limits: Limits = Limits()
    """The explorer's time, memory and row limits."""


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
    app.server.config.update(CALMLINE_DB=str(settings.db), CALMLINE_USERS=settings.users,
                             CALMLINE_LIMITS=settings.limits,
                             CALMLINE_EXPLORER=settings.explorer and _sandbox_as_required(settings))
    app.layout = layout
    filters.register(app)
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


ERROR = "app-error"


def report_error(err: Exception) -> None:
    """A callback failed: log it on the server and show a short message in the page."""
    log.exception("callback failed: %s", err, exc_info=err)
    dash.set_props(ERROR, {"children": dbc.Alert(
        "Something went wrong while updating this view; the error has been logged on the server. "
        "Try again, or change the filters.", color="danger", dismissable=True)})


def layout() -> html.Div:
    """The frame around every page: navigation, global filters (kept in the URL), the page."""
    hidden = {"/explorer"} if explorer_threads.refusal() else set()
    links = [dbc.NavItem(dbc.NavLink(label, href=href, active="exact")) for label, href in NAV
             if href not in hidden]
    return html.Div([
        dcc.Location(id="url", refresh="callback-nav"),
        dbc.Navbar(dbc.Container([dbc.NavbarBrand("calmline", href="/"), dbc.Nav(links, navbar=True)],
                                 fluid=True), color="dark", dark=True, className="mb-2"),
        dbc.Container([html.Div(id=ERROR), filters.bar(), dash.page_container], fluid=True),
    ])
