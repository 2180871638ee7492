"""Alert text from Jinja2 templates: one default per channel kind, overridable per channel (`template:`).

Kinds and their escaping (every `{{ value }}` is escaped for its format; markup
written in the template itself is not):

| kind       | default file         | escaping                                             |
| ---------- | -------------------- | ---------------------------------------------------- |
| `telegram` | `telegram.html.j2`   | HTML autoescape (Telegram's parse_mode HTML)         |
| `slack`    | `slack.mrkdwn.j2`    | Slack mrkdwn: `&`, `<`, `>` as `&amp;`, `&lt;`, `&gt;`|
| `discord`  | `discord.md.j2`      | Discord markdown: `\\`, `*`, `_`, `~`, … backslashed  |
| `text`     | `text.j2`            | none (webhook `text`, Apprise body)                  |

Variables (see `alert_context`): title, url (http/https only, else None), source,
published ("2024-05-01 10:00 UTC" or None), published_iso, severity,
severity_label, severity_icon, rule_id, rule_title, explanation, summary,
matched, countries, regions, topics, tags (regions + topics), reported_by (the
story's other sources), digest (member alerts of a digest, else []), alert_id,
channel_id, alert (the Alert itself). Helpers: `link(url, text)`, filters
`quote`, `hashtag`, `clip(n)`. Undefined names are errors (StrictUndefined),
caught when the template is loaded: it is rendered once with a sample alert.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote as url_quote

import jinja2
from markupsafe import Markup, escape as html_escape

from newswatch.model.alert import Alert, Evidence
from newswatch.logs import fields
from newswatch.model.severity import SEVERITY_ICONS

log = logging.getLogger(__name__)

TEMPLATES = ("alerts", "templates")   # package data, read with importlib.resources (jinja2.PackageLoader)
SUMMARY_MAX = 600
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_DISCORD_INLINE = re.compile(r"([\\*_~`|\[\]<])")            # markdown anywhere in a line
_DISCORD_LINE_START = re.compile(r"^([ \t]*)(?:([>#+-])|(\d+)(?=\.))", re.M)   # quotes, headings, lists


class TemplateError(Exception):
    """A template that cannot be loaded or rendered; the message names the file and line."""


def one_line(text: str | None) -> str:
    return " ".join(_CONTROL.sub(" ", (text or "").replace("\n", " ").replace("\r", " ")).split())


def multiline(text: str | None) -> str:
    lines = _CONTROL.sub(" ", (text or "").replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(" ".join(line.split()) for line in lines)).strip()


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def web_url(url: str | None) -> str | None:
    url = one_line(url)
    return url if re.match(r"^https?://[^\s]+$", url, re.IGNORECASE) else None


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def discord_escape(text: str) -> str:
    text = _DISCORD_INLINE.sub(r"\\\1", text)
    return _DISCORD_LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[2] else f"{m[1]}{m[3]}\\", text)


def _url_part(url: str, unsafe: str) -> str:
    return "".join(url_quote(c, safe="") if c in unsafe else c for c in url)


@dataclass(frozen=True)
class Kind:
    default: str
    escape: Callable[[str], str] | None      # None: HTML autoescape
    link: Callable[[str | None, str], str]
    quote: Callable[[str], str]


def _html_link(url: str | None, text: str) -> Markup:
    url = web_url(url)
    return Markup(f'<a href="{html_escape(url)}">{html_escape(text)}</a>') if url else html_escape(text)


def _slack_link(url: str | None, text: str) -> Markup:
    url = web_url(url)
    return Markup(f"<{slack_escape(_url_part(url, '|<> '))}|{slack_escape(text)}>" if url else slack_escape(text))


def _discord_link(url: str | None, text: str) -> Markup:
    url = web_url(url)
    return Markup(f"[{discord_escape(text)}]({_url_part(url, '()<> ')})" if url else discord_escape(text))


def _text_link(url: str | None, text: str) -> Markup:
    url = web_url(url)
    return Markup(f"{text} ({url})" if url else text)


def _quoted(prefix: str, escape: Callable[[str], str]) -> Callable[[str], Markup]:
    return lambda text: Markup("\n".join(prefix + escape(line) for line in str(text).split("\n")))


def text_kind(escape: Callable[[str], str]) -> Kind:
    """The plain-text kind with every value passed through `escape` (Apprise: per service, see its notifier)."""
    def link(url: str | None, text: str) -> Markup:
        url = web_url(url)
        return Markup(f"{escape(text)} ({url})" if url else escape(text))
    return Kind("text.j2", escape, link, _quoted("> ", escape))


KINDS = {
    "telegram": Kind("telegram.html.j2", None, _html_link,
                     lambda text: Markup(f"<blockquote>{html_escape(text)}</blockquote>")),
    "slack": Kind("slack.mrkdwn.j2", slack_escape, _slack_link, _quoted("> ", slack_escape)),
    "discord": Kind("discord.md.j2", discord_escape, _discord_link, _quoted("> ", discord_escape)),
    "text": Kind("text.j2", str, _text_link, _quoted("> ", str)),
}


def hashtag(tag: str) -> str:
    return "#" + (re.sub(r"\W+", "_", str(tag)).strip("_") or "tag")


def _human_time(iso: str | None) -> str | None:
    if not iso:
        return None
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return one_line(iso)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _member(m: dict[str, Any]) -> dict[str, Any]:
    severity = str(m.get("severity") or "info")
    return {"title": one_line(m.get("title")) or "(no title)", "url": web_url(m.get("url")),
            "severity": severity, "severity_icon": SEVERITY_ICONS.get(severity, ""),
            "rule_title": one_line(m.get("rule_title")), "rule_id": m.get("rule_id"),
            "source": one_line(m.get("source_id")), "published": _human_time(m.get("published")),
            "explanation": one_line(m.get("explanation")),
            "reported_by": [one_line(s) for s in m.get("reported_by") or []]}   # filled at send time


def alert_context(alert: Alert, channel_id: str = "") -> dict[str, Any]:
    """What a template sees. Lists are de-duplicated; reported_by leaves out the alert's own source."""
    regions = list(dict.fromkeys(getattr(alert, "regions", None) or []))
    topics = list(dict.fromkeys(getattr(alert, "topics", None) or []))
    reported = [s for s in dict.fromkeys(getattr(alert, "reported_by", None) or []) if s and s != alert.source_id]
    severity = alert.severity or "info"
    return {
        "alert": alert, "alert_id": alert.id, "channel_id": channel_id,
        "title": one_line(alert.title) or "(no title)", "url": web_url(alert.url), "source": one_line(alert.source_id),
        "published": _human_time(alert.published), "published_iso": alert.published,
        "severity": severity, "severity_label": severity.upper(), "severity_icon": SEVERITY_ICONS.get(severity, ""),
        "rule_id": alert.rule_id, "rule_title": one_line(alert.rule_title),
        "explanation": one_line(alert.explanation()),
        "summary": clip(multiline(alert.summary), SUMMARY_MAX), "matched": alert.matched_words(),
        "countries": list(getattr(alert, "countries", None) or []), "regions": regions, "topics": topics,
        "tags": list(dict.fromkeys(regions + topics)), "reported_by": reported,
        "digest": [_member(m) for m in (getattr(alert, "digest_of", None) or [])],
    }


