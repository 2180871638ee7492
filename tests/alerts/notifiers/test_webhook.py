"""WebhookNotifier against a local receiver: the exact body, its HMAC signature, and every status class."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging

import pytest

from alerts.notifiers import build_notifier
from alerts.notifiers.base import DeliveryError
from alerts.notifiers.webhook.notifier import WebhookNotifier
from workers.registry import load_config
from newswatch.config.yamlconf import ConfigError
from tests.support.chat_apis import WebhookReceiver, json_response, seed_alert
from tests.support.http_server import Response

SECRET = "whsec-canary-Zq9x-7731-never-shown"
BEARER = "Bearer canary-header-token-5521"


@pytest.fixture
def hook():
    with WebhookReceiver() as server:
        yield server


def notifier(hook, **overrides) -> WebhookNotifier:
    kwargs = dict(url=hook.url(), secret=SECRET, headers={"Authorization": BEARER}, timeout=5.0,
                  clock=lambda: 1769947200.7)
    kwargs.update(overrides)
    return WebhookNotifier("hook", **kwargs)


def send_error(n: WebhookNotifier) -> DeliveryError:
    with pytest.raises(DeliveryError) as err:
        n.send(seed_alert())
    assert SECRET not in str(err.value) and BEARER not in str(err.value) and "canary-header" not in str(err.value)
    return err.value


def test_exact_request_and_signature(hook):
    alert = seed_alert()
    notifier(hook).send(alert)
    [req] = hook.requests
    assert (req.method, req.path) == ("POST", "/hook")
    assert req.headers["content-type"] == "application/json; charset=utf-8"
    assert req.headers["authorization"] == BEARER
    assert req.headers["x-newswatch-alert-id"] == alert.id
    assert req.headers["x-newswatch-delivery"] == f"{alert.id}:hook"
    assert req.headers["x-newswatch-timestamp"] == "1769947200"
    expected = "sha256=" + hmac.new(SECRET.encode(), req.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(req.headers["x-newswatch-signature"], expected)
    body = json.loads(req.body)
    assert body["sent_at"] == 1769947200 and body["alert_id"] == alert.id and body["channel"] == "hook"
    assert (body["title"], body["url"], body["severity"]) == (alert.title, alert.url, "high")
    assert body["explanation"] == alert.explanation() and body["summary"] == alert.summary
    assert body["reported_by"] == ["asharq-al-awsat", "reuters-africa"] and body["regions"] == ["sahel", "west-africa"]
    assert body["text"].startswith("[HIGH] Russian official visits a Sahel capital\n" + alert.title)
    assert len(body["evidence"]) == len(alert.evidence)


def test_a_tampered_body_fails_verification(hook):
    notifier(hook).send(seed_alert())
    [req] = hook.requests
    tampered = req.body.replace(b'"high"', b'"low"')
    forged = "sha256=" + hmac.new(SECRET.encode(), tampered, hashlib.sha256).hexdigest()
    assert tampered != req.body and not hmac.compare_digest(req.headers["x-newswatch-signature"], forged)


def test_unsigned_without_secret(hook):
    notifier(hook, secret=None, headers=None).send(seed_alert())
    [req] = hook.requests
    assert "x-newswatch-signature" not in req.headers and "authorization" not in req.headers
    assert req.headers["x-newswatch-timestamp"] == "1769947200"


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_2xx_is_sent(hook, status):
    hook.script(Response(status=status))
    notifier(hook).send(seed_alert())
    assert len(hook.requests) == 1


def test_a_2xx_whose_body_drips_past_the_deadline_is_still_sent(hook):
    # the status is what counts: the deadline cutting the rest of the reply must not make a retry
    # (a second copy of an alert the service already accepted)
    hook.script(Response(status=200, body=b"x" * 2000, chunk_size=100, chunk_delay=0.1))
    notifier(hook, timeout=0.5).send(seed_alert())
    assert len(hook.requests) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_4xx_is_permanent(hook, status):
    hook.script(json_response(status, {"error": "nope"}))
    err = send_error(notifier(hook))
    assert err.permanent is True and f"{hook.base_url} answered {status}" in err.reason


@pytest.mark.parametrize("status,retry", [(408, None), (429, 17.0), (500, None), (502, None), (503, 5.0)])
def test_408_429_5xx_are_temporary(hook, status, retry):
    headers = {"Retry-After": str(int(retry))} if retry else {}
    hook.script(Response(status=status, body=b"busy", headers=headers))
    err = send_error(notifier(hook))
    assert err.permanent is False and err.retry_after == retry


def test_redirect_is_permanent(hook):
    hook.script(Response.redirect("/elsewhere", status=301))
    err = send_error(notifier(hook))
    assert err.permanent is True and "redirects are not followed" in err.reason


def test_secrets_echoed_by_the_receiver_are_redacted(hook, caplog):
    hook.script(Response(status=401, body=f"bad credentials: {BEARER} / {SECRET}".encode()))
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
        err = send_error(notifier(hook))
        notifier(hook).send(seed_alert())
    assert "bad credentials: *** / ***" in err.reason
    assert SECRET not in caplog.text and "canary-header" not in caplog.text
    assert "webhook_sent channel_id=hook" in caplog.text


def test_config(hook, tmp_path, monkeypatch):
    monkeypatch.setenv("NW_TEST_HOOK_TOKEN", BEARER)
    (tmp_path / "secret").write_text(SECRET + "\n")
    (tmp_path / "c.yaml").write_text(
        f"channels:\n  - id: w\n    type: webhook\n    url: '{hook.url()}'\n"
        f"    secret_file: '{tmp_path / 'secret'}'\n    headers: {{Authorization: '${{NW_TEST_HOOK_TOKEN}}'}}\n"
        "rules: []\n")
    cfg = load_config(tmp_path / "c.yaml").channel("w")
    assert SECRET not in repr(cfg) and BEARER not in repr(cfg)
    build_notifier(cfg).send(seed_alert())
    [req] = hook.requests
    expected = "sha256=" + hmac.new(SECRET.encode(), req.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(req.headers["x-newswatch-signature"], expected)
    assert req.headers["authorization"] == BEARER


@pytest.mark.parametrize("headers,message", [
    ("{X-Newswatch-Signature: forged}", "header 'X-Newswatch-Signature' is set by newswatch"),
    ("{'Bad Header': v}", "header name 'Bad Header' is not a valid HTTP header name"),
    ("{X-Token: \"a\\r\\nX-Evil: 1\"}", "header 'X-Token': the value must be one line"),
])
def test_header_errors(tmp_path, headers, message):
    (tmp_path / "c.yaml").write_text(
        f"channels:\n  - {{id: w, type: webhook, url: 'http://127.0.0.1:9/h', headers: {headers}}}\nrules: []\n")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "c.yaml")
    assert f"channels[0].headers: {message}" in str(err.value)
