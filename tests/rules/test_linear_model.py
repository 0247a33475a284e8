"""The learned rules' model: plain-Python scores equal scikit-learn's, and its reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.rules.linear_model import LinearTextModel, features, stable_bucket

MODELS = sorted((Path(__file__).resolve().parents[2] / "config" / "learned").glob("*.json"))


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_scores_equal_the_training_scripts_check_values(path: Path) -> None:
    model = LinearTextModel.load(path)
    assert len(model.checks) >= 8
    for text, expected in model.checks:
        assert model.score(text) == pytest.approx(expected, abs=1e-6), text


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
    assert "subscribe" in reason.words


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