def _finalize(escape: Callable[[str], str] | None) -> Callable[[object], object]:
    def finalize(value: object) -> object:
        if value is None:
            return ""
        if escape is None or isinstance(value, Markup):
            return value if escape is None else str(value)
        return escape(str(value))
    return finalize


def _environment(spec: Kind, override_dir: Path | None) -> jinja2.Environment:
    loaders = [jinja2.FileSystemLoader(str(override_dir))] if override_dir else []
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders + [jinja2.PackageLoader(*TEMPLATES)]),
                             undefined=jinja2.StrictUndefined, autoescape=spec.escape is None,
                             finalize=_finalize(spec.escape), trim_blocks=True, lstrip_blocks=True)
    env.globals["link"] = spec.link
    env.filters.update(quote=spec.quote, hashtag=hashtag, clip=clip)
    return env


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _template_line(exc: BaseException, filename: str | None) -> int | None:
    line, tb = getattr(exc, "lineno", None), exc.__traceback__
    while tb is not None:
        if filename and tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class AlertTemplate:
    """A compiled template of one kind. An override that fails on some alert falls back to the default."""

    def __init__(self, kind: str, path: str | Path | None = None, escape: Callable[[str], str] | None = None):
        if kind not in KINDS:
            raise ValueError(f"unknown template kind {kind!r} (known: {', '.join(KINDS)})")
        if escape is not None and kind != "text":
            raise ValueError("only the text kind takes its own escape function")
        self.kind = kind
        self._spec = text_kind(escape) if escape is not None else KINDS[kind]
        self.path = Path(path).expanduser().resolve() if path else None
        self._default = _environment(self._spec, None).get_template(self._spec.default)
        self._template = self._load() if self.path else self._default
        for sample in (sample_alert(), sample_alert(digest=True)):
            self._check(sample)

    def __repr__(self) -> str:
        return f"AlertTemplate({self.kind!r}, {str(self.path) if self.path else 'default'!r})"

    @property
    def name(self) -> str:
        return str(self.path) if self.path else f"default {self.kind} template"

    def _load(self) -> jinja2.Template:
        assert self.path is not None
        if not self.path.is_file():
            raise TemplateError(f"{self.path}: template file not found")
        try:
            return _environment(self._spec, self.path.parent).get_template(self.path.name)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{self.path}:{exc.lineno}: template syntax error: {exc.message}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise TemplateError(f"{self.path}: cannot read template ({exc})") from None

    def _check(self, alert: Alert) -> None:
        try:
            self._template.render(alert_context(alert, "check"))
        except Exception as exc:  # noqa: BLE001 - any failure of an operator's template is reported, pointed
            line = _template_line(exc, self._template.filename)
            where = f"{self.name}:{line}" if line else self.name
            raise TemplateError(f"{where}: template fails on a sample alert: {type(exc).__name__}: {exc}") from None

    def render(self, alert: Alert, channel_id: str = "") -> str:
        context = alert_context(alert, channel_id)
        if self._template is not self._default:
            try:
                return _tidy(self._template.render(context))
            except Exception as exc:  # noqa: BLE001 - never lose an alert to a template bug
                log.warning(fields("template_render_failed", channel_id=channel_id, alert_id=alert.id,
                                   template=self.name, error=f"{type(exc).__name__}: {exc}"))
        return _tidy(self._default.render(context))


