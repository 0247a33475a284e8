"""Measure the rules layer on labelled drafts: precision, recall and false alarms per
principle.

Four formats, as in ``shared/eval/``:

* YAML: a list of ``{id, platform, text, flag: [principle…]}`` or ``clean: true``
  (``flag: [spam]``: a warning or error under any of :data:`SPAM_PRINCIPLES` will do,
  as in the CSV sets);
* JSON: a list of ``{id, platform, text, labels: [bait|promo|ego|good], confidence}``;
* CSV: YouTube comments with ``CONTENT`` and ``CLASS`` (1 = spam), platform ``youtube``;
* JSONL: one ``{id, text, label}`` a line, ``label`` one of :data:`JSONL_LABELS`.

Rows a learned rule was trained on are left out (the rule's model file says which), so
every figure is on rows the coach has not learned from.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.coach import Coach
from bot.config_files import decode_utf8, parse_yaml, quote
from bot.errors import DraftcoachError
from bot.rules import Rule
from bot.text import Document

#: Editors' labels in the JSON sets, and the principle each one must be flagged under.
LABEL_PRINCIPLES = {"bait": "no-engagement-bait", "promo": "no-hard-sell", "ego": "not-ego"}
#: JSONL labels: the principles the row must be flagged under, those it must not be,
#: and the platform it is judged as. A label missing here is not judged (milder kinds
#: of bragging: a reader may or may not mind).
JSONL_LABELS: dict[str, tuple[frozenset[str], frozenset[str], str]] = {
    "clickbait": (frozenset({"authentic"}), frozenset(), "facebook"),
    "news": (frozenset(), frozenset({"authentic"}), "facebook"),
    "achievement": (frozenset({"not-ego"}), frozenset(), "x"),
    "action": (frozenset({"not-ego"}), frozenset(), "x"),
    "possession": (frozenset({"not-ego"}), frozenset(), "x"),
    "not": (frozenset(), frozenset({"not-ego"}), "x"),
}
UNJUDGED_JSONL_LABELS = frozenset({"trait", "feeling", "affiliation"})
SET_SUFFIXES = (".csv", ".json", ".jsonl", ".yaml", ".yml")
#: The principles spam breaks. A comment counts as flagged by any warning or error,
#: so an ordinary comment flagged under another principle is a false alarm too.
SPAM_PRINCIPLES = frozenset({"no-engagement-bait", "no-hard-sell", "not-ego", "no-spray"})
#: What a YAML case flags to be judged as spam.
SPAM_LABEL = "spam"


#: Share of each set's rows (by a stable hash of the row's id) that rules may be tuned
#: on; the rest is held out, and figures on it say how the judgment carries over.
TUNE_SHARE = 0.7


def split_of(case_id: str) -> str:
    """``"tune"`` or ``"held-out"``, the same for a row on every machine and run."""
    return "tune" if zlib.crc32(case_id.encode("utf-8")) % 100 < TUNE_SHARE * 100 else "held-out"


@dataclass(frozen=True, slots=True)
class EvalCase:
    id: str
    platform: str
    text: str
    #: Principles that must each get a warning or error.
    expect: frozenset[str] = frozenset()
    #: True: no warning or error at all.
    clean: bool = False
    #: Spam: at least one warning or error under one of these principles.
    any_of: frozenset[str] = frozenset()
    #: Principles that must get no warning or error.
    forbid: frozenset[str] = frozenset()
    #: True: a principle neither expected nor forbidden is not judged (a set labelled
    #: for one principle); False: it must stay quiet.
    partial: bool = False
    confidence: str = "high"
    #: The set file the case comes from (a learned rule's model names its training rows
    #: by set file and id).
    source: str = ""
    #: The row's own label where a set names finer kinds of what it expects (bragging:
    #: achievement, action, possession), so recall can be told kind by kind.
    kind: str = ""


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    #: Cases that must not be flagged (false alarms are ``fp`` of these).
    negatives: int = 0

    @property
    def false_alarm_rate(self) -> float | None:
        return self.fp / self.negatives if self.negatives else None

    def add(self, expected: bool, flagged: bool) -> None:
        if expected:
            if flagged:
                self.tp += 1
            else:
                self.fn += 1
        else:
            self.negatives += 1
            if flagged:
                self.fp += 1

    @property
    def judged(self) -> bool:
        return bool(self.tp + self.fn + self.negatives)

    def to_dict(self) -> dict[str, Any]:
        return {"precision": self.precision, "recall": self.recall, "tp": self.tp,
                "fp": self.fp, "fn": self.fn, "negatives": self.negatives,
                "false_alarm_rate": self.false_alarm_rate}

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class EvalReport:
    name: str
    cases: int = 0
    principles: dict[str, Tally] = field(default_factory=dict)
    spam: Tally = field(default_factory=Tally)
    clean_total: int = 0
    clean_flagged: int = 0
    misses: list[str] = field(default_factory=list)
    #: Rows left out because a learned rule was trained on them.
    left_out: int = 0
    #: Each learned rule on its own, on the rows judged under its principle.
    learned: dict[str, Tally] = field(default_factory=dict)
    #: Recall of each kind of row that expects a flag (see :attr:`EvalCase.kind`).
    kinds: dict[str, Tally] = field(default_factory=dict)

    @property
    def clean_rate(self) -> float | None:
        if not self.clean_total:
            return None
        return 1 - self.clean_flagged / self.clean_total

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cases": self.cases,
            "left_out_trained_on": self.left_out,
            "principles": {p: t.to_dict() for p, t in sorted(self.principles.items())
                           if t.judged},
            "spam": self.spam.to_dict() if self.spam.judged else None,
            "learned": {r: t.to_dict() for r, t in sorted(self.learned.items()) if t.judged},
            "kinds": {k: t.to_dict() for k, t in sorted(self.kinds.items())},
            "clean": ({"total": self.clean_total, "flagged": self.clean_flagged,
                       "rate": self.clean_rate} if self.clean_total else None),
            "misses": self.misses,
        }


#: What a case of a YAML or JSON set may say.
_YAML_CASE_KEYS = frozenset({"id", "platform", "text", "flag", "clean", "labels", "confidence"})


def _yaml_cases(data: Any, path: Path) -> list[EvalCase]:
    if not isinstance(data, list):
        raise DraftcoachError(f"{path}: expected a list of cases")
    cases = []
    for index, item in enumerate(data):
        if not isinstance(item, dict) or "text" not in item:
            raise DraftcoachError(f"{path}: case {index + 1} needs at least 'text'")
        unknown_keys = item.keys() - _YAML_CASE_KEYS
        if unknown_keys:  # a misspelt "flag" would leave a case that expects nothing
            raise DraftcoachError(f"{path}: case {item.get('id', index + 1)}: unknown key "
                                  f"{quote(sorted(map(str, unknown_keys))[0])} (known: "
                                  f"{', '.join(sorted(_YAML_CASE_KEYS))})")
        for key in ("labels", "flag"):
            value = item.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise DraftcoachError(f"{path}: case {index + 1}: '{key}' must be a list of "
                                      f"names, got {quote(value)}")
        if "labels" in item:
            labels = set(item.get("labels") or [])
            unknown = labels - set(LABEL_PRINCIPLES) - {"good"}
            if unknown:
                raise DraftcoachError(f"{path}: case {item.get('id', index + 1)}: "
                                      f"unknown label '{sorted(unknown)[0]}'")
            expect = frozenset(LABEL_PRINCIPLES[label] for label in labels if label != "good")
            clean = labels == {"good"}
        else:
            expect = frozenset(item.get("flag") or [])
            clean = bool(item.get("clean"))
        any_of = SPAM_PRINCIPLES if SPAM_LABEL in expect else frozenset()
        cases.append(EvalCase(
            id=str(item.get("id", index + 1)), platform=str(item.get("platform", "generic")),
            text=str(item["text"]), expect=expect - {SPAM_LABEL}, clean=clean, any_of=any_of,
            confidence=str(item.get("confidence", "high")), source=path.name,
        ))
    return cases


def _jsonl_cases(text: str, path: Path) -> list[EvalCase]:
    cases = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DraftcoachError(f"{path}: line {number}: not JSON ({exc.msg})") from None
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise DraftcoachError(f"{path}: line {number}: needs a \"text\" string")
        label = item.get("label")
        if label in UNJUDGED_JSONL_LABELS:
            continue
        if label not in JSONL_LABELS:
            raise DraftcoachError(f"{path}: line {number}: unknown label {label!r} (known: "
                                  f"{', '.join(sorted(JSONL_LABELS))})")
        expect, forbid, platform = JSONL_LABELS[label]
        cases.append(EvalCase(
            id=str(item.get("id", number)), platform=str(item.get("platform", platform)),
            text=item["text"], expect=expect, forbid=forbid, partial=True, source=path.name,
            kind=label,
        ))
    return cases


def _csv_cases(path: Path, text: str) -> list[EvalCase]:
    with io.StringIO(text, newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"CONTENT", "CLASS"} <= set(reader.fieldnames):
            raise DraftcoachError(f"{path}: a CSV set needs CONTENT and CLASS columns")
        cases = []
        for index, row in enumerate(reader):
            spam = row["CLASS"].strip() == "1"
            cases.append(EvalCase(
                id=row.get("COMMENT_ID") or str(index + 1), platform="youtube",
                text=row["CONTENT"], clean=not spam,
                any_of=SPAM_PRINCIPLES if spam else frozenset(), source=path.name,
            ))
    return cases


def load_cases(path: Path) -> list[EvalCase]:
    suffix = path.suffix.lower()
    if suffix not in SET_SUFFIXES:
        raise DraftcoachError(f"{path}: expected a .yaml, .json, .jsonl or .csv file")
    try:
        text = decode_utf8(path.read_bytes(), path, DraftcoachError)
    except OSError as exc:
        raise DraftcoachError(f"cannot read {path}: {exc.strerror}") from None
    if suffix == ".jsonl":
        return _jsonl_cases(text, path)
    if suffix == ".csv":
        return _csv_cases(path, text)
    if suffix != ".json":
        return _yaml_cases(parse_yaml(text, path), path)
    try:
        data = json.loads(text)
    except RecursionError:
        raise DraftcoachError(f"{path}: cannot parse (nested too deeply)") from None
    except json.JSONDecodeError as exc:
        raise DraftcoachError(f"{path}: cannot parse ({exc})") from None
    except ValueError:  # json reads all else; Python refuses to read an int this long
        raise DraftcoachError(f"{path}: cannot parse (a number has more than "
                              f"{sys.get_int_max_str_digits()} digits)") from None
    return _yaml_cases(data, path)


def default_eval_dir(start: Path | None = None) -> Path | None:
    """``shared/eval`` beside the working directory or one of its parents (a checkout
    sits next to ``shared/``), or None."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "shared" / "eval"
        if candidate.is_dir():
            return candidate
    return None


