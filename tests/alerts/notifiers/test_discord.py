"""DiscordNotifier against a local execute-webhook endpoint answering with Discord's real JSON errors."""
from __future__ import annotations

import json
import logging

import pytest

from alerts.notifiers import build_notifier
from alerts.notifiers.base import DeliveryError
from alerts.notifiers.discord.notifier import DiscordNotifier, with_wait
from workers.registry import load_config
from tests.support.chat_apis import DiscordWebhook, json_response, seed_alert
from tests.support.http_server import Response

WEBHOOK_TOKEN = DiscordWebhook.path.rsplit("/", 1)[1]


@pytest.fixture
def hook():
    with DiscordWebhook() as server:
        yield server


def notifier(hook, **overrides) -> DiscordNotifier:
    kwargs = dict(webhook_url=hook.url(), timeout=5.0)
    kwargs.update(overrides)
    return DiscordNotifier("discord", **kwargs)


def send_error(n: DiscordNotifier, alert=None) -> DeliveryError:
    with pytest.raises(DeliveryError) as err:
        n.send(alert or seed_alert())
    assert WEBHOOK_TOKEN not in str(err.value)
    return err.value


def test_exact_request(hook):
    alert = seed_alert(title="@everyone Lavrov *in* Bamako [live]")
    n = notifier(hook, username="newswatch")
    n.send(alert)
    [req] = hook.requests
    assert (req.method, req.path) == ("POST", DiscordWebhook.path + "?wait=true")
    assert req.headers["content-type"] == "application/json"
    body = json.loads(req.body)
    assert body == {"content": n.template.render(alert, "discord"), "allowed_mentions": {"parse": []},
                    "username": "newswatch"}
    assert ("**[@everyone Lavrov \\*in\\* Bamako \\[live\\]](https://t.me/The_International_Affairs/1234)**"
            in body["content"])
    assert hook.accepted == [body]


def test_wait_is_added_to_an_existing_query():
    assert with_wait("https://discord.com/api/webhooks/1/t?thread_id=9") == \
        "https://discord.com/api/webhooks/1/t?thread_id=9&wait=true"
    assert with_wait("https://discord.com/api/webhooks/1/t?wait=false") == \
        "https://discord.com/api/webhooks/1/t?wait=false"


def digest(**overrides):
    """A digest alert (splitting is for digests: one alert is one message)."""
    member = {"id": "a1", "rule_id": "r", "rule_title": "R", "severity": "high", "title": "t", "url": None,
              "published": None, "source_id": "s", "explanation": "x"}
    return seed_alert(digest_of=[member], **overrides)


def test_long_digest_is_split_at_2000(hook, tmp_path):
    path = tmp_path / "long.md.j2"
    path.write_text("{% for i in range(150) %}**{{ title }}** — item {{ i }}\n{% endfor %}")
    n = notifier(hook, template=path)
    alert = digest(title="Sahel *update* <#1>")
    n.send(alert)
    contents = [b["content"] for b in hook.accepted]
    assert len(contents) == len(hook.requests) >= 3
    assert all(len(c) <= 2000 and c.startswith("**Sahel \\*update\\* \\<#1>**") for c in contents)
    assert "\n".join(contents) == n.template.render(alert, "discord")


def test_one_alert_is_one_message_cut_with_an_ellipsis(hook, tmp_path):
    path = tmp_path / "long.md.j2"
    path.write_text("{% for i in range(150) %}**{{ title }}** — item {{ i }}\n{% endfor %}")
    notifier(hook, template=path).send(seed_alert(title="Sahel *update* <#1>"))
    [content] = [b["content"] for b in hook.accepted]
    assert len(hook.requests) == 1 and len(content) <= 2000 and content.endswith("…")


def test_429_retry_after_from_body_in_seconds(hook):
    hook.script(DiscordWebhook.rate_limited(1.5))
    err = send_error(notifier(hook))
    assert err.permanent is False and err.retry_after == 1.5
    assert "429 You are being rate limited." in err.reason


def test_429_from_cloudflare_uses_the_header(hook):
    hook.script(Response(status=429, body=b"<html>error code: 1015</html>", headers={"Retry-After": "60"}))
    err = send_error(notifier(hook))
    assert err.permanent is False and err.retry_after == 60


@pytest.mark.parametrize("reply,words", [
    (DiscordWebhook.unknown_webhook(), "404 Unknown Webhook (code 10015)"),
    (json_response(401, {"message": "Invalid Webhook Token", "code": 50027}), "401 Invalid Webhook Token"),
    (json_response(403, {"message": "Missing Access", "code": 50001}), "403 Missing Access"),
])
def test_permanent_errors(hook, reply, words):
    hook.script(reply)
    err = send_error(notifier(hook))
    assert err.permanent is True and words in err.reason


def test_invalid_form_body_is_permanent_and_detailed(hook, tmp_path):
    hook.script(json_response(400, {"message": "Invalid Form Body", "code": 50035, "errors": {"content": {
        "_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}}}))
    err = send_error(notifier(hook))
    assert err.permanent is True and "BASE_TYPE_MAX_LENGTH" in err.reason


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_temporary(hook, status):
    hook.script(json_response(status, {"message": "Internal Server Error", "code": 0}))
    err = send_error(notifier(hook))
    assert err.permanent is False and f"answered {status}" in err.reason


def test_retry_resumes_after_the_parts_sent(hook, tmp_path):
    path = tmp_path / "long.md.j2"
    path.write_text("{% for i in range(150) %}{{ title }} — item {{ i }}\n{% endfor %}")
    n = notifier(hook, template=path)
    alert = digest()
    parts = n.messages(alert)
    hook.script(json_response(200, {"id": "1"}), json_response(200, {"id": "2"}), DiscordWebhook.rate_limited(0.4))
    err = send_error(n, alert)
    assert err.retry_after == 0.4 and f"message 3 of {len(parts)}; 2 sent" in err.reason
    n.send(alert)
    sent = [json.loads(r.body)["content"] for r in hook.requests]
    assert sent == parts[:3] + parts[2:]       # parts 1-2 once; part 3 twice (429, then accepted)


def test_webhook_token_never_in_logs(hook, caplog, tmp_path):
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
        hook.script(DiscordWebhook.unknown_webhook())
        send_error(notifier(hook))
        notifier(hook).send(seed_alert())
    assert WEBHOOK_TOKEN not in caplog.text
    assert "discord_sent channel_id=discord" in caplog.text


def test_config(hook, tmp_path):
    (tmp_path / "url").write_text(hook.url() + "\n")
    (tmp_path / "c.yaml").write_text(
        f"channels:\n  - {{id: d, type: discord, webhook_url_file: '{tmp_path / 'url'}', username: desk}}\n"
        "rules: []\n")
    cfg = load_config(tmp_path / "c.yaml").channel("d")
    assert cfg.webhook_url.get_secret_value() == hook.url() and WEBHOOK_TOKEN not in repr(cfg)
    build_notifier(cfg).send(seed_alert())
    assert hook.accepted[0]["username"] == "desk"
