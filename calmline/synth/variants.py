"""How each practice was done on a call: the variants behind ``vocabulary.DISPUTES``.

Every potential call draws, from its own ``"variants"`` stream, the side it takes on each
disputed point (verbatim or paraphrased verification, early or late apology, a second
interruption of the opening, empathy negated by "but", policy language, hand-off), mildly
confounded like real centres: the adoption is ``logistic(intercept + skill loading * skill +
per anger level above 3 + channel)`` (``effects.VARIANT_ADOPTION``). Whether a call is in a
dispute's group follows from its practices in the world being evaluated:

- verify_mode is 'verbatim' or 'paraphrase' when verified_understanding, else 'none';
- the first apology is early (within ``vocabulary.EARLY_APOLOGY_SHARE`` of the call's time) or
  late when apologized, none otherwise;
- vent_interruptions is 0 when let_vent, else 1 or 2 (the opening was cut into);
- empathy_negated only on calls that empathized (the acknowledgement is then followed by
  "but"/"however");
- policy_language on any call;
- handoff only when the agent did not take ownership.

The dispute groups and sides are then read from the vocabulary's own SQL (``among``,
``treated`` over these ``transcript_calls`` columns), evaluated in DuckDB, so the generator
compares exactly what the analysis compares. Each treated side adds
``effects.DISPUTE_EFFECT[name]`` to the churn trigger's log-odds of an upset call.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from calmline import vocabulary

from . import effects as fx
from .calls import PreCall, logistic

SWITCHES = {
    "verify_verbatim": "verbatim",
    "apology_early": "early",
    "vent_interrupted": "let_vent",
    "empathy_negated": "negated",
    "policy_language": "policy",
    "handoff_vs_ownership": "took_ownership",
}
"""What the generator switches to put a call of a dispute's group on one side or the other:
a variant draw, or a practice (let_vent off = interrupted; took_ownership off = handed off)."""

EARLY_POSITION, LATE_POSITION = 0.1, 0.6
"""first_apology_position used when the dispute sides are evaluated (the transcripts place the
apology on the right side of ``vocabulary.EARLY_APOLOGY_SHARE``)."""


@dataclass
class VariantDraws:
    """Per potential call: the pre-drawn side of every disputed point (same in every world)."""

    verbatim: np.ndarray        # bool
    early: np.ndarray           # bool
    two_interruptions: np.ndarray  # bool: an interrupted opening is cut into twice
    negated: np.ndarray         # bool
    policy: np.ndarray          # bool
    handoff: np.ndarray         # bool: handed off when the agent does not take ownership


def draw_variants(rng: np.random.Generator, pre: PreCall, skill: np.ndarray) -> VariantDraws:
    """Draw every potential call's variants.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``"variants"`` stream.
    pre : PreCall
        Pre-call facts (anger, channel).
    skill : numpy.ndarray
        The answering agent's latent skill, per call.

    Returns
    -------
    VariantDraws
    """
    n = len(skill)
    anger3 = pre.anger.astype(np.float64) - vocabulary.UPSET_ANGER

    def eta(name):
        a, load, slope, channel = fx.VARIANT_ADOPTION[name]
        return a + load * skill + slope * anger3 + np.asarray(channel)[pre.channel]

    def side(name):
        return rng.random(n, dtype=np.float32) < logistic(eta(name))

    verbatim = side("verify_verbatim")
    early = side("apology_early")
    two = side("vent_interrupted")
    negated = side("empathy_negated")
    policy = side("policy_language")
    handoff = side("handoff_vs_ownership")
    return VariantDraws(verbatim, early, two, negated, policy, handoff)


def facts(draws: VariantDraws, idx: np.ndarray, practices: dict[str, np.ndarray],
          transfers: np.ndarray, force: dict[str, tuple[bool, np.ndarray]]) -> dict[str, np.ndarray]:
    """The transcript_calls columns the disputes read, for the calls ``idx``.

    Parameters
    ----------
    draws : VariantDraws
        The pre-drawn variants.
    idx : numpy.ndarray
        Potential calls to describe.
    practices : dict of str to numpy.ndarray
        The QA flags of every potential call in the world evaluated.
    transfers : numpy.ndarray
        Transfers of every potential call in that world (the transcript words a hand-off as
        a transfer when there was one, as a referral otherwise; it does not depend on them).
    force : dict
        Dispute name -> (value, bool mask over potential calls): the variant draw forced to
        ``value`` on those calls (disputes that switch a practice are forced on the practice).

    Returns
    -------
    dict of str to numpy.ndarray
        verify_mode (str), apologized, early, vent_interruptions, empathized, empathy_negated,
        policy_language, handoff, took_ownership; one entry per call of ``idx``.
    """
    def drawn(name, values):
        if name in force:
            value, mask = force[name]
            values = np.where(mask, value, values)
        return values[idx]

    own = practices["took_ownership"][idx]
    verified = practices["verified_understanding"][idx]
    verbatim = drawn("verify_verbatim", draws.verbatim)
    handoff = ~own & draws.handoff[idx]
    if "handoff_vs_ownership" in force:
        value, mask = force["handoff_vs_ownership"]
        handoff = np.where(mask[idx], bool(value), handoff)
    empathized = practices["empathized"][idx]
    return {
        "verify_mode": np.where(verified, np.where(verbatim, "verbatim", "paraphrase"), "none"),
        "apologized": practices["apologized"][idx],
        "early": drawn("apology_early", draws.early),
        "vent_interruptions": np.where(practices["let_vent"][idx], 0,
                                       1 + draws.two_interruptions[idx]).astype(np.int8),
        "empathized": empathized,
        "empathy_negated": empathized & drawn("empathy_negated", draws.negated),
        "policy_language": drawn("policy_language", draws.policy),
        "handoff": handoff,
        "took_ownership": own,
    }


def sides(call_facts: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each dispute's group and side, from the vocabulary's SQL over the calls' facts.

    Parameters
    ----------
    call_facts : dict of str to numpy.ndarray
        From :func:`facts`.

    Returns
    -------
    dict of str to (numpy.ndarray, numpy.ndarray)
        Dispute name -> (among, treated): bool per call; treated is False outside the group.
    """
    apologized = call_facts["apologized"]
    n = len(apologized)
    table = pa.table({
        "verify_mode": pa.array(call_facts["verify_mode"], pa.string()),
        "first_apology_turn": pa.array(np.zeros(n, dtype=np.int32), mask=~apologized),
        "first_apology_position": pa.array(
            np.where(call_facts["early"], EARLY_POSITION, LATE_POSITION), mask=~apologized),
        "vent_interruptions": pa.array(call_facts["vent_interruptions"].astype(np.int32)),
        "empathized": pa.array(call_facts["empathized"]),
        "empathy_negated": pa.array(call_facts["empathy_negated"]),
        "policy_language": pa.array(call_facts["policy_language"]),
        "handoff": pa.array(call_facts["handoff"]),
        "took_ownership": pa.array(call_facts["took_ownership"]),
    })
    if not vocabulary.DISPUTES:
        return {}
    cols = ", ".join(f"coalesce(({d.among}), false) AS \"a_{d.name}\", "
                     f"coalesce(({d.among}) AND ({d.treated}), false) AS \"t_{d.name}\""
                     for d in vocabulary.DISPUTES)
    con = duckdb.connect()
    try:
        con.register("facts_view", table)
        out = con.execute(f"SELECT {cols} FROM facts_view").fetchnumpy()
    finally:
        con.close()
    return {d.name: (np.asarray(out[f"a_{d.name}"], dtype=bool),
                     np.asarray(out[f"t_{d.name}"], dtype=bool))
            for d in vocabulary.DISPUTES}


def dispute_logit(dispute_sides: dict[str, tuple[np.ndarray, np.ndarray]], n: int) -> np.ndarray:
    """Churn-trigger log-odds the treated sides add, per call (``effects.DISPUTE_EFFECT``)."""
    eta = np.zeros(n)
    for name, (_, treated) in dispute_sides.items():
        eta += fx.DISPUTE_EFFECT[name] * treated
    return eta
