"""Drafts channels: paste a draft, get findings and a rewrite in a thread; edit it."""

from __future__ import annotations

import time

import discord
import pytest
from simcord.backend import serializers
from simworld import World, assert_within_limits, bot_messages, button_labels, critique_reply

from bot.discord.render import VERDICT_STYLES
from bot.discord.store import Store

BAIT = "Follow for follow!!! BUY NOW before it's gone"
GOOD = (
    "We wrote up the three things that cut our support queue in half last quarter, "
    "with the scripts we used. What would you add from your own team?"
)


async def test_a_draft_gets_findings_and_a_rewrite_in_a_thread_on_it(world: World) -> None:
    draft = await world.alice.send(world.drafts, BAIT)

    thread = world.drafts.threads[0]
    assert thread.id == draft.id  # the thread hangs off the draft message itself
    reply = critique_reply(world.drafts)
    embed = reply.embeds[0]
    assert embed.title.startswith("🛑 Needs work ·")
    assert embed.colour.value == VERDICT_STYLES["needs-work"].colour
    # Findings grouped by principle, each with the offending words quoted.
    assert "**No follow-for-follow** · `no-engagement-bait`" in embed.description
    assert "Follow for follow" in embed.description  # the offending words, quoted
    assert "**No hard sell**" in embed.description
    rewrite = embed.fields[0]
    assert rewrite.name.startswith("Rewrite ·") and "offline rewrite" in rewrite.name
    assert "writing" not in rewrite.name
    assert button_labels(reply) == [
        "Another version", "Why?", "Dismiss", "Approve", "Request changes",
        "Use this rewrite", "Not helpful"]
    assert_within_limits(reply.embeds)


async def test_the_findings_are_shown_before_the_rewrite_arrives(world: World) -> None:
    await world.alice.send(world.drafts, BAIT)

    reply = critique_reply(world.drafts)
    sent = [r for r in world.env.http_requests
            if r.method == "POST" and r.path == f"/channels/{reply.channel.id}/messages"]
    edits = [r for r in world.env.http_requests
             if r.method == "PATCH" and str(reply.id) in r.path]
    assert len(sent) == 1 and edits, "the reply is posted first, then edited with the rewrite"
    first_embed = sent[0].json["embeds"][0]
    assert "Follow for follow" in first_embed["description"]
    assert "writing" in first_embed["fields"][0]["name"]
    assert "writing" not in edits[-1].json["embeds"][0]["fields"][0]["name"]


async def test_a_good_draft_is_green_and_ready(world: World) -> None:
    await world.alice.send(world.drafts, GOOD)

    embed = critique_reply(world.drafts).embeds[0]
    assert embed.title.startswith("✅ Ready to post · ")
    assert embed.colour.value == VERDICT_STYLES["ready"].colour


async def test_editing_the_draft_updates_the_same_reply_with_the_score_change(
    world: World,
) -> None:
    draft = await world.alice.send(world.drafts, BAIT)
    reply = critique_reply(world.drafts)
    before = reply.embeds[0].title

    await world.alice.edit(draft, GOOD)

    thread = world.drafts.threads[0]
    bot_replies = [m for m in thread.history() if m.author.bot]
    assert len(bot_replies) == 1, "an edit updates the answer instead of posting another"
    after = thread.last_message.embeds[0].title
    assert after != before
    assert after.startswith("✅ Ready to post")
    assert "(was " in after and "+" in after


async def test_a_repeated_gateway_event_gets_one_critique(world: World) -> None:
    draft = await world.alice.send(world.drafts, BAIT)
    stored = world.env.backend.get_message(world.drafts.id, draft.id)

    # A resumed session replays the same MESSAGE_CREATE.
    world.env.backend.announce_message_create(stored)
    world.env.backend.announce_message_create(stored)
    await world.env.settle()

    assert len(world.drafts.threads) == 1
    assert len([m for m in bot_messages(world.env) if m.embeds]) == 1


async def test_a_draft_full_of_mentions_pings_nobody(world: World) -> None:
    role = world.guild.create_role("Everyone-ish", mentionable=True)
    text = (f"@everyone @here {world.bob.mention} <@&{role.id}> FOLLOW FOR FOLLOW "
            f"@everyone {world.admin.mention} <@&{role.id}>!!!")
    await world.alice.send(world.drafts, text)

    reply = critique_reply(world.drafts)
    assert "everyone" in reply.embeds[0].description  # quoted, but defused
    sent = bot_messages(world.env)
    assert sent
    for message in sent:
        assert not message.mention_everyone
        assert not message.ping_user_ids
        assert not message.ping_role_ids
    for request in world.env.http_requests:
        if request.method in ("POST", "PATCH") and isinstance(request.json, dict):
            body = request.json.get("data", request.json)
            if "content" in body or "embeds" in body:
                assert body.get("allowed_mentions", {}).get("parse") == [], request.path


async def test_the_longest_message_draft_fits_discord(world: World) -> None:
    sentence = "We are thrilled to announce our new synergy platform, BUY NOW!!! #growth "
    text = (sentence * 60)[:2000]  # a member's message holds 2000 characters
    await world.alice.send(world.drafts, text)

    reply = critique_reply(world.drafts)
    assert_within_limits(reply.embeds)
    assert reply.embeds[0].fields[0].name.startswith("Rewrite ·")


