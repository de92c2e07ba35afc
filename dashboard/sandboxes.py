"""The query explorer's sandboxes: one per thread, reopened when the ETL publishes a new file.

A :class:`queries.sandbox.Sandbox` is a locked-down DuckDB instance of its own, used by one
thread at a time, so each server thread keeps its own. Whether the explorer may be used at
all (switched on, and the signed-in user an analyst) is decided here too.
"""

from __future__ import annotations

import threading

import dash
import flask

from dashboard import data
from dashboard.access import EXPLORER_ROLE
from queries.connection import file_version
from queries.sandbox import Limits, Sandbox

_local = threading.local()


def limits() -> Limits:
    """The explorer's limits for this app (``Settings.limits``)."""
    return dash.get_app().server.config["CALMLINE_LIMITS"]


def sandbox() -> Sandbox:
    """This thread's sandbox over the database the app serves, opened or reopened as needed."""
    db = data.database()
    key = (str(db), file_version(db))
    held = getattr(_local, "held", None)
    if held is not None and held[0] == key:
        return held[1]
    if held is not None:
        held[1].close()
        _local.held = None
    if key[1] is None:
        raise FileNotFoundError(f"no database at {db}: run `calmline etl` first")
    box = Sandbox(db, limits())
    _local.held = (key, box)
    return box


def refusal() -> str | None:
    """Why this user may not use the explorer, or None when they may."""
    config = dash.get_app().server.config
    if not config.get("CALMLINE_EXPLORER", True):
        return "The query explorer is switched off on this server."
    users = config.get("CALMLINE_USERS")
    if users is None:  # no sign-in: only ever served on loopback
        return None
    auth = flask.request.authorization if flask.has_request_context() else None
    user = users.get(auth.username) if auth else None
    if user is None or EXPLORER_ROLE not in user.roles:
        return "The query explorer is for analysts; ask an administrator for the analyst role."
    return None
