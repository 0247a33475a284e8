from __future__ import annotations

from pathlib import Path

import pytest

from bot.coach import build_coach
from bot.errors import ConfigError
from bot.rules import load_rules
from bot.settings import load_settings

PRINCIPLES = ["no-hard-sell", "authentic"]
PLATFORMS = ["x", "generic"]

GOOD = """
principle: no-hard-sell
rules:
  - id: buy-now
    kind: existence
    severity: warning
    message: 'Pushy: "{match}".'
    why: No one wants to read ads.
    fix: Drop it.
    phrases: [buy now]
    examples_fail: ["Buy now!"]
    examples_pass: ["We bought a van."]
"""


def _write(tmp_path: Path, body: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def _load(path: Path):
    return load_rules([path], PRINCIPLES, PLATFORMS)


def test_a_well_formed_file_loads(tmp_path: Path) -> None:
    rules = _load(_write(tmp_path, GOOD))
    assert [r.meta.id for r in rules] == ["buy-now"]
    assert rules[0].meta.principle == "no-hard-sell"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("    phrases: [buy now]", "    phrases: [buy now]\n    phrasez: [x]"), "'phrasez'"),
        (("    phrases: [buy now]", "    patterns: ['buy (now']"), "'patterns'"),
        (("principle: no-hard-sell", "principle: be-nice"), "'principle'"),
        (("severity: warning", "severity: fatal"), "'severity'"),
        (("kind: existence", "kind: vibes"), "'kind'"),
        (("    why: No one wants to read ads.\n", ""), "'why'"),
        (("    examples_pass: [\"We bought a van.\"]", ""), "'examples_pass'"),
        (("message: 'Pushy: \"{match}\".'", "message: 'Pushy: {oops}'"), "'message'"),
        (("    phrases: [buy now]", "    phrases: [buy now]\n    platforms: [myspace]"),
         "'platforms'"),
        (("    phrases: [buy now]", "    phrases: [buy now]\n    defers_to: [be-nice]"),
         "'defers_to' names unknown principle 'be-nice'"),
    ],
)
def test_mistakes_are_load_errors_naming_file_and_key(tmp_path: Path, change, expected) -> None:
    path, message = _load_error(tmp_path, change)
    assert str(path) in message
    assert expected in message


def _load_error(tmp_path: Path, change: tuple[str, str]) -> tuple[Path, str]:
    """The file GOOD becomes with ``change`` (old, new), and the error loading it."""
    old, new = change
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ConfigError) as caught:
        _load(path)
    return path, str(caught.value)


def test_duplicate_rule_ids_are_refused(tmp_path: Path) -> None:
    first = _write(tmp_path, GOOD, "a.yaml")
    second = _write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(ConfigError, match="already used"):
        load_rules([first, second], PRINCIPLES, PLATFORMS)


def test_broken_yaml_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "rules: [\n  - id: x\n")
    with pytest.raises(ConfigError, match="not valid YAML") as caught:
        _load(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_user_config_dir_overrides_and_adds_rules(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    # Replacing a packaged file by name switches its rules off entirely...
    (tmp_path / "rules" / "authentic.yaml").write_text(
        GOOD.replace("no-hard-sell", "authentic").replace("buy-now", "house-style"),
        encoding="utf-8")
    coach = build_coach(load_settings(tmp_path, env={}))
    ids = {r.meta.id for r in coach.rules}
    assert "house-style" in ids
    assert "clickbait" not in ids
    # ...while every other packaged file still loads.
    assert "follow-for-follow" in ids


def test_missing_config_dir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope", env={})


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("kind: existence", "kind: [existence]"), "'kind' must be one of"),
        (("principle: no-hard-sell", "principle: [no-hard-sell]"),
         "'principle' must be text, got ['no-hard-sell']"),
        (("severity: warning", "severity: [warning]"), "'severity' must be one of"),
        (("    phrases: [buy now]", "    phrases: [buy now]\n    examples_platform: [x]"),
         "'examples_platform' must be text"),
        (("    why: No one wants to read ads.", "    why: 7"), "'why' must be text, got 7"),
        (("    why: No one wants to read ads.", "    why: " + "blah " * 500),
         "'why' must be at most 2,000 characters, got 'blah blah"),
        (("    phrases: [buy now]", "    phrases: [" + "spam, " * 6000 + "buy now]"),
         "'phrases' holds 6,001 entries (at most 5,000)"),
        (("    phrases: [buy now]", "    phrases: [buy now]\n    platforms: [[x]]"),
         "'platforms'"),
        (("    phrases: [buy now]", "    phrases: [buy now]\n    plug: sometimes"),
         "'plug'"),
    ],
    ids=["kind-list", "principle-list", "severity-list", "examples-platform-list", "why-number",
         "why-huge", "phrases-huge", "platforms-nested", "plug-not-yes-or-no"],
)
def test_a_value_of_the_wrong_shape_is_one_line_naming_file_key_and_value(
    tmp_path: Path, change, expected
) -> None:
    path, message = _load_error(tmp_path, change)
    assert message.startswith(f"{path}: rule 'buy-now': ") and "\n" not in message
    assert expected in message
    assert len(message) < 300