async def test_a_message_without_text_opens_no_thread(world: World) -> None:
    await world.alice.send(world.drafts, "", attachments=[("draft.png", b"\x89PNG\r\n")])

    assert world.drafts.threads == []
    assert bot_messages(world.env, interactions=False) == []


async def test_a_txt_file_is_critiqued_as_the_draft(world: World) -> None:
    await world.alice.send(world.drafts, "", attachments=[("draft.txt", BAIT.encode())])

    reply = critique_reply(world.drafts)
    assert reply.embeds[0].title.startswith("🛑 Needs work")
    assert "Follow for follow" in reply.embeds[0].description
    assert world.drafts.threads[0].name == f"Coaching: {BAIT}"


async def test_a_txt_file_over_the_cap_gets_one_line(world: World) -> None:
    await world.alice.send(world.drafts, "",
                           attachments=[("draft.txt", ("word " * 1000).encode())])

    reply = critique_reply(world.drafts)
    assert "longer than the 4000 characters" in reply.content and not reply.embeds


async def test_a_draft_sent_by_dm_gets_the_critique(world: World) -> None:
    await world.alice.user.send_dm(BAIT)

    [answer] = [m for m in world.alice.user.dm_channel.history() if m.author.bot]
    assert answer.embeds[0].title.startswith("🛑 Needs work")
    assert "Follow for follow" in answer.embeds[0].description
    assert "writing" not in answer.embeds[0].fields[0].name  # the rewrite arrived
    assert button_labels(answer) == ["Another version", "Why?", "Dismiss"]


async def test_messages_outside_drafts_channels_are_left_alone(world: World) -> None:
    await world.alice.send(world.general, BAIT)

    assert world.general.threads == []
    assert bot_messages(world.env, interactions=False) == []


@pytest.fixture
def discord_options() -> dict[str, object]:
    return {"cooldown_rate": 2, "cooldown_seconds": 60.0}


async def test_the_cooldown_answers_politely_then_lets_the_member_back(world: World) -> None:
    for n in range(2):
        await world.alice.send(world.drafts, f"{BAIT} {n}")
    third = await world.alice.send(world.drafts, f"{BAIT} again")

    answers = {t.id: t.last_message for t in world.drafts.threads}
    assert "try again in" in answers[third.id].content
    assert not answers[third.id].embeds
    # Another member is not held back by Alice's pace.
    await world.bob.send(world.drafts, GOOD)
    assert [t for t in world.drafts.threads if t.last_message.embeds
            and t.last_message.embeds[0].title.startswith("✅")]

    await world.env.advance_time(61)
    fourth = await world.alice.send(world.drafts, f"{BAIT} later")
    answer = next(t for t in world.drafts.threads if t.id == fourth.id).last_message
    assert answer.embeds and answer.embeds[0].title.startswith("🛑")

    # The draft that waited gets its critique when Alice edits it.
    await world.alice.edit(third, GOOD)
    waited = next(t for t in world.drafts.threads if t.id == third.id).last_message
    assert waited.content == ""
    assert waited.embeds[0].title.startswith("✅")


async def test_without_thread_permission_the_answer_is_a_reply(world: World) -> None:
    no_threads = world.guild.create_text_channel(
        "announcements-drafts",
        overwrites={world.guild.me: discord.PermissionOverwrite(create_public_threads=False)},
    )
    await world.admin.slash(no_threads, "coach-admin channels add")

    draft = await world.alice.send(no_threads, BAIT)

    assert no_threads.threads == []
    reply = no_threads.last_message
    assert reply.author.bot and reply.reference.message_id == draft.id
    assert "Follow for follow" in reply.embeds[0].description


async def test_a_repeated_edit_event_changes_nothing(world: World) -> None:
    draft = await world.alice.send(world.drafts, BAIT)
    await world.alice.edit(draft, GOOD)
    edits = len([r for r in world.env.http_requests if r.method == "PATCH"])

    stored = world.env.backend.get_message(world.drafts.id, draft.id)
    payload = dict(serializers.message_payload(world.env.backend, stored))
    world.env.backend.emit("MESSAGE_UPDATE", payload)
    await world.env.settle()

    assert len([r for r in world.env.http_requests if r.method == "PATCH"]) == edits


async def test_another_version_after_the_retention_period_explains_itself(
    world: World, store: Store
) -> None:
    await world.alice.send(world.drafts, BAIT)
    reply = critique_reply(world.drafts)
    await store.purge_texts(30, now=time.time() + 31 * 86400)

    result = await world.alice.click(reply, label="Another version")

    assert result.ephemeral
    assert "only keep a draft's text for 30 days" in result.response.content


async def test_when_discord_refuses_the_edits_the_findings_still_stand(world: World) -> None:
    world.env.inject_error("PATCH", "/channels/*/messages/*", status=500, times=None)

    await world.alice.send(world.drafts, BAIT)

    reply = critique_reply(world.drafts)
    assert "Follow for follow" in reply.embeds[0].description
    assert "writing" in reply.embeds[0].fields[0].name  # the rewrite could not be shown
