"""The HTML report as a file download: ``GET /report.html?<the pages' filter query string>``;
the same report as PDF: ``GET /report.pdf?<the same query string>``. ``page=impact`` or
``page=training`` asks for that page's report (default: the overview), ``horizon=30`` for the
model run of that horizon (as the model pages keep it in their URL).

The report (:func:`calmline.dashboard.html_report.report_for`, several megabytes with plotly.js
inlined) is answered by a plain Flask route on the Dash app's server, with
``Content-Disposition: attachment``, rather than sent as JSON through a callback. Its query
string is the one the pages keep in their URL (``?teams=leeds-1&anger=5&start=2025-03``, or
``?view=ID`` for stored filters), so each page's buttons are plain links carrying the filters
(:func:`href`, :func:`download_buttons`). The route sits behind the app's sign-in like every page and callback (dash-auth
checks every request of the server). A filter value the database does not offer is answered
400 with what was wrong, never a report silently made for other filters.

Registered with :func:`dash.hooks.route`, so every app :func:`calmline.dashboard.app.create_app`
makes has it, under the app's own path prefix, and the view runs with that app as
:func:`dash.get_app` (the database it serves).
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qs, urlencode

import dash
import dash_bootstrap_components as dbc
import flask
from calmline.dashboard import data, filters, horizons, html_report, report_page
from calmline.database.connection import file_version
from dash import Input, Output, callback, html

PATH = "report.html"
"""The route, relative to the app's path prefix."""
PDF_PATH = "report.pdf"
"""The PDF's route, relative to the app's path prefix (the same query string)."""
PDF_FILENAME = "calmline-overview.pdf"
"""The name the overview's PDF is downloaded as."""
PAGE_PARAM = "page"
"""The query parameter naming the report's page (:data:`calmline.dashboard.html_report.PAGES`)."""

REPORT_BYTES = 64 * 1024 ** 2
"""The reports a process keeps (the least recently asked for goes first), each without the
plotly.js it inlines (~4.6 MB, the same in every report: kept once, :func:`_plotlyjs_bytes`), so
about 100-300 kB a report. A report is made once per database version, page, horizon and filters."""
_reports = data.clears_with_caches(data.FrameCache(REPORT_BYTES, measure=lambda parts: sum(map(len, parts))))


def report_parts(chosen: dict, page: str, horizon: int | None) -> tuple[str, str]:
    """:func:`calmline.dashboard.html_report.report_for` as the text before plotly.js and the text
    after it ("" when the report holds no chart), kept per database file version, page, model run
    shown (:func:`_shown_run`: no horizon and the default horizon share one report) and filters (a new load or fit makes it again; two requests for the same report at once make it
    once): the report is ``before + plotly.js + after``. Its "Made" time is the request's (in
    ``before``). ~0.1-0.3 s of CPU a report at 2M calls, then well under a millisecond."""
    db = data.database()
    values = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in (chosen or {}).items()))
    key = (str(db.resolve()), file_version(db), page, _shown_run(page, horizon), values)
    before, after = _reports.get(key, lambda: _split(_made_apart(chosen, page, horizon)))
    return report_page.restamp(before), after


def _shown_run(page: str, horizon: int | None):
    """What of ``horizon`` a page's report depends on: for the model pages the run shown (its id:
    a horizon not named, or not fitted, shows the default horizon's run, the same report as asking
    for that horizon, tested), for the overview nothing (it has no horizon)."""
    if page == html_report.OVERVIEW:
        return None
    run = horizons.run_of(horizon)
    return ("run", None if run is None else int(run["run_id"]))


def _made_apart(chosen: dict, page: str, horizon: int | None) -> str:
    """The report with :data:`calmline.dashboard.report_page.PLOTLYJS_MARK` where plotly.js goes."""
    with report_page.plotlyjs_apart():
        return html_report.report_for(chosen, page, horizon)


def _split(text: str) -> tuple[str, str]:
    """A report's text before and after plotly.js's mark (all of it and "" when it holds none)."""
    before, mark, after = text.partition(report_page.PLOTLYJS_MARK)
    return (before, after) if mark else (text, "")


def report_text(chosen: dict, page: str, horizon: int | None) -> str:
    """The whole report (:func:`report_parts` joined around plotly.js), as one string."""
    before, after = report_parts(chosen, page, horizon)
    return before + report_page.plotlyjs() + after if after else before


