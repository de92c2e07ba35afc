"""One call, for trainers coaching from real calls: its record, its practices and its transcript.

Opened from an agent's upset calls (Training priorities and the Overview's drill-down) as
``/call?id=CALL-000123``. The page shows who took the call and what became of the customer, one
chip per practice (used, not used or not scored, and whether QA or the transcript said so), how
the practices were done as detection measured them, and the transcript turn by turn with the
words that triggered each detected value highlighted. Clicking a chip highlights that
practice's words and scrolls to the first.

The call id in the URL and every word of the transcript are untrusted: the id is only ever a
bound query parameter, and text reaches the page only as component children (text), never as
HTML or markdown (:mod:`calmline.dashboard.transcript_marks`). The page is not in the navigation.
"""

from __future__ import annotations

import math

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Input, Output, State, clientside_callback, html

from calmline import vocabulary
from calmline.dashboard import data
from calmline.dashboard.call_links import CALL_PATH
from calmline.dashboard.filters import not_applied
from calmline.dashboard.pages.training import calls_href
from calmline.dashboard.transcript_marks import evidence_by_turn, highlight, legend

dash.register_page(__name__, path=CALL_PATH, name="Call", title="calmline - call", nav=False)

HEADER = "call-header"
CALL_ID = "call-id"
MISSING = "call-missing"
NO_TRANSCRIPT = "call-no-transcript"
PRACTICES = "call-practices"
CHIP = "call-practice-chip"
FOCUS = "call-focus"
"""Pattern-matching id type of the line saying which turns a chip highlighted: its callback's input
is every chip (ALL), so its output must match ALL too, or Dash looks for it on every page."""
HOW = "call-how"
TRANSCRIPT = "call-transcript"
TURN = "call-turn"
"""Each turn's id is ``call-turn-<n>`` (0-based, as stored)."""

LONGEST_ID = 200
"""A call id longer than this is not looked up (no call has one)."""

STATES = {True: ("used", "success"), False: ("not used", "danger"), None: ("not scored", "light")}
"""A practice's value on the call -> (words, Bootstrap colour) of its chip."""
SOURCES = {"qa": "QA", "transcript": "transcript", "derived": "call record"}


def layout(id=None, **_query) -> html.Div:
    """The page for the call named by ``?id=`` (a message instead when there is none or no such call)."""
    call_id = id[0] if isinstance(id, list) and id else id
    return html.Div([not_applied("call", "One call"), *call_view(call_id)])


def call_view(call_id) -> list:
    """The page's content for ``call_id`` (untrusted: any text or None)."""
    if not isinstance(call_id, str) or not call_id.strip():
        return [dbc.Alert("No call chosen: open one from an agent's upset calls (Training priorities, or "
                          "Overview: a team, then an agent).", color="secondary")]
    shown = call_id if len(call_id) <= 80 else call_id[:80] + "…"
    if len(call_id) > LONGEST_ID:
        return [no_such_call(shown)]
    header = data.frame("call_header", call_id=call_id)
    if "missing" in header.attrs:
        return [dbc.Alert(f"The calls cannot be read: {header.attrs['missing']}.", color="warning")]
    if header.empty:
        return [no_such_call(shown)]
    call = header.iloc[0].to_dict()
    states = data.frame("call_practice_states", call_id=call_id)
    turns = data.frame("call_transcript", call_id=call_id)
    evidence = data.frame("call_transcript_evidence", call_id=call_id)
    unread = [f"{what}: {frame.attrs['missing']}" for what, frame in
              (("practices", states), ("transcript", turns), ("evidence", evidence)) if "missing" in frame.attrs]
    if unread:  # an older database: say what cannot be shown rather than show it empty
        return [header_card(call), dbc.Alert("Part of this call cannot be read (" + "; ".join(unread)
                                             + "): load the data again with this version of calmline.",
                                             color="warning")]
    return [
        header_card(call),
        html.H5("Practices on this call", className="mt-3"),
        html.Div(PRACTICE_NOTE, className="small text-muted mb-1"),
        html.Div(practice_chips(states, evidence), id=PRACTICES, className="mb-1"),
        html.Div(id={"type": FOCUS, "page": "call"}, className="call-focus-note small mb-2",
                 **{"aria-live": "polite"}),
        html.H5("How it was done (detected in the transcript)", className="mt-3"),
        html.Div(how_table(call, evidence), id=HOW),
        html.H5(transcript_title(call, turns), className="mt-3"),
        html.Div(transcript_turns(call, turns, evidence), id=TRANSCRIPT),
    ]


