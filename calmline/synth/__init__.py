"""Synthetic contact-centre data with known, planted causal effects.

``generate(out_dir, customers, seed, ...)`` writes the calmline input files
(calls by month, customers, agents, follow-ups, training, transcripts of the upset
calls) plus ``ground_truth.json``, the planted effect of every practice, and of how
some practices are done (``vocabulary.DISPUTES``), on churn.

Modules, in the order the world is drawn:

- ``period``: calendar (day 0 = start, as_of = start + months)
- ``population``: customers (covariates, background churn) and agents (skill, roster)
- ``schedule``: potential calls, agent assignment, start times within shifts
- ``calls``: pre-call facts, anger, practices, outcomes
- ``followups``, ``compensation``, ``training``
- ``variants``: how each practice was done (the sides of the disputed points)
- ``churn``: the per-upset-call churn trigger and the churn solver
- ``world``: builds the draws; evaluates a world with practices forced
- ``truth``: ground truth by forcing each practice on and off
- ``write``, ``dirty``: the files; ``transcripts``: the turns of each upset call, from
  the phrase bank ``phrases/en.toml``
- ``effects``: every planted number

The domain's words (practices, modules, channels, horizons) come from
``calmline.vocabulary``, read when the generator runs.
"""

from .generate import CALLS_PER_CUSTOMER_YEAR, customers_for_calls, generate

__all__ = ["CALLS_PER_CUSTOMER_YEAR", "customers_for_calls", "generate"]
