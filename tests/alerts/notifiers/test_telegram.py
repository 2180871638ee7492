"""TelegramNotifier against a local Bot API (tests/support/chat_apis.py) that answers like the real one."""
from __future__ import annotations

import json
import logging
import socket
import time

import pytest

from alerts.notifiers import build_notifier, send_timeout
from alerts.notifiers.base import DeliveryError
from alerts.notifiers.telegram.notifier import TelegramNotifier
from workers.registry import load_config
from newswatch.config.yamlconf import ConfigError
from alerts.store import AlertStore
from newswatch.metrics import Metrics
from tests.support.chat_apis import TelegramBotAPI, json_response, seed_alert, telegram_html_text, utf16_len
from tests.support.http_server import Response

TOKEN = "7391054826:AAHcanaryBotToken_neverShown-x9Zq7731"
SECRET_PART = TOKEN.split(":")[1]
CHAT = -1001234567890


@pytest.fixture
def api():
    with TelegramBotAPI(TOKEN) as server:
        yield server


def notifier(api, **overrides) -> TelegramNotifier:
    kwargs = dict(bot_token=TOKEN, chat_id=CHAT, api_url=api.base_url, timeout=5.0)
    kwargs.update(overrides)
    return TelegramNotifier("tg", **kwargs)


def send_error(n: TelegramNotifier, alert=None) -> DeliveryError:
    with pytest.raises(DeliveryError) as err:
        n.send(alert or seed_alert())
    assert TOKEN not in str(err.value) and SECRET_PART not in err.value.reason
    return err.value


def digest(**overrides):
    """A digest alert (splitting is for digests: one alert is one message)."""
    member = {"id": "a1", "rule_id": "r", "rule_title": "R", "severity": "high", "title": "t", "url": None,
              "published": None, "source_id": "s", "explanation": "x"}
    return seed_alert(digest_of=[member], **overrides)


def long_template(tmp_path, lines: int):
    path = tmp_path / "long.html.j2"
    path.write_text("{% for i in range(" + str(lines) + ") %}"
                    "<b>{{ title }}</b> — line {{ i }} &amp; words\n{% endfor %}")
    return path


# --- the request ---------------------------------------------------------------

def test_exact_request(api):
    alert = seed_alert(title="Lavrov <in> Bamako & talks")
    n = notifier(api)
    n.send(alert)
    [req] = api.requests
    assert (req.method, req.path) == ("POST", f"/bot{TOKEN}/sendMessage")
    assert req.headers["content-type"] == "application/json"
    assert req.headers["user-agent"].startswith("newswatch")
    body = json.loads(req.body)
    assert body == {"chat_id": CHAT, "text": n.template.render(alert, "tg"), "parse_mode": "HTML"}
    assert "Lavrov &lt;in&gt; Bamako &amp; talks" in body["text"]
    assert "Lavrov <in> Bamako & talks" in telegram_html_text(body["text"])
    assert api.accepted == [body]


def test_options_in_payload(api):
    notifier(api, chat_id="@newsdesk", link_preview=False, thread_id=77).send(seed_alert())
    body = api.accepted[0]
    assert body["chat_id"] == "@newsdesk"
    assert body["link_preview_options"] == {"is_disabled": True} and body["message_thread_id"] == 77


# --- replies -------------------------------------------------------------------

def test_429_retry_after_from_parameters(api):
    api.script(TelegramBotAPI.too_many_requests(7))
    err = send_error(notifier(api))
    assert err.permanent is False and err.retry_after == 7
    assert "Too Many Requests: retry after 7" in err.reason
    notifier(api).send(seed_alert())          # the next attempt goes through
    assert len(api.accepted) == 1


def test_429_without_parameters_uses_retry_after_header(api):
    api.script(json_response(429, {"ok": False, "error_code": 429, "description": "Too Many Requests"},
                             {"Retry-After": "12"}))
    err = send_error(notifier(api))
    assert err.permanent is False and err.retry_after == 12


