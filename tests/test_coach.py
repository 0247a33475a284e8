from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.coach import Coach, RuleOverrides, _without_echoes
from bot.errors import UnknownPlatformError
from bot.models import SEVERITY_RANK, Finding, Severity
from bot.rules import load_rules
from bot.text import Document
from tests.rules.test_prefilter import _eval_texts, one_by_one


def _dev_cases() -> list:
    from tests.conftest import SHARED

    path = SHARED / "eval" / "dev_drafts.yaml"
    if not path.is_file():
        return []
    return [pytest.param(c, id=c["id"]) for c in yaml.safe_load(path.read_text("utf-8"))]


@pytest.mark.parametrize("case", _dev_cases())
def test_hand_written_drafts_get_their_verdicts(coach: Coach, case: dict) -> None:
    assessment = coach.assess(case["text"], case["platform"])
    flagged = {f.principle for f in assessment.blocking}
    if case.get("clean"):
        assert not flagged, [f.message for f in assessment.blocking]
    for principle in case.get("flag", []):
        assert principle in flagged, f"{case['id']} should be flagged under {principle}"


def test_findings_are_sorted_by_position_and_quote_the_draft(coach: Coach) -> None:
    text = "Hurry!! Like for like, and smash that like button #l4l #a #b #c #d"
    findings = coach.assess(text, "x").findings
    starts = [f.span[0] for f in findings]
    assert starts == sorted(starts)
    assert all(text[f.span[0]:f.span[1]] == f.match for f in findings)


def test_score_and_verdict(coach: Coach) -> None:
    ready = coach.assess("What's one tool you'd never give up for writing?", "x")
    assert (ready.score, ready.verdict) == (100, "ready")
    almost = coach.assess("Repost if you agree, and tell me what you think?", "linkedin")
    assert almost.verdict == "almost" and 0 < almost.score < 100
    bad = coach.assess("F4F? I follow back everyone", "x")
    assert bad.verdict == "needs-work" and bad.score < almost.score


def test_a_team_can_switch_a_rule_off_or_change_its_severity(coach: Coach) -> None:
    text = "Our brand just crossed 1 million followers, thanks to you all. What next?"
    assert any(f.rule == "vanity-metrics" for f in coach.assess(text, "x").blocking)
    off = coach.assess(text, "x", RuleOverrides(disabled=frozenset({"vanity-metrics"})))
    assert not any(f.rule == "vanity-metrics" for f in off.findings)
    softer = coach.assess(text, "x", RuleOverrides(severity={"vanity-metrics": "suggestion"}))
    assert [f.severity for f in softer.findings if f.rule == "vanity-metrics"] == ["suggestion"]


def test_a_rule_that_reads_others_reads_them_as_the_team_set_them(coach: Coach) -> None:
    # sells-in-a-reply repeats, under listen-first, what fake-urgency finds in a reply.
    text = "@maya so sorry about the shed! Tool sets are half price, this week only."
    rules = {f.rule for f in coach.assess(text, "x").blocking}
    assert {"fake-urgency", "sells-in-a-reply"} <= rules
    off = coach.assess(text, "x", RuleOverrides(disabled=frozenset({"fake-urgency"})))
    assert not {"fake-urgency", "sells-in-a-reply"} & {f.rule for f in off.findings}
    softer = coach.assess(text, "x", RuleOverrides(severity={"fake-urgency": "suggestion"}))
    assert "sells-in-a-reply" not in {f.rule for f in softer.findings}


def test_link_in_bio_is_how_instagram_links_and_an_ad_sign_off_elsewhere(
        coach: Coach) -> None:
    draft = "Week 3 with our foster kittens: they have discovered the curtains. Link in bio."
    assert not coach.assess(draft, "instagram").blocking
    assert [f.rule for f in coach.assess(draft, "facebook").blocking] == ["link-in-bio"]


def test_a_sign_up_in_the_bio_is_a_funnel_except_on_instagram(coach: Coach) -> None:
    draft = ("Our pottery evenings are back for spring: six weeks, beginners welcome. "
             "Booking details are in my bio.")
    assert not coach.assess(draft, "instagram").blocking
    assert [f.rule for f in coach.assess(draft, "linkedin").blocking] == ["sale-via-profile"]


def test_unknown_platform_names_the_choices(coach: Coach) -> None:
    with pytest.raises(UnknownPlatformError, match="linkedin"):
        coach.assess("hello", "myspace")


def test_html_and_hidden_characters_do_not_hide_bait(coach: Coach) -> None:
    text = "f\u043ell\u043ew\u200b for f\u043ell\u043ew &amp; I&#39;ll follow back\ufeff"
    findings = [f for f in coach.assess(text, "youtube").findings
                if f.principle == "no-engagement-bait"]
    assert findings
    assert all(text[f.span[0]:f.span[1]] == f.match for f in findings)


def test_words_in_quotes_are_mentioned_not_used(coach: Coach) -> None:
    def principles(text: str, platform: str = "instagram") -> set[str]:
        return {f.principle for f in coach.assess(text, platform).blocking}

    assert not principles('I\'m tired of "link in bio" culture. Put the link in the post.')
    assert not principles('You don\'t need to \u201cbuy now before prices go up\u201d. Buy when '
                          'the payment works for you.')
    assert not principles('the way my mum texts "call me" with no context should be illegal')
    # The writer's own order beside a quoted word is still an order.
    assert "no-hard-sell" in principles("Mugs are back, $38 each. Shop now, link in bio.")
    assert "no-engagement-bait" in principles('Comment "YES" below and I\'ll DM you the guide.')
    # A quotation is still as long as it is.
    assert "platform-fit" in principles('"' + "word " * 70 + '"', "x")


