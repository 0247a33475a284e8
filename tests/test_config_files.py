from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
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
    ],
    ids=["latin-1", "deep", "huge-int", "bad-date", "self-alias", "too-large"],
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
