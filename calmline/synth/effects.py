"""Planted parameters of the synthetic world, kept in one place.

Everything the generator plants is a number in this module, so the ground truth,
the documentation and the tests can all point at the same values. The domain's
words (practices, training modules, channels, the upset threshold, horizons, the
follow-up window) are not here: they live in :mod:`calmline.vocabulary` and the
generator reads them from there when it runs. Practice-specific numbers are keyed
by practice name; :func:`check_parameters` fails loudly when a practice of the
vocabulary has none.

The causal story (arrows are the only paths that exist):

- pre-call covariates (plan, monthly_value, region, tenure, month, issue type,
  channel, wait) -> anger; anger -> practices (apology, empathy, letting vent,
  compensation) and anger -> churn trigger. This is the confounding a naive
  comparison trips on.
- latent agent skill -> every practice at once (and follow-ups). Skill has no
  other path: it does not touch anger, resolution, transfers or churn.
- plan and monthly_value -> compensation (premium, high-value customers get goodwill
  credits more often) and -> churn trigger.
- took_ownership -> fewer transfers; took_ownership, offered_options -> resolved;
  resolved and transfers -> churn trigger (the mediated part of the total effect).
- every practice except ``thanked`` -> churn trigger directly (log-odds, additive);
  ``compensated`` also with a dose-response in the amount (``COMPENSATION_DOSE``).
- the agent's break since their previous upset call (< 10 minutes) -> churn trigger.
- how practices are done (``vocabulary.DISPUTES``): variants drawn from skill, anger and
  channel (``VARIANT_ADOPTION``) -> churn trigger (``DISPUTE_EFFECT``), see
  :mod:`calmline.synth.variants`.
"""

from __future__ import annotations

from calmline import vocabulary

ISSUES = ["billing", "technical fault", "outage", "delivery", "account change", "cancellation"]
PLANS = ["basic", "standard", "premium"]
REGIONS = ["north", "south", "east", "west", "central"]
FOLLOWUP_CHANNELS = ["phone", "email", "sms"]
TEAMS = [("Leeds", "leeds-1"), ("Leeds", "leeds-2"), ("Leeds", "leeds-3"),
         ("Cardiff", "cardiff-1"), ("Cardiff", "cardiff-2"),
         ("Belfast", "belfast-1"), ("Belfast", "belfast-2")]

SHORT_BREAK_S = 600
"""A break below this many seconds since the agent's previous upset call ended is short."""

TRIGGER_WINDOW_DAYS = 90
"""A triggered churn lands uniformly 1..90 days after the upset call."""

# --- customers -------------------------------------------------------------
PLAN_SHARE = [0.45, 0.38, 0.17]
PLAN_PRICE = [25.0, 45.0, 85.0]          # median monthly_value per plan
REGION_SHARE = [0.24, 0.22, 0.18, 0.16, 0.20]
CALLS_PER_YEAR = 7.2                     # mean potential contact rate per customer-year
BACKGROUND_CHURN_PER_YEAR = 0.08         # hazard for a standard, north, 2-year customer
BACKGROUND_PLAN = [0.25, 0.0, -0.25]     # log hazard ratios
BACKGROUND_REGION = [0.0, 0.1, -0.1, 0.15, 0.0]
BACKGROUND_TENURE = -0.30                # per log1p(tenure years)
MONTH_CHURN_SEASON = [1.3, 1.0, 0.95, 0.95, 0.9, 0.9, 0.95, 1.0, 1.1, 1.0, 1.0, 0.9]
MONTH_CALL_SEASON = [1.15, 1.0, 0.95, 0.95, 0.9, 0.9, 0.95, 0.95, 1.0, 1.0, 1.05, 1.2]

# --- anger (ordered logit on pre-call covariates) --------------------------
ANGER_ISSUE = [0.0, 0.35, 1.0, 0.2, -0.5, 0.9]
ANGER_CHANNEL = [0.0, -0.25, -0.9]
ANGER_PLAN = [0.2, 0.0, -0.1]
ANGER_TENURE = -0.15                     # per log1p(tenure years)
ANGER_WAIT = 0.2                         # per log1p(wait_s / 120)
ANGER_CUTS = [-0.6, 0.65, 1.65, 2.8]     # latent > cut_k adds one level

