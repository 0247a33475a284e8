"""Train the learned rules' models from the labelled sets whose licences allow it.

    pip install '.[train]'
    python scripts/train_learned.py                  # every model -> config/learned/
    python scripts/train_learned.py --cross-source   # train on the other videos, score each
    python scripts/train_learned.py --cross-source teaser   # the same, set by teaser set

* ``comment-spam``: YouTube comments (YouTube Spam Collection, CC BY 4.0), spam = 1: the
  two videos of ``../shared/eval`` and the third and fourth, in ``eval/public/`` (never
  the fifth, held out there).
  It reads the words of some concepts of ``config/lexicons/`` as their classes; the
  file carries those words, so scoring never loads a lexicon.
* ``clickbait``: headlines (Stop Clickbait, MIT), clickbait vs news, and the headlines
  of the written headline sets (CJ, CL, CM), read as the rule reads them: bait vs news.
* ``teaser``: the project's own development sets (``eval/written/set_*.yaml`` and the other
  written sets that are not ``held_out_*``), posts flagged ``authentic`` (teasers that
  hold back what they are about) vs every other post, with the YouTube comments as
  everyday writing; set CB's hype, flagged ``authentic`` but no teaser, is left out.
  The written measures (``held_out_*``) are never read.

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
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.coach import Coach, build_coach  # noqa: E402
from bot.evaluation import EvalReport, evaluate, load_cases  # noqa: E402
from bot.rules.learned import headline_read  # noqa: E402
from bot.rules.lexicon import load_lexicon  # noqa: E402
from bot.rules.linear_model import (  # noqa: E402
    FEATURES_VERSION,
    LinearTextModel,
    classes_by_word,
    features,
    stable_bucket,
)
from bot.settings import ConfigSource  # noqa: E402

#: The videos of the eval folder (the clickbait model's everyday writing too).
YOUTUBE = {"youtube_01-Psy.csv": "COMMENT_ID", "youtube_02-KatyPerry.csv": "COMMENT_ID"}
#: Videos of the same collection kept in the repository (eval/public/), read beside those
#: of the eval folder.
PUBLIC_DIR = ROOT / "eval" / "public"
PUBLIC_VIDEOS = {
    "youtube_03-LMFAO.csv": "COMMENT_ID",
    "youtube_04-Eminem.csv": "COMMENT_ID",
}
VIDEOS = {**YOUTUBE, **PUBLIC_VIDEOS}
#: The project's written sets; those named ``held_out_*`` are measures, never trained on.
WRITTEN_DIR = ROOT / "eval" / "written"
WRITTEN_DEV = {path.name: "id" for path in sorted(WRITTEN_DIR.glob("*.yaml"))
               if not path.name.startswith("held_out_")}
#: The written sets of headlines and outlets' posts, each by another writer.
HEADLINE_SETS = ("set_cj.yaml", "set_cl.yaml", "set_cm.yaml")
#: The label a written post gets when it is flagged under ``authentic``.
TEASER = "teaser"
BUCKETS = 10
TRAINED_BUCKETS = frozenset(range(7))


@dataclass(frozen=True)
class Row:
    source: str
    id: str
    text: str
    label: str

    @property
    def trained(self) -> bool:
        return stable_bucket(self.source, self.id, BUCKETS) in TRAINED_BUCKETS


@dataclass(frozen=True)
class Recipe:
    """What one model learns from, how big it may be, and what its threshold must keep."""

    name: str
    sources: dict[str, str]  # set file -> the key naming a row
    positive: frozenset[str]  # the labels the model learns to flag
    keep: int  # features kept, by weight
    c: float  # inverse regularisation of the logistic regression
    min_precision: float
    max_false_alarms: float  # share of negative rows flagged, in each source
    #: Count that share over the negative rows of all sources together: for many small
    #: sets, where one false alarm in a set of ten would be a tenth.
    pooled_false_alarms: bool = False
    weights: dict[str, float] = field(default_factory=dict)  # per source, default 1
    #: Concepts of config/lexicons/ whose words the model reads as their class.
    word_classes: tuple[str, ...] = ()
    #: Sets whose positive rows are another kind of post than the model's (set CB's hype
    #: is flagged ``authentic`` but holds nothing back): those rows are neither learned
    #: nor scored, and the sets' other rows are negatives as usual.
    other_kind: frozenset[str] = frozenset()
    #: Sets read as the rule reads a draft: the headline of each row, without the link
    #: that closes an outlet's post; rows that are no headline are left out.
    headlines_of: frozenset[str] = frozenset()
    #: Where two or more sources hold positive rows, score each by a model fitted on the
    #: others; False: in folds across every source, for a model that must learn from one
    #: large source and several small ones together.
    folds_by_source: bool = True

    def labels(self, rows: list[Row]) -> np.ndarray:
        return np.array([r.label in self.positive for r in rows])


#: What spam asks for and of whom, as word classes: a spam comment says these with the
#: words of its own video ("check out my cover", "visit our page"), an ordinary comment
#: with others ("just came to check the views").
SPAM_CLASSES = ("PLEASE", "SUBSCRIBE", "FOLLOW", "ENGAGE-ACT", "AUDIENCE-COUNT", "LOOK-ASK",
                "YOU", "SELF-POSS", "SELF-OBJ", "SELF-SUBJ", "CREATOR-CONTENT", "OWN-CONTENT",
                "MONEY", "EARN", "CLICK", "PRIZE", "FREEBIE", "SWAP")

RECIPES = {
    # The threshold sits above every ordinary comment's out-of-fold score: a comment
    # of another video brings idioms no fold has seen, and the hand-written rules
    # already catch most spam, so the model's false alarms cost more than its misses.
    # Few features: those that carry the ask, not the topics of two videos.
    "comment-spam": Recipe("comment-spam", dict(VIDEOS), frozenset({"1"}),
                           keep=300, c=10.0, min_precision=1.0, max_false_alarms=0.0,
                           word_classes=SPAM_CLASSES),
    # The comments, weighed up, teach it that everyday writing is not clickbait:
    # headlines alone would teach "not a news headline". The written headlines, weighed
    # up too, are other writers' news and bait: one data set's outlets alone would
    # teach its house styles ("a list is bait, a wire headline is news").
    "clickbait": Recipe("clickbait", {"clickbait_dev.jsonl": "id", **YOUTUBE,
                                      **dict.fromkeys(HEADLINE_SETS, "id")},
                        frozenset({"clickbait", TEASER}),
                        keep=5000, c=4.0, min_precision=0.95, max_false_alarms=0.04,
                        weights={**dict.fromkeys(YOUTUBE, 30.0),
                                 **dict.fromkeys(HEADLINE_SETS, 30.0)},
                        headlines_of=frozenset(HEADLINE_SETS), folds_by_source=False),
    # Teasers in posts, not headlines: written in many voices by writers who never saw
    # the rules; every other post of those sets, and the comments, are what a teaser is
    # not. Each set is scored by a model fitted without it, and the threshold keeps the
    # false alarms to one in a hundred of all their other posts together.
    "teaser": Recipe("teaser", {**WRITTEN_DEV, **YOUTUBE}, frozenset({TEASER}),
                     keep=5000, c=4.0, min_precision=0.95, max_false_alarms=0.01,
                     pooled_false_alarms=True, other_kind=frozenset({"set_cb.yaml"})),
}


def set_path(eval_dir: Path, source: str) -> Path:
    if source in PUBLIC_VIDEOS:
        return PUBLIC_DIR / source
    return WRITTEN_DIR / source if source in WRITTEN_DEV else eval_dir / source


def recipe_rows(recipe: Recipe, eval_dir: Path, source: str) -> list[Row]:
    """The rows of ``source`` that ``recipe`` learns from and scores."""
    rows = read_rows(eval_dir, source)
    if source in recipe.other_kind:
        return [r for r in rows if r.label not in recipe.positive]
    if source in recipe.headlines_of:
        return [replace(r, text=text) for r in rows if (text := headline_read(r.text))]
    return rows


def read_rows(eval_dir: Path, source: str) -> list[Row]:
    path = set_path(eval_dir, source)
    if path.suffix == ".yaml":
        return [Row(source, case.id, case.text,
                    TEASER if "authentic" in case.expect else "other")
                for case in load_cases(path)]
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return [Row(source, r["COMMENT_ID"], r["CONTENT"], r["CLASS"].strip())
                    for r in csv.DictReader(handle)]
    with path.open(encoding="utf-8") as handle:
        items = [json.loads(line) for line in handle if line.strip()]
    return [Row(source, str(i["id"]), str(i["text"]), str(i["label"])) for i in items]


@cache
def _classes_of(names: tuple[str, ...]) -> dict[str, list[str]]:
    """``{class: [word, ...]}``: the English single words (and their inflections) of
    each concept named; phrases are left to the rules."""
    lexicon = load_lexicon(sorted((ROOT / "config").glob("lexicons/*.yaml")))
    return {name: sorted(lexicon.single_words(name)) for name in names}


def recipe_classes(recipe: Recipe) -> dict[str, list[str]]:
    return _classes_of(recipe.word_classes) if recipe.word_classes else {}


def analyzer(classes: Mapping[str, list[str]]) -> Callable[[str], list[str]]:
    by_word = classes_by_word(classes)
    return lambda text: features(text, by_word)


def _fit_once(rows: list[Row], recipe: Recipe, vocabulary: list[str] | None
              ) -> tuple[TfidfVectorizer, LogisticRegression]:
    vectorizer = TfidfVectorizer(analyzer=analyzer(recipe_classes(recipe)), binary=True,
                                 norm="l2", use_idf=True, smooth_idf=True, lowercase=False,
                                 vocabulary=vocabulary)
    matrix = vectorizer.fit_transform([r.text for r in rows])
    model = LogisticRegression(C=recipe.c, max_iter=5000, class_weight="balanced")
    model.fit(matrix, recipe.labels(rows),
              sample_weight=np.array([recipe.weights.get(r.source, 1.0) for r in rows]))
    return vectorizer, model


def fit(rows: list[Row], recipe: Recipe) -> tuple[TfidfVectorizer, LogisticRegression]:
    """Fit on every feature, keep the ``recipe.keep`` heaviest, and fit again on those
    alone: the shipped weights are then exactly the model scikit-learn scores with."""
    vectorizer, model = _fit_once(rows, recipe, None)
    names = vectorizer.get_feature_names_out()
    order = np.argsort(-np.abs(model.coef_[0]))[:recipe.keep]
    return _fit_once(rows, recipe, sorted(str(names[i]) for i in order))


def decision(pair: tuple[TfidfVectorizer, LogisticRegression], texts: list[str]) -> np.ndarray:
    vectorizer, model = pair
    return model.decision_function(vectorizer.transform(texts))


def out_of_fold(rows: list[Row], recipe: Recipe) -> np.ndarray:
    """Each training row's score from a model fitted without it. Where two or more
    sources hold positive rows, each source is scored by a model fitted on the others
    (the threshold must hold on a source never seen, such as another video's comments
    or another writer's posts); otherwise in 5 folds."""
    scores = np.zeros(len(rows))
    labels = recipe.labels(rows)
    positive_sources = {r.source for r, positive in zip(rows, labels, strict=True) if positive}
    if recipe.folds_by_source and len(positive_sources) >= 2:
        sources = sorted({r.source for r in rows})
        splits = [(np.array([i for i, r in enumerate(rows) if r.source != source]),
                   np.array([i for i, r in enumerate(rows) if r.source == source]))
                  for source in sources]
    else:
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
        strata = [f"{r.source}:{positive}" for r, positive in zip(rows, labels, strict=True)]
        splits = list(folds.split(rows, strata))
    for fit_rows, score_rows in splits:
        pair = fit([rows[i] for i in fit_rows], recipe)
        scores[score_rows] = decision(pair, [rows[i].text for i in score_rows])
    return scores


def choose_threshold(scores: np.ndarray, rows: list[Row], recipe: Recipe) -> float:
    """The lowest threshold with the recipe's precision and at most its share of false
    alarms among the negative rows of every source (or of all sources together)."""
    labels = recipe.labels(rows)
    sources = np.array(["all" if recipe.pooled_false_alarms else r.source for r in rows])
    negatives = {s: max(1, int(((sources == s) & ~labels).sum())) for s in set(sources)}
    for threshold in np.unique(scores):
        flagged = scores >= threshold
        tp = int((flagged & labels).sum())
        fp = int((flagged & ~labels).sum())
        if not tp or tp / (tp + fp) < recipe.min_precision:
            continue
        if all(int((flagged & ~labels & (sources == s)).sum()) / n <= recipe.max_false_alarms
               for s, n in negatives.items()):
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


def train(recipe: Recipe, rows: list[Row], trained: list[Row],
          trained_buckets: frozenset[int] = TRAINED_BUCKETS) -> tuple[dict[str, object], float]:
    """The model file's content, trained on ``trained`` (the rows of ``recipe.sources``
    in ``trained_buckets``); and its threshold."""
    threshold = choose_threshold(out_of_fold(trained, recipe), trained, recipe)
    pair = fit(trained, recipe)
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
                  "trained_buckets": sorted(trained_buckets)},
        "threshold": round(threshold, 6),
        "intercept": float(model.intercept_[0]),
        "features": [[str(n), float(f"{w:.9g}"), float(f"{i:.9g}")]
                     for n, w, i in zip(names, weights, idf, strict=True)],
        "checks": checks,
    }
    if recipe.word_classes:
        data["word_classes"] = recipe_classes(recipe)
    return data, threshold


