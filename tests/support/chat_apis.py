"""Local stand-ins for the chat services' HTTP APIs, on a real LocalHTTPServer (127.0.0.1).

Each one records what it receives, checks it the way the real service does
(and answers with the real service's error format when it would refuse it),
and answers with scripted responses first when a test queued some:

    with TelegramBotAPI(TOKEN) as api:
        api.script(TelegramBotAPI.too_many_requests(7))     # the next request gets a 429
        notifier = TelegramNotifier("tg", bot_token=TOKEN, chat_id=42, api_url=api.base_url)
        ...
        [req] = api.requests                                  # RecordedRequest, in arrival order
        api.accepted                                          # the JSON bodies it accepted

TelegramBotAPI   POST /bot<token>/sendMessage; text checked as parse_mode HTML (allowed tags,
                 entities, nesting) and for 1-4096 characters after entity parsing (UTF-16)
SlackWebhook     POST /services/T…/B…/…; text or blocks, section text <= 3000, <= 50 blocks; "ok"
DiscordWebhook   POST /api/webhooks/<id>/<token>[?wait=true]; content 1-2000 characters
WebhookReceiver  POST /hook; 200 unless scripted
"""
from __future__ import annotations

import html
import json
import re
import threading
from collections import deque
from pathlib import Path

from tests.support.http_server import LocalHTTPServer, RecordedRequest, Response

TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
                 "pre", "blockquote", "tg-emoji"}
_TG_TOKEN = re.compile(r"<(/?)([A-Za-z][\w-]*)((?:\s+[\w-]+(?:=\"[^\"]*\"|='[^']*')?)*)\s*>"
                       r"|&(?:lt|gt|amp|quot|#\d+|#x[0-9A-Fa-f]+);|[^<&>]+|[<&>]")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def json_response(status: int, body: dict, headers: dict | None = None) -> Response:
    return Response(status=status, body=json.dumps(body).encode(),
                    headers={"Content-Type": "application/json", **(headers or {})})


def text_response(status: int, body: str, headers: dict | None = None) -> Response:
    return Response(status=status, body=body.encode(), headers={"Content-Type": "text/html", **(headers or {})})


def telegram_html_text(text: str) -> str:
    """The visible text of a parse_mode HTML message; ValueError (Telegram's wording) when it would refuse it."""
    out, stack = [], []
    for m in _TG_TOKEN.finditer(text):
        token = m.group(0)
        if token in "<&>":
            raise ValueError(f"Bad Request: can't parse entities: unexpected {token!r} at byte offset "
                             f"{len(text[:m.start()].encode())}")
        if m.group(2):
            name = m.group(2).lower()
            if name not in TELEGRAM_TAGS:
                raise ValueError(f"Bad Request: can't parse entities: Unsupported start tag \"{name}\" "
                                 f"at byte offset {len(text[:m.start()].encode())}")
            if m.group(1):
                if not stack or stack[-1] != name:
                    raise ValueError(f"Bad Request: can't parse entities: Unmatched end tag at byte offset "
                                     f"{len(text[:m.start()].encode())}, expected \"</{stack[-1] if stack else ''}>\"")
                stack.pop()
            else:
                stack.append(name)
        elif token.startswith("&"):
            out.append(html.unescape(token))
        else:
            out.append(token)
    if stack:
        raise ValueError("Bad Request: can't parse entities: "
                         f"Can't find end tag corresponding to start tag \"{stack[-1]}\"")
    return "".join(out)


class ChatAPIServer:
    path = "/"

    def __init__(self) -> None:
        self.http = LocalHTTPServer()
        self._script: deque = deque()
        self._lock = threading.Lock()
        self.accepted: list[dict] = []
        self.http.route(self.path, self._handle)

    @property
    def base_url(self) -> str:
        return self.http.base_url

    def url(self, path: str | None = None) -> str:
        return self.http.url(path or self.path)

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.http.requests

    def script(self, *responses: Response) -> None:
        """Answer the next requests with these, in order, before the normal handling."""
        with self._lock:
            self._script.extend(responses)

    def _handle(self, request: RecordedRequest) -> Response:
        with self._lock:
            scripted = self._script.popleft() if self._script else None
        if scripted is not None:
            return scripted
        return self.handle(request)

    def handle(self, request: RecordedRequest) -> Response:
        raise NotImplementedError

    def __enter__(self):
        self.http.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.http.stop()


class TelegramBotAPI(ChatAPIServer):
    def __init__(self, token: str):
        self.token = token
        self.path = f"/bot{token}/sendMessage"
        super().__init__()

    @staticmethod
    def error(code: int, description: str, **parameters) -> Response:
        body = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return json_response(code, body)

    @classmethod
    def too_many_requests(cls, retry_after: int) -> Response:
        return cls.error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)

    @classmethod
    def blocked(cls) -> Response:
        return cls.error(403, "Forbidden: bot was blocked by the user")

    @classmethod
    def chat_not_found(cls) -> Response:
        return cls.error(400, "Bad Request: chat not found")

    @staticmethod
    def bad_gateway() -> Response:   # what nginx in front of the Bot API sends
        return text_response(502, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
                                  "<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n")

    def handle(self, request: RecordedRequest) -> Response:
        if request.method != "POST" or "application/json" not in request.headers.get("content-type", ""):
            return self.error(400, "Bad Request: message text is empty")
        try:
            body = json.loads(request.body)
        except ValueError:
            return self.error(400, "Bad Request: can't parse JSON")
        if "chat_id" not in body:
            return self.error(400, "Bad Request: chat_id is empty")
        text = body.get("text") or ""
        try:
            visible = telegram_html_text(text) if body.get("parse_mode") == "HTML" else text
        except ValueError as exc:
            return self.error(400, str(exc))
        if not visible.strip():
            return self.error(400, "Bad Request: message text is empty")
        if utf16_len(visible) > 4096:
            return self.error(400, "Bad Request: message is too long")
        self.accepted.append(body)
        message = {"message_id": len(self.accepted), "date": 1769947200, "text": visible,
                   "chat": {"id": body["chat_id"] if isinstance(body["chat_id"], int) else -1001, "type": "channel"}}
        return json_response(200, {"ok": True, "result": message})


