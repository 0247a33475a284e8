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
    ],
)
def test_mistakes_are_load_errors_naming_file_and_key(tmp_path: Path, change, expected) -> None:
    old, new = change
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ConfigError) as caught:
        _load(path)
    message = str(caught.value)
    assert str(path) in message
    assert expected in message


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
