"""Measure the rules layer on labelled drafts: precision and recall per principle.

Three formats, as in ``shared/eval/``:

* YAML: a list of ``{id, platform, text, flag: [principle…]}`` or ``clean: true``;
* JSON: a list of ``{id, platform, text, labels: [bait|promo|ego|good], confidence}``;
* CSV: YouTube comments with ``CONTENT`` and ``CLASS`` (1 = spam), platform ``youtube``.
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

#: Editors' labels in the JSON sets, and the principle each one must be flagged under.
LABEL_PRINCIPLES = {"bait": "no-engagement-bait", "promo": "no-hard-sell", "ego": "not-ego"}
#: The principles spam breaks. A comment counts as flagged by any warning or error,
#: so an ordinary comment flagged under another principle is a false alarm too.
SPAM_PRINCIPLES = frozenset({"no-engagement-bait", "no-hard-sell", "not-ego", "no-spray"})


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
    confidence: str = "high"


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

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

    @property
    def clean_rate(self) -> float | None:
        if not self.clean_total:
            return None
        return 1 - self.clean_flagged / self.clean_total

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cases": self.cases,
            "principles": {p: {"precision": t.precision, "recall": t.recall,
                               "tp": t.tp, "fp": t.fp, "fn": t.fn}
                           for p, t in sorted(self.principles.items())},
            "spam": ({"precision": self.spam.precision, "recall": self.spam.recall,
                      "tp": self.spam.tp, "fp": self.spam.fp, "fn": self.spam.fn}
                     if self.spam.tp + self.spam.fp + self.spam.fn else None),
            "clean": ({"total": self.clean_total, "flagged": self.clean_flagged,
                       "rate": self.clean_rate} if self.clean_total else None),
            "misses": self.misses,
        }


def _yaml_cases(data: Any, path: Path) -> list[EvalCase]:
    if not isinstance(data, list):
        raise DraftcoachError(f"{path}: expected a list of cases")
    cases = []
    for index, item in enumerate(data):
        if not isinstance(item, dict) or "text" not in item:
            raise DraftcoachError(f"{path}: case {index + 1} needs at least 'text'")
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
        cases.append(EvalCase(
            id=str(item.get("id", index + 1)), platform=str(item.get("platform", "generic")),
            text=str(item["text"]), expect=expect, clean=clean,
            confidence=str(item.get("confidence", "high")),
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
                any_of=SPAM_PRINCIPLES if spam else frozenset(),
            ))
    return cases


def load_cases(path: Path) -> list[EvalCase]:
    suffix = path.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml", ".csv"):
        raise DraftcoachError(f"{path}: expected a .yaml, .json or .csv file")
    try:
        text = decode_utf8(path.read_bytes(), path, DraftcoachError)
    except OSError as exc:
        raise DraftcoachError(f"cannot read {path}: {exc.strerror}") from None
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


def evaluate(coach: Coach, cases: Iterable[EvalCase], name: str = "") -> EvalReport:
    report = EvalReport(name)
    for case in cases:
        report.cases += 1
        assessment = coach.assess(case.text, case.platform)
        flagged = {f.principle for f in assessment.blocking}
        for principle in case.expect | (flagged - SPAM_PRINCIPLES if case.any_of else flagged):
            tally = report.principles.setdefault(principle, Tally())
            if principle in case.expect and principle in flagged:
                tally.tp += 1
            elif principle in case.expect:
                tally.fn += 1
                report.misses.append(f"{case.id}: missed {principle}")
            elif case.expect or case.clean:
                tally.fp += 1
        if case.any_of or (case.clean and case.platform == "youtube"):
            caught = bool(flagged)
            if case.any_of and caught:
                report.spam.tp += 1
            elif case.any_of:
                report.spam.fn += 1
                report.misses.append(f"{case.id}: spam not flagged")
            elif caught:
                report.spam.fp += 1
        if case.clean:
            report.clean_total += 1
            if flagged:
                report.clean_flagged += 1
                report.misses.append(f"{case.id}: clean but flagged {', '.join(sorted(flagged))}")
    return report


def _pct(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.2f}"


def format_report(report: EvalReport) -> str:
    lines = [f"{report.name}: {report.cases} cases"]
    if report.principles:
        lines.append(f"  {'principle':<20} {'prec':>5} {'recall':>6}   tp  fp  fn")
        for principle, t in sorted(report.principles.items()):
            lines.append(f"  {principle:<20} {_pct(t.precision)} {_pct(t.recall):>6} "
                         f"{t.tp:4d}{t.fp:4d}{t.fn:4d}")
    s = report.spam
    if s.tp + s.fp + s.fn:
        lines.append(f"  spam (any warning/error): precision {_pct(s.precision)}, "
                     f"recall {_pct(s.recall)} (tp {s.tp}, fp {s.fp}, fn {s.fn})")
    if report.clean_total:
        lines.append(f"  clean drafts left clean: {report.clean_total - report.clean_flagged}"
                     f"/{report.clean_total}")
    return "\n".join(lines)
