"""How much the LLM step adds on top of the model, and how it behaves under a burst.

Runs an OpenAI-compatible server on 127.0.0.1 that answers after a fixed latency and
measures, against it:

1. the step's own overhead per draft (prompting, the SDK's request and retries, reading
   the stream, parsing, the checks of the rewrite), beyond the model's time and a bare
   streamed HTTP request with the same body; target: under 5 ms per draft;
2. a cache hit;
3. streaming, against the same answers;
4. 100 drafts at once with a concurrency limit: the total should be close to the
   model latency times the number of batches;
5. the same burst when the first requests are told to come back later (429 with
   Retry-After): every draft is still answered by the model.

The server runs in its own process, as a real model server would, so its work is not
counted as the step's.

    python bench/bench_llm.py [--drafts 200] [--latency 0.02] [--burst 100]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2

from bot.coach import Coach, build_coach
from bot.llm import LLMRewriter, create_llm_client, load_checks, load_prompts
from bot.llm.rewriter import CHECKS_FILE
from bot.models import Rewrite
from bot.settings import LLMSettings, Settings, load_settings
from tests.llm.server import Answer, Fail, ModelServer, answer_json

DRAFT_TAGS = re.compile(r"<draft>\n(.*)\n</draft>", re.DOTALL)
WORDS = ("planner", "calendar", "notebook", "app", "journal", "board", "timer", "list")
TARGET_OVERHEAD_MS = 5.0


def drafts(count: int, salt: str = "") -> list[str]:
    """Distinct drafts without links or numbers, so one fixed answer fits them all."""
    out = []
    for n in range(count):
        a, b, c = WORDS[n % 8], WORDS[(n // 8) % 8], WORDS[(n // 64) % 8]
        out.append(f"Buy now!!! Our {a} and {b} {c} is the one your week needs {salt}")
    return out


def rewrite_of(body: dict[str, Any]) -> str:
    """What the bench's model answers: the draft without its hard sell, and a question, so
    that every answer passes the checks the way a good model's would."""
    match = DRAFT_TAGS.search(body["messages"][1]["content"])
    draft = match.group(1) if match else ""
    return answer_json(draft.replace("Buy now!!! ", "").strip() + ". What slows your week down?")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Bench:
    def __init__(self, settings: Settings, coach: Coach, url: str) -> None:
        self.settings = settings
        self.coach = coach
        self.url = url
        self.prompts = load_prompts(settings.prompts_dir, settings.llm.prompt_version)
        self.checks = load_checks(settings.config.find(CHECKS_FILE), self.prompts)

    def rewriter(self, **changes: object) -> LLMRewriter:
        llm = replace(
            LLMSettings(), base_url=self.url, model="bench-model", first_byte_timeout=10,
            deadline=30, breaker_threshold=1000,
        )
        llm = replace(llm, **changes)
        client = create_llm_client(llm)
        assert client is not None
        return LLMRewriter(client, self.coach, llm, self.prompts, self.checks)

    async def sequential(self, texts: list[str], stream: bool = False) -> list[float]:
        rewriter = self.rewriter()
        times = []

        async def ignore(_: str) -> None:
            return None

        try:
            for text in texts:
                assessment = self.coach.assess(text, "x")
                started = time.perf_counter()
                result = await rewriter.rewrite(assessment, on_partial=ignore if stream else None)
                times.append(time.perf_counter() - started)
                assert result.source == "llm", result.note
        finally:
            await rewriter.aclose()
        return times

    async def compare(self, texts: list[str]) -> dict[str, list[float]]:
        """Per draft, in turn: plain HTTP, the bare SDK call, and the whole step.

        Interleaved, so a busy machine slows all three alike. The first two send the
        step's own request (prompt and schema, streamed) and read the whole answer, and
        skip everything else it does.
        """
        rewriter = self.rewriter()
        client = create_llm_client(replace(LLMSettings(), base_url=self.url))
        assert client is not None
        times: dict[str, list[float]] = {"http": [], "sdk": [], "step": []}
        try:
            async with httpx2.AsyncClient() as http:
                for text in texts:
                    assessment = self.coach.assess(text, "x")
                    body = {
                        "model": "bench-model", "temperature": 0.4, "max_tokens": 1024,
                        "messages": rewriter.prompt_for(assessment),
                        "response_format": rewriter.response_format, "stream": True,
                        "stream_options": {"include_usage": True},
                    }
                    started = time.perf_counter()
                    async with http.stream("POST", f"{self.url}/chat/completions",
                                           json=body) as response:
                        async for _ in response.aiter_lines():
                            pass
                    times["http"].append(time.perf_counter() - started)

                    started = time.perf_counter()
                    async for _ in await client.chat.completions.create(**body):
                        pass
                    times["sdk"].append(time.perf_counter() - started)

                    started = time.perf_counter()
                    result = await rewriter.rewrite(assessment)
                    times["step"].append(time.perf_counter() - started)
                    assert result.source == "llm", result.note
        finally:
            await client.close()
            await rewriter.aclose()
        return times

    async def cache_hits(self, count: int) -> list[float]:
        rewriter = self.rewriter()
        assessment = self.coach.assess(drafts(1, "cached")[0], "x")
        try:
            await rewriter.rewrite(assessment)
            times = []
            for _ in range(count):
                started = time.perf_counter()
                await rewriter.rewrite(assessment)
                times.append(time.perf_counter() - started)
        finally:
            await rewriter.aclose()
        return times

    async def burst(self, texts: list[str], concurrency: int) -> tuple[float, list[Rewrite]]:
        rewriter = self.rewriter(max_concurrency=concurrency)
        assessments = [self.coach.assess(text, "x") for text in texts]
        try:
            started = time.perf_counter()
            results = await asyncio.gather(*(rewriter.rewrite(a) for a in assessments))
            return time.perf_counter() - started, list(results)
        finally:
            await rewriter.aclose()


