"""The team's review workflow through Discord: who hears what, adopting the rewrite,
answering findings, the queue and help, and quiet drafts channels."""

from __future__ import annotations

from typing import Any

import discord
import simcord
from reviewing import (
    BAIT,
    GOOD,
    HYPE,
    add_member,
    approve,
    card,
    not_helpful,
    review_field,
    thread_of,
)
from simworld import World, bot_messages

from bot.discord.store import Store


def sent_with(world: World, text: str) -> list[dict[str, Any]]:
    """The bodies of the bot's messages whose text contains ``text``."""
    bodies = []
    for request in world.env.http_requests:
        if request.method != "POST" or not isinstance(request.json, dict):
            continue
        body = request.json.get("data") if "/interactions/" in request.path else request.json
        if isinstance(body, dict) and text in str(body.get("content") or ""):
            bodies.append(body)
    return bodies


def stored(world: World, message: discord.Message) -> Any:
    return world.env.backend.get_message(message.channel.id, message.id)


def thread_members(world: World, draft: discord.Message) -> set[int]:
    return set(world.env.backend.get_channel(draft.id).thread_members)


async def request_changes(
    actor: simcord.MemberActor, message: Any, reason: str
) -> simcord.InteractionResult:
    shown = await actor.click(message, label="Request changes")
    return await actor.submit_modal(shown, {"reason": reason})


# ----------------------------------------------------------------- mentions


async def test_review_messages_ping_exactly_the_people_they_concern(world: World) -> None:
    carol = add_member(world, "carol")
    draft = await world.alice.send(world.drafts, BAIT)
    assert world.bob.id not in thread_members(world, draft)

    # Changes requested: the author is pinged, nobody else; bob joins the thread.
    asked = await request_changes(world.bob, card(world, draft), "Lose the hard sell.")
    assert asked.response.content.startswith(f"✏️ **bob** asked {world.alice.mention}")
    [body] = sent_with(world, "asked")
    assert body["allowed_mentions"] == {"parse": [], "users": [world.alice.id]}
    assert stored(world, asked.response.message).ping_user_ids == [world.alice.id]
    assert world.bob.id in thread_members(world, draft)

    # A new revision: the reviewer who acted is pinged to look again, not the author.
    await world.alice.send(thread_of(world, draft), GOOD)
    notice = next(m for m in thread_of(world, draft).history()
                  if m.author.bot and "revision 2" in m.content)
    assert f"{world.bob.mention}: please have a look at revision 2" in notice.content
    assert stored(world, notice).ping_user_ids == [world.bob.id]
    [body] = sent_with(world, "please have a look")
    assert body["allowed_mentions"] == {"parse": [], "users": [world.bob.id]}

    # Approved: the author is pinged; the copyable text pings nobody.
    await approve(carol, card(world, draft))
    assert carol.id in thread_members(world, draft)
    announcement = next(m for m in thread_of(world, draft).history()
                        if "your draft is approved" in m.content)
    assert stored(world, announcement).ping_user_ids == [world.alice.id]
    final = thread_of(world, draft).last_message
    assert final.content == f"```\n{GOOD}\n```" and not stored(world, final).ping_user_ids
    # Nobody else heard anything: no role, no @everyone, no one unnamed (see conftest).
    pinged = {u for m in bot_messages(world.env) for u in m.ping_user_ids}
    assert pinged == {world.alice.id, world.bob.id}


async def test_a_server_can_switch_mentions_off(world: World) -> None:
    done = await world.admin.slash(world.general, "coach-admin review mentions", on=False)
    assert "without notifying" in done.response.content
    draft = await world.alice.send(world.drafts, BAIT)

    asked = await request_changes(world.bob, card(world, draft), "Lose the hard sell.")

    assert world.alice.mention in asked.response.content  # still named...
    assert stored(world, asked.response.message).ping_user_ids == []  # ...not pinged
    [body] = sent_with(world, "asked")
    assert body["allowed_mentions"] == {"parse": []}


# ------------------------------------------------------------ the rewrite


async def test_the_author_adopts_the_rewrite_as_the_next_revision(
    world: World, store: Store
) -> None:
    draft = await world.alice.send(world.drafts, HYPE)
    await approve(world.bob, card(world, draft))
    assert "**approved** · revision 1" in review_field(card(world, draft))
    rewrite = await store.draft_rewrite(1)
    assert rewrite and rewrite != HYPE

    refused = await world.bob.click(card(world, draft), label="Use this rewrite")
    assert refused.ephemeral and "Only the draft's author" in refused.response.content

    adopted = await world.alice.click(card(world, draft), label="Use this rewrite")
    assert not adopted.ephemeral
    assert "**alice** used the rewrite as revision 2" in adopted.response.content
    thread = thread_of(world, draft)
    assert f"```\n{rewrite}\n```" in [m.content for m in thread.history()]  # posted
    shown = card(world, draft)
    field = review_field(shown)
    assert "revision 2 · approvals 0/1" in field  # approvals reset
    assert "Earlier reviews no longer count" in field
    assert "(was 73" in shown.embeds[0].title  # critiqued again
    assert (await store.draft(1)).text == rewrite  # type: ignore[union-attr]

    again = await world.alice.click(shown, label="Use this rewrite")
    assert again.ephemeral and "already your draft" in again.response.content

    # Approved now: the text to copy is the approved revision, the rewrite.
    await approve(world.bob, card(world, draft))
    finals = [m.content for m in thread_of(world, draft).history()
              if m.author.bot and m.content.startswith("```")]
    assert finals[-1] == f"```\n{rewrite}\n```"
    assert finals[0] == f"```\n{HYPE}\n```"  # revision 1's own approval