@pytest.mark.parametrize("reply,words", [
    (TelegramBotAPI.blocked(), "403 Forbidden: bot was blocked by the user"),
    (TelegramBotAPI.chat_not_found(), "400 Bad Request: chat not found"),
    (TelegramBotAPI.error(403, "Forbidden: bot was kicked from the channel chat"), "bot was kicked"),
    (TelegramBotAPI.error(401, "Unauthorized"), "401 Unauthorized (the bot token was revoked or is wrong)"),
    (TelegramBotAPI.error(404, "Not Found"), "404 Not Found"),
])
def test_permanent_errors(api, reply, words):
    api.script(reply)
    err = send_error(notifier(api))
    assert err.permanent is True and err.retry_after is None
    assert words in err.reason and f"chat {CHAT}" in err.reason


def test_group_upgraded_to_supergroup_names_the_new_id(api):
    api.script(TelegramBotAPI.error(400, "Bad Request: group chat was upgraded to a supergroup chat",
                                    migrate_to_chat_id=-1009876543210))
    err = send_error(notifier(api))
    assert err.permanent is True and "chat_id -1009876543210" in err.reason


@pytest.mark.parametrize("reply", [TelegramBotAPI.bad_gateway(),
                                   TelegramBotAPI.error(500, "Internal Server Error"),
                                   Response(status=503, body=b"")])
def test_server_errors_are_temporary(api, reply):
    api.script(reply)
    err = send_error(notifier(api))
    assert err.permanent is False and err.retry_after is None
    assert str(reply.status) in err.reason


def test_refused_connection_is_temporary():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    n = TelegramNotifier("tg", bot_token=TOKEN, chat_id=CHAT, api_url=f"http://127.0.0.1:{port}", timeout=2)
    err = send_error(n)
    assert err.permanent is False and f"cannot reach http://127.0.0.1:{port}" in err.reason


def test_timeout_bounds_the_send(api):
    api.script(Response(body=b"{}", delay=5.0))
    started = time.monotonic()
    err = send_error(notifier(api, timeout=0.5))
    assert time.monotonic() - started < 3
    assert err.permanent is False and "timed out" in err.reason


# --- long messages ---------------------------------------------------------------

def test_long_digest_is_split_on_lines_into_valid_messages(api, tmp_path):
    n = notifier(api, template=long_template(tmp_path, 300))
    alert = digest(title="Bamako <&> talks")
    whole = telegram_html_text(n.template.render(alert, "tg"))
    n.send(alert)
    texts = [body["text"] for body in api.accepted]
    assert len(texts) == len(api.requests) >= 3      # every part was accepted by the (strict) API
    visible = [telegram_html_text(t) for t in texts]
    assert all(utf16_len(v) <= 4096 for v in visible)
    assert all(t.startswith("<b>") and t.endswith("&amp; words") for t in texts)   # whole lines only
    assert "\n".join(visible) == whole


def test_one_huge_line_inside_a_tag_is_split_with_tags_reopened(api, tmp_path):
    path = tmp_path / "huge.html.j2"
    path.write_text("<blockquote><i>{% for i in range(1000) %}{{ title }} {% endfor %}</i></blockquote>")
    n = notifier(api, template=path)
    n.send(digest(title="Lavrov&Goïta 🇲🇱"))
    texts = [body["text"] for body in api.accepted]
    assert len(texts) == len(api.requests) >= 4
    for text in texts:
        assert text.startswith("<blockquote><i>") and text.endswith("</i></blockquote>")
        assert utf16_len(telegram_html_text(text)) <= 4096
        assert "&amp;" in text and "&Goïta" not in text     # entities whole, never cut


