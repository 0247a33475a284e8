"""Concepts as data: word classes read from ``config/lexicons/``, compiled to regexes.

A lexicon file holds one family of concepts (asking for attention, announcing a win…).
Each concept is a named class of words and short phrases, written once in plain words:

* ``subscribe*`` also stands for its English inflections (subscribes, subscribed,
  subscribing, subscriber, subscribers);
* ``{SELF}`` inside a phrase stands for every word of the concept SELF;
* ``<number>`` stands for a figure ("100", "1,000", "10k"), also glued to a sign or a
  unit ("$<number>", "#<number>", "<number>%", "<number>p/msg");
* ``<phone>`` stands for a number to call or text: four digits or more, perhaps spaced
  or dashed as phone numbers are ("87121", "0800 014 7720", "+1 (844) 302-7716"), so
  that the "2" and "4" of text speak ("reply 2 me") are not taken for one;
* ``<age>`` stands for an age as a boast ends on it, a whole number from 13 to 69 that
  no word or unit follows ("mortgage free at 44.", "at 22 🥂"), so that "at 20 people",
  "at 40,000 feet" and "at 18:00" are not taken for one;
* ``<emoji>`` stands for any emoji (with its skin tone or variation mark);
* a word's apostrophe may be left out of the text ("i'll" also matches "ill", "don't"
  matches "dont"); a word listed without it matches only that spelling ("dont" does not
  match "don't"), so an English contraction is listed with its apostrophe (the loader
  refuses "dont").

Words are matched in :func:`bot.fold.fold`-ed text, so the lexicon need not list
capitals, accents, leetspeak or held letters ("pleaseee"); a word's last letter may also
be doubled ("plzz"). Misspellings and abbreviations are listed as words of their own.

A rule composes concepts into sequences (see :meth:`Lexicon.sequence`): ``ASK ~3 SELF
CONTENT`` is an ask, then within three words the writer's own content, in one sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import ConfigDict, Field, Strict, StringConstraints, TypeAdapter

from bot.config_files import CONCEPT_NAME, LANGUAGE_CODE, read_yaml, validated
from bot.errors import ConfigError
from bot.fold import fold
from bot.rules.prefilter import lead_in

_NAME = re.compile(CONCEPT_NAME)
_REFERENCE = re.compile(r"^\{([A-Z][A-Z0-9-]*)\}$")
#: Between two words of a phrase: anything but a word or a sentence end. A word's own
#: edge (see _bounded) keeps a hyphen from joining words: a compound often means
#: something else ("a sign-up" is not "sign up", "sub-3" is no "sub 3"), so a lexicon
#: lists the hyphenated form where it means the same.
_JOIN = r"[^\w.!?\n]*"
#: After a figure in a phrase: as _JOIN, but a comma ends the figure's phrase too (it
#: parts a list): "£32k, days only" holds no "<number> days".
_JOIN_AFTER_FIGURE = r"[^\w.,!?\n]*"
#: A word in a gap, which crosses no sentence end; an initialism ("U.S.", "e.g.") is one
#: word, its dots ending no sentence.
_GAP_WORD = r"(?:[^\w.!?\n]+(?:\w\.(?:\w\.)+|[\w']+))"
#: A word in a gap that may cross sentence ends (a sequence ``within: post``); an
#: apostrophe opens a word only where no other mark comes first ("you're"), so a gap is
#: read one way and a failed match does not backtrack through the ways.
_POST_GAP_WORD = r"(?:[^\w']+[\w']+|'[\w']+)"
DEFAULT_LANGUAGES = frozenset({"en"})
#: Emoji that stand for a thing or a feeling (❤️ 🔥 ☕ 🎉), which end a sentence as a point
#: does ("Fave this if you love it ❤️ Boost if …"); arrows, keycaps and boxed letters
#: (→ ⌨ 🅰) are the other emoji of :data:`_EMOJI`, and end nothing.
_PICTOGRAPHS = "\U0001F300-\U0001FAFF\u2600-\u27BF"
#: ``^`` in a sequence: the start of a sentence (what comes before it is not matched).
#: A point or colon between digits ("$219.40", "14:20") starts nothing.
_SENTENCE_START = (rf"(?:^|(?<=[.!?\n:])(?!(?<=\d[.:])\d)|(?<=[{_PICTOGRAPHS}]))"
                   r"[^\w.!?\n]*")
#: ``<number>`` in a phrase: figures as people write them ("100", "1,000", "2.5k",
#: "£4.50pp" a head); a point or comma ends a sentence or a list, not a figure.
_NUMBER = r"\b\d(?:[\d.,]*\d)?(?:k|m|pp)?\b"
#: ``<phone>``: a short code or a phone number, its digits perhaps grouped by spaces,
#: dashes, points or brackets; not a sum of money ("$412.60", "£1,500").
_PHONE = r"(?<![\w+$£€.,])\+?\d(?:[ ().-]{0,2}\d){3,}(?!\w)"
#: ``<age>``: 13 to 69, not part of a larger figure, a time or a sum, and followed by no
#: word or unit: a sentence's end, a comma, an emoji ("at 44.", "at 22 🥂").
_AGE = r"(?<![\d.,:£$€#])\b(?:1[3-9]|[2-6]\d)\b(?![.,:]\d|[%+'’]|\s*[^\W\d_])"
#: ``<emoji>``: a pictograph, with the marks that may follow it (variation, skin tone).
_EMOJI = (f"[{_PICTOGRAPHS}\U0001F000-\U0001F2FF\u2190-\u21FF\u2300-\u23FF\u2B00-\u2BFF]"
          "[\uFE0F\U0001F3FB-\U0001F3FF]*")
#: What each placeholder (``<number>`` …) stands for, by its name.
_PLACEHOLDERS = {"number": _NUMBER, "phone": _PHONE, "age": _AGE, "emoji": _EMOJI}
#: The digits of a figure glued to a sign or a unit ("$5", "150p/msg").
_FIGURE = r"\d[\d.,]*"
#: What a figure begins with.
_DIGITS = frozenset("0123456789")


#: A tree of phrases: each key is a word, a figure or a concept; _END ends a phrase.
_Key = tuple
_Tree = dict
_END: _Key = ("end",)


@dataclass(frozen=True, slots=True)
class Concept:
    name: str
    about: str
    #: (word or phrase as written, its language), in file order.
    words: tuple[tuple[str, str], ...]
    examples_match: tuple[str, ...]
    examples_no_match: tuple[str, ...]
    files: tuple[str, ...]

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(language for _, language in self.words)


def inflections(word: str) -> list[str]:
    """An English word and its usual inflected forms (a superset is harmless here)."""
    forms = [word]
    if word.endswith("e") and not word.endswith("ee"):
        stem = word[:-1]
        forms += [word + "s", word + "d", word + "r", word + "rs", stem + "ing"]
    elif len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        stem = word[:-1]
        forms += [stem + "ies", stem + "ied", word + "ing", stem + "ier"]
    else:
        plural = "es" if word.endswith(("s", "sh", "ch", "x", "z")) else "s"
        forms += [word + plural, word + "ed", word + "ing", word + "er", word + "ers"]
        short_closed = (len(word) <= 4 and len(word) >= 3 and word[-1] not in "aeiouwxy"
                        and word[-2] in "aeiou" and word[-3] not in "aeiou")
        if short_closed:  # sub -> subbed, win -> winning
            double = word + word[-1]
            forms += [double + "ed", double + "ing", double + "er", double + "ers"]
    return forms


def _word_pattern(word: str) -> str:
    """One folded word as a regex: an apostrophe optional, the last letter held."""
    body = ""
    for index, ch in enumerate(word):
        if ch == "'":
            body += "'?"
        elif index == len(word) - 1 and ch.isalpha() and len(word) >= 3:
            body += re.escape(ch) + "+"
        else:
            body += re.escape(ch)
    return body


def _bounded(body: str, first: str, last: str) -> str:
    left = r"\b" if first[:1].isalnum() else ""
    # "won" is not in "won't", nor "sub" in "sub-committee".
    right = r"\b(?!-\w|'t\b)" if last[-1:].isalnum() else ""
    return f"{left}{body}{right}"


class Lexicon:
    """Every concept of the lexicon files, merged by name across languages."""

    def __init__(self, concepts: Mapping[str, Concept]) -> None:
        self.concepts = dict(concepts)
        self._patterns: dict[str, str] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.concepts

    def languages_of(self, names: Iterable[str]) -> frozenset[str]:
        found: set[str] = set()
        for name in names:
            found |= self.concepts[name].languages
            for ref in self.references(name):
                found |= self.concepts[ref].languages
        return frozenset(found)

    def references(self, name: str) -> set[str]:
        """The concepts the words of concept ``name`` refer to ("{SELF-OBJ}"), and theirs."""
        refs: set[str] = set()
        for phrase, _ in self.concepts[name].words:
            for token in phrase.split():
                ref = _REFERENCE.match(token)
                if ref:
                    refs.add(ref.group(1))
                    refs |= self.references(ref.group(1))
        return refs

    def pattern(self, name: str, _stack: tuple[str, ...] = ()) -> str:
        """The regex (for folded text) that matches any word of concept ``name``."""
        if name in self._patterns:
            return self._patterns[name]
        concept = self.concepts.get(name)
        if concept is None:
            raise ConfigError(f"unknown concept {name!r}")
        if name in _stack:
            raise ConfigError(f"{concept.files[0]}: concept {name} refers to itself "
                              f"through {' -> '.join((*_stack, name))}")
        # The phrases as a tree of their words: phrases that begin alike share the
        # beginning, which keeps the regex (and its compile time) small.
        tree: _Tree = {}
        for phrase, _ in concept.words:
            node = tree
            for key in self._keys(phrase, concept):
                node = node.setdefault(key, {})
            node[_END] = {}
        pattern = self._tree_pattern(tree, (*_stack, name))
        self._patterns[name] = pattern
        return pattern

    def first_chars(self, name: str) -> frozenset[str] | None:
        """The characters a match of concept ``name`` can begin with (None: any)."""
        found: set[str] = set()
        concept = self.concepts[name]
        for phrase, _ in concept.words:
            key = self._keys(phrase, concept)[0]  # the phrase's first word, read as a key
            if key[0] == "ref":
                chars = self.first_chars(key[1])
            elif key[0] in ("number", "phone", "age") or (key[0] == "glued" and not key[1]):
                chars = _DIGITS
            elif key[0] in ("glued", "word") and key[1][0] != "'":
                chars = frozenset(key[1][0])  # a sign before a figure, or a word's letter
            else:  # an emoji, or a word that may start without its apostrophe
                chars = None
            if chars is None:
                return None
            found |= chars
        return frozenset(found)

    def _keys(self, phrase: str, concept: Concept) -> list[_Key]:
        """A phrase's words as tree keys: ("ref", NAME), a placeholder's name alone
        (("number",), ("age",) …), ("glued", sign before, unit after) for a figure written
        with them, or ("word", folded word, inflected)."""
        keys: list[_Key] = []
        for token in phrase.split():
            ref = _REFERENCE.match(token)
            if ref:
                if ref.group(1) not in self.concepts:
                    raise ConfigError(f"{concept.files[0]}: concept {concept.name}: "
                                      f"'{phrase}' refers to unknown concept {ref.group(1)}")
                keys.append(("ref", ref.group(1)))
            elif token[:1] == "<" and token[-1:] == ">" and token[1:-1] in _PLACEHOLDERS:
                keys.append((token[1:-1],))
            elif "<number>" in token:
                before, _, after = token.partition("<number>")
                keys.append(("glued", fold(before).text, fold(after).text))
            elif "{" in token or "}" in token:
                # Folding would drop the braces and match the name as a word: "{WEEKDAY}'s"
                # would look for "weekday's".
                raise ConfigError(f"{concept.files[0]}: concept {concept.name}: "
                                  f"'{phrase}': a reference stands alone as a word "
                                  f"({{NAME}}), nothing glued to it: {token!r}")
            else:
                # Folding may split a word ("sub4sub" -> "sub 4 sub").
                keys += [("word", word, token.endswith("*"))
                         for word in fold(token.rstrip("*")).text.split()]
        if not keys:  # "*" alone, say: it would match nowhere, silently
            raise ConfigError(f"{concept.files[0]}: concept {concept.name}: "
                              f"{phrase!r} holds no word to match")
        return keys

    def _tree_pattern(self, tree: _Tree, stack: tuple[str, ...]) -> str:
        """A regex for every path through ``tree``: longer paths are tried first, and
        the words that end a phrase share one group."""
        branches: list[str] = []
        last_words: list[str] = []
        others: list[str] = []
        for key, child in tree.items():
            if key == _END:
                continue
            rest = {k: v for k, v in child.items() if k != _END}
            if key[0] == "word" and not rest and key[1][:1].isalnum() and key[1][-1:].isalnum():
                forms = inflections(key[1]) if key[2] else [key[1]]
                last_words += [_word_pattern(form) for form in forms]
                continue
            item = self._key_pattern(key, stack)
            if not rest:
                others.append(item)
                continue
            join = _JOIN_AFTER_FIGURE if key[0] == "number" else _JOIN
            more = join + self._tree_pattern(rest, stack)
            branches.append(item + (f"(?:{more})?" if _END in child else more))
        if last_words:
            ordered = sorted(set(last_words), key=len, reverse=True)
            others.append(_bounded("(?:" + "|".join(ordered) + ")", "a", "a"))
        alternatives = sorted(branches, key=len, reverse=True) + others
        return "(?:" + "|".join(alternatives) + ")"

    def _key_pattern(self, key: _Key, stack: tuple[str, ...]) -> str:
        if key[0] == "ref":
            return self.pattern(key[1], stack)
        if key[0] in _PLACEHOLDERS:
            return _PLACEHOLDERS[key[0]]
        if key[0] == "glued":
            before, after = key[1], key[2]
            return _bounded(re.escape(before) + _FIGURE + re.escape(after),
                            before or "0", after or "0")
        word, inflect = key[1], key[2]
        forms = inflections(word) if inflect else [word]
        return _bounded("(?:" + "|".join(_word_pattern(f) for f in forms) + ")", word, word)

    def sequence(self, text: str, where: str, *, across_sentences: bool = False,
                 mark: str | None = None) -> str:
        """A rule's sequence as a regex: concept names, ``~N`` (up to N words between,
        in the same sentence unless ``across_sentences``), quoted 'words' and, first,
        ``^`` for a sentence's start. Names next to each other are next to each other in
        the text. The words of concept ``mark`` are the regex's one group."""
        gap_word, join = (_POST_GAP_WORD, r"\W*?") if across_sentences else (_GAP_WORD, _JOIN)
        parts: list[str] = []
        gap = 0
        pending_gap = False
        for token in text.split():
            if token == "^":
                if parts:
                    raise ConfigError(f"{where}: '^' (a sentence start) can only come first "
                                      f"in {text!r}")
                parts.append(_SENTENCE_START)
                continue
            gap_match = re.fullmatch(r"~(\d+)", token)
            if gap_match:
                if not parts or pending_gap:
                    raise ConfigError(f"{where}: a gap must stand between two items in "
                                      f"{text!r}")
                gap = int(gap_match.group(1))
                pending_gap = True
                continue
            if token.startswith("'") and token.endswith("'") and len(token) > 2:
                word = fold(token[1:-1]).text
                item = _bounded(_word_pattern(word), word, word)
            elif _NAME.match(token):
                if token not in self.concepts:
                    raise ConfigError(f"{where}: unknown concept {token!r} in {text!r}")
                item = f"({self.pattern(token)})" if token == mark else self.pattern(token)
            else:
                raise ConfigError(f"{where}: {token!r} in {text!r} is neither a CONCEPT, "
                                  f"a ~gap nor a 'word'")
            if parts and parts != [_SENTENCE_START]:
                words_between = f"{gap_word}{{0,{gap}}}?" if gap else ""
                parts.append(f"{words_between}{join}")
            parts.append(item)
            gap = 0
            pending_gap = False
        if pending_gap or not parts or parts == [_SENTENCE_START]:
            raise ConfigError(f"{where}: {text!r} must start and end with an item")
        # re tries a long alternation at every place; a look-ahead for the characters a
        # match can start with lets it pass over the rest quickly (three times faster).
        tokens = text.split()
        first = (self.first_chars(tokens[0]) if _NAME.match(tokens[0])
                 else frozenset(fold(tokens[0].strip("'")).text[:1]) if tokens[0] != "^"
                 else None)
        return lead_in([first]) + "".join(parts)

    def single_words(self, name: str, language: str = "en") -> set[str]:
        """The single words of concept ``name`` (its references followed) in
        ``language``, each inflection spelt out, with and without its apostrophe:
        phrases, figures and emoji left out."""
        return self._single_words(name, language, ())

    def _single_words(self, name: str, language: str, seen: tuple[str, ...]) -> set[str]:
        found: set[str] = set()
        for word, spoken in self.concepts[name].words:
            reference = _REFERENCE.match(word)
            if reference and reference.group(1) not in seen:
                found |= self._single_words(reference.group(1), language, (*seen, name))
            elif spoken == language and not re.search(r"[\s{<]", word):
                forms = inflections(word[:-1]) if word.endswith("*") else [word]
                found |= {f.lower() for f in forms} | {f.lower().replace("'", "")
                                                       for f in forms}
        return found

    def concept_names(self, text: str) -> list[str]:
        return [t for t in text.split() if _NAME.match(t)]

    def matcher(self, name: str) -> re.Pattern[str]:
        return re.compile(self.pattern(name))


