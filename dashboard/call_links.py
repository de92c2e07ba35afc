"""Links from the pages' lists of calls to one call's page (its record and transcript, ``/call``).

The agent drill-downs (Training priorities and Overview) list an agent's upset calls; each row
gets a first column linking to that call's page, saying whether a transcript was loaded for it.
A call id is untrusted text from the calls file: it only ever travels URL-encoded in the link's
address, and the link's words are calmline's own.
"""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import pandas as pd

CALL_PATH = "/call"
"""The call page's path."""
CALL_PARAM = "id"
"""The URL query parameter naming the call: ``/call?id=CALL-000123``."""
LINK = "call_link"
"""The grids' link column."""


def call_href(call_id: str) -> str:
    """The address of call ``call_id``'s page (URL-encoded, under the app's path prefix)."""
    return f"{dash.get_relative_path(CALL_PATH)}?{urlencode({CALL_PARAM: str(call_id)})}"


def with_links(calls: pd.DataFrame, transcripts: pd.DataFrame) -> pd.DataFrame:
    """``calls`` with the link column first.

    Parameters
    ----------
    calls : pandas.DataFrame
        One row per call, with ``call_id``.
    transcripts : pandas.DataFrame
        ``agent_transcripts``: call_id and turns of the calls that have a transcript (may be empty,
        even without columns, when the database has no transcript tables).

    Returns
    -------
    pandas.DataFrame
        The same rows with :data:`LINK` first: a markdown link ``[transcript (24 turns)](/call?id=..)``
        or ``[call record](/call?id=..)`` when no transcript was loaded for the call.
    """
    if calls.empty:
        return calls
    turns = dict(zip(transcripts["call_id"], transcripts["turns"])) if {"call_id", "turns"} <= set(transcripts) \
        else {}
    words = [f"transcript ({int(turns[c])} turns)" if c in turns else "call record" for c in calls["call_id"]]
    links = [f"[{w}]({call_href(c)})" for w, c in zip(words, calls["call_id"])]
    return calls.assign(**{LINK: links})[[LINK, *calls.columns]]


def link_column(defs: list[dict]) -> list[dict]:
    """Column definitions with the link column shown as a link, pinned at the left (AG Grid renders
    only the columns in view)."""
    for col in defs:
        if col["field"] == LINK:
            col.update(headerName="open", cellRenderer="markdown", pinned="left", width=190)
    return defs
