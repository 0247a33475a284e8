"""Socket-level smoke tests: the real discord.py client against the emulator on 127.0.0.1.

Everything goes over real sockets: REST over HTTP, events over the websocket gateway.
Any ERROR that discord.py or the bot logs fails the test (the ``logged_errors`` fixture
of this package), because discord.py logs and swallows exceptions raised in event
handlers and command callbacks.
"""

from __future__ import annotations

import asyncio
from typing import Any

import discord

from bot.discord.app import DraftcoachBot
from tests.discord.sockets import button, embed_text, watch_drafts_channel
from tests.emulator import DiscordEmulator, RateLimits
from tests.emulator.llm import SlowModel


async def test_login_reaches_ready_with_the_guild(emulator: DiscordEmulator,
                                                  running_bot: DraftcoachBot) -> None:
    assert running_bot.user is not None
    assert str(running_bot.user.id) == emulator.world.application_id
    guild = running_bot.get_guild(int(emulator.world.guild_id))
    assert guild is not None
    assert {channel.name for channel in guild.text_channels} >= {"drafts", "general"}
    assert emulator.gateway.identify is not None
    assert emulator.gateway.identify["intents"] & discord.Intents.message_content.flag
    assert emulator.gateway.heartbeats >= 1


async def test_slash_commands_and_context_menu_are_synced(emulator: DiscordEmulator,
                                                          running_bot: DraftcoachBot) -> None:
    synced = {(command["name"], command["type"]) for command in emulator.commands[None]}
    assert {("critique", 1), ("coach", 1), ("coach-admin", 1), ("Critique draft", 3)} <= synced
    admin = next(c for c in emulator.commands[None] if c["name"] == "coach-admin")
    assert {option["name"] for option in admin["options"]} >= {"channels", "rules", "llm",
                                                                "review"}
    # Hidden from members without Manage Server (32); /coach is for everyone.
    assert str(admin["default_member_permissions"]) == "32"
    coach = next(c for c in emulator.commands[None] if c["name"] == "coach")
    assert coach["default_member_permissions"] is None
    assert {option["name"] for option in coach["options"]} >= {"help", "queue", "stats",
                                                               "rules", "principles"}


async def test_a_draft_in_the_watched_channel_gets_findings_then_the_rewrite(
        emulator: DiscordEmulator, running_bot: DraftcoachBot) -> None:
    await watch_drafts_channel(emulator)
    draft = await emulator.send_message(
        "We are thrilled to announce our revolutionary synergy platform!!! Click here.")
    await emulator.wait_for_request("POST", rf"/channels/{draft['id']}/messages")
    thread = emulator.world.channels[draft["id"]]
    assert thread["parent_id"] == draft["channel_id"]  # answered in a thread on the draft

    rewrite = SlowModel().answer["rewrite"]
    await emulator.wait_for_request(
        "PATCH", rf"/channels/{draft['id']}/messages/\d+",
        where=lambda r: rewrite in embed_text(r.body))
    first, *edits = emulator.answers_to(draft["id"])
    assert "revolutionary" in embed_text(first.body)  # the findings quote the offending words
    assert rewrite not in embed_text(first.body)  # ...and did not wait for the model
    for answer in (first, *edits):
        assert answer.body["allowed_mentions"]["parse"] == []
    assert first.body["components"], "the critique has its buttons"


async def test_critique_command_answers_then_edits_in_the_rewrite(
        emulator: DiscordEmulator, running_bot: DraftcoachBot) -> None:
    interaction = await emulator.slash_command(
        "critique", [{"name": "draft", "type": 3,
                      "value": "Exciting news!!! Our game-changing app is here. Learn more."}])
    token = interaction.payload["token"]
    rewrite = SlowModel().answer["rewrite"]
    edit = await emulator.wait_for_request(
        "PATCH", rf"/webhooks/{emulator.world.application_id}/{token}/messages/@original",
        where=lambda r: rewrite in embed_text(r.body))
    [response] = interaction.responses
    assert response["type"] == 4  # answered with the findings, inside the 3 s deadline
    assert "game-changing" in embed_text(response["data"])
    assert edit.body["allowed_mentions"]["parse"] == []


