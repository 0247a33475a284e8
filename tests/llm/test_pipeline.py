"""The pipeline the CLI and the cogs share: the model when configured, offline otherwise."""

from __future__ import annotations

from bot.coach import Coach
from bot.pipeline import NO_OTHER_VERSION, Pipeline

from .conftest import MakeRewriter
from .server import Answer, ModelServer, answer_json

DRAFT = "Buy now!!! Our planner is the one your week needs"
REWRITE = "What would make your Monday easier? Tell us below."


async def test_without_a_model_the_rewrite_is_offline(coach: Coach) -> None:
    pipeline = Pipeline(coach)
    critique = await pipeline.critique(DRAFT, "x")
    assert not pipeline.uses_model
    assert critique.to_dict()["rewrite"]["source"] == "offline"
    assert critique.findings == coach.assess(DRAFT, "x").findings


async def test_with_a_model_the_rewrite_comes_from_it(
    model_server: ModelServer, make_rewriter: MakeRewriter, coach: Coach
) -> None:
    model_server.then(Answer(answer_json(REWRITE)))
    pipeline = Pipeline(coach, make_rewriter())
    critique = await pipeline.critique(DRAFT, "x", tone="warm")
    data = critique.to_dict()
    assert data["rewrite"]["source"] == "llm"
    assert data["rewrite"]["text"] == REWRITE
    assert data["verdict"] == "almost"  # the draft's own verdict is unchanged
    assert "warm" in model_server.received[0].user_text


async def test_offline_flag_never_calls_the_model(
    model_server: ModelServer, make_rewriter: MakeRewriter, coach: Coach
) -> None:
    pipeline = Pipeline(coach, make_rewriter())
    critique = await pipeline.critique(DRAFT, "x", offline=True)
    assert critique.rewrite is not None and critique.rewrite.source == "offline"
    assert model_server.received == []


async def test_another_version_offline_says_there_is_none(coach: Coach) -> None:
    pipeline = Pipeline(coach)
    assessment = coach.assess(DRAFT, "x")
    again = await pipeline.rewrite(assessment, fresh=True)
    assert again.text == (await pipeline.rewrite(assessment)).text
    assert again.note == NO_OTHER_VERSION
    assert not pipeline.another_version_possible(offline=False)
