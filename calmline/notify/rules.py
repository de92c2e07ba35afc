"""The rules file of `calmline notify`: subscriptions and alerts, read with tomllib and checked.

A rules file (TOML; ``docs/notify.example.toml`` is a complete example)::

    [smtp]                      # optional
    sender = "calmline@example.com"
    starttls = "auto"           # auto (when the server offers it) | always | never

    [[subscription]]
    name = "weekly-overview"
    page = "overview"           # overview | impact | training, as `calmline report --page` writes it
    cadence = "weekly"          # daily | weekly | monthly
    filters = { teams = ["leeds-1"] }
    to = ["dana@example.com"]
    webhooks = []               # optional: incoming-webhook URLs (Slack, Teams)

    [[alert]]
    name = "churn-up"
    metric = "churn_up"         # see METRICS
    points = 3.0
    to = ["dana@example.com"]

Anything wrong (an unknown metric, a bad threshold, a malformed address, an unknown practice
or filter key) is refused with the file's line and the reason. tomllib reports a line only
for syntax errors, so the line of a bad value is found in the text by its key, within the
``[[alert]]`` or ``[[subscription]]`` entry it belongs to.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from calmline import vocabulary

CADENCES = ("daily", "weekly", "monthly")
REPORTS = ("overview", "impact", "training")
"""The pages a subscription can send (``page = ...``; ``report = ...`` is its older spelling)."""
STARTTLS = ("auto", "always", "never")
METHODS = ("logit", "aipw")

METRICS = {
    "churn_above": ("threshold", "percent"),
    "churn_up": ("points", "points"),
    "adoption_below": ("threshold", "percent"),
    "effect_changed": (None, None),
    "rejected_rows": ("threshold", "rows"),
    "data_age": ("days", "days"),
}
"""Alert metric -> (its threshold's key, the threshold's unit):

- ``churn_above``: churn within 90 days after upset calls (% of upset calls whose 90 days have
  passed) in the latest month whose windows have all closed is above ``threshold`` percent, and
  its Wilson 95% interval lies wholly above it;
- ``churn_up``: that month's churn is up by more than ``points`` percentage points on the month
  before, and the overview's what-changed test calls it worse (p < 0.05);
- ``adoption_below``: a ``practice``'s adoption on upset calls (% of the upset calls on which it
  was assessed) in the latest month with assessed calls is below ``threshold`` percent, its
  Wilson 95% interval wholly below it;
- ``effect_changed``: a practice's estimated effect on churn (``method`` logit by default,
  ``horizon`` 90 days) changed sign, or lost significance (p < 0.05 before, not now), between
  the last two model runs; ``practice`` limits it to one practice;
- ``rejected_rows``: the latest load rejected more than ``threshold`` rows;
- ``data_age``: the data's as-of date is more than ``days`` days before today.
"""

FILTER_KEYS = ("start", "end", "teams", "sites", "channels", "issues", "anger")
"""The dashboard's global filters, spelled as in its URLs (calmline.dashboard.filters.FIELDS)."""
FILTER_ALIASES = {"team": "teams", "site": "sites", "channel": "channels", "issue": "issues",
                  "issue_type": "issues"}
"""Singular spellings accepted for the filters, as `calmline query` names them."""

