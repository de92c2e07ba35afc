"""The domain's words, defined once: practices, playbooks, training modules, channels,
what counts as an upset call, and the horizons churn is measured over.

Everything else reads them from here: the input contract, the generator, the marts
(through the macros, table and views :mod:`calmline.etl.practice_views` creates), the
saved queries' parameter choices, the models and the dashboard's labels. Adding a practice is one
entry in :data:`PRACTICES` (plus its tests): a QA flag needs nothing more; a derived
practice also says how it is derived from a call (``derived``). Code reads the practices
when it runs (``vocabulary.PRACTICES`` or the functions below), never copies them at import,
so a test can add a practice for its own duration.

This module imports nothing of calmline's.
"""

from __future__ import annotations

from dataclasses import dataclass

PLAYBOOKS = {
    "HEARD": "Hear, Empathize, Apologize, Resolve, Diagnose",
    "HEAT": "Hear, Empathize, Apologize, Take ownership",
    "BLAST": "Believe, Listen, Apologize, Satisfy, Thank",
    "LAST": "Listen, Apologize, Solve, Thank",
    "Service recovery": "the full sequence: vent, verify, empathise, apologise, ask the outcome, "
                        "offer options, agree, own, summarise, thank, follow up, make good",
}
"""The seed playbooks calmline was built on: name -> its steps in a line."""


@dataclass(frozen=True)
class Practice:
    """One practice an agent may use with an upset customer.

    ``name`` is its column in the marts and the result tables. ``derived`` is a SQL
    expression over the columns of ``call_facts`` that gives it (NULL = not assessed);
    None means the calls file carries it as a true/false QA flag of the same name.
    ``module`` names the training module that coaches it (None: no module).
    ``after_call`` marks something that happens after the call ends: it is a practice
    a centre can adopt, but never an adjustment for the practices of the call itself.
    """

    name: str
    label: str
    definition: str
    playbooks: tuple[str, ...]
    derived: str | None = None
    module: str | None = None
    after_call: bool = False

    @property
    def is_flag(self) -> bool:
        """Recorded by QA as a true/false column of the calls file."""
        return self.derived is None

    @property
    def expression(self) -> str:
        """SQL over call_facts' columns giving the practice (BOOLEAN, NULL = not assessed)."""
        return self.derived or self.name


_ALL = ("Service recovery",)
PRACTICES: tuple[Practice, ...] = (
    Practice("let_vent", "Let the customer vent",
             "The agent let the customer describe the problem without interrupting.",
             ("HEARD", "HEAT", "BLAST", "LAST", *_ALL), module="let_vent"),
    Practice("verified_understanding", "Verified understanding",
             "The agent restated the customer's problem and checked it was right.",
             ("BLAST", *_ALL), module="verified_understanding"),
    Practice("empathized", "Empathized",
             "The agent acknowledged the customer's feelings.",
             ("HEARD", "HEAT", *_ALL), module="empathized"),
    Practice("apologized", "Apologized",
             "The agent apologised for the problem or the inconvenience.",
             ("HEARD", "HEAT", "BLAST", "LAST", *_ALL), module="apologized"),
    Practice("asked_desired_outcome", "Asked desired outcome",
             "The agent asked what the customer would like or consider fair.",
             ("BLAST", *_ALL), module="asked_desired_outcome"),
    Practice("offered_options", "Offered options",
             "The agent offered two or more remedies to choose from.",
             ("HEARD", "LAST", *_ALL), derived="options_offered >= 2", module="options_offered"),
    Practice("agreement_obtained", "Agreement obtained",
             "The customer explicitly accepted the agent's plan.",
             _ALL, module="agreement_obtained"),
    Practice("took_ownership", "Took ownership",
             "The agent took the problem on personally instead of passing the customer on.",
             ("HEAT", *_ALL), module="took_ownership"),
    Practice("summarized", "Summarized",
             "The agent recapped what will happen and what the customer must do.",
             _ALL, module="summarized"),
    Practice("thanked", "Thanked",
             "The agent thanked the customer for raising the issue, their patience or business.",
             ("BLAST", "LAST", *_ALL), module="thanked"),
    Practice("followup_promised", "Follow-up promised",
             "The agent promised that they or the company would contact the customer later.",
             ("HEARD", *_ALL), module="followup_promised"),
    Practice("followed_up", "Followed up",
             "A follow-up contact was recorded within 30 days after the call.",
             ("HEARD", *_ALL), derived="followup_within_30d", after_call=True),
    Practice("compensated", "Compensated",
             "A goodwill credit or refund was granted on this contact (compensation_value > 0).",
             _ALL, derived="compensation_value > 0", module="compensated"),
)
"""Every practice the analysis scores, in the order pages and tables list them."""

