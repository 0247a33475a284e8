"""A linear text model over word and character n-grams, read from a small JSON file.

``scripts/train_learned.py`` trains it with scikit-learn (a ``TfidfVectorizer`` whose
analyzer is :func:`features`, binary counts, l2 norm, then a logistic regression) and
writes the weights of the features it kept. Scoring here is plain Python and gives the
same number as scikit-learn's ``decision_function``: the file carries check values that
the tests compare against.

The file also records which rows of which labelled sets the weights were fitted on, so
an evaluation can leave those rows out (:meth:`LinearTextModel.trained_on`).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

#: Bump when :func:`features` changes: a model file made for another version is refused.
FEATURES_VERSION = 1

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|ly|be|io)\b\S*",
                  re.IGNORECASE)
_MARKUP = re.compile(r"<[^>]{0,40}>")
_RUN = re.compile(r"(.)\1{2,}")
_DIGITS = re.compile(r"\d+")
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|0|[^\w\s.,;:\"'()\[\]-]")
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"))


def normalise(text: str) -> str:
    """The form the model reads: entities decoded, markup and invisible characters gone,
    lower case, links as one token, numbers as ``0``, runs of a character cut to two
    ("pleaseeee" and "pleasee" weigh the same)."""
    text = unicodedata.normalize("NFKC", html.unescape(text)).translate(_INVISIBLE)
    text = _MARKUP.sub(" ", text).lower()
    text = _URL.sub(" xlinkx ", text)
    text = _DIGITS.sub("0", text)
    return _RUN.sub(r"\1\1", text)


def tokens(text: str) -> list[str]:
    """Words, numbers (as ``0``) and single symbols ("!", "?", emoji) of normalised text."""
    return _TOKEN.findall(text)


def word_features(word: str) -> list[str]:
    """The features one token brings by itself: the word, and for a word its character
    3- to 5-grams with a space at each end (so misspellings share most of them)."""
    found = [f"w:{word}"]
    if word[0].isalpha():
        padded = f" {word} "
        for size in (3, 4, 5):
            found.extend(f"c:{padded[i:i + size]}" for i in range(len(padded) - size + 1))
    return found


def token_features(words: list[str]) -> Iterator[tuple[str, int]]:
    """Every feature of a token list, each with the index of the token it belongs to
    (a pair of words belongs to its first)."""
    for index, word in enumerate(words):
        for feature in word_features(word):
            yield feature, index
        if index + 1 < len(words):
            yield f"b:{word} {words[index + 1]}", index


def features(text: str) -> list[str]:
    """The analyzer the model is trained with: every n-gram feature of ``text``."""
    return [feature for feature, _ in token_features(tokens(normalise(text)))]


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
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: not a model file (bad or missing {exc})") from None

    def score(self, text: str) -> float:
        """The decision value: above :attr:`threshold`, the text has the label."""
        return self._score(set(features(text)))

    def _score(self, present: set[str]) -> float:
        weights = self.weights
        total = 0.0
        squares = 0.0
        for feature in present:
            entry = weights.get(feature)
            if entry is not None:
                weight, idf = entry
                total += weight * idf
                squares += idf * idf
        return self.intercept + (total / math.sqrt(squares) if squares else 0.0)

    def trained_on(self, source: str, row_id: str) -> bool:
        """Whether the row ``row_id`` of the set file ``source`` was in the training data."""
        return (source in self.sources
                and stable_bucket(source, row_id, self.buckets) in self.trained_buckets)

    def explain(self, text: str, sentences: tuple[tuple[int, int], ...]) -> Explanation:
        """The sentence of ``text`` (spans given) whose features weigh most towards the
        label, and its three heaviest words."""
        best: tuple[float, tuple[int, int], list[tuple[float, str]]] | None = None
        for start, end in sentences or ((0, len(text)),):
            words = tokens(normalise(text[start:end]))
            per_word = [0.0] * len(words)
            for feature, index in token_features(words):
                entry = self.weights.get(feature)
                if entry is not None:
                    per_word[index] += entry[0] * entry[1]
            weight = sum(per_word)
            if best is None or weight > best[0]:
                best = (weight, (start, end), list(zip(per_word, words, strict=True)))
        assert best is not None
        heaviest: list[str] = []
        for weight, word in sorted(best[2], key=lambda pair: -pair[0]):
            if weight <= 0 or len(heaviest) == 3:
                break
            if word not in heaviest and word != "0" and word[0].isalnum():
                heaviest.append(word)
        return Explanation(best[1], tuple(heaviest))
