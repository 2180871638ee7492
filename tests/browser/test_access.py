"""Issue 15, done-when 4, in a real browser against a real `newswatch web` bound off loopback (0.0.0.0) with
`web.auth`: without a login nothing is readable; a viewer cannot write; a write without the CSRF token is
refused; a title with <script> is shown as text (and never runs)."""
from __future__ import annotations

from sqlalchemy.engine import URL

from alerts.store import AlertStore
from newswatch.store.state import State, connect
from tests.browser.conftest import get
from tests.e2e.conftest import wait_until
from tests.support.redis_server import free_port
from tests.web.conftest import HOSTILE, PASSWORDS, archived_item, auth_section, the_alert, write_config

SILENCE = "{rule: 'lavrov-*', duration: '1h', reason: 'from the page'}"


def post_from_page(page, csrf: str | None) -> int:
    """A write as a script on the page would send it (same origin, the session cookie goes along)."""
    headers = f"{{'Content-Type': 'application/json', 'X-CSRF-Token': {csrf!r}}}" if csrf else \
        "{'Content-Type': 'application/json'}"
    return page.evaluate(f"fetch('/api/silences', {{method: 'POST', headers: {headers}, "
                         f"body: JSON.stringify({SILENCE})}}).then(r => r.status)")


def log_in(page, base: str, name: str) -> None:
    page.goto(f"{base}/alerts")
    assert page.url.startswith(f"{base}/login?next=")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("form.login button")
    page.wait_for_url(f"{base}/alerts")


def test_off_loopback_the_desk_needs_a_login_roles_and_csrf(tmp_path, procs, redis_url, key_prefix, chromium):
    item = archived_item(0, HOSTILE, "The Russian foreign minister arrived in Mali.", ["ML"], 0.1)
    alert = the_alert(item)
    state = State(connect(redis_url), key_prefix)
    AlertStore(state).create_alert(alert.id, alert.to_dict(), alert.channels, 300)
    port = free_port()
    cfg = write_config(tmp_path, redis_url, key_prefix, URL.create("sqlite", database=str(tmp_path / "a.db")),
                       {"host": "0.0.0.0", "port": port, "auth": auth_section(tmp_path)})
    web = procs("web", "-c", str(cfg), env={"UNSET_IN_THIS_TEST": "x"})
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: get(f"{base}/login")[0] == 200, 30, "the desk on 0.0.0.0", procs=[web])

    for path in ("/api/alerts", f"/api/alerts/{alert.id}", "/api/status", "/api/search?q=lavrov", "/api/sources"):
        status, body = get(base + path)
        assert status == 401 and "Lavrov" not in body, path
    status, _ = get(f"{base}/alerts")
    assert status == 303

    viewer = chromium.new_context()
    page = viewer.new_page()
    page.goto(f"{base}/alerts")
    assert "/login" in page.url and "Lavrov" not in page.content()
    log_in(page, base, "bo")
    title = page.locator(f"#alert-{alert.id} h2.title")
    assert title.inner_text() == HOSTILE                       # the <script> tag is shown as text
    assert page.evaluate("window.__pwned") is None             # ... and never ran
    csrf = page.evaluate("fetch('/api/me').then(r => r.json()).then(j => j.csrf_token)")
    assert post_from_page(page, csrf) == 403                   # a viewer cannot write
    page.goto(f"{base}/silences")
    assert page.locator("form.silence-add").count() == 0
    viewer.close()

    editor = chromium.new_context()
    page = editor.new_page()
    log_in(page, base, "ana")
    assert post_from_page(page, None) == 403                   # no CSRF token: refused
    assert post_from_page(page, "forged-token") == 403
    page.goto(f"{base}/silences")
    page.fill("input[name=rule]", "lavrov-*")
    page.fill("input[name=duration]", "2h")
    page.fill("input[name=reason]", "<img src=x onerror=alert(1)> known visit")
    page.click("form.silence-add button")
    page.wait_for_url(f"{base}/silences")
    row = page.locator("tr.silence").first
    assert "<img src=x onerror=alert(1)> known visit" in row.inner_text() and "ana" in row.inner_text()
    row.locator("button").click()                              # expire it, with the form's CSRF token
    page.wait_for_url(f"{base}/silences")
    assert page.locator("tr.silence button").count() == 0
    editor.close()
    assert web.terminate() == 0
    assert PASSWORDS["ana"] not in web.stderr() and "argon2" not in web.stderr()
