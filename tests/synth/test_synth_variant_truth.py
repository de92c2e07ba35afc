"""The ground truth's forced worlds keep how every call's practices were done.

A practice's planted effect (truth.py) compares the world with the practice forced on every
upset call against the world with it forced off, everything else as drawn (common random
numbers). Since the disputed points (vocabulary.DISPUTES) were planted, a practice's effect
also depends on how it was done (an early apology, an acknowledgement negated by "but", a
hand-off when the agent does not take ownership). If forcing one practice re-drew or shifted
any call's variants, the truth would move for reasons no analysis of the written data can see.
These tests hold each call's variant, wherever the call is in the variant's group in both
worlds, to its factual value under every force.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from calmline import vocabulary
from calmline.synth import world as synth_world
from tests.synth.worlds import SEED, SMALL


@pytest.fixture(scope="module")
def drawn():
    """The SMALL world's draws and its factual state (no files written)."""
    world = synth_world.build_world(SEED, SMALL, dt.date(2025, 1, 1), 12)
    return world, synth_world.call_state(world)


def _variants_where_comparable(before: dict, after: dict) -> dict[str, tuple]:
    """Each variant column of two worlds' facts, on the calls in its group in both worlds."""
    both = {
        "early": before["apologized"] & after["apologized"],
        "empathy_negated": before["empathized"] & after["empathized"],
        "verify_mode": (before["verify_mode"] != "none") & (after["verify_mode"] != "none"),
        "vent_interruptions": (before["vent_interruptions"] > 0) & (after["vent_interruptions"] > 0),
        "handoff": ~before["took_ownership"] & ~after["took_ownership"],
        "policy_language": np.ones(len(before["apologized"]), dtype=bool),
    }
    return {col: (before[col][rows], after[col][rows]) for col, rows in both.items()}


@pytest.mark.parametrize("practice", vocabulary.practice_names())
@pytest.mark.parametrize("value", [True, False])
def test_forcing_a_practice_keeps_every_calls_variants(drawn, practice, value):
    world, factual = drawn
    before = synth_world.upset_facts(world, factual)
    forced = synth_world.with_force(world, factual, practice, value)
    after = synth_world.upset_facts(world, forced)
    for col, (was, now) in _variants_where_comparable(before, after).items():
        assert np.array_equal(was, now), f"forcing {practice}={value} moved {col}"


def test_forcing_a_practice_puts_the_pre_drawn_variant_on_calls_that_lacked_it(drawn):
    """Calls that did not apologise get, when forced to, the timing drawn for them."""
    world, factual = drawn
    before = synth_world.upset_facts(world, factual)
    after = synth_world.upset_facts(world,
                                    synth_world.with_force(world, factual, "apologized", True))
    lacked = ~before["apologized"]
    assert lacked.any() and after["apologized"].all()
    assert np.array_equal(after["early"][lacked],
                          world.variants.early[world.upset.idx][lacked])
    owned = synth_world.upset_facts(world,
                                    synth_world.with_force(world, factual, "took_ownership", False))
    assert np.array_equal(owned["handoff"], world.variants.handoff[world.upset.idx])
    cut = synth_world.upset_facts(world, synth_world.with_force(world, factual, "let_vent", False))
    assert np.array_equal(cut["vent_interruptions"],
                          1 + world.variants.two_interruptions[world.upset.idx])