def test_one_alert_is_one_message_cut_with_an_ellipsis(api, tmp_path):
    n = notifier(api, template=long_template(tmp_path, 300))
    n.send(seed_alert(title="Bamako <&> talks"))
    [text] = [body["text"] for body in api.accepted]
    assert len(api.requests) == 1 and utf16_len(telegram_html_text(text)) <= 4096
    assert text.endswith("…") and text.startswith("<b>Bamako &lt;&amp;&gt; talks</b> — line 0")


def test_retry_after_a_failed_part_sends_only_the_rest(api, tmp_path):
    n = notifier(api, template=long_template(tmp_path, 300))
    alert = digest()
    parts = n.messages(alert)
    api.script(Response(status=200, body=json.dumps({"ok": True, "result": {"message_id": 1}}).encode(),
                        headers={"Content-Type": "application/json"}),
               TelegramBotAPI.too_many_requests(3))
    err = send_error(n, alert)
    assert err.retry_after == 3 and f"message 2 of {len(parts)}; 1 sent" in err.reason
    n.send(alert)
    sent = [json.loads(r.body)["text"] for r in api.requests]
    assert sent[0] == parts[0] and sent[1] == parts[1]          # part 1 once, part 2 twice (429, then ok)
    assert sent[2:] == parts[1:] and len(sent) == len(parts) + 1


# --- secrets ---------------------------------------------------------------------

def test_token_never_in_logs(api, caplog):
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
        notifier(api).send(seed_alert())
        api.script(TelegramBotAPI.blocked())
        send_error(notifier(api))
    assert TOKEN not in caplog.text and SECRET_PART not in caplog.text
    assert any(r.name == "httpx" and "/bot***/sendMessage" in r.getMessage() for r in caplog.records)
    assert "telegram_sent channel_id=tg" in caplog.text


def test_config_and_registry(api, tmp_path, monkeypatch):
    monkeypatch.setenv("NW_TEST_TG_TOKEN", TOKEN)
    (tmp_path / "c.yaml").write_text(
        "channels:\n"
        f"  - {{id: tg, type: telegram, bot_token: '${{NW_TEST_TG_TOKEN}}', chat_id: '{CHAT}',"
        f" api_url: '{api.base_url}/', timeout: 3s, min_severity: high}}\n"
        "rules: []\n")
    cfg = load_config(tmp_path / "c.yaml").channel("tg")
    assert (cfg.chat_id, cfg.api_url, cfg.timeout, send_timeout(cfg)) == (CHAT, api.base_url, 3.0, 3.0)
    assert TOKEN not in repr(cfg)
    build_notifier(cfg).send(seed_alert())
    assert api.accepted[0]["chat_id"] == CHAT


def test_token_file_and_pointed_errors(tmp_path):
    (tmp_path / "token").write_text(TOKEN + "\n")
    (tmp_path / "c.yaml").write_text(
        f"channels:\n  - {{id: tg, type: telegram, bot_token_file: '{tmp_path / 'token'}', chat_id: '@desk_news'}}\n"
        "rules: []\n")
    assert load_config(tmp_path / "c.yaml").channel("tg").bot_token.get_secret_value() == TOKEN
    (tmp_path / "bad").write_text("not-a-token-" + SECRET_PART)
    (tmp_path / "c.yaml").write_text(
        f"channels:\n  - {{id: tg, type: telegram, bot_token_file: '{tmp_path / 'bad'}', chat_id: 1}}\n"
        "rules: []\n")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "c.yaml")
    assert "channels[0]: the token in bot_token_file does not look like a Telegram bot token" in str(err.value)
    assert SECRET_PART not in str(err.value)


def test_config_errors_never_show_secrets():
    """Every invalid-config fixture holding a canary secret: its error names the key, never the value."""
    from pathlib import Path
    invalid = Path(__file__).resolve().parents[2] / "fixtures" / "config" / "invalid"
    cases = [p for p in invalid.glob("*.yaml") if "canary" in p.read_text().split("\n", 1)[1]]
    assert len(cases) >= 4
    for path in cases:
        with pytest.raises(ConfigError) as err:
            load_config(path)
        assert "canary" not in str(err.value), path.name


