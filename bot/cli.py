"""``draftcoach``: critique drafts, list rules, run evaluations, run the Discord bot.

Exit codes: 0 ready, 1 almost, needs-work or nothing-to-coach, 2 usage or config error (one line on
stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import re
import sys
import traceback
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, TextIO

from bot import __version__
from bot.coach import Coach, build_coach
from bot.config_files import decode_utf8
from bot.errors import DraftcoachError
from bot.models import Critique
from bot.pipeline import Pipeline, check_draft
from bot.redact import guard_logs, redact, settings_secrets
from bot.render_text import render_critique, render_rules
from bot.settings import Settings, load_settings
from bot.text import lone_surrogate

log = logging.getLogger(__name__)

EXIT_READY, EXIT_NOT_READY, EXIT_USAGE = 0, 1, 2
#: What a shell reports when the reader of the output went away (128 + SIGPIPE).
EXIT_READER_GONE = 141
#: Bytes read for one draft (a file, standard input or a batch line): far more than any
#: platform takes, and a bound on what ``-f /dev/zero`` costs.
MAX_DRAFT_BYTES = 1 << 20

class UsageError(DraftcoachError):
    """Wrong arguments or unreadable input."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="draftcoach", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"draftcoach {__version__}")
    parser.add_argument("--config-dir", metavar="DIR",
                        help="your own config directory (overrides the packaged defaults; "
                             "also DRAFTCOACH_CONFIG_DIR)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("--debug", action="store_true",
                        help="log everything, and show the traceback of an unexpected error")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    critique = commands.add_parser("critique", help="critique a draft",
                                   description="Critique a draft: findings, score, rewrite.")
    source = critique.add_mutually_exclusive_group()
    source.add_argument("text", nargs="?", help="the draft ('-' reads standard input)")
    source.add_argument("-f", "--file", type=Path, help="read the draft from a file")
    source.add_argument("--batch", type=Path, metavar="FILE.jsonl",
                        help='many drafts, one JSON object a line: {"id", "text", "platform"}')
    critique.add_argument("-p", "--platform", help="where the post goes (default from config)")
    critique.add_argument("--format", choices=("text", "json"), default="text")
    critique.add_argument("--offline", action="store_true",
                          help="use the offline rewrite even when a model is configured")
    critique.add_argument("--color", choices=("auto", "always", "never"), default="auto")

    rules = commands.add_parser("rules", help="list the rules by principle")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    evaluate = commands.add_parser(
        "eval", help="measure the rules on labelled sets",
        description="Precision, recall and false alarms per set and principle, on rows no "
                    "learned rule was trained on.")
    evaluate.add_argument("files", nargs="*", type=Path,
                          help="YAML, JSON, JSONL or CSV sets, or folders of them "
                               "(default: shared/eval beside this checkout)")
    evaluate.add_argument("--confidence", choices=("high", "all"), default="all",
                          help="only cases an editor labelled with high confidence")
    evaluate.add_argument("--split", choices=("tune", "held-out", "all"), default="all",
                          help="only the rows rules are written from (tune, 70%% by a "
                               "stable hash of the row id) or those kept aside (held-out)")
    evaluate.add_argument("--format", choices=("text", "json"), default="text")
    evaluate.add_argument("--misses", action="store_true", help="list every miss")

    commands.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    return parser


def _read_bounded(handle: BinaryIO, where: str) -> str:
    data = handle.read(MAX_DRAFT_BYTES + 1)
    if len(data) > MAX_DRAFT_BYTES:
        raise UsageError(f"{where} is longer than {MAX_DRAFT_BYTES // 1024} KiB")
    return decode_utf8(data, where, UsageError)


def _read_draft(args: argparse.Namespace, stdin: TextIO) -> str:
    if args.file is not None:
        try:
            with args.file.open("rb") as handle:
                return _read_bounded(handle, str(args.file))
        except OSError as exc:
            raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
    if args.text is None or args.text == "-":
        if args.text is None and stdin.isatty():
            raise UsageError("give a draft: draftcoach critique TEXT, -f FILE, or - for stdin")
        binary = getattr(stdin, "buffer", None)
        if binary is None:  # a text stream handed in by a caller: already decoded
            return stdin.read(MAX_DRAFT_BYTES)
        # The bytes themselves: under some locales Python would let bytes that are not
        # UTF-8 through as lone surrogates, under others stop with a traceback.
        return _read_bounded(binary, "standard input")
    return str(args.text)


@asynccontextmanager
async def open_pipeline(
    settings: Settings, coach: Coach, offline: bool = False
) -> AsyncIterator[Pipeline]:
    """The pipeline with its one model client, closed again when done."""
    llm = None
    if settings.llm.enabled and not offline:
        from bot.llm import build_llm_rewriter

        llm = build_llm_rewriter(settings, coach)
    try:
        yield Pipeline(coach, llm)
    finally:
        if llm is not None:
            await llm.aclose()


