"""The LLM step: a verified rewrite from any OpenAI-compatible model."""

from __future__ import annotations

from bot.llm.prompts import PromptSet, load_prompts
from bot.llm.rewriter import LLMRewriter, build_llm_rewriter, create_llm_client

__all__ = ["LLMRewriter", "PromptSet", "build_llm_rewriter", "create_llm_client", "load_prompts"]
