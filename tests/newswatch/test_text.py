"""html_to_text / clean_title / plain_text: what feed markup becomes."""
from __future__ import annotations

import pytest

from newswatch.text import clean_title, decode_leftover_entities, html_to_text, plain_text


@pytest.mark.parametrize(("html", "text"), [
    ("<p>One</p><p>Two</p>", "One\n\nTwo"),
    ("a<br>b", "a\nb"),
    ("a<br/><br/><br/><br/>b", "a\n\nb"),  # never more than one blank line
    ("<ul><li>one</li><li>two</li></ul>after", "one\ntwo\n\nafter"),
    ("<h2>Head</h2>body<blockquote>quote</blockquote>", "Head\n\nbody\n\nquote"),
    ("<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>", "1 2\n3"),
    ("<div><p>  Hello\n   world </p></div>", "Hello world"),
    ("<p>x</p>\n\n\n<p>y</p>", "x\n\ny"),
])
def test_block_elements_become_line_breaks(html, text):
    assert html_to_text(html) == text


@pytest.mark.parametrize(("html", "text"), [
    ("x<script>var a = 1 < 2; document.write('bad')</script>y", "xy"),
    ("<style>p { color: red }</style>Hi", "Hi"),
    ('<iframe src="https://ads.example">fallback text</iframe>ok', "ok"),
    ("<p>keep<!-- a comment --> this</p>", "keep this"),
    ('<img src="a.jpg" alt="an image">caption', "caption"),
])
def test_non_text_content_is_dropped(html, text):
    assert html_to_text(html) == text


@pytest.mark.parametrize(("html", "text"), [
    ("<p>Caf&eacute; &amp; bar &#8212; &#x2019;s</p>", "Café & bar — ’s"),
    ("<p>a&nbsp;&nbsp;b</p>", "a b"),
    ("<p>&apos;quoted&apos;</p>", "'quoted'"),  # not an HTML 4 entity; the second round gets it
    # double escaping, as feeds send it: the publisher escaped an escaped string
    ("<p>Don&amp;#8217;t stop &amp;amp; go</p>", "Don’t stop & go"),
    ("In Italia l&amp;#39;uomo", "In Italia l'uomo"),
    # well-formed references only: a bare ampersand and unknown names stay as they are
    ("<b>AT&T</b> &bogus; Q&amp;A", "AT&T &bogus; Q&A"),
    ("5 &lt; 6", "5 < 6"),
])
def test_entities_are_decoded_including_double_escaped_ones(html, text):
    assert html_to_text(html) == text


def test_triple_escaping_is_only_undone_twice():
    assert html_to_text("<p>&amp;amp;#8217;</p>") == "&#8217;"


@pytest.mark.parametrize(("plain", "text"), [
    ("Just a sentence.", "Just a sentence."),
    ("  padded\t\tand   spaced  ", "padded and spaced"),
    ("line one\nline two", "line one\nline two"),
    ("para one\n\n\n\n\npara two", "para one\n\npara two"),
    ("Tom &amp; Jerry", "Tom & Jerry"),
    ("AT&T and P&G", "AT&T and P&G"),
    ("Ünïcödé — “quotes” ‘too’", "Ünïcödé — “quotes” ‘too’"),
    ("a < b and c > d", "a < b and c > d"),  # a lone "<" is not a tag
])
def test_plain_text_comes_back_unchanged_but_for_white_space_and_entities(plain, text):
    assert html_to_text(plain) == text


def test_escaped_markup_in_plain_text_is_read_as_markup():
    assert html_to_text("&lt;p&gt;First&lt;/p&gt;&lt;p&gt;Second&lt;/p&gt;") == "First\n\nSecond"


def test_an_escaped_tag_named_in_text_stays_literal():
    assert html_to_text("Use the &lt;template&gt; element, or &lt;b&gt; for bold") == (
        "Use the <template> element, or <b> for bold")


@pytest.mark.parametrize("empty", [None, "", "   ", "<p></p>", "<!-- nothing -->", "<script>x()</script>"])
def test_empty_input_gives_empty_text(empty):
    assert html_to_text(empty) == ""


def test_private_use_break_marker_in_input_does_not_break_lines():
    assert html_to_text("a\ue000b <b>c</b>") == "ab c"


def test_large_real_world_fragment_keeps_paragraphs():
    paragraphs = [f"<p>Paragraph number {n} with <a href='/x'>a link</a>.</p>" for n in range(500)]
    text = html_to_text("<div>" + "\n".join(paragraphs) + "</div>")
    lines = text.split("\n\n")
    assert len(lines) == 500
    assert lines[0] == "Paragraph number 0 with a link."
    assert lines[-1] == "Paragraph number 499 with a link."


@pytest.mark.parametrize(("title", "expected"), [
    ("Plain title", "Plain title"),
    ("  Two\n   lines \n", "Two lines"),
    ("<b>Breaking:</b> news<br>here", "Breaking: news here"),
    ("Obama says there&#8217;s no evidence", "Obama says there’s no evidence"),
    ("Iran calls talks &quot;more constructive&quot;", 'Iran calls talks "more constructive"'),
    ("Don&amp;#8217;t", "Don’t"),
    ("<p>One</p><p>Two</p>", "One Two"),
    ("", ""),
    (None, ""),
])
def test_clean_title_is_one_line_of_text(title, expected):
    assert clean_title(title) == expected


def test_clean_title_declared_plain_keeps_angle_brackets():
    assert clean_title("Why a <b> tag & &amp;amp; matter", is_html=False) == "Why a <b> tag & &amp; matter"
    assert clean_title("Why a <b> tag matters") == "Why a tag matters"


def test_plain_text_keeps_markup_literal_and_lines():
    assert plain_text("if a<b then\n\n\nc&amp;d") == "if a<b then\n\nc&d"
    assert plain_text(None) == ""


def test_decode_leftover_entities_only_touches_well_formed_references():
    assert decode_leftover_entities("&#8217; &rsquo; &amp; & &bogus; &#xZZ;") == "’ ’ & & &bogus; &#xZZ;"
