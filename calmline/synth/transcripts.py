"""Transcripts of the generated calls: what the agent said, as the call's true practices and
variants say they did it.

Every upset call that happened gets a transcript (one row per turn: call_id, turn, speaker,
start_s, end_s, text: the ETL's CSV/Parquet turn form, :mod:`calmline.transcripts.read`). It
renders the call's TRUE practices (also those QA left empty in the calls file) and how each was
done (:mod:`calmline.synth.variants`), from the phrase bank ``phrases/en.toml``:

- the customer's opening complaint by issue type and industry; an agent who let the customer
  vent only backchannels ("mm-hm") in the pauses; an interrupted opening is talked over once or
  twice on the phone (the agent's turn starts before the customer's ends) or cut into by a short
  question in a chat or e-mail (no overlapping speech);
- verification repeats the customer's own words (verbatim) or says it in other words;
- the first apology lands in the agent's first response (early, within
  ``vocabulary.EARLY_APOLOGY_SHARE`` of the call's time) or after the plan (late);
- an acknowledgement followed by "but"/"however", policy language, a hand-off instead of
  ownership, options (one per kind of remedy for the issue), the plan check and the customer's
  answer, follow-up, summary, thanks;
- hard negatives on many calls whatever the practices: "sorry, could you repeat that number",
  "thanks for that" after an account number, reading the number back, "sorry for the wait",
  a confirmation e-mail that is not a follow-up;
- disfluencies (um, uh, repeated words) and, on phone calls, ASR-like noise: dropped words and
  homophones in the customer's speech, and on some calls lower case with no punctuation;
- timing: words per second and pauses by channel, the silence while the agent works stretched
  so the call lasts about its handle_s.

Each call draws from its own generator seeded from the ``"transcripts"`` stream, so the same
seed gives the same transcripts. Python builds each call's turns (a few dozen strings), the
table is assembled in columns: the 3,000-customer sample's ~7,000 transcripts take a few
seconds.
"""

from __future__ import annotations

import functools
import random
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from calmline import vocabulary

from . import effects as fx
from .streams import stream
from .world import CallState, World, upset_facts

NO_PUNCTUATION_SHARE = 0.15
"""Share of phone transcripts written like raw ASR: lower case, no punctuation."""
WORD_DROP = 0.02
"""Chance an ASR word of a customer's phone turn is dropped."""
HOMOPHONE = 0.3
"""Chance a homophone in a customer's phone turn is written as its twin."""
DISFLUENCY = 0.25
"""Chance a turn gets a filler or a repeated word (customers; agents on phone calls, less)."""
HARD_NEGATIVE_RATES = {"repeat_request": 0.15, "read_back": 0.25, "read_back_long": 0.03,
                       "after_hold": 0.3, "no_promise": 0.15, "tracking_text": 0.03,
                       "hold_question": 0.04}
"""Per call, the chance of each hard negative (things that are not practices)."""
INDUSTRIES = ("broadband", "mobile", "energy", "retail")
TURN_RANGE = (15, 30)
COLUMNS = ("call_id", "turn", "speaker", "start_s", "end_s", "text")


@functools.cache
def phrases(language: str = "en") -> dict:
    """The phrase bank ``calmline/synth/phrases/<language>.toml``, parsed."""
    text = resources.files("calmline.synth").joinpath("phrases", f"{language}.toml").read_text("utf-8")
    return tomllib.loads(text)


@dataclass
class Turn:
    speaker: str
    text: str
    key: bool = False        # carries a practice phrase: no ASR word noise
    overlap: bool = False    # starts before the previous (customer) turn ends
    work_after: bool = False  # the agent works in silence after it (hold, look-up)
    response: bool = False   # the agent's first response after the opening


