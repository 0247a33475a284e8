"""The rewrite from a real model client: streaming into the reply, and a model that fails.

Whatever the model does, the user gets the rules findings at once and a rewrite
after, and interactions are acknowledged inside Discord's 3 seconds.
"""

from __future__ import annotations

from typing import Any

import pytest
from simworld import World, assert_within_limits, critique_reply

from bot.pipeline import Pipeline
from tests.llm.server import Answer, Hang, ModelServer, answer_json

BAIT = "Follow for follow!!! BUY NOW before it's gone"
BETTER = "We just opened our spring workshop list. Which topic should we run first?"


@pytest.fixture
def pipeline(model_pipeline: Pipeline) -> Pipeline:
    return model_pipeline


def interaction_callbacks(world: World) -> list[dict]:
    return [r.json for r in world.env.http_requests
            if r.method == "POST" and r.path.startswith("/interactions/")]


def assert_findings_came_first(world: World, model_server: ModelServer) -> None:
    """The interaction's first answer had the findings and "writing…", not the rewrite."""
    first = interaction_callbacks(world)[-1]["data"]["embeds"][0]
    assert "writing" in first["fields"][0]["name"]
    assert "Follow for follow" in first["description"]
    assert model_server.received, "the model was asked"


async def reply_and_its_edits(world: World) -> tuple[Any, list[dict[str, Any]]]:
    """Alice's draft posted in the drafts channel: the bot's reply, and each edit of it."""
    await world.alice.send(world.drafts, BAIT)
    reply = critique_reply(world.drafts)
    edits = [r.json["embeds"][0] for r in world.env.http_requests
             if r.method == "PATCH" and r.path.endswith(f"/messages/{reply.id}")]
    return reply, edits


class TestModelDown:
    @pytest.fixture
    def model_url(self, refused_url: str) -> str:
        return refused_url

    async def test_critique_still_gets_findings_and_the_offline_rewrite(
        self, world: World
    ) -> None:
        result = await world.alice.slash(world.general, "critique", draft=BAIT)

        assert result.acknowledged
        first = interaction_callbacks(world)[-1]["data"]["embeds"][0]
        assert "Follow for follow" in first["description"]  # findings in the first answer
        embed = result.response.embeds[0]
        assert "offline rewrite" in embed.fields[0].name
        note = next(f for f in embed.fields if f.name == "Note")
        assert "unavailable" in note.value.lower()

    async def test_a_draft_in_a_drafts_channel_still_gets_its_answer(self, world: World) -> None:
        await world.alice.send(world.drafts, BAIT)

        embed = critique_reply(world.drafts).embeds[0]
        assert "Follow for follow" in embed.description
        assert "offline rewrite" in embed.fields[0].name


class TestSlowModel:
    @pytest.fixture
    async def model_url(self, model_server: ModelServer) -> str:
        model_server.always(Answer(answer_json(BETTER), delay=2.0))
        return model_server.url

    async def test_the_findings_do_not_wait_for_the_model(
        self, world: World, model_server: ModelServer
    ) -> None:
        result = await world.alice.slash(world.general, "critique", draft=BAIT)

        # The first answer (the interaction's acknowledgement) already has the findings
        # and the "writing…" state; the model's rewrite arrives in a later edit.
        assert result.acknowledged and not result.deferred
        assert_findings_came_first(world, model_server)
        final = result.response.embeds[0].fields[0]
        assert "model" in final.name and "spring workshop" in final.value


class TestStreamingModel:
    @pytest.fixture
    async def model_url(self, model_server: ModelServer) -> str:
        model_server.always(Answer(answer_json(BETTER), chunk=12, delay=0.05))
        return model_server.url

    async def test_the_rewrite_grows_in_the_reply_then_settles(
        self, world: World, model_server: ModelServer
    ) -> None:
        reply, edits = await reply_and_its_edits(world)
        writing = [e for e in edits if "writing" in e["fields"][0]["name"]]
        assert writing, "the rewrite is shown while it is being written"
        assert all("not checked yet" in e["fields"][0]["value"] for e in writing
                   if "▍" in e["fields"][0]["value"])
        assert model_server.received and model_server.received[0].streamed
        final = reply.embeds[0].fields[0]
        assert "model" in final.name and "writing" not in final.name
        assert "spring workshop" in final.value and "not checked" not in final.value

    async def test_llm_off_keeps_drafts_away_from_the_model(
        self, world: World, model_server: ModelServer
    ) -> None:
        await world.admin.slash(world.general, "coach-admin llm off")

        result = await world.alice.slash(world.general, "critique", draft=BAIT)

        assert model_server.received == []
        assert "offline rewrite" in result.response.embeds[0].fields[0].name

    async def test_another_version_asks_the_model_afresh(
        self, world: World, model_server: ModelServer
    ) -> None:
        result = await world.alice.slash(world.general, "critique", draft=BAIT)
        assert len(model_server.received) == 1

        again = await world.alice.click(result.response.message, label="Another version")

        assert again.acknowledged
        assert len(model_server.received) == 2, "a fresh version is not served from the cache"
        final = again.response.embeds[0].fields[0]
        assert "model" in final.name and "spring workshop" in final.value


