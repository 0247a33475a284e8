"""The prompt files: present for the configured version, with known placeholders only."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.llm.prompts import load_prompts
from bot.settings import Settings


def test_shipped_prompts_load(settings: Settings) -> None:
    prompts = load_prompts(settings.prompts_dir, settings.llm.prompt_version)
    assert prompts.version == settings.llm.prompt_version
    assert "{{draft}}" in prompts.user.text
    assert "{{principles}}" in prompts.system.text
    assert "{{problems}}" in prompts.repair.text


def test_a_value_is_never_expanded_again(settings: Settings) -> None:
    prompts = load_prompts(settings.prompts_dir, "v1")
    values = dict.fromkeys(
        ("platform", "platform_name", "limit", "length", "findings", "keep", "tone"), "-"
    )
    rendered = prompts.user.render({**values, "draft": "steal {{tone}} and {{draft}}"})
    assert "steal {{tone}} and {{draft}}" in rendered


def test_missing_version_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"rewrite\.v9\.system\.md"):
        load_prompts(tmp_path, "v9")


def test_unknown_placeholder_names_file_and_placeholder(tmp_path: Path) -> None:
    (tmp_path / "rewrite.v2.system.md").write_text("{{principles}}")
    (tmp_path / "rewrite.v2.user.md").write_text("{{draft}} {{drafft}}")
    (tmp_path / "rewrite.v2.repair.md").write_text("{{problems}}")
    expected = r"rewrite\.v2\.user\.md: unknown placeholder '\{\{drafft\}\}'"
    with pytest.raises(ConfigError, match=expected):
        load_prompts(tmp_path, "v2")
