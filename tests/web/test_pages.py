"""The pages, rendered on the server: every text from a feed escaped (a title with <script> is text), the
evidence marked by role, the search page's facets narrowing the search, the item and status pages."""
from __future__ import annotations

from tests.web.conftest import HOSTILE


def test_alerts_page_escapes_the_title_and_marks_the_evidence_by_role(desk_setup):
    client, _, alert, _ = desk_setup
    with client() as c:
        html = c.get("/alerts").text
    assert "<script>window.__pwned" not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert '<mark class="ev role-who" title="who: Sergey Lavrov (RU official)">Lavrov</mark>' in html
    assert '<mark class="ev role-where" title="where: Bamako (capital, ML, sahel)">Bamako</mark>' in html
    assert '<mark class="ev role-what" title="what: visit, happened (lands)">lands</mark>' in html
    assert f'id="alert-{alert.id}"' in html and 'class="status status-sent">sent<' in html


def test_search_page_lists_hits_and_facets_that_narrow(desk_setup):
    client, items, _, _ = desk_setup
    with client() as c:
        html = c.get("/search", params={"q": "lavrov"}).text
        assert html.count('class="hit"') == 3 and "&lt;script&gt;" in html and "<script>window" not in html
        assert '<a href="/search?q=lavrov&amp;country=ML">ML</a> <span class="n">2</span>' in html
        narrowed = c.get("/search", params={"q": "lavrov", "country": "ML"}).text
        assert narrowed.count('class="hit"') == 2
        assert "unbalanced quote" in c.get("/search", params={"q": '"lavrov'}).text


def test_item_and_status_pages(desk_setup):
    client, items, _, state = desk_setup
    state.record_failure("wire", "HTTP 503 <b>busy</b>", interval=60, backoff_max=600)
    with client() as c:
        item = c.get(f"/items/{items[0].id}").text
        assert "&lt;script&gt;" in item and "lavrov-bamako" in item and "diplomacy/visit" in item
        assert c.get("/items/nope").status_code == 404
        status = c.get("/status").text
        assert '<a href="/sources">the sources page</a>' in status and "1 sources, 1 failing" in status
        assert 'href="/rules"' in status                        # the rules: their own page
        assert "lavrov-bamako" in c.get("/rules").text
        sources = c.get("/sources").text   # the sources' health moved to its own page (web.sources)
        assert "HTTP 503 &lt;b&gt;busy&lt;/b&gt;" in sources and "<b>busy" not in sources
        assert c.get("/static/desk.js").status_code == 200
        assert "default-src 'self'" in c.get("/alerts").headers["content-security-policy"]


def test_an_event_conditions_spans_are_marked_what_who_where(tmp_path):
    """The founding rule is an `event:` condition: its evidence, as the real matcher gives it for a real
    report (Sputnik's headline), is marked by role: the cue what, the participant who, the place where."""
    from pathlib import Path
    from alerts.rules.loader import parse_rule_file
    from alerts.rules.matcher import RuleMatcher
    from newswatch.classify.classifier import Classifier
    from newswatch.model.item import Item
    from web.views import pieces
    root = Path(__file__).resolve().parents[2]
    classifier = Classifier.from_config_dir(root / "newswatch" / "classify" / "data", cache_dir=tmp_path)
    rules, issues = parse_rule_file(root / "config" / "rules" / "sahel.yaml")
    assert not issues
    title = "Russian Foreign Minister Lavrov Arrives in Mali"
    item = Item(source_id="sputnik", title=title, text="").finish()
    item.facts = classifier.classify(item.title, item.text, declared_lang="en")
    [match] = RuleMatcher(rules, tables=classifier.tables).match(item)
    evidence = [{"kind": e.kind, "matched": e.matched, "field": e.field, "start": e.start, "end": e.end,
                 "detail": e.detail} for e in match.evidence]
    marked = [(p.text, p.role) for p in pieces(title, evidence, "title") if p.role]
    assert marked == [("Lavrov", "who"), ("Arrives", "what"), ("Mali", "where")], marked
