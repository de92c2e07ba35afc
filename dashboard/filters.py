"""Global filters (period, team, site, channel, issue type, anger level), kept in the URL.

The URL's query string is the single source of truth: a link reproduces the
view, and back and forward work. The filter controls and ``filters-store`` (the
parsed filters every page reads) follow it.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import os
import re
import tempfile
import threading
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlencode

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from calmline.dashboard import data

STORE = "filters-store"
NOTICE = "filters-notice"
MAX_VALUES = 100
"""Most values one filter may hold; more are dropped (and reported)."""
FIELDS = {  # filter -> (label, multi)
    "start": ("From month", False),
    "end": ("To month", False),
    "teams": ("Team", True),
    "sites": ("Site", True),
    "channels": ("Channel", True),
    "issues": ("Issue type", True),
    "anger": ("Anger level", True),
}
_OPTION_SOURCE = {"teams": "team", "sites": "site", "channels": "channel", "issues": "issue_type",
                  "start": "month", "end": "month"}


def control_id(name: str) -> dict:
    return {"type": "filter", "name": name}


def bar() -> html.Div:
    """The filter controls above every page, offering the values present in the data.

    Built when a page is served (not at import), so the options exist before the URL's
    values are put into the controls.
    """
    options = _options()
    cols = [dbc.Col(dcc.Dropdown(id=control_id(name), multi=multi, placeholder=label, clearable=True,
                                 options=options[name]), md=2, className="mb-1")
            for name, (label, multi) in FIELDS.items()]
    return html.Div([dbc.Row(cols, className="g-1"), html.Div(id=NOTICE), dcc.Store(id=STORE)],
                    className="mb-2")


def _options() -> dict[str, list[dict]]:
    found = data.frame("filter_options")
    out = {"anger": [{"label": f"{a}" + (" (irate)" if a == 5 else ""), "value": str(a)} for a in (3, 4, 5)]}
    for name, source in _OPTION_SOURCE.items():
        values = found.loc[found["filter"] == source, "value"].tolist() if len(found) else []
        out[name] = [{"label": v, "value": v} for v in values]
    return out


def _known() -> dict[str, set[str]] | None:
    """The values each filter may take (what the database offers); None outside a running app."""
    try:
        options = _options()
    except Exception:  # no app, as in a test of the URL format alone
        return None
    return {name: {o["value"] for o in opts} for name, opts in options.items()}


def _is_month(text: str) -> bool:
    return bool(re.fullmatch(r"(19|20|21)\d\d-(0[1-9]|1[0-2])", text))


def _month_in_data(text: str, months: set[str] | None) -> bool:
    """Whether ``text`` is a month (YYYY-MM) within the months the data covers (any month when
    they are not known, as outside a running app). A gap month inside the range is kept: the
    period still means something; a month before the first or after the last would silently
    leave the period empty, or the same as no bound at all."""
    if not _is_month(text):
        return False
    return not months or min(months) <= text <= max(months)


def bound(chosen: dict | None) -> tuple[dict, dict[str, list]]:
    """(the filters ``chosen`` holds that the database offers, at most :data:`MAX_VALUES` each;
    the values dropped, by filter). Whatever a URL or a callback sends, only known values reach
    a query or the data cache."""
    known = _known()
    kept, dropped = {}, {}
    if isinstance(chosen, dict) and VIEW in chosen:
        dropped[VIEW] = chosen[VIEW]
    for name, (_, multi) in FIELDS.items():
        value = (chosen or {}).get(name) if isinstance(chosen, dict) else None
        if value in (None, "", []):
            continue
        values = value if isinstance(value, list) else [value]
        good, bad = [], []
        for i, v in enumerate(values):
            if i >= 4 * MAX_VALUES:
                bad.append(f"{len(values) - i} more")
                break
            ok = isinstance(v, str) and (_month_in_data(v, known and known[name]) if name in ("start", "end")
                                         else known is None or v in known[name])
            if ok and v not in good:
                good.append(v)
            elif not ok:
                bad.append(v)
        if len(good) > MAX_VALUES:
            bad.append(f"{len(good) - MAX_VALUES} more than {MAX_VALUES}")
            good = good[:MAX_VALUES]
        if not multi and len(good) > 1:
            bad.extend(good[1:])
            good = good[:1]
        if good:
            kept[name] = good if multi else good[0]
        if bad:
            dropped[name] = bad
    return kept, dropped


def notice(dropped: dict[str, list]):
    """A visible note naming the filter values a link asked for that were not found."""
    if not dropped:
        return None
    def shown(v):
        text = v if isinstance(v, str) else repr(v)
        return text if len(text) <= 40 else text[:39] + "…"
    parts = []
    if VIEW in dropped:
        return dbc.Alert("The filters this link was saved with were not found on this server; showing all "
                         "the data.", color="warning", dismissable=True, className="py-1 mb-1")
    months = (_known() or {}).get("start")
    for name, values in dropped.items():
        listed = ", ".join(shown(v) for v in values[:10]) + (f" and {len(values) - 10} more" if len(values) > 10
                                                              else "")
        if name in ("start", "end") and months:
            listed += f" (the data covers {min(months)} to {max(months)})"
        parts.append(f"{FIELDS[name][0]}: {listed}")
    return dbc.Alert("Some filter values in this link were not found in the data and are left out. "
                     + "; ".join(parts), color="warning", dismissable=True, className="py-1 mb-1")


VIEW = "view"
"""The URL parameter naming a stored view (``?view=3f2a9c0b1d4e``): a long set of filters."""
LONG_SEARCH = 1500
"""Filters whose query string would be longer than this many characters are stored as a view."""
MAX_VIEWS = 10_000
"""Stored views kept per server (the oldest are removed first)."""


def _views_folder() -> Path:
    """Where views are stored: shared by every worker of the machine, keyed by the database."""
    db = str(Path(data.database()).resolve())
    return Path(tempfile.gettempdir()) / "calmline-views" / hashlib.sha256(db.encode()).hexdigest()[:16]


def store_view(filters: dict) -> str:
    """Store ``filters`` (already bounded) and return its short id; the same filters, the same id."""
    text = json.dumps({k: filters[k] for k in FIELDS if k in filters}, sort_keys=True, separators=(",", ":"))
    ident = hashlib.sha256(text.encode()).hexdigest()[:12]
    folder = _views_folder()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{ident}.json"
    if not target.exists():
        part = folder / f".{ident}.{os.getpid()}.{threading.get_ident()}.tmp"
        part.write_text(text, encoding="utf-8")
        os.replace(part, target)
        stored = sorted(folder.glob("*.json"), key=lambda f: f.stat().st_mtime)
        for old in stored[:max(0, len(stored) - MAX_VIEWS)]:
            old.unlink(missing_ok=True)
    return ident


def load_view(ident: str) -> dict | None:
    """The filters stored as ``ident``; None when there is no such view."""
    if not re.fullmatch(r"[0-9a-f]{12}", ident or ""):
        return None
    try:
        loaded = json.loads((_views_folder() / f"{ident}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def parse(search: str | None) -> dict:
    """Filters from a URL query string (``?teams=a&teams=b&anger=4``, or ``?view=ID`` for stored
    filters; a view that is not found gives ``{"view": [ID]}`` so that it is reported)."""
    raw = parse_qs((search or "").lstrip("?"))
    if raw.get(VIEW):
        stored = load_view(raw[VIEW][0])
        return stored if stored is not None else {VIEW: raw[VIEW][:1]}
    out = {}
    for name, (_, multi) in FIELDS.items():
        values = raw.get(name, [])
        if values:
            out[name] = values if multi else values[0]
    return out


def to_search(filters: dict) -> str:
    """The URL query string for ``filters`` (empty values left out)."""
    pairs = [(k, v) for k in FIELDS for v in (filters.get(k) if isinstance(filters.get(k), list)
                                              else [filters.get(k)]) if v not in (None, "")]
    return "?" + urlencode(pairs) if pairs else ""


def _with_others(filters_search: str, search: str | None) -> str:
    """``filters_search`` with the parameters of ``search`` that are not global filters (a page's
    own state, such as ``horizon``) kept as they were."""
    others = [(k, v) for k, values in parse_qs((search or "").lstrip("?")).items()
              if k not in FIELDS and k != VIEW for v in values]
    if not others:
        return filters_search
    return filters_search + ("&" if filters_search else "?") + urlencode(others)


def narrow(search: str | None, **chosen: str) -> str:
    """The URL query string with each named filter set to just the value clicked on a chart
    (``narrow("?anger=5", teams="Red")`` -> ``"?teams=Red&anger=5"``); the other filters stay."""
    current = parse(search)
    for name, value in chosen.items():
        current[name] = [value] if FIELDS[name][1] else value
    return short_search(current)


def short_search(filters: dict) -> str:
    """:func:`to_search`, or ``?view=ID`` with the filters stored when that would be long."""
    search = to_search(filters)
    return search if len(search) <= LONG_SEARCH else "?" + urlencode([(VIEW, store_view(bound(filters)[0]))])


def month_bounds(filters: dict) -> dict:
    """Turn month choices into the first and last day they cover, for the SQL."""
    out = dict(filters)
    if out.get("start"):
        out["start"] = f"{out['start']}-01"
    if out.get("end"):
        year, month = (int(x) for x in out["end"].split("-"))
        out["end"] = date(year, month, calendar.monthrange(year, month)[1]).isoformat()
    return out


def params(filters: dict | None) -> dict:
    """The filters as the bound parameters of the dashboard's filtered queries (known values only,
    see :func:`bound`)."""
    return data.filter_params(month_bounds(bound(filters)[0]))


NOT_APPLIED = "filters-not-applied"
"""Pattern-matching id type of the notice a page shows when it does not apply the filters."""


def not_applied(page: str, scope: str) -> html.Div:
    """A plain notice, for a page that does not apply the global filters, saying so.

    Parameters
    ----------
    page : str
        The page's id prefix (``"impact"``), so each page's notice has an id of its own.
    scope : str
        What the page shows instead, such as ``"Centre-wide model results"``.

    Returns
    -------
    dash.html.Div
        Updated by :func:`not_applied_text` whenever the filters change: it names the filters
        that are set and are not applied here.
    """
    ident = {"type": NOT_APPLIED, "page": page, "scope": scope}
    return html.Div(not_applied_text(scope, {}, page), id=ident)


ON_DEMAND = {"impact": "Estimate for this filter"}
"""Pages whose stored results ignore the filters but that re-estimate for them on demand, and the
button that does it (Practice impact: its stored estimates are centre-wide)."""


def not_applied_text(scope: str, chosen: dict | None, page: str | None = None):
    """The notice's content: a quiet line without filters; a warning naming them when some are set.
    On a page of :data:`ON_DEMAND` it says the stored results are for every call and which button
    re-estimates for the filters."""
    described = describe(chosen)
    button = ON_DEMAND.get(page)
    if button and not described:
        return html.Div(f"{scope}: the stored estimates are for every upset call; set filters above and "
                        f"press \"{button}\" to re-estimate the logit AME and AIPW for the calls they keep.",
                        className="small text-muted mb-2")
    if button:
        return dbc.Alert(f"{scope}: the stored estimates below are for every upset call, not for the filters "
                         f"set above ({described}); \"{button}\" re-estimates the logit AME and AIPW for the "
                         "calls they keep.", color="info", className="py-1 mb-2")
    if not described:
        return html.Div(f"{scope}: the global filters are not applied on this page; they apply to the Overview.",
                        className="small text-muted mb-2")
    return dbc.Alert(f"{scope}: the filters set above ({described}) are not applied on this page; "
                     "they apply to the Overview.", color="info", className="py-1 mb-2")


def notices(chosen: dict | None, ids: list[dict]) -> list:
    """The content of every :func:`not_applied` notice on the page, for the filters ``chosen``."""
    return [not_applied_text(i["scope"], chosen, i.get("page")) for i in ids]


def describe(chosen: dict | None) -> str:
    """The filters that are set, in words (``"Team: leeds-1; Anger level: 5"``); empty when none."""
    parts = []
    for name, (label, _) in FIELDS.items():
        value = (chosen or {}).get(name)
        values = value if isinstance(value, list) else [value] if value not in (None, "") else []
        if values:
            parts.append(f"{label}: {', '.join(map(str, values[:10]))}" + (" …" if len(values) > 10 else ""))
    return "; ".join(parts)


NAV = "nav-link"
"""Pattern-matching id type of the navigation's links; their ``path`` is the page they open."""
CARRIED = (*FIELDS, VIEW, "horizon")
"""URL parameters a navigation link carries to the next page: the global filters (or their stored
view) and the model pages' horizon. A page's own state (a drill-down, an explorer link) stays."""


