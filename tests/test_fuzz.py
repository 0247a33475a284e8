"""Hostile and careless input, generated: the command line answers it all in one line or
with a critique, never a traceback, and exits 0, 1 or 2."""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.coach import Coach, build_coach
from bot.errors import ConfigError
from bot.settings import load_settings, packaged_dir

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "80")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

#: Any code point, lone surrogates included (what JSON's "\ud800" and undecodable
#: command-line bytes become).
any_text = st.text(st.characters(blacklist_categories=()), max_size=60)
#: What a well-meaning user writes: some visible text, valid Unicode.
drafts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80).filter(
    str.strip)
platforms = st.sampled_from(["x", "linkedin", "bluesky", "youtube", "generic", "myspace", ""])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=8,
)


@pytest.fixture(autouse=True)
def _shared_coach(monkeypatch: pytest.MonkeyPatch, coach: Coach) -> None:
    """The packaged rules, loaded once: the fuzzing is of the input, not of the loading."""
    for name in ("OPENAI_API_KEY", "DRAFTCOACH_LLM_BASE_URL", "DRAFTCOACH_CONFIG_DIR",
                 "DRAFTCOACH_PLATFORM", "DRAFTCOACH_LLM_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("bot.cli.build_coach", lambda settings: coach)


def run(argv: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    stream = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8", errors="strict")
    with contextlib.redirect_stderr(err):
        code = main(argv, out=out, stdin=stream)
    return code, out.getvalue(), err.getvalue()


def assert_answered(code: int, out: str, err: str) -> None:
    """Exit 0 or 1 with a critique, or 2 with one line saying why; nothing unexpected."""
    assert "Traceback" not in err and "unexpected error" not in err, err
    assert code in (0, 1, 2)
    if code == 2:
        assert err.startswith("draftcoach: ") and err.count("\n") == 1, err
    else:
        assert out.isascii()
        assert json.loads(out)["verdict"] in ("ready", "almost", "needs-work", "nothing-to-coach")


@FUZZ
@given(text=any_text, platform=platforms)
def test_any_draft_on_the_command_line(text: str, platform: str) -> None:
    assert_answered(*run(["critique", "--format", "json", "-p", platform or "x", "--", text]))


@FUZZ
@given(data=st.binary(max_size=200) | any_text.map(
    lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_on_standard_input(data: bytes) -> None:
    assert_answered(*run(["critique", "--format", "json", "-"], stdin=data))


def _line(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8", "surrogatepass")


hostile_lines = st.one_of(
    st.binary(max_size=120),
    json_values.map(_line),
    st.fixed_dictionaries({}, optional={"id": json_values, "text": json_values | any_text,
                                        "platform": json_values | platforms}).map(_line),
    any_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
).map(lambda line: line.replace(b"\n", b" "))


@FUZZ
@given(
    lines=st.lists(st.tuples(st.booleans(), hostile_lines, drafts, platforms), min_size=1,
                   max_size=8),
)
def test_every_good_batch_line_is_answered_whatever_surrounds_it(
    tmp_path_factory: pytest.TempPathFactory, lines: list[tuple[bool, bytes, str, str]]
) -> None:
    content, good = [], []
    for index, (is_good, hostile, draft, platform) in enumerate(lines):
        if is_good:
            item = {"id": f"good-{index}", "text": draft}
            if platform in ("x", "linkedin", "bluesky"):
                item["platform"] = platform
            content.append(json.dumps(item).encode())
            good.append(f"good-{index}")
        else:
            content.append(hostile)
    path = tmp_path_factory.mktemp("batch") / "drafts.jsonl"
    path.write_bytes(b"\n".join(content) + b"\n")
    code, out, err = run(["critique", "--batch", str(path)])
    assert "Traceback" not in err and code in (0, 1)
    assert out.isascii()
    records = [json.loads(line) for line in out.splitlines()]
    # One answer for every line that holds more than JSON's white space.
    assert len(records) == sum(1 for line in content if line.strip(b" \t\r\n"))
    answered = [r["id"] for r in records if "verdict" in r and r["id"] in good]
    assert answered == good
    assert all("could not critique" not in r.get("error", "") for r in records)


SETTING_KEYS = [
    "default_platform", "tone", "prompts_dir", "max_draft_chars", "llm", "discord",
    *(f"llm.{key}" for key in ("base_url", "model", "api_key", "first_byte_timeout", "deadline",
                               "max_concurrency", "cache_size", "breaker_threshold",
                               "temperature", "prompt_version", "max_tokens", "max_attempts")),
    *(f"discord.{key}" for key in ("token", "database", "cooldown_rate", "cooldown_seconds",
                                   "retention_days", "dm_token_budget", "edit_interval",
                                   "message_content")),
]
yaml_values = st.one_of(
    json_values.filter(lambda v: not isinstance(v, str) or "\x00" not in v).map(
        lambda v: yaml.safe_dump(v, allow_unicode=False).strip()),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),  # raw YAML
)


def indented(value: str, depth: int = 1) -> str:
    """``value`` as the YAML under a key ``depth`` levels deep."""
    pad = "  " * depth
    return "\n".join(pad + line for line in value.splitlines()) or f"{pad}null"


def loads_or_one_line(load: Callable[[], object]) -> None:
    try:
        load()
    except ConfigError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 400, str(exc)


RULE_KEYS = ["id", "kind", "principle", "severity", "message", "why", "fix", "examples_fail",
             "examples_pass", "platforms", "skip_platforms", "examples_platform", "source",
             "phrases", "patterns", "exceptions", "replacement", "scope", "token", "max",
             "platform_max", "allow", "min_length", "edit", "pairs"]
A_RULE = {
    "id": "house-rule", "kind": "existence", "principle": "reader-value", "severity": "warning",
    "message": "Avoid {match}.", "why": "Readers skip it.", "fix": "Say it plainly.",
    "examples_fail": ["Act now, synergy awaits"], "examples_pass": ["We met the team."],
    "phrases": ["synergy"],
}


#: Keys of the packaged platforms.yaml and principles.yaml, as "file/id/key".
TABLE_KEYS = [*(f"platforms.yaml/x/{key}" for key in ("name", "limit", "counting",
                                                      "url_length", "shortens_links")),
              *(f"principles.yaml/authentic/{key}" for key in ("title", "summary", "why",
                                                              "source"))]


@FUZZ
@given(key=st.sampled_from([*SETTING_KEYS, *(f"rules/{key}" for key in RULE_KEYS),
                            *TABLE_KEYS]),
       value=yaml_values)
def test_any_config_value_loads_or_is_one_line(
    tmp_path_factory: pytest.TempPathFactory, key: str, value: str
) -> None:
    directory = tmp_path_factory.mktemp("config")
    if key.startswith("rules/"):
        key = key.removeprefix("rules/")
        (directory / "rules").mkdir()
        rule = yaml.safe_dump({k: v for k, v in A_RULE.items() if k != key})
        (directory / "rules" / "house.yaml").write_text(f"{rule}{key}:\n{indented(value)}\n",
                                                       encoding="utf-8")
        loads_or_one_line(lambda: build_coach(load_settings(directory, env={})))
        return
    if key in TABLE_KEYS:
        name, table_id, field = key.split("/")
        table = yaml.safe_load((packaged_dir("config") / name).read_text(encoding="utf-8"))
        table[table_id][field] = "VALUE"
        text = yaml.safe_dump(table).replace(" VALUE\n", "\n" + indented(value, 2) + "\n")
        (directory / name).write_text(text, encoding="utf-8")
        loads_or_one_line(lambda: build_coach(load_settings(directory, env={})))
        return
    section, _, name = key.partition(".")
    body = indented(value)
    text = f"{section}:\n  {name}:\n  {body}\n" if name else f"{section}:\n{body}\n"
    (directory / "draftcoach.yaml").write_text(text, encoding="utf-8")
    loads_or_one_line(lambda: load_settings(directory, env={}))
    # The whole command too: a setting that loads must not fail later, at first use.
    code, out, err = run(["--config-dir", str(directory), "critique", "--offline",
                          "--format", "json", "What do you read on Sundays?"])
    assert_answered(code, out, err)