class _BatchLine(NamedTuple):
    number: int
    #: The line's "id" as given: a string, a number, true/false or null.
    id: Any
    text: str = ""
    platform: str | None = None
    #: Why the line cannot be critiqued, or None.
    error: str | None = None


# The "id" at the start of a line that is not JSON, so its error can still name it.
_LEADING_ID = re.compile(r'\s*\{\s*"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,40})')


#: White space as JSON has it: a line of nothing else is skipped.
_JSON_SPACE = b" \t\r\n"
_LONG_NUMBER = f"a number has more than {sys.get_int_max_str_digits()} digits"


def _is_plain_id(value: object) -> bool:
    """Whether ``value`` can name a line in the output: no NaN, no lone surrogate."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return lone_surrogate(value) is None
    return value is None or isinstance(value, bool | int)


def _leading_id(line: str) -> Any:
    found = _LEADING_ID.match(line)
    if found is None:
        return None
    try:
        value = json.loads(found.group(1))
    except ValueError:
        return None
    return value if _is_plain_id(value) else None


def _parse_batch_line(number: int, line: str) -> _BatchLine:
    try:
        item = json.loads(line)
    except RecursionError:
        return _BatchLine(number, _leading_id(line), error="not JSON (nested too deeply)")
    except json.JSONDecodeError as exc:
        return _BatchLine(number, _leading_id(line), error=f"not JSON ({exc.msg})")
    except ValueError:  # json reads all else; Python refuses to read an int this long
        return _BatchLine(number, _leading_id(line), error=f"not JSON ({_LONG_NUMBER})")
    if not isinstance(item, dict):
        return _BatchLine(number, None, error='needs a JSON object with a "text" string')
    line_id = item.get("id")
    if not _is_plain_id(line_id):
        return _BatchLine(number, None, error='"id" must be a string, a number or null')
    text, platform = item.get("text"), item.get("platform")
    if not isinstance(text, str):
        return _BatchLine(number, line_id, error='needs a "text" string')
    if platform is not None and not isinstance(platform, str):
        return _BatchLine(number, line_id, error='"platform" must be a string')
    return _BatchLine(number, line_id, text, platform or None)


def _batch_lines(path: Path) -> Iterator[_BatchLine]:
    """Each line of a batch file on its own: a line that cannot be read is an error for
    that line, and the lines before and after it are read as usual."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        number = 0
        while raw := handle.readline(MAX_DRAFT_BYTES + 1):
            number += 1
            if len(raw) > MAX_DRAFT_BYTES and not raw.endswith(b"\n"):
                while (rest := handle.readline(MAX_DRAFT_BYTES)) and not rest.endswith(b"\n"):
                    pass  # skip the rest of the line
                yield _BatchLine(number, _leading_id(raw[:1000].decode("utf-8", "replace")),
                                 error=f"longer than {MAX_DRAFT_BYTES // 1024} KiB")
                continue
            if raw.strip(_JSON_SPACE):
                # Bytes that are not UTF-8 become lone surrogates: the line's id can still
                # be read, and the draft is refused by the check every draft passes.
                yield _parse_batch_line(number, raw.decode("utf-8", "surrogateescape"))


def _json_line(record: dict[str, Any]) -> str:
    """One line of strict JSON: ASCII only, no NaN, whatever the draft holds."""
    return json.dumps(record, ensure_ascii=True, allow_nan=False) + "\n"


async def critique_batch(args: argparse.Namespace, settings: Settings, coach: Coach,
                          out: TextIO) -> int:
    worst = EXIT_READY
    async with open_pipeline(settings, coach, args.offline) as pipeline:
        for line in _batch_lines(args.batch):
            record = await _critique_line(line, args, settings, pipeline)
            out.write(_json_line(record))
            out.flush()  # a line answered is a line kept, even if the run is cut short
            if record.get("verdict") != "ready":
                worst = EXIT_NOT_READY
    return worst


async def _critique_line(line: _BatchLine, args: argparse.Namespace, settings: Settings,
                         pipeline: Pipeline) -> dict[str, Any]:
    if line.error is not None:
        return {"id": line.id, "line": line.number, "error": line.error}
    platform = line.platform or args.platform or settings.default_platform
    try:
        critique = await pipeline.critique(line.text, platform, tone=settings.tone,
                                           offline=args.offline)
    except DraftcoachError as exc:
        return {"id": line.id, "line": line.number, "error": str(exc)}
    except Exception as exc:
        # One draft's bug must not cost the drafts after it their answers.
        log.debug("critique of line %d failed", line.number, exc_info=True)
        return {"id": line.id, "line": line.number,
                "error": f"could not critique this draft ({_describe(exc)})"}
    return {"id": line.id, **critique.to_dict()}