PRACTICE_NOTE = ("What the models use for this call: the calls file's QA score, or the transcript's where "
                 "QA left the practice empty; 'not scored' when neither says. Hover a chip for both; click it "
                 "to highlight its words in the transcript.")


def no_such_call(shown: str) -> dbc.Alert:
    """The message for a call id the database does not have (the id shown as text)."""
    return dbc.Alert(["No such call: ", html.Code(shown), (". It is not among the loaded calls; check the link, "
                                                           "or open the call from an agent's upset calls.")],
                     color="warning", id=MISSING)


def _yes_no(value) -> str:
    return "–" if _missing(value) else ("yes" if bool(value) else "no")


def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def churn_words(call: dict) -> str:
    """Whether the customer churned within 90 days of the call, in words (the window may be open)."""
    if not _missing(call.get("churned_before")) and call["churned_before"]:
        return "had already churned before this call"
    if _missing(call.get("churned_90d")):
        closes = pd.Timestamp(call["window_closes"]).date().isoformat()
        return f"window still open (closes {closes}; data as of {pd.Timestamp(call['as_of']).date().isoformat()})"
    return "yes" if call["churned_90d"] else "no"


def header_card(call: dict) -> dbc.Card:
    """Who took the call, when and where, how angry the customer was and what became of them."""
    started = pd.Timestamp(call["started_at"])
    facts = [
        ("Date", started.strftime("%Y-%m-%d %H:%M")),
        ("Agent", html.A(str(call["agent_id"]), href=calls_href(str(call["agent_id"])),
                         title="This agent's upset calls on Training priorities")),
        ("Team", call["team"]), ("Site", call["site"]), ("Channel", call["channel"]),
        ("Issue", call["issue_type"]),
        ("Anger", f"{int(call['anger_level'])} of 5" + (" (upset)" if call["is_upset"] else "")),
        ("Resolved", _yes_no(call["resolved"])),
        ("Churned within 90 days", churn_words(call)),
    ]
    return dbc.Card(dbc.CardBody([
        html.H4(["Call ", html.Span(str(call["call_id"]), id=CALL_ID)], className="card-title mb-2"),
        html.Dl([part for k, v in facts for part in (
            html.Dt(k, className="col-sm-3 col-lg-2"),
            html.Dd("–" if _missing(v) else v, className="col-sm-9 col-lg-4 mb-1"))], className="row mb-0 small"),
    ]), id=HEADER)


def chip_tooltip(row: dict, found: list[str]) -> str:
    """A chip's tooltip: the definition, what QA recorded, what the transcript showed, the words found."""
    def flag(value, yes, no, empty):
        return empty if _missing(value) else (yes if value else no)

    lines = [str(row["definition"])]
    recorded = None if _missing(row.get("recorded")) else str(row["recorded"])
    if not str(row["recorded_as"]).startswith("derived"):  # a QA flag of the calls file
        lines += [f"QA score: {flag(row['qa'], 'used', 'not used', 'not scored')}",
                  "Transcript: " + flag(row["detected"], "found", "not found",
                                        "no transcript, or not detected from transcripts")]
    else:
        lines.append(f"Recorded as {row['recorded_as']}")
        if recorded:
            lines.append(f"{recorded}: QA {'empty' if _missing(row['qa']) else int(row['qa'])}, transcript "
                         f"{'–' if _missing(row['detected']) else int(row['detected'])}")
    if found:
        lines.append("Words found: " + "; ".join(found[:6]) + (" …" if len(found) > 6 else ""))
    return "\n".join(lines)


