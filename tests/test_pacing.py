from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from bot.pacing import Pacer


@asynccontextmanager
async def _counting_turns() -> AsyncIterator[Callable[[], int]]:
    """Inside the block, the number of the event loop's current turn."""
    turn = 0

    async def ticker() -> None:
        nonlocal turn
        while True:
            await asyncio.sleep(0)
            turn += 1

    ticking = asyncio.create_task(ticker())
    try:
        yield lambda: turn
    finally:
        ticking.cancel()


async def test_a_crowd_of_tasks_does_its_work_a_few_per_loop_turn() -> None:
    pacer = Pacer(per_turn=2)
    worked_in_turn: list[int] = []

    async with _counting_turns() as current_turn:
        async def draft() -> None:
            async with pacer.turn():
                worked_in_turn.append(current_turn())

        await asyncio.gather(*(draft() for _ in range(20)))

    assert len(worked_in_turn) == 20
    per_turn = {t: worked_in_turn.count(t) for t in set(worked_in_turn)}
    assert max(per_turn.values()) <= 2
    assert len(per_turn) >= 10  # the work really was spread out


async def test_a_lone_task_is_not_held_up() -> None:
    pacer = Pacer(per_turn=2)
    async with asyncio.timeout(0.1):
        async with pacer.turn():
            pass


async def test_waiting_for_a_turn_spreads_starts_over_turns() -> None:
    pacer = Pacer(per_turn=2)
    started_in_turn: list[int] = []

    async with _counting_turns() as current_turn:
        async def request() -> None:
            await pacer.wait_turn()
            started_in_turn.append(current_turn())

        await asyncio.gather(*(request() for _ in range(8)))

    assert max(started_in_turn.count(t) for t in set(started_in_turn)) <= 2
