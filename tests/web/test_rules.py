"""Issue 15: the rules page and the rule tester, in-process against the real Redis and archive (both
backends): a draft run over the archive's last days (matches with evidence by role, near misses with the
clause that failed), over a pasted text and over a feed served on 127.0.0.1 (the service's fetcher and
parser); invalid drafts answered with line and key as `newswatch check`; saves checked, atomic, into the
rule's own file or a new file a `rules:` glob picks up; writes need the editor role and the CSRF token."""
from __future__ import annotations

import yaml
from fastapi.testclient import TestClient

from newswatch.archive.database import Archive
from tests.support.http_server import LocalHTTPServer
from tests.web.conftest import PASSWORDS, auth_section, write_config
from web.app import create_app
from web.auth import Auth
from web.desk import Desk
from workers.registry import load_config, registry

RULE = """- id: lavrov-mali
  title: Lavrov and Mali
  severity: high
  when:
    all:
      - keywords: [Lavrov]
      - keywords: [Mali]
  notify: [desk-email]
"""
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://x/</link><description>d</description>
<item><title>Lavrov flies to Mali</title><link>http://x/1</link><description>The minister lands in Bamako.</description></item>
<item><title>Lavrov in Paris</title><link>http://x/2</link><description>Talks in France.</description></item>
</channel></rss>"""


def app_client(tmp_path, redis_url, key_prefix, archive_url, globbed: bool = False, web: dict | None = None):
    """The desk as `python -m web serve` builds it: the Registry's input reader handed to the Desk."""
    path = write_config(tmp_path, redis_url, key_prefix, archive_url, web)
    if globbed:
        data = yaml.safe_load(path.read_text())
        data["rules"] = ["rules.yaml", "rules/*.yaml"]
        path.write_text(yaml.safe_dump(data))
    config = load_config(path, dry_run=True)
    desk = Desk(config, redis_url, read_input=registry().read_input)
    return TestClient(create_app(desk, Auth(config.settings.web.auth)), follow_redirects=False)


def csrf(c: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": c.get("/api/me").json()["csrf_token"]}


def test_the_rules_page_lists_each_rule_with_its_file_errors_and_alerts(desk_setup, tmp_path):
    client, _, _, _ = desk_setup
    c = client()
    body = c.get("/rules").text
    assert str(tmp_path / "rules.yaml") in body and "lavrov-bamako" in body
    assert '<td class="m24">1</td><td class="m7">1</td>' in body     # the seeded alert, 12 h old
    assert 'href="/rules/test?rule=lavrov-bamako"' in body
    assert 'href="/rules"' in c.get("/status").text                  # /status links the page
    (tmp_path / "rules.yaml").write_text(RULE.replace("desk-email", "desk-mail"))
    broken = c.get("/rules").text
    assert "unknown channel &#39;desk-mail&#39;" in broken and ":8:" in broken   # as `newswatch check`, with its line


def test_a_draft_over_the_archive_gives_matches_and_a_near_miss_with_its_failing_clause(desk_setup):
    client, items, _, _ = desk_setup
    c = client()
    r = c.post("/api/rules/test", json={"rule": RULE, "over": "archive", "days": 7}, headers=csrf(c))
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["scanned"], out["matched"], out["near"], out["stopped"]) == (2, 1, 1, None)
    [match] = out["matches"]
    assert match["item_id"] == items[0].id
    kinds = {(e["kind"], e["matched"]) for e in match["matches"][0]["evidence"]}
    assert {("keywords", "Lavrov"), ("keywords", "Mali")} <= kinds
    [near] = out["near_misses"]
    assert near["title"] == "Lavrov in Moscow talks"
    assert near["near_misses"] == [{"rule": "lavrov-mali", "failed": [near["near_misses"][0]["failed"][0]]}]
    assert near["near_misses"][0]["failed"][0].startswith("when.all[1].keywords")
    wider = c.post("/api/rules/test", json={"rule": RULE, "days": 60}, headers=csrf(c)).json()
    assert (wider["scanned"], wider["matched"]) == (3, 2)          # the 30-day-old visit too