async def serve(args: argparse.Namespace) -> None:
    """Child process: the model server, so its work does not share the step's CPU."""
    server = ModelServer()
    await server.start()
    server.then(*(Fail(429, "slow down", {"Retry-After": f"{args.retry_after}"})
                  for _ in range(args.rate_limit_first)))
    server.always(Answer(rewrite_of, delay=args.latency))
    print(server.url, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await server.stop()


class ServerProcess:
    def __init__(self, latency: float, rate_limit_first: int = 0, retry_after: float = 1.0):
        self.argv = [sys.executable, __file__, "--serve", "--latency", str(latency),
                     "--rate-limit-first", str(rate_limit_first),
                     "--retry-after", str(retry_after)]
        self.url = ""

    def __enter__(self) -> ServerProcess:
        self.process = subprocess.Popen(
            self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        return self

    def __exit__(self, *_: object) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


async def run(args: argparse.Namespace) -> None:
    settings = load_settings(env={})
    coach = build_coach(settings)
    latency = args.latency
    print(f"model latency (fixed by a server in its own process): {ms(latency)}")
    with ServerProcess(latency) as server:
        bench = Bench(settings, coach, server.url)
        await bench.sequential(drafts(20, "warm-up"))
        compared = await bench.compare(drafts(args.drafts))
        step, sdk, raw = compared["step"], compared["sdk"], compared["http"]
        hits = await bench.cache_hits(args.drafts)
        streamed = await bench.sequential(drafts(args.drafts, "streamed"), stream=True)
    step_med, sdk_med, raw_med = (statistics.median(t) for t in (step, sdk, raw))
    overhead = step_med - raw_med
    print(f"1. one draft at a time, {args.drafts} distinct drafts (medians)")
    print(f"   LLM step            {ms(step_med)}  p95 {ms(percentile(step, 0.95))}")
    print(f"   a bare streamed HTTP request of the same body  {ms(raw_med)} "
          f"(model {ms(latency)} + loopback HTTP {ms(raw_med - latency)})")
    met = "met" if overhead * 1000 < TARGET_OVERHEAD_MS else "NOT met"
    print(f"   the step beyond model and HTTP time {ms(overhead)}: target < "
          f"{TARGET_OVERHEAD_MS:.0f} ms {met} "
          f"(ratio {overhead * 1000 / TARGET_OVERHEAD_MS:.2f} of the target)")
    print(f"   for comparison, the openai SDK reading the same stream chunk by chunk: "
          f"{ms(sdk_med - raw_med)} beyond HTTP")
    print(f"2. cache hit           {ms(statistics.median(hits))}"
          f"  p95 {ms(percentile(hits, 0.95))}")
    stream_med = statistics.median(streamed)
    print(f"3. shown as it streams in, one at a time: {ms(stream_med)}; beyond model and "
          f"HTTP time {ms(stream_med - raw_med)}; {stream_med / step_med:.2f}x without the "
          "display")

    concurrency = args.concurrency
    batches = math.ceil(args.burst / concurrency)
    ideal = args.burst_latency * batches
    with ServerProcess(args.burst_latency) as server:
        total, results = await Bench(settings, coach, server.url).burst(
            drafts(args.burst, "burst"), concurrency
        )
    assert all(r.source == "llm" for r in results)
    print(f"4. {args.burst} drafts at once, max_concurrency {concurrency}, "
          f"model latency {ms(args.burst_latency)}")
    print(f"   total {ms(total)}; latency x batches = {ms(ideal)} ({batches} batches); "
          f"ratio {total / ideal:.2f}")

    retry_after = args.burst_latency * 4
    with ServerProcess(args.burst_latency, concurrency, retry_after) as server:
        total, results = await Bench(settings, coach, server.url).burst(
            drafts(args.burst, "rate-limited"), concurrency
        )
    assert all(r.source == "llm" for r in results)
    expected = retry_after + ideal
    print(f"5. the same burst, the first {concurrency} answered 429 Retry-After "
          f"{retry_after:.1f} s (the SDK waits it out, then asks again)")
    print(f"   total {ms(total)}; Retry-After + latency x batches = {ms(expected)} "
          f"(ratio {total / expected:.2f})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.02,
                        help="model latency for the one-at-a-time runs (seconds)")
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--burst-latency", type=float, default=0.25)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rate-limit-first", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--retry-after", type=float, default=1.0, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    asyncio.run(serve(arguments) if arguments.serve else run(arguments))
