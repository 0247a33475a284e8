from __future__ import annotations

import json
from pathlib import Path

from bot.coach import Coach
from bot.platforms import Platform
from bot.rules import Rule, load_rules
from bot.text import Document

GENERIC = Platform(id="generic", name="Generic", limit=None)


def _rule(tmp_path: Path, patterns: list[str], exceptions: list[str]) -> Rule:
    rule = {
        "id": "follow-request", "kind": "existence", "severity": "warning",
        "message": 'Asks for follows: "{match}".', "why": "Ask for numbers, get numbers.",
        "fix": "Cut it.", "patterns": patterns, "examples_fail": ["Follow me for more"],
        "examples_pass": ["We follow the news."],
    }
    if exceptions:
        rule["exceptions"] = exceptions
    path = tmp_path / "rules.yaml"
    # JSON is YAML, and keeps the regexes' backslashes as they are.
    path.write_text(json.dumps({"principle": "no-engagement-bait", "rules": [rule]}),
                    encoding="utf-8")
    (loaded,) = load_rules([path], ["no-engagement-bait"], ["generic"])
    return loaded


def _matches(rule: Rule, text: str) -> list[str]:
    return [f.match for f in rule.check(Document(text), GENERIC)]


def test_an_exception_spares_a_match_only_in_its_own_sentence(tmp_path: Path) -> None:
    rule = _rule(tmp_path, [r"\bfollow\s+(?:me|us)\b"], [r"\bon\s+the\s+map\b"])
    assert _matches(rule, "Follow us on the map to find the venue.") == []
    assert _matches(rule, "Follow us for updates. The venue is on the map.") == ["Follow us"]
    assert _matches(rule, "Follow me for more tips!") == ["Follow me"]


def test_an_exception_is_read_up_to_where_the_match_ends(tmp_path: Path) -> None:
    # The match runs past its sentence ("me." then "Th"), so the exception is read up to
    # the match's end, where "th" ends a word, though in the whole draft it begins
    # "This". Knowing the exception matches nowhere in the draft must not skip it.
    patterns = [r"\bfollow\s+me\.\s+th"]
    text = "Follow me. This works."
    assert _matches(_rule(tmp_path, patterns, []), text) == ["Follow me. Th"]
    assert _matches(_rule(tmp_path, patterns, [r"\bme\.\s+th\b"]), text) == []


def test_the_coachs_rules_with_exceptions_honour_them(coach: Coach) -> None:
    excepting = [rule for rule in coach.rules if getattr(rule, "exceptions", None)]
    assert excepting
    generic = coach.platform("generic")
    for rule in excepting:
        for example in rule.meta.examples_pass:
            assert rule.check(Document(example), generic) == [], (rule.meta.id, example)
