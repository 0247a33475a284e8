"""The team's workflow over real sockets: the real client against the Discord emulator.

What Discord receives is checked field by field: who each message may ping, who joins
the draft's thread, the adopted rewrite as the next revision, a rule demoted by three
members and restored by an admin, and a model budget running out during the day.
"""

from __future__ import annotations

from typing import Any

from bot.discord.app import DraftcoachBot
from tests.discord.test_smoke_socket import (  # noqa: F401
    button,
    embed_text,
    emulator,
    model,
    running_bot,
    watch_drafts_channel,
)
from tests.emulator import DiscordEmulator
from tests.emulator.llm import SlowModel
from tests.emulator.server import Interaction, RecordedRequest

BAIT = "Follow for follow!!! BUY NOW before it's gone"
GOOD = ("We wrote up the three things that cut our support queue in half last quarter, "
        "with the scripts we used. What would you add from your own team?")


async def answered(server: DiscordEmulator, interaction: Interaction) -> dict[str, Any]:
    """The interaction's first response, once the bot sent it."""
    await server.wait_for_request("POST",
                                    rf"/interactions/{interaction.payload['id']}/.+/callback")
    return interaction.responses[0]


async def critiqued(server: DiscordEmulator, slow: SlowModel, text: str,
                    author: str = "alice") -> tuple[dict[str, Any], dict[str, Any]]:
    """Post a draft and wait for its critique with the rewrite: (draft, critique)."""
    draft = await server.send_message(text, author=author)
    await server.wait_for_request(
        "PATCH", rf"/channels/{draft['id']}/messages/\d+",
        where=lambda r: slow.answer["rewrite"] in embed_text(r.body)
        or "offline rewrite" in embed_text(r.body))
    return draft, server.messages[server.answers_to(draft["id"])[0].reply["id"]]


async def thread_post(server: DiscordEmulator, draft: dict[str, Any], text: str,
                      since: int = 0) -> RecordedRequest:
    return await server.wait_for_request(
        "POST", rf"/channels/{draft['id']}/messages", since=since,
        where=lambda r: text in str(r.body.get("content", "")))


async def admin_says(server: DiscordEmulator, group: str, command: str,
                     **options: tuple[int, object]) -> str:
    """``/coach-admin group command`` run by the server owner (options: name -> (Discord's
    option type, value)); what the bot answered."""
    sent = await server.slash_command("coach-admin", [
        {"type": 2, "name": group, "options": [
            {"type": 1, "name": command, "options": [
                {"type": kind, "name": name, "value": value}
                for name, (kind, value) in options.items()]}]}], user="owner")
    return str((await answered(server, sent))["data"]["content"])


def member_id(server: DiscordEmulator, name: str) -> int:
    return int(server.world.member(name).id)


async def test_review_messages_name_exactly_who_may_be_pinged(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot,  # noqa: F811
) -> None:
    await watch_drafts_channel(emulator)
    alice, bob, carol = (member_id(emulator, n) for n in ("alice", "bob", "carol"))
    draft, card = await critiqued(emulator, model, BAIT)

    # Bob asks for changes: the answer may ping alice and nobody else.
    opened = await emulator.click(card, button(card, "Request changes"), user="bob")
    form = await answered(emulator, opened)
    submitted = await emulator.submit_modal(form["data"]["custom_id"],
                                            {"reason": "Lose the hard sell."}, user="bob",
                                            channel_id=draft["id"])
    response = await answered(emulator, submitted)
    mentions = response["data"]["allowed_mentions"]
    assert mentions["parse"] == []  # no @everyone, @here, roles or users from the text
    assert mentions["users"] == [alice]
    assert "roles" not in mentions and "replied_user" not in mentions
    assert f"<@{alice}>" in response["data"]["content"]
    # ...and bob, who acted, is added to the draft's thread.
    await emulator.wait_for_request("PUT", rf"/channels/{draft['id']}/thread-members/{bob}")
    assert emulator.thread_members[draft["id"]] == {str(bob)}

    # Alice posts a new version in the thread: bob is pinged to look at revision 2.
    since = emulator.mark()
    thread_name = emulator.world.channels[draft["id"]]["name"]
    await emulator.send_message(GOOD, channel=thread_name, author="alice")
    notice = await thread_post(emulator, draft, "please have a look at revision 2", since)
    assert notice.body["allowed_mentions"] == {"parse": [], "users": [bob]}
    assert notice.body["content"].endswith(f"<@{bob}>: please have a look at revision 2.")

    # Carol approves revision 2: alice is pinged; the text to copy pings nobody.
    await emulator.wait_for_request(
        "PATCH", rf"/channels/{draft['id']}/messages/{card['id']}", since=since,
        where=lambda r: "revision 2" in embed_text(r.body))
    card = emulator.messages[card["id"]]
    since = emulator.mark()
    approval = await emulator.click(card, button(card, "Approve"), user="carol")
    assert (await answered(emulator, approval))["type"] == 7  # no errors: no question
    announced = await thread_post(emulator, draft, "your draft is approved", since)
    assert announced.body["allowed_mentions"] == {"parse": [], "users": [alice]}
    final = await thread_post(emulator, draft, "```", since)
    assert final.body["content"] == f"```\n{GOOD}\n```"
    assert final.body["allowed_mentions"] == {"parse": []}
    await emulator.wait_for_request("PUT", rf"/channels/{draft['id']}/thread-members/{carol}")