# --- practices (logit of adoption on a call) -------------------------------
# name: (intercept at anger 3, skill loading, per anger level above 3)
PRACTICE_ADOPTION = {
    "let_vent": (0.1, 0.8, 0.55),
    "verified_understanding": (0.3, 1.0, 0.0),
    "empathized": (0.0, 0.8, 0.6),
    "apologized": (-0.3, 0.1, 1.6),
    "asked_desired_outcome": (-0.3, 1.0, 0.1),
    "agreement_obtained": (-0.1, 0.9, -0.1),
    "took_ownership": (0.0, 1.0, 0.0),
    "summarized": (-0.4, 0.9, 0.0),
    "thanked": (1.0, 0.7, -0.2),
    "followup_promised": (-0.9, 0.8, 0.2),
}
PRACTICE_CHANNEL = {  # additive logit by channel (phone, chat, email)
    "let_vent": [0.0, -0.3, -1.0],
    "thanked": [0.0, 0.2, 0.5],
    "summarized": [0.0, 0.1, 0.3],
    "followup_promised": [0.0, -0.1, -0.3],
}
PRACTICE_PREMIUM = 0.2                   # premium customers get a little more care
PRACTICE_CALL_NOISE = 0.5                # sd of a per-call effort shock shared by all practices
TRAINING_BOOST = 0.9                     # logit added to a practice after its module is completed
OPTIONS_LOG_RATE = (0.15, 0.35, 0.1)     # intercept, skill, per anger level (Poisson count)
OPTIONS_TRAINING_BOOST = 0.3
OPTIONS_CAP = 6

# --- compensation (goodwill credit or refund granted on a call) -------------
# Adoption is logistic(intercept + skill loading * skill + per anger level above 3
# + plan + value per 10 currency units of monthly_value + the per-call effort shock
# + COMPENSATION_TRAINING_BOOST after the "compensated" module), drawn on every call.
COMPENSATION_ADOPTION = (-2.0, 0.5, 0.45)  # intercept at anger 3, skill loading, per anger level
COMPENSATION_PLAN = [-0.3, 0.0, 0.4]     # basic, standard, premium
COMPENSATION_VALUE = 0.05                # per 10 currency units of monthly_value
COMPENSATION_TRAINING_BOOST = 0.9
# Amount: base * share, base = max(monthly_value, COMPENSATION_BASE_FLOOR); share is
# log-normal with median COMPENSATION_SHARE_MEDIAN at anger 3 (x exp(0.15) per level above),
# sigma COMPENSATION_SHARE_SIGMA; rounded to cents, at least COMPENSATION_MIN.
COMPENSATION_BASE_FLOOR = 10.0           # staff/promo accounts (monthly_value 0) still get credits
COMPENSATION_SHARE_MEDIAN = 0.5
COMPENSATION_SHARE_ANGER = 0.15
COMPENSATION_SHARE_SIGMA = 0.6
COMPENSATION_MIN = 1.0

# --- follow-ups ------------------------------------------------------------
FOLLOWUP_HAPPEN = (-2.6, 3.4, 0.5)       # intercept, followup_promised, skill
FOLLOWUP_DELAY_MEDIAN_H = 40.0
FOLLOWUP_DELAY_SIGMA = 1.3
FOLLOWUP_DELAY_RANGE_H = (1.0, 40 * 24.0)

# --- training --------------------------------------------------------------
TRAINING_DURING = (-1.8, -0.5)           # logit of completing a module in the period: a, skill
TRAINING_BEFORE = 0.08                   # share of (agent, module) completed before start
TRAINING_SHARED_STREAM = (
    "let_vent", "verified_understanding", "empathized", "apologized", "asked_desired_outcome",
    "agreement_obtained", "took_ownership", "summarized", "thanked", "followup_promised",
    "options_offered",
)
"""Modules drawn together from the ``"training"`` stream, in this order (the order fixes their
draws). Any other module of the vocabulary draws from its own stream ``"training:<module>"``,
so adding a module moves no other module's completions."""

