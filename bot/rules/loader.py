"""Reads rule files: one YAML file per principle (a ``rules:`` list) or per rule.

The loader is strict: a typo in a key, a bad regular expression, an unknown kind,
principle, platform or severity stops the load with a message naming the file and key.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import ConfigDict, Field, Strict, TypeAdapter

from bot.config_files import quote, validated
from bot.errors import ConfigError
from bot.models import Severity
from bot.platforms import Platform
from bot.rules.base import KINDS, MAX_ENTRY, MAX_LIST, Rule, RuleMeta, RuleSpec
from bot.rules.lexicon import DEFAULT_LANGUAGES, EMPTY_LEXICON, Lexicon
from bot.settings import read_yaml
from bot.text import Document

_FILE_KEYS = {"principle", "source", "languages", "rules"}
#: Keys every rule has, whatever its kind.
COMMON_KEYS: dict[str, bool] = {  # key -> required
    "id": True, "kind": True, "severity": True, "message": True, "why": True, "fix": True,
    "examples_fail": True, "examples_pass": True, "principle": False, "source": False,
    "platforms": False, "skip_platforms": False, "examples_platform": False,
    "languages": False, "defers_to": False, "plug": False, "skip_replies": False,
}
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

Name = Annotated[str, Strict(), Field(min_length=1, max_length=100)]
Prose = Annotated[str, Strict(), Field(min_length=1, max_length=2000)]
Example = Annotated[str, Strict(), Field(min_length=1, max_length=MAX_ENTRY)]
#: A list key also takes a single string (``platforms: x``).
Examples = Example | Annotated[list[Example], Field(min_length=1, max_length=MAX_LIST)]
Names = Name | Annotated[list[Name], Field(max_length=100)]


@dataclass(frozen=True, slots=True)
class _CommonKeys:
    """The keys every rule has, with what they may hold; a kind checks its own keys."""

    __pydantic_config__ = ConfigDict(allow_inf_nan=False)

    id: Name
    kind: Name
    principle: Name
    severity: Severity
    message: Prose
    why: Prose
    fix: Prose
    examples_fail: Examples
    examples_pass: Examples
    source: Annotated[str, Strict(), Field(max_length=2000)] | int = ""
    platforms: Names | None = None
    skip_platforms: Names | None = None
    examples_platform: Name = "generic"
    languages: Names | None = None
    defers_to: Names | None = None
    plug: Annotated[bool, Strict()] = False
    skip_replies: Annotated[bool, Strict()] = False


_COMMON_KEYS = TypeAdapter(_CommonKeys)
_MESSAGE_FIELDS = {
    "match", "count", "limit", "replacement", "length", "max", "self", "reader", "platform",
}



def check_template(spec: RuleSpec, key: str, text: str, allowed: set[str]) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError as exc:
        raise spec.error(key, f"has a bad placeholder: {exc}") from None
    unknown = names - allowed
    if unknown:
        raise spec.error(key, f"uses unknown placeholder {{{sorted(unknown)[0]}}}")


def _known_names(spec: RuleSpec, key: str, known: set[str], what: str) -> list[str]:
    """The names ``key`` lists, in order; one that is not ``known`` is a load error."""
    names = spec.str_list(key)
    for name in names:
        if name not in known:
            raise spec.error(key, f"names unknown {what} {quote(name)}")
    return names


def build_rule(
    data: Mapping[str, Any],
    file: str,
    defaults: Mapping[str, Any],
    principle_ids: Iterable[str],
    platform_ids: Iterable[str],
    lexicon: Lexicon = EMPTY_LEXICON,
) -> Rule:
    """Validate one rule mapping and build the rule it describes."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{file}: every rule must be a mapping")
    raw_id = data.get("id", "?")
    rule_id = raw_id if isinstance(raw_id, str) and len(raw_id) <= 100 else quote(raw_id)
    spec = RuleSpec(data, file, rule_id, lexicon)
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise spec.error("kind", f"must be one of {', '.join(sorted(KINDS))}, "
                                 f"not {quote(kind)}")
    cls = KINDS[kind]
    allowed = set(COMMON_KEYS) | set(cls.keys)
    for key in data:
        if key not in allowed:
            raise ConfigError(f"{spec.where}: unknown key {quote(key)} for a {kind} rule")
    merged = {**defaults, **data}
    for key, required in [*COMMON_KEYS.items(), *cls.keys.items()]:
        if required and merged.get(key) in (None, ""):
            raise spec.error(key, "is required")
    validated(_COMMON_KEYS, {k: merged[k] for k in COMMON_KEYS if k in merged}, spec.where)
    if not _ID.match(rule_id):
        raise spec.error("id", "must be lowercase words joined by hyphens")
    known_principles = set(principle_ids)
    principle = merged.get("principle")
    if principle not in known_principles:
        raise spec.error("principle", f"names unknown principle {quote(principle)}")
    severity = merged["severity"]
    defers_to = _known_names(spec, "defers_to", known_principles, "principle")
    for key in ("message", "fix"):
        check_template(spec, key, merged[key], _MESSAGE_FIELDS | cls.fields)
    known_platforms = set(platform_ids)

    def platform_set(key: str) -> frozenset[str] | None:
        if key not in merged:
            return None
        return frozenset(_known_names(spec, key, known_platforms, "platform"))

    examples_platform = merged.get("examples_platform", "generic")
    if examples_platform not in known_platforms:
        raise spec.error("examples_platform",
                         f"names unknown platform {quote(examples_platform)}")
    meta = RuleMeta(
        id=rule_id,
        kind=kind,
        principle=principle,
        severity=severity,
        message=merged["message"].strip(),
        why=str(merged["why"]).strip(),
        fix=merged["fix"].strip(),
        examples_fail=tuple(spec.str_list("examples_fail", required=True)),
        examples_pass=tuple(spec.str_list("examples_pass", required=True)),
        source=str(merged.get("source", "")),
        file=file,
        platforms=platform_set("platforms"),
        skip_platforms=platform_set("skip_platforms") or frozenset(),
        examples_platform=examples_platform,
        languages=_languages(spec, merged),
        defers_to=frozenset(defers_to),
        plug=merged.get("plug", False),
        skip_replies=merged.get("skip_replies", False),
    )
    return cls(meta, spec)


