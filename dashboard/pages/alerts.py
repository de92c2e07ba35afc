"""Alerts (#14): the rules of the `calmline notify` rules file the server was started with
(``calmline serve --rules FILE``, or ``CALMLINE_RULES`` under gunicorn), each with its last result
from the ``notifications`` table: when, for which period, how many deliveries went out or failed,
the subject sent and why deliveries failed.

Read-only for everyone: nothing here changes a rule or sends anything. Recipients are shown to the
roles the rules file names (``[access] roles = [...]``) and masked for everyone else; a webhook is
only ever shown by its host (its URL is its secret). Without sign-in (loopback only) the local user
sees them. Without a rules file, the page says how to set one up.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from calmline.dashboard import access, data, formats
from dash import html

dash.register_page(__name__, path="/alerts", name="Alerts", title="calmline - alerts", order=6)

RULES = "alerts-rules"
MESSAGE = "alerts-message"
MASKED = "(hidden: your role may not see recipients)"
"""What a user whose role the rules file does not allow sees instead of an address."""
SET_UP = ("No rules file was given to this server. Write one (see the README, \"Reports and alerts\"), "
          "have cron run `calmline notify --db calmline.duckdb --rules notify.toml` every morning, e.g. "
          "`0 7 * * *  cd /srv/calmline && .venv/bin/calmline notify --db calmline.duckdb --rules notify.toml "
          ">> notify.log 2>&1`, and start the dashboard with `calmline serve --rules notify.toml` "
          "(gunicorn: CALMLINE_RULES=notify.toml) to list the rules and their last results here.")
HEADERS = ("Rule", "Kind", "What", "Filters", "Recipients", "Last run (UTC)", "Outcome", "Sent, or why it failed")


def may_see_recipients(roles: tuple[str, ...]) -> bool:
    """Whether the signed-in user sees recipients: no sign-in (loopback), or a role in ``roles``.

    Parameters
    ----------
    roles : tuple of str
        The rules file's ``[access] roles``.

    Returns
    -------
    bool
    """
    chosen = access.settings()
    if chosen.users is None:
        return True
    user = chosen.users.get(access.signed_in_user() or "")
    return user is not None and any(role in roles for role in user.roles)


def shown_recipients(rule, allowed: bool) -> str:
    """The rule's recipients as the user may see them: addresses, or masked; webhooks by host only."""
    people = list(rule.to) if allowed else ([MASKED] if rule.to else [])
    hooks = [f"webhook at {urlsplit(url).hostname}" for url in rule.webhooks] if allowed else \
        ([f"{len(rule.webhooks)} webhook(s)"] if rule.webhooks else [])
    return ", ".join(people + hooks) or formats.MISSING


def describe(rule) -> str:
    """What the rule does, in words: the report and how often, or the alert's condition."""
    from calmline.notify.rules import METRICS

    if rule.kind == "subscription":
        return f"{rule.report} report, {rule.cadence}"
    key, unit = METRICS.get(rule.metric, (None, None))
    what = rule.metric + (f" {rule.practice}" if rule.practice else "")
    return what + (f", {key} {rule.threshold:g} {unit}" if key and rule.threshold is not None else "")


def outcome(last: pd.Series | None) -> tuple[str, str]:
    """(outcome, what was sent or why it failed) of a rule's last result; never run: says so."""
    if last is None:
        return "not run yet", formats.MISSING
    failed, total = int(last["failed"]), int(last["deliveries"])
    status = (f"sent ({total} deliveries)" if not failed
              else f"{failed} of {total} deliveries failed (retried on the next run)")
    said = f"{last['subject']}" + (f"; failed: {last['detail']}" if failed and isinstance(last["detail"], str) else "")
    return status, said


def rows(rules, results: pd.DataFrame, allowed: bool) -> list[list[str]]:
    """One row of plain text per rule, in the order of :data:`HEADERS`."""
    last = {r["rule"]: r for _, r in results.iterrows()} if len(results) else {}
    out = []
    for rule in rules.rules:
        result = last.get(rule.name)
        status, said = outcome(result)
        when = formats.MISSING if result is None else \
            f"{pd.Timestamp(result['attempted_at']):%Y-%m-%d %H:%M} (period {result['period']})"
        filters = ", ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, (list, tuple)) else v}"
                            for k, v in rule.filters.items()) or "none"
        out.append([rule.name, rule.kind, describe(rule), filters, shown_recipients(rule, allowed), when,
                    status, said])
    return out


def layout(**_query) -> html.Div:
    from calmline.notify.rules import RulesError, read_rules

    path = access.settings().rules
    title = html.H4("Alerts and subscriptions")
    if path is None:
        return html.Div([title, dbc.Alert(SET_UP, id=MESSAGE, color="info")])
    try:
        rules = read_rules(path)
    except RulesError as exc:
        return html.Div([title, dbc.Alert(f"The rules file cannot be used: {exc}", id=MESSAGE, color="danger")])
    results = data.frame("notification_results")
    allowed = may_see_recipients(rules.recipient_roles)
    note = (f"From {path.name}; read-only. Last results from the notifications table"
            + ("" if len(results) or not results.attrs.get("missing") else " (nothing delivered yet)")
            + ("." if allowed else "; recipients are shown only to the roles the rules file names."))
    table = dbc.Table([html.Thead(html.Tr([html.Th(h) for h in HEADERS])),
                       html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows(rules, results, allowed)])],
                      id=RULES, size="sm", bordered=True, className="small")
    return html.Div([title, html.Div(note, id=MESSAGE, className="small text-muted mb-2"), table])
