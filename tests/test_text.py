from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot import text as text_module
from bot.text import Document, lost_tokens, protected_tokens


def _span_of(doc: Document, word: str) -> str:
    start = doc.text.lower().index(word)
    a, b = doc.to_original(start, start + len(word))
    return doc.original[a:b]


@pytest.mark.parametrize(
    ("original", "word", "as_written"),
    [
        ("It&#39;s a follow&amp;like swap", "follow&like", "follow&amp;like"),
        ("fo\u200bllow\ufeff me", "follow", "fo\u200bllow"),
        ("f\u043ell\u043ew me", "follow", "f\u043ell\u043ew"),  # Cyrillic o
        ("\U0001d41f\U0001d428\U0001d425\U0001d425\U0001d428\U0001d430 me", "follow",
         "\U0001d41f\U0001d428\U0001d425\U0001d425\U0001d428\U0001d430"),  # bold maths letters
        ("**follow** me", "follow", "follow"),
        ("__follow me__ now", "follow me", "follow me"),
        ("line one<br />follow me", "follow", "follow"),
        ("I\u2019ll follow back", "i'll follow", "I\u2019ll follow"),
    ],
)
def test_spans_point_at_the_words_as_the_user_wrote_them(original, word, as_written) -> None:
    doc = Document(original)
    assert word in doc.text.lower()
    assert _span_of(doc, word) == as_written


def test_urls_mentions_and_code_are_tokens_kept_out_of_prose() -> None:
    doc = Document("Subscribe? no: see https://example.com/subscribe and @subscribe `subscribe`")
    kinds = [t.kind for t in doc.tokens]
    assert kinds == ["url", "mention", "code"]
    assert doc.prose.lower().count("subscribe") == 1
    assert len(doc.prose) == len(doc.text)


def test_discord_mentions_are_tokens() -> None:
    doc = Document("hey <@123456789012> and <@&987654321098> and @everyone")
    assert [t.text for t in doc.tokens] == ["<@123456789012>", "<@&987654321098>", "@everyone"]


def test_sentences_keep_a_trailing_link() -> None:
    doc = Document("First one. See https://example.com/a.b")
    assert [doc.text[s:e] for s, e in doc.sentences] == ["First one.", "See https://example.com/a.b"]


def test_protected_tokens_survive_cosmetic_changes() -> None:
    draft = "**Join** 3 of us at https://example.com/x with @ana"
    assert {"3", "https://example.com/x", "@ana"} <= protected_tokens(draft)
    assert lost_tokens(draft, "Join 3 of us at https://example.com/x with @ana") == set()
    assert lost_tokens(draft, "Join us at https://example.com/x") == {"3", "@ana"}


def test_empty_text_maps_nothing() -> None:
    doc = Document("")
    assert doc.text == "" and doc.sentences == () and doc.to_original(0, 0) == (0, 0)


# The fast paths in Document must find exactly what the plain patterns find.
_PIECES = [
    "a", "Follow", " ", "\n", "\n\n", ".", "..", "!", "?", "…", "'", '"', ")", "-", "#",
    "#tag", "##", "# ", "> ", "-# ", "*", "**", "__", "~~", "||", "`", "```", "&amp;",
    "&#39;", "<br />", "<b>", "@ana", "a@b.io", "<@123456789012>", "http://x.co/a.",
    "www.example.com", "example.org/path", "a.b", "//", "https://", "é", "\u0130", "😀", "\u200b",
    "\ufeff", "\u00a0", "\u2003", "3.5k", "Q.E.D.", "@everyone", "@here", "<#12345>", "<",
]
_DRAFTS = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


# What text._SENTENCE_END is written to find, in its plainest form.
_PLAIN_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*(?=\s|$)|\n+")


def _spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


