"""Spreading CPU-bound work over turns of the event loop.

Checking a draft takes a fraction of a millisecond, but two hundred drafts arriving in
one gateway read become two hundred tasks that all run in the same turn of the loop,
and nothing else (heartbeats, other members' buttons) runs until they are done. A
:class:`Pacer` lets one of them (or a few) work per turn; the rest wait their turn
cheaply.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Pacer:
    def __init__(self, per_turn: int = 1) -> None:
        self._slots = asyncio.Semaphore(per_turn)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold one of the turn's slots for the work in the ``with`` block.

        Only for work that does not wait on I/O: the model client's answers wait for a
        slot too (see :func:`bot.llm.rewriter.create_llm_client`), so a request sent from
        inside the block could wait for itself.
        """
        async with self._slots:
            yield
            # Keep the slot until the loop has turned once, so waiting tasks wake in
            # later turns instead of all in this one.
            await asyncio.sleep(0)

    async def wait_turn(self) -> None:
        """Wait until work started now would have a slot of its own in this turn.

        For work that happens inside a library call (building a request), which
        cannot sit inside a ``with`` block of ours.
        """
        async with self.turn():
            pass
