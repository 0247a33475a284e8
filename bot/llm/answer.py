"""The model's answer: the JSON schema it is asked for, and strict parsing of what came back.

Servers differ in what they can enforce (OpenAI and vLLM take a JSON schema, older
llama.cpp and LM Studio builds only a JSON mode, some nothing at all), so the same
validation (a pydantic model) runs on every answer whatever the server promised.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

import jiter
from pydantic import BaseModel, Field, ValidationError, ValidationInfo, field_validator

MAX_SUGGESTIONS = 4
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL | re.IGNORECASE)


class InvalidAnswer(ValueError):
    """The model answered, but not with something the coach can use; says what is wrong."""


def _one_line(text: str) -> str:
    return " ".join(text.split())


class SuggestionAnswer(BaseModel, frozen=True):
    principle: str
    text: str = Field(min_length=1)

    @field_validator("principle")
    @classmethod
    def _known(cls, principle: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get("principles", ())
        if principle not in known:
            raise ValueError(f"{principle!r} is not one of: {', '.join(sorted(known))}")
        return principle

    @field_validator("text")
    @classmethod
    def _words(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("needs words")
        return _one_line(text)


class ModelAnswer(BaseModel, frozen=True):
    rewrite: str
    suggestions: tuple[SuggestionAnswer, ...] = ()
    summary: str = ""

    @field_validator("rewrite")
    @classmethod
    def _not_blank(cls, rewrite: str) -> str:
        if not rewrite.strip():
            raise ValueError("must be a non-empty string")
        return rewrite.strip()

    @field_validator("suggestions")
    @classmethod
    def _capped(cls, suggestions: tuple[SuggestionAnswer, ...]) -> tuple[SuggestionAnswer, ...]:
        return suggestions[:MAX_SUGGESTIONS]

    @field_validator("summary")
    @classmethod
    def _summary_line(cls, summary: str) -> str:
        return _one_line(summary)


def answer_schema(principle_ids: Collection[str]) -> dict[str, Any]:
    """JSON schema for ``response_format``; "rewrite" comes first so it streams first."""
    suggestion = {
        "type": "object",
        "properties": {
            "principle": {"type": "string", "enum": sorted(principle_ids)},
            "text": {"type": "string"},
        },
        "required": ["principle", "text"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "rewrite": {"type": "string"},
            "suggestions": {"type": "array", "items": suggestion},
            "summary": {"type": "string"},
        },
        "required": ["rewrite", "suggestions", "summary"],
        "additionalProperties": False,
    }


def _json_body(content: str) -> str:
    fenced = _FENCE.match(content)
    body = fenced.group(1) if fenced else content.strip()
    if body.startswith("{"):
        return body
    # Plain-text servers sometimes wrap the object in a sentence: take the outermost
    # braces, and still insist that what is inside them is valid JSON.
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        raise InvalidAnswer("the answer was not a JSON object")
    return body[start:end + 1]


def parse_answer(content: str | None, principle_ids: Collection[str]) -> ModelAnswer:
    """Validate the model's text; raises :class:`InvalidAnswer` naming the first problem."""
    if not content or not content.strip():
        raise InvalidAnswer("the answer was empty")
    body = _json_body(content)
    try:
        return ModelAnswer.model_validate_json(body, context={"principles": principle_ids})
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        if error["type"] == "json_invalid":
            raise InvalidAnswer(f"the answer was not valid JSON ({error['msg']})") from None
        if error["type"] == "model_type":
            raise InvalidAnswer("the answer was JSON but not an object") from None
        where = ".".join(f'"{part}"' if isinstance(part, str) else str(part)
                         for part in error["loc"]) or "the answer"
        raise InvalidAnswer(f"{where}: {error['msg']}") from None


def partial_rewrite(answer_so_far: bytes) -> str | None:
    """The "rewrite" string of a JSON answer still streaming in; None before it starts.

    jiter's partial mode reads an unfinished document and returns its last string as far
    as it has come, never half an escape sequence.
    """
    try:
        data = jiter.from_json(answer_so_far, partial_mode="trailing-strings")
    except ValueError:
        return None  # not JSON (yet); the whole answer's parse will say so
    rewrite = data.get("rewrite") if isinstance(data, dict) else None
    return rewrite if isinstance(rewrite, str) else None
