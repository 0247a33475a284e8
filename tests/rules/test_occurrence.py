"""Occurrence counts: the shouted-word pattern is written for speed; it must count what
the plain one does."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.rules import occurrence

_PLAIN_CAPS_WORD = re.compile(r"(?<![\w#@'])[A-Z][A-Z0-9'-]*[A-Z](?![\w'])")


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet="ABZ9'-#@x_ éÉ😀\n!", max_size=40))
@example(text="WHY IS NOBODY TALKING ABOUT THIS A-B")  # past the few places find looks for
def test_shouted_words_are_the_plain_patterns_matches(text: str) -> None:
    expected = [m.span() for m in _PLAIN_CAPS_WORD.finditer(text)]
    assert [m.span() for m in occurrence._CAPS_WORD.finditer(text)] == expected
    assert [m.span() for m in occurrence._caps_words_in(text)] == expected
