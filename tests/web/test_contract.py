"""Issue 15, done-when 5: the app's OpenAPI document validates (against the OpenAPI 3.1 schema), and a
contract test (schemathesis, generating requests from that document, against the ASGI app in-process, the
real Redis and archive behind it) finds no server error on any operation, writes included (an editor's API
token: no CSRF token needed)."""
from __future__ import annotations

import copy

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.web.conftest import TOKEN, auth_section


@pytest.fixture
def app_and_doc(desk_setup, tmp_path):
    client, _, _, _ = desk_setup
    c = client({"auth": auth_section(tmp_path)})
    with c:
        yield c.app, c.get("/openapi.json").json()


@pytest.fixture
def web_schema(app_and_doc):
    app, _ = app_and_doc
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_the_openapi_document_validates_and_names_every_operation(app_and_doc):
    _, doc = app_and_doc
    schemathesis.openapi.from_dict(doc).validate()
    assert doc["openapi"].startswith("3.1")
    assert {"/api/alerts", "/api/alerts/{alert_id}", "/api/search", "/api/items/{item_id}", "/api/sources",
            "/api/rules", "/api/rules/test", "/api/rules/{rule_id}", "/api/silences", "/api/silences/{silence_id}/expire",
            "/api/status"} <= set(doc["paths"])
    broken = copy.deepcopy(doc)
    broken["paths"]["/api/alerts"]["get"]["parameters"][0]["in"] = "nowhere"   # the validation can fail
    with pytest.raises(Exception) as invalid:
        schemathesis.openapi.from_dict(broken).validate()
    assert type(invalid.value).__name__ == "ValidationError" and "nowhere" in str(invalid.value)


schema = schemathesis.pytest.from_fixture("web_schema")


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_with_a_server_error(case):
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=[not_a_server_error])