_LANGUAGE = re.compile(r"^[a-z]{2}$")


def _languages(spec: RuleSpec, merged: Mapping[str, Any]) -> frozenset[str] | None:
    """The rule's ``languages`` (two-letter codes); English when it names none; None
    for ``any`` (checks that need no words)."""
    if "languages" not in merged:
        return DEFAULT_LANGUAGES
    values = merged["languages"]
    if values == "any":
        return None
    values = [values] if isinstance(values, str) else values
    if not isinstance(values, list) or not values:
        raise spec.error("languages", "must name a language, or be 'any'")
    for value in values:
        if not isinstance(value, str) or not _LANGUAGE.match(value):
            raise spec.error("languages", f"names {value!r}, not a two-letter language code "
                                          "(or say 'any')")
    return frozenset(values)




def check_examples(rule: Rule, platform: Platform) -> None:
    """A rule must flag each of its ``examples_fail`` and none of its ``examples_pass``
    (on ``platform``, its examples' platform): a rule that contradicts its own examples
    is a load error naming the example."""
    meta = rule.meta
    where = f"{meta.file}: rule '{meta.id}'"
    for example in meta.examples_fail:
        if not rule.check(Document(example), platform):
            raise ConfigError(f"{where}: 'examples_fail' {quote(example)} is not flagged by "
                              "the rule")
    for example in meta.examples_pass:
        flagged = rule.check(Document(example), platform)
        if flagged:
            raise ConfigError(f"{where}: 'examples_pass' {quote(example)} is flagged by the "
                              f"rule (at {quote(flagged[0].match)})")


def load_rules(
    paths: Iterable[Path],
    principle_ids: Iterable[str],
    platform_ids: Iterable[str],
    lexicon: Lexicon = EMPTY_LEXICON,
) -> list[Rule]:
    principles = frozenset(principle_ids)
    platforms = frozenset(platform_ids)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in paths:
        data = read_yaml(path)
        file = str(path)
        if not isinstance(data, dict):
            raise ConfigError(f"{file}: expected a mapping with 'rules:' or a single rule")
        if "rules" in data:
            unknown = set(data) - _FILE_KEYS
            if unknown:
                raise ConfigError(f"{file}: unknown key '{sorted(unknown)[0]}'")
            if not isinstance(data["rules"], list):
                raise ConfigError(f"{file}: 'rules' must be a list")
            defaults = {k: v for k, v in data.items() if k != "rules"}
            entries = data["rules"]
        else:
            defaults, entries = {}, [data]
        for entry in entries:
            rule = build_rule(entry, file, defaults, principles, platforms, lexicon)
            if rule.meta.id in seen:
                raise ConfigError(
                    f"{file}: rule id '{rule.meta.id}' is already used in {seen[rule.meta.id]}"
                )
            seen[rule.meta.id] = file
            rules.append(rule)
    for rule in rules:
        rule.link(rules)
    return rules
