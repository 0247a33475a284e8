"""Python's own parse of a regular expression, for the code that reads one: the prefilter
writes each rule pattern for RE2 from its parse and compiles that same parse for ``re``
(:mod:`bot.rules.prefilter`), and the backtracking check walks it
(:mod:`bot.rules.backtracking`).
"""

from __future__ import annotations

import re

# CPython has no public regex parser, so its private one (re._parser, with the opcodes in
# re._constants, and re._compiler for a parse read here) is reached from this module
# alone; tests/rules/test_prefilter.py fails loudly on a Python whose internals differ.
from re import _compiler, _parser
from re import _constants as sre
from typing import Any

__all__ = ["compile_parsed", "parse", "sre"]


def parse(source: str, flags: int) -> Any:
    """The parse tree of ``source`` (``.data``: its nodes; ``.state.flags``: its flags,
    inline ones included)."""
    return _parser.parse(source, flags)


def compile_parsed(tree: Any, flags: int) -> re.Pattern[str]:
    """The regex ``re.compile`` makes of the source ``tree`` was parsed from, without
    parsing it again. Its ``.pattern`` is None."""
    return _compiler.compile(tree, flags)
