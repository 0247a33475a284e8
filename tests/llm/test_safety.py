"""What a rewrite may not do: ping a server, drop the draft's facts, invent new ones."""

from __future__ import annotations

import pytest

from bot.llm.safety import facts, neutralise_pings, required_tokens
from bot.models import Finding


@pytest.mark.parametrize(("text", "expected"), [
    ("Hello @everyone!", "Hello everyone!"),
    ("@here we go", "here we go"),
    ("@EVERYONE shouting", "EVERYONE shouting"),
    ("Thanks <@&123456789012345678> and <@!42> and <@7>", "Thanks and and"),
    ("Hi @acme, see @heres", "Hi @acme, see @heres"),
    ("no mentions here", "no mentions here"),
])
def test_pings_are_made_inert(text: str, expected: str) -> None:
    assert neutralise_pings(text) == expected


def test_unfinished_mention_is_held_back_while_streaming() -> None:
    assert neutralise_pings("Ask <@&1234", partial=True) == "Ask "
    assert neutralise_pings("Ask @every", partial=True) == "Ask "
    assert neutralise_pings("Ask @acme today", partial=True) == "Ask @acme today"


def test_facts_of_the_draft_must_be_kept() -> None:
    draft = "Workshop on 12 May at https://example.org/w with @acme, $49 <@123456789012345678>"
    required = required_tokens(facts(draft), [])
    assert required == {"12", "https://example.org/w", "@acme", "$49"}
    assert required - facts("Workshop on 12 May with @acme, $49") == {"https://example.org/w"}
    assert required - facts("On 12 May: https://example.org/w @acme $49.") == set()


def test_flagged_words_may_be_dropped() -> None:
    draft = "Great post @a @b @c @d @e @f"
    stuffing = Finding(
        rule="mention-stuffing", principle="no-spray", severity="warning", message="m",
        span=(11, 29), match="@a @b @c @d @e @f", suggestion="s",
    )
    assert required_tokens(facts(draft), [stuffing]) == set()


def test_new_links_prices_and_mentions_stand_out() -> None:
    draft = facts("Seats are $49 at https://example.org")
    rewrite = "Seats are $49 ($29 early) at https://example.org and https://evil.example.com @bot"
    assert facts(rewrite) - draft == {"$29", "https://evil.example.com", "@bot"}
    assert facts("Seats: $49, https://example.org") - draft == set()
