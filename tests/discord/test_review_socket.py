"""Team review over real sockets: the real client against the Discord emulator."""

from __future__ import annotations

from bot.discord.app import DraftcoachBot
from tests.discord.sockets import button, embed_text, watch_drafts_channel
from tests.emulator import DiscordEmulator
from tests.emulator.llm import SlowModel


async def test_a_teammate_approves_and_the_author_gets_the_final_text(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot,
) -> None:
    await watch_drafts_channel(emulator)
    text = "Our revolutionary app is here!!! Click here."
    draft = await emulator.send_message(text, author="alice")
    await emulator.wait_for_request("PATCH", rf"/channels/{draft['id']}/messages/\d+",
                                    where=lambda r: model.answer["rewrite"] in embed_text(r.body))
    answer = emulator.messages[emulator.answers_to(draft["id"])[0].reply["id"]]
    assert "approvals 0/1" in embed_text(answer)

    own = await emulator.click(answer, button(answer, "Approve"), user="alice")
    await emulator.wait_for_request("POST", rf"/interactions/{own.payload['id']}/.+/callback")
    assert own.responses[0]["data"]["flags"] & 64  # refused privately
    assert "can't approve your own draft" in own.responses[0]["data"]["content"]

    approve = await emulator.click(answer, button(answer, "Approve"), user="bob")
    await emulator.wait_for_request("POST", rf"/interactions/{approve.payload['id']}/.+/callback")
    [response] = approve.responses
    assert response["type"] == 7  # the critique itself is updated
    assert "Approved by Bob" in embed_text(response["data"])  # his display name
    final = await emulator.wait_for_request(
        "POST", rf"/channels/{draft['id']}/messages",
        where=lambda r: str(r.body.get("content", "")).startswith("```"))
    assert final.body["content"] == f"```\n{text}\n```"
    assert final.body["allowed_mentions"]["parse"] == []
    assert button(final.body, "Mark posted").startswith("dc:posted:")