class TestHangingModel:
    @pytest.fixture
    async def model_url(self, model_server: ModelServer) -> str:
        model_server.always(Hang(2.5))  # then a 504, long after the deadline
        return model_server.url

    @pytest.fixture
    def llm_options(self) -> dict[str, object]:
        # One attempt, cut short by the step's own deadline.
        return {"first_byte_timeout": 1.0, "deadline": 1.0, "max_attempts": 1}

    async def test_findings_at_once_and_the_offline_rewrite_by_the_deadline(
        self, world: World, model_server: ModelServer
    ) -> None:
        result = await world.alice.slash(world.general, "critique", draft=BAIT)

        assert result.acknowledged and not result.deferred
        assert_findings_came_first(world, model_server)
        done = result.response.embeds[0]
        assert "offline rewrite" in done.fields[0].name
        assert "unavailable" in next(f for f in done.fields if f.name == "Note").value.lower()


PARAGRAPH = ("Our team spent the spring rebuilding the checkout so it works with a screen "
             "reader, and we wrote down every step. ")


class TestLongRewrite:
    @pytest.fixture
    async def model_url(self, model_server: ModelServer) -> str:
        long_rewrite = PARAGRAPH * 48 + "Which step would help your team most?"
        # Streamed in large pieces: this class is about the finished rewrite, and an
        # edit per 7-character chunk of 5000 characters would only slow the test.
        model_server.always(Answer(answer_json(long_rewrite), chunk=400))
        return model_server.url

    async def test_a_rewrite_too_long_for_the_embed_comes_as_a_file(self, world: World) -> None:
        shown = await world.alice.slash(world.general, "critique", platform="generic")
        result = await world.alice.submit_modal(shown, {"draft": (PARAGRAPH * 40)[:3990]})

        message = result.response.message
        assert_within_limits(message.embeds)
        assert "model" in message.embeds[0].fields[0].name
        shown_text = "".join(f.value for f in message.embeds[0].fields)
        assert "the full text is attached" in shown_text
        assert [a.filename for a in message.attachments] == ["rewrite.txt"]
        full = (await message.attachments[0].read()).decode()
        assert full.startswith(PARAGRAPH) and full.endswith("Which step would help your team most?")

    async def test_posting_a_private_answer_takes_the_file_along(self, world: World) -> None:
        shown = await world.alice.slash(world.general, "critique", private=True)
        private = await world.alice.submit_modal(shown, {"draft": (PARAGRAPH * 40)[:3990]})

        await world.alice.click(private.response.message, label="Post it")

        posted = world.general.last_message
        assert posted.embeds and [a.filename for a in posted.attachments] == ["rewrite.txt"]


class TestStreamedAnswerThatFailsTheChecks:
    @pytest.fixture
    async def model_url(self, model_server: ModelServer) -> str:
        unrelated = "Free crypto for everyone, DM me now and get rich this week, guaranteed."
        model_server.always(Answer(answer_json(unrelated), chunk=6, delay=0.05))
        return model_server.url

    async def test_what_streamed_in_is_replaced_by_the_offline_rewrite_and_a_note(
        self, world: World, model_server: ModelServer
    ) -> None:
        reply, edits = await reply_and_its_edits(world)
        assert any("crypto" in e["fields"][0]["value"] for e in edits), "it was streamed"
        embed = reply.embeds[0]
        assert "offline rewrite" in embed.fields[0].name
        assert "crypto" not in embed.fields[0].value and "not checked" not in embed.fields[0].value
        note = next(f for f in embed.fields if f.name == "Note").value
        assert "check" in note and len(model_server.received) == 2
