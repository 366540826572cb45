"""Promises that span the doors: the command prints the API's body, errors have one shape,
exit codes are 0/1/2, the core stays free of Flask and click, nothing a client sends
gets a 500 or comes back unescaped."""

from __future__ import annotations

import json
import socket
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from service.cli.search import search_cmd
from service.cli.serve import serve_cmd
from service.web.server import address_of
from tests.conftest import html_elements

# (search arguments, the same request as a query string)
SAME_REQUESTS = [
    (["chine"], "q=chine"),
    (["azerbaïdjan", "--country", "CN"], "q=azerbaïdjan&country=CN"),
    (["", "--country", "KG", "--country", "TR"], "country=KG&country=TR"),
    (["", "--from", "2019", "--to", "2022-11"], "from=2019&to=2022-11"),
    (["chinois", "--sort", "date"], "q=chinois&sort=date"),
    (["", "--limit", "3", "--page", "2"], "per_page=3&page=2"),
    (['"routes de la soie" OR kirghiz'], "q=%22routes+de+la+soie%22+OR+kirghiz"),
    (["zzyzx"], "q=zzyzx"),
    (["kirghizstan"], "q=kirghizstan"),  # with a suggestion
    (["kirghizstan", "--country", "JP"], "q=kirghizstan&country=JP"),  # a suggestion, no hit
    (
        ["relation OR chinoises OR belt*", "--explain"],
        "q=relation+OR+chinoises+OR+belt*&explain=true",
    ),
    (["chine", "--explain", "--sort", "date"], "q=chine&explain=1&sort=date"),
]

# (search --similar arguments, the same request to /api/documents/<id>/similar)
SAME_SIMILAR = [
    (["a_ceinture.txt"], "a_ceinture.txt/similar"),
    (["sous-dossier/e_pekin.txt", "--limit", "2"], "sous-dossier/e_pekin.txt/similar?limit=2"),
    (["news.jsonl#n1", "--limit", "20"], "news.jsonl%23n1/similar?limit=20"),
]

# (search --complete arguments, the same request to /api/suggest)
SAME_SUGGEST = [
    (["nouvelles rou"], "q=nouvelles+rou"),
    (["chin", "--limit", "2"], "q=chin&limit=2"),
    (["zzyzx"], "q=zzyzx"),
]

# (method, url, status, code): every way a client can get an error
ERRORS = [
    ("GET", "/api/search?from=2023-13", 400, "bad_query"),
    ("GET", "/api/search?to=hier", 400, "bad_query"),
    ("GET", "/api/search?from=2024&to=2020", 400, "bad_query"),
    ("GET", "/api/search?page=-1", 400, "bad_query"),
    ("GET", "/api/search?page=0", 400, "bad_query"),
    ("GET", "/api/search?page=un", 400, "bad_query"),
    ("GET", "/api/search?page=99999999999999999999", 400, "bad_query"),
    ("GET", "/api/search?per_page=1000000", 400, "bad_query"),
    ("GET", "/api/search?per_page=0", 400, "bad_query"),
    ("GET", "/api/search?country=XX", 400, "bad_query"),
    ("GET", "/api/search?country=%3Cscript%3E", 400, "bad_query"),
    ("GET", "/api/search?sort=random", 400, "bad_query"),
    ("GET", "/api/search?q=chine&q=russie", 400, "bad_query"),
    ("GET", "/api/search?q=de*", 400, "bad_query"),
    ("GET", "/api/search?q=" + "mot+" * 400, 400, "bad_query"),
    ("GET", "/api/search?q=" + "(" * 50 + "chine", 400, "bad_query"),
    ("GET", "/api/documents/inconnu.txt", 404, "not_found"),
    ("GET", "/api/documents/inconnu.txt/similar", 404, "not_found"),
    ("GET", "/api/documents/a_ceinture.txt/similar?limit=50", 400, "bad_query"),
    ("GET", "/api/suggest", 400, "bad_query"),
    ("GET", "/api/suggest?q=", 400, "bad_query"),
    ("GET", "/api/suggest?q=ch&limit=-1", 400, "bad_query"),
    ("GET", "/api/suggest?q=" + "a" * 101, 400, "bad_query"),
    ("POST", "/api/suggest?q=ch", 405, "method_not_allowed"),
    ("POST", "/api/documents/a_ceinture.txt/similar", 405, "method_not_allowed"),
    ("GET", "/api/nulle-part", 404, "not_found"),
    ("GET", "/api/", 404, "not_found"),
    ("POST", "/api/search", 405, "method_not_allowed"),
    ("DELETE", "/api/suggest?q=ch", 405, "method_not_allowed"),
    ("PUT", "/healthz", 405, "method_not_allowed"),
]

# Queries that must be answered (200) or refused (400), never a crash
ODD_QUERIES = [
    "\x00",
    "(((",
    ")))",
    '"',
    '""',
    "*",
    "-",
    "--chine",
    "OR",
    "OR OR chine",
    "chine OR",
    "-(",
    "é*",
    "🙂",
    "%",
    "\\",
    "l’",
    "chine -chine",
    "-chine",
    "<script>alert(1)</script>",
    "a" * 5000,
    "\u202e chine",
]


def invoke_search(config_path, *args: str):
    return CliRunner().invoke(
        search_cmd, [*args, "--config", str(config_path)], catch_exceptions=False
    )


def without_took_ms(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "took_ms"}