def test_the_page_shows_evidence_by_role_escaped_and_the_near_miss(desk_setup):
    client, _, _, _ = desk_setup
    c = client()
    page = c.get("/rules/test?rule=lavrov-bamako").text
    assert "- id: lavrov-bamako" in page                             # prefilled from its file
    token = c.get("/api/me").json()["csrf_token"]
    r = c.post("/rules/test", data={"rule": RULE, "over": "archive", "days": "7", "csrf_token": token})
    assert r.status_code == 200
    assert '<mark class="ev role-what" title="what: Lavrov">Lavrov</mark>' in r.text
    assert "&lt;script&gt;window.__pwned" in r.text and "<script>window" not in r.text
    assert "when.all[1].keywords" in r.text
    assert c.post("/rules/test", data={"rule": RULE, "over": "archive"}).status_code == 403   # no CSRF token


def test_an_invalid_draft_is_answered_with_line_and_key_as_check_does(desk_setup):
    client, _, _, _ = desk_setup
    c = client()
    bad = RULE.replace("[Mali]", "[Mali]\n      - country: MLI")
    r = c.post("/api/rules/test", json={"rule": bad}, headers=csrf(c))
    assert r.status_code == 422
    [error] = r.json()["detail"]["errors"]
    assert (error["line"], error["key"]) == (8, "[0].when.all[2].country")
    assert error["text"] == "rule:8: [0].when.all[2].country: unknown country code 'MLI' (did you mean 'ML' (Mali)?)"
    r = c.post("/api/rules/test", json={"rule": "- id: x\n  title: [unclosed"}, headers=csrf(c))
    assert r.status_code == 422, r.text
    [syntax] = r.json()["detail"]["errors"]
    assert syntax["line"] in (2, 3) and syntax["text"].startswith(f"rule:{syntax['line']}: "), syntax
    token = c.get("/api/me").json()["csrf_token"]
    page = c.post("/rules/test", data={"rule": bad, "csrf_token": token})
    assert page.status_code == 422 and "line 8" in page.text and "[0].when.all[2].country" in page.text


def test_a_pasted_text_is_classified_and_matched(desk_setup):
    client, _, _, _ = desk_setup
    c = client()
    rule = RULE.replace("- keywords: [Mali]", "- country: ML")
    text = "Lavrov lands in Bamako\nThe Russian foreign minister arrived in Mali on Monday."
    out = c.post("/api/rules/test", json={"rule": rule, "over": "text", "text": text}, headers=csrf(c)).json()
    assert out["matched"] == 1
    assert ("country", "Bamako") in {(e["kind"], e["matched"]) for e in out["matches"][0]["matches"][0]["evidence"]}
    empty = c.post("/api/rules/test", json={"rule": rule, "over": "text", "text": "  "}, headers=csrf(c))
    assert empty.status_code == 400 and "paste a text" in empty.json()["detail"]


def test_a_feed_url_is_read_with_the_services_fetcher_bounded(tmp_path, redis_url, key_prefix, archive_url):
    Archive(archive_url).close()
    c = app_client(tmp_path, redis_url, key_prefix, archive_url)
    with LocalHTTPServer() as http:
        http.feed("/feed.xml", FEED)
        out = c.post("/api/rules/test", json={"rule": RULE, "over": "url", "url": http.url("/feed.xml")},
                     headers=csrf(c)).json()
        assert (out["scanned"], out["matched"], out["near"]) == (2, 1, 1)
        assert out["matches"][0]["title"] == "Lavrov flies to Mali"
        missing = c.post("/api/rules/test", json={"rule": RULE, "over": "url", "url": http.url("/nothing.xml")},
                         headers=csrf(c))
        assert missing.status_code == 400 and "404" in missing.json()["detail"]
    local = c.post("/api/rules/test", json={"rule": RULE, "over": "url", "url": "/etc/passwd"}, headers=csrf(c))
    assert local.status_code == 400 and "not an http(s) URL" in local.json()["detail"]