@lru_cache(maxsize=1)
def _plotlyjs_bytes() -> bytes:
    """plotly.js as UTF-8, encoded once per process."""
    return report_page.plotlyjs().encode("utf-8")


def pdf_filename(page: str = html_report.OVERVIEW) -> str:
    """The name ``page``'s PDF is downloaded as: ``calmline-impact.pdf``."""
    return f"calmline-{page}.pdf"


def href(chosen: dict | None, path: str = PATH, page: str = html_report.OVERVIEW,
         horizon: int | None = None) -> str:
    """The report's address for the filters ``chosen`` (as the filter store holds them).

    Parameters
    ----------
    chosen : dict or None
        The active filters.
    path : str
        :data:`PATH` (the HTML report) or :data:`PDF_PATH`.
    page : str
        The page the report is of (:data:`calmline.dashboard.html_report.PAGES`); the overview's
        address carries no ``page``.
    horizon : int, optional
        The model run's horizon in days, as the model pages keep it in their URL.

    Returns
    -------
    str
        ``/report.html`` under the app's path prefix, with the filters' query string
        (:func:`calmline.dashboard.filters.short_search`: a stored view when they are long), then
        ``page`` and ``horizon`` when given.
    """
    search = filters.short_search(chosen or {})
    extra = [(PAGE_PARAM, page)] if page != html_report.OVERVIEW else []
    extra += [(horizons.HORIZON_PARAM, str(int(horizon)))] if horizon is not None else []
    if extra:
        search += ("&" if search else "?") + urlencode(extra)
    return dash.get_relative_path("/" + path) + search


def download_buttons(page: str) -> html.Div:
    """The page's "Download HTML report" and "Download PDF" buttons: plain links to the report
    routes (ids ``<page>-report-button`` and ``<page>-pdf-button``); :func:`follow_filters` keeps
    their addresses on the current filters and horizon."""
    return html.Div([
        dbc.Button("Download HTML report", id=f"{page}-report-button", size="sm", color="primary", outline=True,
                   href=href(None, PATH, page), external_link=True, download=html_report.filename(page)),
        dbc.Button("Download PDF", id=f"{page}-pdf-button", size="sm", color="primary", outline=True,
                   className="ms-2", href=href(None, PDF_PATH, page), external_link=True,
                   download=pdf_filename(page)),
    ], className="mb-2")


def follow_filters(page: str):
    """Register (and return) the callback that points ``page``'s download buttons at the report of
    the current filters (the filter store) and horizon (the URL's ``horizon``)."""
    @callback(Output(f"{page}-report-button", "href"), Output(f"{page}-pdf-button", "href"),
              Input(filters.STORE, "data"), Input("url", "search"))
    def report_links(chosen, search):
        """The download buttons' addresses for the current filters and horizon."""
        horizon = horizons.horizon_in(search)
        return href(chosen, PATH, page, horizon), href(chosen, PDF_PATH, page, horizon)

    return report_links


def report_of(search: str) -> tuple[str | None, int | None]:
    """The page and horizon a report request asks for (``?page=impact&horizon=30``).

    Parameters
    ----------
    search : str
        The request's query string.

    Returns
    -------
    tuple of (str or None, int or None)
        The page (:data:`calmline.dashboard.html_report.OVERVIEW` when none is named; None when the
        one named is not a report) and the horizon (None when none is named).
    """
    asked = parse_qs(search.lstrip("?")).get(PAGE_PARAM, [html_report.OVERVIEW])
    page = asked[0] if len(set(asked)) == 1 and asked[0] in html_report.PAGES else None
    return page, horizons.horizon_in(search)


def requested(search: str) -> tuple[dict, list[str]]:
    """The filters a report request asks for, and what is wrong with them.

    Parameters
    ----------
    search : str
        The request's query string, without or with its leading ``?``.

    Returns
    -------
    tuple of (dict, list of str)
        The filters the database offers, as the filter store holds them; and one line per
        filter value that cannot be used (unknown, malformed, a month outside the data, a
        stored view not found), empty when every value can be used. Parameters that are not
        filters (a page's own state, such as ``horizon``) are ignored.
    """
    chosen, dropped = filters.bound(filters.parse(search))
    problems = []
    if filters.VIEW in dropped:
        problems.append(f"view: no stored filters called {', '.join(map(str, dropped.pop(filters.VIEW)))}")
    for name, values in dropped.items():
        label = filters.FIELDS[name][0]
        problems.append(f"{name} ({label}): not in the data or not valid: {', '.join(map(str, values))}")
    for name, (label, multi) in filters.FIELDS.items():
        given = parse_qs(search.lstrip("?")).get(name, [])
        if not multi and len(set(given)) > 1:
            problems.append(f"{name} ({label}): one value only, got {', '.join(given)}")
    return chosen, problems