class SlackWebhook(ChatAPIServer):
    path = "/services/T0123ABCD/B0456EFGH/xoxCanaryWebhookSecret123"

    @staticmethod
    def error(status: int, code: str, headers: dict | None = None) -> Response:
        return text_response(status, code, headers)

    @classmethod
    def rate_limited(cls, retry_after: int) -> Response:
        return cls.error(429, "rate_limited", {"Retry-After": str(retry_after)})

    def handle(self, request: RecordedRequest) -> Response:
        try:
            body = json.loads(request.body)
        except ValueError:
            return self.error(400, "invalid_payload")
        if not isinstance(body, dict):
            return self.error(400, "invalid_payload")
        blocks = body.get("blocks")
        if not body.get("text") and not blocks:
            return self.error(400, "no_text")
        if blocks is not None:
            if not isinstance(blocks, list) or len(blocks) > 50:
                return self.error(400, "invalid_blocks")
            for block in blocks:
                if block.get("type") == "section" and len(block.get("text", {}).get("text", "")) > 3000:
                    return self.error(400, "invalid_blocks")
        self.accepted.append(body)
        return self.error(200, "ok")


class DiscordWebhook(ChatAPIServer):
    path = "/api/webhooks/1234567890123456789/CanaryDiscordWebhookToken_abcdefghijklmnopqrstuvwxyz"

    @staticmethod
    def rate_limited(retry_after: float, global_: bool = False) -> Response:
        return json_response(429, {"message": "You are being rate limited.", "retry_after": retry_after,
                                   "global": global_},
                             {"Retry-After": str(int(retry_after) + 1), "X-RateLimit-Scope": "shared"})

    @staticmethod
    def unknown_webhook() -> Response:
        return json_response(404, {"message": "Unknown Webhook", "code": 10015})

    def handle(self, request: RecordedRequest) -> Response:
        try:
            body = json.loads(request.body)
        except ValueError:
            return json_response(400, {"message": "Cannot send an empty message", "code": 50006})
        content = body.get("content") or ""
        if not content.strip():
            return json_response(400, {"message": "Cannot send an empty message", "code": 50006})
        if len(content) > 2000:
            return json_response(400, {"message": "Invalid Form Body", "code": 50035, "errors": {"content": {
                "_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}}})
        self.accepted.append(body)
        if "wait=true" not in request.path:
            return Response(status=204)
        return json_response(200, {"id": str(1000 + len(self.accepted)), "type": 0, "content": content,
                                   "channel_id": "555", "webhook_id": "1234567890123456789"})


class WebhookReceiver(ChatAPIServer):
    path = "/hook"

    def handle(self, request: RecordedRequest) -> Response:
        self.accepted.append(json.loads(request.body))
        return json_response(200, {"received": True})


# --- the seed alert ----------------------------------------------------------

SEED_POST = Path(__file__).resolve().parents[1] / "data" / "seed" / "lavrov-bamako-telegram-post.txt"


def seed_alert(**overrides):
    """The founding alert, built from the real seed post (tests/data/seed): its first line as the title,
    its text as the summary, and the evidence the founding rule gives for it (offsets in the real text)."""
    from newswatch.model.alert import Alert, Evidence

    assert SEED_POST.is_file(), f"real test data missing: {SEED_POST}"
    title, _, text = SEED_POST.read_text(encoding="utf-8").strip().partition("\n")
    text = text.strip()
    evidence = []
    for kind, word, detail in (("actor", "Sergey Lavrov", "Sergey Lavrov (RU official)"),
                               ("place", "Bamako", "Bamako (capital, ML, sahel)"),
                               ("topic", "visit", "visit (happened)")):
        start = text.index(word)
        evidence.append(Evidence(clause="when.all[0].near.all", kind=kind, matched=word, field="text",
                                 start=start, end=start + len(word), detail=detail, sentence=1))
    evidence.append(Evidence(clause="when.all[0].near", kind="near", matched="", field="text", start=0, end=0,
                             detail="same sentence"))
    summary = text if len(text) <= 400 else text[:397].rsplit(" ", 1)[0] + "…"
    fields = dict(id="5eed0a1e27b1c3d4e5f6", rule_id="russian-official-visits-sahel-capital",
                  rule_title="Russian official visits a Sahel capital", severity="high",
                  item_id="tg:The_International_Affairs/1234", source_id="intl-affairs-tg", title=title.strip(),
                  url="https://t.me/The_International_Affairs/1234", published="2023-02-07T09:30:00+00:00",
                  summary=summary, evidence=evidence, channels=["chat"], story_id="story-lavrov-bamako",
                  countries=["ML", "RU"], regions=["sahel", "west-africa"], topics=["visit"],
                  reported_by=["asharq-al-awsat", "reuters-africa"])
    fields.update(overrides)
    return Alert(**fields)