def test_empty_and_whitespace_drafts_are_ready_with_nothing_to_say(coach: Coach) -> None:
    for text in ("", "   \n "):
        assert coach.assess(text, "x").findings == ()


def test_nothing_in_the_shared_config_is_left_unused(coach: Coach) -> None:
    used = {r.meta.principle for r in coach.rules}
    assert used == set(coach.principles)
    assert set(coach.platform_ids) == {"x", "linkedin", "instagram", "threads", "bluesky",
                                       "mastodon", "facebook", "youtube", "generic"}
    assert Path(coach.rules[0].meta.file).is_file()


def test_the_coach_finds_what_each_rule_finds_on_its_own(coach: Coach, eval_dir: Path) -> None:
    # The coach runs only what the prefilter leaves alive; a rule run by itself runs
    # every pattern whole. The two must never disagree.
    texts = _eval_texts(eval_dir)
    for platform_id in ("x", "linkedin", "youtube"):
        platform = coach.platform(platform_id)
        for text in texts:
            doc = Document(text)
            reads_as = coach.language(doc).reads_as
            rules = [rule for rule in coach.rules
                     if rule.meta.speaks(reads_as) and rule.applies_to(platform)]
            alone = _without_echoes(one_by_one(rules, doc, platform))
            assert set(coach.assess(text, platform_id).findings) == set(alone), text


@pytest.mark.parametrize("text", ["🔥🔥🔥", "\u200b\u200b\u200b", "!!! ... ???", "👍 💯 ❤️"])
def test_a_draft_without_words_is_nothing_to_coach(coach: Coach, text: str) -> None:
    critique = coach.critique(text, "x")
    assert (critique.verdict, critique.score) == ("nothing-to-coach", 0)
    assert critique.rewrite is not None
    assert "no words" in critique.rewrite.summary


def test_a_rewrite_that_keeps_the_drafts_problem_is_not_ready(
    coach: Coach, tmp_path: Path
) -> None:
    rule_file = tmp_path / "buy-now.yaml"
    rule_file.write_text(yaml.safe_dump({
        "id": "buy-now", "kind": "existence", "severity": "warning",
        "principle": "no-hard-sell", "message": 'Pushy: "{match}".', "why": "No ads.",
        "fix": "Drop it.", "phrases": ["buy now"], "exceptions": [r"\bjoke\b"],
        "examples_fail": ["Buy now!"], "examples_pass": ["Just a joke: buy now."],
    }), encoding="utf-8")
    alone = Coach(coach.principles, coach.platforms,
                  load_rules([rule_file], coach.principles, coach.platforms))
    draft = alone.assess("Buy now.", "x")
    assert draft.verdict == "almost"
    # The same words, now excused by the rule's exception: on its own the rewrite
    # looks clean, but it still does what the draft was flagged for.
    rewrite = "Buy now, no joke."
    assert alone.assess(rewrite, "x").verdict == "ready"
    kept = alone.assess(rewrite, "x", rewrite_of=draft)
    assert kept.verdict == "almost"
    assert [f.match for f in kept.blocking] == ["Buy now"]


def _plain_without_echoes(findings: list[Finding]) -> list[Finding]:
    """What _without_echoes does, finding by finding against every one kept."""
    ranked = sorted(findings, key=lambda f: (SEVERITY_RANK[f.severity], f.span[0] - f.span[1]))
    kept: list[Finding] = []
    for finding in ranked:
        start, end = finding.span
        if not any(k.principle == finding.principle and k.span[0] <= start and end <= k.span[1]
                   and end > start and (finding.replacement is None or k.replacement is not None)
                   for k in kept):
            kept.append(finding)
    return kept


_FINDINGS = st.lists(st.builds(
    lambda principle, severity, start, width, fix: Finding(
        rule="r", principle=principle, severity=severity, message="", span=(start, start + width),
        match="", suggestion="", replacement=fix),
    st.sampled_from(["a", "b"]), st.sampled_from(["error", "warning", "suggestion"]),
    st.integers(0, 30), st.integers(0, 12), st.sampled_from([None, "", "x"])), max_size=40)


def _finding(principle: str, severity: Severity, span: tuple[int, int]) -> Finding:
    return Finding(rule="r", principle=principle, severity=severity, message="", span=span,
                   match="", suggestion="")


@settings(max_examples=300, deadline=None)
@given(findings=_FINDINGS)
@example(findings=[_finding("a", "suggestion", (0, 4)), _finding("b", "error", (2, 3))])
@example(findings=[_finding("a", "warning", (0, 4)), _finding("b", "warning", (1, 9))])
def test_a_finding_covered_by_another_of_its_principle_is_heard_once(
        findings: list[Finding]) -> None:
    assert _without_echoes(findings) == _plain_without_echoes(findings)


def _imports_of_bot() -> dict[str, set[str]]:
    """Each module of bot/ and the modules of bot/ it imports, wherever in it (inside a
    function or for type checkers alone too)."""
    root = Path(__file__).resolve().parent.parent
    modules = {}
    for path in (root / "bot").rglob("*.py"):
        name = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                base = node.module
                found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                          for alias in node.names}
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def test_no_module_of_bot_imports_one_that_imports_it_back() -> None:
    # Data flows one way: CLI/cogs -> pipeline -> rules/rewrite -> text; the Discord
    # package's cogs and views reach the bot and one another through bot.discord.peers.
    graph = _imports_of_bot()
    assert "bot.text" in graph["bot.rewrite"] and "bot.rewrite" in graph["bot.coach"]
    assert "bot.discord.views" in graph["bot.discord.cogs.drafts"]
    for start in graph:
        seen, todo = set(), list(graph[start])
        while todo:
            module = todo.pop()
            assert module != start, f"{start} imports itself through {sorted(seen)}"
            if module not in seen:
                seen.add(module)
                todo += graph.get(module, ())