_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_MONTH = re.compile(r"(19|20|21)\d\d-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class Smtp:
    """How e-mail is sent; the server and credentials come from the environment (see deliver_smtp)."""

    sender: str | None = None
    starttls: str = "auto"


@dataclass(frozen=True)
class Rule:
    """A subscription or an alert: what to evaluate and to whom it goes."""

    kind: str                      # "subscription" | "alert"
    name: str
    line: int
    to: tuple[str, ...] = ()
    webhooks: tuple[str, ...] = ()
    filters: dict = field(default_factory=dict)
    cadence: str | None = None     # subscriptions
    report: str | None = None      # subscriptions: the page whose report is sent (REPORTS)
    metric: str | None = None      # alerts
    threshold: float | None = None
    practice: str | None = None
    method: str = "logit"
    horizon: int = vocabulary.HEADLINE_HORIZON


@dataclass(frozen=True)
class Rules:
    """A parsed rules file."""

    path: Path
    smtp: Smtp
    subscriptions: tuple[Rule, ...]
    alerts: tuple[Rule, ...]
    recipient_roles: tuple[str, ...] = ()
    """Dashboard roles that see the rules' recipients (``[access] roles``); others see them masked."""

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.subscriptions + self.alerts


class RulesError(ValueError):
    """A rules file that cannot be used; ``problems`` lists (line, reason), line 0 when unknown."""

    def __init__(self, path: Path, problems: list[tuple[int, str]]) -> None:
        self.path, self.problems = path, problems
        super().__init__("\n".join(f"{path}:{line}: {reason}" if line else f"{path}: {reason}"
                                   for line, reason in problems))


class _Lines:
    """Where keys are in the file's text: tomllib gives values, not their lines."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"-]+)\s*\]\]?")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.sections: dict[tuple[str, int], tuple[int, int]] = {}  # (table, index) -> [start, end)
        seen: dict[str, int] = {}
        current: tuple[str, int] | None = None
        for number, line in enumerate(self.lines, start=1):
            found = self._HEADER.match(line)
            if not found:
                continue
            name = found.group(2).strip('"')
            top = name.split(".")[0]
            if current is not None and top == current[0] and found.group(1) == "[" and "." in name:
                continue  # [alert.filters] belongs to the [[alert]] above it
            if current is not None:
                start, _ = self.sections[current]
                self.sections[current] = (start, number)
            index = seen.get(top, -1) + 1 if found.group(1) == "[[" else 0
            seen[top] = index
            current = (top, index)
            self.sections[current] = (number, len(self.lines) + 1)

    def of(self, table: str, index: int = 0, key: str | None = None) -> int:
        """The line of ``key`` in entry ``index`` of ``table`` (else the entry's header line; 0 if neither)."""
        if (table, index) not in self.sections and key is None:  # a top-level key, not a table
            key, table = table, ""
        start, end = self.sections.get((table, index), (1, 0))
        if not table:  # top-level keys come before the first table
            end = min((first for first, _ in self.sections.values()), default=len(self.lines) + 1)
        if key is not None:
            pattern = re.compile(rf"(^|[{{,\s])\"?{re.escape(key)}\"?\s*=")
            for number in range(max(start, 1), end if end else len(self.lines) + 1):
                if pattern.search(self.lines[number - 1]):
                    return number
        return start if table else 0


def read_rules(path: str | Path) -> Rules:
    """Read and check a rules file.

    Parameters
    ----------
    path : str or Path
        The TOML rules file.

    Returns
    -------
    Rules
        Its SMTP options, subscriptions and alerts, every value checked.

    Raises
    ------
    RulesError
        Naming each problem's line and reason: a TOML syntax error, an unknown table or key, an
        unknown metric, cadence, report, practice or filter key, a threshold that is not a
        number in its range, a malformed e-mail address or webhook URL, a duplicate rule name.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(path, [(0, f"cannot read the rules file: {exc}")]) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", 0) or int((re.search(r"line (\d+)", str(exc)) or [0, 0])[1])
        raise RulesError(path, [(line, f"not valid TOML: {getattr(exc, 'msg', exc)}")]) from None
    where = _Lines(text)
    problems: list[tuple[int, str]] = []
    for key in doc:
        if key not in ("smtp", "subscription", "alert", "access"):
            what = f"table [{key}]" if isinstance(doc[key], (dict, list)) else f"key {key!r}"
            problems.append((where.of(key), f"unknown {what}; expected [smtp], [access], [[subscription]] "
                                            f"or [[alert]]"))
    smtp = _smtp(doc.get("smtp", {}), where, problems)
    roles = _access(doc.get("access", {}), where, problems)
    subscriptions, alerts = [], []
    for kind, out in (("subscription", subscriptions), ("alert", alerts)):
        entries = doc.get(kind, [])
        if not isinstance(entries, list):
            problems.append((where.of(kind), f"{kind} must be an array of tables: write [[{kind}]]"))
            continue
        for index, entry in enumerate(entries):
            rule = _rule(kind, index, entry, where, problems)
            if rule is not None:
                out.append(rule)
    names: dict[str, int] = {}
    for rule in subscriptions + alerts:
        if rule.name in names:
            problems.append((rule.line, f"rule name {rule.name!r} is used twice (also line {names[rule.name]}); "
                                        f"names key the deliveries, so they must be unique"))
        names.setdefault(rule.name, rule.line)
    if not subscriptions and not alerts and not problems:
        problems.append((0, "no [[subscription]] or [[alert]] in the file"))
    if problems:
        raise RulesError(path, sorted(problems))
    return Rules(path, smtp, tuple(subscriptions), tuple(alerts), roles)


def _access(entry, where: _Lines, problems: list) -> tuple[str, ...]:
    """``[access] roles = [...]``: the dashboard roles that see recipients on the rules page."""
    from calmline.dashboard.access import ROLES

    if not isinstance(entry, dict):
        problems.append((where.of("access"), "access must be a table: [access]"))
        return ()
    for key in entry:
        if key != "roles":
            problems.append((where.of("access", 0, key), f"unknown key {key!r} in [access]; expected roles"))
    roles = entry.get("roles", [])
    if not isinstance(roles, list) or any(r not in ROLES for r in roles):
        problems.append((where.of("access", 0, "roles"), f"roles must be a list of {', '.join(ROLES)}; "
                                                        f"got {roles!r}"))
        return ()
    return tuple(roles)


def _smtp(entry, where: _Lines, problems: list) -> Smtp:
    if not isinstance(entry, dict):
        problems.append((where.of("smtp"), "smtp must be a table: [smtp]"))
        return Smtp()
    for key in entry:
        if key not in ("sender", "starttls"):
            problems.append((where.of("smtp", 0, key), f"unknown key {key!r} in [smtp]; expected sender, starttls"))
    sender = entry.get("sender")
    if sender is not None and (not isinstance(sender, str) or not is_address(sender)):
        problems.append((where.of("smtp", 0, "sender"), f"sender {sender!r} is not an e-mail address"))
    starttls = entry.get("starttls", "auto")
    if starttls not in STARTTLS:
        problems.append((where.of("smtp", 0, "starttls"), f"starttls {starttls!r} must be one of "
                                                        f"{', '.join(STARTTLS)}"))
        starttls = "auto"
    return Smtp(sender=sender if isinstance(sender, str) else None, starttls=starttls)


COMMON_KEYS = ("name", "to", "webhooks", "filters")
SUBSCRIPTION_KEYS = COMMON_KEYS + ("page", "report", "cadence")
ALERT_KEYS = COMMON_KEYS + ("metric", "threshold", "points", "days", "practice", "method", "horizon")


def _rule(kind: str, index: int, entry, where: _Lines, problems: list) -> Rule | None:
    header = where.of(kind, index)
    if not isinstance(entry, dict):
        problems.append((header, f"{kind} entries must be tables"))
        return None
    before = len(problems)

    def bad(key: str | None, reason: str) -> None:
        problems.append((where.of(kind, index, key) if key else header, f"{kind} {label}: {reason}"))

    name = entry.get("name")
    label = repr(name) if isinstance(name, str) else f"#{index + 1}"
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        bad("name" if "name" in entry else None,
            "needs a name of letters, digits, '-', '_' or '.' (name = \"weekly-overview\")")
    allowed = SUBSCRIPTION_KEYS if kind == "subscription" else ALERT_KEYS
    for key in entry:
        if key not in allowed:
            bad(key, f"unknown key {key!r}; expected {', '.join(allowed)}")
    to = _list(entry.get("to", []))
    webhooks = _list(entry.get("webhooks", []))
    if to is None:
        bad("to", "to must be a list of e-mail addresses")
        to = []
    if webhooks is None:
        bad("webhooks", "webhooks must be a list of URLs")
        webhooks = []
    for address in to:
        if not isinstance(address, str) or not is_address(address):
            bad("to", f"{address!r} is not an e-mail address (name@example.com)")
    for url in webhooks:
        if not isinstance(url, str) or not is_webhook_url(url):
            bad("webhooks", f"{url!r} is not an http(s) URL")
    if not to and not webhooks:
        bad(None, "has no recipient: give to = [addresses] or webhooks = [URLs]")
    chosen = _filters(entry.get("filters", {}), lambda key, reason: bad(key, reason))
    values: dict = dict(kind=kind, name=name if isinstance(name, str) else "", line=header,
                        to=tuple(a for a in to if isinstance(a, str)),
                        webhooks=tuple(u for u in webhooks if isinstance(u, str)), filters=chosen)
    if kind == "subscription":
        key = "page" if "page" in entry else "report"
        report = entry.get(key, "overview")
        if "page" in entry and "report" in entry and entry["page"] != entry["report"]:
            bad("page", f"page {entry['page']!r} and report {entry['report']!r} disagree; give page only")
        elif not isinstance(report, str) or report not in REPORTS:
            bad(key, f"{key} {report!r} is not a page there is a report of; known: {', '.join(REPORTS)}")
        cadence = entry.get("cadence")
        if cadence not in CADENCES:
            bad("cadence" if "cadence" in entry else None,
                f"cadence {cadence!r} must be one of {', '.join(CADENCES)}" if cadence is not None
                else f"needs a cadence: {', '.join(CADENCES)}")
        values.update(report=report, cadence=cadence)
    else:
        values.update(_alert(entry, bad))
    return Rule(**values) if len(problems) == before else None


def _alert(entry: dict, bad) -> dict:
    metric = entry.get("metric")
    if metric not in METRICS:
        bad("metric" if "metric" in entry else None,
            (f"unknown metric {metric!r}" if metric is not None else "needs a metric")
            + f"; known: {', '.join(METRICS)}")
        return {}
    out: dict = dict(metric=metric)
    key, unit = METRICS[metric]
    for other in ("threshold", "points", "days"):
        if other in entry and other != key:
            bad(other, f"metric {metric} takes " + (f"{key}, not {other}" if key else f"no {other}"))
    if key is not None:
        value = entry.get(key)
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if value is None:
            if not any(other in entry for other in ("threshold", "points", "days")):  # else said above
                bad(None, f"metric {metric} needs {key} = a number ({unit})")
        elif not number:
            bad(key, f"{key} {value!r} is not a number ({unit})")
        elif unit in ("percent", "points") and not 0 < value < 100:
            bad(key, f"{key} {value!r} must be between 0 and 100 ({unit})")
        elif unit in ("rows", "days") and (value != int(value) or value < (1 if unit == "days" else 0)):
            bad(key, f"{key} {value!r} must be a whole number of {unit}" + (", at least 1" if unit == "days" else
                                                                             ", 0 or more"))
        else:
            out["threshold"] = float(value)
    practice = entry.get("practice")
    if practice is not None:
        if metric not in ("adoption_below", "effect_changed"):
            bad("practice", f"metric {metric} takes no practice")
        elif practice not in vocabulary.practice_names():
            bad("practice", f"unknown practice {practice!r}; known: {', '.join(vocabulary.practice_names())}")
        else:
            out["practice"] = practice
    elif metric == "adoption_below":
        bad(None, "metric adoption_below needs a practice")
    for option, allowed in (("method", METHODS), ("horizon", vocabulary.HORIZONS)):
        if option in entry:
            if metric != "effect_changed":
                bad(option, f"metric {metric} takes no {option}")
            elif entry[option] not in allowed or isinstance(entry[option], bool):
                bad(option, f"{option} {entry[option]!r} must be one of {', '.join(map(str, allowed))}")
            else:
                out[option] = entry[option]
    if entry.get("filters") and metric not in ("churn_above", "churn_up", "adoption_below"):
        bad("filters", f"metric {metric} is centre-wide; it takes no filters")
    return out


def _list(value):
    if isinstance(value, str):
        return [value]
    return value if isinstance(value, list) else None


def _filters(value, bad) -> dict:
    """The filters as the dashboard's filter store holds them (multi-value filters as lists)."""
    if not isinstance(value, dict):
        bad("filters", "filters must be a table: filters = { teams = [\"leeds-1\"] }")
        return {}
    out: dict = {}
    for key, raw in value.items():
        name = FILTER_ALIASES.get(key, key)
        if name not in FILTER_KEYS:
            bad(key, f"unknown filter {key!r}; known: {', '.join(FILTER_KEYS)}")
            continue
        values = raw if isinstance(raw, list) else [raw]
        if name == "anger":
            values = [str(v) for v in values]
            if any(v not in ("3", "4", "5") for v in values):
                bad(key, f"anger must be upset levels 3, 4 or 5 (got {raw!r})")
                continue
        elif not all(isinstance(v, str) and v for v in values):
            bad(key, f"filter {key} takes text values (got {raw!r})")
            continue
        if name in ("start", "end"):
            if len(values) != 1 or not _MONTH.fullmatch(values[0]):
                bad(key, f"{key} must be one month, YYYY-MM (got {raw!r})")
                continue
            out[name] = values[0]
        else:
            out[name] = out.get(name, []) + [v for v in values if v not in out.get(name, [])]
    return out


def is_address(text: str) -> bool:
    """Whether ``text`` is a plain e-mail address (name@domain.tld; no display name)."""
    return bool(_ADDRESS.fullmatch(text)) and ".." not in text


def is_webhook_url(text: str) -> bool:
    """Whether ``text`` is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in text)


def parse_filter_options(items: list[str] | None) -> dict:
    """``--filter KEY=VALUE`` options (repeatable) as the filter store holds them.

    Parameters
    ----------
    items : list of str or None
        E.g. ``["teams=leeds-1", "teams=leeds-2", "anger=5", "start=2025-03"]``.

    Returns
    -------
    dict
        E.g. ``{"teams": ["leeds-1", "leeds-2"], "anger": ["5"], "start": "2025-03"}``.

    Raises
    ------
    ValueError
        For an item without ``=``, an unknown key or a bad value, naming it.
    """
    raw: dict[str, list[str]] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key or not value.strip():
            raise ValueError(f"--filter {item!r}: expected KEY=VALUE")
        raw.setdefault(FILTER_ALIASES.get(key, key), []).append(value.strip())
    problems: list[str] = []
    chosen = _filters({k: (v[0] if k in ("start", "end") and len(v) == 1 else v)
                       for k, v in raw.items()}, lambda key, reason: problems.append(f"--filter {reason}"))
    if problems:
        raise ValueError("; ".join(problems))
    return chosen
