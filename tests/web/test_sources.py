"""The sources page and its API (issue 15): health on /sources (moved from /status, which links to it); add,
edit, disable, enable and OPML import/export for editors only, with the CSRF token; bad input is a 4xx that
names the key; what is saved is what `newswatch check` reads."""
from __future__ import annotations

import yaml

from newswatch.config.opml import parse_opml
from tests.support.opml_feeds import opml_of_real_feeds
from tests.web.conftest import PASSWORDS, TOKEN, auth_section
from tests.web.test_access import login
from workers.cli import main

NEW = {"id": "dawn", "type": "rss", "url": "https://www.dawn.com/feeds/world", "interval": "10m", "tags": ["asia"]}


def test_an_editor_adds_edits_disables_and_enables_a_source_by_the_api(desk_setup, tmp_path, capsys, monkeypatch):
    client, _, _, _ = desk_setup
    with client({"auth": auth_section(tmp_path)}) as c:
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert c.post("/api/sources", json=NEW, headers=bearer).json()["interval"] == 600
        assert c.post("/api/sources", json=NEW, headers=bearer).status_code == 409
        bad = c.post("/api/sources", json={**NEW, "id": "x", "url": "gopher://a", "lang": 3}, headers=bearer)
        assert bad.status_code == 422 and "sources.local.yaml" in bad.json()["detail"]
        assert "sources[1].lang" in bad.json()["detail"]
        assert c.put("/api/sources/dawn", json={**NEW, "interval": "1h"}, headers=bearer).json()["interval"] == 3600
        assert c.put("/api/sources/nope", json=NEW, headers=bearer).status_code == 422     # ids do not change
        missing = c.put("/api/sources/nope", json={**NEW, "id": "nope"}, headers=bearer)
        assert missing.status_code == 404 and "no source 'nope'" in missing.json()["detail"]
        assert c.post("/api/sources/wire/disable", headers=bearer).json()["enabled"] is False
        health = c.get("/api/sources", headers=bearer).json()["sources"]
        assert set(health) == {"wire", "dawn"} and health["wire"]["enabled"] is False
        rows = {r["id"]: r for r in c.get("/api/sources/settings", headers=bearer).json()["sources"]}
        assert rows["wire"]["origin"] == "edited" and rows["dawn"]["origin"] == "local"
        assert c.post("/api/sources/wire/enable", headers=bearer).json()["enabled"] is True
        exported = c.get("/api/sources/export", headers=bearer)
        assert exported.headers["content-type"].startswith("text/x-opml")
        assert {f.url for f in parse_opml(exported.content)} == {"http://127.0.0.1:9/feed.xml", NEW["url"]}
    monkeypatch.setenv("UNSET_IN_THIS_TEST", "smtp-password")   # the channel's password, for check
    assert main(["check", "-c", str(tmp_path / "newswatch.yaml")]) == 0, capsys.readouterr().err
    assert "2 sources" in capsys.readouterr().out
    saved = yaml.safe_load((tmp_path / "sources.local.yaml").read_text())["sources"]
    assert [s["id"] for s in saved] == ["dawn", "wire"]


