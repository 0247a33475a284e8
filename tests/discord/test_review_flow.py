"""Team review through Discord: approve, request changes, revise, post."""

from __future__ import annotations

import discord
import simcord
from reviewing import (
    BAIT,
    GOOD,
    add_member,
    as_seen,
    card,
    custom_id,
    press_together,
    review_field,
    thread_of,
)
from simworld import World, assert_within_limits, button_labels, critique_reply

from bot.discord.store import Store


async def request_changes(
    actor: simcord.MemberActor, reply: discord.Message, reason: str
) -> simcord.InteractionResult:
    shown = await actor.click(reply, label="Request changes")
    assert shown.modal is not None and shown.modal["title"] == "Request changes"
    return await actor.submit_modal(shown, {"reason": reason})


async def test_a_full_review_round_with_two_reviewers(world: World) -> None:
    await world.admin.slash(world.drafts, "coach-admin review approvals", count=2)
    carol = add_member(world, "carol")
    draft = await world.alice.send(world.drafts, BAIT)
    reply = critique_reply(world.drafts)
    assert button_labels(reply)[3:5] == ["Approve", "Request changes"]
    assert "**needs work** · revision 1 · approvals 0/2" in review_field(reply)

    # Bob approves, but the coach still finds errors: he is shown them and confirms.
    asked = await world.bob.click(reply, label="Approve")
    assert asked.ephemeral and "still has" in asked.response.content
    assert "Follow for follow" in asked.response.content  # the error, quoted
    assert "approvals 0/2" in review_field(critique_reply(world.drafts))  # not yet
    approved = await world.bob.click(asked.response.message, label="Approve anyway")
    assert approved.acknowledged and "Approved" in approved.response.content
    reply = next(m for m in thread_of(world, draft).history() if m.id == reply.id)
    assert "approvals 1/2" in review_field(reply)
    assert "Approved by bob" in review_field(reply)

    # Carol asks for changes: the reason goes to the thread and onto the card.
    asked = await request_changes(carol, reply, "Drop the hard sell; say what's in it for them.")
    assert not asked.ephemeral
    assert "carol" in asked.response.content and "Drop the hard sell" in asked.response.content
    card = next(m for m in thread_of(world, draft).history() if m.id == reply.id)
    assert "**changes requested**" in review_field(card)
    assert "carol: Drop the hard sell" in review_field(card)

    # Alice posts the new version in the thread: re-critiqued on the same card.
    await world.alice.send(thread_of(world, draft), GOOD)
    thread = thread_of(world, draft)
    card = next(m for m in thread.history() if m.id == reply.id)
    assert card.embeds[0].title.startswith("✅ Ready to post") and "(was " in card.embeds[0].title
    field = review_field(card)
    assert "**in review** · revision 2 · approvals 0/2" in field
    assert "Fixed:" in field and "No hard sell" in field
    assert "Earlier reviews no longer count" in field
    notices = [m for m in thread.history() if m.author.bot and "revision 2" in m.content]
    assert notices, "reviewers are told in the thread that their reviews were reset"
    assert_within_limits(card.embeds)

    # The old buttons were replaced by buttons for revision 2; both approve it.
    await world.bob.click(card, label="Approve")
    await carol.click(card, label="Approve")
    card = next(m for m in thread_of(world, draft).history() if m.id == reply.id)
    assert "**approved** · revision 2 · approvals 2/2" in review_field(card)
    assert "Approved by bob, carol" in review_field(card)

    # The author gets the final text to copy, and a Mark posted button.
    messages = [m for m in thread_of(world, draft).history() if m.author.bot]
    announcement = next(m for m in messages if "your draft is approved" in m.content)
    assert announcement.content.startswith(f"✅ {world.alice.mention}")
    final = messages[-1]
    assert final.content == f"```\n{GOOD}\n```"
    assert button_labels(final) == ["Mark posted"]

    refused = await world.bob.click(final, label="Mark posted")
    assert refused.ephemeral and "Only the draft's author" in refused.response.content
    shown = await world.alice.click(final, label="Mark posted")
    assert shown.modal is not None
    posted = await world.alice.submit_modal(shown, {"link": "https://x.com/acme/status/1"})
    assert "Marked as posted: https://x.com/acme/status/1" in posted.response.content
    card = next(m for m in thread_of(world, draft).history() if m.id == reply.id)
    assert "**posted**" in review_field(card)
    assert "https://x.com/acme/status/1" in review_field(card)

    late = await world.bob.click(card, label="Request changes")
    assert late.ephemeral and "already posted" in late.response.content

    # An edit after posting is critiqued, but the draft stays posted.
    await world.alice.edit(draft, BAIT)
    field = review_field(next(m for m in thread_of(world, draft).history() if m.id == reply.id))
    assert "**posted** · revision 2" in field and "Edited after it was posted" in field


