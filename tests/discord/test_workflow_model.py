"""A server's model budget: the model writes rewrites until the budget is spent, then the
offline rewrite serves with a note, until the budget renews or is lifted."""

from __future__ import annotations

import pytest
from reviewing import card
from simworld import World

from bot.discord.store import Store
from bot.pipeline import Pipeline
from tests.llm.server import Answer, ModelServer, answer_json

BETTER = "We just opened our spring workshop list. Which topic should we run first?"
DRAFTS = (
    "Follow for follow!!! BUY NOW before it's gone",
    "We are thrilled to announce our revolutionary synergy platform!!! Click here.",
    "Our game-changing app is here!!! Learn more.",
    "Excited to announce our new planner. It sorts your week in two clicks!!!",
)


@pytest.fixture
def pipeline(model_pipeline: Pipeline) -> Pipeline:
    return model_pipeline


@pytest.fixture
async def model_url(model_server: ModelServer) -> str:
    # 120 prompt + 40 completion tokens an answer.
    model_server.always(Answer(answer_json(BETTER), chunk=400))
    return model_server.url


def rewrite_field(world: World, draft: object) -> tuple[str, str]:
    embed = card(world, draft).embeds[0]  # type: ignore[arg-type]
    note = next((f.value for f in embed.fields if f.name == "Note"), "")
    return embed.fields[0].name, note


async def test_the_budget_runs_out_mid_day_and_can_be_lifted(
    world: World, model_server: ModelServer, store: Store
) -> None:
    done = await world.admin.slash(world.general, "coach-admin llm budget", tokens=300,
                                   per="day")
    assert "**300 tokens per day**" in done.response.content and "300 left" in done.response.content

    first = await world.alice.send(world.drafts, DRAFTS[0])
    second = await world.alice.send(world.drafts, DRAFTS[1])  # 160 used: still under 300
    assert "model" in rewrite_field(world, first)[0]
    assert "model" in rewrite_field(world, second)[0]
    assert len(model_server.received) == 2

    third = await world.alice.send(world.drafts, DRAFTS[2])  # 320 used: spent
    name, note = rewrite_field(world, third)
    assert "offline rewrite" in name
    assert "model budget for the day is spent" in note
    assert len(model_server.received) == 2  # the model was not asked
    assert await store.model_usage(world.guild.id, "day") == 320

    stats = await world.alice.slash(world.general, "coach stats")
    usage = next(f for f in stats.response.embeds[0].fields if f.name.startswith("Model use"))
    assert usage.name == "Model use by this server this day"
    assert usage.value == "320 tokens of 300"

    lifted = await world.admin.slash(world.general, "coach-admin llm budget", tokens=0,
                                     per="day")
    assert "No model budget here now" in lifted.response.content
    fourth = await world.alice.send(world.drafts, DRAFTS[3])
    assert "model" in rewrite_field(world, fourth)[0]
    assert len(model_server.received) == 3
