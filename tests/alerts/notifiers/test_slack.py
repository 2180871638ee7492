"""SlackNotifier against a local incoming-webhook endpoint answering with Slack's real status codes and bodies."""
from __future__ import annotations

import json
import logging

import pytest

from alerts.notifiers import build_notifier
from alerts.notifiers.base import DeliveryError
from alerts.notifiers.slack.notifier import SlackNotifier
from workers.registry import load_config
from newswatch.config.yamlconf import ConfigError
from tests.support.chat_apis import SlackWebhook, seed_alert
from tests.support.http_server import Response

WEBHOOK_TOKEN = SlackWebhook.path.rsplit("/", 1)[1]


@pytest.fixture
def hook():
    with SlackWebhook() as server:
        yield server


def notifier(hook, **overrides) -> SlackNotifier:
    kwargs = dict(webhook_url=hook.url(), timeout=5.0)
    kwargs.update(overrides)
    return SlackNotifier("slack", **kwargs)


def send_error(n: SlackNotifier, hook) -> DeliveryError:
    with pytest.raises(DeliveryError) as err:
        n.send(seed_alert())
    assert hook.url() not in str(err.value) and WEBHOOK_TOKEN not in str(err.value)
    assert f"webhook at {hook.base_url}" in err.value.reason
    return err.value


def test_exact_request(hook):
    alert = seed_alert(title="Bamako <talks> & deals", url="https://example.com/a?b=1&c=2")
    n = notifier(hook)
    n.send(alert)
    [req] = hook.requests
    assert (req.method, req.path) == ("POST", SlackWebhook.path)
    assert req.headers["content-type"] == "application/json; charset=utf-8"
    body = json.loads(req.body)
    assert body["text"] == "🟠 HIGH: Bamako &lt;talks&gt; &amp; deals"
    [section, footer] = body["blocks"]
    assert section == {"type": "section", "text": {"type": "mrkdwn", "text": n.template.render(alert, "slack")}}
    assert "*<https://example.com/a?b=1&amp;c=2|Bamako &lt;talks&gt; &amp; deals>*" in section["text"]["text"]
    assert "*Why:* actor: Sergey Lavrov (RU official)" in section["text"]["text"]
    assert footer == {"type": "context", "elements": [{"type": "mrkdwn", "text": (
        "newswatch · rule russian-official-visits-sahel-capital · alert 5eed0a1e27b1c3d4e5f6")}]}
    assert hook.accepted == [body]


def digest(**overrides):
    """A digest alert (splitting is for digests: one alert is one message)."""
    member = {"id": "a1", "rule_id": "r", "rule_title": "R", "severity": "high", "title": "t", "url": None,
              "published": None, "source_id": "s", "explanation": "x"}
    return seed_alert(digest_of=[member], **overrides)


def test_long_digest_becomes_sections_of_at_most_3000(hook, tmp_path):
    path = tmp_path / "long.j2"
    path.write_text("{% for i in range(400) %}*{{ link(url, title) }}* row {{ i }}\n{% endfor %}")
    n = notifier(hook, template=path)
    n.send(digest(title="A & B"))
    [body] = hook.accepted
    sections = [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]
    assert len(sections) >= 8 and all(len(s) <= 3000 for s in sections)
    assert all(s.startswith("*<https://t.me/") and s.endswith(f"row {s.rsplit('row ', 1)[1]}") for s in sections)
    assert "\n".join(sections) == n.template.render(digest(title="A & B"), "slack")


def test_one_alert_is_one_section_cut_with_an_ellipsis(hook, tmp_path):
    path = tmp_path / "long.j2"
    path.write_text("{% for i in range(400) %}*{{ link(url, title) }}* row {{ i }}\n{% endfor %}")
    notifier(hook, template=path).send(seed_alert(title="A & B"))
    [body] = hook.accepted
    [section] = [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]
    assert len(section) <= 3000 and section.endswith("…") and len(hook.requests[0].body) < 4000


@pytest.mark.parametrize("status,code,hint", [
    (400, "invalid_payload", "could not read the JSON"),
    (400, "invalid_blocks", "rejected the blocks"),
    (403, "action_prohibited", "restricts this webhook"),
    (404, "channel_not_found", "channel does not exist"),
    (404, "no_service", "removed or disabled"),
    (410, "channel_is_archived", "was archived"),
])
def test_permanent_errors(hook, status, code, hint):
    hook.script(SlackWebhook.error(status, code))
    err = send_error(notifier(hook), hook)
    assert err.permanent is True
    assert f"answered {status} {code}" in err.reason and hint in err.reason


def test_429_honours_retry_after(hook):
    hook.script(SlackWebhook.rate_limited(30))
    err = send_error(notifier(hook), hook)
    assert err.permanent is False and err.retry_after == 30 and "rate limited" in err.reason


@pytest.mark.parametrize("reply", [SlackWebhook.error(500, "rollup_error"), Response(status=503, body=b"")])
def test_server_errors_are_temporary(hook, reply):
    hook.script(reply)
    err = send_error(notifier(hook), hook)
    assert err.permanent is False and err.retry_after is None


def test_500_three_times_then_ok(hook):
    hook.script(*[SlackWebhook.error(500, "rollup_error")] * 3)
    n = notifier(hook)
    for _ in range(3):
        assert send_error(n, hook).permanent is False
    n.send(seed_alert())
    assert len(hook.requests) == 4 and len(hook.accepted) == 1


def test_webhook_url_never_in_logs(hook, caplog):
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
        notifier(hook).send(seed_alert())
        hook.script(SlackWebhook.error(404, "no_service"))
        send_error(notifier(hook), hook)
    assert WEBHOOK_TOKEN not in caplog.text
    assert any(r.name == "httpx" and "***" in r.getMessage() for r in caplog.records)


def test_config(hook, tmp_path, monkeypatch):
    monkeypatch.setenv("NW_TEST_SLACK_URL", hook.url())
    (tmp_path / "c.yaml").write_text(
        "channels:\n  - {id: s, type: slack, webhook_url: '${NW_TEST_SLACK_URL}', min_severity: medium}\n"
        "rules: []\n")
    cfg = load_config(tmp_path / "c.yaml").channel("s")
    assert WEBHOOK_TOKEN not in repr(cfg) and cfg.min_severity == "medium" and cfg.timeout == 10.0
    build_notifier(cfg).send(seed_alert())
    assert len(hook.accepted) == 1
    monkeypatch.setenv("NW_TEST_SLACK_URL", f"hooks.slack.com/services/{WEBHOOK_TOKEN}")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "c.yaml")
    assert "channels[0].webhook_url: webhook_url must be an http:// or https:// URL" in str(err.value)
    assert WEBHOOK_TOKEN not in str(err.value)