async def test_the_adopted_rewrite_becomes_revision_two(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot,  # noqa: F811
) -> None:
    await watch_drafts_channel(emulator)
    rewrite = model.answer["rewrite"]
    draft, card = await critiqued(emulator, model, "Our revolutionary app!!! Click here.")

    since = emulator.mark()
    adopt = await emulator.click(card, button(card, "Use this rewrite"), user="alice")
    response = await answered(emulator, adopt)
    assert response["type"] == 4 and not response["data"].get("flags", 0) & 64  # public
    assert "used the rewrite as revision 2" in response["data"]["content"]
    posted = await thread_post(emulator, draft, rewrite, since)
    assert posted.body["content"] == f"```\n{rewrite}\n```"
    edit = await emulator.wait_for_request(
        "PATCH", rf"/channels/{draft['id']}/messages/{card['id']}", since=since,
        where=lambda r: "revision 2" in embed_text(r.body))
    assert "Revision 2" in embed_text(edit.body)
    assert button(edit.body, "Approve").endswith(":2")  # buttons for revision 2


async def pick_unhelpful(server: DiscordEmulator, card: dict[str, Any], user: str,
                         rule: str) -> dict[str, Any]:
    """``user`` says ``rule``'s finding on ``card`` is not helpful; the bot's answer."""
    pressed = await server.click(card, button(card, "Not helpful"), user=user)
    picker = await answered(server, pressed)
    assert picker["data"]["flags"] & 64  # only they see the picker
    select = picker["data"]["components"][0]["components"][0]
    assert rule in [o["value"] for o in select["options"]]
    assert pressed.original_id is not None
    chosen = await server.select(server.messages[pressed.original_id],
                                   select["custom_id"], [rule], user=user)
    form = await answered(server, chosen)
    assert form["type"] == 9
    sent = await server.submit_modal(form["data"]["custom_id"], {"reason": ""}, user=user)
    return (await answered(server, sent))["data"]


async def test_three_members_demote_a_rule_and_the_owner_restores_it(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot,  # noqa: F811
) -> None:
    await watch_drafts_channel(emulator)
    _, card = await critiqued(emulator, model, BAIT)

    for voter, count in (("bob", 1), ("carol", 2)):
        said = await pick_unhelpful(emulator, card, voter, "follow-for-follow")
        assert f"{count} of 3 teammates" in said["content"]
    said = await pick_unhelpful(emulator, card, "dave", "follow-for-follow")
    assert "now reports as a **warning** here" in said["content"]

    later, _ = await critiqued(emulator, model, BAIT + " Today.")
    first = emulator.answers_to(later["id"])[0].body["embeds"][0]
    assert "House style: follow-for-follow now a warning" in first["footer"]["text"]
    assert "⛔" not in first["description"]

    restored = await admin_says(emulator, "rules", "restore", rule=(3, "follow-for-follow"))
    assert "usual severity again" in restored
    back, _ = await critiqued(emulator, model, BAIT + " Promise.")
    again = emulator.answers_to(back["id"])[0].body["embeds"][0]
    assert "⛔" in again["description"] and "House style" not in again["footer"]["text"]


async def test_the_budget_runs_out_mid_day(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot,  # noqa: F811
) -> None:
    await watch_drafts_channel(emulator)
    budget = await admin_says(emulator, "llm", "budget", tokens=(4, 300), per=(3, "day"))
    assert "300 tokens per day" in budget

    await critiqued(emulator, model, BAIT)
    assert model.requests == 1  # the model wrote it (about 340 tokens)
    afternoon, _ = await critiqued(emulator, model, "Our revolutionary app!!! Click here.")
    final = emulator.answers_to(afternoon["id"])[-1].body["embeds"][0]
    fields = {f["name"].split(" · ")[0]: f for f in final["fields"]}
    assert "offline rewrite" in final["fields"][0]["name"]
    assert "model budget for the day is spent" in fields["Note"]["value"]
    assert model.requests == 1  # not asked again

    stats = await emulator.slash_command("coach", [{"type": 1, "name": "stats"}])
    embed = (await answered(emulator, stats))["data"]["embeds"][0]
    usage = next(f for f in embed["fields"] if f["name"].startswith("Model use"))
    used = int(usage["value"].split(" tokens")[0].replace(",", ""))
    assert used >= 300 and usage["value"].endswith("of 300")


