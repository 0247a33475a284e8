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
from tests.emulator.payloads import Json

BAIT = "Our revolutionary app is here!!! Click here."
BETTER = ("We cut our support queue in half last quarter; here are the three scripts we "
          "used. What would you add?")


async def critiqued_then_archived(server: DiscordEmulator, stub: SlowModel, *,
                                  locked: bool = False) -> tuple[Json, str]:
    """Alice's draft, critiqued with its rewrite, then its thread archived (and ``locked``);
    the draft and its card's id."""
    await watch_drafts_channel(server)
    draft = await server.send_message(BAIT, author="alice")
    await server.wait_for_request("PATCH", rf"/channels/{draft['id']}/messages/\d+",
                                  where=lambda r: stub.answer["rewrite"] in embed_text(r.body))
    card_id = server.answers_to(draft["id"])[0].reply["id"]
    await server.settle()
    await server.archive_thread(draft["id"], locked=locked)
    return draft, card_id


async def test_an_edit_after_the_thread_was_archived_revises_the_card(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot,  # noqa: F811
) -> None:
    draft, card_id = await critiqued_then_archived(emulator, model)

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


async def test_a_locked_thread_gets_a_fresh_card_that_later_edits_revise(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot,  # noqa: F811
) -> None:
    draft, _ = await critiqued_then_archived(emulator, model, locked=True)

    since = emulator.mark()
    await emulator.edit_message(draft, BETTER)
    fresh = await emulator.wait_for_request(
        "POST", rf"/channels/{draft['channel_id']}/messages", since=since,
        where=lambda r: r.status == 200 and bool(r.body.get("embeds")))
    await emulator.settle()
    # The locked thread stays shut; the new card answers the draft in the channel and
    # shows the revision the reviewers are to look at.
    assert str(fresh.body["message_reference"]["message_id"]) == draft["id"]
    assert "revision 2" in embed_text(fresh.body)
    assert emulator.thread_is_archived(draft["id"])

    since = emulator.mark()
    await emulator.edit_message(draft, BETTER + " Tell us below.")
    revised = await emulator.wait_for_request(
        "PATCH", rf"/channels/{draft['channel_id']}/messages/{fresh.reply['id']}", since=since,
        where=lambda r: r.status == 200 and "revision 3" in embed_text(r.body))
    assert revised