def load_template(kind: str, path: str | Path | None = None,
                  escape: Callable[[str], str] | None = None) -> AlertTemplate:
    """Compile and check a template (the kind's default when `path` is None). Raises TemplateError.
    `escape`: for the text kind, what every value goes through (default: nothing)."""
    return AlertTemplate(kind, path, escape)


def sample_alert(digest: bool = False) -> Alert:
    """An alert with every field set, for checking templates."""
    evidence = [Evidence(clause="when.all[0]", kind="actor", matched="Lavrov", field="title", start=0, end=6,
                         detail="Sergey Lavrov (RU official)")]
    members = [{"id": "a1", "rule_id": "sample", "rule_title": "Sample rule", "severity": "high",
                "title": "Sample <title> & more", "url": "https://example.org/a?x=1&y=2",
                "published": "2024-05-01T10:00:00+00:00", "source_id": "sample-feed", "explanation": "actor: x"}]
    return Alert(id="sample", rule_id="sample", rule_title="Sample rule", severity="high", item_id="sample-item",
                 source_id="sample-feed", title="Sample <title> & more", url="https://example.org/a?x=1&y=2",
                 published="2024-05-01T10:00:00+00:00", summary="First line.\nSecond line.", evidence=evidence,
                 channels=["check"], story_id="story", countries=["ML"], regions=["sahel"], topics=["visit"],
                 reported_by=["other-feed"], digest_of=members if digest else [])