def test_delivery_task_waits_retry_after_then_sends_once(api, state):
    """Through alerts.delivery with the real Redis: 429 → retry in exactly retry_after, then one message."""
    from types import SimpleNamespace

    from alerts.notifiers.telegram.config import TelegramChannelConfig
    from newswatch.config import DeliveryConfig
    from alerts.delivery import deliver_once

    # rate_limit: [] — this test is about the 429; Telegram's default 1 message/s would (rightly) make
    # the immediate second attempt wait (see test_default_rate_limit_throttles_the_next_send)
    cfg = TelegramChannelConfig(id="tg", type="telegram", bot_token=TOKEN, chat_id=CHAT, api_url=api.base_url,
                                timeout=5, rate_limit=[])
    alert = seed_alert(channels=["tg"])
    status, _ = AlertStore(state).open_alert(alert.id, alert.to_dict(), ["tg"], 300, rule_id=alert.rule_id,
                                 story_id=alert.story_id, realert=0, source_id=alert.source_id)
    assert status == "created"
    rt = SimpleNamespace(state=state, alerts=AlertStore(state), settings=SimpleNamespace(delivery=DeliveryConfig()), channels={"tg": cfg},
                         notifiers={"tg": build_notifier(cfg)}, metrics=Metrics())
    api.script(TelegramBotAPI.too_many_requests(7))
    first = deliver_once(rt, alert.id, "tg")
    assert (first.status, first.retry_in) == ("retry", 7)
    assert AlertStore(state).delivery(alert.id, "tg")["status"] == "retrying"
    assert [deliver_once(rt, alert.id, "tg").status for _ in range(2)] == ["sent", "done"]
    assert len(api.accepted) == 1 and len(api.requests) == 2
    assert TOKEN not in json.dumps(AlertStore(state).delivery(alert.id, "tg"))


def test_default_rate_limit_throttles_the_next_send(api, state):
    """Telegram's limits are the channel's default: a group chat gets 1 message/s and 20/min; the second
    delivery within the second waits (not counted as an attempt) instead of provoking a 429."""
    from types import SimpleNamespace

    from alerts.notifiers.telegram.config import TelegramChannelConfig
    from newswatch.config import DeliveryConfig
    from alerts.delivery import deliver_once

    cfg = TelegramChannelConfig(id="tg", type="telegram", bot_token=TOKEN, chat_id=CHAT, api_url=api.base_url)
    assert [(r.count, r.per) for r in cfg.rate_limit] == [(1, 1.0), (20, 60.0)]
    assert [(r.count, r.per) for r in TelegramChannelConfig(
        id="dm", type="telegram", bot_token=TOKEN, chat_id=12345, api_url=api.base_url).rate_limit] == [(1, 1.0)]
    rt = SimpleNamespace(state=state, alerts=AlertStore(state), settings=SimpleNamespace(delivery=DeliveryConfig()), channels={"tg": cfg},
                         notifiers={"tg": build_notifier(cfg)}, metrics=Metrics())
    outcomes = []
    for n in range(2):
        alert = seed_alert(channels=["tg"])
        alert.id = f"{alert.id}-{n}"
        AlertStore(state).open_alert(alert.id, alert.to_dict(), ["tg"], 300, rule_id=alert.rule_id,
                         story_id=alert.id, realert=0, source_id=alert.source_id)
        outcomes.append(deliver_once(rt, alert.id, "tg"))
    assert outcomes[0].status == "sent"
    assert outcomes[1].status == "retry" and 0 < outcomes[1].retry_in <= 1.0
    assert outcomes[1].reason == "rate limited" and len(api.accepted) == 1
    record = AlertStore(state).delivery(alert.id, "tg")
    assert record["status"] == "retrying" and record["attempts"] == "0"