#: A word, a phrase or an example, as written (spaces around it dropped).
_Entry = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1,
                                          max_length=1000)]
_Entries = Annotated[list[_Entry], Field(max_length=5000)]
_About = Annotated[str, Strict(), Field(max_length=2000)]


@dataclass(frozen=True, slots=True)
class _ConceptKeys:
    """What one concept of a lexicon file may hold."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    words: Annotated[_Entries, Field(min_length=1)]
    about: _About = ""
    examples_match: _Entries | None = None
    examples_no_match: _Entries | None = None


@dataclass(frozen=True, slots=True)
class _LexiconFile:
    """What a lexicon file may hold: one family of concepts, in one language."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    family: Annotated[str, Strict(), Field(min_length=1, max_length=100)]
    concepts: Annotated[dict[Annotated[str, Strict(), Field(pattern=CONCEPT_NAME)],
                             _ConceptKeys], Field(min_length=1)]
    about: _About = ""
    languages: list[Annotated[str, Strict(), Field(pattern=LANGUAGE_CODE)]] = field(
        default_factory=lambda: ["en"])


_LEXICON_FILE = TypeAdapter(_LexiconFile)


@dataclass
class _Draft:
    about: str = ""
    words: list[tuple[str, str]] = field(default_factory=list)
    examples_match: list[str] = field(default_factory=list)
    examples_no_match: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _read_lexicon_file(path: Path) -> _LexiconFile:
    lexicon_file = validated(_LEXICON_FILE, read_yaml(path), path,
                             "a mapping with 'family' and 'concepts'")
    if len(lexicon_file.languages) != 1:
        raise ConfigError(f"{path}: 'languages' must name one two-letter language code")
    return lexicon_file


