"""The ratio kind: a post about the writer far more than about the reader."""

from __future__ import annotations

import pytest

from bot.coach import Coach


@pytest.mark.parametrize(("count", "fires"), [(9, False), (10, True), (14, True)])
def test_self_focused_counts_from_its_minimum(coach: Coach, count: int, fires: bool) -> None:
    rule = coach.rule("self-focused")
    assert rule is not None and getattr(rule, "min_count", None) == 10
    text = " ".join(["I shipped it."] * count) + " Thanks."
    findings = [f for f in coach.assess(text, "linkedin").findings if f.rule == "self-focused"]
    assert bool(findings) is fires
    if fires:
        assert f"{count} words about yourself" in findings[0].message
