"""The read operations: /api/search, the documents, completion, similar, health, the page."""

from __future__ import annotations

from .schemas import DOC_ID, ERRORS, NOT_FOUND, SEARCH_PARAMETERS
from .shapes import X_CACHE, html_body, json_body, query_param

PATHS = {
    "/api/search": {
        "get": {
            "operationId": "search",
            "summary": "Chercher dans les articles",
            "description": "Le même résultat que `search --json` (hors `took_ms`).",
            "parameters": SEARCH_PARAMETERS,
            "responses": {
                "200": json_body("Une page de résultats et les facettes.", "SearchResult")
                | {"headers": X_CACHE}
            }
            | ERRORS,
        }
    },
    "/api/documents/{doc_id}": {
        "get": {
            "operationId": "getDocument",
            "summary": "Un article entier, avec ses facettes",
            "parameters": [DOC_ID],
            "responses": {
                "200": json_body("L'article.", "Document"),
                "404": NOT_FOUND,
                "503": ERRORS["503"],
            },
        }
    },
    "/api/documents/{doc_id}/similar": {
        "get": {
            "operationId": "similarDocuments",
            "summary": "Des articles proches (« plus comme celui-ci »)",
            "description": "Les mots les plus distinctifs de l'article, cherchés ensemble "
            "(OR). Le même corps que `search --similar ID --json`.",
            "parameters": [
                DOC_ID,
                query_param(
                    "limit",
                    "Nombre d'articles proches.",
                    {"type": "integer", "minimum": 1, "maximum": 20, "default": 5},
                ),
            ],
            "responses": {
                "200": json_body("Les articles proches.", "Similar"),
                "404": NOT_FOUND,
            }
            | ERRORS,
        }
    },
    "/api/suggest": {
        "get": {
            "operationId": "suggest",
            "summary": "Compléter le mot en cours de frappe",
            "description": "Complète le dernier mot de `q` à partir du vocabulaire de "
            "l'index, et propose les titres d'articles qu'il commence ; la page de "
            "recherche s'en sert pendant la frappe.",
            "parameters": [
                query_param(
                    "q",
                    "La requête en cours de frappe ; son dernier mot est complété.",
                    {"type": "string", "minLength": 1, "maxLength": 100},
                    required=True,
                    example="relations bilat",
                ),
                query_param(
                    "limit",
                    "Nombre de complétions.",
                    {"type": "integer", "minimum": 1, "maximum": 20, "default": 8},
                ),
            ],
            "responses": {"200": json_body("Les complétions.", "Suggestions")} | ERRORS,
        }
    },
    "/healthz": {
        "get": {
            "operationId": "health",
            "summary": "État de l'index",
            "responses": {"200": json_body("L'index est prêt.", "Health"), "503": ERRORS["503"]},
        }
    },
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "Cette description OpenAPI 3.1",
            "responses": {
                "200": {
                    "description": "Le document OpenAPI.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    },
    "/": {
        "get": {
            "operationId": "searchPage",
            "summary": "La page de recherche (HTML)",
            "parameters": SEARCH_PARAMETERS,
            "responses": {
                "200": html_body("La page de résultats.") | {"headers": X_CACHE},
                "400": html_body("La page, avec l'erreur à côté du champ de recherche."),
            },
        }
    },
    "/documents/{doc_id}": {
        "get": {
            "operationId": "documentPage",
            "summary": "Un article entier (HTML), les mots de `q` surlignés",
            "parameters": [
                {"name": "doc_id", "in": "path", "required": True, "schema": {"type": "string"}},
                query_param("q", "La requête dont surligner les mots.", {"type": "string"}),
            ],
            "responses": {"200": html_body("L'article."), "404": html_body("Article inconnu.")},
        }
    },
}