def carried(search: str | None) -> str:
    """The part of a URL query string the navigation takes along to another page.

    Parameters
    ----------
    search : str or None
        The current URL's query string (``"?teams=a&team=a&horizon=30"``).

    Returns
    -------
    str
        Only the :data:`CARRIED` parameters, in the order given (``"?teams=a&horizon=30"``);
        empty when there are none.
    """
    pairs = [(k, v) for k, v in parse_qsl((search or "").lstrip("?")) if k in CARRIED]
    return "?" + urlencode(pairs) if pairs else ""


def nav_links(pathname: str | None, search: str | None, ids: list[dict]) -> tuple[list[str], list[bool]]:
    """The navigation links' addresses and which one is the page shown.

    Parameters
    ----------
    pathname, search : str or None
        The current URL's path and query string.
    ids : list of dict
        The links' ids, ``{"type": NAV, "path": "/impact"}``.

    Returns
    -------
    tuple of (list of str, list of bool)
        Each link's path with :func:`carried` appended, and whether it is ``pathname``.
    """
    kept = carried(search)
    return [i["path"] + kept for i in ids], [i["path"] == (pathname or "/") for i in ids]


def drilled_search(search: str | None, key: str, value, clears: tuple[str, ...] = ()) -> str | None:
    """The URL query string with page state ``key`` set to ``value`` and the deeper levels ``clears``
    removed (``drilled_search("?anger=5&agent=a1", "team", "leeds-1", ("agent",))`` ->
    ``"?anger=5&team=leeds-1"``); None when the URL already has ``key=value`` (a selection restored
    from the URL must not clear the levels below it)."""
    pairs = parse_qsl((search or "").lstrip("?"))
    if dict(pairs).get(key) == str(value):
        return None
    return "?" + urlencode([(k, v) for k, v in pairs if k != key and k not in clears] + [(key, str(value))])


