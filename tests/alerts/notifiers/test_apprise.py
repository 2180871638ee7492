"""AppriseNotifier through the real apprise library: its json:// service posting to a local receiver."""
from __future__ import annotations

import base64
import json
import logging
import socket
import time

import pytest

from alerts.notifiers import build_notifier, check_channel
from alerts.notifiers.apprise.escaping import escape_for
from alerts.notifiers.apprise.notifier import AppriseNotifier, url_secrets
from alerts.notifiers.base import DeliveryError
from workers.registry import load_config
from newswatch.config.yamlconf import ConfigError
from tests.support.chat_apis import DiscordWebhook, WebhookReceiver, seed_alert
from tests.support.http_server import Response

PASSWORD = "apprise-canary-pw-4417"


@pytest.fixture
def hook():
    with WebhookReceiver() as server:
        yield server


def apprise_url(hook, auth: bool = True) -> str:
    return f"json://{'alerts:' + PASSWORD + '@' if auth else ''}127.0.0.1:{hook.http.port}/hook"


def send_error(n: AppriseNotifier) -> DeliveryError:
    with pytest.raises(DeliveryError) as err:
        n.send(seed_alert())
    assert PASSWORD not in str(err.value)
    return err.value


def test_exact_request(hook):
    alert = seed_alert(title="Lavrov <in> Bamako & talks")
    n = AppriseNotifier("ap", url=apprise_url(hook), timeout=5)
    n.send(alert)
    [req] = hook.requests
    assert (req.method, req.path) == ("POST", "/hook")
    assert req.headers["content-type"].startswith("application/json")
    assert req.headers["authorization"] == "Basic " + base64.b64encode(f"alerts:{PASSWORD}".encode()).decode()
    body = json.loads(req.body)
    assert body["title"] == "[HIGH] Lavrov <in> Bamako & talks"
    assert body["message"] == n.template.render(alert, "ap")
    assert body["message"].startswith("[HIGH] Russian official visits a Sahel capital\nLavrov <in> Bamako & talks")
    assert body["type"] == "warning"


@pytest.mark.parametrize("severity,kind", [("info", "info"), ("medium", "warning"), ("critical", "failure")])
def test_severity_sets_the_notify_type(hook, severity, kind):
    AppriseNotifier("ap", url=apprise_url(hook, auth=False), timeout=5).send(seed_alert(severity=severity))
    assert json.loads(hook.requests[0].body)["type"] == kind


@pytest.mark.parametrize("status", [500, 503, 404])
def test_failure_result_is_temporary(hook, status):
    hook.script(Response(status=status, body=b"no"))
    err = send_error(AppriseNotifier("ap", url=apprise_url(hook), timeout=5))
    assert err.permanent is False and "did not accept the notification" in err.reason
    assert str(status) in err.reason        # Apprise's own warning says what the server answered


def test_refused_connection_is_temporary():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    err = send_error(AppriseNotifier("ap", url=f"json://alerts:{PASSWORD}@127.0.0.1:{port}/hook", timeout=2))
    assert err.permanent is False and "JSON did not accept the notification" in err.reason


def test_timeout_bounds_the_send(hook):
    hook.script(Response(status=200, delay=5.0))
    started = time.monotonic()
    err = send_error(AppriseNotifier("ap", url=apprise_url(hook), timeout=0.5))
    assert time.monotonic() - started < 4 and err.permanent is False


def test_unparsable_url_is_refused_when_built_without_leaking_it(caplog):
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
        with pytest.raises(ValueError) as err:
            AppriseNotifier("ap", url=f"tgram://{PASSWORD}", timeout=5)
    assert "apprise cannot use this URL (scheme 'tgram')" in str(err.value)
    assert PASSWORD not in str(err.value) and PASSWORD not in caplog.text


def test_secrets_never_in_logs_on_failure(hook, caplog):
    hook.script(Response(status=500, body=f"echo {PASSWORD}".encode()))
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
        send_error(AppriseNotifier("ap", url=apprise_url(hook), timeout=5))
    assert PASSWORD not in caplog.text
    assert any(r.name.startswith("apprise") for r in caplog.records)   # apprise did log, redacted