# --- call outcomes (respond to practices) ----------------------------------
TRANSFER_LOG_RATE = -0.9
TRANSFER_ISSUE = [0.0, 0.4, 0.2, 0.0, -0.2, 0.3]
TRANSFER_CHANNEL = [0.0, -0.3, -1.0]
TRANSFER_OWNERSHIP = -1.0                # took_ownership lowers transfers
TRANSFER_ANGER = 0.05
TRANSFER_CAP = 6
RESOLVED_INTERCEPT = 0.1
RESOLVED_ISSUE = [0.5, -0.3, -0.6, 0.2, 0.8, -0.4]
RESOLVED_CHANNEL = [0.0, -0.1, -0.3]
RESOLVED_ANGER = -0.25
RESOLVED_OWNERSHIP = 0.9
RESOLVED_OPTIONS = 0.7
RESOLVED_TRANSFER = -0.4
CSAT_RESPONSE = 0.30
CSAT_CUTS = [-1.2, -0.2, 0.9, 2.0]
QA_NOT_ASSESSED = 0.02                   # share of calls whose practice booleans are empty

# --- churn trigger of an upset call (logistic, additive in log-odds) -------
TRIGGER_INTERCEPT = -1.6                 # -1.5 before the disputed points; they add churn on net
TRIGGER_ANGER = 0.6                     # per anger level above 3
TRIGGER_ISSUE = [0.0, 0.1, -0.1, 0.05, -0.2, 0.9]
TRIGGER_CHANNEL = [0.0, 0.1, 0.2]
TRIGGER_WAIT = 0.10                      # per log1p(wait_s / 60)
TRIGGER_PLAN = [0.25, 0.0, -0.2]
TRIGGER_VALUE = 0.04                     # per 10 currency units of monthly_value
TRIGGER_REGION = [0.0, 0.1, -0.1, 0.15, 0.0]
TRIGGER_TENURE = -0.30                   # per log1p(tenure years at the call)
TRIGGER_MONTH = [0.2, 0.0, 0.0, -0.05, -0.05, 0.0, 0.0, 0.05, 0.1, 0.0, 0.0, -0.1]
TRIGGER_RESOLVED = -0.70
TRIGGER_TRANSFER = 0.20                  # per transfer
TRIGGER_SHORT_BREAK = 0.30
TRIGGER_PRACTICE = {                     # direct effects; thanked is exactly zero
    "let_vent": -0.30,
    "verified_understanding": -0.25,
    "empathized": -0.35,
    "apologized": -0.30,
    "asked_desired_outcome": -0.40,
    "offered_options": -0.30,
    "agreement_obtained": -0.50,
    "took_ownership": -0.35,
    "summarized": -0.25,
    "thanked": 0.0,
    "followup_promised": -0.25,
    "followed_up": -0.55,
    "compensated": -0.15,                # the gesture itself, at any amount; plus the dose below
}
COMPENSATION_DOSE = -1.0
"""Trigger log-odds per log1p(compensation_value / base) on a compensated call, base =
max(monthly_value, COMPENSATION_BASE_FLOOR). With the step above, a credit of a quarter of the
monthly value moves the log-odds by -0.37, half of it by -0.56, a full month by -0.84: the
credit can matter more than the words."""
COMPENSATION_BANDS = (0.25, 0.5, 1.0)
"""Edges (compensation_value / base) of the amount bands the ground truth's dose-response uses."""

DERIVED_PRACTICES = {
    "offered_options": "options_offered >= 2",
    "followed_up": "followup_within_30d",
    "compensated": "compensation_value > 0",
}
"""Derived practices the generator knows how to draw and force (world.py), with the
definition it plants; the vocabulary must define each the same way."""


