"""Reads rule files: one YAML file per principle (a ``rules:`` list) or per rule."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.errors import ConfigError
from bot.rules.base import Rule, build_rule
from bot.rules.lexicon import EMPTY_LEXICON, Lexicon
from bot.settings import read_yaml

_FILE_KEYS = {"principle", "source", "rules"}


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
    return rules
