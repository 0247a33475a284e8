"""A linear text model over word and character n-grams and word classes, read from a
small JSON file.

``scripts/train_learned.py`` trains it with scikit-learn (a ``TfidfVectorizer`` whose
analyzer is :func:`features`, binary counts, l2 norm, then a logistic regression) and
writes the weights of the features it kept. Scoring here is plain Python and gives the
same number as scikit-learn's ``decision_function``: the file carries check values that
the tests compare against.

A model may carry word classes (concepts of ``config/lexicons/``, as single words, copied
into the file by the training script): a word of a class weighs as its class ("check",
"visit" and "listen" are one LOOK-ASK; "my" and "our" one SELF-POSS), and classes that
follow each other within :data:`CLASS_WINDOW` words weigh as a pair ("check out my" is
LOOK-ASK then SELF-POSS). The idea a spam comment states is then weighed, rather than the
words one video's comments happen to use for it.

The file also records which rows of which labelled sets the weights were fitted on, so
an evaluation can leave those rows out (:meth:`LinearTextModel.trained_on`).
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.errors import ConfigError
from bot.text import link_runs

#: Bump when :func:`features` changes: a model file made for another version is refused.
FEATURES_VERSION = 2
#: How far ahead a word's class is paired with the classes of the words that follow it.
CLASS_WINDOW = 3
#: What a link becomes in normalised text: a link to a video, or to anything else.
VIDEO_LINK = "xvideox"
LINK = "xlinkx"
PLACEHOLDERS = frozenset({VIDEO_LINK, LINK})
_VIDEO_HOSTS = ("youtube.com/", "youtu.be/")
#: Words whose features a model remembers, at most (then it starts afresh).
_REMEMBERED_WORDS = 50_000

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|ly|be|io)\b\S*",
                  re.IGNORECASE)
#: What a link :data:`_URL` finds without a scheme or "www." must hold.
_LINK_ENDINGS = (".com", ".net", ".org", ".ly", ".be", ".io")
_MARKUP = re.compile(r"<[^>]{0,40}>")
#: Three or more of a character; spelt ``\1\1+`` rather than ``\1{2,}``, which ``re``
#: matches about a third slower.
_RUN = re.compile(r"(.)\1\1+")
_DIGITS = re.compile(r"\d+")
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|0|[^\w\s.,;:\"'()\[\]-]")
#: The same tokens in ASCII text, found a third faster.
_ASCII_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|0|[^\w\s.,;:\"'()\[\]-]")
_RUN_MARK = "\x1e"  # ASCII's record separator: white space to re and to str.split
#: Characters that show nothing, dropped (a regex finds them many times faster than
#: ``str.translate`` walks a text).
_INVISIBLE = re.compile("[\ufeff\u200b\u200c\u200d\u2060\u00ad]")
#: No word classes.
EMPTY: Mapping[str, tuple[str, ...]] = MappingProxyType({})


def normalise(text: str) -> str:
    """The form the model reads: entities decoded, markup and invisible characters gone,
    lower case, links as one token (:data:`VIDEO_LINK` or :data:`LINK`), numbers as
    ``0``, runs of a character cut to two ("pleaseeee" and "pleasee" weigh the same)."""
    return _reduce(_decode(text))


def _decode(text: str) -> str:
    """The steps of :func:`normalise` that may reach across white space (an entity may
    decode to a tag, a tag holds spaces) or must see a character's neighbours (NFKC):
    entities decoded, compatibility forms folded, invisible characters and markup gone."""
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    if "<" in text:
        text = _MARKUP.sub(" ", text)
    return text


def _reduce(text: str) -> str:
    """The other steps, each of which works within a run of non-space characters: lower
    case, links (runs with a "." or "://"), numbers and runs of a character."""
    text = text.lower()
    if "://" in text or "www." in text or any(tld in text for tld in _LINK_ENDINGS):
        text = _links_as_token(text)
    return _RUN.sub(_held_twice, _DIGITS.sub("0", text))


def _held_twice(run: re.Match[str]) -> str:
    # A function, not the template r"\1\1": re reads a template in Python on every call,
    # which took longer than the search itself.
    return run.group(1) * 2


def _links_as_token(text: str) -> str:
    """``_URL.sub(_link_token, text)``, run only over the runs of the text that may hold a
    link: no match crosses a space, and tried at every word of a long comment, the
    pattern took more time than the rest of scoring."""
    pieces, end = [], 0
    for start, stop in link_runs(text):
        pieces += (text[end:start], _URL.sub(_link_token, text[start:stop]))
        end = stop
    return "".join(pieces) + text[end:]


def _link_token(link: re.Match[str]) -> str:
    # A link to a video is how a comment points at one; a link to a site, at a shop.
    return f" {VIDEO_LINK} " if any(h in link.group() for h in _VIDEO_HOSTS) else f" {LINK} "


def tokens(text: str) -> list[str]:
    """Words, numbers (as ``0``) and single symbols ("!", "?", emoji) of normalised text."""
    return (_ASCII_TOKEN if text.isascii() else _TOKEN).findall(text)


def word_features(word: str, classes: Mapping[str, tuple[str, ...]] = EMPTY) -> list[str]:
    """The features one token brings by itself: its word classes (``k:``) if it has
    any; else the word, and for a word its character 3- to 5-grams with a space at each
    end (so misspellings share most of them). A link is one feature: its placeholder's
    letters say nothing."""
    if word in classes:
        return [f"k:{name}" for name in classes[word]]
    found = [f"w:{word}"]
    if word[0].isalpha() and word not in PLACEHOLDERS:
        padded = f" {word} "
        for size in (3, 4, 5):
            found.extend(f"c:{padded[i:i + size]}" for i in range(len(padded) - size + 1))
    return found


def features(text: str, classes: Mapping[str, tuple[str, ...]] = EMPTY) -> list[str]:
    """The analyzer the model is trained with: every feature of ``text``: each word's
    (:func:`word_features`), each pair of neighbouring words, and each pair of classes
    (``kk:``) of words at most :data:`CLASS_WINDOW` apart, in order."""
    words = tokens(normalise(text))
    found = [feature for word in words for feature in word_features(word, classes)]
    found.extend(f"b:{first} {second}" for first, second in itertools.pairwise(words))
    found.extend(f"kk:{first} {second}" for _, first, second in class_pairs(words, classes))
    return found


def class_pairs(words: list[str], classes: Mapping[str, tuple[str, ...]]
                ) -> Iterator[tuple[int, str, str]]:
    """Each (index of the first word, its class, the second word's class) of two words
    of ``words`` that have classes and are at most :data:`CLASS_WINDOW` apart."""
    placed = [(index, classes[word]) for index, word in enumerate(words) if word in classes]
    for number, (index, firsts) in enumerate(placed):
        for later, seconds in placed[number + 1:]:
            if later - index > CLASS_WINDOW:
                break
            for first in firsts:
                for second in seconds:
                    yield index, first, second


def stable_bucket(source: str, row_id: str, buckets: int) -> int:
    """A row's bucket in ``range(buckets)``, the same on every machine and run."""
    digest = hashlib.sha256(f"{source}:{row_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % buckets


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a text scored as it did: the sentence (as a span of the text given) and the
    words in it that weighed most towards the label, heaviest first."""

    span: tuple[int, int]
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LinearTextModel:
    """``score(text) = intercept + sum(weight * idf) / l2 norm of the idfs present``."""

    name: str
    intercept: float
    #: feature -> (weight, idf)
    weights: Mapping[str, tuple[float, float]]
    threshold: float
    #: set file name -> the column or key that names a row
    sources: Mapping[str, str]
    buckets: int
    trained_buckets: frozenset[int]
    checks: tuple[tuple[str, float], ...] = ()
    #: word -> the word classes it stands for (see the module's description)
    classes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: word -> its features the model has a weight for: words recur from draft to
    #: draft, and looking up their n-grams is most of the work of scoring.
    _known: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False,
                                               repr=False)
    #: first word -> second word -> (weight, idf) of the pairs the model weighs, so
    #: a draft's pairs are looked up without being spelt out as features.
    _pairs: dict[str, dict[str, tuple[float, float]]] = field(
        default_factory=dict, compare=False, repr=False)

    #: feature -> weight * idf and idf * idf: what it adds to the score's sum and norm.
    _terms: dict[str, float] = field(default_factory=dict, compare=False, repr=False)
    _squares: dict[str, float] = field(default_factory=dict, compare=False, repr=False)
    #: (class, class) -> (weight, idf) of the pairs of classes the model weighs.
    _class_pairs: dict[tuple[str, str], tuple[float, float]] = field(
        default_factory=dict, compare=False, repr=False)
    #: word -> what its own features weigh together (remembered, as :attr:`_known`).
    _word_weight: dict[str, float] = field(default_factory=dict, compare=False, repr=False)
    #: run of non-space characters -> its words (see :meth:`words_of`).
    _run_words: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False,
                                                   repr=False)

    def __post_init__(self) -> None:
        for feature, (weight, idf) in self.weights.items():
            self._terms[feature] = weight * idf
            self._squares[feature] = idf * idf
        for feature, entry in self.weights.items():
            if feature.startswith("b:"):
                first, second = feature[2:].split(" ", 1)
                self._pairs.setdefault(first, {})[second] = entry
            elif feature.startswith("kk:"):
                first, second = feature[3:].split(" ", 1)
                self._class_pairs[first, second] = entry

    @classmethod
    def load(cls, path: Path) -> LinearTextModel:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read model {path}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not a model file ({exc.msg})") from None
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "model") -> LinearTextModel:
        try:
            if data["features_version"] != FEATURES_VERSION:
                raise ConfigError(f"{where}: made for features version "
                                  f"{data['features_version']}, this is {FEATURES_VERSION}")
            split = data["split"]
            return cls(
                name=str(data["name"]),
                intercept=float(data["intercept"]),
                weights={str(f): (float(w), float(idf))
                         for f, w, idf in data["features"]},
                threshold=float(data["threshold"]),
                sources=dict(data["trained_on"]),
                buckets=int(split["buckets"]),
                trained_buckets=frozenset(int(b) for b in split["trained_buckets"]),
                checks=tuple((str(t), float(s)) for t, s in data.get("checks", ())),
                classes=classes_by_word(data.get("word_classes", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: not a model file (bad or missing {exc})") from None

    def score(self, text: str) -> float:
        """The decision value: at or above :attr:`threshold`, the text has the label."""
        return self._score(self.words_of(text))

    def judge(self, text: str, sentences: Callable[[], tuple[tuple[int, int], ...]]
              ) -> Explanation | None:
        """None when ``text`` scores under the threshold; else why it scored as it did
        (``sentences`` gives the spans of its sentences, asked for only then)."""
        words = self.words_of(text)
        if self._score(words) < self.threshold:
            return None
        spans = sentences()
        if len(spans) <= 1:  # the one sentence is the text's own words
            return _heaviest(spans[0] if spans else (0, len(text)), words,
                             self._word_weights(words))
        return self.explain(text, spans)

    def words_of(self, text: str) -> list[str]:
        """``tokens(normalise(text))``, the words the model reads.

        Drafts repeat the same words ("please", "sub", "channel!"), and normalising and
        tokenising them again took a quarter of the rule's time. Once decoded
        (:func:`_decode`), every step works within a run of non-space characters, so the
        words of a text are those of its runs in turn; each run is read once and
        remembered."""
        remembered = self._run_words
        runs = _decode(text).split()
        try:  # most drafts: every run met before
            return list(itertools.chain.from_iterable(map(remembered.__getitem__, runs)))
        except KeyError:
            pass
        _make_room(remembered, len(runs))
        new = [run for run in dict.fromkeys(runs) if run not in remembered]
        # reduced in one pass, joined at a character that is white space to every step
        # and in no run
        reduced = _reduce(_RUN_MARK.join(new)).split(_RUN_MARK)
        for run, part in zip(new, reduced, strict=True):
            remembered[run] = tuple(tokens(part))
        return list(itertools.chain.from_iterable(map(remembered.__getitem__, runs)))

    def _score(self, words: list[str]) -> float:
        known = self._known
        present: set[str] = set().union(*[
            known[word] if word in known else self._weighed_features(word)
            for word in set(words)])
        total = sum(map(self._terms.__getitem__, present))
        squares = sum(map(self._squares.__getitem__, present))
        pairs, seen = self._pairs, None
        for first, second in itertools.pairwise(words):
            following = pairs.get(first)
            if following is not None and second in following:
                if seen is None:
                    seen = set()
                elif (first, second) in seen:
                    continue
                seen.add((first, second))
                weight, idf = following[second]
                total += weight * idf
                squares += idf * idf
        if self._class_pairs:
            class_weights = self._class_pairs
            for pair in {(first, second) for _, first, second in class_pairs(words, self.classes)
                         if (first, second) in class_weights}:
                weight, idf = class_weights[pair]
                total += weight * idf
                squares += idf * idf
        return self.intercept + (total / math.sqrt(squares) if squares else 0.0)

    def trained_on(self, source: str, row_id: str) -> bool:
        """Whether the row ``row_id`` of the set file ``source`` was in the training data."""
        return (source in self.sources
                and stable_bucket(source, row_id, self.buckets) in self.trained_buckets)

    def _weighed_features(self, word: str) -> tuple[str, ...]:
        """The features of one word (:func:`word_features`) that the model weighs."""
        known = self._known
        found = known.get(word)
        if found is None:
            _make_room(known)
            weights = self.weights
            found = known[word] = tuple(f for f in word_features(word, self.classes)
                                        if f in weights)
        return found

    def _word_weights(self, words: list[str]) -> list[float]:
        """What each word weighs towards the label (a pair of words counts for its first)."""
        terms, pairs, weight_of = self._terms, self._pairs, self._word_weight
        per_word = []
        for word in words:
            weight = weight_of.get(word)
            if weight is None:
                _make_room(weight_of)
                weight = weight_of[word] = sum(map(terms.__getitem__,
                                                   self._weighed_features(word)))
            per_word.append(weight)
        for index, (first, second) in enumerate(itertools.pairwise(words)):
            entry = pairs.get(first, {}).get(second)
            if entry is not None:
                per_word[index] += entry[0] * entry[1]
        class_weights = self._class_pairs
        if class_weights:
            for index, first, second in class_pairs(words, self.classes):
                entry = class_weights.get((first, second))
                if entry is not None:
                    per_word[index] += entry[0] * entry[1]
        return per_word

    def explain(self, text: str, sentences: tuple[tuple[int, int], ...]) -> Explanation:
        """The sentence of ``text`` (spans given) whose words weigh most towards the
        label, and its three heaviest words."""
        spans = sentences or ((0, len(text)),)
        best: tuple[float, tuple[int, int], list[str], list[float]] | None = None
        for span, words in zip(spans, self._sentence_words(text, spans), strict=True):
            per_word = self._word_weights(words)
            weight = sum(per_word)
            if best is None or weight > best[0]:
                best = (weight, span, words, per_word)
        assert best is not None
        return _heaviest(best[1], best[2], best[3])

    def _sentence_words(self, text: str, spans: tuple[tuple[int, int], ...]
                        ) -> list[list[str]]:
        """The words of each sentence of ``text`` (spans given)."""
        return [self.words_of(text[s:e]) for s, e in spans]  # their runs, remembered


def _make_room(remembered: dict[str, Any], adding: int = 1) -> None:
    """Empty a cache of the model's when ``adding`` entries would take it past
    :data:`_REMEMBERED_WORDS`: starting afresh keeps memory bounded, and the words a
    stream of drafts uses come back within a few drafts."""
    if len(remembered) + adding > _REMEMBERED_WORDS:
        remembered.clear()


def classes_by_word(data: Mapping[str, Any]) -> Mapping[str, tuple[str, ...]]:
    """``{class: [word, ...]}`` as a model file holds it, turned to word -> classes."""
    if not isinstance(data, Mapping):
        raise TypeError("word_classes")
    classes: dict[str, tuple[str, ...]] = {}
    for name, words in data.items():
        for word in words:
            classes[str(word)] = (*classes.get(str(word), ()), str(name))
    return classes


def _heaviest(span: tuple[int, int], words: list[str], per_word: list[float]) -> Explanation:
    heaviest: list[str] = []
    for weight, word in sorted(zip(per_word, words, strict=True), key=lambda pair: -pair[0]):
        if weight <= 0 or len(heaviest) == 3:
            break
        if word not in heaviest and word != "0" and word[0].isalnum():
            heaviest.append(word)
    return Explanation(span, tuple(heaviest))
