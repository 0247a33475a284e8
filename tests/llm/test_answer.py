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
    ("[1, 2]", "not an object"),
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


def test_partial_rewrite_grows_with_the_stream() -> None:
    text = 'Say "hi"\n to 😀 and é \\ done'
    full = json.dumps({"rewrite": text, "suggestions": [], "summary": "s"})
    seen = [partial_rewrite(full[:cut]) for cut in range(len(full) + 1)]
    assert seen[0] is None and seen[-1] == text
    decoded = [s for s in seen if s is not None]
    # Every partial is a prefix of the final text: no half escapes, no lone surrogates.
    assert all(text.startswith(s) for s in decoded)
    assert len(set(decoded)) > 10


def test_partial_rewrite_ignores_other_keys_first() -> None:
    assert partial_rewrite('{"summary": "x", "rewrite": "Hel') == "Hel"
    assert partial_rewrite('{"summary": "rewrite"') is None
