"""``draftcoach``: critique drafts, list rules, run evaluations, run the Discord bot.

Exit codes: 0 ready, 1 almost, needs-work or nothing-to-coach, 2 usage or config error (one line on
stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TextIO

from bot import __version__
from bot.coach import Coach, build_coach
from bot.errors import DraftcoachError
from bot.models import Critique
from bot.pipeline import Pipeline
from bot.render_text import render_critique, render_rules
from bot.settings import Settings, load_settings

log = logging.getLogger(__name__)

EXIT_READY, EXIT_NOT_READY, EXIT_USAGE = 0, 1, 2

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

    evaluate = commands.add_parser("eval", help="measure the rules on a labelled set")
    evaluate.add_argument("files", nargs="+", type=Path, help="YAML, JSON or CSV sets")
    evaluate.add_argument("--confidence", choices=("high", "all"), default="all",
                          help="only cases an editor labelled with high confidence")
    evaluate.add_argument("--format", choices=("text", "json"), default="text")
    evaluate.add_argument("--misses", action="store_true", help="list every miss")

    commands.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    return parser


def _read_draft(args: argparse.Namespace, stdin: TextIO) -> str:
    if args.file is not None:
        try:
            return args.file.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"{args.file} is not UTF-8 text") from None
    if args.text is None or args.text == "-":
        if args.text is None and stdin.isatty():
            raise UsageError("give a draft: draftcoach critique TEXT, -f FILE, or - for stdin")
        return stdin.read()
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


def _batch_lines(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"line {number}: not JSON ({exc.msg})"
                continue
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                yield number, f"line {number}: needs a \"text\" string"
                continue
            yield number, item


async def _critique_batch(args: argparse.Namespace, settings: Settings, coach: Coach,
                          out: TextIO) -> int:
    worst = EXIT_READY
    async with open_pipeline(settings, coach, args.offline) as pipeline:
        for number, item in _batch_lines(args.batch):
            if isinstance(item, str):
                out.write(json.dumps({"id": None, "line": number, "error": item}) + "\n")
                worst = EXIT_NOT_READY
                continue
            platform = str(item.get("platform") or args.platform or settings.default_platform)
            try:
                critique = await pipeline.critique(item["text"], platform, tone=settings.tone,
                                                   offline=args.offline)
            except DraftcoachError as exc:
                out.write(json.dumps({"id": item.get("id"), "line": number,
                                      "error": str(exc)}) + "\n")
                worst = EXIT_NOT_READY
                continue
            out.write(json.dumps({"id": item.get("id"), **critique.to_dict()},
                                 ensure_ascii=False) + "\n")
            if critique.verdict != "ready":
                worst = EXIT_NOT_READY
    return worst


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
        return asyncio.run(_critique_batch(args, settings, coach, out))
    text = _read_draft(args, stdin)
    if not text.strip():
        raise UsageError("the draft is empty")
    critique = asyncio.run(_critique_one(text, platform, args, settings, coach))
    if args.format == "json":
        out.write(json.dumps(critique.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(render_critique(critique, coach, color=_use_color(args.color, out)) + "\n")
    return EXIT_READY if critique.verdict == "ready" else EXIT_NOT_READY


def cmd_rules(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    coach = build_coach(settings)
    if args.format == "json":
        rules = [{"id": r.meta.id, "principle": r.meta.principle, "kind": r.meta.kind,
                  "severity": r.meta.severity, "message": r.meta.message, "why": r.meta.why,
                  "fix": r.meta.fix, "file": r.meta.file} for r in coach.rules]
        out.write(json.dumps(rules, ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(render_rules(coach) + "\n")
    return EXIT_READY


def cmd_eval(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from bot.evaluation import evaluate, format_report, load_cases

    coach = build_coach(settings)
    reports = []
    for path in args.files:
        cases = load_cases(path)
        if args.confidence == "high":
            cases = [c for c in cases if c.confidence == "high"]
        reports.append(evaluate(coach, cases, path.name))
    if args.format == "json":
        out.write(json.dumps([r.to_dict() for r in reports], indent=2) + "\n")
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


def main(argv: list[str] | None = None, out: TextIO | None = None,
         stdin: TextIO | None = None) -> int:
    out = out or sys.stdout
    stdin = stdin or sys.stdin
    try:
        args = build_parser().parse_args(argv)
        logging.basicConfig(
            level=logging.INFO if args.verbose or args.command == "run" else logging.WARNING,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        settings = load_settings(args.config_dir)
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