async def test_the_author_cannot_approve_their_own_draft(world: World) -> None:
    await world.alice.send(world.drafts, GOOD)
    reply = critique_reply(world.drafts)

    mine = await world.alice.click(reply, label="Approve")
    assert mine.ephemeral and "can't approve your own draft" in mine.response.content
    own_changes = await world.alice.click(reply, label="Request changes")
    assert own_changes.ephemeral and own_changes.modal is None

    card = critique_reply(world.drafts)
    assert "**in review** · revision 1 · approvals 0/1" in review_field(card)
    assert "Approved by" not in review_field(card)


async def test_a_material_edit_resets_approvals_and_a_typo_fix_keeps_them(
    world: World, store: Store
) -> None:
    draft = await world.alice.send(world.drafts, GOOD)
    reply = card(world, draft)
    await world.bob.click(reply, label="Approve")
    assert "**approved**" in review_field(card(world, draft))

    # A typo-level edit: the approval stands, and nobody is asked to look again.
    await world.alice.edit(draft, GOOD.replace("quarter", "quartre"))
    shown = card(world, draft)
    assert "**approved** · revision 1" in review_field(shown)
    assert "Approved by bob" in review_field(shown)
    assert "reviews so far still count" in review_field(shown)
    finals = [m.content for m in thread_of(world, draft).history()
              if m.author.bot and m.content.startswith("```")]
    assert finals[-1] == f"```\n{GOOD.replace('quarter', 'quartre')}\n```"  # the fixed text

    # A real rewrite: back to review, the approval no longer counts.
    await world.alice.edit(draft, GOOD + " Our new onboarding guide is linked below too.")
    shown = card(world, draft)
    assert "**in review** · revision 2 · approvals 0/1" in review_field(shown)
    assert "Approved by" not in review_field(shown)

    # Approving the new version announces the approval again, with the new text.
    again = await world.bob.click(shown, label="Approve")
    assert not again.ephemeral
    assert "**approved** · revision 2" in review_field(card(world, draft))
    state = await store.review_state(1)
    assert state is not None and [r.reviewer_name for r in state.reviews] == ["bob"]
    finals = [m.content for m in thread_of(world, draft).history()
              if m.author.bot and m.content.startswith("```")]
    assert finals == [f"```\n{GOOD}\n```", f"```\n{GOOD.replace('quarter', 'quartre')}\n```",
                      f"```\n{GOOD} Our new onboarding guide is linked below too.\n```"]


async def test_a_reviewer_sees_the_new_version_when_the_draft_changed_under_them(
    world: World,
) -> None:
    draft = await world.alice.send(world.drafts, BAIT)
    before = critique_reply(world.drafts)
    seen_by_bob = as_seen(world.env, before)

    await world.alice.edit(draft, GOOD)

    # Bob's client still showed revision 1 when he pressed.
    [result] = await press_together(
        world.env, [(world.bob, seen_by_bob, custom_id(before, "Approve"))])
    assert result.ephemeral and "now revision 2" in result.response.content
    assert "approvals 0/1" in review_field(critique_reply(world.drafts))


async def test_conversation_in_the_thread_is_not_a_new_version(world: World) -> None:
    draft = await world.alice.send(world.drafts, BAIT)
    before = critique_reply(world.drafts).embeds[0].title

    await world.alice.send(thread_of(world, draft), "thanks, on it!")
    await world.bob.send(thread_of(world, draft), GOOD)  # a teammate's suggestion

    card = next(m for m in thread_of(world, draft).history() if m.embeds)
    assert card.embeds[0].title == before
    assert "revision 1" in review_field(card)


async def test_the_review_shows_in_full_on_the_longest_draft(world: World) -> None:
    sentence = "We are thrilled to announce our new synergy platform, BUY NOW!!! #growth "
    draft = await world.alice.send(world.drafts, (sentence * 60)[:2000])
    await request_changes(world.bob, card(world, draft), "Cut it to one idea. " * 20)

    shown = card(world, draft)
    assert_within_limits(shown.embeds)
    field = review_field(shown)
    assert "**changes requested** · revision 1 · approvals 0/1" in field
    assert "bob: Cut it to one idea." in field
    assert shown.embeds[0].fields[0].name.startswith("Rewrite ·")


async def test_the_author_can_ask_for_more_approvals_on_their_draft(world: World) -> None:
    carol = add_member(world, "carol")
    draft = await world.alice.send(world.drafts, GOOD)
    thread = thread_of(world, draft)

    not_hers = await world.bob.slash(thread, "coach review need", count=2)
    assert not_hers.ephemeral and "Only the draft's author" in not_hers.response.content
    asked = await world.alice.slash(thread, "coach review need", count=2)
    assert asked.ephemeral and "needs **2** approvals" in asked.response.content
    assert "approvals 0/2" in review_field(card(world, draft))

    await world.bob.click(card(world, draft), label="Approve")
    assert "**in review** · revision 1 · approvals 1/2" in review_field(card(world, draft))
    await carol.click(card(world, draft), label="Approve")
    assert "**approved**" in review_field(card(world, draft))

    elsewhere = await world.alice.slash(world.general, "coach review need", count=3)
    assert "Run this in the thread of your draft" in elsewhere.response.content
