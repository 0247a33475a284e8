from __future__ import annotations

from pathlib import Path

import pytest

from bot.coach import Coach, build_coach
from bot.settings import Settings, load_settings

#: The shared evaluation data sits beside the repository (../shared).
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings(env={})


@pytest.fixture(scope="session")
def coach(settings: Settings) -> Coach:
    return build_coach(settings)


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    path = SHARED / "eval"
    if not path.is_dir():
        pytest.skip(f"evaluation data not found at {path}")
    return path