def practice_chips(states: pd.DataFrame, evidence: pd.DataFrame) -> list:
    """One chip per practice of the vocabulary: its label, its state and where the state came from."""
    found: dict[str, list[str]] = {}
    for ev in evidence.itertuples() if len(evidence) else ():
        if not _missing(ev.turn) and ev.evidence:
            found.setdefault(ev.practice, []).append(f"turn {int(ev.turn)}: \u201c{ev.evidence}\u201d")
    chips = []
    for row in states.to_dict("records"):
        used = None if _missing(row["used"]) else bool(row["used"])
        words, colour = STATES[used]
        source = SOURCES.get(row["source"]) if not _missing(row["source"]) else None
        chips.append(dbc.Button(
            [html.Span(row["label"], className="fw-semibold"), f" · {words}",
             html.Span(f" ({source})" if source else "", className="small")],
            id={"type": CHIP, "practice": row["practice"]}, color=colour, size="sm",
            outline=used is False, className="me-1 mb-1 text-start",
            title=chip_tooltip(row, found.get(row["practice"], []))))
    return chips


def _share(value) -> str:
    return "–" if _missing(value) else f"{100 * float(value):.0f}%"


def how_rows(call: dict) -> list[tuple[str, str, str | None]]:
    """(what, the call's value with its unit, the evidence's name in transcript_practices or None)
    for each how-it-was-done value detection stores."""
    apology = ("none" if _missing(call["first_apology_turn"]) else
               f"turn {int(call['first_apology_turn'])}, {_share(call['first_apology_position'])} of the way into "
               f"the call" + (" (early)" if not _missing(call["first_apology_position"])
                              and call["first_apology_position"] < vocabulary.EARLY_APOLOGY_SHARE else ""))
    n = call["vent_interruptions"]
    return [
        ("Verify mode", str(call["verify_mode"] or "none"), "verify_mode"),
        ("First apology", apology, None),  # the Apologized chip shows its words
        ("Interruptions of the opening account",
         "–" if _missing(n) else f"{int(n)} interruption" + ("" if n == 1 else "s"), "vent_interruptions"),
        ("Empathy negated by but/however", _yes_no(call["empathy_negated"]), "empathy_negated"),
        ("Policy or deflection language", _yes_no(call["policy_language"]), "policy_language"),
        ("Hand-off to another department or person", _yes_no(call["handoff"]), "handoff"),
        ("Blaming or arguing with the customer", _yes_no(call["blaming"]), "blaming"),
        ("Compensation offered", _yes_no(call["compensation_offered"]), "compensation_offered"),
        ("Remedies offered", "–" if _missing(call["detected_options_offered"])
         else f"{int(call['detected_options_offered'])} distinct", "options_offered"),
        ("Agent's share of talk time", _share(call["agent_talk_share"]) + " of the seconds spoken"
         if not _missing(call["agent_talk_share"]) else "–", None),
    ]


def how_table(call: dict, evidence: pd.DataFrame):
    """The how-it-was-done values as a small table, or why there are none. A value with words in
    the transcript has a button that highlights them, as a practice's chip does."""
    if not call["has_transcript"]:
        return html.P("Not measured: no transcript was loaded for this call.", className="text-muted small")
    marked = set(evidence.loc[evidence["turn"].notna(), "practice"]) if len(evidence) else set()

    def show(name):
        if name not in marked:
            return None
        return dbc.Button("show", id={"type": CHIP, "practice": name}, size="sm", color="link",
                          className="py-0 ms-2", title="Highlight its words in the transcript")

    return dbc.Table([html.Tbody([html.Tr([html.Th(k, className="fw-normal"), html.Td([v, show(name)])])
                                  for k, v, name in how_rows(call)])],
                     size="sm", bordered=False, striped=True, className="mb-1", style={"maxWidth": "640px"})


