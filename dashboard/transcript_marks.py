"""Highlighting a transcript turn's evidence without ever building HTML from its text.

A turn's text and the evidence detection stored for it are untrusted input (they come from a
centre's transcripts). :func:`highlight` finds the evidence in the text in Python and returns
the turn as a list of Dash children: plain strings for the words between, ``html.Mark``
components (the words as their text child) for the evidence. Dash hands both to React as text,
so ``<script>``, ``<img onerror>``, markdown links or ``{{ }}`` in a transcript show as what
they are, never run. Nothing here uses ``dangerously_allow_html``, ``dcc.Markdown`` or a string
of HTML.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from dash import html

from calmline import vocabulary

WARNED = ("vent_interruptions", "empathy_negated", "policy_language", "handoff", "blaming")
"""What detection finds that the playbooks warn against (issue #17: interrupting the opening
account, "I understand, but...", "that's our policy", passing the customer on, arguing with
them); their evidence is marked in red, the practices' in green, the rest in blue."""

KINDS = {
    "practice": ("#c7eed3", "a practice the agent used"),
    "warned": ("#f8c9c4", "something the playbooks warn against"),
    "how": ("#cfe2ff", "how it was done (words repeated back, remedies offered, compensation)"),
}
"""Mark kind -> (background colour, what it means in the legend)."""


def kind(practice: str) -> str:
    """The mark kind of an evidence row's ``practice``: 'practice', 'warned' or 'how'."""
    if practice in WARNED:
        return "warned"
    if practice in vocabulary.practice_names():
        return "practice"
    return "how"


@dataclass(frozen=True)
class Evidence:
    """One detected value's evidence in a turn: the practice (or how-it-was-done value), the
    rule that matched and the words that triggered it (as stored: lower-cased)."""

    practice: str
    rule: str
    words: str

    @property
    def title(self) -> str:
        """What a mark's tooltip says about it: the practice's label and the rule."""
        return f"{vocabulary.label(self.practice)} (rule: {self.rule})"


_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'"})
"""Detection reads curly apostrophes as straight ones (calmline.transcripts.detect); so does the
search for its evidence. One character for one, so positions in the text stay the same."""

REPLY = " -> "
"""How detection writes the evidence of an answer to a question (an acceptance of the agent's
plan): ``question -> answer``, stored on the answer's turn."""


def pattern(words: str) -> re.Pattern | None:
    """The search for evidence ``words`` in a turn: its words in order, case-insensitive, with
    any run of spaces and punctuation between two of them (detection compares words, so the
    evidence "gone up by 56" is the turn's "gone up by £56"); None for no words."""
    tokens = (words or "").translate(_QUOTES).split()
    if not tokens:
        return None
    return re.compile(r"\W+".join(re.escape(t) for t in tokens), re.IGNORECASE)


def evidence_by_turn(rows: Iterable[tuple], speakers: dict[int, str]) -> dict[int, list[Evidence]]:
    """The evidence to look for in each turn.

    Parameters
    ----------
    rows : iterable of (practice, rule, turn, words)
        ``transcript_practices`` rows of one call; rows without a turn (whole-call values) are
        left out.
    speakers : dict of int to str
        Each turn's speaker.

    Returns
    -------
    dict of int to list of Evidence
        Per turn. An answer's evidence (``question -> answer``) is split: the answer in its own
        turn, the question in the other speaker's turn before it, where detection found it.
    """
    out: dict[int, list[Evidence]] = {}
    for practice, rule, turn, words in rows:
        if turn is None or (isinstance(turn, float) and math.isnan(turn)):  # a value of the whole call
            continue
        turn = int(turn)
        words = "" if words is None else str(words)
        if REPLY in words:
            question, answer = words.split(REPLY, 1)
            earlier = [t for t in speakers if t < turn and speakers[t] != speakers.get(turn)]
            if earlier:
                out.setdefault(max(earlier), []).append(Evidence(str(practice), str(rule), question))
            words = answer
        out.setdefault(turn, []).append(Evidence(str(practice), str(rule), words))
    return out


def spans(text: str, evidence: Iterable[Evidence]) -> list[tuple[int, int, tuple[Evidence, ...]]]:
    """Where the evidence occurs in ``text``: (start, end, the evidence covering it) per stretch.

    Parameters
    ----------
    text : str
        The turn as stored.
    evidence : iterable of Evidence
        What was detected in this turn. Each one's words are looked for as :func:`pattern`
        says, every occurrence; words not found (or empty) mark nothing.

    Returns
    -------
    list of (int, int, tuple of Evidence)
        Non-overlapping stretches in order, each with the evidence that covers it, one per
        practice and rule (two practices found in overlapping words share the overlap; one rule
        found through two phrasings, "sorry" and "i'm sorry", marks one stretch).
    """
    folded = text.translate(_QUOTES)
    found: list[tuple[int, int, Evidence]] = []
    for ev in dict.fromkeys(evidence):
        search = pattern(ev.words)
        if search is not None:
            found += [(m.start(), m.end(), ev) for m in search.finditer(folded) if m.end() > m.start()]
    cuts = sorted({p for start, end, _ in found for p in (start, end)})
    out: list[tuple[int, int, tuple[Evidence, ...]]] = []
    for start, end in pairwise(cuts):
        # one per practice and rule: the same rule found through two phrasings marks once
        covering = tuple({(ev.practice, ev.rule): ev for s, e, ev in reversed(found)
                          if s <= start and end <= e}.values())[::-1]
        if not covering:
            continue
        if out and out[-1][1] == start and _keys(out[-1][2]) == _keys(covering):
            out[-1] = (out[-1][0], end, covering)
        else:
            out.append((start, end, covering))
    return out


def _keys(covering: tuple[Evidence, ...]) -> list[tuple[str, str]]:
    return [(ev.practice, ev.rule) for ev in covering]


def highlight(text: str, evidence: Iterable[Evidence]) -> list:
    """The turn's text as Dash children with its evidence in ``html.Mark`` components.

    Parameters
    ----------
    text : str
        The turn as stored (untrusted).
    evidence : iterable of Evidence
        What was detected in this turn.

    Returns
    -------
    list of (str or dash.html.Mark)
        The text in order, cut only at the evidence: plain strings between, a Mark per stretch
        of evidence whose ``title`` names each practice and rule, ``data-practice`` lists the
        practices (space-separated, for the page's chips to find) and whose colour says its
        :func:`kind`. Joining the children's text gives back ``text`` exactly.
    """
    text = "" if text is None else str(text)
    children: list = []
    at = 0
    for start, end, covering in spans(text, evidence):
        if start > at:
            children.append(text[at:start])
        first = kind(covering[0].practice)
        colour = KINDS["warned" if any(kind(e.practice) == "warned" for e in covering) else first][0]
        children.append(html.Mark(
            text[start:end], title="; ".join(e.title for e in covering),
            className="call-mark px-0", style={"backgroundColor": colour},
            **{"data-practice": " ".join(dict.fromkeys(e.practice for e in covering))}))
        at = end
    if at < len(text) or not children:
        children.append(text[at:])
    return children


def legend() -> html.Div:
    """The colours of the marks, in words."""
    return html.Div([html.Span("Highlighted words: ", className="me-1")] + [
        html.Mark(words, className="me-2", style={"backgroundColor": colour}) for colour, words in KINDS.values()
    ] + [html.Span("Hover a highlight for the practice and the rule that found it.", className="text-muted")],
        className="small mb-2")
