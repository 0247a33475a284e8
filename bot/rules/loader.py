"""Reads rule files: one YAML file per principle (a ``rules:`` list) or per rule.

The loader is strict: a typo in a key, a bad regular expression, an unknown kind,
principle, platform or severity stops the load with a message naming the file and key.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.errors import ConfigError
from bot.models import SEVERITIES
from bot.rules.base import KINDS, Rule, RuleMeta, RuleSpec
from bot.settings import read_yaml

_FILE_KEYS = {"principle", "source", "rules"}
#: Keys every rule has, whatever its kind.
COMMON_KEYS: dict[str, bool] = {  # key -> required
    "id": True, "kind": True, "severity": True, "message": True, "why": True, "fix": True,
    "examples_fail": True, "examples_pass": True, "principle": False, "source": False,
    "platforms": False, "skip_platforms": False, "examples_platform": False,
}
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
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


def build_rule(
    data: Mapping[str, Any],
    file: str,
    defaults: Mapping[str, Any],
    principle_ids: Iterable[str],
    platform_ids: Iterable[str],
) -> Rule:
    """Validate one rule mapping and build the rule it describes."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{file}: every rule must be a mapping")
    rule_id = str(data.get("id", "?"))
    spec = RuleSpec(data, file, rule_id)
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
    )
    return cls(meta, spec)




def load_rules(
    paths: Iterable[Path],
    principle_ids: Iterable[str],
    platform_ids: Iterable[str],
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
            rule = build_rule(entry, file, defaults, principles, platforms)
            if rule.meta.id in seen:
                raise ConfigError(
                    f"{file}: rule id '{rule.meta.id}' is already used in {seen[rule.meta.id]}"
                )
            seen[rule.meta.id] = file
            rules.append(rule)
    return rules
