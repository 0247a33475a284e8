"""What every rule has in common, and the registry of rule kinds.

A rule is data (a YAML mapping in ``config/rules/``); its *kind* is a small class here
that knows how to look for one sort of problem. Each kind declares the keys it accepts,
so a typo in a rule file is a load error that names the file and the key.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, NamedTuple

from bot.errors import ConfigError
from bot.models import SEVERITIES, Finding, Severity, finding_from_fields
from bot.platforms import Platform
from bot.rules.lexicon import EMPTY_LEXICON, Lexicon
from bot.rules.matcher import Matcher
from bot.text import Document

#: Keys every rule has, whatever its kind.
COMMON_KEYS: dict[str, bool] = {  # key -> required
    "id": True, "kind": True, "severity": True, "message": True, "why": True, "fix": True,
    "examples_fail": True, "examples_pass": True, "principle": False, "source": False,
    "platforms": False, "skip_platforms": False, "examples_platform": False,
    "languages": False,
}
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MESSAGE_FIELDS = {
    "match", "count", "limit", "replacement", "length", "max", "self", "reader", "platform",
}


@dataclass(frozen=True, slots=True)
class RuleMeta:
    id: str
    kind: str
    principle: str
    severity: Severity
    message: str
    why: str
    fix: str
    examples_fail: tuple[str, ...]
    examples_pass: tuple[str, ...]
    source: str = ""
    file: str = ""
    platforms: frozenset[str] | None = None
    skip_platforms: frozenset[str] = frozenset()
    #: The platform the examples are written for (length examples need one).
    examples_platform: str = "generic"
    #: The languages (ISO 639-1) whose wording the rule reads; a rule that reads no
    #: words (length, hashtags) declares none.
    languages: frozenset[str] = frozenset({"en"})


class Hit(NamedTuple):  # a tuple: made for every match, and made in C
    """Where a rule fired, in :attr:`Document.text` coordinates unless ``original``."""

    start: int
    end: int
    replacement: str | None = None
    fields: Mapping[str, Any] = MappingProxyType({})
    original: bool = False


class RuleSpec:
    """A rule's raw mapping, read key by key with errors that say where."""

    def __init__(self, data: Mapping[str, Any], file: str, rule_id: str,
                 lexicon: Lexicon = EMPTY_LEXICON) -> None:
        self.data = data
        self.where = f"{file}: rule '{rule_id}'"
        #: The concepts a rule may compose (see :mod:`bot.rules.lexicon`).
        self.lexicon = lexicon

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.where}: '{key}' {problem}")

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def str_list(self, key: str, *, required: bool = False) -> list[str]:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.error(key, "is required")
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "must be a list of strings")
        return value

    def integer(self, key: str, default: int | None = None, *, minimum: int = 0) -> int:
        value = self.data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.error(key, f"must be a whole number of at least {minimum}")
        return value

    def number(self, key: str, default: float | None = None) -> float:
        value = self.data.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise self.error(key, "must be a non-negative number")
        return float(value)

    def optional_str(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, str):
            raise self.error(key, "must be a string")
        return value

    def regex(self, key: str, pattern: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
        try:
            return re.compile(pattern, flags)
        except re.error as exc:
            raise self.error(key, f"has a bad regular expression {pattern!r}: {exc}") from None


def phrase_pattern(phrase: str) -> str:
    """A literal phrase as a regex: word-bounded, any run of spaces between words."""
    words = [re.escape(w) for w in phrase.split()]
    body = r"\s+".join(words)
    left = r"\b" if phrase[:1].isalnum() else ""
    right = r"\b" if phrase[-1:].isalnum() else ""
    return f"{left}{body}{right}"


def _alternation_parts(spec: RuleSpec, phrases: Iterable[str], patterns: Iterable[str],
                       key: str, flags: int) -> list[str]:
    parts = [phrase_pattern(p) for p in phrases]
    for pattern in patterns:
        spec.regex(key, pattern, flags)  # report the bad one by itself
        parts.append(pattern)
    return parts


def alternation_matcher(spec: RuleSpec, phrases: Iterable[str], patterns: Iterable[str],
                        key: str = "patterns", flags: int = re.IGNORECASE, *,
                        windowed: bool = False) -> Matcher | None:
    """One :class:`Matcher` for a rule's phrases and patterns (one search instead of
    many), tried only where it can match."""
    parts = _alternation_parts(spec, phrases, patterns, key, flags)
    if not parts:
        return None
    return Matcher(spec.regex(key, "|".join(f"(?:{p})" for p in parts), flags), parts,
                   windowed=windowed)


def at_least(source: str, count: int, flags: int = 0) -> Matcher:
    """A pattern that matches wherever ``count`` matches of ``source`` follow one another
    (and in some other places): as a rule's gate, the shared scan tells when a draft
    holds too few of something for the rule to fire."""
    return Matcher(re.compile(f"(?:(?:{source})(?s:.)*?){{{count}}}", flags))


class Rule:
    """A rule kind. Subclasses set ``kind`` and ``keys`` and implement ``hits``."""

    kind: ClassVar[str]
    #: Kind-specific keys: name -> required.
    keys: ClassVar[dict[str, bool]] = {}

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        self.meta = meta

    def applies_to(self, platform: Platform) -> bool:
        if self.meta.platforms is not None and platform.id not in self.meta.platforms:
            return False
        return platform.id not in self.meta.skip_platforms

    def matchers(self) -> list[tuple[str, Matcher]]:
        """The rule's patterns, each with the haystack it searches ("prose" or "text"):
        the coach scans a draft once for all of them (see :mod:`bot.rules.scan`). Its
        :meth:`gate`, unless a kind has more."""
        gate = self.gate()
        return [] if gate is None else [gate]

    def gate(self) -> tuple[str, Matcher] | None:
        """A pattern (one of :meth:`matchers`, with its haystack) without whose match
        the rule finds nothing, or None. The coach tests every rule's at once against
        the shared scan."""
        return None

    def may_find(self, doc: Document) -> bool:
        """False when the rule surely finds nothing in ``doc``: a quick look, so the
        full check runs only where it can matter."""
        gate = self.gate()
        return gate is None or gate[1].may_match(doc.haystack(gate[0]))

    def hits(self, doc: Document, platform: Platform) -> Iterator[Hit]:
        raise NotImplementedError

    def check(self, doc: Document, platform: Platform,
              severity: Severity | None = None) -> list[Finding]:
        """Findings for one document: pure, synchronous, spans in the user's text."""
        if not self.applies_to(platform) or not self.may_find(doc):
            return []
        return self.findings(doc, platform, severity)

    def findings(self, doc: Document, platform: Platform,
                 severity: Severity | None = None) -> list[Finding]:
        """:meth:`check` for a rule that applies to ``platform`` and may find something
        in ``doc``."""
        meta = self.meta
        severity = severity or meta.severity
        fix_has_fields = "{" in meta.fix
        findings = []
        for hit in self.hits(doc, platform):
            start, end = (hit.start, hit.end) if hit.original else doc.to_original(hit.start,
                                                                                   hit.end)
            match = doc.original[start:end]
            values = {"match": match, "replacement": hit.replacement or "",
                      "platform": platform.name, **hit.fields}
            findings.append(finding_from_fields((
                meta.id, meta.principle, severity, meta.message.format_map(values),
                (start, end), match, meta.fix.format_map(values) if fix_has_fields else meta.fix,
                meta.why, hit.replacement,
            )))
        return findings


KINDS: dict[str, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    KINDS[cls.kind] = cls
    return cls


def check_template(spec: RuleSpec, key: str, text: str, allowed: set[str]) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError as exc:
        raise spec.error(key, f"has a bad placeholder: {exc}") from None
    unknown = names - allowed
    if unknown:
        raise spec.error(key, f"uses unknown placeholder {{{sorted(unknown)[0]}}}")


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
    rule_id = str(data.get("id", "?"))
    spec = RuleSpec(data, file, rule_id, lexicon)
    kind = data.get("kind")
    if kind not in KINDS:
        raise spec.error("kind", f"must be one of {', '.join(sorted(KINDS))}, not {kind!r}")
    cls = KINDS[kind]
    allowed = set(COMMON_KEYS) | set(cls.keys)
    for key in data:
        if key not in allowed:
            raise ConfigError(f"{spec.where}: unknown key '{key}' for a {kind} rule")
    merged = {**defaults, **data}
    for key, required in [*COMMON_KEYS.items(), *cls.keys.items()]:
        if required and merged.get(key) in (None, ""):
            raise spec.error(key, "is required")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise spec.error("id", "must be lowercase words joined by hyphens")
    principle = merged.get("principle")
    if principle not in set(principle_ids):
        raise spec.error("principle", f"names unknown principle {principle!r}")
    severity = merged["severity"]
    if severity not in SEVERITIES:
        raise spec.error("severity", f"must be one of {', '.join(SEVERITIES)}")
    for key in ("message", "fix"):
        if not isinstance(merged[key], str):
            raise spec.error(key, "must be a string")
        check_template(spec, key, merged[key], _MESSAGE_FIELDS)
    known_platforms = set(platform_ids)

    def platform_set(key: str) -> frozenset[str] | None:
        if key not in merged:
            return None
        values = spec.str_list(key)
        for value in values:
            if value not in known_platforms:
                raise spec.error(key, f"names unknown platform {value!r}")
        return frozenset(values)

    examples_platform = merged.get("examples_platform", "generic")
    if examples_platform not in known_platforms:
        raise spec.error("examples_platform", f"names unknown platform {examples_platform!r}")
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
    )
    return cls(meta, spec)


_LANGUAGE = re.compile(r"^[a-z]{2}$")


def _languages(spec: RuleSpec, merged: Mapping[str, Any]) -> frozenset[str]:
    if "languages" not in merged:
        return frozenset({"en"})
    values = spec.str_list("languages")
    for value in values:
        if not _LANGUAGE.match(value):
            raise spec.error("languages", f"names {value!r}, not a two-letter language code")
    return frozenset(values)


