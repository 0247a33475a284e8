"""The learned rules' model: plain-Python scores equal scikit-learn's, and its reasons."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import ConfigError
from bot.rules import linear_model
from bot.rules.lexicon import load_lexicon
from bot.rules.linear_model import (
    CLASS_WINDOW,
    LinearTextModel,
    features,
    normalise,
    stable_bucket,
    tokens,
)

CONFIG = Path(__file__).resolve().parents[2] / "config"
MODELS = sorted((CONFIG / "learned").glob("*.json"))


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_scores_equal_the_training_scripts_check_values(path: Path) -> None:
    model = LinearTextModel.load(path)
    assert len(model.checks) >= 8
    for text, expected in model.checks:
        assert model.score(text) == pytest.approx(expected, abs=1e-6), text


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_a_models_word_classes_are_its_concepts_words_today(path: Path) -> None:
    # A model weighs the words its classes held when it was trained; a concept that has
    # changed since means the model must be trained again (scripts/train_learned.py).
    lexicon = load_lexicon(sorted(CONFIG.glob("lexicons/*.yaml")))
    classes = json.loads(path.read_text(encoding="utf-8")).get("word_classes", {})
    for name, words in classes.items():
        assert sorted(lexicon.single_words(name)) == words, f"{name}: retrain {path.name}"


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_model_files_stay_small(path: Path) -> None:
    assert path.stat().st_size < 300_000


def test_elongations_entities_and_numbers_read_alike() -> None:
    assert features("pleaseeeee subscribe") == features("pleasee subscribe")
    assert features("I&#39;m 21") == features("I'm 7")
    assert features("see http://example.com/x") == features("see www.other.org")


def test_the_split_is_the_same_on_every_run_and_spreads_rows() -> None:
    buckets = [stable_bucket("set.csv", str(n), 10) for n in range(1000)]
    assert buckets == [stable_bucket("set.csv", str(n), 10) for n in range(1000)]
    assert all(60 <= buckets.count(b) <= 140 for b in range(10))


def test_explanation_points_at_the_heaviest_sentence_and_its_words() -> None:
    model = LinearTextModel.load(next(p for p in MODELS if p.stem == "comment-spam"))
    text = "Great song. Please check out my channel and subscribe!"
    assert model.score(text) > model.threshold
    reason = model.explain(text, ((0, 11), (12, len(text))))
    assert reason.span == (12, len(text))
    assert reason.words and set(reason.words) <= {"please", "check", "out", "my", "channel",
                                                  "and", "subscribe"}


def test_a_word_of_a_class_weighs_as_its_class_and_classes_pair_in_order() -> None:
    classes = {"check": ("LOOK-ASK",), "visit": ("LOOK-ASK",), "my": ("SELF-POSS",)}
    found = features("check out my songs", classes)
    assert {"k:LOOK-ASK", "k:SELF-POSS", "kk:LOOK-ASK SELF-POSS"} <= set(found)
    assert "w:check" not in found and "kk:SELF-POSS LOOK-ASK" not in found
    assert {f for f in features("visit my songs", classes) if f.startswith("k")} == {
        "k:LOOK-ASK", "k:SELF-POSS", "kk:LOOK-ASK SELF-POSS"}
    far = "check " + "the " * CLASS_WINDOW + "my songs"
    assert not [f for f in features(far, classes) if f.startswith("kk:")]
    assert not [f for f in features("check out my songs") if f.startswith("k")]


def test_a_link_is_one_word_to_a_video_or_to_a_site() -> None:
    video = features("see https://youtu.be/abc123")
    site = features("see http://example.com/shop")
    assert "w:xvideox" in video and "w:xlinkx" in site
    assert not [f for f in video + site if f.startswith("c:") and "x" in f]


@pytest.mark.parametrize("text", [
    "Came back to see how many views it has now",
    "Official video: https://youtu.be/abc123",
    "so close to a billion views, keep listening!",
    "My brother showed me this song",
])
def test_the_spam_model_leaves_a_videos_own_talk_alone(text: str) -> None:
    # the words of spam ("views", "check", "my", a link), used the way fans do
    model = LinearTextModel.load(next(p for p in MODELS if p.stem == "comment-spam"))
    assert model.score(text) < model.threshold


@pytest.mark.parametrize("text", [
    "check out my new channel, link in my profile",
    "Please visit our page and subscribe to us",
])
def test_the_spam_model_flags_an_ask_for_the_writers_own(text: str) -> None:
    model = LinearTextModel.load(next(p for p in MODELS if p.stem == "comment-spam"))
    assert model.score(text) >= model.threshold


def test_a_broken_model_file_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text('{"name": "x"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="not a model file"):
        LinearTextModel.load(path)


def test_a_model_knows_the_rows_it_was_trained_on() -> None:
    model = LinearTextModel.load(next(p for p in MODELS if p.stem == "comment-spam"))
    source = next(iter(model.sources))
    trained = [model.trained_on(source, str(n)) for n in range(1000)]
    assert 600 <= sum(trained) <= 800  # seven buckets of ten
    assert not model.trained_on("some-other-set.csv", "1")


_PIECES = ["please", "SUB", "sub4sub", " ", "  ", "\n", "\t", "\x1e", "!!!", "sooooo", "123",
           "4", "it's", "'", "check", "www.example.com", "http://youtu.be/x.y", "shop.io/a",
           ".", "...", "&amp;", "&lt;b&gt;", "<b>", "< 3 >", "é", "ｆｕｌｌ", "\u200b", "😀", "-",
           "my.channel", "x.ly", "a.b.c", "YouTube.com/me?", "0", "(", ")", "2nd", "＜b", "＞",
           "\ufeff", "\u00a0", "ΟΔΟΣ", "Σ", "¨", "İ", "e", "\u0301", "&#x1e;", "&nbsp;"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_words_read_run_by_run_are_the_words_of_the_whole_text(text: str) -> None:
    model = LinearTextModel.load(next(p for p in MODELS if p.stem == "comment-spam"))
    expected = tokens(normalise(text))
    assert model.words_of(text) == expected
    assert model.words_of(text) == expected  # its runs remembered now
    spans = tuple((m.start(), m.end()) for m in re.finditer(r"\S+(?:[ \t]+\S+)*", text))
    assert model._sentence_words(text, spans) == [tokens(normalise(text[s:e]))
                                                  for s, e in spans]


def test_words_are_read_right_when_the_remembered_runs_start_afresh(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(linear_model, "_REMEMBERED_WORDS", 4)
    model = LinearTextModel.load(next(p for p in MODELS if p.stem == "comment-spam"))
    texts = ["please sub to my channel", "my channel is new", "sub 4 sub please!!!", "new"]
    for text in texts * 2:
        assert model.words_of(text) == tokens(normalise(text))