async def _critique_one(text: str, platform: str, args: argparse.Namespace,
                        settings: Settings, coach: Coach) -> Critique:
    async with open_pipeline(settings, coach, args.offline) as pipeline:
        return await pipeline.critique(text, platform, tone=settings.tone, offline=args.offline)


def _use_color(choice: str, out: TextIO) -> bool:
    if choice == "auto":
        return out.isatty()
    return choice == "always"


def cmd_critique(args: argparse.Namespace, settings: Settings, out: TextIO,
                 stdin: TextIO) -> int:
    coach = build_coach(settings)
    platform = args.platform or settings.default_platform
    coach.platform(platform)  # an unknown platform is a usage error before any work
    if args.batch is not None:
        return asyncio.run(critique_batch(args, settings, coach, out))
    text = check_draft(_read_draft(args, stdin))
    critique = asyncio.run(_critique_one(text, platform, args, settings, coach))
    if args.format == "json":
        out.write(json.dumps(critique.to_dict(), indent=2, allow_nan=False) + "\n")
    else:
        out.write(render_critique(critique, coach, color=_use_color(args.color, out)) + "\n")
    return EXIT_READY if critique.verdict == "ready" else EXIT_NOT_READY


def cmd_rules(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    coach = build_coach(settings)
    if args.format == "json":
        rules = [{"id": r.meta.id, "principle": r.meta.principle, "kind": r.meta.kind,
                  "severity": r.meta.severity, "message": r.meta.message, "why": r.meta.why,
                  "fix": r.meta.fix, "file": r.meta.file} for r in coach.rules]
        out.write(json.dumps(rules, indent=2, allow_nan=False) + "\n")
    else:
        out.write(render_rules(coach) + "\n")
    return EXIT_READY


def cmd_eval(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from bot.evaluation import (
        default_eval_dir,
        evaluate,
        find_sets,
        format_report,
        load_cases,
        split_of,
    )

    paths = args.files
    if not paths:
        found = default_eval_dir()
        if found is None:
            raise UsageError("no sets named and no shared/eval found here or above: "
                             "draftcoach eval SET_OR_FOLDER …")
        paths = [found]
    sets = find_sets(paths)
    if not sets:
        raise UsageError(f"no .yaml, .json, .jsonl or .csv sets in {', '.join(map(str, paths))}")
    coach = build_coach(settings)
    reports = []
    for path in sets:
        cases = load_cases(path)
        if args.confidence == "high":
            cases = [c for c in cases if c.confidence == "high"]
        if args.split != "all":
            cases = [c for c in cases if split_of(c.id) == args.split]
        reports.append(evaluate(coach, cases, path.name))
    if args.format == "json":
        out.write(json.dumps([r.to_dict() for r in reports], indent=2, allow_nan=False) + "\n")
        return EXIT_READY
    for report in reports:
        out.write(format_report(report) + "\n")
        if args.misses:
            out.writelines(f"    {miss}\n" for miss in report.misses)
    return EXIT_READY


def cmd_run(settings: Settings) -> int:
    from bot.discord.app import run

    asyncio.run(run(settings))
    return EXIT_READY


def _describe(exc: BaseException) -> str:
    """An exception in one short line: its type and the first line of its message."""
    lines = str(exc).strip().splitlines()
    message = lines[0] if lines else ""
    if len(message) > 200:
        message = message[:197] + "..."
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _stop_writing(out: TextIO) -> None:
    """Point standard output at the null device: Python flushes it on the way out, and
    that flush would find the pipe closed again."""
    if out is sys.stdout:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def main(argv: list[str] | None = None, out: TextIO | None = None,
         stdin: TextIO | None = None) -> int:
    out = out or sys.stdout
    stdin = stdin or sys.stdin
    debug = False
    secrets: list[str] = []
    try:
        args = build_parser().parse_args(argv)
        debug = args.debug
        level = logging.INFO if args.verbose or args.command == "run" else logging.WARNING
        logging.basicConfig(
            level=logging.DEBUG if debug else level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        settings = load_settings(args.config_dir)
        secrets = settings_secrets(settings)
        guard_logs(settings)
        if args.command == "critique":
            return cmd_critique(args, settings, out, stdin)
        if args.command == "rules":
            return cmd_rules(args, settings, out)
        if args.command == "eval":
            return cmd_eval(args, settings, out)
        return cmd_run(settings)
    except DraftcoachError as exc:
        print(f"draftcoach: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader stopped reading (`draftcoach critique --batch … | head`): nothing
        # went wrong here, so nothing is said.
        _stop_writing(out)
        return EXIT_READER_GONE
    except Exception as exc:
        # Whatever went wrong, the user gets one line; --debug shows where.
        if debug:
            print(redact(traceback.format_exc(), secrets), file=sys.stderr, end="")
        else:
            print(f"draftcoach: unexpected error ({redact(_describe(exc), secrets)}); "
                  "run again with --debug to see where", file=sys.stderr)
        return EXIT_USAGE
