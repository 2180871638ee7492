"""Shared fixtures: the real Redis (fails loudly when missing), a key prefix per test, and the real test data
(tests/data, inside the repository: see tests/data/README.md for what each file is and whose it is)."""
import os
import uuid
from pathlib import Path

import pytest
import redis

from tests.support.archive_db import archive, archive_url  # noqa: F401 (fixtures: the archive on SQLite and PostgreSQL)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
REDIS_URL = os.environ.get("NEWSWATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_url():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"these tests need the real Redis at {REDIS_URL} ({exc}); start it with "
                    f"`redis-server --daemonize yes --port 6379 --save ''`", pytrace=False)
    return REDIS_URL


@pytest.fixture
def key_prefix(redis_url):
    """A fresh prefix per test; its keys are deleted afterwards."""
    prefix = f"nwtest-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*", count=1000)) + list(client.scan_iter(f"*{prefix}*", count=1000))
    if keys:
        client.delete(*set(keys))


@pytest.fixture
def state(redis_url, key_prefix):
    from newswatch.store.state import State, connect
    return State(connect(redis_url), key_prefix)


@pytest.fixture
def data_dir():
    """tests/data: the real feeds, the seed post and the gazetteer sources (copies, with their SOURCES.tsv)."""
    assert DATA.is_dir(), f"real test data missing: {DATA}"
    return DATA
