"""The LLM step: a rewrite from any OpenAI-compatible model, verified before it is served.

One call per draft in the common case, none for a repeat, and never an exception for
model trouble: whatever goes wrong, the user gets the offline rewrite and a one-line
note saying why, naming the check a rejected rewrite failed.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import re
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import httpx2
import jiter
import openai
from openai import AsyncOpenAI, DefaultAsyncHttpxClient

from bot.llm.answer import InvalidAnswer, ModelAnswer, answer_schema, parse_answer, partial_rewrite
from bot.llm.cache import RewriteCache, normalise_draft
from bot.llm.prompts import PromptSet, load_prompts
from bot.llm.resilience import (
    BreakerOpen,
    CircuitBreaker,
    ModelBusy,
    ModelUnavailable,
    RateLimited,
    StreamBroken,
)
from bot.llm.verify import DraftFacts, Problem, RewriteChecks, neutralise_pings, verify
from bot.models import Assessment, Rewrite, Suggestion, Usage
from bot.pacing import Pacer
from bot.redact import redact

if TYPE_CHECKING:
    from pathlib import Path

    from bot.coach import Coach, RuleOverrides
    from bot.settings import LLMSettings, Settings

log = logging.getLogger(__name__)

PartialCallback = Callable[[str], Awaitable[None]]

#: Where the SDK would send requests with no base URL; given explicitly so the SDK
#: does not fall back to reading OPENAI_BASE_URL from the environment behind our back.
OPENAI_BASE_URL = "https://api.openai.com/v1"
#: Local servers (Ollama, llama.cpp, vLLM) accept any key, but the SDK insists on one.
PLACEHOLDER_API_KEY = "not-needed"
CHECKS_FILE = "rewrite_checks.yaml"

NOTE_UNAVAILABLE = "The model was unavailable; this is the offline rewrite."
NOTE_RESTING = "The model failed several times just now; this is the offline rewrite."
NOTE_RATE_LIMITED = (
    "The model's server asked us to wait longer than this draft can; this is the offline "
    "rewrite."
)
NOTE_REFUSED = "The model declined to rewrite this draft; this is the offline rewrite."
NOTE_BUSY = "The model is busy with other drafts; this is the offline rewrite."
NOTE_TOO_LONG = "The draft is too long to send to the model; this is the offline rewrite."
NOTE_REJECTED = (
    'The model\'s rewrite failed the "{check}" check ({detail}); this is the offline rewrite.'
)

#: Seconds past the deadline before the whole step is cut short.
DEADLINE_GRACE = 0.25
#: How often, at least, a request waiting for a slot looks again at whether its answer
#: could still come before the deadline.
QUEUE_RECHECK = 0.5
#: Words in an error that say the server does not take the requested output format.
_FORMAT_WORDS = ("response_format", "json_schema", "json_object", "schema")
_DRAFT_TAG = re.compile(r"<(/?)(draft)", re.IGNORECASE)


class OutputMode(StrEnum):
    """How the server is asked for JSON, best first; a server that rejects one (llama.cpp
    answers an unsupported schema with HTTP 500) is asked the next way from then on."""

    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"
    TEXT = "text"


_NEXT_MODE = {OutputMode.JSON_SCHEMA: OutputMode.JSON_OBJECT,
              OutputMode.JSON_OBJECT: OutputMode.TEXT}


class Refused(Exception):
    """The model declined (a refusal or a content filter)."""


class Rejected(Exception):
    """Every answer, the repair included, failed a check; the first problem names it."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.check}: {p.detail}" for p in problems))
        self.problem = problems[0]


def _names_output_format(response: httpx2.Response | openai.APIStatusError) -> bool:
    """Whether an error says the server does not take the output format it was asked for."""
    if response.status_code not in (400, 422, 500):
        return False
    if isinstance(response, openai.APIStatusError):
        body = f"{response.param or ''} {response.message}"
    else:
        body = response.text
    return any(word in body.lower() for word in _FORMAT_WORDS)