@pytest.mark.parametrize("args, query", SAME_REQUESTS)
def test_search_json_prints_exactly_the_api_body(client, data_config_path, args, query):
    printed = json.loads(invoke_search(data_config_path, *args, "--json").stdout)
    served = client.get(f"/api/search?{query}").get_json()
    assert without_took_ms(printed) == without_took_ms(served)


@pytest.mark.parametrize("args, path", SAME_SIMILAR)
def test_search_similar_json_prints_exactly_the_api_body(client, data_config_path, args, path):
    printed = json.loads(invoke_search(data_config_path, "--similar", *args, "--json").stdout)
    assert printed == client.get(f"/api/documents/{path}").get_json()


@pytest.mark.parametrize("args, query", SAME_SUGGEST)
def test_search_complete_json_prints_exactly_the_api_body(client, data_config_path, args, query):
    printed = json.loads(invoke_search(data_config_path, "--complete", *args, "--json").stdout)
    assert printed == client.get(f"/api/suggest?{query}").get_json()


@pytest.mark.parametrize("method, url, status, code", ERRORS)
def test_every_error_has_one_json_shape(client, method, url, status, code):
    response = client.open(url, method=method)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body == {"error": {"code": code, "message": body["error"]["message"]}}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def test_wrong_method_says_which_to_use(client):
    response = client.post("/api/search")
    assert "GET" in response.headers["Allow"]
    assert response.get_json()["error"]["message"].endswith("utilisez GET")


@pytest.mark.parametrize("q", ODD_QUERIES)
@pytest.mark.parametrize("door", ["/api/search", "/", "/api/suggest"])
def test_odd_queries_are_answered_or_refused_never_a_crash(client, door, q):
    response = client.get(door, query_string={"q": q})
    assert response.status_code in (200, 400)
    if door.startswith("/api/") and response.status_code == 400:
        assert response.get_json()["error"]["code"] == "bad_query"


@pytest.mark.parametrize(
    "query_string", ["q=%ED%A0%80", "q=%FF%FE", "q=%", "q=%%25", "country=%FF", "from=%00", "q&q"]
)
@pytest.mark.parametrize("door", ["/api/search", "/", "/api/suggest"])
def test_broken_query_strings_are_answered_or_refused(client, door, query_string):
    assert client.get(f"{door}?{query_string}").status_code in (200, 400)


@pytest.mark.parametrize(
    "args, exit_code",
    [
        (["chine"], 0),
        (["zzyzx"], 1),
        (["--from", "2023-13"], 2),
        (["de*"], 2),
        (["--country", "XX"], 2),
        (["--sort", "hasard"], 2),  # a usage error, from click
        (["kirghizstan", "--country", "JP"], 1),  # none, though a suggestion is printed
        (["--similar", "a_ceinture.txt"], 0),
        (["--similar", "inconnu.txt"], 1),
        (["chine", "--similar", "a_ceinture.txt"], 2),
        (["--similar", "a_ceinture.txt", "--limit", "21"], 2),
    ],
)
def test_search_exit_codes(data_config_path, args, exit_code):
    assert invoke_search(data_config_path, *args).exit_code == exit_code


MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "chine <b>gras</b>",
    "</textarea><svg onload=alert(1)>",
    "{{ 7*7 }}",
]
# Every tag the page itself may contain; a query's markup must never add one.
PAGE_TAGS = set(
    "html head meta title link body a span header div form label input button p main h1 h2 h3 "
    "q ul li nav aside section footer ol article time mark code figure figcaption svg line g "
    "rect text details summary dl dt dd script".split()
)
SCRIPTS = [{"src": "/static/suggest.js", "defer": None}]  # the only script a page loads


@pytest.mark.parametrize("q", MARKUP)
@pytest.mark.parametrize("path", ["/", "/documents/a_ceinture.txt"])
def test_markup_in_the_query_is_escaped_in_the_page(client, path, q):
    response = client.get(path, query_string={"q": q})
    html = response.get_data(as_text=True)
    elements = html_elements(html)
    assert {e["tag"] for e in elements} <= PAGE_TAGS
    assert [e["attrs"] for e in elements if e["tag"] == "script"] == SCRIPTS
    assert not [e for e in elements if any(a.startswith("on") for a in e["attrs"])]
    if "{{" in q:
        assert q in html  # shown as typed, never evaluated as a template
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("q", MARKUP)
def test_markup_in_the_query_comes_back_as_plain_json_text(client, q):
    body = client.get("/api/search", query_string={"q": q}).get_json()
    if "error" not in body:
        assert body["query"]["q"] == q.strip()
        for passage in (p for hit in body["hits"] for p in hit["passages"]):
            assert "<" not in passage.replace("<mark>", "").replace("</mark>", "")


def test_search_serve_refuses_a_busy_port_with_a_message(data_config_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        result = CliRunner().invoke(serve_cmd, ["--config", str(data_config_path), "--port", port])
    assert result.exit_code == 1
    assert "choisissez un autre port avec --port" in result.stderr


@pytest.mark.parametrize(
    "host, port, url",
    [
        ("127.0.0.1", 8000, "http://127.0.0.1:8000/"),
        ("0.0.0.0", 8080, "http://127.0.0.1:8080/"),
        ("::", 8000, "http://[::1]:8000/"),
        ("::1", 8000, "http://[::1]:8000/"),
    ],
)
def test_search_serve_prints_an_address_a_browser_can_open(host, port, url):
    assert address_of(SimpleNamespace(effective_host=host, effective_port=port)) == url
