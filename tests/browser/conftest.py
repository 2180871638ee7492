"""A real browser for the desk's tests: Playwright driving Debian's chromium (/usr/bin/chromium, installed by
.ci/run; Playwright never downloads one). A missing browser fails the test, loudly: it is not skipped."""
from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import procs, rdb  # noqa: F401,E402 (fixtures: real processes, the real Redis)

CHROMIUM = os.environ.get("NEWSWATCH_TEST_CHROMIUM", "/usr/bin/chromium")
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def chromium():
    """One chromium per test module. Not per session: Playwright's sync API runs an event loop in this thread
    while it is started, and the tests after these (asyncio.run in Telethon's login, the MTProto poll) need
    the thread without one."""
    from playwright.sync_api import sync_playwright
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not path:
        pytest.fail(f"the browser tests need Debian's chromium at {CHROMIUM} (apt-get install -y chromium; "
                    ".ci/run does it)", pytrace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def get(url: str, headers: dict | None = None) -> tuple[int, str]:
    """(status, body) of a GET, redirects not followed."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def api(url: str) -> dict:
    status, body = get(url)
    assert status == 200, (status, body[:500])
    return json.loads(body)