def create_llm_client(settings: LLMSettings, pacer: Pacer | None = None) -> AsyncOpenAI | None:
    """The one client for the process, or None when no model is configured (offline).

    The SDK retries (408, 409, 429, 5xx, lost connections) with back-off and honours
    ``Retry-After``; a response hook tells it not to when the wait would outlast the
    first-byte limit (which the retries share) or when the server only refused the
    output format. With a
    ``pacer``, each answer waits its turn before it is read and parsed.
    """
    if not settings.enabled:
        return None
    first_byte = settings.first_byte_limit

    async def on_response(response: httpx2.Response) -> None:
        if pacer is not None:
            await pacer.wait_turn()
        if response.status_code < 400:
            return
        asked = [(response.headers.get(name), scale)
                 for name, scale in (("retry-after-ms", 1000), ("retry-after", 1))]
        try:
            too_long = any(value is not None and float(value) / scale > first_byte
                           for value, scale in asked)
        except ValueError:
            too_long = False  # an HTTP date: the SDK reads it
        await response.aread()  # an error's body is short, and says what was wrong
        if too_long or _names_output_format(response):
            response.headers["x-should-retry"] = "false"

    return AsyncOpenAI(
        api_key=settings.api_key or PLACEHOLDER_API_KEY,
        base_url=settings.base_url or OPENAI_BASE_URL,
        timeout=openai.Timeout(settings.first_byte_limit),
        max_retries=max(0, settings.max_attempts - 1),
        http_client=DefaultAsyncHttpxClient(event_hooks={"response": [on_response]}),
    )


def build_llm_rewriter(settings: Settings, coach: Coach) -> LLMRewriter | None:
    """Client, prompts and rewriter from the settings; None when no model is configured."""
    pacer = Pacer()
    client = create_llm_client(settings.llm, pacer)
    if client is None:
        return None
    prompts = load_prompts(settings.prompts_dir, settings.llm.prompt_version)
    checks = load_checks(settings.config.find(CHECKS_FILE), prompts)
    return LLMRewriter(client, coach, settings.llm, prompts, checks, pacer=pacer)


def load_checks(path: Path, prompts: PromptSet) -> RewriteChecks:
    """The checks' lexicons, and the markup of the prompts the model is sent."""
    return RewriteChecks.load(path, (t.text for t in (prompts.system, prompts.user,
                                                      prompts.repair)))


@dataclass(slots=True)
class _Reply:
    content: str | None
    refusal: str | None
    finish_reason: str | None
    usage: Usage


@dataclass(slots=True)
class _Call:
    """What one rewrite has cost so far, and how it is still allowed to ask."""

    deadline_at: float
    on_partial: PartialCallback | None
    temperature: float
    usage: Usage = field(default_factory=Usage)
    shown: str = ""


