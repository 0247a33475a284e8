"""Building the one client and rewriter from settings, the way main() does."""

from __future__ import annotations

from pathlib import Path

from bot.coach import Coach
from bot.llm import build_llm_rewriter, create_llm_client
from bot.models import Rewrite
from bot.settings import LLMSettings, Settings, load_settings

from .server import Answer, ModelServer, answer_json


async def rewrite_through(settings: Settings, coach: Coach, model_server: ModelServer) -> Rewrite:
    """A bait draft rewritten by the rewriter main() builds from ``settings``, the model
    server answering once."""
    rewriter = build_llm_rewriter(settings, coach)
    assert rewriter is not None
    model_server.then(Answer(answer_json("What slows your week down? Tell us.")))
    try:
        return await rewriter.rewrite(coach.assess("Buy now!!! Best planner", "x"))
    finally:
        await rewriter.aclose()


def test_no_key_and_no_base_url_means_offline() -> None:
    assert create_llm_client(LLMSettings()) is None
    assert build_llm_rewriter(load_settings(env={}), coach=None) is None  # type: ignore[arg-type]


async def test_local_server_without_a_key_gets_a_placeholder(
    model_server: ModelServer, coach: Coach
) -> None:
    settings = load_settings(env={
        "DRAFTCOACH_LLM_BASE_URL": model_server.url, "DRAFTCOACH_LLM_MODEL": "llama3.2",
    })
    result = await rewrite_through(settings, coach, model_server)
    assert result.source == "llm"
    [sent] = model_server.received
    assert sent.body["model"] == "llama3.2"
    assert sent.headers["Authorization"] == "Bearer not-needed"


async def test_api_key_is_sent(model_server: ModelServer, coach: Coach) -> None:
    settings = load_settings(env={
        "DRAFTCOACH_LLM_BASE_URL": model_server.url, "OPENAI_API_KEY": "sk-test-123",
    })
    await rewrite_through(settings, coach, model_server)
    assert model_server.received[0].headers["Authorization"] == "Bearer sk-test-123"


def test_key_without_base_url_talks_to_openai() -> None:
    client = create_llm_client(LLMSettings(api_key="sk-test"))
    assert client is not None
    assert str(client.base_url).startswith("https://api.openai.com/v1")
    # The SDK retries, honouring Retry-After; a remote server has 10 s to start answering.
    assert client.max_retries == 3
    assert client.timeout.read == 10


def test_a_server_on_this_machine_gets_longer_to_start_answering() -> None:
    local = LLMSettings(base_url="http://127.0.0.1:8080/v1")
    remote = LLMSettings(base_url="https://models.example.com/v1")
    assert (local.first_byte_limit, local.answer_limit) == (45, 120)
    assert (remote.first_byte_limit, remote.answer_limit) == (10, 30)
    assert LLMSettings(base_url="http://localhost:11434/v1").is_local
    assert LLMSettings(base_url="http://localhost:11434/v1", first_byte_timeout=5,
                       deadline=9).first_byte_limit == 5


async def test_team_prompts_from_their_config_directory(
    tmp_path: Path, model_server: ModelServer, coach: Coach
) -> None:
    (tmp_path / "draftcoach.yaml").write_text("llm:\n  prompt_version: house\n")
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "rewrite.house.system.md").write_text(
        "House style. Principles: {{principle_ids}}. Answer in JSON."
    )
    (prompts / "rewrite.house.user.md").write_text("<draft>{{draft}}</draft>")
    (prompts / "rewrite.house.repair.md").write_text("Fix: {{problems}}")
    settings = load_settings(tmp_path, env={"DRAFTCOACH_LLM_BASE_URL": model_server.url})
    await rewrite_through(settings, coach, model_server)
    [sent] = model_server.received
    assert sent.messages[0]["content"].startswith("House style. Principles: reader-value")
    assert sent.messages[1]["content"].strip() == "<draft>Buy now!!! Best planner</draft>"
