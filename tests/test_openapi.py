"""/openapi.json: a valid OpenAPI 3.1 document that real responses conform to."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from service import errors
from service.search.models import PARAMS

SPEC_URL = "/openapi.json"


@pytest.fixture(scope="module")
def spec(app) -> dict:
    return app.test_client().get(SPEC_URL).get_json()


def response_schema(spec: dict, path: str, status: int) -> dict:
    """The documented JSON schema of one response, resolvable against the whole document."""
    responses = spec["paths"][path]["get"]["responses"]
    assert str(status) in responses, f"{path} does not document status {status}"
    schema = responses[str(status)]["content"]["application/json"]["schema"]
    return {**schema, "components": spec["components"]}


def test_the_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_route_is_documented(app, spec):
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
    }
    assert routes == set(spec["paths"])


def test_every_search_parameter_is_documented(spec):
    documented = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert documented == set(PARAMS)


def test_every_error_code_is_documented(spec):
    codes = {cls.code for cls in errors.SearchError.__subclasses__()} | {errors.SearchError.code}
    enum = spec["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
    assert codes <= set(enum["enum"])


@pytest.mark.parametrize(
    "url, path, status",
    [
        ("/api/search?q=chine", "/api/search", 200),
        ("/api/search?q=azerbaidjan&country=AZ&from=2020&to=2025&sort=date", "/api/search", 200),
        ("/api/search?per_page=2&page=5", "/api/search", 200),
        ("/api/search?q=chinoise+OR+belt*&explain=true", "/api/search", 200),
        ("/api/search?q=belt+chinois", "/api/search", 200),
        ("/api/search?q=zzyzx", "/api/search", 200),
        ("/api/search", "/api/search", 200),
        ("/api/search?from=2023-13", "/api/search", 400),
        ("/api/search?page=-1", "/api/search", 400),
        ("/api/search?q=a&q=b", "/api/search", 400),
        ("/api/documents/news.jsonl%23n1", "/api/documents/{doc_id}", 200),
        ("/api/documents/d_sans_date.txt", "/api/documents/{doc_id}", 200),
        ("/api/documents/nope.txt", "/api/documents/{doc_id}", 404),
        ("/healthz", "/healthz", 200),
        ("/openapi.json", "/openapi.json", 200),
        ("/api/suggest?q=chin", "/api/suggest", 200),
        ("/api/suggest?q=relations+bilat&limit=1", "/api/suggest", 200),
        ("/api/suggest?q=z", "/api/suggest", 200),
        ("/api/suggest", "/api/suggest", 400),
        ("/api/suggest?q=ch&limit=99", "/api/suggest", 400),
        ("/api/documents/a_ceinture.txt/similar", "/api/documents/{doc_id}/similar", 200),
        (
            "/api/documents/sous-dossier/e_pekin.txt/similar?limit=1",
            "/api/documents/{doc_id}/similar",
            200,
        ),
        ("/api/documents/nope.txt/similar", "/api/documents/{doc_id}/similar", 404),
        ("/api/documents/a_ceinture.txt/similar?limit=0", "/api/documents/{doc_id}/similar", 400),
    ],
)
def test_real_responses_match_the_document(client, spec, url, path, status):
    response = client.get(url)
    assert response.status_code == status
    Draft202012Validator(response_schema(spec, path, status)).validate(response.get_json())


def test_a_503_matches_the_document(spec, tmp_path):
    from service.config import load_config
    from service.web.app import create_app
    from tests.conftest import write_config

    client = create_app(load_config(write_config(tmp_path, tmp_path / "none"), environ={}))
    response = client.test_client().get("/healthz")
    assert response.status_code == 503
    Draft202012Validator(response_schema(spec, "/healthz", 503)).validate(response.get_json())


def test_schemas_reject_what_the_api_never_sends(spec):
    validator = Draft202012Validator(response_schema(spec, "/api/search", 400))
    assert not validator.is_valid({"error": {"code": "bad_query"}})
    assert not validator.is_valid({"error": {"code": "bad_query", "message": "x"}, "extra": 1})


@pytest.mark.parametrize(
    "path, names",
    [("/api/suggest", {"q", "limit"}), ("/api/documents/{doc_id}/similar", {"doc_id", "limit"})],
)
def test_discovery_parameters_are_documented(spec, path, names):
    assert {p["name"] for p in spec["paths"][path]["get"]["parameters"]} == names


def test_explain_is_documented_and_real_explanations_match_it(client, spec):
    body = client.get("/api/search?q=relation+OR+chinoises+OR+belt*&explain=true").get_json()
    reasons = [reason for hit in body["hits"] for reason in hit["explain"]]
    assert {r["match"] for r in reasons} >= {"exact", "stem", "prefix"}
    explanation = {**spec["components"]["schemas"]["Explanation"], "components": {}}
    for reason in reasons:
        Draft202012Validator(explanation).validate(reason)
    (param,) = [
        p for p in spec["paths"]["/api/search"]["get"]["parameters"] if p["name"] == "explain"
    ]
    assert param["schema"] == {"type": "boolean", "default": False}