def find_sets(paths: Iterable[Path]) -> list[Path]:
    """The set files named, with every set file of each folder named (sorted)."""
    found = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir()
                                if p.is_file() and p.suffix.lower() in SET_SUFFIXES))
        else:
            found.append(path)
    return found


def evaluate(coach: Coach, cases: Iterable[EvalCase], name: str = "") -> EvalReport:
    """Judge every case a learned rule was not trained on."""
    report = EvalReport(name)
    principles = frozenset(coach.principles)
    learned = [rule for rule in coach.rules if type(rule).trained_on is not Rule.trained_on]
    for case in cases:
        if any(rule.trained_on(case.source, case.id) for rule in learned):
            report.left_out += 1
            continue
        report.cases += 1
        # Read once: the assessment and each learned rule alone look at one document.
        doc = Document(case.text)
        assessment = coach.assess_document(doc, case.platform)
        blocking = assessment.blocking
        flagged = {f.principle for f in blocking}
        if case.kind and case.expect:
            report.kinds.setdefault(case.kind, Tally()).add(True, case.expect <= flagged)
        for principle in sorted(_judged(case, principles)):  # a stable order for --misses
            expected = principle in case.expect
            report.principles.setdefault(principle, Tally()).add(expected, principle in flagged)
            if expected and principle not in flagged:
                report.misses.append(f"{case.id}: missed {principle}")
            elif principle in flagged and not expected and case.partial:
                report.misses.append(f"{case.id}: flagged {principle}")
        for rule in learned:
            platform = coach.platform(case.platform)
            if not rule.applies_to(platform):
                continue
            principle = rule.meta.principle
            expected = principle in case.expect or principle in case.any_of
            if expected or case.clean or principle in case.forbid:
                # Alone: another rule's finding on the same words does not hide it.
                fired = any(f.severity != "suggestion"
                            for f in rule.check(doc, platform))
                report.learned.setdefault(rule.meta.id, Tally()).add(expected, fired)
        if case.any_of or (case.clean and case.platform == "youtube"):
            report.spam.add(bool(case.any_of), bool(flagged))
            if case.any_of and not flagged:
                report.misses.append(f"{case.id}: spam not flagged")
        if case.clean:
            report.clean_total += 1
            if flagged:
                report.clean_flagged += 1
                report.misses.append(f"{case.id}: clean but flagged {', '.join(sorted(flagged))}")
    return report


