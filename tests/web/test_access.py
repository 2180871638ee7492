"""Who may read and write: loopback needs no login; `web.auth` (required off loopback) gives a login with
argon2 hashes, a signed session cookie (HttpOnly, SameSite=Lax, Secure over https), API tokens, and the
viewer/editor roles; every write needs the session's CSRF token; no secret is ever shown."""
from __future__ import annotations

import pytest

from newswatch.config.yamlconf import ConfigError
from tests.web.conftest import PASSWORDS, TOKEN, auth_section
from workers.registry import load_config
from tests.web.conftest import write_config
from web.auth import Auth, AuthError


def login(c, name: str, password: str):
    csrf = _csrf_of_login_page(c)
    return c.post("/login", data={"username": name, "password": password, "csrf_token": csrf, "next": "/alerts"})


def _csrf_of_login_page(c) -> str:
    html = c.get("/login").text
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_with_auth_nothing_is_readable_without_a_login(desk_setup, tmp_path):
    client, items, alert, _ = desk_setup
    with client({"host": "0.0.0.0", "auth": auth_section(tmp_path)}) as c:
        for path in ("/api/alerts", f"/api/alerts/{alert.id}", "/api/search?q=lavrov", f"/api/items/{items[0].id}",
                     "/api/sources", "/api/rules", "/api/silences", "/api/status", "/api/alerts/stream"):
            r = c.get(path)
            assert r.status_code == 401 and "Lavrov" not in r.text, path
        for path in ("/alerts", "/search?q=lavrov", f"/items/{items[0].id}", "/status", "/silences"):
            r = c.get(path)
            assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
        assert c.get("/api/alerts", headers={"Authorization": "Bearer not-the-token-at-all"}).status_code == 401
        wrong = login(c, "ana", "not her password")
        assert wrong.status_code == 401 and "wrong name or password" in wrong.text
        assert login(c, "nobody", PASSWORDS["ana"]).status_code == 401
        assert c.get("/api/alerts").status_code == 401


def test_a_login_gives_a_signed_httponly_samesite_cookie(desk_setup, tmp_path):
    client, _, alert, _ = desk_setup
    with client({"host": "0.0.0.0", "auth": auth_section(tmp_path)}) as c:
        done = login(c, "ana", PASSWORDS["ana"])
        assert done.status_code == 303 and done.headers["location"] == "/alerts"
        cookie = done.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie   # plain http here
        assert c.get("/api/alerts").json()["alerts"][0]["alert_id"] == alert.id
        assert c.get("/api/me").json()["name"] == "ana"
        c.cookies.set("nw_session", c.cookies["nw_session"][:-4] + "AAAA")    # tampered: not signed by us
        assert c.get("/api/alerts").status_code == 401
    with client({"host": "0.0.0.0", "auth": auth_section(tmp_path)}, base_url="https://desk.example") as c:
        assert "Secure" in login(c, "ana", PASSWORDS["ana"]).headers["set-cookie"]          # behind TLS


def test_a_viewer_reads_but_cannot_write_and_an_editor_needs_the_csrf_token(desk_setup, tmp_path):
    client, _, _, _ = desk_setup
    body = {"rule": "lavrov-*", "duration": "1h", "reason": "r"}
    with client({"host": "0.0.0.0", "auth": auth_section(tmp_path)}) as c:
        login(c, "bo", PASSWORDS["bo"])
        me = c.get("/api/me").json()
        assert me["role"] == "viewer" and c.get("/api/alerts").status_code == 200
        denied = c.post("/api/silences", json=body, headers={"X-CSRF-Token": me["csrf_token"]})
        assert denied.status_code == 403 and "viewer" in denied.json()["detail"]
        assert c.post("/silences", data={**body, "csrf_token": me["csrf_token"]}).status_code == 403
        assert "Add silence" not in c.get("/silences").text
    with client({"host": "0.0.0.0", "auth": auth_section(tmp_path)}) as c:
        login(c, "ana", PASSWORDS["ana"])
        csrf = c.get("/api/me").json()["csrf_token"]
        assert c.post("/api/silences", json=body).status_code == 403
        assert c.post("/api/silences", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
        assert c.post("/silences", data=body).status_code == 403                               # a form without it
        assert c.post("/silences", data={**body, "csrf_token": csrf}).status_code == 303
        assert c.post("/api/silences", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_api_tokens_for_scripts(desk_setup, tmp_path):
    client, _, alert, _ = desk_setup
    with client({"host": "0.0.0.0", "auth": auth_section(tmp_path)}) as c:
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert c.get("/api/alerts", headers=bearer).json()["alerts"][0]["alert_id"] == alert.id
        made = c.post("/api/silences", json={"rule": "x", "duration": "1h", "reason": "r"}, headers=bearer)
        assert made.status_code == 201 and made.json()["created_by"] == "script"


def test_no_secret_is_shown(desk_setup, tmp_path):
    client, _, _, _ = desk_setup
    section = auth_section(tmp_path)
    hashes = [(tmp_path / f"{n}.hash").read_text() for n in PASSWORDS]
    with client({"host": "0.0.0.0", "auth": section}) as c:
        login(c, "ana", PASSWORDS["ana"])
        seen = "".join(c.get(p).text for p in ("/api/status", "/status", "/api/rules", "/alerts", "/openapi.json",
                                               "/api/me", "/silences"))
    for secret in [TOKEN, "s" * 48, *PASSWORDS.values(), *hashes]:
        assert secret not in seen


def test_a_non_loopback_bind_without_auth_is_refused(tmp_path, redis_url, key_prefix, archive_url):
    path = write_config(tmp_path, redis_url, key_prefix, archive_url, {"host": "0.0.0.0"})
    with pytest.raises(ConfigError) as err:
        load_config(path, dry_run=True)
    assert "web: host '0.0.0.0' is not a loopback address" in str(err.value.issues[0])
    path = write_config(tmp_path, redis_url, key_prefix, archive_url, {"host": "0.0.0.0", "enabled": False})
    assert load_config(path, dry_run=True).settings.web.served is False   # not served: nothing to protect
    path = write_config(tmp_path, redis_url, key_prefix, archive_url,
                        {"auth": {"users": [{"name": "ana", "password_hash_file": "missing.hash"}]}})
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert any("cannot read password_hash_file" in str(i) for i in err.value.issues), err.value.issues
    with pytest.raises(AuthError) as err:    # `newswatch web` reads the config as a dry run: web.auth still refuses
        Auth(load_config(path, dry_run=True).settings.web.auth)
    assert "users[0].password_hash could not be read" in str(err.value)
