"""The call page (issue #17): a call's record, its practices and its transcript with the detected
evidence highlighted, opened from an agent's upset calls. Transcript text and the call id in the
URL are untrusted input: they must reach the page as text only, and an unknown id must give a
message, not a server error."""

from __future__ import annotations

import contextvars
import json

import pytest
from dash import html

from calmline import vocabulary
from calmline.dashboard.call_links import LINK, call_href, with_links
from calmline.dashboard.transcript_marks import Evidence, evidence_by_turn, highlight, spans
from tests.conftest import query
from tests.dashboard.transcript_centre import ATTACKS, FILLED, LONG, TURNS, build


@pytest.fixture(scope="module")
def centre_db(tmp_path_factory):
    return build(tmp_path_factory.mktemp("transcript_centre"))


@pytest.fixture
def app(centre_db):
    """The app on the tiny centre (this file's own; the shared one serves the fitted sample)."""
    from calmline.dashboard.app import Settings, create_app

    return create_app(Settings(db=centre_db, explorer=False))


def _page(call_id):
    from calmline.dashboard.pages import transcript

    return transcript.layout(id=call_id)


def _json(component) -> dict:
    """A layout as Dash serialises it for the browser."""
    return json.loads(json.dumps(component, default=lambda c: c.to_plotly_json()))


def _text(node) -> str:
    """The text a serialised layout shows: every string child, in order."""
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "".join(_text(n) for n in node)
    if isinstance(node, dict):
        return _text(node.get("props", {}).get("children")) if "props" in node else ""
    return "" if node is None else str(node)


def _find(node, ident):
    """The serialised component with id ``ident``, or None."""
    if isinstance(node, list):
        return next((f for f in (_find(n, ident) for n in node) if f is not None), None)
    if isinstance(node, dict) and "props" in node:
        if node["props"].get("id") == ident:
            return node
        return _find(node["props"].get("children"), ident)
    return None


def _components(node):
    """Every serialised component of a layout."""
    if isinstance(node, list):
        for n in node:
            yield from _components(n)
    elif isinstance(node, dict) and "props" in node:
        yield node
        yield from _components(node["props"].get("children"))


def _chips(node) -> list[dict]:
    """The practices' chips (the how-it-was-done buttons share their id type)."""
    return [c for c in _components(_find(node, "call-practices")) if isinstance(c["props"].get("id"), dict)
            and c["props"]["id"].get("type") == "call-practice-chip"]


def _marks(node) -> list[dict]:
    return [c for c in _components(node) if c["type"] == "Mark" and "call-mark" in c["props"].get("className", "")]


# --- highlighting, on its own ------------------------------------------------------------------

def test_every_occurrence_is_marked_case_insensitively_and_the_text_is_kept_exactly():
    text = "I\u2019m sorry. Really, SORRY: sorry!"
    children = highlight(text, [Evidence("apologized", "apology", "sorry"),
                                Evidence("apologized", "apology", "i'm sorry")])
    assert "".join(c if isinstance(c, str) else c.children for c in children) == text
    marks = [c for c in children if isinstance(c, html.Mark)]
    assert [m.children for m in marks] == ["I\u2019m sorry", "SORRY", "sorry"]  # curly apostrophe read as '
    assert all(m.title == "Apologized (rule: apology)" for m in marks)


def test_overlapping_evidence_names_both_practices_and_words_not_found_mark_nothing():
    text = "I understand, but that's our policy"
    found = spans(text, [Evidence("empathy_negated", "empathy_but", "i understand, but"),
                         Evidence("policy_language", "policy", "but that's our policy"),
                         Evidence("thanked", "thanks", "thank you"), Evidence("verify_mode", "verbatim_words", "")])
    assert [(s, e, {ev.practice for ev in cover}) for s, e, cover in found] == [
        (0, 14, {"empathy_negated"}), (14, 17, {"empathy_negated", "policy_language"}),
        (17, len(text), {"policy_language"})]
    overlap = highlight(text, [Evidence("empathy_negated", "empathy_but", "i understand, but"),
                               Evidence("policy_language", "policy", "but that's our policy")])[1]
    assert overlap.children == "but" and overlap.title == ("Empathy negated (rule: empathy_but); "
                                                           "Policy language (rule: policy)")
    assert getattr(overlap, "data-practice") == "empathy_negated policy_language"
    assert highlight("no evidence here", []) == ["no evidence here"]


