"""Parsing the model's answer strictly, and reading the rewrite while it streams in."""

from __future__ import annotations

import json

import pytest

from bot.llm.answer import MAX_SUGGESTIONS, InvalidAnswer, parse_answer, partial_rewrite

IDS = ("listen-first", "no-hard-sell")


def test_valid_answer_is_read() -> None:
    answer = parse_answer(json.dumps({
        "rewrite": "  What slows your week down?  ",
        "suggestions": [{"principle": "listen-first", "text": "Ask   a question."}],
        "summary": "Asked\nthe reader.",
    }), IDS)
    assert answer.rewrite == "What slows your week down?"
    suggestions = [(s.principle, s.text) for s in answer.suggestions]
    assert suggestions == [("listen-first", "Ask a question.")]
    assert answer.summary == "Asked the reader."


def test_answer_wrapped_in_a_fence_or_a_sentence_is_read() -> None:
    body = json.dumps({"rewrite": "Hi", "suggestions": [], "summary": "s"})
    assert parse_answer(f"```json\n{body}\n```", IDS).rewrite == "Hi"
    assert parse_answer(f"Here you go: {body} Hope it helps!", IDS).rewrite == "Hi"


def test_suggestions_are_capped() -> None:
    many = [{"principle": "listen-first", "text": f"tip {n}"} for n in range(9)]
    answer = parse_answer(json.dumps({"rewrite": "x", "suggestions": many, "summary": ""}), IDS)
    assert len(answer.suggestions) == MAX_SUGGESTIONS


@pytest.mark.parametrize(("content", "problem"), [
    (None, "empty"),
    ("   ", "empty"),
    ("I'm sorry, I can't help with that.", "not a JSON object"),
    ('{"rewrite": "cut', "not valid JSON"),
    ("[1, 2]", "not a JSON object"),
    ('{"suggestions": [], "summary": ""}', '"rewrite"'),
    ('{"rewrite": "  ", "suggestions": [], "summary": ""}', '"rewrite"'),
    ('{"rewrite": "x", "suggestions": "none", "summary": ""}', '"suggestions"'),
    ('{"rewrite": "x", "suggestions": ["tip"], "summary": ""}', "object"),
    ('{"rewrite": "x", "suggestions": [{"principle": "vibes", "text": "t"}], "summary": ""}',
     "'vibes'"),
    ('{"rewrite": "x", "suggestions": [{"principle": "listen-first", "text": ""}], '
     '"summary": ""}', '"text"'),
    ('{"rewrite": "x", "suggestions": [], "summary": 3}', '"summary"'),
])
def test_unusable_answers_say_what_is_wrong(content: str | None, problem: str) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        parse_answer(content, IDS)
    assert problem in str(caught.value)


def stream_in(answer: str, size: int) -> list[str | None]:
    """What the reader shows after each piece of ``answer``, cut every ``size`` bytes."""
    data = answer.encode()
    return [partial_rewrite(data[:end]) for end in range(size, len(data) + size, size)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 50])
def test_partial_rewrite_grows_with_the_stream(size: int) -> None:
    text = 'Say "hi"\n to 😀 and é \\ done \u00e9'
    for full in (json.dumps({"rewrite": text, "suggestions": [], "summary": "s"}),
                 json.dumps({"rewrite": text, "summary": "s"}, ensure_ascii=False)):
        seen = stream_in(full, size)
        assert seen[0] is None or size > 12
        assert seen[-1] == text
        decoded = [s for s in seen if s is not None]
        # Every partial is a prefix of the final text: no half escapes, no half characters.
        assert all(text.startswith(s) for s in decoded)
        if size == 1:
            assert len(set(decoded)) > 20


def test_partial_rewrite_ignores_other_keys_first() -> None:
    assert stream_in('{"summary": "x", "rewrite": "Hel', 5)[-1] == "Hel"
    assert stream_in('{"summary": "rewrite"', 5)[-1] is None
    assert stream_in("Sure! Here it is", 5)[-1] is None