class LLMRewriter:
    """Rewrites drafts with the model; never raises for model trouble.

    Keeps a running total of token usage in :attr:`usage` and the number of requests
    sent in :attr:`requests`, for per-team budgets.
    """

    def __init__(
        self,
        client: AsyncOpenAI,
        coach: Coach,
        settings: LLMSettings,
        prompts: PromptSet,
        checks: RewriteChecks,
        *,
        pacer: Pacer | None = None,
    ) -> None:
        self._client = client
        self._coach = coach
        #: Turns of the event loop for CPU-bound work, shared with the pipeline.
        self.pacer = pacer or Pacer()
        self._settings = settings
        self._deadline = settings.answer_limit
        self._first_byte = settings.first_byte_limit
        self._prompts = prompts
        self._checks = checks
        self._cache: RewriteCache[Rewrite] = RewriteCache(settings.cache_size)
        self._breaker = CircuitBreaker(settings.breaker_threshold, settings.breaker_cooldown)
        self._slots = asyncio.Semaphore(max(1, settings.max_concurrency))
        #: Tickets of the requests waiting for a slot, in the order they came, and how
        #: long the model has been taking to answer (a moving average): together they
        #: say how long each would wait.
        self._waiting: dict[int, None] = {}
        self._tickets = itertools.count()
        self._latency: float | None = None
        self._principle_ids = tuple(coach.principles)
        self._schema = answer_schema(self._principle_ids)
        self._system = prompts.system.render({
            "principles": _describe_principles(coach),
            "principle_ids": ", ".join(self._principle_ids),
        })
        self.output_mode = OutputMode.JSON_SCHEMA
        self.usage = Usage()
        self.requests = 0

    @property
    def model(self) -> str:
        return self._settings.model

    @property
    def breaker_open(self) -> bool:
        return self._breaker.is_open

    async def aclose(self) -> None:
        await self._client.close()

    # -- the public step ----------------------------------------------------------

    async def rewrite(
        self,
        assessment: Assessment,
        *,
        overrides: RuleOverrides | None = None,
        fresh: bool = False,
        tone: str = "",
        on_partial: PartialCallback | None = None,
    ) -> Rewrite:
        """A verified rewrite of ``assessment.text``, from the model or, failing that, offline.

        ``fresh`` skips the cache (and replaces its entry) for another version.
        ``on_partial`` is awaited with the rewrite text so far while it streams; it is
        unchecked until the returned rewrite replaces it.
        """
        if not assessment.text.strip():
            return self._coach.offline_rewrite(assessment, overrides)  # nothing to ask about
        if len(assessment.text) > self._coach.max_draft_chars:
            offline = self._coach.offline_rewrite(assessment, overrides)
            return replace(offline, note=NOTE_TOO_LONG)
        key = self._cache_key(assessment, overrides, tone)

        async def compute() -> Rewrite:
            return await self._compute(key, assessment, overrides, tone, on_partial, fresh)

        if fresh:
            return await compute()
        cached = self._cache.get(key)
        if cached is not None:
            return replace(cached, usage=Usage())  # a repeat costs nothing
        result, started = await self._cache.shared(key, compute)
        return result if started else replace(result, usage=Usage())

    # -- one rewrite, start to finish ---------------------------------------------

    async def _compute(
        self,
        key: Hashable,
        assessment: Assessment,
        overrides: RuleOverrides | None,
        tone: str,
        on_partial: PartialCallback | None,
        fresh: bool,
    ) -> Rewrite:
        temperature = self._settings.temperature
        if fresh:
            # "Another version" should read differently from the one already shown.
            temperature = min(1.0, temperature + 0.3)
        loop = asyncio.get_running_loop()
        call = _Call(loop.time() + self._deadline, on_partial, temperature)
        note, rejected_by = NOTE_UNAVAILABLE, ""
        try:
            # A safety net: the requests' own limits end at the deadline, which leaves
            # the step a moment to serve what it has.
            async with asyncio.timeout(self._deadline + DEADLINE_GRACE):
                result = await self._model_rewrite(assessment, overrides, tone, call)
        except BreakerOpen:
            note = NOTE_RESTING
        except ModelBusy:
            note = NOTE_BUSY
        except RateLimited as exc:
            log.info("model rate-limited: %s", exc)
            note = NOTE_RATE_LIMITED
        except (ModelUnavailable, openai.OpenAIError, httpx2.TransportError, TimeoutError) as exc:
            log.warning("model unavailable, serving the offline rewrite: %s", _describe(exc))
        except Refused as exc:
            log.info("model declined the draft: %s", exc)
            note = NOTE_REFUSED
        except Rejected as exc:
            log.info("model rewrite rejected after a repair request: %s", exc)
            detail = exc.problem.detail.split(";")[0]
            note = NOTE_REJECTED.format(check=exc.problem.check, detail=_short(detail))
            rejected_by = exc.problem.check
        except Exception:
            # Never leave a user without an answer because of a bug in this step.
            log.exception("unexpected error in the LLM step")
        else:
            self._cache.put(key, result)
            return result
        # Drafts that hit the deadline together fall back together: take turns.
        async with self.pacer.turn():
            offline = self._coach.offline_rewrite(assessment, overrides)
        return replace(offline, note=note, rejected_by=rejected_by, usage=call.usage)

    async def _model_rewrite(
        self,
        assessment: Assessment,
        overrides: RuleOverrides | None,
        tone: str,
        call: _Call,
    ) -> Rewrite:
        """Ask, verify, and ask once more naming what was wrong; serve only what passes."""
        draft = DraftFacts.of(assessment, self._checks)
        messages = self._messages(assessment, tone, draft)
        problems: list[Problem] = []
        for repair in (False, True):
            if repair:
                log.info("asking for a repair: %s", "; ".join(p.detail for p in problems))
                try:
                    reply = await self._ask(messages, call)
                except (ModelUnavailable, openai.OpenAIError, httpx2.TransportError,
                        TimeoutError) as exc:
                    log.info("the repair request got no answer: %s", _describe(exc))
                    break
            else:
                reply = await self._ask(messages, call)
            if reply.refusal or reply.finish_reason == "content_filter":
                raise Refused(reply.refusal or "content filter")
            try:
                answer = self._parse(reply)
            except InvalidAnswer as exc:
                problems = [Problem("answer format", str(exc))]
            else:
                # Answers from one batch of requests land together; check them in turns.
                async with self.pacer.turn():
                    checked = self._coach.assess(answer.rewrite, assessment.platform, overrides,
                                                rewrite_of=assessment)
                    problems = verify(checked, draft, self._checks)
                if not problems:
                    return self._served(answer, checked, call)
            messages = [*messages, {"role": "assistant", "content": reply.content or ""},
                        {"role": "user", "content": self._repair_prompt(problems, assessment)}]
        raise Rejected(problems)

    def _served(self, answer: ModelAnswer, checked: Assessment, call: _Call) -> Rewrite:
        return Rewrite(
            text=checked.text,
            source="llm",
            assessment=checked,
            suggestions=tuple(Suggestion(s.principle, neutralise_pings(s.text))
                              for s in answer.suggestions),
            summary=neutralise_pings(answer.summary),
            usage=call.usage,
        )

    def _repair_prompt(self, problems: list[Problem], assessment: Assessment) -> str:
        return self._prompts.repair.render({
            "problems": "\n".join(f"- {p.check}: {p.detail}" for p in problems),
            "limit": _describe_limit(assessment),
        })

    def _parse(self, reply: _Reply) -> ModelAnswer:
        if reply.finish_reason == "length":
            raise InvalidAnswer("the answer was cut off at the token limit; answer shorter")
        return parse_answer(reply.content, self._principle_ids)

    # -- talking to the server ----------------------------------------------------

    def _time_left_to_wait(self, call: _Call, ahead: int) -> float:
        """How much longer a request with ``ahead`` requests queued before it can wait
        for a slot and still have its answer before the deadline, at the model's pace so
        far (``math.inf`` while that is unknown).

        Better to serve the offline rewrite now than after the member waited the whole
        deadline for nothing (and than every such draft falling back at the same time).
        """
        if self._latency is None:
            return math.inf
        # Those asking now answer first, then those ahead, a slot-full at a time; then
        # this request's own answer.
        rounds = ahead // max(1, self._settings.max_concurrency) + 2
        return call.deadline_at - rounds * self._latency - asyncio.get_running_loop().time()

    async def _take_slot(self, call: _Call) -> None:
        """Wait for a slot to ask the model in; raises :class:`ModelBusy` once the
        requests ahead mean the answer could not come before the deadline."""
        if not self._slots.locked():
            await self._slots.acquire()  # free: taken at once
            return
        ticket = next(self._tickets)
        self._waiting[ticket] = None
        # One wait for the slot, kept while the request looks up now and then: waiting
        # anew would put it behind those that came after it.
        slot = asyncio.ensure_future(self._slots.acquire())
        try:
            while True:
                ahead = sum(1 for other in self._waiting if other < ticket)
                left = self._time_left_to_wait(call, ahead)
                if left <= 0:
                    raise ModelBusy(f"{ahead} requests are queued ahead")
                await asyncio.wait([slot], timeout=min(left, QUEUE_RECHECK))
                if slot.done():
                    slot.result()
                    return
        except BaseException:
            if slot.done() and not slot.cancelled() and slot.exception() is None:
                self._slots.release()  # got it just as the request gave up
            else:
                slot.cancel()
            raise
        finally:
            del self._waiting[ticket]

    async def _ask(self, messages: list[dict[str, str]], call: _Call) -> _Reply:
        """One answer from the model, counted for or against its health."""
        self._breaker.before_call()
        loop = asyncio.get_running_loop()
        asked = False
        try:
            await self._take_slot(call)
            try:
                await self.pacer.wait_turn()
                asked, started = True, loop.time()
                reply = await self._request_stepping_down(messages, call)
            finally:
                self._slots.release()
        except openai.RateLimitError as exc:
            self._breaker.release_trial()  # the server is busy, not broken
            raise RateLimited(_describe(exc)) from exc
        except BaseException as exc:
            # Only the model's own trouble counts against it; time spent queueing for a
            # slot (our overload, not the model's) or a 400 says nothing about its health.
            if asked and _model_failed(exc):
                self._breaker.record_failure()
            else:
                self._breaker.release_trial()
            raise
        self._breaker.record_success()
        took = loop.time() - started
        self._latency = took if self._latency is None else 0.8 * self._latency + 0.2 * took
        log.debug("model answered in %.0f ms (%s)", took * 1000, reply.finish_reason)
        call.usage = call.usage + reply.usage
        self.usage = self.usage + reply.usage
        return reply

    async def _request_stepping_down(
        self, messages: list[dict[str, str]], call: _Call
    ) -> _Reply:
        while True:
            sent_as = self.output_mode
            try:
                return await self._stream(messages, call)
            except openai.APIStatusError as exc:
                if not _names_output_format(exc) or sent_as is OutputMode.TEXT:
                    raise
                if self.output_mode is sent_as:  # not already stepped down by another
                    self.output_mode = _NEXT_MODE[sent_as]
                    log.info("server rejected %s output (%s); asking for %s from now on",
                             sent_as.value, _describe(exc), self.output_mode.value)

    def _request_args(self, messages: list[dict[str, str]], call: _Call) -> dict[str, Any]:
        args: dict[str, Any] = {
            "model": self._settings.model,
            "messages": messages,
            "temperature": call.temperature,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if self._settings.max_tokens:
            args["max_tokens"] = self._settings.max_tokens
        if self.output_mode is OutputMode.JSON_SCHEMA:
            args["response_format"] = self.response_format
        elif self.output_mode is OutputMode.JSON_OBJECT:
            args["response_format"] = {"type": "json_object"}
        return args

    async def _stream(self, messages: list[dict[str, str]], call: _Call) -> _Reply:
        """The answer, streamed: its first piece must come within the first-byte limit
        (the SDK's retries included), the whole of it before the deadline.

        The SDK sends, retries and raises; its server-sent-event lines are read with
        jiter, many times cheaper than building a pydantic chunk object per piece.
        """
        self.requests += 1
        loop = asyncio.get_running_loop()
        content = bytearray()
        refusal: list[str] = []
        finish_reason: str | None = None
        usage = Usage()
        async with asyncio.timeout_at(min(loop.time() + self._first_byte, call.deadline_at)) \
                as limit:
            request = self._client.chat.completions.with_streaming_response.create(
                **self._request_args(messages, call))
            try:
                async with request as response:
                    async for line in response.iter_lines():
                        if limit.when() != call.deadline_at:
                            limit.reschedule(call.deadline_at)  # the answer has started
                        if not line.startswith("data:") or line.endswith("[DONE]"):
                            continue
                        chunk = jiter.from_json(line[5:].strip().encode())
                        if chunk.get("error"):
                            raise StreamBroken(f"the server said: {chunk['error']}")
                        if chunk.get("usage"):
                            usage = Usage(chunk["usage"].get("prompt_tokens") or 0,
                                          chunk["usage"].get("completion_tokens") or 0)
                        for choice in (chunk.get("choices") or [])[:1]:
                            delta = choice.get("delta") or {}
                            if delta.get("content"):
                                content += delta["content"].encode()
                                if call.on_partial is not None:
                                    await self._show_partial(partial_rewrite(bytes(content)),
                                                             call)
                            if delta.get("refusal"):
                                refusal.append(delta["refusal"])
                            finish_reason = choice.get("finish_reason") or finish_reason
            except (httpx2.TransportError, ValueError) as exc:
                raise StreamBroken(f"the stream broke: {_describe(exc)}") from exc
        if finish_reason is None:
            raise StreamBroken("the stream ended before the model finished")
        return _Reply(content.decode(errors="replace"), "".join(refusal) or None,
                      finish_reason, usage)

    async def _show_partial(self, text: str | None, call: _Call) -> None:
        if call.on_partial is None or text is None:
            return
        text = neutralise_pings(text, partial=True).strip()
        if not text or text == call.shown:
            return
        call.shown = text
        try:
            await call.on_partial(text)
        except Exception:
            # A failed progress update (a Discord edit, say) must not cost the rewrite.
            log.warning("showing a partial rewrite failed; not showing more", exc_info=True)
            call.on_partial = None

    # -- prompts and keys ---------------------------------------------------------

    def prompt_for(self, assessment: Assessment, tone: str = "") -> list[dict[str, str]]:
        """The messages the model is sent first for this draft (for inspection and tests)."""
        draft = DraftFacts.of(assessment, self._checks)
        return self._messages(assessment, tone, draft)

    @property
    def response_format(self) -> dict[str, Any]:
        """What the server is asked for in the best output mode (the JSON schema)."""
        return {
            "type": "json_schema",
            "json_schema": {"name": "draft_rewrite", "strict": True, "schema": self._schema},
        }

    def _messages(
        self, assessment: Assessment, tone: str, draft: DraftFacts
    ) -> list[dict[str, str]]:
        platform = self._coach.platforms.get(assessment.platform)
        user = self._prompts.user.render({
            "platform": assessment.platform,
            "platform_name": getattr(platform, "name", assessment.platform),
            "limit": _describe_limit(assessment),
            "length": str(assessment.length),
            "findings": _describe_findings(assessment),
            "keep": ", ".join(sorted(draft.kept)) or "nothing in particular",
            "tone": tone.strip() or "not set; keep the writer's own voice",
            # The draft cannot close its own delimiter and slip out of the data part.
            "draft": _DRAFT_TAG.sub(r"<\1 \2", assessment.text.strip()),
        })
        return [{"role": "system", "content": self._system}, {"role": "user", "content": user}]

    def _cache_key(
        self, assessment: Assessment, overrides: RuleOverrides | None, tone: str
    ) -> Hashable:
        return (
            normalise_draft(assessment.text), assessment.platform, self._settings.model,
            self._prompts.version, " ".join(tone.split()), overrides,
        )


def _model_failed(exc: BaseException) -> bool:
    """Trouble that says the model is unwell: time-outs, lost connections, server errors."""
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code >= 500
    return isinstance(exc, StreamBroken | openai.APIConnectionError | httpx2.TransportError
                      | TimeoutError | asyncio.CancelledError)


def _short(text: str, most: int = 140) -> str:
    return text if len(text) <= most else text[:most - 1].rstrip() + "…"


def _describe(exc: BaseException) -> str:
    """The error in one line for the log, without the credentials a server may echo."""
    if isinstance(exc, openai.APIStatusError):
        return redact(f"HTTP {exc.status_code}: {exc.message}")
    return redact(f"{type(exc).__name__}: {exc}") if str(exc) else type(exc).__name__


def _describe_limit(assessment: Assessment) -> str:
    if assessment.limit is None:
        return "none"
    return f"{assessment.limit} characters as the platform counts them"


def _describe_findings(assessment: Assessment) -> str:
    if not assessment.findings:
        return "- Nothing. Polish lightly; do not change what already works."
    lines = []
    for f in assessment.findings:
        line = f'- {f.severity} ({f.principle}): {f.message} Words: "{f.match}".'
        if f.why:
            line += f" Why: {f.why}"
        if f.suggestion:
            line += f" Fix: {f.suggestion}"
        lines.append(line)
    return "\n".join(lines)


def _describe_principles(coach: Coach) -> str:
    lines = []
    for pid, principle in coach.principles.items():
        line = f"- {pid}: {principle.title}".rstrip(": ")
        if principle.summary and principle.summary != principle.title:
            sep = " " if line.endswith((".", "?", "!")) else ". "
            line += f"{sep}{principle.summary}"
        if principle.why:
            line += f" Why: {principle.why}"
        lines.append(line)
    return "\n".join(lines)
