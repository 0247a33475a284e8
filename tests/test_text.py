from __future__ import annotations

import html
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot import text as text_module
from bot.coach import Coach
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


@pytest.mark.parametrize(
    ("draft", "answers", "post"),
    [
        ("[re: 'is the shop open on Sunday?'] Yes, 10 till 4.", "is the shop open on Sunday?",
         "Yes, 10 till 4."),
        # The message may hold apostrophes; its quote closes where "']" does.
        ("[re: 'I've bought three, why stop?']\nWe're bringing it back.",
         "I've bought three, why stop?", "We're bringing it back."),
        ('  [Re: "so proud of the team!"]  Congrats!', "so proud of the team!", "Congrats!"),
        ("[re: \u2018can I bring my dog?\u2019] Yes!", "can I bring my dog?", "Yes!"),
        ("[re: Bev's post about her knee] Get well soon!", "Bev's post about her knee",
         "Get well soon!"),
    ],
)
def test_a_reply_note_is_the_message_answered_not_the_post(draft, answers, post) -> None:
    doc = Document(draft)
    assert doc.reply_to == answers
    assert doc.post == post
    assert doc.text == post
    assert doc.to_original(0, 3) == (len(draft) - len(post), len(draft) - len(post) + 3)


@pytest.mark.parametrize("draft", [
    "[re: 'never closed] Yes, 10 till 4.",
    "[re: the question\nabove] Yes, 10 till 4.",
    "[re: ''] Yes, 10 till 4.",
    "Yes [re: 'is it open?'] it is.",
    "re: the shop hours, we open at 10.",
])
def test_a_draft_without_a_whole_reply_note_is_all_post(draft: str) -> None:
    doc = Document(draft)
    assert (doc.reply_to, doc.post, doc.text) == (None, draft, draft)


@pytest.mark.parametrize(("draft", "is_reply"), [
    ("[re: 'is it open?'] Yes, 10 till 4.", True),
    ("@dana yes, 10 till 4", True),
    ("  @dana@fosstodon.org yes", True),
    ("@everyone we open at 10 tomorrow", False),
    ("Thanks @dana, we open at 10.", False),
    ("We open at 10.", False),
])
def test_a_reply_opens_with_a_note_or_the_handle_it_answers(draft: str, is_reply: bool) -> None:
    assert Document(draft).is_reply is is_reply


def test_the_words_of_the_message_answered_are_not_judged_as_the_writers(
        coach: Coach) -> None:
    boast = "Thrilled to announce I've been promoted to Head of Sales!"
    assert coach.assess(boast, "linkedin").blocking
    reply = coach.assess(f"[re: '{boast}'] Congratulations Sam, well deserved!", "linkedin")
    assert not reply.blocking
    assert reply.length == len("Congratulations Sam, well deserved!")


def test_urls_mentions_and_code_are_tokens_kept_out_of_prose() -> None:
    doc = Document("Subscribe? no: see https://example.com/subscribe and @subscribe `subscribe`")
    kinds = [t.kind for t in doc.tokens]
    assert kinds == ["url", "mention", "code"]
    assert doc.prose.lower().count("subscribe") == 1
    assert len(doc.prose) == len(doc.text)


def test_handles_of_every_network_are_one_mention_each() -> None:
    doc = Document("Thanks @ana@fosstodon.org, @ben@hachyderm.io, @cleo.bsky.social and "
                   "@the.minimal.desk, and @dee. Mail me at hi@example.com.")
    assert [(t.kind, t.text) for t in doc.tokens] == [
        ("mention", "@ana@fosstodon.org"), ("mention", "@ben@hachyderm.io"),
        ("mention", "@cleo.bsky.social"), ("mention", "@the.minimal.desk"),
        ("mention", "@dee")]
    assert ".bsky" not in doc.prose and "@" not in doc.prose.replace("hi@example", "")


def test_thanking_three_mastodon_users_is_no_pile_of_links(coach: Coach) -> None:
    text = "Thank you @ana@fosstodon.org, @ben@hachyderm.io and @cleo@mastodon.org for the review!"
    assert not [f for f in coach.assess(text, "mastodon").findings
                if f.rule in ("link-dump", "mass-mentions")]