def test_evidence_is_found_across_punctuation_and_an_answer_marks_its_question_too():
    """Detection compares words: its evidence "gone up by 56" was said as "gone up by £56", and an
    acceptance's evidence is "question -> answer", stored on the answer's turn."""
    said = "you said it's gone up by £56 again"
    [(start, end, _)] = spans(said, [Evidence("verify_mode", "verbatim_words", "gone up by 56")])
    assert said[start:end] == "gone up by £56"
    assert spans("gone upward by 56", [Evidence("verify_mode", "verbatim_words", "gone up by 56")]) == []
    speakers = {0: "customer", 1: "agent", 2: "agent", 3: "customer", 4: "agent"}
    rows = [("agreement_obtained", "plan_accepted", 3, "would that be okay -> okay yes"),
            ("agent_talk_share", "talk_time", None, "seconds spoken: agent 8.0, all 17.0"),
            ("thanked", "thanks", 4.0, "thanks for your patience")]
    turns = evidence_by_turn(rows, speakers)
    assert turns == {2: [Evidence("agreement_obtained", "plan_accepted", "would that be okay")],
                     3: [Evidence("agreement_obtained", "plan_accepted", "okay yes")],
                     4: [Evidence("thanked", "thanks", "thanks for your patience")]}


def test_the_samples_evidence_is_found_in_its_turns(sample_db):
    """On generated transcripts (ASR noise, disfluencies, currency, question -> answer pairs): every
    piece of evidence detection stored with words is found, and marked, in the turn it names. The
    first 200 calls with evidence, so the check stays cheap."""
    import duckdb

    con = duckdb.connect(str(sample_db), read_only=True)
    try:
        evidence = con.execute("""
            WITH first AS (SELECT DISTINCT call_id FROM transcript_practices WHERE turn IS NOT NULL
                           ORDER BY call_id LIMIT 200)
            SELECT call_id, practice, rule, turn, evidence FROM transcript_practices SEMI JOIN first USING (call_id)
            WHERE turn IS NOT NULL""").df()
        turns = con.execute("SELECT call_id, turn, speaker, text FROM transcript_turns WHERE call_id IN "
                            "(SELECT unnest($ids))", {"ids": sorted(set(evidence["call_id"]))}).df()
    finally:
        con.close()
    assert len(evidence) > 1000, "the sample has transcripts"
    missed = []
    for call_id, rows in evidence.groupby("call_id"):
        said = turns[turns["call_id"] == call_id]
        text = dict(zip(said["turn"], said["text"]))
        by_turn = evidence_by_turn(rows[["practice", "rule", "turn", "evidence"]].itertuples(index=False, name=None),
                                   dict(zip(said["turn"], said["speaker"])))
        missed += [(call_id, turn, ev) for turn, evs in by_turn.items() for ev in evs
                   if ev.words.strip() and not spans(text[turn], [ev])]
    assert missed == []


@pytest.mark.parametrize("attack", ATTACKS)
def test_hostile_text_and_hostile_evidence_stay_text(attack):
    """Even evidence that is itself markup is found by its characters and shown as them."""
    text = f"before {attack} after {attack.upper()}"
    children = highlight(text, [Evidence("apologized", attack, attack)])
    marks = [c for c in children if isinstance(c, html.Mark)]
    assert len(marks) == 2 and marks[0].children == attack and isinstance(marks[0].title, str)
    assert "".join(c if isinstance(c, str) else c.children for c in children) == text
    assert all(isinstance(c, (str, html.Mark)) and (isinstance(c, str) or isinstance(c.children, str))
               for c in children)


# --- the page --------------------------------------------------------------------------------

