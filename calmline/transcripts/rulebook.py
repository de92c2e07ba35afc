"""The detection rules: phrase lists and settings read from readable TOML files.

``rules/<language>.toml`` (``en.toml`` ships) holds every phrase list detection uses. A centre
extends it without touching code by passing its own TOML file(s) to :func:`load_rules`: a
``[[rule]]`` with a name that already exists adds its ``match`` and ``unless`` patterns to
that rule; a new name adds a rule; ``[settings]`` keys replace the shipped ones. Another
language is one more file, ``rules/<language>.toml`` or a path.

A phrase rule (``[[rule]]``):

- ``name``: the rule's name, stored with every value it triggers (the evidence's ``rule``);
- ``practice``: the detected value it is evidence for (``apologized``, ``options_offered``...);
- ``speaker``: ``agent`` or ``customer``, whose turns it reads;
- ``match``: regular expressions (RE2, matched on the lower-cased sentence, ``'`` for any
  apostrophe); any one triggers the rule, and the matched words are the evidence;
- ``unless``: regular expressions that cancel a match in the same sentence (negation and the
  hard cases: "sorry, could you repeat..." is not an apology);
- ``unless_turn``: as ``unless``, over the whole turn;
- ``scope``: ``sentence`` (default) or ``turn``: what ``match`` reads;
- ``reply_to``: for a customer rule, the name of an agent rule that the agent's last turn
  before this one must have triggered (an acceptance answers a plan question);
- ``after_share``: the rule counts only in turns at or after this share of the call's turns
  (a closing recap comes late);
- ``min_words``: the sentence (or turn, with ``scope = "turn"``) must have at least this many
  words of two letters or more (a number read back letter by letter does not count);
- ``group``: for a count (``options_offered``), which kind of remedy this is; the count is the
  number of distinct groups triggered, plus ``extra`` for each further alternative.

``[practices.<name>]`` tables combine rules into call-level values: ``absent`` lists rules
whose presence anywhere in the call cancels the practice (ownership, then a transfer).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

RULES_PACKAGE = "calmline.transcripts.rules"
SPEAKERS = ("agent", "customer")


@dataclass
class Rule:
    """One phrase rule (see the module docstring for each field)."""

    name: str
    practice: str
    speaker: str = "agent"
    match: list[str] = field(default_factory=list)
    unless: list[str] = field(default_factory=list)
    unless_turn: list[str] = field(default_factory=list)
    scope: str = "sentence"
    reply_to: str | None = None
    after_share: float = 0.0
    min_words: int = 0
    group: str | None = None


@dataclass
class Rules:
    """Every rule and setting of one language, merged with a centre's own files."""

    language: str
    rules: list[Rule]
    practices: dict[str, dict]
    settings: dict

    def rule(self, name: str) -> Rule:
        """The rule called ``name`` (KeyError naming it when there is none)."""
        for r in self.rules:
            if r.name == name:
                return r
        raise KeyError(f"no detection rule called {name!r}")

    def for_practice(self, practice: str) -> list[Rule]:
        """The rules that are evidence for ``practice``, in file order."""
        return [r for r in self.rules if r.practice == practice]


def load_rules(language: str = "en", extra: list[Path | str] | tuple = ()) -> Rules:
    """Read ``rules/<language>.toml`` and merge a centre's own files into it.

    Parameters
    ----------
    language : str
        A shipped language (``en``) or the path of a TOML file of the same shape.
    extra : list of Path or str
        The centre's own TOML files, merged in order (see the module docstring).

    Returns
    -------
    Rules
        Checked: every rule has a name, a practice, a known speaker and at least one
        pattern; ``reply_to`` names a rule.
    """
    path = Path(language)
    if path.suffix == ".toml" and path.exists():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    else:
        text = resources.files(RULES_PACKAGE).joinpath(f"{language}.toml")
        if not text.is_file():
            raise ValueError(f"no rules for language {language!r} (add rules/{language}.toml)")
        data = tomllib.loads(text.read_text(encoding="utf-8"))
    rules = Rules(language=data.get("language", str(language)), rules=[], practices={}, settings={})
    _merge(rules, data)
    for more in extra:
        _merge(rules, tomllib.loads(Path(more).read_text(encoding="utf-8")))
    _check(rules)
    return rules


def _merge(rules: Rules, data: dict) -> None:
    rules.settings.update(data.get("settings", {}))
    for name, spec in data.get("practices", {}).items():
        rules.practices.setdefault(name, {}).update(spec)
    known = {r.name: r for r in rules.rules}
    for spec in data.get("rule", []):
        name = spec.get("name")
        if name in known:
            target = known[name]
            for key in ("match", "unless", "unless_turn"):
                getattr(target, key).extend(spec.get(key, []))
            continue
        rule = Rule(**spec)
        rules.rules.append(rule)
        known[name] = rule


def _check(rules: Rules) -> None:
    names = {r.name for r in rules.rules}
    for r in rules.rules:
        if not r.name or not r.practice:
            raise ValueError(f"a detection rule needs a name and a practice: {r}")
        if r.speaker not in SPEAKERS:
            raise ValueError(f"rule {r.name}: speaker must be one of {SPEAKERS}, not {r.speaker!r}")
        if not r.match:
            raise ValueError(f"rule {r.name}: no match patterns")
        if r.reply_to and r.reply_to not in names:
            raise ValueError(f"rule {r.name}: reply_to names no rule ({r.reply_to!r})")
        if r.scope not in ("sentence", "turn"):
            raise ValueError(f"rule {r.name}: scope must be sentence or turn")