def test_discord_mentions_are_tokens() -> None:
    doc = Document("hey <@123456789012> and <@&987654321098> and @everyone")
    assert [t.text for t in doc.tokens] == ["<@123456789012>", "<@&987654321098>", "@everyone"]


def test_sentences_keep_a_trailing_link() -> None:
    doc = Document("First one. See https://example.com/a.b")
    assert [doc.text[s:e] for s, e in doc.sentences] == ["First one.", "See https://example.com/a.b"]


def test_an_initialism_ends_no_sentence() -> None:
    doc = Document("Our U.S. patent was granted, e.g. for crates. Next one.")
    assert [doc.text[s:e] for s, e in doc.sentences] == [
        "Our U.S. patent was granted, e.g. for crates.", "Next one."]


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


# The plainest form of what each linear-time pattern of bot.text is written to find.
_PLAIN_SENTENCE_END = re.compile(
    r"(?<!\b[^\W\d_]\.[^\W\d_])(?<![.!?…])[.!?…]+[\"')\]]*(?=\s|$)|\n+")
_PLAIN_MARKUP = re.compile(
    r"""
    (?P<entity>&(?:\#[0-9]{1,7}|\#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)
  | (?P<br><br\s*/?>)
  | (?P<tag></?(?:a|b|i|u|em|strong|p|div|span|font|s)(?:\s[^<>]{0,500})?>)
  | (?P<marker>\*\*|__|~~|\|\|)
  | (?P<star>(?<![\w*])\*(?=[^\s*])|(?<=[^\s*])\*(?![\w*]))
  | (?P<heading>^(?:\#{1,3}|>{1,3}|-\#)[ ](?=\S))
  | (?P<nonascii>[^\x00-\x7f])
    """,
    re.VERBOSE | re.MULTILINE | re.IGNORECASE,
)
# A domain name is looked for where a run of labels starts, and starts at a letter or
# digit: "éa.bwww.example.com" holds the web address "www.example.com", not the domain
# "bwww.example.com" (which re would find trying from every label in turn).
_PLAIN_URL = re.compile(
    rf"""(?:https?://|www\.)[^\s<>"']+[^\s<>"'.,;:!?)\]}}]
      | (?<![a-z0-9-@])(?<![a-z0-9-]\.)-*\b
        (?P<domain>(?:[a-z0-9-]+\.)+(?:{text_module._TLDS})
        (?:/[^\s<>"']*[^\s<>"'.,;:!?)\]}}])?(?!\w|\.\w))
    """,
    re.VERBOSE | re.IGNORECASE,
)


def _spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


def _plain_edits(text: str) -> list[tuple[int, int, str]]:
    edits = []
    for m in _PLAIN_MARKUP.finditer(text):
        raw, kind = m.group(), m.lastgroup
        if kind == "entity":
            out = "".join(map(text_module._fold_char, html.unescape(raw)))
        elif kind == "nonascii":
            out = text_module._fold_char(raw)
        else:
            out = "\n" if kind == "br" else ""
        if out != raw:
            edits.append((*m.span(), out))
    return edits


@settings(max_examples=400, deadline=None)
@given(text=_DRAFTS)
@example(text="x" * 255 + "é**é" + "y. " * 100 + "😀 #tag… &amp;\n\n")
@example(text="## a\n### b <a title='é'>x</a> &unknown; !!!x !!! ")
@example(text="éa.bwww.example.com a.a.a.a.com -b.io")
def test_linear_patterns_find_what_the_plain_ones_find(text: str) -> None:
    assert text_module._edits(text) == _plain_edits(text)
    assert _spans(text_module._SENTENCE_END.finditer(text)) == _spans(
        _PLAIN_SENTENCE_END.finditer(text))
    urls = [(t.start, t.end) for t in text_module._disjoint_tokens(text) if t.kind == "url"]
    plain = [m.span(m.lastgroup or 0) for m in _PLAIN_URL.finditer(text)]
    assert urls == [span for span in plain if not any(
        s < span[1] and span[0] < e for s, e in _spans(text_module._CODE.finditer(text)))]