def drill_from_url(search: str | None, key: str, field: str, rows: list[dict] | None,
                   selected: list[dict] | None):
    """The grid selection the URL asks for.

    Parameters
    ----------
    search : str or None
        The URL's query string, holding ``key=value`` when a row is chosen.
    key, field : str
        The URL parameter, and the row field it names a row by.
    rows, selected : list of dict or None
        The grid's rows and its current selection.

    Returns
    -------
    list of dict or dash.no_update
        ``[row]`` whose ``field`` is the URL's value; ``[]`` when the URL chooses none; ``no_update``
        when the grid already shows the choice or does not (yet) hold the row.
    """
    wanted = dict(parse_qsl((search or "").lstrip("?"))).get(key)
    current = str(selected[0].get(field)) if selected else None
    if wanted == current:
        return no_update
    if wanted is None:
        return []
    row = next((r for r in rows or [] if str(r.get(field)) == wanted), None)
    return [row] if row is not None else no_update


def drill_in_url(grid: str, key: str, field: str, *, clears: tuple[str, ...] = ()) -> None:
    """Keep the row selected in ``grid`` (a drill-down) in the URL as ``?key=<row's field>``, so a
    link, a reload, back and forward and a page visited in between bring it back. Selecting a row
    writes it (and removes the deeper levels ``clears``); the URL selects the row once the grid
    holds it. Call once per grid, from its page module."""
    import dash

    @dash.callback(Output("url", "search", allow_duplicate=True), Input(grid, "selectedRows"),
                   State("url", "search"), prevent_initial_call=True)
    def _to_url(selected, search):
        if not selected:
            return no_update  # a grid refilled drops its selection; the URL keeps the choice
        new = drilled_search(search, key, selected[0].get(field), clears)
        return no_update if new is None else new

    @dash.callback(Output(grid, "selectedRows"), Input(grid, "rowData"), Input("url", "search"),
                   State(grid, "selectedRows"))
    def _from_url(rows, search, selected):
        return drill_from_url(search, key, field, rows, selected)


