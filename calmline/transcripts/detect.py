"""Detect, for every call of a turns table, which practices the agent used and how.

Set-wise in DuckDB: the turns are split into sentences once, every phrase rule of
:mod:`calmline.transcripts.rules` is one regular-expression column over them, and timing and
turn order come from window functions. Python only writes the SQL (once per rule set).

Reads a turns table (call_id, turn, speaker, start_s, end_s, text; ``transcript_turns`` by
default). Writes:

- ``transcript_practices``: one row per detected value with its evidence: call_id, practice,
  value (as text), turn (0-based, NULL for a whole-call value), evidence (the words that
  triggered it), rule (the rule's name);
- ``transcript_calls``: one row per call: the ten practice flags, options_offered,
  verify_mode, first_apology_turn, first_apology_position (share of the call's time elapsed
  when the first apology starts), vent_interruptions, empathy_negated, policy_language,
  handoff, blaming, compensation_offered, agent_talk_share (share of speaking time), turns.
"""

from __future__ import annotations

import duckdb

from calmline.transcripts import tables
from calmline.transcripts.rulebook import Rule, Rules, load_rules
from calmline.vocabulary import qa_flags

FLAGS = ("empathy_negated", "policy_language", "handoff", "blaming", "compensation_offered")
"""How-it-was-done flags detected besides the practices, in ``transcript_calls`` order."""

CALL_COLUMNS = (("call_id", "VARCHAR"),) + tuple((f, "BOOLEAN") for f in qa_flags()) + (
    ("options_offered", "INTEGER"), ("verify_mode", "VARCHAR"), ("first_apology_turn", "INTEGER"),
    ("first_apology_position", "DOUBLE"), ("vent_interruptions", "INTEGER")) + tuple(
    (f, "BOOLEAN") for f in FLAGS) + (("agent_talk_share", "DOUBLE"), ("turns", "INTEGER"))
"""``transcript_calls``' columns and types, in order."""

PRACTICE_COLUMNS = (("call_id", "VARCHAR"), ("practice", "VARCHAR"), ("value", "VARCHAR"), ("turn", "INTEGER"),
                    ("evidence", "VARCHAR"), ("rule", "VARCHAR"))
"""``transcript_practices``' columns and types, in order."""

_DERIVED = {"let_vent", "verified_understanding"}


CHUNK_CALLS = 50_000
"""Calls detected at a time: each chunk's temporary tables are built and dropped in turn, so
that memory stays bounded however many calls there are (the results are the same)."""

_CHUNK = "_tx_chunk_turns"  # the turns of the calls of one chunk
_CHUNK_PRACTICES = "_tx_chunk_practices"  # their detected values, before they join transcript_practices