def test_a_viewer_may_test_but_not_read_urls_nor_save(tmp_path, redis_url, key_prefix, archive_url):
    Archive(archive_url).close()
    c = app_client(tmp_path, redis_url, key_prefix, archive_url, web={"auth": auth_section(tmp_path)})
    csrf_token = c.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]   # the client keeps the cookie
    assert c.post("/login", data={"username": "bo", "password": PASSWORDS["bo"], "csrf_token": csrf_token}).status_code == 303
    h = csrf(c)
    assert c.post("/api/rules/test", json={"rule": RULE}, headers=h).status_code == 200
    url = c.post("/api/rules/test", json={"rule": RULE, "over": "url", "url": "http://127.0.0.1:9/x"}, headers=h)
    assert url.status_code == 403 and "editor" in url.json()["detail"]
    assert c.put("/api/rules/lavrov-mali", json={"rule": RULE}, headers=h).status_code == 403


def test_saving_replaces_the_rules_own_lines_and_keeps_the_rest(desk_setup, tmp_path):
    client, _, _, _ = desk_setup
    c = client()
    other = "# the second rule stays as written\n- id: other\n  title: Other\n  when: {keywords: [Niger]}\n  notify: [desk-email]\n"
    (tmp_path / "rules.yaml").write_text(c.get("/rules/test?rule=lavrov-bamako").text.split(
        'required>')[1].split("</textarea>")[0] + other)
    draft = RULE.replace("lavrov-mali", "lavrov-bamako")
    r = c.put("/api/rules/lavrov-bamako", json={"rule": draft}, headers=csrf(c))
    assert r.status_code == 200, r.text
    assert r.json() == {"id": "lavrov-bamako", "file": str(tmp_path / "rules.yaml"), "created": False}
    assert (tmp_path / "rules.yaml").read_text() == draft + other
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".saving")] == []
    clash = c.put("/api/rules/lavrov-bamako", json={"rule": draft.replace("desk-email", "nowhere")}, headers=csrf(c))
    assert clash.status_code == 422 and "unknown channel 'nowhere'" in clash.text
    assert (tmp_path / "rules.yaml").read_text() == draft + other       # nothing written
    wrong = c.put("/api/rules/someone-else", json={"rule": draft}, headers=csrf(c))
    assert wrong.status_code == 400 and "not 'someone-else'" in wrong.json()["detail"]
    assert c.put("/api/rules/lavrov-bamako", json={"rule": draft}).status_code == 403    # no CSRF token


def test_a_new_rule_goes_where_a_rules_glob_picks_it_up(tmp_path, redis_url, key_prefix, archive_url, desk_setup):
    client, _, _, _ = desk_setup
    plain = client()
    refused = plain.put("/api/rules/lavrov-mali", json={"rule": RULE}, headers=csrf(plain))
    assert refused.status_code == 422 and "rules/*.yaml" in refused.text
    c = app_client(tmp_path, redis_url, key_prefix, archive_url, globbed=True)
    token = c.get("/api/me").json()["csrf_token"]
    r = c.post("/rules/save", data={"rule": RULE, "csrf_token": token})
    assert r.status_code == 200 and 'id="saved"' in r.text
    assert (tmp_path / "rules" / "lavrov-mali.yaml").read_text() == RULE
    assert "lavrov-mali" in c.get("/rules").text
    dup = c.put("/api/rules/lavrov-bamako", json={"rule": RULE.replace("lavrov-mali", "lavrov-bamako")},
                headers=csrf(c))
    assert dup.status_code == 200                                           # an existing id: its own file
    assert "lavrov-bamako" not in {p.stem for p in (tmp_path / "rules").iterdir()}
