from __future__ import annotations

import io
import json
import subprocess
import sys
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


def labelled_set(tmp_path: Path, *rows: str) -> Path:
    """A YAML set of ``rows`` (each a flow mapping) in ``tmp_path``."""
    labelled = tmp_path / "set.yaml"
    labelled.write_text("".join(f"- {row}\n" for row in rows), encoding="utf-8")
    return labelled


def test_eval_prints_precision_and_recall(tmp_path: Path) -> None:
    labelled = labelled_set(
        tmp_path,
        "{id: a, platform: x, text: 'F4F? follow back', flag: [no-engagement-bait]}",
        "{id: b, platform: x, text: 'What do you read on Sundays?', clean: true}")
    code, out = run(["eval", str(labelled)])
    assert code == 0
    assert "no-engagement-bait" in out and "1.00" in out
    assert "clean drafts left clean: 1/1" in out


def test_eval_lists_a_drafts_misses_in_the_same_order_every_run(tmp_path: Path) -> None:
    labelled = labelled_set(tmp_path, "{id: a, platform: x, text: 'What do you read on Sundays?',"
                                      " flag: [not-ego, authentic, no-spray, no-hard-sell]}")
    code, out = run(["eval", str(labelled), "--misses"])
    assert code == 0
    misses = [line.strip() for line in out.splitlines() if ": missed " in line]
    assert misses == ["a: missed authentic", "a: missed no-hard-sell", "a: missed no-spray",
                      "a: missed not-ego"]


async def _critique_in_a_process(env: dict[str, str], *argv: str,
                                 option: str | None = None) -> tuple[int, str, str]:
    """The real command in its own process, so it talks HTTP to the test's model server;
    ``option`` goes before the command (--verbose, --debug)."""
    import asyncio
    import os
    import sys

    options = [] if option is None else [option]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *options, "critique", *argv,
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


