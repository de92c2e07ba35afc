"""The HTML report as a file download: ``GET /report.html?<the pages' filter query string>``;
the same report as PDF: ``GET /report.pdf?<the same query string>``.

The report (:func:`calmline.dashboard.html_report.report_for`, several megabytes with plotly.js
inlined) is answered by a plain Flask route on the Dash app's server, with
``Content-Disposition: attachment``, rather than sent as JSON through a callback. Its query
string is the one the pages keep in their URL (``?teams=leeds-1&anger=5&start=2025-03``, or
``?view=ID`` for stored filters), so the Overview's button is a plain link carrying the filters
(:func:`href`). The route sits behind the app's sign-in like every page and callback (dash-auth
checks every request of the server). A filter value the database does not offer is answered
400 with what was wrong, never a report silently made for other filters.

Registered with :func:`dash.hooks.route`, so every app :func:`calmline.dashboard.app.create_app`
makes has it, under the app's own path prefix, and the view runs with that app as
:func:`dash.get_app` (the database it serves).
"""

from __future__ import annotations

from urllib.parse import parse_qs

import dash
import flask
from calmline.dashboard import filters, html_report

PATH = "report.html"
"""The route, relative to the app's path prefix."""
PDF_PATH = "report.pdf"
"""The PDF's route, relative to the app's path prefix (the same query string)."""
PDF_FILENAME = "calmline-overview.pdf"
"""The name the PDF is downloaded as."""


def href(chosen: dict | None, path: str = PATH) -> str:
    """The report's address for the filters ``chosen`` (as the filter store holds them).

    Parameters
    ----------
    chosen : dict or None
        The active filters.
    path : str
        :data:`PATH` (the HTML report) or :data:`PDF_PATH`.

    Returns
    -------
    str
        ``/report.html`` under the app's path prefix, with the filters' query string
        (:func:`calmline.dashboard.filters.short_search`: a stored view when they are long).
    """
    return dash.get_relative_path("/" + path) + filters.short_search(chosen or {})


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


@dash.hooks.route(name=PATH, methods=("GET",))
def serve_report() -> flask.Response:
    """Answer ``GET /report.html?...``: the report as an attachment, or 400 naming the bad filters."""
    search = flask.request.query_string.decode("utf-8", errors="replace")
    chosen, problems = requested(search)
    if problems:
        return _refusal(problems)
    page = html_report.report_for(chosen)
    return flask.Response(page, mimetype="text/html", headers={
        "Content-Disposition": f'attachment; filename="{html_report.FILENAME}"',
        "Cache-Control": "no-store",  # the centre's figures: not kept by proxies or the browser cache
    })


@dash.hooks.route(name=PDF_PATH, methods=("GET",))
def serve_pdf() -> flask.Response:
    """Answer ``GET /report.pdf?...``: the overview as PDF, written by
    :func:`calmline.notify.report_file.write_report` (what ``calmline report --out x.pdf`` runs);
    400 naming bad filters; 503 saying what to install when the server has no Chromium."""
    import tempfile
    from pathlib import Path

    from calmline.dashboard.access import settings

    from calmline.notify import report_file

    search = flask.request.query_string.decode("utf-8", errors="replace")
    chosen, problems = requested(search)
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
            data = report_file.write_report(settings().db, Path(folder) / PDF_FILENAME, chosen).read_bytes()
    except report_file.ReportError as err:
        return flask.Response(f"The PDF was not made: {err}\n", status=503, mimetype="text/plain")
    return flask.Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{PDF_FILENAME}"',
        "Cache-Control": "no-store",
    })
