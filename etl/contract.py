"""The input contract: which entities calmline reads, their columns, types and rules.

This module is data, not behaviour. The typed tables' DDL and the per-column
validation SQL are derived from it, so a rule is stated once (the README's contract
section is written by hand; a test checks it names every column). The practice
columns, channels and training modules come from :mod:`calmline.vocabulary`, read
when :func:`entities` is called, so a practice added there is a contract column too.

Column levels
-------------
* ``required``: the header must have the column and every row a value.
* ``header``: the header must have the column; a value may be empty.
* optional (neither): the column may be absent; empty means unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from calmline import vocabulary


@dataclass(frozen=True)
class Column:
    """One contract column.

    ``kind`` is one of text, integer, number, boolean, timestamp, date.
    ``check`` is a SQL condition on the typed value ``{v}`` that must hold when
    the value is present; ``rule`` says it in words for ``rejected_rows``. ``check`` writes the value
    as ``{v}`` and may name other columns of the same row by their contract name. ``lower`` stores the
    value lower-cased. ``references`` names the entity whose key it must match.
    """

    name: str
    kind: str
    required: bool = False
    header: bool = False
    check: str | None = None
    rule: str | None = None
    doc: str = ""
    lower: bool = False
    references: str | None = None
    at_most: float | None = None
    """The largest plausible value (integer and number kinds); a larger one is rejected with
    ``at_most_rule``. Every numeric column has one, so no value can overflow a later step."""
    at_most_rule: str | None = None


EARLIEST_DATE = "1900-01-01"
LATEST_DATE = "2999-12-31"
"""Every date and timestamp must fall between these (inclusive); anything outside is a typo
or a placeholder (0001-01-01, 9999-12-31) and would overflow date arithmetic in the marts."""

MAX_SECONDS = 7 * 24 * 3600
"""The longest plausible wait, handling or hold time of one contact: 7 days."""
MAX_COUNT = 100
"""The largest plausible number of transfers or options offered on one contact."""
MAX_MONEY = 1e9
"""The largest plausible monthly value or compensation, in any currency."""


def _seconds(**over) -> dict:
    return {"at_most": MAX_SECONDS, "at_most_rule": f"must be at most {MAX_SECONDS} (7 days)", **over}


def _count(**over) -> dict:
    return {"at_most": MAX_COUNT, "at_most_rule": f"must be at most {MAX_COUNT}", **over}


def _money(**over) -> dict:
    return {"at_most": MAX_MONEY, "at_most_rule": "must be at most 1000000000", **over}


@dataclass(frozen=True)
class Entity:
    """One input entity: a file or a glob of files in the source folder."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    doc: str
    parents: tuple[str, ...] = field(default=())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def header_columns(self) -> tuple[str, ...]:
        """Columns the header must contain."""
        return tuple(c.name for c in self.columns if c.required or c.header)


def _flag(name: str) -> Column:
    return Column(name, "boolean", doc="practice used on this call; empty = not assessed")


