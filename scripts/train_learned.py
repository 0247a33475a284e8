"""Train the learned rules' models from the labelled sets whose licences allow it.

    pip install '.[train]'
    python scripts/train_learned.py                  # both models -> config/learned/
    python scripts/train_learned.py --cross-source   # train on one video, score the other

* ``comment-spam``: YouTube comments (YouTube Spam Collection, CC BY 4.0), spam = 1.
* ``clickbait``: headlines (Stop Clickbait, MIT), clickbait vs news.

Rows are split by a stable hash of (set file, row id): buckets 0-6 of 10 train, 7-9 are
held out. The threshold is chosen on out-of-fold scores of the training rows (each
scored by a model fitted without it), for precision; the held-out rows are scored once,
for the report, and never tune anything. The model file records the split, so
``draftcoach eval`` leaves the training rows out by itself.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.rules.linear_model import (  # noqa: E402
    FEATURES_VERSION,
    LinearTextModel,
    features,
    stable_bucket,
)

BUCKETS = 10
TRAINED_BUCKETS = frozenset(range(7))


@dataclass(frozen=True)
class Row:
    source: str
    id: str
    text: str
    positive: bool

    @property
    def trained(self) -> bool:
        return stable_bucket(self.source, self.id, BUCKETS) in TRAINED_BUCKETS


@dataclass(frozen=True)
class Recipe:
    """What one model learns from, how big it may be, and what its threshold must keep."""

    name: str
    sources: dict[str, str]  # set file -> the key naming a row
    keep: int  # features kept, by weight
    c: float  # inverse regularisation of the logistic regression
    min_precision: float
    max_false_alarms: float  # share of negative rows flagged


RECIPES = {
    "comment-spam": Recipe("comment-spam", {"youtube_01-Psy.csv": "COMMENT_ID",
                                            "youtube_02-KatyPerry.csv": "COMMENT_ID"},
                           keep=1500, c=10.0, min_precision=0.98, max_false_alarms=0.02),
    "clickbait": Recipe("clickbait", {"clickbait_dev.jsonl": "id"},
                        keep=3000, c=4.0, min_precision=0.95, max_false_alarms=0.04),
}


def read_rows(eval_dir: Path, source: str) -> list[Row]:
    path = eval_dir / source
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return [Row(source, r["COMMENT_ID"], r["CONTENT"], r["CLASS"].strip() == "1")
                    for r in csv.DictReader(handle)]
    with path.open(encoding="utf-8") as handle:
        items = [json.loads(line) for line in handle if line.strip()]
    return [Row(source, str(i["id"]), str(i["text"]), i["label"] == "clickbait") for i in items]


def _fit_once(texts: list[str], labels: np.ndarray, c: float, vocabulary: list[str] | None
              ) -> tuple[TfidfVectorizer, LogisticRegression]:
    vectorizer = TfidfVectorizer(analyzer=features, binary=True, norm="l2", use_idf=True,
                                 smooth_idf=True, vocabulary=vocabulary)
    matrix = vectorizer.fit_transform(texts)
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    model.fit(matrix, labels)
    return vectorizer, model


def fit(texts: list[str], labels: np.ndarray, recipe: Recipe
        ) -> tuple[TfidfVectorizer, LogisticRegression]:
    """Fit on every feature, keep the ``recipe.keep`` heaviest, and fit again on those
    alone: the shipped weights are then exactly the model scikit-learn scores with."""
    vectorizer, model = _fit_once(texts, labels, recipe.c, None)
    names = vectorizer.get_feature_names_out()
    order = np.argsort(-np.abs(model.coef_[0]))[:recipe.keep]
    return _fit_once(texts, labels, recipe.c, sorted(str(names[i]) for i in order))


def decision(pair: tuple[TfidfVectorizer, LogisticRegression], texts: list[str]) -> np.ndarray:
    vectorizer, model = pair
    return model.decision_function(vectorizer.transform(texts))


def out_of_fold(texts: list[str], labels: np.ndarray, recipe: Recipe) -> np.ndarray:
    """Each training row's score from a model fitted without it (5 folds)."""
    scores = np.zeros(len(texts))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    for fit_rows, score_rows in folds.split(texts, labels):
        pair = fit([texts[i] for i in fit_rows], labels[fit_rows], recipe)
        scores[score_rows] = decision(pair, [texts[i] for i in score_rows])
    return scores


