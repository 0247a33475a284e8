"""A draft whose thread Discord archived (a day without activity) is still revised on its
card, so the reviewers see every revision."""

from __future__ import annotations

from bot.discord.app import DraftcoachBot
from tests.discord.test_smoke_socket import (  # noqa: F401  (fixtures)
    embed_text,
    emulator,
    model,
    running_bot,
    watch_drafts_channel,
)
from tests.emulator import DiscordEmulator
from tests.emulator.llm import SlowModel

BAIT = "Our revolutionary app is here!!! Click here."
BETTER = ("We cut our support queue in half last quarter; here are the three scripts we "
          "used. What would you add?")


async def test_an_edit_after_the_thread_was_archived_revises_the_card(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot,  # noqa: F811
) -> None:
    await watch_drafts_channel(emulator)
    draft = await emulator.send_message(BAIT, author="alice")
    await emulator.wait_for_request("PATCH", rf"/channels/{draft['id']}/messages/\d+",
                                    where=lambda r: model.answer["rewrite"] in embed_text(r.body))
    card_id = emulator.answers_to(draft["id"])[0].reply["id"]
    await emulator.settle()
    await emulator.archive_thread(draft["id"])

    since = emulator.mark()
    await emulator.edit_message(draft, BETTER)
    shown = await emulator.wait_for_request(
        "PATCH", rf"/channels/{draft['id']}/messages/{card_id}", since=since,
        where=lambda r: r.status == 200 and "revision 2" in embed_text(r.body))
    await emulator.settle()

    # The thread was reopened first, and the card shows the new revision.
    [reopened] = emulator.requests_to("PATCH", rf"/channels/{draft['id']}", since=since)
    assert reopened.body == {"archived": False} and reopened.at < shown.at
    assert "(was " in embed_text(shown.body)
    assert not emulator.thread_is_archived(draft["id"])
