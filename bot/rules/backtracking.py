r"""Patterns that would make Python's ``re`` backtrack for ever, found when a rule loads.

Rule patterns run in Python's ``re``, a backtracking engine: ``(a+)+$`` takes 42 s on a
29-character draft, and one such house rule stalls every critique. The RE2 prefilter
does not help: it only says a pattern *may* match. So a pattern is refused at load when
a repeat of many (``+``, ``*``, ``{n,}``, ``{n,m}`` with a large ``m``) wraps something
whose iterations can be cut in more than one way:

* something that matches runs of one character in more than one length, so a long
  run splits into iterations in exponentially many ways: ``(a+)+``, ``(\w+\s?)*``,
  ``(a|aa)+``, ``([^,]+,?)+``;
* or a repeat of its own: ``((ab)+)+``.

Bounded repeats (``(?:\w+\s+){0,2}``), repeats side by side (``\w+\s+\w+``) and
repeats whose iterations start with their own mark (``[a-z]+(?:-[a-z]+)*``) are allowed:
their cost grows with the draft, not exponentially. Characters are told apart by a
sample (ASCII and a few of every kind beyond it), so the check errs on refusing.
It reads Python's own parse of the pattern (:mod:`bot.rules.regex_tree`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from bot.rules.regex_tree import parse, sre

#: A repeat whose upper bound is at least this counts as repeating "many" times.
MANY = 10
_REPEATS = frozenset({sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT})
_ZERO_WIDTH = frozenset({sre.AT, sre.ASSERT, sre.ASSERT_NOT})
_ONE_CHAR = frozenset({sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN})
#: Characters a pattern's first character is tested against: ASCII, and a few of each
#: kind beyond it (letters, digits, spaces, symbols, and letters that fold to ASCII).
_PROBES = (*map(chr, range(128)), "é", "ß", "ж", "中", "٣", "\u00a0", "\u2003", "☃",
           "\U0001f600", "\u0130", "\u0131", "\u017f", "\u212a")
_PROBE_TEXT = "".join(_PROBES)
_ANY_CHAR = frozenset(_PROBES)
_CATEGORY_SOURCE = {
    sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_NOT_DIGIT: r"\D", sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W", sre.CATEGORY_SPACE: r"\s", sre.CATEGORY_NOT_SPACE: r"\S",
}
_CHAR_FLAGS = re.IGNORECASE | re.DOTALL | re.ASCII


def _member_source(op: Any, av: Any) -> str | None:
    if op is sre.LITERAL:
        return f"\\U{av:08x}"
    if op is sre.RANGE:
        return f"\\U{av[0]:08x}-\\U{av[1]:08x}"
    if op is sre.CATEGORY:
        return _CATEGORY_SOURCE.get(av)
    return None


@lru_cache(maxsize=4096)
def _chars(op: Any, av: Any, flags: int) -> frozenset[str]:
    """The probe characters a one-character node matches (``av`` of a class as a
    tuple, to be cached); every probe when the node is not understood."""
    if op is sre.LITERAL:
        source = f"\\U{av:08x}"
    elif op is sre.NOT_LITERAL:
        source = f"[^\\U{av:08x}]"
    elif op is sre.ANY:
        source = "."
    else:  # sre.IN
        members = [_member_source(m_op, m_av) for m_op, m_av in av if m_op is not sre.NEGATE]
        if None in members:
            return _ANY_CHAR
        negated = len(members) < len(av)
        source = "[" + "^" * negated + "".join(m for m in members if m) + "]"
    return frozenset(re.findall(source, _PROBE_TEXT, flags & _CHAR_FLAGS))


Runs = dict[int, frozenset[str]]
#: Run lengths are counted up to this; longer runs count as this long.
_CAP = 3
_NOTHING: Runs = {0: _ANY_CHAR}


def _then(left: Runs, right: Runs) -> Runs:
    """The runs of ``left`` followed by ``right``: lengths add up, characters must agree
    (a run of length 0 agrees with any)."""
    joined: dict[int, set[str]] = {}
    for first_length, first_chars in left.items():
        for second_length, second_chars in right.items():
            chars = first_chars & second_chars
            if chars:
                length = min(first_length + second_length, _CAP)
                joined.setdefault(length, set()).update(chars)
    return {length: frozenset(chars) for length, chars in joined.items()}


def _either(*options: Runs) -> Runs:
    merged: dict[int, set[str]] = {}
    for option in options:
        for length, chars in option.items():
            merged.setdefault(length, set()).update(chars)
    return {length: frozenset(chars) for length, chars in merged.items()}


def _runs(items: Iterable[tuple[Any, Any]], flags: int) -> Runs:
    """For each length (up to :data:`_CAP`), the characters ``c`` such that the nodes
    can match ``c`` repeated that many times."""
    found = _NOTHING
    for op, av in items:
        found = _then(found, _runs_of(op, av, flags))
        if not found:
            break
    return found


def _runs_of(op: Any, av: Any, flags: int) -> Runs:
    if op in _ONE_CHAR:
        chars = _chars(op, tuple(av) if op is sre.IN else av, flags)
        return {1: chars} if chars else {}
    if op in _ZERO_WIDTH:
        return _NOTHING
    if op is sre.SUBPATTERN:
        _, add_flags, del_flags, body = av
        return _runs(body.data, (flags | add_flags) & ~del_flags)
    if op is sre.ATOMIC_GROUP:
        return _runs(av.data, flags)
    if op is sre.BRANCH:
        return _either(*(_runs(alt.data, flags) for alt in av[1]))
    if op in _REPEATS:
        low, high, body = av
        once = _runs(body.data, flags)
        found = _NOTHING
        for _ in range(min(low, _CAP + 1)):
            found = _then(found, once)
        extra = high - low if high is not sre.MAXREPEAT else _CAP + 1
        total = found
        for _ in range(min(extra, _CAP + 1)):
            found = _then(found, once)
            total = _either(total, found)
        return total
    # Back-references and conditionals: any run at all.
    return {length: _ANY_CHAR for length in range(_CAP + 1)}


def _only_repeat(items: list[tuple[Any, Any]]) -> bool:
    """Whether the nodes are, groups aside, one repeat of a varying count, as the
    ``(ab)+`` in ``((ab)+)+``: its iterations and the outer one's can be traded."""
    while len(items) == 1:
        op, av = items[0]
        if op in _REPEATS:
            return av[0] != av[1]
        if op is sre.SUBPATTERN:
            items = list(av[3].data)
        elif op is sre.ATOMIC_GROUP:
            items = list(av.data)
        else:
            return False
    return False