def test_eval_reads_every_set_in_a_folder_with_false_alarms(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("not a set", encoding="utf-8")
    (tmp_path / "headlines.jsonl").write_text(
        '{"id": "n1", "text": "Council approves new bus routes for the north side", '
        '"label": "news"}\n'
        '{"id": "b1", "text": "I won the regional chess final today!", "label": "achievement"}\n'
        '{"id": "t1", "text": "I am the kindest person I know", "label": "trait"}\n',
        encoding="utf-8")
    (tmp_path / "drafts.yaml").write_text(
        "- {id: a, platform: x, text: 'F4F? follow back', flag: [no-engagement-bait]}\n",
        encoding="utf-8")
    code, out = run(["eval", str(tmp_path)])
    assert code == 0
    assert "headlines.jsonl: 2 cases" in out  # the trait row is not judged
    assert "drafts.yaml: 1 cases" in out
    assert "false alarms" in out and "README" not in out
    code, out = run(["eval", str(tmp_path), "--format", "json"])
    by_name = {r["name"]: r for r in json.loads(out)}
    assert by_name["headlines.jsonl"]["principles"]["authentic"]["negatives"] == 1


def test_eval_tells_recall_kind_by_kind_where_a_set_names_kinds(tmp_path: Path) -> None:
    # The bragging targets are per kind: a win told, a deed told, a thing owned.
    (tmp_path / "brags.jsonl").write_text(
        '{"id": "a1", "text": "I won the regional chess final today!", "label": "achievement"}\n'
        '{"id": "a2", "text": "I just aced my chemistry exam", "label": "achievement"}\n'
        '{"id": "p1", "text": "my bed is so comfy lol", "label": "possession"}\n'
        '{"id": "n1", "text": "Council approves new bus routes", "label": "not"}\n',
        encoding="utf-8")
    code, out = run(["eval", str(tmp_path / "brags.jsonl")])
    assert code == 0
    assert "recall by kind: achievement 1.00 (2/2), possession 0.00 (0/1)" in out
    code, out = run(["eval", str(tmp_path / "brags.jsonl"), "--format", "json"])
    kinds = json.loads(out)[0]["kinds"]
    assert (kinds["achievement"]["tp"], kinds["possession"]["fn"]) == (2, 1)


def test_eval_can_keep_to_the_rows_kept_aside(tmp_path: Path) -> None:
    from bot.evaluation import split_of

    rows = [f"d{i}" for i in range(40)]
    (tmp_path / "drafts.yaml").write_text("".join(
        f"- {{id: {r}, platform: x, text: 'F4F? follow back', flag: [no-engagement-bait]}}\n"
        for r in rows), encoding="utf-8")
    held_out = sum(split_of(r) == "held-out" for r in rows)
    assert 0 < held_out < len(rows)
    for split, expected in (("held-out", held_out), ("tune", len(rows) - held_out),
                            ("all", len(rows))):
        code, out = run(["eval", str(tmp_path), "--split", split])
        assert code == 0 and f"drafts.yaml: {expected} cases" in out


def test_eval_judges_a_yaml_comment_flagged_spam_as_the_csv_sets_do(tmp_path: Path) -> None:
    labelled = labelled_set(
        tmp_path,
        "{id: a, platform: youtube, flag: [spam], text: 'check out my channel pls'}",
        "{id: b, platform: youtube, flag: [spam], text: 'click my name for a surprise'}",
        "{id: c, platform: youtube, clean: true, text: 'the chorus at 2:31 is perfect'}")
    code, out = run(["eval", str(labelled), "--format", "json"])
    spam = json.loads(out)[0]["spam"]
    assert code == 0 and (spam["tp"], spam["fn"], spam["fp"]) == (2, 0, 0), spam


def test_eval_with_a_bad_label_says_which_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "set.jsonl"
    bad.write_text('{"id": 1, "text": "hi", "label": "spam?"}\n', encoding="utf-8")
    code, _ = run(["eval", str(bad)])
    err = capsys.readouterr().err
    assert code == 2
    assert "set.jsonl: line 1: unknown label 'spam?'" in err


def test_eval_with_a_misspelt_key_names_it_instead_of_expecting_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labelled = labelled_set(tmp_path, "{id: a, platform: x, text: 'F4F?', flags: [not-ego]}")
    code, _ = run(["eval", str(labelled)])
    assert code == 2
    assert "set.yaml: case a: unknown key 'flags'" in one_line_error(capsys)


def run_bytes(argv: list[str], stdin: bytes, errors: str = "strict") -> tuple[int, str]:
    """``main`` with standard input holding ``stdin`` as the interpreter would give it:
    ``errors`` is "strict" under most UTF-8 locales, "surrogateescape" under C.UTF-8."""
    out = io.StringIO()
    wrapper = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8", errors=errors)
    return main(argv, out=out, stdin=wrapper), out.getvalue()


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("draftcoach: "), err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])
def test_standard_input_that_is_not_utf8_is_one_line(errors, capsys) -> None:
    code, out = run_bytes(["critique", "-"], b"hi \xff there", errors)
    assert code == 2 and out == ""
    assert "standard input: not UTF-8 text (byte 0xff at offset 3)" in one_line_error(capsys)


def test_standard_input_in_utf8_is_critiqued() -> None:
    code, out = run_bytes(["critique", "--format", "json", "-"], "Café? Like for like!".encode())
    assert code == 1 and json.loads(out)["findings"]


def test_a_file_that_is_not_utf8_names_the_byte(tmp_path: Path, capsys) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_bytes(b"caf\xe9")
    assert run(["critique", "-f", str(draft)])[0] == 2
    assert f"{draft}: not UTF-8 text (byte 0xe9 at offset 3)" in one_line_error(capsys)


