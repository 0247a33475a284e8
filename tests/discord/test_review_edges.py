"""Team review when things happen at once or go away: concurrent presses, a deleted draft,
a reviewer who left, another version during review; and the queue and stats commands."""

from __future__ import annotations

import re

from reviewing import (
    BAIT,
    GOOD,
    add_member,
    approve,
    as_seen,
    card,
    custom_id,
    press_together,
    review_field,
    thread_of,
)
from simworld import World, assert_within_limits

from bot.discord.store import Store


def approval_announcements(world: World, draft: object) -> list[str]:
    return [m.content for m in thread_of(world, draft).history()  # type: ignore[arg-type]
            if m.author.bot and "your draft is approved" in m.content]


async def test_two_reviewers_pressing_at_once_both_count_once(world: World, store: Store) -> None:
    await world.admin.slash(world.drafts, "coach-admin review approvals", count=2)
    carol = add_member(world, "carol")
    draft = await world.alice.send(world.drafts, GOOD)
    shown = card(world, draft)
    seen, approve = as_seen(world.env, shown), custom_id(shown, "Approve")

    results = await press_together(world.env, [
        (world.bob, seen, approve), (carol, seen, approve), (world.bob, seen, approve),
    ])

    assert all(r.acknowledged for r in results)
    state = await store.review_state(1)
    assert state is not None
    assert sorted(r.reviewer_name for r in state.reviews) == ["bob", "carol"]
    field = review_field(card(world, draft))
    assert "**approved** · revision 1 · approvals 2/2" in field
    assert len(approval_announcements(world, draft)) == 1


async def test_approve_and_request_changes_at_once_lose_neither(world: World) -> None:
    carol = add_member(world, "carol")
    draft = await world.alice.send(world.drafts, GOOD)
    shown = card(world, draft)
    asked = await carol.click(shown, label="Request changes")  # carol is typing her reason

    await world.bob.click(shown, label="Approve")
    await carol.submit_modal(asked, {"reason": "Name the three things in the first line."})

    field = review_field(card(world, draft))
    assert "**changes requested**" in field
    assert "Approved by bob" in field and "carol: Name the three things" in field
    # The approval came first and was announced; the change request now stands.
    assert len(approval_announcements(world, draft)) == 1


async def test_a_deleted_draft_shows_it_and_its_buttons_answer_politely(world: World) -> None:
    draft = await world.alice.send(world.drafts, BAIT)
    shown = card(world, draft)
    seen, approve = as_seen(world.env, shown), custom_id(shown, "Approve")

    await world.alice.delete(draft)

    [pressed] = await press_together(world.env, [(world.bob, seen, approve)])
    assert pressed.ephemeral and "was deleted" in pressed.response.content
    queue = await world.bob.slash(world.drafts, "coach queue")
    assert "No drafts are waiting" in queue.response.embeds[0].description
    # The thread outlives its starter message, as on Discord, and the card says why.
    assert "The draft message was deleted." in review_field(card(world, draft))


async def test_a_reviewer_who_left_still_counts_and_shows_by_name(world: World) -> None:
    draft = await world.alice.send(world.drafts, GOOD)
    await world.bob.click(card(world, draft), label="Approve")

    world.guild.remove_member(world.bob)
    await world.env.settle()
    # A typo fix re-renders the card from the store: bob's approval stands, by name.
    await world.alice.edit(draft, GOOD.replace("quarter", "quartr"))

    field = review_field(card(world, draft))
    assert "**approved**" in field and "Approved by bob" in field
    stats = await world.alice.slash(world.drafts, "coach stats")
    assert "Drafts:** 1" in stats.response.embeds[0].description


async def test_another_version_keeps_the_review_on_the_card(world: World) -> None:
    draft = await world.alice.send(world.drafts, BAIT)
    await approve(world.bob, card(world, draft))

    await world.alice.click(card(world, draft), label="Another version")

    shown = card(world, draft)
    assert "writing" not in shown.embeds[0].fields[0].name
    assert "Approved by bob" in review_field(shown)
    assert_within_limits(shown.embeds)


async def test_the_queue_lists_drafts_awaiting_review_oldest_first(world: World) -> None:
    carol = add_member(world, "carol")
    first = await world.alice.send(world.drafts, BAIT)
    await world.env.advance_time(60)
    await world.bob.send(world.drafts, GOOD)
    await world.env.advance_time(60)
    approved = await carol.send(world.drafts, GOOD + " Thanks!")
    await world.alice.click(card(world, approved), label="Approve")
    changes = await carol.send(world.drafts, "Launch day: " + GOOD)
    shown = await world.bob.click(card(world, changes), label="Request changes")
    await world.bob.submit_modal(shown, {"reason": "Lead with the number."})

    result = await world.alice.slash(world.drafts, "coach queue")

    assert result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "Drafts awaiting review (2)"
    lines = embed.description.splitlines()
    assert len(lines) == 2
    # Authors as mentions: Discord shows their names, and embeds never ping.
    assert f"by {world.alice.mention}" in lines[0] and "needs work" in lines[0]
    assert f"by {world.bob.mention}" in lines[1] and "in review" in lines[1]
    scores = [int(s) for s in re.findall(r"· (\d+)/100 ·", embed.description)]
    first_score = card(world, first).embeds[0].title.split("· ")[1].split("/")[0]
    assert scores[0] == int(first_score) and scores[1] > scores[0]
    assert f"/{first.channel.id}/{first.id})" in lines[0]  # a link to the draft

    shared = await world.alice.slash(world.drafts, "coach queue", share=True)
    assert not shared.ephemeral


async def test_stats_show_a_members_drafts_and_the_reviews_they_gave(world: World) -> None:
    draft = await world.alice.send(world.drafts, BAIT)
    await world.alice.send(world.drafts, "Follow for follow, friends! New post is up.")
    await world.alice.edit(draft, GOOD)
    bobs = await world.bob.send(world.drafts, GOOD + " Bob here.")
    await world.alice.click(card(world, draft), label="Approve")  # her own: refused
    await world.bob.click(card(world, draft), label="Approve")
    shown = await world.alice.click(card(world, bobs), label="Request changes")
    await world.alice.submit_modal(shown, {"reason": "Sign it as the team."})

    mine = await world.alice.slash(world.drafts, "coach stats")

    assert mine.ephemeral
    embed = mine.response.embeds[0]
    assert embed.title == "alice's drafts"
    assert "**Drafts:** 2 (0 posted)" in embed.description
    tripped = next(f.value for f in embed.fields if f.name == "Principles tripped most")
    assert tripped.splitlines()[0].startswith("• **No follow-for-follow**")
    assert tripped.splitlines()[0].endswith(": 2 drafts")
    given = next(f.value for f in embed.fields if f.name == "Reviews given to teammates")
    assert given == "1 (0 approvals, 1 change requests)"

    bob = await world.alice.slash(world.drafts, "coach stats", member=world.bob, share=True)
    assert not bob.ephemeral
    embed = bob.response.embeds[0]
    assert embed.title == "bob's drafts" and "**Drafts:** 1" in embed.description
    given = next(f.value for f in embed.fields if f.name == "Reviews given to teammates")
    assert given == "1 (1 approvals, 0 change requests)"


async def test_only_managers_set_how_many_approvals_a_draft_needs(world: World) -> None:
    assert "coach-admin review approvals" not in world.bob.available_commands(world.drafts)

    done = await world.admin.slash(world.drafts, "coach-admin review approvals", count=3)
    assert "need **3** teammate approvals" in done.response.content
    draft = await world.alice.send(world.drafts, GOOD)
    assert "approvals 0/3" in review_field(card(world, draft))