async def test_a_draft_replayed_after_a_resume_is_critiqued_once(
        emulator: DiscordEmulator, running_bot: DraftcoachBot) -> None:
    await watch_drafts_channel(emulator)
    draft = await emulator.send_message("Huge announcement!!! Click here to find out more.")
    await emulator.wait_for_request("POST", rf"/channels/{draft['id']}/messages")

    since = emulator.mark()
    await emulator.drop_connection(replay=1)  # the resumed session delivers it again
    second = await emulator.send_message("Another draft, after the hiccup. Click here.")
    await emulator.wait_for_request("POST", rf"/channels/{second['id']}/messages")
    assert emulator.gateway.resumes == 1
    assert not emulator.requests_to("POST", rf"/channels/{draft['channel_id']}/messages/"
                                    rf"{draft['id']}/threads", since=since)
    assert len(emulator.requests_to("POST", rf"/channels/{draft['id']}/messages")) == 1


async def test_buttons_on_an_answer_write_again_then_dismiss(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot) -> None:
    await watch_drafts_channel(emulator)
    draft = await emulator.send_message("Huge news!!! Our revolutionary app. Click here.")
    rewrite = model.answer["rewrite"]
    await emulator.wait_for_request("PATCH", rf"/channels/{draft['id']}/messages/\d+",
                                    where=lambda r: rewrite in embed_text(r.body))
    answer = emulator.messages[emulator.answers_to(draft["id"])[0].reply["id"]]

    model.answer = {**model.answer, "rewrite": "A second, different version of the post."}
    again = await emulator.click(answer, button(answer, "Another version"))
    token = again.payload["token"]
    await emulator.wait_for_request(
        "PATCH", rf"/webhooks/\d+/{token}/messages/@original",
        where=lambda r: "A second, different version" in embed_text(r.body))
    assert again.responses[0]["type"] == 7  # the answer itself shows "writing…" at once

    dismiss = await emulator.click(answer, button(answer, "Dismiss"))
    await emulator.wait_for_request(
        "DELETE", rf"/webhooks/\d+/{dismiss.payload['token']}/messages/@original")
    assert dismiss.responses[0]["type"] == 6  # deferred, then the answer is deleted
    assert answer["id"] not in emulator.messages


async def test_another_version_in_a_direct_message(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot) -> None:
    dm = await emulator.send_dm("Huge news!!! Our revolutionary app. Click here.", author="bob")
    rewrite = model.answer["rewrite"]
    posted = await emulator.wait_for_request("POST", rf"/channels/{dm['channel_id']}/messages")
    await emulator.wait_for_request("PATCH", rf"/channels/{dm['channel_id']}/messages/\d+",
                                    where=lambda r: rewrite in embed_text(r.body))
    answer = emulator.messages[posted.reply["id"]]
    asked = model.requests

    model.answer = {**model.answer, "rewrite": "A second, different version of the post."}
    again = await emulator.click(answer, button(answer, "Another version"), user="bob")
    assert "guild_id" not in again.payload and again.payload["user"]["username"] == "bob"
    await emulator.wait_for_request(
        "PATCH", rf"/webhooks/\d+/{again.payload['token']}/messages/@original",
        where=lambda r: "A second, different version" in embed_text(r.body))
    assert again.responses[0]["type"] == 7  # the answer itself shows "writing…" at once
    assert model.requests == asked + 1
    assert "A second, different version" in embed_text(answer)