#: English contractions as drafts often spell them, without the apostrophe. Listed so,
#: a word matches only that spelling; with its apostrophe it matches both.
_BARE_CONTRACTIONS = {
    "dont": "don't", "doesnt": "doesn't", "didnt": "didn't", "isnt": "isn't",
    "arent": "aren't", "wasnt": "wasn't", "werent": "weren't", "hasnt": "hasn't",
    "havent": "haven't", "hadnt": "hadn't", "wouldnt": "wouldn't", "couldnt": "couldn't",
    "shouldnt": "shouldn't", "cant": "can't", "wont": "won't", "im": "i'm", "ive": "i've",
    "youre": "you're", "youve": "you've", "youll": "you'll", "theyre": "they're",
    "theyve": "they've", "weve": "we've", "thats": "that's", "whats": "what's",
}


def _contractions_spelt_out(words: list[str], where: str) -> None:
    """An English word with a contraction is listed with its apostrophe: "dont mean to
    brag" would miss every "don't mean to brag", where "don't mean to brag" matches both."""
    for word in words:
        for token in re.findall(r"[\w']+", re.sub(r"\{[^}]*\}", " ", word.lower())):
            if token in _BARE_CONTRACTIONS:
                raise ConfigError(f"{where}: {word!r}: write {token!r} as "
                                  f"{_BARE_CONTRACTIONS[token]!r}, which matches both "
                                  f"spellings (as written, only {token!r})")


