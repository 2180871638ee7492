"""The desk's JSON API over the real Redis and archive (both backends): the alert log with its evidence,
explanation and deliveries; search with the CLI's syntax and facets; an item with its story; sources with
health; rules with their alerts in 24 h / 7 d; silences added and expired (with the CSRF token); status."""
from __future__ import annotations

import json

from alerts.silences import Silences
from tests.web.conftest import HOSTILE
from workers.cli import main


def test_alerts_newest_first_with_evidence_explanation_and_deliveries(desk_setup):
    client, items, alert, state = desk_setup
    with client() as c:
        rows = c.get("/api/alerts").json()["alerts"]
        assert [r["alert_id"] for r in rows] == [alert.id]
        row = rows[0]
        assert row["rule"] == "lavrov-bamako" and row["severity"] == "high" and row["title"] == HOSTILE
        assert row["url"] == items[0].url and row["item_id"] == items[0].id
        assert [e["matched"] for e in row["evidence"]] == ["Lavrov", "Bamako", "lands"]
        assert row["explanation"].startswith("actor: Sergey Lavrov (RU official) · place: Bamako")
        email = row["deliveries"]["desk-email"]
        assert email["status"] == "sent" and email["attempts"] == "1" and email["log"][-1]["status"] == "sent"
        assert c.get(f"/api/alerts/{alert.id}").json() == row
        assert c.get("/api/alerts/no-such-alert").status_code == 404
        assert c.get("/api/alerts", params={"status": "failed"}).json()["alerts"] == []
        assert c.get("/api/alerts", params={"since": "yesterday"}).status_code == 400


def test_the_cli_and_the_api_read_the_same_rows(desk_setup, tmp_path, capsys):
    client, _, alert, _ = desk_setup
    with client() as c:
        api_row = c.get(f"/api/alerts/{alert.id}").json()
    assert main(["alerts", "-c", str(tmp_path / "newswatch.yaml"), "--format", "json"]) == 0
    cli_row = json.loads(capsys.readouterr().out.splitlines()[0])
    assert cli_row == api_row


def test_search_with_the_cli_syntax_and_facets(desk_setup):
    client, items, _, _ = desk_setup
    with client() as c:
        found = c.get("/api/search", params={"q": "lavrov bamako", "country": "ML"}).json()
        assert [h["item_id"] for h in found["hits"]] == [items[0].id, items[2].id]   # newest first
        assert dict(found["facets"]["country"]) == {"ML": 2, "RU": 1}
        narrowed = c.get("/api/search", params={"q": "lavrov -moscow", "since": "7d"}).json()
        assert [h["item_id"] for h in narrowed["hits"]] == [items[0].id]
        bad = c.get("/api/search", params={"q": '"unbalanced'})
        assert bad.status_code == 400 and "unbalanced quote" in bad.json()["detail"]
        assert c.get("/api/search", params={"country": "Mali"}).status_code == 400


def test_an_item_with_its_facts_alerts_and_story(desk_setup):
    client, items, alert, _ = desk_setup
    with client() as c:
        item = c.get(f"/api/items/{items[0].id}").json()
        assert item["title"] == HOSTILE and item["countries"] == ["ML", "RU"]
        assert item["facts"]["topics"] == ["diplomacy/visit"]
        assert [a["alert_id"] for a in item["alerts"]] == [alert.id]
        assert [r["item_id"] for r in item["story"]] == [items[0].id]
        assert c.get("/api/items/nothing-like-it").status_code == 404


def test_sources_rules_and_status(desk_setup):
    client, _, _, state = desk_setup
    state.record_failure("wire", "HTTP 503", interval=60, backoff_max=600)
    with client() as c:
        wire = c.get("/api/sources").json()["sources"]["wire"]
        assert wire["status"] == "failing" and wire["last_error"] == "HTTP 503"
        assert wire["consecutive_failures"] == 1 and wire["next_poll_at"] and wire["items_24h"] == 1
        [rules_file] = c.get("/api/rules").json()["files"]
        assert rules_file["file"].endswith("rules.yaml") and rules_file["errors"] == []
        [rule] = rules_file["rules"]
        assert (rule["id"], rule["matches_24h"], rule["matches_7d"]) == ("lavrov-bamako", 1, 1)
        status = c.get("/api/status").json()
        assert set(status["queues"]) == {f"{state.prefix}.poll", f"{state.prefix}.deliver"}
        assert status["open_deliveries"] == 0 and status["scheduler_lease"] is False
        assert status["archive"]["items"] == 3 and status["archive"]["alerts"] == 1


def test_silences_are_added_and_expired_with_the_csrf_token(desk_setup):
    client, _, _, state = desk_setup
    with client() as c:
        csrf = c.get("/api/me").json()["csrf_token"]
        body = {"rule": "lavrov-*", "duration": "4h", "reason": "known visit", "channel": "desk-email"}
        assert c.post("/api/silences", json=body).status_code == 403          # no CSRF token
        assert Silences(state).all() == []
        made = c.post("/api/silences", json=body, headers={"X-CSRF-Token": csrf})
        assert made.status_code == 201, made.text
        [silence] = Silences(state).active()
        assert (silence.rule, silence.channel, silence.created_by) == ("lavrov-*", "desk-email", "local")
        assert [s["id"] for s in c.get("/api/silences").json()["silences"]] == [silence.id]
        bad = c.post("/api/silences", json={**body, "channel": "pager"}, headers={"X-CSRF-Token": csrf})
        assert bad.status_code == 400 and "unknown channel 'pager'" in bad.json()["detail"]
        bad = c.post("/api/silences", json={**body, "duration": "forever"}, headers={"X-CSRF-Token": csrf})
        assert bad.status_code == 400
        gone = c.post(f"/api/silences/{silence.id}/expire", headers={"X-CSRF-Token": csrf})
        assert gone.status_code == 200 and Silences(state).active() == []
        assert c.post("/api/silences/nope/expire", headers={"X-CSRF-Token": csrf}).status_code == 404


def test_a_nul_character_is_a_bad_request_not_a_server_error(desk_setup):
    """Found by the contract test on PostgreSQL, which refuses NUL in a parameter."""
    client, _, _, _ = desk_setup
    with client() as c:
        bad = c.get("/api/search", params={"source": "wire\x00"})
        assert bad.status_code == 400 and "NUL" in bad.json()["detail"]
        assert c.get("/api/items/ab%00cd").status_code == 404
