from __future__ import annotations

import pytest

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