def test_the_page_shows_the_call_its_practices_and_its_highlighted_transcript(app, centre_db):
    page = _json(_page("K1"))
    header = _text(_find(page, "call-header"))
    for fact in ("Call K1", "2025-01-05 10:00", "A1", "Red", "Leeds", "phone", "billing", "4 of 5 (upset)"):
        assert fact in header
    as_of = query(centre_db, "SELECT as_of::DATE FROM etl_state")[0][0]
    assert f"window still open (closes 2025-04-05; data as of {as_of})" in header  # K1 is 2025-01-05
    agent = next(c for c in _components(_find(page, "call-header")) if c["type"] == "A")
    assert agent["props"]["href"].startswith("/training?agent=A1")

    chips = _chips(page)
    assert [c["props"]["id"]["practice"] for c in chips] == list(vocabulary.practice_names())
    used = dict(query(centre_db, "SELECT practice, used FROM call_practices WHERE call_id = 'K1'"))
    words = {True: "used", False: "not used", None: "not scored"}
    for chip in chips:
        practice = chip["props"]["id"]["practice"]
        assert f" · {words[used[practice]]}" in _text(chip), practice
    for chip in chips:
        practice = chip["props"]["id"]["practice"]
        expected = "(transcript)" if practice in FILLED else "(call record)" if practice == "followed_up" \
            else "" if used[practice] is None else "(QA)"
        assert _text(chip).endswith(f" · {words[used[practice]]}{' ' + expected if expected else ''}"), practice
    apologized = next(c for c in chips if c["props"]["id"]["practice"] == "apologized")
    assert _text(apologized) == "Apologized · used (transcript)"  # QA left it empty
    assert apologized["props"]["title"].splitlines()[1:] == [
        "QA score: not scored", "Transcript: found", "Words found: turn 1: \u201csorry\u201d"]
    thanked = next(c for c in chips if c["props"]["id"]["practice"] == "thanked")
    assert _text(thanked) == "Thanked · not used (transcript)"
    options = next(c for c in chips if c["props"]["id"]["practice"] == "offered_options")
    assert "options_offered: QA empty, transcript 0" in options["props"]["title"]

    how = _text(_find(page, "call-how"))
    talk = query(centre_db, "SELECT agent_talk_share FROM transcript_calls WHERE call_id = 'K1'")[0][0]
    for line in ("Verify modenone", "First apologyturn 1,", "Policy or deflection languageyes",
                 "Hand-off to another department or personyes", "Blaming or arguing with the customerno",
                 f"Agent's share of talk time{100 * talk:.0f}% of the seconds spoken"):
        assert line in how

    buttons = {c["props"]["id"]["practice"] for c in _components(_find(page, "call-how"))
               if isinstance(c["props"].get("id"), dict)}
    assert buttons == {"empathy_negated", "policy_language", "handoff"}  # the values with words in a turn

    turns = _find(page, "call-transcript")
    assert "Transcript (5 turns)" in _text(page)
    for n, turn in enumerate(TURNS):
        shown = _find(turns, f"call-turn-{n}")
        assert _text(shown).endswith(turn["text"]) and turn["speaker"] in _text(shown)
    assert "00:09–00:14" in _text(_find(turns, "call-turn-1"))
    marked = {(m["props"]["children"], m["props"]["data-practice"]) for m in _marks(turns)}
    stored = query(centre_db, "SELECT DISTINCT practice FROM transcript_practices WHERE call_id = 'K1' "
                              "AND turn IS NOT NULL")
    assert {p for _, p in marked for p in p.split()} == {p for (p,) in stored}
    assert {("sorry", "apologized"), ("SORRY", "apologized"), ("that's our policy", "policy_language"),
            ("transfer you", "handoff")} <= marked


def test_transcript_text_reaches_the_page_as_text_only(app):
    """Untrusted transcript text: every attack string is in the layout as the characters it is made
    of, inside text children; nothing renders HTML or markdown, and no element comes from the text."""
    page = _json(_page("K1"))
    turns = _find(page, "call-transcript")
    shown = _text(turns)
    for attack in ATTACKS:
        assert attack in shown
    assert LONG in shown and "<b>now</b>" in shown
    served = json.dumps(page)
    assert "dangerously_allow_html" not in served
    types = {c["type"] for c in _components(page)}
    assert not types & {"Markdown", "Script", "Img", "Iframe", "Embed", "Object", "B"}
    for component in _components(turns):
        assert "href" not in component["props"]  # the markdown link and javascript: URL are not links


@pytest.mark.parametrize("call_id", ["K1", "K2"])
def test_each_value_has_the_source_call_practice_sources_gives_it(app, centre_db, call_id):
    """The chips' sources are the ones the call_practice_sources view gives analysts."""
    from calmline.dashboard import data

    states = data.frame("call_practice_states", call_id=call_id)
    shown = {(r.recorded, r.source) for r in states.itertuples() if isinstance(r.recorded, str)}
    assert shown == set(query(centre_db, "SELECT practice, source FROM call_practice_sources WHERE call_id = $c",
                              {"c": call_id}))
    if call_id == "K1":
        assert {p for p, s in zip(states["practice"], states["source"]) if s == "transcript"} == set(FILLED)


@pytest.mark.parametrize("call_id", ["nope", "K1' OR '1'='1", "<script>alert(1)</script>", "K1; DROP TABLE calls",
                                     "x" * 5000])