def detect(con: duckdb.DuckDBPyConnection, turns_table: str = tables.TURNS, *, rules: Rules | None = None,
           language: str = "en", chunk_calls: int = CHUNK_CALLS) -> int:
    """Score every call of ``turns_table``; write ``transcript_practices`` and ``transcript_calls``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Holds the turns table; both result tables are replaced.
    turns_table : str
        A table or view with call_id, turn (0-based order), speaker (agent|customer),
        start_s, end_s (seconds) and text.
    rules : Rules, optional
        Rules to use (:func:`calmline.transcripts.rulebook.load_rules`), e.g. with a centre's
        own phrases; by default the shipped rules of ``language``.
    language : str
        The shipped rule file to use when ``rules`` is not given.
    chunk_calls : int
        Calls detected at a time (ranges of call_id), to bound memory.

    Returns
    -------
    int
        Calls scored.
    """
    rules = rules or load_rules(language)
    s = rules.settings
    starts = [r[0] for r in con.execute(
        f"SELECT call_id FROM (SELECT DISTINCT call_id FROM {turns_table}) "
        f"QUALIFY (row_number() OVER (ORDER BY call_id) - 1) % $n = 0 ORDER BY call_id",
        {"n": max(int(chunk_calls), 1)}).fetchall()]
    bounds = list(zip(starts, starts[1:] + [None])) or [(None, None)]
    texts = _texts_sql(rules)  # None with the each-sentence plan
    sql = [_sentences_sql(_CHUNK, s), *([texts] if texts else []), _hits_sql(rules), None,
           _timing_sql(_CHUNK, s), _verify_mode_sql(rules, s), *([_alternatives_sql(rules, s)] if s.get("choice_split") else [])]
    for i, (low, high) in enumerate(bounds):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_CHUNK} AS SELECT * FROM {turns_table} "
                    f"WHERE ($low IS NULL OR call_id >= $low) AND ($high IS NULL OR call_id < $high)",
                    {"low": low, "high": high})
        for step in sql:
            if step is None:
                _keep_replies(con, rules)
            else:
                con.execute(step)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_CHUNK_PRACTICES} AS {_practices_sql(rules)}")
        for table, select in ((tables.PRACTICES, f"SELECT * FROM {_CHUNK_PRACTICES}"), (tables.CALLS, _calls_sql(rules))):
            con.execute(f"CREATE OR REPLACE TABLE {table} AS {select}" if i == 0 else f"INSERT INTO {table} {select}")
    n = con.execute(f"SELECT count(*) FROM {tables.CALLS}").fetchone()[0]
    for t in (_CHUNK, _CHUNK_PRACTICES, tables.SENTENCES, tables.HITS, "_tx_texts", "_tx_turn_facts", "_tx_verify", "_tx_choices"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return n


def _lit(text: str) -> str:
    """A SQL string literal. Regular expressions are written into the SQL as constants (read
    from the rule files, never from data) so that DuckDB compiles each one once."""
    return "'" + text.replace("'", "''") + "'"


def _any(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def _sentences_sql(turns_table: str, s: dict) -> str:
    """``SENTENCES``: one row per sentence, lower-cased, with its turn's place in the call.

    A sentence ends at ``.``, ``?`` or ``!``, except a point followed by a digit (£4.99, 2.5GB);
    the points of "a.m.", "p.m." and of the titles Mr., Mrs., Ms. and Dr. are dropped first, so
    that "the 7 a.m. direct" and "Ms. Ortiz" stay inside their sentence."""
    return f"""
    CREATE OR REPLACE TEMP TABLE {tables.SENTENCES} AS
    WITH turns AS (
        SELECT call_id, turn, speaker, start_s, end_s,
               lower(replace(replace(text, '\u2019', ''''), '\u2018', '''')) AS t0,
               count(*) OVER (PARTITION BY call_id) AS n_turns
        FROM {turns_table}
    ), turns2 AS (
        -- the regular expression runs only on the few turns with such a point in them
        SELECT * EXCLUDE (t0),
               CASE WHEN contains(t0, '.m.') OR contains(t0, 'mr.') OR contains(t0, 'ms.') OR contains(t0, 'mrs.') OR contains(t0, 'dr.')
                    THEN regexp_replace(t0, '\\b([ap])\\.(m)\\.|\\b(mrs|mr|ms|dr)\\.', '\\1\\2\\3', 'g') ELSE t0 END AS t
        FROM turns
    ), split AS (
        SELECT call_id, turn, speaker, t, n_turns, regexp_extract_all(t, '(?:[^.?!]|[.][0-9])+[.?!]*') AS ss FROM turns2
    )
    SELECT call_id, turn, speaker, t, turn / n_turns AS share,
           trim(unnest(ss)) AS s, generate_subscripts(ss, 1) AS sentence
    FROM split
    """


HITS_PLAN = "distinct"
"""How the rule columns are evaluated: ``"distinct"`` (on each distinct text once, joined back
to its sentences) or ``"each_sentence"`` (every rule on every sentence, the plan before; kept
for the benchmark's same-run comparison). Both give the same rows."""


def _rule_expr(r: Rule) -> str:
    """The column for one rule, per sentence: the matched words where the rule fires, else NULL."""
    text = "t" if r.scope == "turn" else "s"
    cond = [f"speaker = '{r.speaker}'", f"regexp_matches({text}, {_lit(_any(r.match))})"]
    if r.scope == "turn":
        cond.insert(0, "sentence = 1")
    if r.unless:
        cond.append(f"NOT regexp_matches({text}, {_lit(_any(r.unless))})")
    if r.unless_turn:
        cond.append(f"NOT regexp_matches(t, {_lit(_any(r.unless_turn))})")
    if r.after_share:
        cond.append(f"share >= {float(r.after_share)}")
    if r.min_words:
        cond.append(f"len(regexp_extract_all({text}, '[a-z]{{2,}}')) >= {int(r.min_words)}")
    return f"CASE WHEN {' AND '.join(cond)} THEN regexp_extract({text}, {_lit(_any(r.match))}) END"


def _hits_sql(rules: Rules) -> str:
    """``HITS``: one row per rule fired in a sentence (call_id, turn, speaker, rule, evidence)."""
    names = ", ".join(f'"{r.name}"' for r in rules.rules)
    if HITS_PLAN == "each_sentence":
        cols = ", ".join(f"{_rule_expr(r)} AS \"{r.name}\"" for r in rules.rules)
        source = f"{tables.SENTENCES} x"
    else:
        # only texts that fire a rule (or a turn that cancels one) take part in the joins
        cols = ", ".join(f"{_sentence_expr(i, r)} AS \"{r.name}\"" for i, r in enumerate(rules.rules))
        sentence_any = " OR ".join(f"m_{i} IS NOT NULL" for i, r in enumerate(rules.rules) if r.scope != "turn") or "false"
        turn_any = " OR ".join([f"m_{i} IS NOT NULL" for i, r in enumerate(rules.rules) if r.scope == "turn"]
                               + [f"u_{i}" for i, r in enumerate(rules.rules) if r.unless_turn]) or "false"
        source = f"""{tables.SENTENCES} x
            LEFT JOIN (SELECT * FROM _tx_texts WHERE {sentence_any}) xs ON xs.speaker = x.speaker AND xs.x = x.s
            LEFT JOIN (SELECT * FROM _tx_texts WHERE {turn_any}) xt ON xt.speaker = x.speaker AND xt.x = x.t
            WHERE xs.x IS NOT NULL OR (x.sentence = 1 AND xt.x IS NOT NULL)"""
    return f"""
    CREATE OR REPLACE TEMP TABLE {tables.HITS} AS
    SELECT call_id, turn, speaker, sentence, rule, evidence FROM (
        UNPIVOT (SELECT x.call_id, x.turn, x.speaker, x.sentence, {cols} FROM {source})
        ON {names} INTO NAME rule VALUE evidence)
    """


def _texts_sql(rules: Rules) -> str | None:
    """``_tx_texts``: one row per distinct (speaker, text) among the sentences and the whole
    turns, with what each rule finds in the text alone.

    Real calls repeat many texts ("okay.", "thank you.", "yes."), so each is matched once and
    joined back to its sentences. Columns: ``m_<i>`` the evidence of rule i (its match, unless
    and min_words on the text, where the text is a sentence, or a turn for a turn-scope rule),
    ``u_<i>`` whether its unless_turn patterns match the text (read where the text is a whole
    turn). None with the each-sentence plan.
    """
    if HITS_PLAN == "each_sentence":
        return None
    cols = []
    for i, r in enumerate(rules.rules):
        cond = [f"speaker = '{r.speaker}'", "t_ok" if r.scope == "turn" else "s_ok",
                f"regexp_matches(x, {_lit(_any(r.match))})"]
        if r.unless:
            cond.append(f"NOT regexp_matches(x, {_lit(_any(r.unless))})")
        if r.min_words:
            cond.append(f"len(regexp_extract_all(x, '[a-z]{{2,}}')) >= {int(r.min_words)}")
        cols.append(f"CASE WHEN {' AND '.join(cond)} THEN regexp_extract(x, {_lit(_any(r.match))}) END AS m_{i}")
        if r.unless_turn:
            cols.append(f"coalesce(t_ok AND speaker = '{r.speaker}' AND regexp_matches(x, {_lit(_any(r.unless_turn))}), false) AS u_{i}")
    return f"""
    CREATE OR REPLACE TEMP TABLE _tx_texts AS
    WITH texts AS (
        SELECT speaker, x, bool_or(is_s) AS s_ok, bool_or(NOT is_s) AS t_ok FROM (
            SELECT DISTINCT speaker, s AS x, true AS is_s FROM {tables.SENTENCES}
            UNION ALL
            SELECT DISTINCT speaker, t, false FROM {tables.SENTENCES} WHERE sentence = 1
        ) GROUP BY ALL
    )
    SELECT speaker, x, {", ".join(cols)} FROM texts
    """


def _sentence_expr(i: int, r: Rule) -> str:
    """The column for rule ``i``, per sentence, from the texts' columns (``xs`` the sentence's,
    ``xt`` its turn's): what depends on the sentence's place (first of its turn, share of the
    call) is checked here."""
    cond = ["x.sentence = 1", f"xt.m_{i} IS NOT NULL"] if r.scope == "turn" else [f"xs.m_{i} IS NOT NULL"]
    if r.unless_turn:
        cond.append(f"NOT coalesce(xt.u_{i}, false)")
    if r.after_share:
        cond.append(f"x.share >= {float(r.after_share)}")
    value = f"xt.m_{i}" if r.scope == "turn" else f"xs.m_{i}"
    return f"CASE WHEN {' AND '.join(cond)} THEN {value} END"


def _keep_replies(con: duckdb.DuckDBPyConnection, rules: Rules) -> None:
    """Drop hits of ``reply_to`` rules whose previous agent turn did not fire the named rule.

    The previous turn of the other speaker comes from a window over the turns of the calls
    that have such hits (not a correlated subquery per hit). A kept acceptance carries the
    plan question as evidence too: ``question -> answer``, the turn's first when it asks more
    than one (so that every load stores the same evidence).
    """
    for r in rules.rules:
        if not r.reply_to:
            continue
        name, asked = _lit(r.name), _lit(r.reply_to)
        con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {tables.HITS} AS
        WITH turns AS (
            SELECT DISTINCT call_id, turn, speaker FROM {tables.SENTENCES}
            WHERE call_id IN (SELECT call_id FROM {tables.HITS} WHERE rule = {name})
        ), previous AS (
            SELECT call_id, turn,
                   CASE WHEN speaker = 'agent' THEN max(CASE WHEN speaker <> 'agent' THEN turn END) OVER w
                        ELSE max(CASE WHEN speaker = 'agent' THEN turn END) OVER w END AS other_turn
            FROM turns
            WINDOW w AS (PARTITION BY call_id ORDER BY turn ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
        ), questions AS (
            SELECT call_id, turn, first(evidence ORDER BY sentence, evidence) AS evidence
            FROM {tables.HITS} WHERE rule = {asked} GROUP BY ALL
        )
        SELECT h.call_id, h.turn, h.speaker, h.sentence, h.rule,
               CASE WHEN h.rule = {name} THEN q.evidence || ' -> ' || h.evidence ELSE h.evidence END AS evidence
        FROM {tables.HITS} h
        LEFT JOIN previous p ON h.rule = {name} AND p.call_id = h.call_id AND p.turn = h.turn
        LEFT JOIN questions q ON q.call_id = p.call_id AND q.turn = p.other_turn
        WHERE h.rule <> {name} OR q.evidence IS NOT NULL
        """)


def _timing_sql(turns_table: str, s: dict) -> str:
    """``_tx_turn_facts``: one row per turn with what the opening account and talk share need.

    The customer's opening complaint starts at their first turn of ``opening_min_words`` words
    or more. A customer turn's words are those of two letters or more that are not
    ``spoken_digits`` (a reference or a number read out, "h s four four nine two one", is no
    account and no carrying on with one), and sums of money ("$780"). Each agent turn after
    that is, in order: an overlap (it starts before the customer's last turn ended: an
    interruption, even "right okay"), a backchannel in a pause (the opening goes on), a
    question cut in (a short question after which the customer carries on with the complaint:
    two turns, or one of ``continuation_min_words`` words; the rubric's "question cutting in
    between its parts"), or the agent's response, which ends
    the opening. A question answered and not followed by more of the complaint, such as an
    account number asked for once the customer has finished, is a response, not an
    interruption. vent_interruptions counts the interruptions before the response.
    """
    return f"""
    CREATE OR REPLACE TEMP TABLE _tx_turn_facts AS
    WITH t AS (
        SELECT call_id, turn, speaker, start_s, end_s,
               lower(replace(replace(text, '\u2019', ''''), '\u2018', '''')) AS t
        FROM {turns_table}
    ), f AS (
        SELECT *,
               CASE WHEN speaker = 'customer' THEN len({_customer_words(s)}) END AS words,
               CASE WHEN speaker = 'agent' THEN length(t) - length(replace(t, ' ', '')) + 1 END AS tokens,
               max(CASE WHEN speaker = 'customer' THEN end_s END) OVER w_before AS customer_end_before,
               -- agent turns so far: an agent turn and the customer turns after it share this number
               count(*) FILTER (WHERE speaker = 'agent') OVER w_upto AS seg
        FROM t
        WINDOW w_before AS (PARTITION BY call_id ORDER BY turn ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
               w_upto AS (PARTITION BY call_id ORDER BY turn ROWS UNBOUNDED PRECEDING)
    ), opening AS (
        SELECT call_id, min(turn) AS opening_turn, arg_min(seg, turn) AS opening_seg FROM f
        WHERE speaker = 'customer' AND words >= {int(s['opening_min_words'])} GROUP BY call_id
    ), blocks AS (
        -- the customer's turns between each agent turn and the next agent turn
        SELECT call_id, seg, count(*) AS c_turns, max(words) AS c_words FROM f WHERE speaker = 'customer' GROUP BY ALL
    ), kinds AS (
        SELECT f.*, o.opening_turn,
               CASE WHEN f.speaker <> 'agent' OR o.opening_turn IS NULL OR f.turn < o.opening_turn
                         OR f.seg > o.opening_seg + {int(s['opening_max_agent_turns'])} THEN NULL
                    WHEN f.start_s < f.customer_end_before THEN 'overlap'
                    WHEN regexp_matches(f.t, {_lit(s['backchannel'])}) THEN 'backchannel'
                    WHEN f.tokens <= {int(s['cut_in_max_words'])}
                         AND (coalesce(b.c_turns, 0) >= 2 OR coalesce(b.c_words, 0) >= {int(s['continuation_min_words'])})
                         AND regexp_matches(f.t, {_lit(s['cut_in_question'])}) THEN 'question_cut_in'
                    ELSE 'response' END AS kind
        FROM f LEFT JOIN opening o USING (call_id) LEFT JOIN blocks b ON b.call_id = f.call_id AND b.seg = f.seg
    )
    SELECT *, min(CASE WHEN kind = 'response' THEN turn END) OVER (PARTITION BY call_id) AS response_turn
    FROM kinds
    """


def _customer_words(s: dict) -> str:
    """The SQL list of a turn's words (``t``) that count towards the opening account: two
    letters or more, and not a spoken digit when the rules name them (``spoken_digits``), or a
    sum of money ("$780", "£1,200")."""
    words = "regexp_extract_all(t, '[a-z]{2,}|[$£€₹][0-9][0-9,.]*')"
    if not s.get("spoken_digits"):
        return words
    return f"list_filter({words}, lambda w: NOT regexp_full_match(w, {_lit(s['spoken_digits'])}))"


def _verify_mode_sql(rules: Rules, s: dict) -> str:
    """``_tx_verify``: the first verification turn of each call and the longest run of words it
    shares with an earlier customer turn (verbatim at ``verbatim_words`` or more)."""
    names = ", ".join(_lit(r.name) for r in rules.for_practice("verified_understanding"))
    n = int(s["verbatim_words"])
    words = "regexp_extract_all(t, '[a-z0-9'']+')"
    grams = f"list_transform(range(1, len(w) - {n - 2}), lambda i: array_to_string(w[i:i + {n - 1}], ' '))"
    return f"""
    CREATE OR REPLACE TEMP TABLE _tx_verify AS
    WITH v AS (
        SELECT call_id, min(turn) AS turn FROM {tables.HITS} WHERE rule IN ({names}) GROUP BY call_id
    ), vt AS (
        SELECT v.call_id, v.turn, {words} AS w FROM v JOIN _tx_turn_facts f USING (call_id, turn)
    ), ct AS (
        SELECT f.call_id, {words} AS w FROM _tx_turn_facts f JOIN v ON v.call_id = f.call_id
        WHERE f.speaker = 'customer' AND f.turn < v.turn
    ), vg AS (SELECT call_id, turn, unnest({grams}) AS g FROM vt),
    cg AS (SELECT DISTINCT call_id, unnest({grams}) AS g FROM ct)
    SELECT v.call_id, v.turn, first(vg.g ORDER BY vg.g) FILTER (WHERE cg.g IS NOT NULL) AS shared
    FROM v LEFT JOIN vg USING (call_id, turn) LEFT JOIN cg ON cg.call_id = vg.call_id AND cg.g = vg.g
    GROUP BY ALL
    """


def _alternatives_sql(rules: Rules, s: dict) -> str:
    """``_tx_choices``: the alternatives a sentence offers beyond the kinds of remedy it names.

    An options group counts a kind of remedy once, so "a $50 voucher or a free day on your next
    hire" (two gestures, both credits) or "tonight's 21:40 via Madrid or tomorrow's 07:15 direct"
    (two flights) would count one. Each agent sentence in which an options rule fired and that
    offers a choice (``choice_marker``: "or", "alternatively") is split into its alternatives at
    ``choice_split`` ("or", "alternatively", and the gesture that comes with either: "either way",
    "whichever you choose"), after ``choice_protect`` has blanked the "or"s that join no
    alternatives ("one or two days", "or so", "whether or not"). An alternative is an offer when it
    holds the evidence of an options rule or offers something (``choice_offer``: money, a free or
    discounted thing, goods, another departure, data); "or your bank account" is none. ``choices``
    is the number of offers beyond the kinds of remedy the sentence fired (steps of one plan joined
    by "and" stay in one alternative); the call adds the largest such number over its sentences,
    so a choice restated in the recap counts once. A sentence where the generic ``alternative``
    group fired ("or the 10am") is left to that rule. Reads ``HITS`` and ``SENTENCES``.
    """
    rule_names = _list([r.name for r in rules.rules if r.practice == "options_offered" and r.group])
    rule_groups = _list([r.group for r in rules.rules if r.practice == "options_offered" and r.group])
    return f"""
    CREATE OR REPLACE TEMP TABLE _tx_choices AS
    WITH fired AS (
        SELECT h.call_id, h.turn, h.sentence,
               list(DISTINCT trim(list_last(regexp_split_to_array(' ' || h.evidence, {_lit(s['choice_split'])})))) AS evs,
               bool_or(g.grp = 'alternative') AS generic, count(DISTINCT g.grp) AS kinds
        FROM {tables.HITS} h JOIN (SELECT unnest({rule_names}) AS rule, unnest({rule_groups}) AS grp) g USING (rule)
        GROUP BY ALL
    ), offers AS (
        SELECT x.call_id, x.turn, x.s, f.evs, f.kinds,
               regexp_split_to_array(regexp_replace(x.s, {_lit(s['choice_protect'])}, ' ', 'g'), {_lit(s['choice_split'])}) AS alts
        FROM {tables.SENTENCES} x JOIN fired f USING (call_id, turn, sentence)
        -- a sentence whose second offer a generic alternative rule already counts ("or the 10am") is left to it
        WHERE x.speaker = 'agent' AND NOT f.generic AND regexp_matches(x.s, {_lit(s['choice_marker'])})
    ), counted AS (
        SELECT call_id, turn, s, kinds,
               len(list_filter(alts, lambda a: len(list_filter(evs, lambda e: contains(a, e))) > 0
                                               OR regexp_matches(a, {_lit(s['choice_offer'])}))) AS offered
        FROM offers
    )
    SELECT call_id, turn, s AS evidence, (offered - kinds)::BIGINT AS choices FROM counted WHERE offered > kinds
    """


def _practices_sql(rules: Rules) -> str:
    """The select of ``transcript_practices``: every detected value with its turn, evidence and rule."""
    phrase = ", ".join(_lit(r.name) for r in rules.rules if r.practice not in _DERIVED)
    return f"""
    SELECT h.call_id, r.practice, 'true' AS value, h.turn, h.evidence, h.rule
    FROM {tables.HITS} h JOIN (SELECT unnest($names) AS rule, unnest($practices) AS practice) r USING (rule)
    WHERE h.rule IN ({phrase}) AND r.practice NOT IN ('options_offered', 'plan_question')
    UNION ALL
    SELECT h.call_id, 'options_offered', r.grp, h.turn, h.evidence, h.rule
    FROM {tables.HITS} h JOIN (SELECT unnest($names) AS rule, unnest($groups) AS grp, unnest($practices) AS practice) r
         USING (rule) WHERE r.practice = 'options_offered'
    UNION ALL
    SELECT v.call_id, 'verified_understanding', 'true', v.turn, h.evidence, h.rule
    FROM _tx_verify v JOIN (SELECT call_id, turn, first(evidence ORDER BY rule, sentence, evidence) AS evidence,
                                    first(rule ORDER BY rule) AS rule
                             FROM {tables.HITS} WHERE rule IN ({", ".join(_lit(r.name) for r in rules.for_practice("verified_understanding"))})
                             GROUP BY ALL) h USING (call_id, turn)
    UNION ALL
    SELECT call_id, 'options_offered', 'another choice ' || k, turn, evidence, 'choices'
    FROM (SELECT *, unnest(range(1, choices::BIGINT + 1)) AS k FROM ({{choices}}))
    UNION ALL
    SELECT call_id, 'verify_mode', CASE WHEN shared IS NOT NULL THEN 'verbatim' ELSE 'paraphrase' END, turn,
           coalesce(shared, ''), 'verbatim_words'
    FROM _tx_verify
    UNION ALL
    SELECT call_id, 'vent_interruptions', kind, turn, t, kind FROM _tx_turn_facts
    WHERE kind IN ('overlap', 'question_cut_in') AND turn < coalesce(response_turn, 1e9)
    UNION ALL
    -- summed in whole milliseconds: a sum of doubles depends on the order the threads meet the
    -- turns, and a tenth of calls have an agent total on a rounding boundary (x.x5 s)
    SELECT call_id, 'agent_talk_share', round(agent_ms / nullif(all_ms, 0), 4)::VARCHAR, NULL,
           'seconds spoken: agent ' || round(agent_ms / 1000, 1) || ', all ' || round(all_ms / 1000, 1), 'talk_time'
    FROM (SELECT call_id, sum(ms) FILTER (WHERE speaker = 'agent')::DOUBLE AS agent_ms, sum(ms)::DOUBLE AS all_ms
          FROM (SELECT call_id, speaker, round((end_s - start_s) * 1000)::BIGINT AS ms FROM _tx_turn_facts) GROUP BY call_id)
    ORDER BY call_id, turn NULLS LAST, practice
    """.replace("{choices}", "SELECT * FROM _tx_choices" if rules.settings.get("choice_split") else
                "SELECT NULL::VARCHAR AS call_id, NULL::INTEGER AS turn, NULL::VARCHAR AS evidence, 0::BIGINT AS choices WHERE false").replace(
        "$names", _list([r.name for r in rules.rules])).replace(
        "$practices", _list([r.practice for r in rules.rules])).replace(
        "$groups", _list([r.group or "" for r in rules.rules]))


def _list(items: list[str]) -> str:
    return "[" + ", ".join(_lit(i) for i in items) + "]"


def _calls_sql(rules: Rules) -> str:
    """The select of ``transcript_calls``: one row per call of the chunk, from the chunk's
    practices and turn facts."""
    def flag(name: str) -> str:
        if name == "let_vent":
            return "any_value(coalesce(vi.n, 0)) = 0 AS let_vent"
        absent = rules.practices.get(name, {}).get("absent", [])
        cond = f"bool_or(p.practice = {_lit(name)})"
        if absent:
            blockers = ", ".join(_lit(a) for a in absent)
            cond = f"({cond} AND NOT coalesce(bool_or(p.practice IN ({blockers})), false))"
        return f"coalesce({cond}, false) AS {name}"
    practice_flags = ",\n           ".join(flag(n) for n in qa_flags())
    how_flags = ",\n           ".join(flag(n) for n in FLAGS)
    return f"""
    WITH base AS (
        SELECT call_id, count(*) AS turns, max(end_s) AS call_end, min(start_s) AS call_start
        FROM _tx_turn_facts GROUP BY call_id
    ), vi AS (
        SELECT call_id, count(*) AS n FROM {_CHUNK_PRACTICES} WHERE practice = 'vent_interruptions' GROUP BY call_id
    ), apology AS (
        SELECT p.call_id, min(p.turn) AS turn FROM {_CHUNK_PRACTICES} p WHERE p.practice = 'apologized' GROUP BY p.call_id
    )
    SELECT b.call_id,
           {practice_flags},
           count(DISTINCT p.value) FILTER (WHERE p.practice = 'options_offered')::INTEGER AS options_offered,
           coalesce(any_value(vm.value), 'none') AS verify_mode,
           any_value(a.turn)::INTEGER AS first_apology_turn,
           round((any_value(f.start_s) - any_value(b.call_start)) / nullif(any_value(b.call_end) - any_value(b.call_start), 0), 4)
               AS first_apology_position,
           any_value(coalesce(vi.n, 0))::INTEGER AS vent_interruptions,
           {how_flags},
           any_value(ts.value)::DOUBLE AS agent_talk_share,
           any_value(b.turns)::INTEGER AS turns
    FROM base b
    LEFT JOIN {_CHUNK_PRACTICES} p USING (call_id)
    LEFT JOIN vi USING (call_id)
    LEFT JOIN apology a USING (call_id)
    LEFT JOIN _tx_turn_facts f ON f.call_id = b.call_id AND f.turn = a.turn
    LEFT JOIN (SELECT call_id, value FROM {_CHUNK_PRACTICES} WHERE practice = 'verify_mode') vm USING (call_id)
    LEFT JOIN (SELECT call_id, value FROM {_CHUNK_PRACTICES} WHERE practice = 'agent_talk_share') ts USING (call_id)
    GROUP BY b.call_id
    ORDER BY b.call_id
    """