def test_a_rule_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes(GOOD.replace("Drop it.", "Drop it \xe9.").encode("latin-1"))
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(byte 0xe9"):
        _load(path)


@pytest.mark.parametrize(
    "pattern",
    [r"(a+)+$", r"(\w+\s?)+$", r"(a|aa)+b", r"(?:[^,]+,?)+;", r"(x{1,3})*y", r"((ab)+)+c",
     r"\b(?:buy|get)\s+(\w+\s*)*now\b"],
)
def test_a_pattern_that_backtracks_for_ever_is_refused_at_load(tmp_path: Path,
                                                              pattern: str) -> None:
    _, message = _load_error(tmp_path, ("phrases: [buy now]", f"patterns: ['{pattern}']"))
    assert "'patterns' has a pattern that can take minutes" in message
    assert repr(pattern) in message


@pytest.mark.parametrize(
    "pattern",
    [r"\bbuy\s+now\b", r"[a-z]+(?:-[a-z]+)*\s+now", r"(?:\w+\s+){0,2}now", r"(ab+)+|buy now",
     r"\b(?:buy|get)(?:\s+\w+){1,3}\s+now"],
)
def test_patterns_that_cannot_run_away_still_load(tmp_path: Path, pattern: str) -> None:
    path = _write(tmp_path, GOOD.replace("phrases: [buy now]", f"patterns: ['{pattern}']"))
    assert [r.meta.id for r in _load(path)] == ["buy-now"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('examples_fail: ["Buy now!"]', 'examples_fail: ["Buy now!", "Come by now"]'),
         "'examples_fail' 'Come by now' is not flagged by the rule"),
        (('examples_pass: ["We bought a van."]', 'examples_pass: ["Buy it now: buy now."]'),
         "'examples_pass' 'Buy it now: buy now.' is flagged by the rule (at 'buy now')"),
    ],
    ids=["fail-not-flagged", "pass-flagged"],
)
def test_a_rule_that_contradicts_its_own_examples_is_refused_naming_the_example(
    tmp_path: Path, change, expected
) -> None:
    old, new = change
    (tmp_path / "rules").mkdir()
    body = GOOD.replace(old, new).replace("buy-now", "house-buy-now")
    (tmp_path / "rules" / "house.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        build_coach(load_settings(tmp_path, env={}))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'rules' / 'house.yaml'}: rule 'house-buy-now': ")
    assert expected in message


def test_a_teams_lexicon_is_checked_against_the_packaged_rules_examples(tmp_path: Path) -> None:
    """The packaged rules are checked against their examples by the test suite, not at
    every start; a team's own lexicon file changes what they match, so then they are."""
    packaged = Path(load_settings(env={}).config.default) / "lexicons" / "standing.yaml"
    text = packaged.read_text(encoding="utf-8")
    narrowed = text.replace("elite, compete, competing]", "elite]").replace(
        '"a professional photographer", "if I compete"]', '"a professional photographer"]')
    assert narrowed.count("elite]") == 1 and "if I compete" not in narrowed
    (tmp_path / "lexicons").mkdir()
    (tmp_path / "lexicons" / "standing.yaml").write_text(narrowed, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        build_coach(load_settings(tmp_path, env={}))
    assert "rule 'shows-off-standing': 'examples_fail'" in str(caught.value)
    assert "ask if I compete" in str(caught.value)
