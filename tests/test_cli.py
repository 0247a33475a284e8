from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main


class _Stdin(io.StringIO):
    def isatty(self) -> bool:
        return False


def run(argv: list[str], stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, out=out, stdin=_Stdin(stdin))
    return code, out.getvalue()


@pytest.fixture(autouse=True)
def _no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "DRAFTCOACH_LLM_BASE_URL", "DRAFTCOACH_CONFIG_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_json_output_keeps_the_interface_shape() -> None:
    code, out = run(["critique", "--platform", "x", "--format", "json",
                     "Buy my ebook today for just $9.99! Click here to purchase."])
    assert code == 1
    data = json.loads(out)
    assert data["platform"] == "x"
    assert data["verdict"] == "almost"
    assert 0 <= data["score"] < 100
    finding = data["findings"][0]
    assert set(finding) >= {"rule", "principle", "severity", "message", "span", "match",
                            "suggestion"}
    text = "Buy my ebook today for just $9.99! Click here to purchase."
    assert text[finding["span"][0]:finding["span"][1]] == finding["match"]
    assert data["rewrite"]["source"] == "offline"
    assert data["rewrite"]["score"] >= data["score"]


def test_a_ready_draft_exits_zero_with_a_readable_verdict() -> None:
    code, out = run(["critique", "-p", "x", "What's one tool you'd never give up for writing?"])
    assert code == 0
    assert out.rstrip().splitlines()[-1].startswith("Score 100/100")


def test_text_output_marks_the_offending_words() -> None:
    code, out = run(["critique", "--color", "never", "F4F? I follow back everyone"])
    assert code == 1
    assert "[[F4F]]" in out
    assert "needs work" in out


def test_draft_from_stdin_and_from_a_file(tmp_path: Path) -> None:
    assert run(["critique", "-", "--format", "json"], stdin="Like for like!")[0] == 1
    draft = tmp_path / "draft.txt"
    draft.write_text("Tag 3 friends who need this", encoding="utf-8")
    code, out = run(["critique", "-f", str(draft), "--format", "json"])
    assert code == 1 and json.loads(out)["findings"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["critique", "-p", "myspace", "hi"], "unknown platform 'myspace'"),
        (["critique", "   "], "the draft is empty"),
        (["critique", "-f", "/no/such/file.txt"], "cannot read /no/such/file.txt"),
        (["critique", "--format", "xml", "hi"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
        (["--config-dir", "/no/such/dir", "rules"], "does not exist"),
    ],
)
def test_usage_errors_are_one_line_and_exit_two(argv, message, capsys) -> None:
    code, _ = run(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_batch_critiques_every_line_and_reports_bad_ones(tmp_path: Path) -> None:
    batch = tmp_path / "calendar.jsonl"
    batch.write_text(
        '{"id": "mon", "text": "Like for like!", "platform": "instagram"}\n'
        '{"id": "tue", "text": "What do you use to take notes?"}\n'
        "not json\n"
        '{"id": "wed", "text": "hello", "platform": "myspace"}\n',
        encoding="utf-8",
    )
    code, out = run(["critique", "--batch", str(batch), "--platform", "x"])
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [line["id"] for line in lines] == ["mon", "tue", None, "wed"]
    assert lines[0]["platform"] == "instagram" and lines[0]["verdict"] == "needs-work"
    assert lines[1]["platform"] == "x" and lines[1]["verdict"] == "ready"
    assert "not JSON" in lines[2]["error"]
    assert "unknown platform" in lines[3]["error"]


def test_rules_lists_every_principle() -> None:
    code, out = run(["rules"])
    assert code == 0
    for principle in ("reader-value", "no-engagement-bait", "listen-first", "not-ego",
                      "no-hard-sell", "authentic", "no-spray", "platform-fit"):
        assert principle in out
    code, out = run(["rules", "--format", "json"])
    assert {r["principle"] for r in json.loads(out)} >= {"no-spray", "authentic"}


def test_eval_prints_precision_and_recall(tmp_path: Path) -> None:
    labelled = tmp_path / "set.yaml"
    labelled.write_text(
        "- {id: a, platform: x, text: 'F4F? follow back', flag: [no-engagement-bait]}\n"
        "- {id: b, platform: x, text: 'What do you read on Sundays?', clean: true}\n",
        encoding="utf-8",
    )
    code, out = run(["eval", str(labelled)])
    assert code == 0
    assert "no-engagement-bait" in out and "1.00" in out
    assert "clean drafts left clean: 1/1" in out


async def _critique_in_a_process(env: dict[str, str], *argv: str) -> tuple[int, str, str]:
    """The real command in its own process, so it talks HTTP to the test's model server."""
    import asyncio
    import os
    import sys

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "critique", *argv,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **env},
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_critique_uses_the_configured_model_unless_offline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.llm.server import Answer, ModelServer, answer_json

    server = ModelServer()
    await server.start()
    try:
        draft = "Repost if you agree! What is your best tip for new managers?"
        better = "What is your best tip for new managers? Mine: ask before you advise."
        server.always(Answer(answer_json(better)))
        env = {"DRAFTCOACH_LLM_BASE_URL": server.url, "DRAFTCOACH_LLM_MODEL": "local-model"}

        code, out, err = await _critique_in_a_process(
            env, "-p", "linkedin", "--format", "json", draft)
        data = json.loads(out)
        assert data["rewrite"]["source"] == "llm", err
        assert data["rewrite"]["text"] == better
        assert code == 1  # the draft itself is still not ready
        assert server.received[0].body["model"] == "local-model"
        assert draft in server.received[0].user_text

        asked = len(server.received)
        code, out, _ = await _critique_in_a_process(
            env, "-p", "linkedin", "--format", "json", "--offline", draft)
        assert json.loads(out)["rewrite"]["source"] == "offline"
        assert len(server.received) == asked
    finally:
        await server.stop()


async def test_a_model_that_is_down_still_gets_the_user_an_answer() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"DRAFTCOACH_LLM_BASE_URL": f"http://127.0.0.1:{port}/v1"}
    code, out, err = await _critique_in_a_process(
        {**env, "DRAFTCOACH_LLM_TIMEOUT": "0.5"}, "--format", "json", "Like for like!")
    data = json.loads(out)
    assert code == 1
    assert data["findings"]
    assert data["rewrite"]["source"] == "offline"
    assert "offline rewrite" in data["rewrite"]["note"]
    assert "Traceback" not in err


def test_a_draft_over_the_size_cap_gets_one_line_naming_it(tmp_path: Path, capsys) -> None:
    (tmp_path / "draftcoach.yaml").write_text("max_draft_chars: 100\n", encoding="utf-8")
    code, out = run(["--config-dir", str(tmp_path), "critique", "-", "--offline"], "x" * 101)
    err = capsys.readouterr().err
    assert (code, out) == (2, "")
    assert err == ("draftcoach: the draft has 101 characters; drafts are checked up to 100 "
                   "(max_draft_chars)\n")
    assert run(["--config-dir", str(tmp_path), "critique", "-", "--offline"], "x" * 100)[0] != 2
