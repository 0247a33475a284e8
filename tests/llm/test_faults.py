"""The fault matrix: every bad answer and every server fault a user has met, against a
real OpenAI-compatible server on 127.0.0.1.

A bad answer gets one repair request naming what was wrong, then the offline rewrite
with a note naming the check; a server fault costs no more than its limit and never
leaves a draft without a rewrite.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.coach import Coach
from bot.llm.rewriter import NOTE_RATE_LIMITED, NOTE_REFUSED, NOTE_UNAVAILABLE

from .conftest import MakeRewriter
from .server import Answer, Fail, Hang, ModelServer, answer_json

DRAFT = (
    "HUGE NEWS!!! Our release notes are up: this version is faster at startup, fixes the "
    "login loop on Android and adds dark mode. Download it now, don't miss out!!!"
)
GOOD = (
    "Our release notes are up: this version is faster at startup, fixes the login loop on "
    "Android and adds dark mode. Which fix matters most to you?"
)
SPANISH = (
    "¡¡¡COMPRA YA!!! Nuestro planificador organiza tu semana en cinco minutos. Oferta solo "
    "hoy, ¡no te lo pierdas!"
)
SPANISH_GOOD = (
    "Nuestro planificador organiza tu semana en cinco minutos. ¿Qué parte de tu semana te "
    "cuesta más?"
)

#: (draft, the bad answer, the check that must catch it): what models were seen doing.
BAD_ANSWERS = {
    "echo": (DRAFT, DRAFT, "unchanged"),
    "prompt tags": (DRAFT, f"<draft>\n{GOOD}\n</draft>", "prompt markup"),
    "refusal as the rewrite": (
        DRAFT, "I'm sorry, but I can't help rewrite this post.", "meta-text"),
    "a note about the text": (
        DRAFT, "Your text is too long, please edit it to fit the template.", "meta-text"),
    "an unrelated post": (DRAFT, "Free crypto for everyone, DM me now", "unrelated"),
    "invented credentials": (
        DRAFT, GOOD + " Our award-winning team is trusted by doctors.", "new claims"),
    "added pings": (DRAFT, "@everyone " + GOOD, "pings"),
    "a scrap of the draft": (DRAFT, "Dark mode!", "lost content"),
    "the news left out": (
        DRAFT, "Our release notes are up. Which fix matters most to you?", "lost content"),
    "another language": (
        SPANISH, "Our planner organises your week in five minutes. What part of your week is "
                 "hardest?", "language"),
}


@pytest.mark.parametrize("case", list(BAD_ANSWERS))
async def test_bad_answer_is_repaired_then_set_aside_with_a_note_naming_the_check(
    model_server: ModelServer, make_rewriter: MakeRewriter, coach: Coach, case: str
) -> None:
    draft, bad, check = BAD_ANSWERS[case]
    model_server.always(Answer(answer_json(bad)))

    result = await make_rewriter().rewrite(coach.assess(draft, "x"))

    assert len(model_server.received) == 2  # the answer, and one repair request
    assert f"- {check}:" in model_server.received[1].messages[-1]["content"]
    assert result.source == "offline"
    assert result.rejected_by == check and f'"{check}" check' in result.note
    assert result.text != bad


@pytest.mark.parametrize("case", list(BAD_ANSWERS))
async def test_bad_answer_mended_by_the_repair_is_served(
    model_server: ModelServer, make_rewriter: MakeRewriter, coach: Coach, case: str
) -> None:
    draft, bad, _ = BAD_ANSWERS[case]
    good = SPANISH_GOOD if draft == SPANISH else GOOD
    model_server.then(Answer(answer_json(bad)), Answer(answer_json(good)))

    result = await make_rewriter().rewrite(coach.assess(draft, "x"))

    assert result.source == "llm" and result.text == good and result.note == ""


async def test_empty_answer_is_repaired_then_set_aside(
    model_server: ModelServer, make_rewriter: MakeRewriter, coach: Coach
) -> None:
    model_server.always(Answer(""))
    result = await make_rewriter().rewrite(coach.assess(DRAFT, "x"))
    assert len(model_server.received) == 2
    assert "empty" in model_server.received[1].messages[-1]["content"]
    assert result.source == "offline" and result.rejected_by == "answer format"


async def test_refusal_field_gives_the_offline_rewrite_at_once(
    model_server: ModelServer, make_rewriter: MakeRewriter, coach: Coach
) -> None:
    model_server.always(Answer(None, refusal="I can't help with that."))
    result = await make_rewriter().rewrite(coach.assess(DRAFT, "x"))
    assert len(model_server.received) == 1
    assert result.source == "offline" and result.note == NOTE_REFUSED


async def test_eight_drafts_each_meeting_one_rate_limit_are_all_rewritten_by_the_model(
    model_server: ModelServer, make_rewriter: MakeRewriter, coach: Coach
) -> None:
    model_server.then(*[Fail(429, "slow down", {"Retry-After": "1"})] * 8)
    model_server.always(Answer(answer_json(GOOD)))
    rewriter = make_rewriter(breaker_threshold=3, first_byte_timeout=3)
    assessment = coach.assess(DRAFT, "x")

    started = time.monotonic()
    results = await asyncio.gather(*(
        rewriter.rewrite(assessment, tone=f"team {n}") for n in range(8)  # 8 cache keys
    ))

    assert [r.source for r in results] == ["llm"] * 8
    assert len(model_server.received) == 16
    assert 1.0 <= time.monotonic() - started < 2.5
    assert not rewriter.breaker_open


@pytest.mark.parametrize("wait", [{"Retry-After": "120"}, {"retry-after-ms": "120000"}])
async def test_rate_limit_longer_than_the_deadline_falls_back_at_once_without_the_breaker(
    model_server: ModelServer, make_rewriter: MakeRewriter, coach: Coach, wait: dict[str, str]
) -> None:
    model_server.always(Fail(429, "slow down", wait))
    rewriter = make_rewriter(breaker_threshold=1)

    started = time.monotonic()
    result = await rewriter.rewrite(coach.assess(DRAFT, "x"))

    assert time.monotonic() - started < 0.5
    assert len(model_server.received) == 1
    assert result.source == "offline" and result.note == NOTE_RATE_LIMITED
    assert not rewriter.breaker_open
    assert (await rewriter.rewrite(coach.assess(GOOD, "x"))).note == NOTE_RATE_LIMITED


async def test_hung_server_costs_the_first_byte_limit_once(
    model_server: ModelServer, make_rewriter: MakeRewriter, coach: Coach
) -> None:
    model_server.always(Hang(30))
    started = time.monotonic()
    result = await make_rewriter(first_byte_timeout=0.5, deadline=5).rewrite(
        coach.assess(DRAFT, "x"))
    elapsed = time.monotonic() - started
    # The SDK's retries live inside the limit: a hang is not paid for once per attempt.
    assert 0.5 <= elapsed < 0.9
    assert len(model_server.received) == 1
    assert result.source == "offline" and result.note == NOTE_UNAVAILABLE


async def test_stream_stalled_midway_falls_back_and_what_was_shown_is_replaced(
    model_server: ModelServer, make_rewriter: MakeRewriter, coach: Coach
) -> None:
    model_server.always(Answer(answer_json(GOOD), chunk=8, stall_after=6))
    shown: list[str] = []

    async def show(text: str) -> None:
        shown.append(text)

    started = time.monotonic()
    result = await make_rewriter(first_byte_timeout=0.5, deadline=5).rewrite(
        coach.assess(DRAFT, "x"), on_partial=show)

    assert time.monotonic() - started < 1.0
    assert shown and GOOD.startswith(shown[-1]) and shown[-1] != GOOD
    assert result.source == "offline" and result.note == NOTE_UNAVAILABLE


async def test_server_error_naming_json_schema_steps_down_without_the_breaker(
    model_server: ModelServer, make_rewriter: MakeRewriter, coach: Coach
) -> None:
    # What llama.cpp's server answers to a response_format it cannot enforce.
    model_server.then(Fail(500, "Either \"json_schema\" or \"grammar\" can be specified, "
                                "but not both"))
    model_server.always(Answer(answer_json(GOOD)))
    rewriter = make_rewriter(breaker_threshold=1)

    result = await rewriter.rewrite(coach.assess(DRAFT, "x"))

    assert result.source == "llm"
    assert [r.format_type for r in model_server.received] == ["json_schema", "json_object"]
    assert not rewriter.breaker_open