def _quoted(values) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _calls(flags: tuple[str, ...], channels: tuple[str, ...]) -> Entity:
    return Entity(
        name="calls",
        key=("call_id",),
        parents=("customers", "agents"),
        doc="one row per contact",
        columns=(
            Column("call_id", "text", required=True, doc="unique"),
            Column("customer_id", "text", required=True, references="customers",
                   doc="exists in customers"),
            Column("agent_id", "text", required=True, references="agents", doc="exists in agents"),
            Column("started_at", "timestamp", required=True, doc="ISO 8601; not after the as-of date"),
            Column("channel", "text", required=True, lower=True,
                   check=f"lower({{v}}) IN ({_quoted(channels)})",
                   rule=f"must be {', '.join(channels[:-1])} or {channels[-1]}",
                   doc=f"{', '.join(channels[:-1])} or {channels[-1]}"),
            Column("issue_type", "text", required=True, doc="free text"),
            Column("anger_level", "integer", required=True, check="{v} BETWEEN 1 AND 5",
                   rule="must be between 1 and 5",
                   doc=f"1 (calm) to 5 (irate); upset when >= {vocabulary.UPSET_ANGER}"),
            Column("wait_s", "number", check="{v} >= 0", rule="must be >= 0", **_seconds(),
                   doc="queue wait before an agent answered, seconds"),
            Column("handle_s", "number", required=True, check="{v} > 0", rule="must be > 0", **_seconds(),
                   doc="handling time, seconds"),
            Column("hold_s", "number", check="{v} >= 0", rule="must be >= 0", doc="seconds on hold",
                   **_seconds()),
            Column("transfers", "integer", check="{v} >= 0", rule="must be >= 0", doc="transfers",
                   **_count()),
            Column("resolved", "boolean", doc="resolved on this contact"),
            *(_flag(n) for n in flags),
            Column("options_offered", "integer", check="{v} >= 0", rule="must be >= 0", **_count(),
                   doc="alternatives offered"),
            Column("csat", "integer", check="{v} BETWEEN 1 AND 5", rule="must be between 1 and 5",
                   doc="survey score 1 to 5"),
            Column("compensation_value", "number", check="{v} >= 0", rule="must be >= 0", **_money(),
                   doc="goodwill credit or refund granted on this contact, in the currency of "
                       "monthly_value; 0 = none, empty = not recorded"),
        ),
    )


CUSTOMERS = Entity(
    name="customers",
    key=("customer_id",),
    doc="one row per customer",
    columns=(
        Column("customer_id", "text", required=True, doc="unique"),
        Column("signup_date", "date", required=True),
        Column("plan", "text"),
        Column("monthly_value", "number", check="{v} >= 0", rule="must be >= 0", **_money()),
        Column("region", "text"),
        Column("churned_at", "date", header=True, check="{v} >= signup_date",
               rule="must not be before signup_date",
               doc="empty = still a customer at the as-of date; not before signup_date"),
    ),
)

AGENTS = Entity(
    name="agents",
    key=("agent_id",),
    doc="one row per agent",
    columns=(
        Column("agent_id", "text", required=True, doc="unique"),
        Column("team", "text", header=True),
        Column("site", "text", header=True),
        Column("hire_date", "date"),
    ),
)

FOLLOW_UPS = Entity(
    name="follow_ups",
    key=("call_id", "followup_at"),
    parents=("calls",),
    doc="one row per follow-up contact made after a call",
    columns=(
        Column("call_id", "text", required=True, references="calls", doc="exists in calls"),
        Column("followup_at", "timestamp", required=True, doc="not before the call started"),
        Column("channel", "text"),
    ),
)

def _training(modules: tuple[str, ...]) -> Entity:
    return Entity(
        name="training",
        key=("agent_id", "module", "completed_at"),
        parents=("agents",),
        doc="one row per training module an agent completed",
        columns=(
            Column("agent_id", "text", required=True, references="agents", doc="exists in agents"),
            Column("module", "text", required=True, check=f"{{v}} IN ({_quoted(modules)})",
                   rule="must be a practice name or options_offered",
                   doc="a training module, named after the calls column it coaches"),
            Column("completed_at", "date", required=True),
        ),
    )


def entities() -> tuple[Entity, ...]:
    """Every input entity in load order (each after the ones it refers to), with the
    practice columns, channels and training modules the vocabulary defines now."""
    return _entities(vocabulary.qa_flags(), vocabulary.CHANNELS, vocabulary.training_modules())


@cache
def _entities(flags: tuple[str, ...], channels: tuple[str, ...], modules: tuple[str, ...]
              ) -> tuple[Entity, ...]:
    return (AGENTS, CUSTOMERS, _calls(flags, channels), FOLLOW_UPS, _training(modules))


def entity(name: str) -> Entity:
    """The input entity called ``name``."""
    return {e.name: e for e in entities()}[name]


SQL_TYPES = {
    "text": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
}
