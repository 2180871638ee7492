import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
COLLECTED = ROOT / "tests" / "data" / "collected"
TABLES = ROOT / "newswatch" / "classify" / "data"   # the packaged tables


@pytest.fixture(scope="session")
def classifier(tmp_path_factory):
    from newswatch.classify.classifier import Classifier
    return Classifier.from_config_dir(TABLES, cache_dir=tmp_path_factory.mktemp("nwcache"))


def collected(name: str) -> list[dict]:
    return [json.loads(line) for line in (COLLECTED / name).read_text(encoding="utf-8").splitlines() if line.strip()]