@pytest.mark.parametrize(
    "argv",
    [["critique", "  \n\t "], ["critique", "-"], ["critique", "-f", "{empty}"]],
)
def test_an_empty_draft_is_the_same_error_on_every_path(argv, tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text(" \n", encoding="utf-8")
    argv = [str(empty) if a == "{empty}" else a for a in argv]
    assert run(argv, stdin="\n\n")[0] == 2
    assert one_line_error(capsys) == "draftcoach: the draft is empty\n"


def test_a_draft_argument_with_undecodable_bytes_is_one_line(capsys) -> None:
    # Python hands bytes of the command line that are not UTF-8 over as lone surrogates.
    assert run(["critique", "hi \udcff"])[0] == 2
    assert "not valid Unicode" in one_line_error(capsys)


def test_json_output_is_ascii_and_parses_anywhere() -> None:
    code, out = run(["critique", "--format", "json", "Café ☕ — like for like!"])
    assert code == 1 and out.isascii()
    assert json.loads(out)["rewrite"]["text"].startswith("Café ☕")


def hostile_batch(tmp_path: Path) -> tuple[Path, list[str], list[str]]:
    """Every kind of line a careless or hostile user has fed ``--batch``, each between two
    good lines. Returns the file, the good ids and the bad ids."""
    good = [b'{"id": "good-%d", "text": "What do you use to take notes?", "platform": "x"}' % n
            for n in range(12)]
    bad = {
        "surrogate": b'{"id": "surrogate", "text": "hi \\ud800 there"}',
        "raw-byte": b'{"id": "raw-byte", "text": "hi \xff there"}',
        "byte-outside": b'{"id": "byte-outside", "text": "hi"} \xff',
        "deep": b'{"id": "deep", "text": "hi", "extra": ' + b"[" * 100_000 + b"]" * 100_000
                + b"}",
        "huge-int": b'{"id": "huge-int", "text": "hi", "n": ' + b"9" * 5000 + b"}",
        "empty": b'{"id": "empty", "text": ""}',
        "blank": b'{"id": "blank", "text": " \\n\\t "}',
        "no-text": b'{"id": "no-text", "draft": "hi"}',
        "text-list": b'{"id": "text-list", "text": ["hi"]}',
        "platform-list": b'{"id": "platform-list", "text": "hi", "platform": ["x"]}',
        "unknown-platform": b'{"id": "unknown-platform", "text": "hi", "platform": "myspace"}',
        "not-json": b'{"id": "not-json", text: hi}',
    }
    nameless = [b'{"id": NaN, "text": "Like for like!"}', b'["a list"]', b'"just text"']
    lines = [good[0]]
    for index, line in enumerate([*bad.values(), *nameless]):
        lines += [line, good[1 + index % 11]]
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path, sorted({f"good-{n}" for n in range(12)}), sorted(bad)


def test_a_hostile_batch_answers_every_good_line_and_reports_every_bad_one(
    tmp_path: Path, capsys
) -> None:
    path, good, bad = hostile_batch(tmp_path)
    code, out = run(["critique", "--batch", str(path)])
    assert code == 1
    assert out.isascii()
    records = [json.loads(line) for line in out.splitlines()]  # every line valid JSON
    answered = {r["id"] for r in records if "verdict" in r}
    reported = {r["id"] for r in records if "error" in r}
    assert sorted(answered) == good
    assert sorted(reported - {None}) == bad
    assert len(records) == len(path.read_bytes().splitlines())
    errors = {r["id"]: r["error"] for r in records if "error" in r}
    assert errors["empty"] == errors["blank"] == "the draft is empty"
    assert "not valid Unicode" in errors["surrogate"] and "not valid Unicode" in errors["raw-byte"]
    assert "nested too deeply" in errors["deep"]
    nameless = [r for r in records if r["id"] is None]
    assert len(nameless) == 3 and all(r["line"] > 0 for r in nameless)
    assert "Traceback" not in capsys.readouterr().err


def test_a_reader_that_stops_reading_ends_the_batch_quietly(tmp_path: Path) -> None:
    batch = tmp_path / "month.jsonl"
    line = json.dumps({"text": "Like and share, follow me for more tips every day!"})
    batch.write_text((line + "\n") * 2000, encoding="utf-8")
    # As `draftcoach critique --batch month.jsonl | head -1` does: one line, then the pipe shuts.
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "critique", "--batch", str(batch), "--offline"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    assert json.loads(process.stdout.readline())["verdict"] != "ready"
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert err == ""


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr("bot.cli.cmd_rules", broken)
    assert run(["rules"])[0] == 2
    err = one_line_error(capsys)
    assert "RuntimeError: the disk is on fire" in err and "--debug" in err
    assert run(["--debug", "rules"])[0] == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "the disk is on fire" in err


def test_eval_on_a_file_that_is_not_utf8_is_one_line(tmp_path: Path, capsys) -> None:
    for name in ("set.yaml", "set.json", "set.csv"):
        labelled = tmp_path / name
        labelled.write_bytes(b"caf\xe9")
        assert run(["eval", str(labelled)])[0] == 2
        assert f"{labelled}: not UTF-8 text (byte 0xe9 at offset 3)" in one_line_error(capsys)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[{"id": 1, "text": "hi", "labels": 5}]', "case 1: 'labels' must be a list of names"),
        ('[{"id": 1, "text": "hi", "flag": [["x"]]}]', "case 1: 'flag' must be a list of names"),
        ("[" * 100_000, "nested too deeply"),
        ('[{"id": 1, "text": "hi", "n": ' + "9" * 5000 + "}]", "cannot parse"),
    ],
    ids=["labels-number", "flag-nested", "deep", "huge-int"],
)
def test_eval_on_a_hostile_json_set_is_one_line(tmp_path: Path, content, expected,
                                                 capsys) -> None:
    labelled = tmp_path / "set.json"
    labelled.write_text(content, encoding="utf-8")
    assert run(["eval", str(labelled)])[0] == 2
    assert expected in one_line_error(capsys)


