"""The real classifier, for the archive's search tests (the backends: tests/support/archive_db.py)."""
from pathlib import Path

import pytest

from newswatch.classify.classifier import Classifier

TABLES = Path(__file__).resolve().parents[3] / "newswatch" / "classify" / "data"


@pytest.fixture(scope="session")
def classifier(tmp_path_factory) -> Classifier:
    """The real classifier with the shipped tables (its cache in a folder of the session)."""
    return Classifier.from_config_dir(TABLES, cache_dir=tmp_path_factory.mktemp("nwcache"))