async def test_context_menu_answers_the_asker_privately(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot) -> None:
    target = await emulator.send_message("Exciting news!!! Our game-changing app is here.",
                                         channel="general", author="alice")
    interaction = await emulator.context_menu("Critique draft", target, user="bob")
    token = interaction.payload["token"]
    await emulator.wait_for_request(
        "PATCH", rf"/webhooks/\d+/{token}/messages/@original",
        where=lambda r: model.answer["rewrite"] in embed_text(r.body))
    [response] = interaction.responses
    assert response["type"] == 4
    assert response["data"]["flags"] & 64  # ephemeral: only bob sees it
    assert "game-changing" in embed_text(response["data"])
    assert not emulator.answers_to(target["id"])  # nothing posted in the channel


async def test_critique_without_a_draft_opens_a_box_and_critiques_what_is_pasted(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot) -> None:
    opened = await emulator.slash_command("critique")
    await emulator.wait_for_request("POST", rf"/interactions/{opened.payload['id']}/.+/callback")
    [modal] = opened.responses
    assert modal["type"] == 9  # a modal: slash options cannot hold line breaks

    pasted = "Line one of the post!!!\nLine two: our revolutionary app.\nClick here."
    submitted = await emulator.submit_modal(modal["data"]["custom_id"], {"draft": pasted})
    await emulator.wait_for_request(
        "PATCH", rf"/webhooks/\d+/{submitted.payload['token']}/messages/@original",
        where=lambda r: model.answer["rewrite"] in embed_text(r.body))
    assert "revolutionary" in embed_text(submitted.responses[0]["data"])


async def test_editing_a_draft_updates_the_same_answer(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot) -> None:
    await watch_drafts_channel(emulator)
    draft = await emulator.send_message("Our revolutionary app is here!!! Click here.")
    rewrite = model.answer["rewrite"]
    await emulator.wait_for_request("PATCH", rf"/channels/{draft['id']}/messages/\d+",
                                    where=lambda r: rewrite in embed_text(r.body))
    answer_id = emulator.answers_to(draft["id"])[0].reply["id"]

    since = emulator.mark()
    await emulator.edit_message(draft, "Our new app is here. It plans your week for you.")
    edit = await emulator.wait_for_request(
        "PATCH", rf"/channels/{draft['id']}/messages/{answer_id}", since=since)
    assert "revolutionary" not in embed_text(edit.body)
    assert "(was " in edit.body["embeds"][0]["title"]  # the score change shows
    assert not emulator.requests_to("POST", rf"/channels/{draft['id']}/messages", since=since)


async def test_shutting_down_while_a_rewrite_is_written_finishes_it_quietly(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot,
        logged_errors: Any) -> None:
    model.delay = 1.0
    await watch_drafts_channel(emulator)
    draft = await emulator.send_message("Our revolutionary app!!! Click here.")
    await emulator.wait_for_request("POST", rf"/channels/{draft['id']}/messages")
    for _ in range(100):
        if model.in_flight:
            break
        await asyncio.sleep(0.01)
    assert model.in_flight, "the rewrite should be on its way"
    since = emulator.mark()
    await running_bot.close()  # what `draftcoach run` does on SIGTERM
    # The rewrite in flight was finished and shown before the connection closed.
    assert not model.in_flight
    assert emulator.requests_to("PATCH", r"/channels/\d+/messages/\d+", since=since)
    assert not logged_errors.records


async def test_a_burst_of_drafts_is_all_answered_within_discords_rate_limits(
        emulator: DiscordEmulator, running_bot: DraftcoachBot) -> None:
    await watch_drafts_channel(emulator)
    window = 0.3
    emulator.rate_limits = RateLimits(limit=5, per=window)
    drafts = [await emulator.send_message(f"Draft {n} of ours is revolutionary!!! Click here.",
                                          author=f"writer-{n % 4}") for n in range(12)]
    for draft in drafts:
        await emulator.wait_for_request("POST", rf"/channels/{draft['id']}/messages",
                                        timeout=10)
    threads = emulator.requests_to("POST", r"/channels/\d+/messages/\d+/threads")
    opened = [r.at for r in threads if r.status == 200]
    assert len(opened) == 12
    assert opened[-1] - opened[0] >= 2 * window * 0.9  # paced: 12 threads, 5 per window