@dataclass(frozen=True)
class Dispute:
    """A point the playbooks disagree on: how a practice is done, measured from transcripts.

    ``treated`` and ``among`` are SQL expressions over the columns of ``transcript_calls``
    (:mod:`calmline.transcripts.detect`): ``among`` picks the calls the comparison is made
    in (e.g. the calls that apologised), and ``treated`` splits them into the side the
    claim is about (TRUE, ``treated_label``) and the other (FALSE, ``control_label``).
    The estimate is the change in churn, in points, of the treated side over the other,
    adjusted like a practice. ``claim`` is what one or more playbooks say and ``playbooks``
    who says it; ``counter`` the opposite advice, when a playbook gives one.
    """

    name: str
    label: str
    treated: str
    among: str
    treated_label: str
    control_label: str
    claim: str
    playbooks: str
    counter: str = ""


EARLY_APOLOGY_SHARE = 0.25
"""An apology is *early* when the first one starts within this share of the call's time."""

DISPUTES: tuple[Dispute, ...] = (
    Dispute("verify_verbatim", "Verbatim vs paraphrase",
            "verify_mode = 'verbatim'", "verify_mode IN ('verbatim', 'paraphrase')",
            "repeated word for word", "paraphrased",
            "Repeat the customer's problem back word for word: a wrong paraphrase makes them angrier.",
            "one playbook", "Paraphrase it in your own words (two others)."),
    Dispute("apology_early", "Early vs late apology",
            f"first_apology_position < {EARLY_APOLOGY_SHARE}", "first_apology_turn IS NOT NULL",
            "apologised in the first quarter of the call", "apologised later",
            "Apologise at once, as soon as you sense the customer is upset.",
            "one playbook", "Apologise after the plan is agreed (another)."),
    Dispute("vent_interrupted", "Interrupted opening",
            "vent_interruptions > 0", "vent_interruptions IS NOT NULL",
            "agent interrupted the opening account", "opening not interrupted",
            "Never interrupt the customer's opening account, even with \"I see\".",
            "two playbooks"),
    Dispute("empathy_negated", "Empathy negated by \"but\"",
            "empathy_negated", "empathized OR empathy_negated",
            "acknowledgement followed by \"but\"/\"however\"", "acknowledgement left to stand",
            "An acknowledgement followed by \"but\" or \"however\" cancels itself.",
            "one playbook"),
    Dispute("policy_language", "Policy language",
            "policy_language", "policy_language IS NOT NULL",
            "agent cited policy or sent the customer to self-service", "no policy language",
            "\"That's our policy\" and \"you'll have to go to our website\" lose customers.",
            "one playbook"),
    Dispute("handoff_vs_ownership", "Hand-off vs ownership",
            "handoff", "handoff OR took_ownership",
            "passed to another department or person", "agent took ownership",
            "Passing the customer to another department instead of owning the problem loses them.",
            "two playbooks"),
)
"""The disputed points calmline measures, in the order pages and tables list them."""


def dispute(name: str) -> Dispute:
    """The disputed point called ``name`` (KeyError naming it when there is none)."""
    for d in DISPUTES:
        if d.name == name:
            return d
    raise KeyError(f"no disputed point called {name!r} in calmline.vocabulary")



def practice_names() -> tuple[str, ...]:
    """Every practice's name, in :data:`PRACTICES` order."""
    return tuple(p.name for p in PRACTICES)


def practice(name: str) -> Practice:
    """The practice called ``name`` (KeyError naming it when there is none)."""
    for p in PRACTICES:
        if p.name == name:
            return p
    raise KeyError(f"no practice called {name!r} in calmline.vocabulary")


def qa_flags() -> tuple[str, ...]:
    """The true/false practice columns of the calls file, in file order."""
    return tuple(p.name for p in PRACTICES if p.is_flag)


def training_modules() -> tuple[str, ...]:
    """Training modules, each named after the calls-file column it coaches."""
    return tuple(p.module for p in PRACTICES if p.module)


def module_practice() -> dict[str, str]:
    """Which practice each training module coaches."""
    return {p.module: p.name for p in PRACTICES if p.module}


CHANNELS: tuple[str, ...] = ("phone", "chat", "email")
"""How a contact reached the centre."""

UPSET_ANGER = 3
"""A call is *upset* when its anger_level (1 calm to 5 irate) is at least this."""

HORIZONS: tuple[int, ...] = (30, 90, 180)
"""Days after a call within which churn counts; `calmline fit` supports these."""

HEADLINE_HORIZON = 90
"""The horizon the overview's headline and the pages show by default."""

FOLLOWUP_WINDOW_DAYS = 30
"""A follow-up within this many days of the call counts as ``followed_up``."""


def label(name) -> str:
    """A practice's label; other snake_case names made readable; None becomes ``""``."""
    if name is None or (isinstance(name, float) and name != name):
        return ""
    text = str(name).strip()
    labels = {p.name: p.label for p in PRACTICES}
    labels.update({m: labels[p] for m, p in module_practice().items()})
    if text in labels:
        return labels[text]
    text = " ".join(text.replace("_", " ").split())
    return text[:1].upper() + text[1:]
