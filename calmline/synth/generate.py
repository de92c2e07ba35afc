"""``generate``: draw a world, write its files and its ground truth."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

from calmline import vocabulary

from . import effects as fx
from .dirty import KINDS
from .dirty import dirty_rows as make_dirty_rows
from .population import NEVER
from .streams import stream
from .truth import CONFOUNDING, ground_truth
from .world import build_world, call_state, churn_of
from .transcripts import write_transcripts
from .write import (
    append_rows,
    write_agents,
    write_calls,
    write_customers,
    write_follow_ups,
    write_training,
)

CALLS_PER_CUSTOMER_YEAR = 6.03
"""Calls written per customer over a 12-month period (calm and upset, after churn).

Measured with 330,579 customers, seed 1 (1,993,232 calls); small worlds vary by a few percent.
"""

MAX_CUSTOMERS = 9_999_999


def customers_for_calls(calls: int, months: int = 12) -> int:
    """Number of customers that gives about ``calls`` calls.

    Parameters
    ----------
    calls : int
        Target number of calls in the calls files.
    months : int
        Length of the period. Calls per customer grow a little less than
        linearly with months (churned customers stop calling); the estimate
        is calibrated for 12 months.

    Returns
    -------
    int
        E.g. 2,000,000 calls -> 331,675 customers; 10,000,000 -> 1,658,375.
    """
    return max(1, math.ceil(calls / (CALLS_PER_CUSTOMER_YEAR * months / 12)))


def generate(out_dir: Path, customers: int, seed: int, start: dt.date = dt.date(2025, 1, 1),
             months: int = 12, dirty_rows: int = 0, force: dict[str, bool] | None = None,
             transcripts: bool = True) -> dict:
    """Generate a synthetic contact-centre data set with known planted effects.

    Parameters
    ----------
    out_dir : pathlib.Path
        Folder to write into (created if needed). Existing ``calls/calls_*.csv``
        files there are replaced.
    customers : int
        Number of customers (about ``CALLS_PER_CUSTOMER_YEAR`` calls each per year).
    seed : int
        Seed; the same arguments give byte-identical files.
    start : datetime.date
        First day of the period.
    months : int
        Length of the period; ``as_of = start + months``.
    dirty_rows : int
        Extra broken call rows to append (see ``calmline.synth.dirty``); none when
        the world has no calls at all.
    force : dict of str to bool, optional
        Practice -> value forced on every upset call (same seed, same draws,
        outcomes respond). Used to check the ground truth end to end.
    transcripts : bool
        Write ``transcripts.parquet``: one row per turn (call_id, turn, speaker, start_s,
        end_s, text) of every upset call in the calls files, rendering its true practices and
        how they were done (:mod:`calmline.synth.transcripts`). False removes a stale one.

    Raises
    ------
    ValueError
        For bad arguments, or when a practice of ``calmline.vocabulary`` has no
        planted parameters (``effects.check_parameters``).

    Returns
    -------
    dict
        ``out_dir``, ``as_of``, ``rows`` (per file) and ``paths``.
    """
    out_dir = Path(out_dir)
    force = dict(force or {})
    fx.check_parameters()
    _check(customers, seed, months, dirty_rows, force)
    world = build_world(seed, customers, start, months)
    state = call_state(world, force)
    churn = churn_of(world, state)
    happened = world.day < churn.churn_day[world.customer]

    out_dir.mkdir(parents=True, exist_ok=True)
    months_written = write_calls(out_dir, world, state, happened)
    paths = {"customers": out_dir / "customers.csv", "agents": out_dir / "agents.csv",
             "follow_ups": out_dir / "follow_ups.csv", "training": out_dir / "training.csv",
             "ground_truth": out_dir / "ground_truth.json"}
    rows = {
        "calls": int(happened.sum()),
        "customers": write_customers(paths["customers"], world, churn.churn_day),
        "agents": write_agents(paths["agents"], world),
        "follow_ups": write_follow_ups(paths["follow_ups"], world, state, happened),
        "training": write_training(paths["training"], world),
    }
    tables, records = make_dirty_rows(stream(seed, "dirty"), dirty_rows, world, state, happened)
    for label, table in tables.items():
        append_rows(months_written[label][0], table)
    rows["dirty_calls"] = len(records)
    transcript_path = out_dir / "transcripts.parquet"
    if transcripts:
        rows["transcript_turns"] = write_transcripts(transcript_path, world, state, happened)
        paths["transcripts"] = transcript_path
    else:
        transcript_path.unlink(missing_ok=True)

    truth = ground_truth(world, state, churn)
    document = {
        "seed": seed,
        "customers": customers,
        "start": start.isoformat(),
        "months": months,
        "as_of": world.period.as_of.isoformat(),
        "force": force,
        "n_upset_calls_in_window":
            truth["horizons"][f"{vocabulary.HEADLINE_HORIZON}d"]["n_upset_calls_in_window"],
        "zero_effect_practice": "thanked",
        "confounding": CONFOUNDING,
        "definitions": _definitions(),
        "horizons": truth["horizons"],
        "practices": truth["practices"],
        "disputes": truth["disputes"],
        "trigger_model": _trigger_model(),
        "world": {
            "potential_calls": world.n_calls,
            "calls": rows["calls"],
            "upset_share_of_calls": (float(world.upset_mask[happened].mean())
                                     if rows["calls"] else 0.0),
            "customers_churned_by_as_of": int((churn.churn_day <= world.period.n_days).sum()),
            "upset_calls_triggering_churn": int(((churn.trigger_day < NEVER)
                                                 & happened[world.upset.idx]).sum()),
            "churn_solver_rounds": churn.rounds,
        },
        "dirty_rows": {"count": len(records),
                       "by_kind": {kind: sum(r["kind"] == kind for r in records)
                                   for kind, _ in KINDS},
                       "rows": records},
    }
    paths["ground_truth"].write_text(json.dumps(_no_nan(document), indent=2, allow_nan=False) + "\n")
    return {
        "out_dir": str(out_dir),
        "as_of": world.period.as_of.isoformat(),
        "rows": rows,
        "paths": {**{k: str(v) for k, v in paths.items()},
                  "calls": [str(p) for p, _ in months_written.values()]},
    }


def _no_nan(value):
    """Replace NaN (a rate over no calls, in tiny worlds) by None, i.e. JSON null."""
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nan(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _check(customers: int, seed: int, months: int, dirty_rows: int, force: dict) -> None:
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise ValueError(f"customers must be between 1 and {MAX_CUSTOMERS:,}")
    if seed < 0:
        raise ValueError("seed must be >= 0")
    if months < 1:
        raise ValueError("months must be >= 1")
    if dirty_rows < 0:
        raise ValueError("dirty_rows must be >= 0")
    unknown = set(force) - set(vocabulary.practice_names())
    if unknown:
        raise ValueError(f"unknown practices in force: {sorted(unknown)}")


def _definitions() -> dict:
    window = vocabulary.FOLLOWUP_WINDOW_DAYS
    return {
        "upset_call": f"anger_level >= {vocabulary.UPSET_ANGER}",
        **{p.name: p.derived for p in vocabulary.PRACTICES if p.derived},
        "followed_up": f"a row in follow_ups.csv for the call with followup_at within {window} "
                       f"days ({window} x 24 h) of started_at",
        "window": "a call is in the h-day window when date(started_at) + h days <= as_of",
        "churned_by_h": "customers.churned_at is not empty and <= date(started_at) + h days",
        "risk_difference": "planted policy effect: mean over upset calls in the window of "
                           "[churned by h when the practice is on for every upset call] - "
                           "[... off for every upset call]; common random numbers, other practices "
                           "held, transfers/resolved/csat respond, churn re-solved",
        "call_level_risk_difference": "same, but only the call itself is switched; every other "
                                      "call keeps its factual churn trigger (what a per-call model "
                                      "of churn-within-h targets)",
        "naive_risk_difference": "mean factual churned-by-h with the practice minus without, "
                                 "over upset calls in the window, no adjustment (true practice "
                                 "values, including calls QA left empty)",
        "adoption_upset": f"share of upset calls in the {vocabulary.HEADLINE_HORIZON}-day window "
                          "with the practice (true values, including calls QA left empty)",
        "forced_practice_variants": "a practice forced on is done as that call's pre-drawn "
                                    "variants say (early or late apology, acknowledgement "
                                    "negated by 'but' or not, verbatim or paraphrased "
                                    "verification, a hand-off when ownership is forced off), "
                                    "the same draws in every world; the variants follow anger "
                                    "and channel only, so given them adopters and non-adopters "
                                    "would do the practice alike and the effect is that of the "
                                    "practice as the centre does it on calls like this one",
        "forced_offered_options": "on: options_offered = max(count, 2); off: min(count, 1)",
        "forced_followed_up": "on: a follow-up at the call's pre-drawn delay truncated to "
                              f"{window} days; off: no follow-up within {window} days (later "
                              "ones stay)",
        "disputes": "how a practice was done (vocabulary.DISPUTES): each dispute's group is its "
                    "`among` and its side its `treated`, the vocabulary's SQL over the calls' "
                    "true transcript_calls columns (verify_mode, first_apology_turn/position, "
                    "vent_interruptions, empathized, empathy_negated, policy_language, handoff, "
                    "took_ownership), as the generator drew them",
        "dispute_log_odds_coefficient": "churn-trigger log-odds added on an upset call on the "
                                        "treated side of the dispute (effects.DISPUTE_EFFECT)",
        "dispute_log_odds_contrast": "treated side minus the other side's direct log-odds: the "
                                     "coefficient, minus the effect of the practice the "
                                     "dispute switches (vent_interrupted: let_vent off; "
                                     "handoff_vs_ownership: took_ownership off, which also "
                                     "moves transfers and resolved)",
        "dispute_adoption": f"share on the treated side among the group's upset calls in the "
                            f"{vocabulary.HEADLINE_HORIZON}-day window",
        "dispute_call_level_risk_difference": "mean over the group's upset calls in the h-day "
                                              "window of [churned by h with only this call on "
                                              "the treated side] - [... on the other side]; "
                                              "common random numbers, every other call keeps "
                                              "its factual trigger",
        "dispute_risk_difference": "same, with every call of the group switched at once and "
                                   "churn solved again",
        "dispute_naive_risk_difference": "factual churned-by-h, treated minus the other side, "
                                         "over the group's upset calls in the window",
        "early_apology": f"the first apology starts before {vocabulary.EARLY_APOLOGY_SHARE:g} of "
                         "the call's time (first_apology_position, the share of the call "
                         "elapsed)",
        "forced_compensated": "on: compensation_value = the call's pre-drawn amount (> 0, drawn "
                              "for every call); off: compensation_value = 0",
    }


def _trigger_model() -> dict:
    return {
        "applies_to": "upset calls (anger_level >= 3) that happened; calm calls never trigger",
        "link": "logit; churn lands a uniform 1..90 days after the call day when triggered",
        "churned_at": "earliest of the customer's background churn day and all triggered days; "
                      "calls on or after churned_at never happen",
        "intercept": fx.TRIGGER_INTERCEPT,
        "anger_level_minus_3": fx.TRIGGER_ANGER,
        "issue_type": dict(zip(fx.ISSUES, fx.TRIGGER_ISSUE)),
        "channel": dict(zip(vocabulary.CHANNELS, fx.TRIGGER_CHANNEL)),
        "log1p_wait_minutes": fx.TRIGGER_WAIT,
        "plan": dict(zip(fx.PLANS, fx.TRIGGER_PLAN)),
        "monthly_value_per_10": fx.TRIGGER_VALUE,
        "region": dict(zip(fx.REGIONS, fx.TRIGGER_REGION)),
        "log1p_tenure_years": fx.TRIGGER_TENURE,
        "tenure_years": "(date(started_at) - signup_date) in days / 365.25",
        "month_of_call": dict(zip([f"{m:02d}" for m in range(1, 13)], fx.TRIGGER_MONTH)),
        "practices": {name: fx.TRIGGER_PRACTICE[name] for name in vocabulary.practice_names()},
        "disputes": {d.name: fx.DISPUTE_EFFECT[d.name] for d in vocabulary.DISPUTES},
        "disputes_definition": "added when the upset call is on the treated side of the "
                               "disputed point (its `treated` within its `among`)",
        "compensation_dose": fx.COMPENSATION_DOSE,
        "compensation_dose_definition": "per log1p(compensation_value / max(monthly_value, "
                                        f"{fx.COMPENSATION_BASE_FLOOR:g})), added to the "
                                        "compensated step; 0 without compensation",
        "resolved": fx.TRIGGER_RESOLVED,
        "transfers": fx.TRIGGER_TRANSFER,
        "short_break": fx.TRIGGER_SHORT_BREAK,
        "short_break_definition": "the same agent's previous upset call (by started_at, any "
                                  "channel, among calls in the files) ended less than 600 s before "
                                  "this call started: started_at - (prev.started_at + "
                                  "prev.handle_s) < 600 s; false when there is no previous one",
        "background_churn": "hazard 0.08/year x exp(plan + region + tenure terms) x month season; "
                            "independent of calls",
        "horizons_days": list(vocabulary.HORIZONS),
    }