def test_a_draft_over_the_size_cap_is_one_line_on_every_path(tmp_path: Path, capsys) -> None:
    from bot.cli import MAX_DRAFT_BYTES

    huge = b"word " * (MAX_DRAFT_BYTES // 5 + 1)
    draft = tmp_path / "huge.txt"
    draft.write_bytes(huge)
    assert run(["critique", "-f", str(draft)])[0] == 2
    assert "longer than 1024 KiB" in one_line_error(capsys)
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(b'{"id": "a", "text": "What do you read?"}\n'
                      b'{"id": "huge", "text": "' + huge + b'"}\n'
                      b'{"id": "b", "text": "What do you read?"}\n')
    code, out = run(["critique", "--batch", str(batch)])
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["id"], r.get("verdict") or r["error"]) for r in records] == [
        ("a", "ready"), ("huge", "longer than 1024 KiB"), ("b", "ready")]
    assert records[1]["line"] == 2 and code == 1


def test_a_draft_the_coach_trips_over_costs_the_batch_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.coach import Coach

    assess = Coach.assess

    def fragile(self: Coach, text: str, *args: object, **kwargs: object):
        if "trip" in text:
            raise IndexError("list index out of range")
        return assess(self, text, *args, **kwargs)

    monkeypatch.setattr(Coach, "assess", fragile)
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"id": 1, "text": "What do you read?"}\n{"id": 2, "text": "trip"}\n'
                     '{"id": 3, "text": "What do you read?"}\n', encoding="utf-8")
    code, out = run(["critique", "--batch", str(batch)])
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in records] == [1, 2, 3] and code == 1
    assert records[0]["verdict"] == records[2]["verdict"] == "ready"
    assert records[1]["error"] == (
        "could not critique this draft (IndexError: list index out of range)")


@pytest.mark.parametrize("verbosity", ["--verbose", "--debug"])
async def test_no_credential_reaches_the_log(verbosity: str) -> None:
    from tests.llm.server import Fail, ModelServer

    key, password, query_key, token = ("sk-live-KNOWNKEY0123456789", "hunter2-PASSWORD",
                                       "QUERYKEY-0123456789", "DISCORD.TOKEN-0123456789")
    server = ModelServer()
    await server.start()
    try:
        # A server that echoes the credentials it was sent, as some do in a 401.
        server.always(Fail(401, f"Incorrect API key provided: Bearer {key} ({password})"))
        host = server.url.removeprefix("http://")
        logs = ""
        for base_url in (f"http://draft:{password}@{host}", f"{server.url}?api_key={query_key}"):
            env = {"DRAFTCOACH_LLM_BASE_URL": base_url, "OPENAI_API_KEY": key,
                   "DISCORD_TOKEN": token, "DRAFTCOACH_LLM_TIMEOUT": "5"}
            code, out, err = await _critique_in_a_process(
                env, "--format", "json", "Like for like!", option=verbosity)
            assert code == 1 and json.loads(out)["rewrite"]["source"] == "offline", err
            logs += out + err
        for secret in (key, password, query_key, token):
            assert secret not in logs
        assert "model unavailable" in logs and "Bearer ***" in logs  # logged, and masked
    finally:
        await server.stop()


def test_a_draft_over_the_size_cap_gets_one_line_naming_it(tmp_path: Path, capsys) -> None:
    (tmp_path / "draftcoach.yaml").write_text("max_draft_chars: 100\n", encoding="utf-8")
    code, out = run(["--config-dir", str(tmp_path), "critique", "-", "--offline"], "x" * 101)
    err = capsys.readouterr().err
    assert (code, out) == (2, "")
    assert err == ("draftcoach: the draft has 101 characters; drafts are checked up to 100 "
                   "(max_draft_chars)\n")
    assert run(["--config-dir", str(tmp_path), "critique", "-", "--offline"], "x" * 100)[0] != 2