def test_a_quotation_is_the_words_between_double_quotes_on_one_line() -> None:
    doc = Document('She said "buy now" and \u201cact fast\u201d, then "left\nit"')
    buy, act, left = (doc.text.index(w) for w in ("buy", "act", "left"))
    assert doc.in_quotes(buy, buy + 7) and doc.in_quotes(act, act + 8)
    assert doc.in_quotes(buy, buy + 8)  # with the closing mark
    assert not doc.in_quotes(doc.text.index("said"), doc.text.index("said") + 4)
    assert not doc.in_quotes(buy, doc.text.index("and") + 3)  # runs out of the quotation
    assert not doc.in_quotes(left, left + 4)  # its closing quote is on another line


def test_a_domain_name_of_a_country_is_a_link() -> None:
    doc = Document("Book at tideline.example.co.nz or curraghhoundhaven.ie/foster, "
                   "meusite.com.br. Done.")
    assert [t.text for t in doc.tokens] == ["tideline.example.co.nz",
                                            "curraghhoundhaven.ie/foster", "meusite.com.br"]


def test_a_domain_name_is_found_where_its_labels_begin() -> None:
    doc = Document("Read docs.example.org/guide, or -example.com, a.b.c.d.e.f.g abc. com "
                   "éa.bwww.example.com")
    assert [t.text for t in doc.tokens] == ["docs.example.org/guide", "example.com",
                                            "www.example.com"]


@settings(max_examples=300, deadline=None)
@given(text=_DRAFTS, start=st.integers(0, 200), width=st.integers(0, 20))
@example(text="a..```", start=3, width=0)  # a sentence that begins where one ends
@example(text="#foo-bar baz #1a #_1 #2 it's", start=0, width=5)  # a word runs on past its hashtag
def test_sentence_and_word_lookups_match_a_plain_walk(text: str, start: int, width: int) -> None:
    doc = Document(text)
    start = min(start, len(doc.text))
    end = min(start + width, len(doc.text))
    expected = next(((s, max(e, end)) for s, e in doc.sentences
                     if s <= start < e or start == end == e), (start, end))
    assert doc.sentence_around(start, end) == expected
    hashtags = [(t.start, t.end) for t in doc.tokens_of("hashtag")]
    words = tuple(m.span() for m in re.finditer(r"[^\W\d_][\w'-]*", doc.prose)
                  if not any(s <= m.start() < e for s, e in hashtags))
    assert doc.words == words
    assert doc.has_words_between(start, end) == any(start <= w < end for w, _ in words)
    assert Document(text).has_words_between(start, end) == any(start <= w < end for w, _ in words)
    assert all(Document(text).has_words(count) == (len(words) >= count)
               for count in range(len(words) + 2))
    assert Document(text).word_count == len(words)


def _closing_from_every_sentence(doc: Document) -> tuple[int, int] | None:
    with_words = [(s, e) for s, e in doc.sentences if doc.has_words_between(s, e)]
    return (with_words or list(doc.sentences) or [None])[-1]


@settings(max_examples=300, deadline=None)
@given(text=_DRAFTS)
@example(text="Thanks all.  \n\n#launch #ux  ")  # white space after a row of hashtags
@example(text="Big day!!! 🎉🎉\n\n😀")  # emoji, and a last line without words
@example(text='He said "we ship today." Then "done."')  # quotes after the sentence end
@example(text="no sentence end anywhere in this draft at all")
@example(text="One. Two.\n\n\n\nThree")  # a run of line breaks read from its middle
def test_the_closing_sentence_read_from_the_end_is_the_one_all_sentences_give(
        text: str) -> None:
    expected = _closing_from_every_sentence(Document(text))
    assert Document(text).closing_sentence == expected
    for read in range(len(text) + 1):  # the read from the end starting at every place
        assert Document(text)._closing_sentence(read) == expected, read


_ASCII_PIECES = ["a", "Follow", " ", "\n", ".", "'", "-", "_", "3", "3.5k", "#tag", "#1a",
                 "#_1", "#foo-bar", "@ana", "it's", "--", "x_y", "www.example.com", "`a b`"]


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(_ASCII_PIECES), max_size=30).map("".join))
def test_the_words_of_ascii_text_are_counted_as_they_are_listed(text: str) -> None:
    doc = Document(text)
    assert Document(text).word_count == len(doc.words)
    assert all(Document(text).has_words(count) == (len(doc.words) >= count)
               for count in range(len(doc.words) + 2))
