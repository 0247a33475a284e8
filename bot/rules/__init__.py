"""The rules layer: rule kinds (code) and the loader for rules (data in config/rules/)."""

from bot.rules import absence, concept, existence, length, occurrence, ratio, substitution
from bot.rules.base import KINDS, Hit, Rule, RuleMeta
from bot.rules.loader import load_rules

__all__ = ["KINDS", "Hit", "Rule", "RuleMeta", "absence", "concept", "existence", "length",
           "load_rules", "occurrence", "ratio", "substitution"]