def test_a_viewer_cannot_change_sources_and_an_editor_needs_the_csrf_token(desk_setup, tmp_path):
    client, _, _, _ = desk_setup
    with client({"auth": auth_section(tmp_path)}) as c:
        login(c, "bo", PASSWORDS["bo"])
        csrf = c.get("/api/me").json()["csrf_token"]
        assert c.post("/api/sources", json=NEW, headers={"X-CSRF-Token": csrf}).status_code == 403
        assert c.post("/sources/wire/disable", data={"csrf_token": csrf}).status_code == 403
        assert "Add source" not in c.get("/sources").text and "wire" in c.get("/sources").text
        login(c, "ana", PASSWORDS["ana"])
        csrf = c.get("/api/me").json()["csrf_token"]
        assert c.post("/api/sources", json=NEW).status_code == 403                   # no CSRF token
        assert c.post("/sources/wire/disable", data={}).status_code == 403
        assert not (tmp_path / "sources.local.yaml").exists()
        assert c.post("/api/sources", json=NEW, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_the_page_adds_edits_toggles_and_imports_with_clear_problems(desk_setup, tmp_path, data_dir):
    client, _, _, state = desk_setup
    state.record_failure("wire", "HTTP 500 <i>oops</i>", interval=60, backoff_max=600)
    with client() as c:
        html = c.get("/sources").text
        csrf = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        assert "HTTP 500 &lt;i&gt;oops&lt;/i&gt;" in html and "<i>oops" not in html
        assert '<a href="/sources">Sources</a>' in html
        form = {"csrf_token": csrf, "id": "dawn", "url": NEW["url"], "interval": "10m", "tags": "asia, pk"}
        added = c.post("/sources/add", data=form)
        assert added.status_code == 303 and "added+dawn" in added.headers["location"]
        assert "2 sources, 1 failing" in c.get("/status").text   # /status reads the sources in force too
        refused = c.post("/sources/add", data={**form, "id": "other", "interval": "often"})
        problem = c.get(refused.headers["location"]).text
        assert "sources[1].interval: bad duration" in problem
        assert c.post("/sources/dawn/edit", data={"csrf_token": csrf, "url": NEW["url"] + "2"}).status_code == 303
        assert c.post("/sources/dawn/disable", data={"csrf_token": csrf}).status_code == 303
        page = c.get("/sources").text
        assert 'id="source-dawn"' in page and NEW["url"] + "2" in page and "(disabled)" in page
        opml = opml_of_real_feeds(data_dir, lambda n, name: f"http://127.0.0.1:9/{n}/{name}", 50)
        done = c.post("/sources/import", data={"csrf_token": csrf, "interval": "1h"},
                      files={"file": ("feeds.opml", opml, "text/x-opml")})
        assert "imported+50+sources%2C+skipped+0" in done.headers["location"]
        assert c.get("/sources").text.count('class="source ') == 52
        again = c.post("/sources/import", data={"csrf_token": csrf}, files={"file": ("f.opml", opml, "text/xml")})
        assert "imported+0+sources%2C+skipped+50" in again.headers["location"]
        broken = c.post("/sources/import", data={"csrf_token": csrf}, files={"file": ("f.opml", b"<opml>", "text/xml")})
        assert "not+well-formed+XML" in broken.headers["location"]
        api = c.post("/api/sources/import", json={"opml": "<!DOCTYPE x><opml/>"}, headers={"X-CSRF-Token": csrf})
        assert api.status_code == 400 and "DOCTYPE is not allowed" in api.json()["detail"]
        assert len(parse_opml(c.get("/sources/export.opml").content)) == 52


def test_entries_the_desk_refuses_say_why_and_save_nothing(desk_setup, tmp_path):
    client, _, _, _ = desk_setup
    with client({"auth": auth_section(tmp_path)}) as c:
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        cases = [({"id": "f", "type": "rss", "path": "/etc/passwd"}, 422, "path: a local feed file"),
                 ({"id": "big", "type": "rss", "url": "https://x.example/" + "a" * 30_000}, 413, "more than 20000"),
                 ({"type": "rss", "url": "https://x.example/"}, 422, "id: required key is missing"),
                 ({"id": "no/slashes", "type": "rss", "url": "https://x.example/"}, 422, "sources[0].id")]
        for entry, status, message in cases:
            answer = c.post("/api/sources", json=entry, headers=bearer)
            assert answer.status_code == status and message in answer.json()["detail"], (entry, answer.text)
        assert not (tmp_path / "sources.local.yaml").exists()
        surrogate = c.post("/api/sources", content=b'{"id": "odd", "type": "rss", "url": "https://x.example/\\ud800"}',
                           headers={**bearer, "Content-Type": "application/json"})   # a lone surrogate, as JSON allows
        assert surrogate.status_code == 422 and "invalid YAML" in surrogate.json()["detail"]   # what check says
        assert not (tmp_path / "sources.local.yaml").exists()