def _refusal(problems: list[str]) -> flask.Response:
    """400, naming the filter values that cannot be used."""
    text = ("The report was not made: these filter values cannot be used.\n"
            + "".join(f"- {p}\n" for p in problems)
            + "Valid values are those offered by the filters on the dashboard's pages; "
              "months are YYYY-MM within the data's period.\n")
    return flask.Response(text, status=400, mimetype="text/plain")


def _unknown_page(search: str) -> flask.Response:
    """400, naming the page asked for and the pages there are."""
    asked = ", ".join(parse_qs(search.lstrip("?")).get(PAGE_PARAM, []))
    return flask.Response(f"The report was not made: there is no report of page {asked!r}; "
                          f"the pages are {', '.join(html_report.PAGES)} (one of them).\n",
                          status=400, mimetype="text/plain")


@dash.hooks.route(name=PATH, methods=("GET",))
def serve_report() -> flask.Response:
    """Answer ``GET /report.html?...``: the report as an attachment, or 400 naming the bad filters."""
    search = flask.request.query_string.decode("utf-8", errors="replace")
    chosen, problems = requested(search)
    which, horizon = report_of(search)
    if which is None:
        return _unknown_page(search)
    if problems:
        return _refusal(problems)
    before, after = report_parts(chosen, which, horizon)
    pieces = [before.encode("utf-8"), _plotlyjs_bytes(), after.encode("utf-8")] if after else [before.encode("utf-8")]
    # streamed in its pieces: plotly.js (~4.6 MB) is sent from the one copy, never joined into a report
    return flask.Response(iter(pieces), mimetype="text/html", headers={
        "Content-Disposition": f'attachment; filename="{html_report.filename(which)}"',
        "Content-Length": str(sum(map(len, pieces))),
        "Cache-Control": "no-store",  # the centre's figures: not kept by proxies or the browser cache
    })


@dash.hooks.route(name=PDF_PATH, methods=("GET",))
def serve_pdf() -> flask.Response:
    """Answer ``GET /report.pdf?...``: the page's report as PDF, written by
    :func:`calmline.notify.report_file.write_report` (what ``calmline report --out x.pdf`` runs);
    400 naming bad filters; 503 saying what to install when the server has no Chromium."""
    import tempfile
    from pathlib import Path

    from calmline.dashboard.access import settings

    from calmline.notify import report_file

    search = flask.request.query_string.decode("utf-8", errors="replace")
    chosen, problems = requested(search)
    which, horizon = report_of(search)
    if which is None:
        return _unknown_page(search)
    if problems:
        return _refusal(problems)
    try:
        report_file.chromium()
    except report_file.ReportError as err:
        return flask.Response(f"The PDF cannot be made on this server: {err}\n"
                              "The HTML report (Download report (HTML)) works without it.\n",
                              status=503, mimetype="text/plain")
    try:
        with tempfile.TemporaryDirectory(prefix="calmline-route-") as folder:
            data = report_file.write_report(settings().db, Path(folder) / pdf_filename(which), chosen,
                                            page=which, horizon=horizon).read_bytes()
    except report_file.ReportError as err:
        return flask.Response(f"The PDF was not made: {err}\n", status=503, mimetype="text/plain")
    return flask.Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{pdf_filename(which)}"',
        "Cache-Control": "no-store",
    })


def _warm() -> None:
    """The reports a page's download button asks for before any filter is set (the overview's, and
    the model pages' for each fitted horizon and the default), made in the background when
    ``CALMLINE_WARM=1`` (see :func:`calmline.dashboard.data.warm`)."""
    report_parts({}, html_report.OVERVIEW, None)
    for horizon in (None, *(int(h) for h in horizons.fitted_runs().get("horizon_days", []))):
        for page in html_report.PAGES[1:]:
            report_parts({}, page, horizon)


data.warm(_warm)
