"""The model's answer: the JSON schema it is asked for, and strict parsing of what came back.

Servers differ in what they can enforce (OpenAI and vLLM take a JSON schema, older
llama.cpp and LM Studio builds only a JSON mode, some nothing at all), so the same
validation runs on every answer whatever the server promised.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from bot.models import Suggestion

MAX_SUGGESTIONS = 4
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL | re.IGNORECASE)


class InvalidAnswer(ValueError):
    """The model answered, but not with something the coach can use; says what is wrong."""


@dataclass(frozen=True, slots=True)
class ModelAnswer:
    rewrite: str
    suggestions: tuple[Suggestion, ...]
    summary: str


def answer_schema(principle_ids: Collection[str]) -> dict[str, Any]:
    """JSON schema for ``response_format``; "rewrite" comes first so it streams first."""
    return {
        "type": "object",
        "properties": {
            "rewrite": {"type": "string"},
            "suggestions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "principle": {"type": "string", "enum": sorted(principle_ids)},
                        "text": {"type": "string"},
                    },
                    "required": ["principle", "text"],
                    "additionalProperties": False,
                },
            },
            "summary": {"type": "string"},
        },
        "required": ["rewrite", "suggestions", "summary"],
        "additionalProperties": False,
    }


def _json_object(content: str) -> dict[str, Any]:
    fenced = _FENCE.match(content)
    body = fenced.group(1) if fenced else content.strip()
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        # Plain-text servers sometimes wrap the object in a sentence; take the outermost
        # braces, and still insist that what is inside them is valid JSON.
        start, end = body.find("{"), body.rfind("}")
        if start < 0:
            raise InvalidAnswer("the answer was not a JSON object") from None
        try:
            data = json.loads(body[start:end + 1]) if end > start else None
        except json.JSONDecodeError:
            data = None
        if data is None:
            raise InvalidAnswer(f"the answer was not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise InvalidAnswer("the answer was JSON but not an object")
    return data


def parse_answer(content: str | None, principle_ids: Collection[str]) -> ModelAnswer:
    """Validate the model's text; raises :class:`InvalidAnswer` naming the first problem."""
    if not content or not content.strip():
        raise InvalidAnswer("the answer was empty")
    data = _json_object(content)
    rewrite = data.get("rewrite")
    if not isinstance(rewrite, str) or not rewrite.strip():
        raise InvalidAnswer('"rewrite" must be a non-empty string')
    raw_suggestions = data.get("suggestions", [])
    if not isinstance(raw_suggestions, list):
        raise InvalidAnswer('"suggestions" must be a list')
    suggestions: list[Suggestion] = []
    for item in raw_suggestions:
        if not isinstance(item, dict):
            raise InvalidAnswer('each suggestion must be an object with "principle" and "text"')
        principle, text = item.get("principle"), item.get("text")
        if principle not in principle_ids:
            known = ", ".join(sorted(principle_ids))
            raise InvalidAnswer(f"suggestion principle {principle!r} is not one of: {known}")
        if not isinstance(text, str) or not text.strip():
            raise InvalidAnswer('each suggestion needs a non-empty "text"')
        suggestions.append(Suggestion(str(principle), " ".join(text.split())))
    summary = data.get("summary", "")
    if not isinstance(summary, str):
        raise InvalidAnswer('"summary" must be a string')
    return ModelAnswer(
        rewrite=rewrite.strip(),
        suggestions=tuple(suggestions[:MAX_SUGGESTIONS]),
        summary=" ".join(summary.split()),
    )


_REWRITE_KEY = re.compile(r'"rewrite"\s*:\s*"')
_PLAIN_RUN = re.compile(r'[^"\\]+')
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class PartialRewrite:
    """Reads the "rewrite" string out of a JSON answer while it streams in.

    Feed it each piece of the answer; it returns the rewrite decoded so far (None until
    the key has appeared). It picks up where it stopped, so a long answer in many small
    pieces costs linear time, and it never returns half an escape sequence or half a
    surrogate pair.
    """

    def __init__(self) -> None:
        self._buffer = ""
        self._pos: int | None = None
        self._out: list[str] = []
        self._closed = False

    def feed(self, piece: str) -> str | None:
        self._buffer += piece
        if self._pos is None:
            key = _REWRITE_KEY.search(self._buffer)
            if key is None:
                return None
            self._pos = key.end()
        if not self._closed:
            self._decode()
        return self.text

    @property
    def text(self) -> str:
        out = self._out
        if out and "\ud800" <= out[-1] <= "\udbff":
            out = out[:-1]  # its partner is still on the way
        text = "".join(out)
        if any("\ud800" <= c <= "\udfff" for c in text):
            text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return text

    def _decode(self) -> None:
        buffer, pos, n = self._buffer, self._pos or 0, len(self._buffer)
        while pos < n:
            run = _PLAIN_RUN.match(buffer, pos)
            if run is not None:
                self._out.append(run.group())
                pos = run.end()
                continue
            if buffer[pos] == '"':
                self._closed = True
                break
            if pos + 1 >= n:
                break  # a backslash whose escape has not arrived
            code = buffer[pos + 1]
            if code == "u":
                digits = buffer[pos + 2:pos + 6]
                if len(digits) < 4:
                    break
                try:
                    self._out.append(chr(int(digits, 16)))
                except ValueError:
                    self._closed = True  # not JSON; the full answer's parse will say so
                    break
                pos += 6
            else:
                self._out.append(_ESCAPES.get(code, code))
                pos += 2
        self._pos = pos