@settings(max_examples=400, deadline=None)
@given(text=_DRAFTS)
@example(text="x" * 255 + "é**é" + "y. " * 100 + "😀 #tag… &amp;\n\n")
def test_searches_that_skip_ahead_find_what_a_full_scan_finds(text: str) -> None:
    # A character outside ASCII that normalises to itself may be passed over.
    assert _spans(text_module._special_matches(text)) == _spans(
        m for m in text_module._SPECIAL.finditer(text)
        if m.lastgroup != "nonascii" or text_module._fold_char(m.group()) != m.group()
        or m.span() in _spans(text_module._special_matches(text)))
    assert _spans(text_module._sentence_ends(text)) == _spans(
        _PLAIN_SENTENCE_END.finditer(text))
    assert _spans(text_module._urls(text)) == _spans(text_module._URL.finditer(text))
    for signs, pattern in (("@", text_module._MENTION), ("#", text_module._HASHTAG),
                           ("<@", text_module._DISCORD_MENTION)):
        candidates = sorted(p for sign in signs for p in text_module.find_all(text, sign))
        assert _spans(text_module.matches_at(candidates, pattern, text)) == _spans(
            pattern.finditer(text))
    mentions = sorted(span for kind, matches in text_module._tokens_of_kind(text)
                      if kind == "mention" for span in _spans(matches))
    assert mentions == sorted(_spans(text_module._DISCORD_MENTION.finditer(text))
                              + _spans(text_module._MENTION.finditer(text)))


@settings(max_examples=400, deadline=None)
@given(text=_DRAFTS, start=st.integers(0, 200), width=st.integers(0, 20),
       reach=st.sampled_from([1, 4, 12, 400]))
@example(text="a.\n\nb" + " c" * 30 + "  d. e", start=12, width=0, reach=4)
def test_the_sentence_around_a_hit_is_found_from_the_text_near_it(
        text: str, start: int, width: int, reach: int) -> None:
    whole = Document(text)
    start = min(start, len(whole.text))
    end = min(start + width, len(whole.text))
    expected = next(((s, max(e, end)) for s, e in whole.sentences
                     if s <= start < e or start == end == e), (start, end))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text_module, "_SENTENCE_REACH", reach)
        assert Document(text).sentence_around(start, end) == expected


@settings(max_examples=400, deadline=None)
@given(text=_DRAFTS, reach=st.sampled_from([1, 4, 12, 400]))
@example(text="One. Two?\n\n#tag #more", reach=4)
def test_the_last_sentences_are_read_from_the_end_of_the_text(text: str, reach: int) -> None:
    expected = list(reversed(Document(text).sentences))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text_module, "_SENTENCE_REACH", reach)
        assert list(Document(text).sentences_from_end()) == expected


def test_a_long_draft_s_last_sentence_is_read_without_splitting_the_rest() -> None:
    doc = Document("A sentence about the launch. " * 100 + "What do you think?")
    assert next(doc.sentences_from_end()) == (2900, 2918)
    assert "sentences" not in doc.__dict__


@settings(max_examples=300, deadline=None)
@given(text=_DRAFTS, start=st.integers(0, 200), width=st.integers(0, 20))
@example(text="a..```", start=3, width=0)  # a sentence that begins where one ends
def test_sentence_and_word_lookups_match_a_plain_walk(text: str, start: int, width: int) -> None:
    doc = Document(text)
    start = min(start, len(doc.text))
    end = min(start + width, len(doc.text))
    expected = next(((s, max(e, end)) for s, e in doc.sentences
                     if s <= start < e or start == end == e), (start, end))
    assert doc.sentence_around(start, end) == expected
    hashtags = [(t.start, t.end) for t in doc.tokens_of("hashtag")]
    words = tuple(m.span() for m in text_module._WORD.finditer(doc.prose)
                  if not any(s <= m.start() < e for s, e in hashtags))
    assert doc.words == words
    assert doc.has_words_between(start, end) == any(start <= w < end for w, _ in words)
    assert Document(text).has_words_between(start, end) == any(start <= w < end for w, _ in words)
    for count in (1, 2, len(words), len(words) + 1):
        assert Document(text).has_words(count) == (len(words) >= count)