async def test_approving_a_draft_without_errors_asks_nothing(world: World) -> None:
    draft = await world.alice.send(world.drafts, GOOD)

    approved = await world.bob.click(card(world, draft), label="Approve")

    assert not approved.ephemeral
    assert "**approved**" in review_field(card(world, draft))


# -------------------------------------------------------- answering findings


async def test_three_teammates_demote_a_rule_and_an_admin_restores_it(world: World) -> None:
    carol, dave = add_member(world, "carol"), add_member(world, "dave")
    draft = await world.alice.send(world.drafts, BAIT)
    assert "⛔" in card(world, draft).embeds[0].description

    first = await not_helpful(world.bob, card(world, draft), "follow-for-follow",
                              "We run follow trains on purpose.")
    assert "1 of 3 teammates" in first.response.content
    twice = await not_helpful(world.bob, card(world, draft), "follow-for-follow")
    assert "1 of 3 teammates" in twice.response.content  # one member counts once
    await not_helpful(carol, card(world, draft), "follow-for-follow")
    third = await not_helpful(dave, card(world, draft), "follow-for-follow")
    assert "now reports as a **warning** here instead of an error" in third.response.content
    fourth = await not_helpful(world.admin, card(world, draft), "follow-for-follow")
    assert "already made `follow-for-follow` one level milder" in fourth.response.content
    mildest = await not_helpful(world.bob, card(world, draft), "exclamation-pileup")
    assert "already a suggestion, as mild as it gets" in mildest.response.content

    # The next critique says so once, in its footer, and reports the rule milder.
    later = await world.alice.send(world.drafts, BAIT + " Seriously.")
    shown = card(world, later)
    assert "House style: follow-for-follow now a warning" in shown.embeds[0].footer.text
    assert "⛔" not in shown.embeds[0].description
    after = await world.alice.send(world.drafts, BAIT + " Really.")
    assert "House style" not in card(world, after).embeds[0].footer.text

    listing = await world.alice.slash(world.general, "coach rules list")
    assert "`follow-for-follow`: error → warning, demoted by the team" in \
        listing.response.content
    stats = await world.alice.slash(world.general, "coach stats")
    fields = stats.response.embeds[0].fields
    dismissed = next(f.value for f in fields
                     if f.name.startswith("Rules the team dismisses most"))
    assert not [f for f in fields if f.name.startswith("Model use")]  # no model here
    assert dismissed.splitlines() == [
        "• `follow-for-follow`: 4 members found it unhelpful",
        "• `exclamation-pileup`: 1 member found it unhelpful"]

    restored = await world.admin.slash(world.general, "coach-admin rules restore",
                                       rule="follow-for-follow")
    assert "usual severity again" in restored.response.content
    back = await world.alice.send(world.drafts, BAIT + " Promise.")
    assert "⛔" in card(world, back).embeds[0].description
    listing = await world.alice.slash(world.general, "coach rules list")
    assert "follow-for-follow" not in listing.response.content


# ----------------------------------------------------------- queue and help


async def test_the_queue_lists_changes_requested_oldest_request_first(world: World) -> None:
    first = await world.alice.send(world.drafts, BAIT)
    second = await world.bob.send(world.drafts, BAIT + " Today only.")
    waiting = await world.alice.send(world.drafts, GOOD)
    await request_changes(world.admin, card(world, second), "Too pushy.")
    await world.env.advance_time(60)
    await request_changes(world.admin, card(world, first), "Too pushy.")

    queue = await world.bob.slash(world.drafts, "coach queue")

    embed = queue.response.embeds[0]
    assert embed.title == "Drafts awaiting review (1)"
    assert f"/{waiting.id})" in embed.description
    field = next(f for f in embed.fields if f.name.startswith("Changes requested (2)"))
    lines = field.value.splitlines()
    assert f"/{second.id})" in lines[0] and f"/{first.id})" in lines[1]


async def test_help_shows_every_member_the_drafts_channels(world: World) -> None:
    shown = await world.alice.slash(world.general, "coach help")

    embed = shown.response.embeds[0]
    channels = next(f.value for f in embed.fields if f.name == "Drafts channels here")
    assert channels == f"<#{world.drafts.id}>"
    assert "Use this rewrite" in embed.description and "Not helpful" in embed.description
