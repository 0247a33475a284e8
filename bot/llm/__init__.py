"""The LLM step: a verified rewrite from any OpenAI-compatible model.

Wiring, once at start-up::

    coach = build_coach(settings)
    llm = build_llm_rewriter(settings, coach)   # None when no model is configured
    pipeline = Pipeline(coach, llm)
    ...
    if llm is not None:
        await llm.aclose()

``LLMRewriter.rewrite`` never raises for model trouble: time-outs, refusals, rejected
answers and outages all end in the offline rewrite with a one-line ``note``. Build and
use the rewriter inside one event loop (its client and concurrency limit belong to it).
"""

from __future__ import annotations

from bot.llm.prompts import PromptSet, load_prompts
from bot.llm.rewriter import LLMRewriter, build_llm_rewriter, create_llm_client, load_checks

__all__ = [
    "LLMRewriter", "PromptSet", "build_llm_rewriter", "create_llm_client", "load_checks",
    "load_prompts",
]