def _listed_once(words: list[str], where: str) -> None:
    """Each word once: two that fold to one ("honoured" and "honored", "f4f" and "f 4 f")
    are one word to the matcher, and the second only lengthens the list."""
    first: dict[str, str] = {}
    for word in words:
        key = fold(word).text
        if key in first:
            raise ConfigError(f"{where}: {word!r} is {first[key]!r} once folded (case, "
                              f"accents, spelling); list it once")
        first[key] = word


def load_lexicon(paths: Iterable[Path]) -> Lexicon:
    """Read lexicon files; a concept named in several (one per language) is merged."""
    drafts: dict[str, _Draft] = {}
    seen: dict[tuple[str, str], str] = {}  # (concept, language) -> file
    for path in paths:
        file = str(path)
        lexicon_file = _read_lexicon_file(path)
        [language] = lexicon_file.languages
        for name, spec in lexicon_file.concepts.items():
            where = f"{file}: concept {name}"
            if language != "en" and any("*" in w for w in spec.words):
                raise ConfigError(f"{where}: inflection with '*' is for English words; "
                                  f"list the forms")
            if (name, language) in seen:
                raise ConfigError(f"{where}: already defined for '{language}' in "
                                  f"{seen[(name, language)]}")
            _listed_once(spec.words, where)
            if language == "en":
                _contractions_spelt_out(spec.words, where)
            seen[(name, language)] = file
            draft = drafts.setdefault(name, _Draft())
            draft.about = draft.about or spec.about.strip()
            draft.words += [(w, language) for w in spec.words]
            draft.examples_match += spec.examples_match or []
            draft.examples_no_match += spec.examples_no_match or []
            draft.files.append(file)
    lexicon = Lexicon({
        name: Concept(name, d.about, tuple(d.words), tuple(d.examples_match),
                      tuple(d.examples_no_match), tuple(d.files))
        for name, d in drafts.items()
    })
    for name, concept in lexicon.concepts.items():
        if not concept.examples_match:
            raise ConfigError(f"{concept.files[0]}: concept {name}: 'examples_match' is "
                              f"required")
        lexicon.pattern(name)  # unknown references and cycles fail at load
    return lexicon


EMPTY_LEXICON = Lexicon({})