def _ambiguous(runs: Runs) -> bool:
    """Whether some character can be matched in runs of two different lengths: then a
    long run of it splits into iterations in exponentially many ways."""
    lengths = [chars for length, chars in runs.items() if length > 0]
    return any(a & b for i, a in enumerate(lengths) for b in lengths[i + 1:])


def _many(high: int) -> bool:
    return high is sre.MAXREPEAT or high >= MANY


def _problem(items: Iterable[tuple[Any, Any]], flags: int) -> str | None:
    for op, av in items:
        if op in _REPEATS:
            _, high, body = av
            if (_many(high) and op is not sre.POSSESSIVE_REPEAT
                    and (_only_repeat(list(body.data))
                         or _ambiguous(_runs(body.data, flags)))):
                return ("a repeat around something that can match a run of one character "
                        "in more than one length, as in (a+)+ or (a|aa)*")
            found = _problem(body.data, flags)
        elif op is sre.SUBPATTERN:
            _, add_flags, del_flags, body = av
            found = _problem(body.data, (flags | add_flags) & ~del_flags)
        elif op is sre.ATOMIC_GROUP:
            found = _problem(av.data, flags)
        elif op is sre.BRANCH:
            found = next((p for alt in av[1] if (p := _problem(alt.data, flags))), None)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            found = _problem(av[1].data, flags)
        elif op is sre.GROUPREF_EXISTS:
            found = next((p for part in av[1:] if part is not None
                          and (p := _problem(part.data, flags))), None)
        else:
            found = None
        if found:
            return found
    return None


def backtracking_problem(source: str, flags: int = 0) -> str | None:
    """Why ``source`` can make ``re`` backtrack exponentially, or None when it cannot
    (``source`` must compile)."""
    try:
        tree = parse(source, flags)
    except RecursionError:
        return "nested too deeply"
    return _problem(tree.data, int(tree.state.flags))
