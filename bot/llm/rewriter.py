"""The LLM step: a rewrite from any OpenAI-compatible model, checked by the rules layer.

One call per draft in the common case, none for a repeat, and never an exception for
model trouble: whatever goes wrong, the user gets the offline rewrite and a one-line
note saying why.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import openai
from openai import AsyncOpenAI, DefaultAsyncHttpxClient
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, stop_before_delay

from bot.llm.answer import InvalidAnswer, ModelAnswer, PartialRewrite, answer_schema, parse_answer
from bot.llm.cache import RewriteCache, normalise_draft
from bot.llm.prompts import PromptSet, load_prompts
from bot.llm.resilience import (
    BreakerOpen,
    CircuitBreaker,
    ModelBusy,
    ModelUnavailable,
    StreamBroken,
    backoff,
    is_transient,
)
from bot.llm.safety import (
    facts,
    hashtags,
    kept_hashtags,
    neutralise_pings,
    required_tokens,
)
from bot.models import Assessment, Rewrite, Suggestion, Usage
from bot.pacing import Pacer
from bot.redact import redact

if TYPE_CHECKING:
    import httpx

    from bot.coach import Coach, RuleOverrides
    from bot.settings import LLMSettings, Settings

log = logging.getLogger(__name__)

PartialCallback = Callable[[str], Awaitable[None]]

#: Where the SDK would send requests with no base URL; given explicitly so the SDK
#: does not fall back to reading OPENAI_BASE_URL from the environment behind our back.
OPENAI_BASE_URL = "https://api.openai.com/v1"
#: Local servers (Ollama, llama.cpp, vLLM) accept any key, but the SDK insists on one.
PLACEHOLDER_API_KEY = "not-needed"

NOTE_UNAVAILABLE = "The model was unavailable; this is the offline rewrite."
NOTE_RESTING = "The model failed several times just now; this is the offline rewrite."
NOTE_REFUSED = "The model declined to rewrite this draft; this is the offline rewrite."
NOTE_INVALID = "The model's answer could not be used; this is the offline rewrite."
NOTE_UNSAFE = (
    "The model's rewrite changed the draft's links, mentions or numbers or did not fit; "
    "this is the offline rewrite."
)
NOTE_WORSE = "The model's rewrite scored lower than the draft; this is the offline rewrite."
NOTE_BUSY = "The model is busy with other drafts; this is the offline rewrite."
NOTE_TOO_LONG = "The draft is too long to send to the model; this is the offline rewrite."

#: Seconds past the deadline before the whole step is cut short.
DEADLINE_GRACE = 0.25
#: How often, at least, a request waiting for a slot looks again at whether its answer
#: could still come before the deadline.
QUEUE_RECHECK = 0.5

_DRAFT_TAG = re.compile(r"<(/?)(draft)", re.IGNORECASE)


class OutputMode(StrEnum):
    """How the server is asked for JSON, best first."""

    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"
    TEXT = "text"


_NEXT_MODE = {
    OutputMode.JSON_SCHEMA: OutputMode.JSON_OBJECT,
    OutputMode.JSON_OBJECT: OutputMode.TEXT,
}
_FORMAT_WORDS = ("response_format", "json_schema", "json_object", "schema", "json")


@dataclass(slots=True)
class ServerDialect:
    """What this server accepts, learned from its 400s and kept for the client's life.

    Servers that call themselves OpenAI-compatible differ: older llama.cpp and LM
    Studio builds reject JSON schemas, some reject ``stream_options``, and OpenAI's
    reasoning models want ``max_completion_tokens`` and no ``temperature``. Each
    change only ever steps down, so adapting always ends.
    """

    output_mode: OutputMode = OutputMode.JSON_SCHEMA
    stream_usage: bool = True
    token_limit: str = "max_tokens"
    temperature: bool = True

    def adapt(self, exc: openai.APIStatusError, *, streaming: bool) -> str | None:
        """Step down past what ``exc`` complains about; None when nothing would help."""
        detail = f"{exc.param or ''} {exc.message}".lower()
        if streaming and self.stream_usage and "stream_options" in detail:
            self.stream_usage = False
            return "streaming without usage figures"
        if self.token_limit == "max_tokens" and "max_completion_tokens" in detail:
            self.token_limit = "max_completion_tokens"
            return "capping the answer with max_completion_tokens"
        if self.temperature and "temperature" in detail:
            self.temperature = False
            return "leaving the temperature to the server"
        following = _NEXT_MODE.get(self.output_mode)
        if following is not None and any(word in detail for word in _FORMAT_WORDS):
            self.output_mode = following
            return f"asking for {following.value} output"
        return None


class Refused(Exception):
    """The model declined (a refusal or a content filter)."""


class Unusable(Exception):
    """The rewrite broke a hard rule (length, kept tokens, invented facts) after repair."""


class WorseThanDraft(Unusable):
    """The rewrite scores lower under the rules than the draft it was meant to improve."""


def create_llm_client(settings: LLMSettings, pacer: Pacer | None = None) -> AsyncOpenAI | None:
    """The one client for the process, or None when no model is configured (offline).

    With a ``pacer``, each answer waits its turn before it is read and parsed: a batch
    of requests sent together is answered together, and reading every answer in one
    turn of the loop would stall it.
    """
    if not settings.enabled:
        return None
    http_client = None
    if pacer is not None:
        async def take_turn(response: httpx.Response) -> None:
            await pacer.wait_turn()

        http_client = DefaultAsyncHttpxClient(event_hooks={"response": [take_turn]})
    return AsyncOpenAI(
        api_key=settings.api_key or PLACEHOLDER_API_KEY,
        base_url=settings.base_url or OPENAI_BASE_URL,
        timeout=settings.timeout,
        max_retries=0,  # tenacity retries, inside the step's own deadline
        http_client=http_client,
    )


def build_llm_rewriter(settings: Settings, coach: Coach) -> LLMRewriter | None:
    """Client, prompts and rewriter from the settings; None when no model is configured."""
    pacer = Pacer()
    client = create_llm_client(settings.llm, pacer)
    if client is None:
        return None
    prompts = load_prompts(settings.prompts_dir, settings.llm.prompt_version)
    return LLMRewriter(client, coach, settings.llm, prompts, pacer=pacer)


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


@dataclass(frozen=True, slots=True)
class _Facts:
    #: Every link, @mention and number in the draft: the rewrite may use no others.
    draft: frozenset[str]
    #: Those the rewrite must keep (the rest were flagged by a rule), and the
    #: hashtags no rule flagged.
    kept: frozenset[str]

    @classmethod
    def of(cls, assessment: Assessment) -> _Facts:
        found = facts(assessment.text)
        kept = required_tokens(found, assessment.findings)
        return cls(found, kept | kept_hashtags(assessment.text, assessment.findings))


@dataclass(frozen=True, slots=True)
class _Check:
    text: str
    assessment: Assessment
    #: Rule findings of severity warning or error, worded for a repair request.
    findings: tuple[str, ...]
    #: Broken hard constraints: too long, dropped or invented links/mentions/numbers.
    hard: tuple[str, ...]

    @property
    def problems(self) -> tuple[str, ...]:
        return self.hard + self.findings


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
        *,
        clock: Callable[[], float] = time.monotonic,
        pacer: Pacer | None = None,
    ) -> None:
        self._client = client
        self._coach = coach
        #: Turns of the event loop for CPU-bound work, shared with the pipeline.
        self.pacer = pacer or Pacer()
        self._settings = settings
        self._prompts = prompts
        self._clock = clock
        self._cache: RewriteCache[Rewrite] = RewriteCache(settings.cache_size)
        self._breaker = CircuitBreaker(
            settings.breaker_threshold, settings.breaker_cooldown, clock=clock
        )
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
        self._server = ServerDialect()
        self.usage = Usage()
        self.requests = 0

    @property
    def model(self) -> str:
        return self._settings.model

    @property
    def output_mode(self) -> OutputMode:
        """The best structured-output mode this server has accepted so far."""
        return self._server.output_mode

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
        """A checked rewrite of ``assessment.text``, from the model or, failing that, offline.

        ``fresh`` skips the cache (and replaces its entry) for another version.
        ``on_partial`` is awaited with the rewrite text so far while it streams.
        """
        if not assessment.text.strip():
            return self._coach.offline_rewrite(assessment, overrides)  # nothing to ask about
        if len(assessment.text) > self._settings.max_draft_chars:
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
        call = _Call(self._clock() + self._settings.deadline, on_partial, temperature)
        note = NOTE_UNAVAILABLE
        try:
            # A safety net: the requests' own time-outs end at the deadline, which leaves
            # the step a moment to fall back on a first answer it already has.
            async with asyncio.timeout(self._settings.deadline + DEADLINE_GRACE):
                result = await self._model_rewrite(assessment, overrides, tone, call)
        except BreakerOpen:
            note = NOTE_RESTING
        except ModelBusy:
            note = NOTE_BUSY
        except (ModelUnavailable, openai.OpenAIError, TimeoutError) as exc:
            log.warning("model unavailable, serving the offline rewrite: %s", _describe(exc))
        except Refused as exc:
            log.info("model declined the draft: %s", exc)
            note = NOTE_REFUSED
        except InvalidAnswer as exc:
            log.warning("model answer unusable after a repair request: %s", exc)
            note = NOTE_INVALID
        except WorseThanDraft as exc:
            log.info("model rewrite scored lower than the draft: %s", exc)
            note = NOTE_WORSE
        except Unusable as exc:
            log.warning("model rewrite broke a hard rule after a repair request: %s", exc)
            note = NOTE_UNSAFE
        except Exception:
            # Never leave a user without an answer because of a bug in this step.
            log.exception("unexpected error in the LLM step")
        else:
            self._cache.put(key, result)
            return result
        # Drafts that hit the deadline together fall back together: take turns.
        async with self.pacer.turn():
            offline = self._coach.offline_rewrite(assessment, overrides)
        return replace(offline, note=note, usage=call.usage)

    async def _model_rewrite(
        self,
        assessment: Assessment,
        overrides: RuleOverrides | None,
        tone: str,
        call: _Call,
    ) -> Rewrite:
        draft_facts = _Facts.of(assessment)
        messages = self._messages(assessment, tone, draft_facts)
        reply = await self._complete(messages, call)
        repaired = False
        try:
            answer = self._parse(reply)
        except InvalidAnswer as exc:
            repaired = True
            reply = await self._repair(messages, reply, [str(exc)], assessment, call)
            answer = self._parse(reply)
        # Answers from one batch of requests land together; check them in turns.
        async with self.pacer.turn():
            check = self._check(answer, assessment, overrides, draft_facts)
        if check.problems and not repaired:
            log.info("asking for a repair: %s", "; ".join(check.problems))
            try:
                reply = await self._repair(messages, reply, list(check.problems), assessment, call)
                second = self._parse(reply)
                async with self.pacer.turn():
                    second_check = self._check(second, assessment, overrides, draft_facts)
            except (ModelUnavailable, openai.OpenAIError, Refused, InvalidAnswer) as exc:
                # The first answer may still be usable (findings are reported, not fatal).
                log.info("repair request gave nothing better: %s", _describe(exc))
            else:
                if _better_or_equal(second_check, check):
                    answer, check = second, second_check
        if check.hard:
            raise Unusable("; ".join(check.hard))
        if check.assessment.score < assessment.score:
            raise WorseThanDraft(f"{check.assessment.score} < {assessment.score}")
        return Rewrite(
            text=check.text,
            source="llm",
            assessment=check.assessment,
            suggestions=tuple(
                Suggestion(s.principle, neutralise_pings(s.text)) for s in answer.suggestions
            ),
            summary=neutralise_pings(answer.summary),
            usage=call.usage,
        )

    async def _repair(
        self,
        messages: list[dict[str, str]],
        reply: _Reply,
        problems: list[str],
        assessment: Assessment,
        call: _Call,
    ) -> _Reply:
        messages.append({"role": "assistant", "content": reply.content or ""})
        messages.append({"role": "user", "content": self._prompts.repair.render({
            "problems": "\n".join(f"- {p}" for p in problems),
            "limit": _describe_limit(assessment),
        })})
        return await self._complete(messages, call)

    def _parse(self, reply: _Reply) -> ModelAnswer:
        if reply.refusal or reply.finish_reason == "content_filter":
            raise Refused(reply.refusal or "content filter")
        if reply.finish_reason == "length":
            raise InvalidAnswer("the answer was cut off at the token limit; answer shorter")
        return parse_answer(reply.content, self._principle_ids)

    def _check(
        self,
        answer: ModelAnswer,
        draft: Assessment,
        overrides: RuleOverrides | None,
        draft_facts: _Facts,
    ) -> _Check:
        text = neutralise_pings(answer.rewrite)
        assessment = self._coach.assess(text, draft.platform, overrides, rewrite_of=draft)
        hard: list[str] = []
        if assessment.limit is not None and assessment.length > assessment.limit:
            hard.append(
                f"the rewrite is {assessment.length} long but the limit is {assessment.limit}"
            )
        found = facts(text)
        missing = draft_facts.kept - found - hashtags(text)
        if missing:
            hard.append(
                f"the rewrite dropped these, keep them exactly: {', '.join(sorted(missing))}"
            )
        invented = found - draft_facts.draft
        if invented:
            hard.append(
                "the rewrite added links, mentions or numbers the draft does not have, "
                f"remove them: {', '.join(sorted(invented))}"
            )
        to_fix = list(assessment.blocking)
        if assessment.score < draft.score:
            # Worse than the draft: even suggestions the draft did not earn must go.
            draft_rules = {f.rule for f in draft.findings}
            to_fix += [f for f in assessment.findings
                       if f.severity == "suggestion" and f.rule not in draft_rules]
        findings = tuple(
            f'{f.severity} ({f.principle}): {f.message} - "{f.match}"' for f in to_fix
        )
        return _Check(text, assessment, findings, tuple(hard))

    # -- talking to the server ----------------------------------------------------

    async def _complete(self, messages: list[dict[str, str]], call: _Call) -> _Reply:
        """One answer from the model, retried on transient trouble within the deadline."""
        remaining = call.deadline_at - self._clock()
        if remaining <= 0:
            raise ModelUnavailable("no time left before the deadline")
        retrying = AsyncRetrying(
            retry=retry_if_exception(is_transient),
            wait=backoff(self._settings.backoff_initial, self._settings.backoff_max),
            stop=stop_before_delay(remaining) | stop_after_attempt(self._settings.max_attempts),
            sleep=asyncio.sleep,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._attempt(messages, call)
        raise ModelUnavailable("no attempt was made")  # unreachable: tenacity re-raises

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
        return call.deadline_at - rounds * self._latency - self._clock()

    async def _take_slot(self, call: _Call) -> None:
        """Wait for a slot to ask the model in; raises :class:`ModelBusy` once the
        requests ahead mean the answer could not come before the deadline.

        A crowd that arrives before the model's pace is known learns it from the first
        answers: the drafts that cannot be answered in time hear so then, not when their
        deadline passes.
        """
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
                # Look again when the answer would stop being in time, or sooner: the
                # queue moves and the model's pace changes meanwhile.
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

    async def _attempt(self, messages: list[dict[str, str]], call: _Call) -> _Reply:
        if self._slots.locked() and self._time_left_to_wait(call, len(self._waiting)) <= 0:
            raise ModelBusy(f"{len(self._waiting)} requests are queued ahead")
        self._breaker.before_call()
        asked = False
        try:
            await self._take_slot(call)
            try:
                timeout = min(self._settings.timeout, call.deadline_at - self._clock())
                if timeout <= 0:
                    raise ModelUnavailable("no time left before the deadline")
                # Slots free up together when a batch of answers lands; building the
                # next batch of requests all in that same turn would stall the loop.
                await self.pacer.wait_turn()
                asked = True
                started = self._clock()
                reply = await self._request_adapting(messages, call, timeout)
            finally:
                self._slots.release()
        except BaseException as exc:
            # Only the model's own trouble counts against it; time spent queueing for a
            # slot (our overload, not the model's) or a 400 says nothing about its health.
            model_failed = is_transient(exc) or isinstance(exc, asyncio.CancelledError)
            if asked and model_failed:
                self._breaker.record_failure()
            else:
                self._breaker.release_trial()
            raise
        self._breaker.record_success()
        took = self._clock() - started
        self._latency = took if self._latency is None else 0.8 * self._latency + 0.2 * took
        log.debug(
            "model answered in %.0f ms (%d prompt + %d completion tokens, %s)",
            took * 1000, reply.usage.prompt_tokens,
            reply.usage.completion_tokens, reply.finish_reason,
        )
        call.usage = call.usage + reply.usage
        self.usage = self.usage + reply.usage
        return reply

    async def _request_adapting(
        self, messages: list[dict[str, str]], call: _Call, timeout: float
    ) -> _Reply:
        while True:
            sent_as = replace(self._server)
            try:
                return await self._request(messages, call, timeout)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                if self._server != sent_as:
                    continue  # another request already learned from the same complaint
                change = self._server.adapt(exc, streaming=call.on_partial is not None)
                if change is None:
                    raise
                log.info("server rejected the request (%s); %s from now on", _describe(exc), change)

    def _request_args(
        self, messages: list[dict[str, str]], call: _Call, timeout: float
    ) -> dict[str, Any]:
        server = self._server
        args: dict[str, Any] = {
            "model": self._settings.model,
            "messages": messages,
            "timeout": timeout,
        }
        if server.temperature:
            args["temperature"] = call.temperature
        if self._settings.max_tokens:
            args[server.token_limit] = self._settings.max_tokens
        if server.output_mode is OutputMode.JSON_SCHEMA:
            args["response_format"] = self.response_format
        elif server.output_mode is OutputMode.JSON_OBJECT:
            args["response_format"] = {"type": "json_object"}
        return args

    async def _request(
        self, messages: list[dict[str, str]], call: _Call, timeout: float
    ) -> _Reply:
        self.requests += 1
        args = self._request_args(messages, call, timeout)
        if call.on_partial is None:
            response = await self._client.chat.completions.create(**args)
            if not response.choices:
                return _Reply(None, None, None, _usage(response.usage))
            choice = response.choices[0]
            message = choice.message
            return _Reply(
                message.content, getattr(message, "refusal", None), choice.finish_reason,
                _usage(response.usage),
            )
        return await self._stream(args, call)

    async def _stream(self, args: dict[str, Any], call: _Call) -> _Reply:
        if self._server.stream_usage:
            args["stream_options"] = {"include_usage": True}
        stream = await self._client.chat.completions.create(**args, stream=True)
        content: list[str] = []
        partial = PartialRewrite()
        refusal: list[str] = []
        finish_reason: str | None = None
        usage = Usage()
        try:
            async for chunk in stream:
                if chunk.usage is not None:
                    usage = _usage(chunk.usage)
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                delta = choice.delta
                if delta is not None and delta.content:
                    content.append(delta.content)
                    if call.on_partial is not None:
                        await self._show_partial(partial.feed(delta.content), call)
                if delta is not None and getattr(delta, "refusal", None):
                    refusal.append(delta.refusal)
                if choice.finish_reason:
                    finish_reason = choice.finish_reason
                # A fast server's whole answer can come in one read: let the loop turn
                # between pieces, so reading it never holds up other drafts.
                await asyncio.sleep(0)
        except (openai.APIError, ValueError) as exc:
            call.on_partial = None  # the retry asks without streaming
            raise StreamBroken(f"the stream broke: {_describe(exc)}") from exc
        finally:
            await stream.close()
        if finish_reason is None:
            call.on_partial = None
            raise StreamBroken("the stream ended before the model finished")
        return _Reply("".join(content), "".join(refusal) or None, finish_reason, usage)

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
        draft_facts = _Facts.of(assessment)
        return self._messages(assessment, tone, draft_facts)

    @property
    def response_format(self) -> dict[str, Any]:
        """What the server is asked for in the best output mode (the JSON schema)."""
        return {
            "type": "json_schema",
            "json_schema": {"name": "draft_rewrite", "strict": True, "schema": self._schema},
        }

    def _messages(
        self, assessment: Assessment, tone: str, draft_facts: _Facts
    ) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self._system},
            {"role": "user", "content": self._user_prompt(assessment, tone, draft_facts)},
        ]

    def _user_prompt(self, assessment: Assessment, tone: str, draft_facts: _Facts) -> str:
        platform = self._coach.platforms.get(assessment.platform)
        return self._prompts.user.render({
            "platform": assessment.platform,
            "platform_name": getattr(platform, "name", assessment.platform),
            "limit": _describe_limit(assessment),
            "length": str(assessment.length),
            "findings": _describe_findings(assessment),
            "keep": ", ".join(sorted(draft_facts.kept)) or "nothing in particular",
            "tone": tone.strip() or "not set; keep the writer's own voice",
            # The draft cannot close its own delimiter and slip out of the data part.
            "draft": _DRAFT_TAG.sub(r"<\1 \2", assessment.text.strip()),
        })

    def _cache_key(
        self, assessment: Assessment, overrides: RuleOverrides | None, tone: str
    ) -> Hashable:
        override_key: Hashable = None
        if overrides is not None:
            override_key = (
                tuple(sorted(overrides.disabled)),
                tuple(sorted(overrides.severity.items())),
            )
        return (
            normalise_draft(assessment.text), assessment.platform, self._settings.model,
            self._prompts.version, " ".join(tone.split()), override_key,
        )


def _better_or_equal(candidate: _Check, incumbent: _Check) -> bool:
    """Whether a repaired rewrite should replace the first one: no new hard problems,
    and a score at least as good."""
    if candidate.hard and not incumbent.hard:
        return False
    if incumbent.hard and not candidate.hard:
        return True
    return candidate.assessment.score >= incumbent.assessment.score


def _usage(raw: Any) -> Usage:
    if raw is None:
        return Usage()
    return Usage(int(raw.prompt_tokens or 0), int(raw.completion_tokens or 0))


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
        title = getattr(principle, "title", "")
        summary = getattr(principle, "summary", "")
        why = getattr(principle, "why", "")
        line = f"- {pid}: {title}".rstrip(": ")
        if summary and summary != title:
            line += f" {summary}" if line.endswith((".", "?", "!")) else f". {summary}"
        if why:
            line += f" Why: {why}"
        lines.append(line)
    return "\n".join(lines)
