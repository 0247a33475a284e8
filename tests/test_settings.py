from __future__ import annotations

from pathlib import Path

import pytest

from bot.config_files import QUOTE_CHARS
from bot.errors import ConfigError
from bot.settings import load_settings


def settings_error(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> str:
    (tmp_path / "draftcoach.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, env=env or {})
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("discord: yes\n", "discord must be a mapping, got True"),
        ("llm: [a]\n", "llm must be a mapping"),
        ("llm:\n  cache_size: lots\n", "llm.cache_size must be a whole number, got 'lots'"),
        ("llm:\n  max_concurrency: eight\n", "llm.max_concurrency must be a whole number"),
        ("llm:\n  max_concurrency: 0\n", "llm.max_concurrency must be 1 or more, got 0"),
        ("llm:\n  max_attempts: true\n", "llm.max_attempts must be a whole number, got True"),
        ("llm:\n  first_byte_timeout: soon\n",
         "llm.first_byte_timeout must be a number, got 'soon'"),
        ("llm:\n  first_byte_timeout: -1\n", "llm.first_byte_timeout must be above 0, got -1"),
        ("llm:\n  deadline: .inf\n", "llm.deadline must be a finite number"),
        ("llm:\n  temperature: 7\n", "llm.temperature must be at most 2"),
        ("llm:\n  model: ''\n", "llm.model must not be empty"),
        ("llm:\n  prompt_version: ../../etc/passwd\n", "llm.prompt_version must be a plain name"),
        ("llm:\n  speed: fast\n", "llm.speed is not a known key"),
        ("discord:\n  message_content: maybe\n", "discord.message_content must be true or false"),
        ("discord:\n  cooldown_rate: -1\n", "discord.cooldown_rate must be 0 or more, got -1"),
        ("discord:\n  dm_token_budget: lots\n", "discord.dm_token_budget must be a whole number"),
        ("discord:\n  dm_token_budget: -5\n", "discord.dm_token_budget must be 0 or more, got -5"),
        ("discord:\n  database: ['a.db']\n", "discord.database must be text"),
        ("tone: [warm, plain]\n", "tone must be text, got ['warm', 'plain']"),
        ("default_platform: 7\n", "default_platform must be text, got 7"),
        ("colour: blue\n", "colour is not a known key"),
        ("llm:\n  ? \"speed\\nlimit\"\n  : 3\n", "llm.'speed\\nlimit' is not a known key"),
        ("max_draft_chars: 0\n", "max_draft_chars must be 1 or more, got 0"),
        ("llm:\n  max_draft_chars: 5000\n", "llm.max_draft_chars is no longer a setting: the "
         "top-level max_draft_chars caps drafts, for the model too"),
    ],
)
def test_a_wrong_setting_names_the_file_the_key_and_the_value(
    tmp_path: Path, text: str, expected: str
) -> None:
    message = settings_error(tmp_path, text)
    assert message.startswith(f"{tmp_path / 'draftcoach.yaml'}: ")
    assert expected in message


def test_a_long_value_is_quoted_in_at_most_80_characters(tmp_path: Path) -> None:
    message = settings_error(tmp_path, "tone: " + "very warm " * 1000 + "\n")
    assert "tone must be at most 2,000 characters" in message
    quoted = message.split(", got ", 1)[1]
    assert len(quoted) <= QUOTE_CHARS and quoted.startswith("'very warm")


def test_a_setting_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    message = settings_error(tmp_path, "", env={"DRAFTCOACH_LLM_TIMEOUT": "-3"})
    assert message.startswith("DRAFTCOACH_LLM_TIMEOUT (llm.first_byte_timeout) must be above 0")


def alias_bomb(indent: str) -> str:
    """Seven lines of YAML that stand for 9**7 (almost five million) strings."""
    lines = [f'{indent}a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for name, below in zip("bcdefg", "abcdef", strict=True):
        lines.append(f"{indent}{name}: &{name} [{', '.join([f'*{below}'] * 9)}]")
    return "\n".join([*lines, ""])


@pytest.mark.parametrize("key", ["tone:\n", "discord:\n  database:\n"])
def test_an_alias_bomb_is_refused_before_it_expands(tmp_path: Path, key: str) -> None:
    message = settings_error(tmp_path, key + alias_bomb("    "))
    assert "aliases expand to" in message


def test_anchors_that_expand_a_little_are_fine(tmp_path: Path) -> None:
    (tmp_path / "draftcoach.yaml").write_text(
        "llm: &shared\n  first_byte_timeout: 5\ndiscord:\n  cooldown_rate: 3\n", encoding="utf-8")
    settings = load_settings(tmp_path, env={})
    assert settings.llm.first_byte_timeout == 5 and settings.discord.cooldown_rate == 3


def test_values_keep_what_the_user_wrote(tmp_path: Path) -> None:
    (tmp_path / "draftcoach.yaml").write_text(
        "tone: null\nllm:\n  max_tokens: null\n  first_byte_timeout: 12\n"
        "discord:\n  retention_days: 14\n  cooldown_seconds: 2.5\n", encoding="utf-8")
    settings = load_settings(tmp_path, env={"DRAFTCOACH_LLM_MODEL": "local"})
    assert settings.tone == "" and settings.llm.max_tokens is None
    assert settings.llm.model == "local"
    assert settings.discord.retention_days == 14 and isinstance(settings.discord.retention_days,
                                                                int)
    assert settings.discord.cooldown_seconds == 2.5