def choose_threshold(scores: np.ndarray, labels: np.ndarray, recipe: Recipe) -> float:
    """The lowest threshold whose precision and false-alarm rate meet the recipe's."""
    negatives = max(1, int((~labels).sum()))
    for threshold in np.unique(scores):
        flagged = scores >= threshold
        tp = int((flagged & labels).sum())
        fp = int((flagged & ~labels).sum())
        precise = tp and tp / (tp + fp) >= recipe.min_precision
        if precise and fp / negatives <= recipe.max_false_alarms:
            return float(threshold)
    return float(scores.max()) + 1.0


def figures(scores: np.ndarray, labels: np.ndarray, threshold: float) -> str:
    flagged = scores >= threshold
    tp = int((flagged & labels).sum())
    fp = int((flagged & ~labels).sum())
    fn = int((~flagged & labels).sum())
    negatives = int((~labels).sum())
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    return (f"{len(labels)} rows: precision {precision:.3f}, recall {recall:.3f}, "
            f"false alarms {fp}/{negatives} ({fp / max(1, negatives):.1%})")


def train(recipe: Recipe, rows: list[Row], trained: list[Row]
          ) -> tuple[dict[str, object], float]:
    """The model file's content, trained on ``trained``; and its threshold."""
    texts = [r.text for r in trained]
    labels = np.array([r.positive for r in trained])
    threshold = choose_threshold(out_of_fold(texts, labels, recipe), labels, recipe)
    pair = fit(texts, labels, recipe)
    vectorizer, model = pair
    names = vectorizer.get_feature_names_out()
    weights = model.coef_[0]
    idf = vectorizer.idf_
    unseen = [r for r in rows if r not in set(trained)]
    check_texts = [r.text for r in unseen[:6]] + ["please subscribe to my channel!!",
                                                  "You Won't Believe What Happened Next",
                                                  "", "🔥🔥🔥"]
    checks = [[t, float(s)] for t, s in zip(check_texts, decision(pair, check_texts),
                                            strict=True)]
    data: dict[str, object] = {
        "name": recipe.name,
        "features_version": FEATURES_VERSION,
        "trained_on": recipe.sources,
        "split": {"rule": "sha256 of '<set file>:<row id>', first 8 bytes big-endian, "
                          "modulo buckets", "buckets": BUCKETS,
                  "trained_buckets": sorted(TRAINED_BUCKETS)},
        "threshold": round(threshold, 6),
        "intercept": float(model.intercept_[0]),
        "features": [[str(n), float(f"{w:.9g}"), float(f"{i:.9g}")]
                     for n, w, i in zip(names, weights, idf, strict=True)],
        "checks": checks,
    }
    return data, threshold


def report_unseen(name: str, data: dict[str, object], unseen: list[Row]) -> None:
    model = LinearTextModel.from_dict(data)
    scores = np.array([model.score(r.text) for r in unseen])
    labels = np.array([r.positive for r in unseen])
    print(f"{name}: held-out rows (never trained or tuned on): "
          f"{figures(scores, labels, model.threshold)}")
    for source in sorted({r.source for r in unseen}):
        mask = np.array([r.source == source for r in unseen])
        print(f"  {source}: {figures(scores[mask], labels[mask], model.threshold)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--out", type=Path, default=ROOT / "config" / "learned")
    parser.add_argument("--cross-source", action="store_true",
                        help="train the spam model on one video, score the other, both ways")
    parser.add_argument("models", nargs="*", choices=[[], *RECIPES], default=[])
    args = parser.parse_args()
    if args.cross_source:
        from scripts.cross_source import cross_source_report

        cross_source_report(args.eval_dir, RECIPES["comment-spam"])
        return
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.models or RECIPES:
        recipe = RECIPES[name]
        rows = [row for source in recipe.sources for row in read_rows(args.eval_dir, source)]
        trained = [r for r in rows if r.trained]
        data, _ = train(recipe, rows, trained)
        path = args.out / f"{name}.json"
        path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n",
                        encoding="utf-8")
        print(f"{name}: trained on {len(trained)} of {len(rows)} rows, "
              f"{len(data['features'])} features, {path.stat().st_size // 1024} KB, "
              f"threshold {data['threshold']}")
        report_unseen(name, data, [r for r in rows if not r.trained])


if __name__ == "__main__":
    main()