def register(app) -> None:
    """Attach the URL <-> filters callback to ``app`` (per app, so several apps in one process,
    as in tests, each get it), the notice of pages that do not apply the filters, and the
    navigation links that carry the filters from page to page."""
    app.callback(
        Output({"type": NOT_APPLIED, "page": ALL, "scope": ALL}, "children"),
        Input(STORE, "data"),
        State({"type": NOT_APPLIED, "page": ALL, "scope": ALL}, "id"),
    )(notices)
    app.callback(
        Output({"type": NAV, "path": ALL}, "href"),
        Output({"type": NAV, "path": ALL}, "active"),
        Input("url", "pathname"),
        Input("url", "search"),
        State({"type": NAV, "path": ALL}, "id"),
    )(nav_links)
    app.callback(
        Output("url", "search"),
        Output({"type": "filter", "name": ALL}, "value"),
        Output(STORE, "data"),
        Output(NOTICE, "children"),
        Input("url", "search"),
        Input({"type": "filter", "name": ALL}, "value"),
        State({"type": "filter", "name": ALL}, "id"),
        State(STORE, "data"),
    )(sync)


def sync(search, values, ids, current=None):
    """Keep URL, controls and store in step; whichever changed leads. Values the data does not
    offer are dropped, and a link that asked for them says so. The store is left alone when the
    filters did not change (a page's own URL state, such as a drill-down, changed), so the pages
    do not redraw for nothing."""
    new_search, new_values, chosen, note = follow_noting(ctx.triggered_id, search, values, ids)
    return new_search, new_values, (no_update if chosen == current else chosen), note


def follow_noting(trigger, search: str | None, values: list, ids: list[dict]):
    """:func:`follow`, and the notice of the values a URL asked for that were dropped."""
    new_search, new_values, chosen = follow(trigger, search, values, ids)
    if trigger == "url" or trigger is None:
        return new_search, new_values, chosen, notice(bound(parse(search))[1])
    return new_search, new_values, chosen, no_update


def follow(trigger, search: str | None, values: list, ids: list[dict]):
    """(new URL search, control values, filters) after ``trigger`` changed ('url' or a control)."""
    keep = [no_update] * len(ids)
    if trigger == "url" or trigger is None:
        chosen = bound(parse(search))[0]
        return no_update, [chosen.get(i["name"]) for i in ids], chosen
    chosen = bound({i["name"]: v for i, v in zip(ids, values) if v not in (None, "", [])})[0]
    new_search = _with_others(short_search(chosen), search)
    return (new_search if new_search != (search or "") else no_update), keep, chosen