def transcript_title(call: dict, turns: pd.DataFrame) -> str:
    if not call["has_transcript"] or turns.empty:
        return "Transcript"
    return f"Transcript ({len(turns):,} turns)"


def clock(seconds) -> str:
    """Seconds from the start of the call as m:ss (h:mm:ss from an hour on)."""
    if _missing(seconds):
        return "–"
    whole = max(int(float(seconds)), 0)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def transcript_turns(call: dict, turns: pd.DataFrame, evidence: pd.DataFrame) -> list:
    """Turn by turn: speaker, time and text, the evidence of each detected value highlighted in its turn."""
    if not call["has_transcript"] or turns.empty:
        return [dbc.Alert("No transcript for this call: none was loaded for it (transcripts come from the source "
                          "folder's transcripts file or folder at `calmline etl`). The practices above are "
                          "the calls file's QA scores.", color="secondary", id=NO_TRANSCRIPT)]
    found = evidence[["practice", "rule", "turn", "evidence"]].itertuples(index=False, name=None) if len(evidence) else ()
    by_turn = evidence_by_turn(((p, r, None if _missing(t) else t, w) for p, r, t, w in found),
                               dict(zip(turns["turn"].astype(int), turns["speaker"])))
    rows = []
    for t in turns.itertuples():
        agent = t.speaker == "agent"
        rows.append(html.Div([
            html.Div([html.Span(str(t.speaker), className="fw-semibold"),
                      html.Span(f" {clock(t.start_s)}–{clock(t.end_s)}", className="text-muted")],
                     className="small", style={"minWidth": "9rem"}),
            html.Div(highlight(t.text, by_turn.get(int(t.turn), [])), className="call-text",
                     style={"whiteSpace": "pre-wrap", "overflowWrap": "anywhere", "unicodeBidi": "plaintext"}),
        ], id=f"{TURN}-{int(t.turn)}", className="call-turn d-flex gap-3 py-1 px-2 border-bottom"
           + (" bg-light" if agent else "")))
    return [legend(), html.Div(rows, className="border rounded")]


clientside_callback(
    """
    function (clicks, ids) {
        const ctx = window.dash_clientside.callback_context;
        const which = ctx.triggered_id;
        if (!which || !which.practice) { return window.dash_clientside.no_update; }
        const notes = ctx.outputs_list.map(function () { return null; });
        document.querySelectorAll('.call-turn.call-focused').forEach(function (el) {
            el.classList.remove('call-focused');
            el.style.outline = '';
        });
        const marks = Array.from(document.querySelectorAll('mark.call-mark')).filter(function (m) {
            return (m.getAttribute('data-practice') || '').split(' ').indexOf(which.practice) >= 0;
        });
        const turns = [];
        marks.forEach(function (m) {
            const turn = m.closest('.call-turn');
            if (turn && turns.indexOf(turn) < 0) { turns.push(turn); }
        });
        turns.forEach(function (el) {
            el.classList.add('call-focused');
            el.style.outline = '3px solid #ffc107';
            el.style.outlineOffset = '-3px';
        });
        if (turns.length) { turns[0].scrollIntoView({block: 'center'}); }
        const numbers = turns.map(function (el) { return el.id.replace('call-turn-', ''); });
        const note = turns.length ? 'Highlighted: turn' + (turns.length > 1 ? 's ' : ' ') + numbers.join(', ')
                                  : 'No words of this practice to highlight in the transcript.';
        return notes.map(function () { return note; });
    }
    """,
    Output({"type": FOCUS, "page": ALL}, "children"),
    Input({"type": CHIP, "practice": ALL}, "n_clicks"),
    State({"type": CHIP, "practice": ALL}, "id"),
    prevent_initial_call=True,
)