def _judged(case: EvalCase, principles: frozenset[str]) -> frozenset[str]:
    """The principles a case says something about: each must be flagged or must not."""
    if case.clean:
        return principles
    if case.any_of:  # spam: any of these will do, so none is judged alone
        return case.expect
    if case.partial:
        return case.expect | case.forbid
    return principles if case.expect else frozenset()


def _pct(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.2f}"


def _rate(tally: Tally) -> str:
    rate = tally.false_alarm_rate
    return "" if rate is None else f"{tally.fp}/{tally.negatives} ({rate:.1%})"


def format_report(report: EvalReport) -> str:
    left_out = (f" ({report.left_out} more left out: a learned rule trained on them)"
                if report.left_out else "")
    lines = [f"{report.name}: {report.cases} cases{left_out}"]
    # a principle nothing expected and nothing flagged says nothing worth a line
    judged = {p: t for p, t in sorted(report.principles.items()) if t.tp + t.fp + t.fn}
    if judged:
        lines.append(f"  {'principle':<20} {'prec':>5} {'recall':>6}   tp   fp   fn  "
                     "false alarms")
        for principle, t in judged.items():
            lines.append(f"  {principle:<20} {_pct(t.precision)} {_pct(t.recall):>6} "
                         f"{t.tp:4d} {t.fp:4d} {t.fn:4d}  {_rate(t)}")
    s = report.spam
    if s.judged:
        lines.append(f"  spam (any warning/error): precision {_pct(s.precision)}, "
                     f"recall {_pct(s.recall)} (tp {s.tp}, fp {s.fp}, fn {s.fn}), "
                     f"false alarms {_rate(s)}")
    if len(report.kinds) > 1:
        lines.append("  recall by kind: " + ", ".join(
            f"{kind} {_pct(t.recall).strip()} ({t.tp}/{t.tp + t.fn})"
            for kind, t in sorted(report.kinds.items())))
    if report.clean_total:
        lines.append(f"  clean drafts left clean: {report.clean_total - report.clean_flagged}"
                     f"/{report.clean_total}")
    for rule_id, t in sorted(report.learned.items()):
        if t.tp + t.fp + t.fn:
            lines.append(f"  learned rule {rule_id} alone: precision {_pct(t.precision)}, "
                         f"recall {_pct(t.recall)}, false alarms {_rate(t)}")
    return "\n".join(lines)
