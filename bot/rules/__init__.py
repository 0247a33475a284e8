"""The rules layer: rule kinds (code, one module each) and the loader for rules (data in
config/rules/). Importing a kind's module registers it."""

from bot.rules import (
    absence,
    concept,
    existence,
    in_reply,
    learned,
    length,
    occurrence,
    ratio,
    stack,
    substitution,
    unacknowledged,
    unheard,
)
from bot.rules.base import KINDS, Hit, Live, Pattern, Rule, RuleMeta
from bot.rules.engine import Engine
from bot.rules.loader import check_examples, load_rules

__all__ = [
           "KINDS",
           "Engine",
           "Hit",
           "Live",
           "Pattern",
           "Rule",
           "RuleMeta",
           "absence",
           "check_examples",
           "concept",
           "existence",
           "in_reply",
           "learned",
           "length",
           "load_rules",
           "occurrence",
           "ratio",
           "stack",
           "substitution",
           "unacknowledged",
           "unheard",
]
