"""The model specification, written once: population, outcome, estimand, adjustment set, methods.

`calmline fit` stores :func:`specification` with every run (``model_runs.specification``);
the Practice impact page's "how to read this" panel shows the stored text of the run on
screen, and the README quotes it. :mod:`calmline.analysis.design` encodes exactly the
covariates :data:`ADJUSTED_FOR` lists (a test holds the two together).

It reads the vocabulary's upset threshold and AIPW's trimming bound, so the words follow the code.
"""

from __future__ import annotations

from calmline import vocabulary
from calmline.analysis.aipw import TRIM

ADJUSTED_FOR: tuple[tuple[str, str], ...] = (
    ("anger_level", "anger level"),
    ("issue_type", "issue type"),
    ("channel", "channel"),
    ("wait_s", "queue wait"),
    ("tenure_days", "tenure"),
    ("plan", "plan"),
    ("monthly_value", "monthly value"),
    ("region", "region"),
    ("call_month", "month"),
    ("minutes_since_prev_upset", "a short break since the agent's previous upset call"),
    ("prior_upset_calls_90d", "the customer's upset calls in the 90 days before"),
    ("repeat_contact_30d", "a repeat contact (any call of the customer's in the 30 days before)"),
)
"""What was true before the agent acted: (column of the model population, words for people)."""

CALL_RESULTS = ("resolved", "transfers", "hold", "handle time", "CSAT")
"""Results of the call: never adjusted for in a total effect."""

def specification(horizon: int) -> str:
    """The specification of a run at ``horizon`` days, in words.

    Parameters
    ----------
    horizon : int
        Days after the call within which churn counts.

    Returns
    -------
    str
        One paragraph: population, outcome, estimands, adjustment sets and methods.
    """
    covariates = ", ".join(label for _, label in ADJUSTED_FOR)
    after = [p for p in vocabulary.PRACTICES if p.after_call]
    window = vocabulary.FOLLOWUP_WINDOW_DAYS
    after_names = ", ".join(p.name for p in after) or "none"
    landmark = (
        f"Practices that happen after the call ({after_names}) are never adjusted for in another "
        "practice's model, so a practice's total effect includes what it does through them (a "
        "promise that brings a follow-up). Their own effect is a landmark effect: among upset calls "
        f"whose customer was still active {window} days after the call, when the follow-up window "
        f"closed, churn within {horizon} days counted from the call with vs without it, adjusted "
        "for the same pre-call covariates and the practices on the call (which come before it); "
        f"their Cox hazard ratio comes from calls still active on day {window}, time counted from "
        "then. "
    ) if after else ""
    return (
        f"Population: upset calls (anger_level >= {vocabulary.UPSET_ANGER}) whose {horizon}-day window "
        "closed by the as-of date, every practice assessed. Outcome: the customer churned within "
        f"{horizon} days of the call. Total effect of each practice (used vs not used on the call): "
        f"adjusted for {covariates}, and the other practices on the call; not for results of the call "
        f"({', '.join(CALL_RESULTS)}), because resolving the issue is how ownership and options work. "
        + landmark +
        "Direct effect (not the headline): the same plus resolved; it holds resolution fixed, so it "
        "is only valid if nothing unmeasured drives both resolution and churn (otherwise collider "
        "bias), and calls without a recorded resolution are left out of it (counted in the run's "
        "warnings), never counted as unresolved. Logit: logistic regression, standard errors "
        "clustered by agent; risk differences are average marginal effects. AIPW: doubly robust, "
        "propensity of the practice given the same covariates and the other practices, calls with "
        f"propensity outside [{TRIM}, {1 - TRIM}] left out (their number is stored with each "
        "estimate). A standard error of zero gives no estimate, interval or p-value. Cox: time to "
        "churn from the call, censored at the as-of date, Efron ties, robust errors clustered by "
        "agent. q-values: Benjamini-Hochberg across practices within each method. "
        + SENSITIVITY
    )


SENSITIVITY = (
    "Sensitivity to what was not recorded: every main estimate (AIPW, else logit) assumes no "
    "unrecorded trait of the agent or the customer drives both the practice and churn. Its E-value "
    "(VanderWeele and Ding 2017; the risk difference turned into a risk ratio through the churn "
    "without the practice, standardised) says how strongly such a trait would have to be associated "
    "with both to explain it away, and to make its interval include zero; Cinelli and Hazlett's "
    "robustness values (2020) say the same as shares of variance in the linear probability model with "
    "the same adjustment set, benchmarked against the measured covariate that would move it most. A "
    "within-agent estimate (linear probability model with a fixed effect per agent, errors clustered "
    "by agent) compares each agent's own calls; it is flagged as disagreeing when the main estimate "
    "lies outside its 95% interval."
)
"""The sensitivity analyses in words (part of :func:`specification`)."""