def test_an_unknown_or_hostile_call_id_says_no_such_call(app, centre_db, call_id):
    page = _json(_page(call_id))
    text = _text(page)
    assert "No such call" in text and "Call K1" not in text
    assert call_id[:80] in text  # shown as text, cut when long
    assert query(centre_db, "SELECT count(*) FROM calls") == [(3,)]


@pytest.mark.parametrize("call_id", [None, "", "   "])
def test_no_call_chosen_says_how_to_open_one(app, call_id):
    assert "No call chosen" in _text(_json(_page(call_id)))


def test_the_first_of_two_ids_in_the_url_is_shown(app):
    assert "Call K1" in _text(_json(_page(["K1", "K2"])))


def test_a_call_without_a_transcript_says_none_was_loaded(app, centre_db):
    page = _json(_page("K2"))
    text = _text(page)
    assert "Call K2" in text
    assert "No transcript for this call: none was loaded for it" in _text(_find(page, "call-no-transcript"))
    assert "Not measured: no transcript was loaded for this call." in _text(_find(page, "call-how"))
    assert not _marks(page)
    chips = _chips(page)
    assert len(chips) == len(vocabulary.practice_names())
    assert all("Transcript: no transcript" in c["props"]["title"] for c in chips
               if c["props"]["id"]["practice"] in vocabulary.qa_flags())


def test_a_database_without_the_transcript_tables_says_what_cannot_be_read(centre_db, tmp_path):
    """A database loaded before transcripts existed: the call's record, and a message instead of
    empty practices and transcript."""
    import shutil

    import duckdb

    from calmline.dashboard.app import Settings, create_app

    old = tmp_path / "old.duckdb"
    shutil.copyfile(centre_db, old)
    con = duckdb.connect(str(old))
    con.execute("DROP TABLE transcript_turns")
    con.close()
    create_app(Settings(db=old, explorer=False))
    text = _text(_json(_page("K1")))
    assert "Call K1" in text and "Part of this call cannot be read (transcript: transcript_turns does not exist" in text


def test_the_page_answers_through_dash_for_an_unknown_id_without_a_server_error(app):
    """The request the browser makes on opening /call?id=...: 200 with the message, not a 500."""
    client = app.server.test_client()
    body = {"output": "..{}...{}..".format("_pages_content.children", "_pages_store.data"),
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/call"},
                       {"id": "_pages_location", "property": "search", "value": "?id=%3Cscript%3E%27--"}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}
    response = contextvars.copy_context().run(client.post, "/_dash-update-component", json=body)
    assert response.status_code == 200
    assert "No such call" in _text(response.get_json()["response"]["_pages_content"]["children"])
    assert contextvars.copy_context().run(client.get, "/call?id=nope").status_code == 200


def test_the_call_page_is_not_in_the_navigation(app):
    from calmline.dashboard.app import navigation

    with app.server.test_request_context("/"):
        assert "/call" not in [path for _, path in navigation()]


# --- the links from an agent's upset calls ---------------------------------------------------

def test_the_training_drill_down_links_each_call_to_its_page(app):
    from calmline.dashboard.pages import training

    _, rows, columns = training.agent_calls("A1")
    assert columns[0]["field"] == LINK and columns[0]["cellRenderer"] == "markdown"
    links = {r["call_id"]: r[LINK] for r in rows}
    assert links["K1"] == "[transcript (5 turns)](/call?id=K1)"
    assert all(v == f"[call record](/call?id={k})" for k, v in links.items() if k != "K1")


def test_the_overview_drill_down_links_each_call_to_its_page(app):
    from calmline.dashboard.pages import overview

    rows, columns, _ = overview.drill_agent([{"agent_id": "A2"}], {})
    assert columns[0]["field"] == LINK
    assert [r[LINK] for r in rows] == ["[call record](/call?id=K2)"]


def test_a_hostile_call_id_cannot_break_out_of_its_link():
    import pandas as pd

    calls = pd.DataFrame({"call_id": ["K9](javascript:alert(1)) <b>", "a b&c=d"]})
    links = with_links(calls, pd.DataFrame())[LINK].tolist()
    assert links[0] == "[call record](/call?id=K9%5D%28javascript%3Aalert%281%29%29+%3Cb%3E)"
    assert links[1] == "[call record](/call?id=a+b%26c%3Dd)"
    assert call_href("K1") == "/call?id=K1"
