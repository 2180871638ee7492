"""The default templates rendered with the seed alert (real text), escaping per format, overrides and their errors."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from alerts.templating import (KINDS, TemplateError, alert_context, discord_escape, load_template, sample_alert,
                               slack_escape)
from alerts.notifiers.options import TEMPLATE_VARIABLES
from workers.registry import load_config
from newswatch.config.yamlconf import ConfigError
from tests.support.chat_apis import seed_alert, telegram_html_text

NASTY_TITLE = 'Lavrov in Bamako: <b>"talks"</b> & *deals* _now_ @everyone'
LINK = "https://example.com/news/42?a=1&b=2"


def render(kind: str, **overrides) -> str:
    return load_template(kind).render(seed_alert(**overrides), "chat")


def test_context_names_match_what_config_allows():
    assert set(alert_context(seed_alert())) | {"link"} == TEMPLATE_VARIABLES


def test_telegram_default_with_the_seed_alert():
    text = render("telegram")
    lines = text.splitlines()
    assert lines[0] == "🟠 <b>HIGH</b> · Russian official visits a Sahel capital"
    assert lines[1] == ('<b><a href="https://t.me/The_International_Affairs/1234">'
                        "Russian Foreign Minister Sergei Lavrov in Bamako (AFP).</a></b>")
    assert "<b>Why:</b> actor: Sergey Lavrov (RU official) · place: Bamako (capital, ML, sahel)" in text
    assert "<b>Source:</b> intl-affairs-tg · 2023-02-07 09:30 UTC" in text
    assert "<b>Also reported by:</b> asharq-al-awsat, reuters-africa" in text
    assert "<b>Tags:</b> #sahel #west_africa #visit" in text
    assert "<blockquote>Russia is stepping up its policy in West Africa" in text
    assert "&#39;" not in text.split("<blockquote>")[0]   # no apostrophes above the quote
    telegram_html_text(text)   # Telegram would accept it: known tags, closed, entities escaped


def test_telegram_escapes_title_and_link():
    text = render("telegram", title=NASTY_TITLE, url=LINK)
    assert ('<a href="https://example.com/news/42?a=1&amp;b=2">Lavrov in Bamako: &lt;b&gt;&#34;talks&#34;'
            "&lt;/b&gt; &amp; *deals* _now_ @everyone</a>") in text
    assert NASTY_TITLE in telegram_html_text(text)   # what the reader sees: the title as it was


def test_slack_default_escapes_mrkdwn():
    text = render("slack", title=NASTY_TITLE, url=LINK)
    assert text.splitlines()[0] == "🟠 *HIGH* · Russian official visits a Sahel capital"
    assert ("*<https://example.com/news/42?a=1&amp;b=2|Lavrov in Bamako: &lt;b&gt;\"talks\"&lt;/b&gt; &amp; "
            "*deals* _now_ @everyone>*") in text
    assert "*Also reported by:* asharq-al-awsat, reuters-africa" in text
    assert "*Tags:* sahel · west-africa · visit" in text
    assert "\n> Russia is stepping up" in text
    assert re.search(r"<(?!https://example\.com)[^|>]*>", text) is None   # the only <...> is the link


def test_discord_default_escapes_markdown():
    text = render("discord", title=NASTY_TITLE, url=LINK)
    assert ("**[Lavrov in Bamako: \\<b>\"talks\"\\</b> & \\*deals\\* \\_now\\_ @everyone]"
            "(https://example.com/news/42?a=1&b=2)**") in text
    assert "**Why:** actor: Sergey Lavrov (RU official)" in text
    assert "**Source:** intl-affairs-tg · 2023-02-07 09:30 UTC" in text
    assert "\n> Russia is stepping up" in text


def test_text_default_is_plain():
    text = render("text", title=NASTY_TITLE, url=LINK)
    assert text.splitlines()[:3] == ["[HIGH] Russian official visits a Sahel capital", NASTY_TITLE, LINK]
    assert "Also reported by: asharq-al-awsat, reuters-africa" in text


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_non_web_links_are_never_linked(kind):
    text = render(kind, url='javascript:alert("x")')
    assert "javascript" not in text


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_missing_fields_render_without_holes(kind):
    text = render(kind, url=None, published=None, reported_by=[], regions=[], topics=[], summary="")
    assert "None" not in text and "Also reported by" not in text and "Tags" not in text
    assert "Russian Foreign Minister Sergei Lavrov in Bamako" in text


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_digest_lists_every_member(kind):
    members = [{"id": f"a{n}", "rule_id": "r", "rule_title": "Rule", "severity": "high", "title": f"Story <{n}>",
                "url": f"https://example.org/{n}", "published": None, "source_id": "feed", "explanation": "why"}
               for n in range(3)]
    alert = sample_alert()
    alert.digest_of = members
    text = load_template(kind).render(alert)
    assert "Digest: 3 alerts" in text
    for n in range(3):
        assert f"https://example.org/{n}" in text
    assert "Story <0>" not in text if kind != "text" else "Story <0>" in text


def test_escapers():
    assert slack_escape("a<b>&c") == "a&lt;b&gt;&amp;c"
    assert discord_escape("# h\n- x *y* [z](w)") == "\\# h\n\\- x \\*y\\* \\[z\\](w)"


# --- overrides ---------------------------------------------------------------

def test_override_template_is_used(tmp_path):
    path = tmp_path / "mine.html.j2"
    path.write_text("<b>{{ title }}</b> — {{ link(url, 'read') }} {{ severity_icon }}\n")
    text = load_template("telegram", path).render(seed_alert(title="A & B"), "chat")
    assert text == '<b>A &amp; B</b> — <a href="https://t.me/The_International_Affairs/1234">read</a> 🟠'


def test_broken_override_names_file_and_line(tmp_path):
    path = tmp_path / "broken.j2"
    path.write_text("ok\n{{ title }}\n{% endfor %}\nmore\n")
    with pytest.raises(TemplateError, match=r"broken\.j2:3: template syntax error: Encountered unknown tag 'endfor'"):
        load_template("slack", path)


def test_unknown_variable_is_caught_at_load(tmp_path):
    path = tmp_path / "typo.j2"
    path.write_text("line one\n{{ titel }}\n")
    with pytest.raises(TemplateError, match=r"typo\.j2:2: template fails on a sample alert: "
                                            r"UndefinedError: 'titel' is undefined"):
        load_template("discord", path)


def test_missing_override_file(tmp_path):
    with pytest.raises(TemplateError, match="template file not found"):
        load_template("text", tmp_path / "nope.j2")


def test_override_failing_on_one_alert_falls_back_to_default(tmp_path, caplog):
    path = tmp_path / "fragile.j2"
    path.write_text("{{ title }} first reporter: {{ reported_by[0] }}\n")
    template = load_template("text", path)   # the sample alert has a reporter: loads fine
    with caplog.at_level(logging.WARNING, logger="alerts.templating"):
        text = template.render(seed_alert(reported_by=[]), "chat")
    assert text.startswith("[HIGH] Russian official visits a Sahel capital")   # the default, alert not lost
    assert "template_render_failed" in caplog.text and "fragile.j2" in caplog.text


def test_config_resolves_template_relative_to_the_config_file(tmp_path):
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "short.j2").write_text("{{ title }}\n")
    (tmp_path / "c.yaml").write_text(
        "channels:\n  - {id: hook, type: webhook, url: 'http://127.0.0.1:9/x', template: tpl/short.j2}\n"
        "rules: []\n")
    config = load_config(tmp_path / "c.yaml")
    assert Path(config.channel("hook").template) == (tmp_path / "tpl" / "short.j2").resolve()


def test_config_refuses_unknown_template_variable(tmp_path):
    (tmp_path / "t.j2").write_text("{{ title }}\n{{ sevrity }}\n")
    (tmp_path / "c.yaml").write_text(
        "channels:\n  - {id: hook, type: webhook, url: 'http://127.0.0.1:9/x', template: t.j2}\nrules: []\n")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "c.yaml")
    [issue] = err.value.issues
    assert (issue.line, issue.key) == (2, "channels[0].template")
    assert issue.message.startswith("template 't.j2': unknown variable 'sevrity' (known: alert, alert_id,")