def report_unseen(recipe: Recipe, data: dict[str, object], unseen: list[Row]) -> None:
    name = recipe.name
    model = LinearTextModel.from_dict(data)
    scores = np.array([model.score(r.text) for r in unseen])
    labels = recipe.labels(unseen)
    print(f"{name}: held-out rows (never trained or tuned on): "
          f"{figures(scores, labels, model.threshold)}")
    for source in sorted({r.source for r in unseen}):
        mask = np.array([r.source == source for r in unseen])
        print(f"  {source}: {figures(scores[mask], labels[mask], model.threshold)}")


def _write_model(path: Path, data: dict[str, object]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n",
                    encoding="utf-8")


def _learned_rules() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "config" / "rules" / "learned.yaml").read_text("utf-8"))


def _rule_of(recipe: Recipe, rules: dict[str, Any]) -> dict[str, Any]:
    """The learned rule (as config/rules/learned.yaml holds it) that reads the model."""
    [rule] = [r for r in rules["rules"] if Path(r["model"]).name == f"{recipe.name}.json"]
    return rule


def _coach_with(recipe: Recipe, model: Path | None, folder: Path) -> Coach:
    """The shipped hand-written rules, with the learned rule of ``recipe`` reading
    ``model`` (or none when None) and no other learned rule: a config folder laid over
    the packaged one."""
    rules = _learned_rules()
    rule = _rule_of(recipe, rules)
    rule["model"] = str(model)
    rules["rules"] = [] if model is None else [rule]
    (folder / "rules").mkdir(exist_ok=True)
    (folder / "rules" / "learned.yaml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    # The rule's examples are the shipped model's; one trained on some of the sets for
    # this report is measured on rows, not held to them.
    return build_coach(ConfigSource(ROOT / "config", folder), examples_checked=False)


def _coach_figures(report: EvalReport, principle: str) -> str:
    """Spam as a whole where the set is spam and ordinary comments; else the principle."""
    t = report.spam if report.spam.judged else report.principles[principle]
    return (f"precision {t.precision or 0:.3f}, recall {t.recall or 0:.3f}, "
            f"false alarms {t.fp}/{t.negatives}")


#: A set is left out for the cross-source report when it holds at least this many of
#: the rows the model flags: fewer say little on their own.
CROSS_SOURCE_MIN_POSITIVES = 50


def cross_source_report(eval_dir: Path, recipe: Recipe) -> None:
    """Leave one source out: train the model on the other sources alone and score every
    row of the one left out, for each source holding enough positive rows (each video,
    each large set of teasers or headlines): the model alone, the hand-written rules
    alone, and the coach with both (on the rule's principle, or on spam as a whole for
    comments)."""
    principle = _rule_of(recipe, _learned_rules())["principle"]
    print(f"cross-source: the {recipe.name} model trained on the other sources (all their "
          "rows, threshold from out-of-fold scores there), scored on every row of one")
    rows_of = {source: recipe_rows(recipe, eval_dir, source) for source in recipe.sources}
    left_out = [source for source, rows in rows_of.items()
                if recipe.labels(rows).sum() >= CROSS_SOURCE_MIN_POSITIVES]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        rules_alone = _coach_with(recipe, None, folder)
        for score_on in left_out:
            others = {s: key for s, key in recipe.sources.items() if s != score_on}
            fold = replace(recipe, sources=others)
            rows = [row for source in others for row in rows_of[source]]
            data, threshold = train(fold, rows, rows, frozenset(range(BUCKETS)))
            model_path = folder / f"{fold.name}-without-{Path(score_on).stem}.json"
            _write_model(model_path, data)
            unseen = rows_of[score_on]
            model = LinearTextModel.from_dict(data)
            scores = np.array([model.score(r.text) for r in unseen])
            cases = load_cases(set_path(eval_dir, score_on))
            print(f"trained on {_named(others)}; scored on {score_on}:")
            print(f"  model alone:          {figures(scores, fold.labels(unseen), threshold)}")
            print(f"  hand-written rules:   "
                  f"{_coach_figures(evaluate(rules_alone, cases, score_on), principle)}")
            both = evaluate(_coach_with(recipe, model_path, folder), cases, score_on)
            assert both.left_out == 0  # the model never saw this source
            print(f"  rules + model:        {_coach_figures(both, principle)}")


def _named(sources: Mapping[str, str]) -> str:
    """The sources, or how many there are when they are too many to read."""
    return ", ".join(sources) if len(sources) <= 4 else f"the {len(sources)} other sources"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--out", type=Path, default=ROOT / "config" / "learned")
    parser.add_argument("--cross-source", action="store_true",
                        help="train each model named (default: comment-spam) on the other "
                             "sources, score each source it left out")
    parser.add_argument("models", nargs="*", choices=[[], *RECIPES], default=[])
    args = parser.parse_args()
    if args.cross_source:
        for name in args.models or ["comment-spam"]:
            cross_source_report(args.eval_dir, RECIPES[name])
        return
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.models or RECIPES:
        recipe = RECIPES[name]
        rows = [row for source in recipe.sources
                for row in recipe_rows(recipe, args.eval_dir, source)]
        trained = [r for r in rows if r.trained]
        data, _ = train(recipe, rows, trained)
        path = args.out / f"{name}.json"
        _write_model(path, data)
        print(f"{name}: trained on {len(trained)} of {len(rows)} rows, "
              f"{len(data['features'])} features, {path.stat().st_size // 1024} KB, "
              f"threshold {data['threshold']}")
        report_unseen(recipe, data, [r for r in rows if not r.trained])


if __name__ == "__main__":
    main()
