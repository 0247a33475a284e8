from __future__ import annotations

from pathlib import Path

import pytest

from bot.coach import load_principles
from bot.errors import ConfigError
from bot.platforms import load_platforms
from bot.settings import load_settings


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"tone: caf\xe9\n", "not UTF-8 text (byte 0xe9 at offset 9)"),
        (b"tone: " + b"[" * 20_000 + b"\n", "nested too deeply"),
        (b"tone: " + b"9" * 5000 + b"\n", "a value cannot be read"),
        (b"tone: 2024-13-45\n", "a value cannot be read"),
        (b"tone: &a [*a]\n", "an alias refers to a value that contains it"),
        (b"tone: x\n" + b"# padding\n" * 120_000, "larger than 1024 KiB"),
        (b"tone: warm\nlanguage: en\ntone: dry\n", "line 3: key 'tone' appears twice"),
    ],
    ids=["latin-1", "deep", "huge-int", "bad-date", "self-alias", "too-large", "twice"],
)
def test_a_config_file_that_cannot_be_read_is_one_line_naming_it(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "draftcoach.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, env={})
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert expected in message
    assert len(message) < 300


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("platforms.yaml", "x: {limit: true}", "platform 'x': 'limit' must be a whole number, "
                                                "got True"),
        ("platforms.yaml", "x: {limit: -5}", "platform 'x': 'limit' must be above 0, got -5"),
        ("platforms.yaml", "x: {counting: [weighted]}", "platform 'x': 'counting' must be one of"),
        ("platforms.yaml", "x: {name: [X]}", "platform 'x': 'name' must be text, got ['X']"),
        ("platforms.yaml", "x: {url_length: 23.5}", "'url_length' must be a whole number"),
        ("platforms.yaml", "bluesky: {shortens_links: 1}", "'shortens_links' must be"),
        ("platforms.yaml", "x: {speed: 1}", "platform 'x': 'speed' is not a known key"),
        ("principles.yaml", "authentic: {title: [Be real], summary: s, why: w}",
         "principle 'authentic': 'title' must be text, got ['Be real']"),
        ("principles.yaml", "authentic: {title: t, summary: s}",
         "principle 'authentic': 'why' is required"),
    ],
)
def test_a_wrong_platform_or_principle_names_the_file_the_entry_and_the_key(
    tmp_path: Path, name: str, content: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(content + "\n", encoding="utf-8")
    load = load_platforms if name == "platforms.yaml" else load_principles
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}: ") and expected in str(caught.value)