def true_values(world: World, state: CallState, happened: np.ndarray) -> dict[str, np.ndarray]:
    """What each transcript renders, per upset call that happened (the truth detection is
    checked against).

    Returns
    -------
    dict of str to numpy.ndarray
        ``index`` (potential call), the ten QA flags, options_offered, compensated, and the
        variants: verify_mode, apology_early, vent_interruptions, empathy_negated,
        policy_language, handoff.
    """
    idx = world.upset.idx
    keep = happened[idx]
    f = upset_facts(world, state)
    out = {"index": idx[keep]}
    for name in vocabulary.qa_flags():
        out[name] = state.practices[name][idx][keep]
    out["took_ownership"] = f["took_ownership"][keep]
    out["options_offered"] = state.options[idx][keep].astype(np.int64)
    out["compensation_cents"] = state.compensation_cents[idx][keep]
    out["verify_mode"] = f["verify_mode"][keep]
    out["apology_early"] = (f["early"] & f["apologized"])[keep]
    for name in ("vent_interruptions", "empathy_negated", "policy_language", "handoff"):
        out[name] = f[name][keep]
    return out


def render(world: World, state: CallState, happened: np.ndarray, language: str = "en"
           ) -> tuple[pa.Table, dict[str, np.ndarray]]:
    """The transcripts of the upset calls that happened, and what each renders.

    Parameters
    ----------
    world : World
        The draws.
    state : CallState
        The world written (its practices, outcomes and variants).
    happened : numpy.ndarray
        Bool per potential call: the call is in the calls files.
    language : str
        The phrase bank to use.

    Returns
    -------
    turns : pyarrow.Table
        One row per turn: call_id, turn (0-based), speaker (agent|customer), start_s, end_s
        (seconds from the start of the call), text; calls in call_id order.
    truth : dict of str to numpy.ndarray
        :func:`true_values` plus ``call_id`` and ``no_punctuation`` (written like raw ASR).
    """
    from .write import call_ids, hold_s

    bank = phrases(language)
    truth = true_values(world, state, happened)
    idx = truth["index"]
    pre = world.pre
    holds = hold_s(state.transfers[idx], pre.handle_s[idx], world.draws.base_hold_s[idx],
                   world.draws.hold_per_transfer_s[idx])
    seeds = stream(world.seed, "transcripts").integers(0, 2**63 - 1, world.n_calls)[idx]
    flags = vocabulary.qa_flags()
    speakers, texts, starts, ends, counts, plain = [], [], [], [], [], []
    for i in range(len(idx)):
        rng = random.Random(int(seeds[i]))
        call = {name: bool(truth[name][i]) for name in flags}
        call.update(options=int(truth["options_offered"][i]), cents=int(truth["compensation_cents"][i]),
                    verify_mode=str(truth["verify_mode"][i]), early=bool(truth["apology_early"][i]),
                    interruptions=int(truth["vent_interruptions"][i]),
                    negated=bool(truth["empathy_negated"][i]), policy=bool(truth["policy_language"][i]),
                    handoff=bool(truth["handoff"][i]), transferred=bool(state.transfers[idx[i]] > 0),
                    channel=int(pre.channel[idx[i]]),
                    issue=fx.ISSUES[pre.issue[idx[i]]], handle_s=float(pre.handle_s[idx[i]]),
                    hold_s=float(holds[i]))
        turns, no_punct = _script(call, bank, rng)
        s, e = _timing(turns, call, rng)
        texts += [_noisy(t, call, bank, rng, no_punct) for t in turns]
        speakers += [t.speaker for t in turns]
        starts += s
        ends += e
        counts.append(len(turns))
        plain.append(no_punct)
    counts = np.asarray(counts, dtype=np.int64)
    call_of_turn = np.repeat(idx, counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else counts
    turn_no = np.arange(int(counts.sum())) - np.repeat(first, counts)
    table = pa.table({
        "call_id": call_ids(call_of_turn),
        "turn": pa.array(turn_no.astype(np.int32)),
        "speaker": pa.array(speakers, pa.string()),
        "start_s": pa.array(np.round(np.asarray(starts, dtype=np.float64), 2)),
        "end_s": pa.array(np.round(np.asarray(ends, dtype=np.float64), 2)),
        "text": pa.array(texts, pa.string()),
    })
    truth["call_id"] = np.asarray(call_ids(idx).to_pylist(), dtype=object)
    truth["no_punctuation"] = np.asarray(plain, dtype=bool)
    return table, truth


def write_transcripts(path: Path, world: World, state: CallState, happened: np.ndarray) -> int:
    """Write ``transcripts.parquet`` (zstd) for the upset calls that happened; return its rows."""
    table, _ = render(world, state, happened)
    pq.write_table(table, path, compression="zstd", compression_level=9,
                   use_dictionary=["call_id", "speaker"], row_group_size=1 << 17)
    return table.num_rows


# --- one call's script ------------------------------------------------------------------

def _fill(text: str, slots: dict) -> str:
    for k, v in slots.items():
        text = text.replace("{" + k + "}", v)
    return text


def _script(call: dict, bank: dict, rng: random.Random) -> tuple[list[Turn], bool]:
    """The turns of one call, in order, with the practices it shows."""
    A, C = bank["agent"], bank["customer"]
    neg = bank["hard_negatives"]
    chat = call["channel"] != 0
    industry = rng.choice(INDUSTRIES)
    ind = bank["industries"][industry]
    issue = call["issue"]
    amount = (f"£{max(call['cents'] // 100, 1)}" if call["cents"] > 0 else f"£{rng.randint(6, 90)}")
    account = " ".join(str(rng.randint(1000, 9999)) for _ in range(2))
    slots = {"brand": rng.choice(ind["brands"]), "agent": rng.choice(bank["agents"]),
             "thing": rng.choice(ind["thing"][issue]), "amount": amount, "account": account,
             "day": rng.choice(bank["days"]), "team": rng.choice(A["teams"])}

    def say(pool, **extra):
        return _fill(rng.choice(pool), {**slots, **extra})

    opening = rng.choice(bank["openings"][issue])
    core = _fill(opening["text"].split("[", 1)[1].split("]", 1)[0], slots)
    complaint = _fill(opening["text"].replace("[", "").replace("]", ""), slots)
    t: list[Turn] = [Turn("agent", say(A["greeting_chat" if chat else "greeting_phone"]))]

    # The opening account: vented in full, or cut into.
    t.append(Turn("customer", complaint))
    if call["interruptions"] == 0:
        if not chat and rng.random() < 0.5:
            t.append(Turn("agent", say(A["backchannel"])))
        t.append(Turn("customer", say(C["continue"])))
        if rng.random() < 0.4:
            t.append(Turn("customer", say(C["vent"])))
    else:
        cuts = rng.sample(A["cut_in" if chat else "overlap"], call["interruptions"])
        for k, cut in enumerate(cuts):
            t.append(Turn("agent", _fill(cut, slots), key=True, overlap=not chat))
            t.append(Turn("customer", say(C["carry_on"] if k == 0 else C["continue"])))

    # The first response: acknowledgement, early apology, look-up.
    negated_policy = call["negated"] and call["policy"] and rng.random() < 0.5
    parts = []
    if call["empathized"]:
        if call["negated"]:
            clause = say(A["but_policy"] if negated_policy else A["but_clause"])
            parts.append(f"{say(A['empathy_negatable'])}, {clause}.")
        else:
            parts.append(say(A["empathy"]))
    if call["apologized"] and call["early"]:
        parts.append(say(A["apology"]))
    parts.append(say(A["response"]))
    t.append(Turn("agent", " ".join(parts), key=True, response=True))
    t.append(Turn("customer", say(C["give_account"])))
    if rng.random() < HARD_NEGATIVE_RATES["repeat_request"]:
        t.append(Turn("agent", say(neg["repeat_request"])))
        t.append(Turn("customer", say(C["repeat_account"])))
    if rng.random() < HARD_NEGATIVE_RATES["read_back_long"]:
        t.append(Turn("agent", say(neg["read_back_long"])))
    elif rng.random() < HARD_NEGATIVE_RATES["read_back"]:
        t.append(Turn("agent", say(neg["read_back"])))
    else:
        t.append(Turn("agent", say(neg["after_account"])))

    if call["verified_understanding"]:
        if call["verify_mode"] == "verbatim":
            said = f"{say(A['verify_verbatim'])} {core}"
        else:
            said = f"{say(A['verify_intro'])} {_fill(opening['paraphrase'], slots)}"
        t.append(Turn("agent", f"{said}. {say(A['verify_check'])}", key=True))
        t.append(Turn("customer", say(C["confirm"])))

    # Looking into it.
    if rng.random() < HARD_NEGATIVE_RATES["hold_question"]:
        t.append(Turn("agent", say(neg["hold_question"])))
        t.append(Turn("customer", say(C["hold_ok"])))
    t.append(Turn("agent", say(A["hold"]), work_after=True))
    back = []
    if rng.random() < HARD_NEGATIVE_RATES["after_hold"]:
        back.append(say(neg["after_hold"]))
    back.append(say(A["back_thanked"] if call["thanked"] and rng.random() < 0.3 else A["back"]))
    back.append(say(A["explain"]))
    t.append(Turn("agent", " ".join(back), key=True))
    t.append(Turn("customer", say(C["react_bad"] if call["policy"] else C["react"])))
    if call["policy"] and not negated_policy:
        t.append(Turn("agent", say(A["policy"]), key=True))
        t.append(Turn("customer", say(C["react_bad"])))

    if call["asked_desired_outcome"]:
        t.append(Turn("agent", say(A["desired_outcome"]), key=True))
        t.append(Turn("customer", say(C["wish"])))

    # Options: one remedy per kind; a goodwill credit is one of them when granted.
    kinds = list(bank["issue_options"][issue])
    rng.shuffle(kinds)
    n = call["options"]
    chosen = kinds[:max(n - (call["cents"] > 0), 0)] if n else []
    if call["cents"] > 0 and n:
        chosen.insert(rng.randrange(len(chosen) + 1), "credit")
    remedies = [say(bank["options"][k]) for k in chosen]
    if len(remedies) == 1:
        t.append(Turn("agent", say(A["options_one"], o1=remedies[0]), key=True))
    elif len(remedies) == 2:
        t.append(Turn("agent", say(A["options_two"], o1=remedies[0], o2=remedies[1]), key=True))
    elif remedies:
        listed = ", ".join(remedies[:-1]) + ", or " + remedies[-1]
        t.append(Turn("agent", say(A["options_more"], list=listed), key=True))
    if len(remedies) >= 2:
        t.append(Turn("customer", say(C["choose"])))
    if call["cents"] > 0 and not n:
        t.append(Turn("agent", say(A["compensation_alone"]), key=True))
    if remedies and len(remedies) < 2:
        t.append(Turn("customer", say(C["react"])))

    # The plan check and the answer.
    if call["agreement_obtained"]:
        t.append(Turn("agent", say(A["plan_check"]), key=True))
        t.append(Turn("customer", say(C["accept"]), key=True))
    elif rng.random() < 0.5:
        t.append(Turn("agent", say(A["plan_check"]), key=True))
        t.append(Turn("customer", say(C["not_accept"])))

    if call["handoff"]:
        t.append(Turn("agent", say(A["handoff" if call["transferred"] else "handoff_refer"]), key=True))
    elif call["took_ownership"]:
        t.append(Turn("agent", say(A["ownership"]), key=True))
    if call["followup_promised"]:
        t.append(Turn("agent", say(A["followup"]), key=True))
    elif rng.random() < HARD_NEGATIVE_RATES["tracking_text"]:
        t.append(Turn("agent", say(neg["tracking_text"])))
    elif rng.random() < HARD_NEGATIVE_RATES["no_promise"]:
        t.append(Turn("agent", say(neg["no_promise"])))
    if not call["handoff"] and (call["took_ownership"] or call["followup_promised"]):
        t.append(Turn("customer", say(C["react"])))

    closing = []
    if call["summarized"]:
        recap = bank["recap"][chosen[0]] if chosen else rng.choice(A["recap_generic"])
        closing.append(Turn("agent", say(A["summary"], recap=_fill(recap, slots)), key=True))
        closing.append(Turn("customer", say(C["react"])))
    end = []
    if call["apologized"] and not call["early"]:
        end.append(say(A["late_apology"]))
    if call["thanked"]:
        end.append(say(A["thanks"]))
    end.append(say(A["close"]) if rng.random() < 0.5 else say(bank["hard_negatives"]["closing_thanks"]))
    closing.append(Turn("agent", " ".join(end), key=True))
    closing.append(Turn("customer", say(C["bye"])))

    # 15 to 30 turns: small talk while the agent works pads a short call.
    middle = []
    while len(t) + len(closing) + len(middle) < TURN_RANGE[0]:
        middle += [Turn("agent", say(A["filler"])), Turn("customer", say(C["react"]))]
    at = next(k for k, turn in enumerate(t) if turn.work_after) + 2
    t = t[:at] + middle + t[at:] + closing
    no_punct = not chat and rng.random() < NO_PUNCTUATION_SHARE
    return t[:TURN_RANGE[1]], no_punct


def _timing(turns: list[Turn], call: dict, rng: random.Random) -> tuple[list[float], list[float]]:
    """Start and end (s) of every turn: speech or typing speed, pauses, overlaps, work time."""
    chat = call["channel"] != 0
    starts, ends = [], []
    clock = 0.0
    work = []
    for k, turn in enumerate(turns):
        words = len(turn.text.split())
        if chat:
            length = words / rng.uniform(0.6, 1.2) + rng.uniform(1, 4)
            gap = rng.uniform(3, 15)
        else:
            length = words / rng.uniform(2.3, 3.2) + rng.uniform(0.2, 0.6)
            gap = rng.uniform(0.2, 1.2)
        if k == 0:
            start = 0.0
        elif turn.overlap:
            prev_s, prev_e = starts[-1], ends[-1]
            start = max(prev_s + 0.5, prev_e - rng.uniform(0.8, 2.5))
        else:
            start = clock + gap
        starts.append(start)
        ends.append(start + length)
        clock = max(clock, start + length)
        if turn.work_after:
            work.append(k)
    # The agent's silent work after the hold line makes up the rest of the handle time.
    natural = clock
    extra = max(call["handle_s"] - natural, call["hold_s"], rng.uniform(5, 30))
    early_at = _first_response(turns)
    if call["apologized"] and call["early"] and early_at is not None:
        needed = starts[early_at] / (0.8 * vocabulary.EARLY_APOLOGY_SHARE) - natural
        extra = max(extra, needed)
    if work:
        k = work[0] + 1
        starts[k:] = [s + extra for s in starts[k:]]
        ends[k:] = [e + extra for e in ends[k:]]
    return starts, ends


def _first_response(turns: list[Turn]) -> int | None:
    """The agent's first response after the opening (where an early apology goes)."""
    return next((k for k, turn in enumerate(turns) if turn.response), None)


def _noisy(turn: Turn, call: dict, bank: dict, rng: random.Random, no_punct: bool) -> str:
    """Disfluencies and, on phone calls, ASR noise."""
    text = turn.text
    noise = bank["noise"]
    phone = call["channel"] == 0
    words = text.split()
    rate = (0 if turn.key else DISFLUENCY) if turn.speaker == "customer" else DISFLUENCY / 3 if phone else 0
    if words and rng.random() < rate:
        k = rng.randrange(len(words))
        if rng.random() < 0.5 and not turn.key:
            words.insert(k, words[k])                            # a repeated word
        else:
            words.insert(k if not turn.key else 0, rng.choice(noise["fillers"]) + ",")
    if phone and turn.speaker == "customer":
        homophones = noise["homophones"]
        out = []
        for w in words:
            bare = w.lower().strip(".,?!")
            if len(words) > 6 and rng.random() < WORD_DROP:
                continue
            if bare in homophones and rng.random() < HOMOPHONE:
                w = w.replace(bare, homophones[bare]) if w.islower() else homophones[bare]
            out.append(w)
        words = out or words
    text = " ".join(words)
    if no_punct:
        text = "".join(ch for ch in text.lower() if ch not in ".,?!;:")
    return text