def test_url_secrets_cover_token_hosts_and_paths():
    found = url_secrets("tgram://123456:ABCDEFtoken/987654321?key=abcdef123")
    assert "123456:ABCDEFtoken" in found and "987654321" in found and "abcdef123" in found
    assert "127.0.0.1" not in url_secrets("json://127.0.0.1:8080/hook")


def test_config_and_check(hook, tmp_path, monkeypatch):
    monkeypatch.setenv("NW_TEST_APPRISE_URL", apprise_url(hook))
    (tmp_path / "c.yaml").write_text(
        "channels:\n  - {id: ap, type: apprise, url: '${NW_TEST_APPRISE_URL}', timeout: 4s}\nrules: []\n")
    cfg = load_config(tmp_path / "c.yaml").channel("ap")
    assert PASSWORD not in repr(cfg) and check_channel(cfg) == []
    build_notifier(cfg).send(seed_alert())
    assert len(hook.requests) == 1
    monkeypatch.setenv("NW_TEST_APPRISE_URL", f"nosuchservice://{PASSWORD}@host")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "c.yaml")
    assert "c.yaml:2: channels[0].url: Apprise cannot use this URL (scheme 'nosuchservice'" in str(err.value)
    assert PASSWORD not in str(err.value)


# --- mentions and markup: escaped per service (alerts/notifiers/apprise/escaping.py) ---------------

HOSTILE_TITLE = "@everyone <@123456789012345678> **free** <!channel>"
DISCORD_URL = f"discord://1234567890123456789/{DiscordWebhook.path.rsplit('/', 1)[1]}"


def test_a_discord_target_gets_no_mention_and_no_markdown_raw():
    """Apprise's real Discord plugin, its endpoint moved to a loopback stand-in of Discord's webhook API."""
    alert = seed_alert(title=HOSTILE_TITLE, summary="ping @here and <@&987654321> _now_",
                       url="https://example.org/@everyone/story")
    with DiscordWebhook() as discord:
        n = AppriseNotifier("ap", url=DISCORD_URL, timeout=5)
        [plugin] = n._apprise                       # the URL's Apprise plugin object
        plugin.notify_url = discord.base_url + "/api/webhooks"     # a class attribute: https://discord.com/...
        n.send(alert)
        [body] = discord.accepted
    content = body["content"]
    assert "allowed_mentions" not in body       # Apprise cannot say "no mentions": the text must not hold one
    for raw in ("@everyone", "@here", "<@1", "<@&", "<!channel>", "**free**", " _now_"):
        assert raw not in content, raw
    assert "@\u200beveryone" in content and "\\*\\*free\\*\\*" in content and "\\_now\\_" in content
    assert "https://example.org/%40everyone/story" in content     # a link stays a link


def test_a_plain_target_gets_mentions_neutralised_and_text_kept(hook):
    AppriseNotifier("ap", url=apprise_url(hook, auth=False), timeout=5).send(seed_alert(title=HOSTILE_TITLE))
    body = json.loads(hook.requests[0].body)
    for text in (body["title"], body["message"]):
        assert "@everyone" not in text and "<@1" not in text and "<!channel>" not in text
        assert "@\u200beveryone <\u200b@\u200b123456789012345678> **free** <\u200b!channel>" in text  # no markup escaped


@pytest.mark.parametrize("url,markdown", [(DISCORD_URL, True), ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", False),
                                          ("mmost://mattermost.example.org/3ccdd113474722377935511fc85d3dd4", True),
                                          ("tgram://123456789:abcdefghijklmnopqrstuvwxyzABCDEFGHI/12345", False)])
def test_escaping_per_service(url, markdown):
    """Discord and Mattermost render Markdown from our raw text: escaped here. Slack and Telegram get
    Apprise's own HTML escaping: only mentions here, nothing escaped twice."""
    escape = escape_for(AppriseNotifier("ap", url=url, timeout=5).plugin)
    expected = "@\u200bhere \\<\u200b!everyone> \\*x\\*" if markdown else "@\u200bhere <\u200b!everyone> *x*"
    assert escape("@here <!everyone> *x*") == expected
    assert escape("see https://t.me/@name_x") == "see https://t.me/%40name_x"