async def test_quiet_channels_a_file_draft_and_a_dm(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot,  # noqa: F811
) -> None:
    await watch_drafts_channel(emulator)
    # An image alone: no thread, no message.
    since = emulator.mark()
    image = await emulator.send_message("", attachments=[
        emulator.attachment("launch.png", b"\x89PNG\r\n", "image/png")])
    # A .txt file: critiqued as the draft, in a thread named after it.
    text_file = await emulator.send_message("", attachments=[
        emulator.attachment("draft.txt", BAIT.encode())])
    first = await emulator.wait_for_request("POST", rf"/channels/{text_file['id']}/messages")
    assert "Follow for follow" in embed_text(first.body)
    assert emulator.world.channels[text_file["id"]]["name"] == f"Coaching: {BAIT}"
    await emulator.settle()
    assert not emulator.requests_to("POST", rf"/channels/\d+/messages/{image['id']}/threads",
                                    since=since)
    assert image["id"] not in emulator.world.channels and not emulator.answers_to(image["id"])

    # A DM: the same critique as /critique, findings first, then the rewrite.
    dm = await emulator.send_dm(BAIT + " Today.", author="bob")
    answer = await emulator.wait_for_request("POST", rf"/channels/{dm['channel_id']}/messages")
    assert "Follow for follow" in embed_text(answer.body)
    assert [button(answer.body, label) for label in ("Another version", "Why?", "Dismiss")]
    await emulator.wait_for_request(
        "PATCH", rf"/channels/{dm['channel_id']}/messages/{answer.reply['id']}",
        where=lambda r: model.answer["rewrite"] in embed_text(r.body))


async def test_members_see_help_the_queue_and_a_question_before_approving_errors(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot,  # noqa: F811
) -> None:
    await watch_drafts_channel(emulator)
    drafts_channel = emulator.world.channel("drafts")["id"]
    help_ = await emulator.slash_command("coach", [{"type": 1, "name": "help"}], user="bob")
    embed = (await answered(emulator, help_))["data"]["embeds"][0]
    channels = next(f for f in embed["fields"] if f["name"] == "Drafts channels here")
    assert channels["value"] == f"<#{drafts_channel}>"

    draft, card = await critiqued(emulator, model, BAIT)
    asked = await emulator.click(card, button(card, "Approve"), user="bob")
    question = (await answered(emulator, asked))["data"]
    assert question["flags"] & 64 and "still has 1 error" in question["content"]
    assert "Follow for follow" in question["content"]
    approve = question["components"][0]["components"][0]
    assert approve["label"] == "Approve anyway" and approve["custom_id"].endswith(":1")

    changes = await emulator.click(card, button(card, "Request changes"), user="carol")
    form = await answered(emulator, changes)
    sent = await emulator.submit_modal(form["data"]["custom_id"], {"reason": "Too pushy."},
                                       user="carol", channel_id=draft["id"])
    await answered(emulator, sent)
    queue = await emulator.slash_command("coach", [{"type": 1, "name": "queue"}], user="bob")
    embed = (await answered(emulator, queue))["data"]["embeds"][0]
    assert embed["title"] == "Drafts awaiting review (0)"
    [section] = embed["fields"]
    assert section["name"].startswith("Changes requested (1)")
    assert f"/{draft['id']})" in section["value"]


async def test_with_mentions_off_people_are_named_but_not_pinged(
        emulator: DiscordEmulator, model: SlowModel, running_bot: DraftcoachBot,  # noqa: F811
) -> None:
    await watch_drafts_channel(emulator)
    assert "without notifying" in await admin_says(emulator, "review", "mentions", on=(5, False))
    draft, card = await critiqued(emulator, model, BAIT)

    opened = await emulator.click(card, button(card, "Request changes"), user="bob")
    form = await answered(emulator, opened)
    sent = await emulator.submit_modal(form["data"]["custom_id"], {"reason": "Too pushy."},
                                       user="bob", channel_id=draft["id"])
    data = (await answered(emulator, sent))["data"]
    assert f"<@{member_id(emulator, 'alice')}>" in data["content"]
    assert data["allowed_mentions"] == {"parse": []}