def check_parameters() -> None:
    """Fail loudly when the vocabulary has something the generator has no numbers for.

    Every practice needs a direct effect (``TRIGGER_PRACTICE``); a QA flag also an adoption
    model (``PRACTICE_ADOPTION``); a derived practice a mechanism in the generator with the
    vocabulary's definition (``DERIVED_PRACTICES``). Every disputed point of
    ``vocabulary.DISPUTES`` needs a planted variant (``VARIANT_ADOPTION``, ``DISPUTE_EFFECT``).
    Tables indexed by channel must have one entry per channel of the vocabulary.

    Raises
    ------
    ValueError
        Naming every missing or mismatched piece.
    """
    problems = []
    for p in vocabulary.PRACTICES:
        if p.name not in TRIGGER_PRACTICE:
            problems.append(f"{p.name}: no direct effect in TRIGGER_PRACTICE")
        if p.is_flag and p.name not in PRACTICE_ADOPTION:
            problems.append(f"{p.name}: no adoption model in PRACTICE_ADOPTION")
        if not p.is_flag and DERIVED_PRACTICES.get(p.name) != p.derived:
            problems.append(f"{p.name}: the generator does not draw a practice derived as "
                            f"{p.derived!r}")
    for d in vocabulary.DISPUTES:
        if d.name not in DISPUTE_EFFECT or d.name not in VARIANT_ADOPTION:
            problems.append(f"{d.name}: no planted variant (DISPUTE_EFFECT, VARIANT_ADOPTION)")
    n = len(vocabulary.CHANNELS)
    tables = {"ANGER_CHANNEL": ANGER_CHANNEL, "TRANSFER_CHANNEL": TRANSFER_CHANNEL,
              "RESOLVED_CHANNEL": RESOLVED_CHANNEL, "TRIGGER_CHANNEL": TRIGGER_CHANNEL,
              **{f"PRACTICE_CHANNEL[{k}]": v for k, v in PRACTICE_CHANNEL.items()},
              **{f"VARIANT_ADOPTION[{k}]": v[3] for k, v in VARIANT_ADOPTION.items()}}
    problems += [f"{name}: {len(v)} entries for {n} channels" for name, v in tables.items()
                 if len(v) != n]
    if problems:
        raise ValueError("calmline.synth has no parameters for the vocabulary's "
                         + "; ".join(problems))

# --- how practices are done: the disputed points of vocabulary.DISPUTES -----
# Each variant is drawn for every potential call from the "variants" stream (uniforms fixed
# per call), so a forced world keeps it: the treated side when u < logistic(intercept at
# anger 3 + skill loading * skill + per anger level above 3 + channel term).
# Which calls a dispute compares (its `among`) follows from the call's practices.
# The skill loadings are 0: skill already drives every practice, and a variant that also
# followed skill would make the practices borrow the variants' effects in any model that
# does not adjust for them (measured: on a 20,000-customer world with loadings -0.6..+0.3 the
# practice logit covered 9 of 12 planted effects, missing verified_understanding, apologized
# and took_ownership). The variants are confounded by anger and channel, which are observed.
VARIANT_ADOPTION = {
    # verbatim among calls that verified: chat and e-mail agents paste the customer's words
    "verify_verbatim": (-0.3, 0.0, 0.1, [0.0, 0.5, 0.8]),
    # early among calls that apologised: angrier customers get an apology at once
    "apology_early": (0.0, 0.0, 0.5, [0.0, -0.2, -0.4]),
    # among calls that did not let the customer vent: a second interruption
    "vent_interrupted": (-0.6, 0.0, 0.3, [0.0, -0.8, -1.2]),
    # "but"/"however" after an acknowledgement, among calls that acknowledged
    "empathy_negated": (-1.0, 0.0, 0.2, [0.0, 0.1, 0.3]),
    # policy or self-service language, on any call
    "policy_language": (-1.2, 0.0, 0.2, [0.0, 0.3, 0.6]),
    # handed off, among calls where the agent did not take ownership (independent of the
    # call's transfers: drawing it from them would make the transfers' hidden uniform a common
    # cause of the hand-off and churn, which no analysis could adjust for)
    "handoff_vs_ownership": (-0.9, 0.0, 0.1, [0.0, -0.2, -0.4]),
}
DISPUTE_EFFECT = {
    # churn-trigger log-odds of the treated side of each disputed point (on upset calls in its
    # group); vent_interrupted acts through let_vent (an interrupted opening is let_vent false)
    # and handoff_vs_ownership also through took_ownership (a hand-off is never ownership)
    "verify_verbatim": -0.10,
    "apology_early": -0.40,
    "vent_interrupted": 0.0,
    "empathy_negated": 0.45,
    "policy_language": 0.45,
    "handoff_vs_ownership": 0.30,
}
