"""Planted parameters of the synthetic world, kept in one place.

Everything the generator plants is a number in this module, so the ground truth,
the documentation and the tests can all point at the same values.

The causal story (arrows are the only paths that exist):

- pre-call covariates (plan, monthly_value, region, tenure, month, issue type,
  channel, wait) -> anger; anger -> practices (apology, empathy, letting vent)
  and anger -> churn trigger. This is the confounding a naive comparison trips on.
- latent agent skill -> every practice at once (and follow-ups). Skill has no
  other path: it does not touch anger, resolution, transfers or churn.
- took_ownership -> fewer transfers; took_ownership, offered_options -> resolved;
  resolved and transfers -> churn trigger (the mediated part of the total effect).
- every practice except ``thanked`` -> churn trigger directly (log-odds, additive).
- the agent's break since their previous upset call (< 10 minutes) -> churn trigger.
"""

from __future__ import annotations

from calmline.etl.contract import PRACTICE_FLAGS

PRACTICES: list[str] = [
    "let_vent",
    "verified_understanding",
    "empathized",
    "apologized",
    "asked_desired_outcome",
    "offered_options",
    "agreement_obtained",
    "took_ownership",
    "summarized",
    "thanked",
    "followup_promised",
    "followed_up",
]
"""The practices the analysis scores, in the analysis' order."""

BOOLEAN_PRACTICES: list[str] = list(PRACTICE_FLAGS)
"""The ten practice columns written as booleans in the calls files, in file order."""

TRAINING_MODULES: list[str] = BOOLEAN_PRACTICES + ["options_offered"]
"""Training modules are named after the calls-file column they coach."""

CHANNELS = ["phone", "chat", "email"]
ISSUES = ["billing", "technical fault", "outage", "delivery", "account change", "cancellation"]
PLANS = ["basic", "standard", "premium"]
REGIONS = ["north", "south", "east", "west", "central"]
FOLLOWUP_CHANNELS = ["phone", "email", "sms"]
SITES = ["Leeds", "Cardiff", "Belfast"]
TEAMS = [("Leeds", "leeds-1"), ("Leeds", "leeds-2"), ("Leeds", "leeds-3"),
         ("Cardiff", "cardiff-1"), ("Cardiff", "cardiff-2"),
         ("Belfast", "belfast-1"), ("Belfast", "belfast-2")]

UPSET_ANGER = 3
"""A call is upset when its anger_level is at least this."""

FOLLOWUP_WINDOW_DAYS = 30
"""A follow-up counts as ``followed_up`` when it happens within this many days."""

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

# --- follow-ups ------------------------------------------------------------
FOLLOWUP_HAPPEN = (-2.6, 3.4, 0.5)       # intercept, followup_promised, skill
FOLLOWUP_DELAY_MEDIAN_H = 40.0
FOLLOWUP_DELAY_SIGMA = 1.3
FOLLOWUP_DELAY_RANGE_H = (1.0, 40 * 24.0)

# --- training --------------------------------------------------------------
TRAINING_DURING = (-1.8, -0.5)           # logit of completing a module in the period: a, skill
TRAINING_BEFORE = 0.08                   # share of (agent, module) completed before start

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
TRIGGER_INTERCEPT = -1.5
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
}
