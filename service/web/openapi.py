"""The OpenAPI 3.1 description of the service, served at /openapi.json.

Written by hand as a Python dict, next to the code it describes; tests/test_openapi.py
validates it and checks real responses against its schemas, so the two cannot drift.
"""

from __future__ import annotations

import copy

from ..search.models import MAX_PAGE, SORTS

DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
NULLABLE_STRING = {"type": ["string", "null"]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


# /api/search and the page: whether the answer comes from the answer cache.
X_CACHE = {
    "X-Cache": {
        "description": "`hit` : la réponse déjà donnée sur cette génération de l'index, "
        "renvoyée telle quelle (`took_ms` : le temps de cette requête) ; `miss` : calculée.",
        "schema": {"type": "string", "enum": ["hit", "miss"]},
    }
}


def _html(description: str) -> dict:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _query(name: str, description: str, schema: dict, **extra) -> dict:
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": required if required is not None else list(properties),
        "additionalProperties": False,
    }


ERRORS = {
    "400": _json("Paramètre ou requête invalide (code `bad_query`).", "Error"),
    "503": _json("Index absent ou illisible (code `index_unavailable`).", "Error"),
}

NOT_FOUND = _json("Aucun article n'a cet identifiant (code `not_found`).", "Error")
DOC_ID = {
    "name": "doc_id",
    "in": "path",
    "required": True,
    "description": "L'identifiant d'un résultat (`hits[].id`) ; les `/` peuvent rester tels "
    "quels, `#` s'écrit `%23`.",
    "schema": {"type": "string"},
}

SEARCH_PARAMETERS = [
    _query(
        "q",
        'La requête : mots (tous requis), `"phrase"`, `OR`, `-exclu`, `préfixe*`, '
        "parenthèses. Insensible aux accents, à la casse et à l'élision. Vide : tous les "
        "articles (filtrés), les plus récents d'abord.",
        {"type": "string", "maxLength": 1000},
        example="Ceinture et la Route",
    ),
    _query(
        "country",
        "Code pays ISO 3166-1 alpha-2 ; répétable : l'article doit nommer chacun des pays.",
        {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z]{2}$"}},
        style="form",
        explode=True,
        example=["AZ"],
    ),
    _query(
        "from",
        "Depuis cette date incluse : AAAA, AAAA-MM ou AAAA-MM-JJ.",
        {"type": "string", "pattern": DATE_PATTERN},
        example="2021",
    ),
    _query(
        "to",
        "Jusqu'à cette date incluse : AAAA, AAAA-MM ou AAAA-MM-JJ.",
        {"type": "string", "pattern": DATE_PATTERN},
        example="2025-06",
    ),
    _query(
        "sort",
        "Ordre : `relevance` (défaut avec une requête) ou `date` (défaut sans requête).",
        {"type": "string", "enum": list(SORTS)},
    ),
    _query(
        "page",
        "Numéro de page, à partir de 1.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    ),
    _query(
        "per_page",
        "Résultats par page (défaut et maximum : `search.per_page` et "
        "`search.max_per_page` de config.toml, 10 et 100 par défaut).",
        {"type": "integer", "minimum": 1, "default": 10},
    ),
    _query(
        "explain",
        "`true` (ou `1`, `oui`) : chaque résultat dit pourquoi il correspond (`hits[].explain`).",
        {"type": "boolean", "default": False},
    ),
]

MATCH_KINDS = [
    "exact",
    "accent_folded",
    "stem",
    "synonym",
    "name_variant",
    "typo",
    "prefix",
    "meaning",
]

COUNTRY = _object(
    {
        "code": {"type": "string", "pattern": "^[A-Z]{2}$", "examples": ["AZ"]},
        "name": {
            "type": "string",
            "description": "Nom français (CLDR)",
            "examples": ["Azerbaïdjan"],
        },
    }
)

SCHEMAS = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {
                        "type": "string",
                        "enum": [
                            "bad_query",
                            "not_found",
                            "method_not_allowed",
                            "index_unavailable",
                            "bad_config",
                            "http_error",
                            "internal",
                        ],
                    },
                    "message": {"type": "string", "description": "Une phrase en français."},
                }
            )
        }
    ),
    "Country": COUNTRY,
    "Query": _object(
        {
            "q": {"type": "string"},
            "country": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}},
            "from": NULLABLE_STRING,
            "to": NULLABLE_STRING,
            "sort": {"type": "string", "enum": list(SORTS)},
        }
    ),
    "Hit": _object(
        {
            "id": {"type": "string", "description": "Chemin relatif au corpus (`FICHIER#ID`)."},
            "title": {"type": "string"},
            "date": {"type": ["string", "null"], "pattern": DATE_PATTERN},
            "countries": {"type": "array", "items": _ref("Country")},
            "score": {
                "type": "number",
                "description": "Score BM25 du moteur (cosinus pour un article trouvé par "
                "le sens). Par pertinence, les premiers résultats sont reclassés par "
                "proximité des mots et par le sens : leur ordre peut s'écarter de leurs scores.",
            },
            "by_meaning": {
                "type": "boolean",
                "description": "Trouvé par le sens seulement : l'article ne contient aucun "
                "des mots cherchés, mais son sujet est proche de la recherche (questions et "
                "recherches de plusieurs mots, sans filtre ni exclusion, par pertinence).",
            },
            "url": NULLABLE_STRING,
            "passages": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Extraits en HTML échappé, les mots trouvés dans `<mark>`.",
            },
            "explain": {
                "type": "array",
                "items": _ref("Explanation"),
                "description": "Seulement avec `explain=true`.",
            },
        },
        required=["id", "title", "date", "countries", "score", "url", "passages", "by_meaning"],
    ),
    "Explanation": _object(
        {
            "term": {"type": "string", "description": "Le mot ou l'expression de la requête."},
            "match": {"type": "string", "enum": MATCH_KINDS},
            "label": {"type": "string", "description": "Le type de correspondance, en français."},
            "words": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Les mots de l'article, tels qu'écrits.",
            },
        }
    ),
    "FacetValue": _object(
        {
            "value": {"type": "string"},
            "count": {"type": "integer", "minimum": 1},
            "label": {"type": "string", "description": "Libellé français (pays seulement)."},
        },
        required=["value", "count"],
    ),
    "SearchResult": _object(
        {
            "query": _ref("Query"),
            "total": {"type": "integer", "minimum": 0},
            "all_terms_total": {
                "type": "integer",
                "minimum": 0,
                "description": "Combien des `total` résultats contiennent tous les mots. "
                "Quand ceux-ci tiennent sur moins d'une page (tri par pertinence), les "
                "articles qui n'ont qu'une partie des mots les suivent.",
            },
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "took_ms": {"type": "number", "minimum": 0},
            "hits": {"type": "array", "items": _ref("Hit")},
            "facets": _object(
                {
                    name: {"type": "array", "items": _ref("FacetValue")}
                    for name in ("country", "year", "month")
                },
            ),
            "suggestion": NULLABLE_STRING,
        }
    ),
    "ArticleDate": _object(
        {
            "value": {"type": "string", "pattern": DATE_PATTERN},
            "precision": {"type": "string", "enum": ["year", "month", "day"]},
            "source": {"type": "string", "enum": ["header", "text", "metadata"]},
        }
    ),
    "Document": _object(
        {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "date": {"oneOf": [_ref("ArticleDate"), {"type": "null"}]},
            "countries": {"type": "array", "items": _ref("Country")},
            "url": NULLABLE_STRING,
            "text": {"type": "string", "description": "Le texte entier, sans en-tête."},
        }
    ),
    "Suggestions": _object(
        {
            "q": {"type": "string", "description": "Le paramètre `q`, tel que reçu."},
            "suggestions": {
                "type": "array",
                "items": {"type": "string"},
                "maxItems": 20,
                "description": "`q` dont le dernier mot est complété par un mot de l'index, "
                "le plus fréquent d'abord, écrit comme les articles l'écrivent (accents, "
                "majuscule d'un nom) ; vide sous deux lettres.",
                "examples": [["relations bilatérales", "relations bilatéral"]],
            },
            "titles": {
                "type": "array",
                "items": _object({"id": {"type": "string"}, "title": {"type": "string"}}),
                "maxItems": 5,
                "description": "Les meilleurs articles dont le titre a un mot qui commence "
                "comme le dernier mot de `q` et qui contiennent les autres mots.",
            },
        }
    ),
    "Similar": _object(
        {
            "id": {"type": "string", "description": "L'article de départ."},
            "hits": {
                "type": "array",
                "items": _ref("Hit"),
                "maxItems": 20,
                "description": "Les articles proches, le plus proche d'abord (jamais l'article "
                "de départ) ; les passages marquent les mots qu'ils partagent avec lui.",
            },
        }
    ),
    "Health": _object(
        {
            "status": {
                "type": "string",
                "enum": ["ok", "degraded"],
                "description": "`degraded` : les vecteurs des articles sont illisibles ; la "
                "recherche continue par les mots, la prochaine indexation les recalcule.",
            },
            "engine": {"type": "string", "examples": ["whoosh"]},
            "doc_count": {"type": "integer", "minimum": 0},
            "built_at": {"type": "string", "format": "date-time"},
            "generation": {
                "type": "string",
                "description": "La génération de l'index en service (change à chaque "
                "publication) : celle d'où vient chaque réponse.",
            },
            "vectors": {
                "type": "string",
                "enum": ["ok", "unused", "absent", "damaged"],
                "description": "Les vecteurs des articles (classement par le sens) : `unused` "
                "sous 1 000 articles, `absent` sans vecteurs de mots, `damaged` s'ils sont "
                "illisibles (la prochaine indexation les recalcule).",
            },
        }
    ),
}

PATHS = {
    "/api/search": {
        "get": {
            "operationId": "search",
            "summary": "Chercher dans les articles",
            "description": "Le même résultat que `search --json` (hors `took_ms`).",
            "parameters": SEARCH_PARAMETERS,
            "responses": {
                "200": _json("Une page de résultats et les facettes.", "SearchResult")
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
                "200": _json("L'article.", "Document"),
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
                _query(
                    "limit",
                    "Nombre d'articles proches.",
                    {"type": "integer", "minimum": 1, "maximum": 20, "default": 5},
                ),
            ],
            "responses": {
                "200": _json("Les articles proches.", "Similar"),
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
                _query(
                    "q",
                    "La requête en cours de frappe ; son dernier mot est complété.",
                    {"type": "string", "minLength": 1, "maxLength": 100},
                    required=True,
                    example="relations bilat",
                ),
                _query(
                    "limit",
                    "Nombre de complétions.",
                    {"type": "integer", "minimum": 1, "maximum": 20, "default": 8},
                ),
            ],
            "responses": {"200": _json("Les complétions.", "Suggestions")} | ERRORS,
        }
    },
    "/healthz": {
        "get": {
            "operationId": "health",
            "summary": "État de l'index",
            "responses": {"200": _json("L'index est prêt.", "Health"), "503": ERRORS["503"]},
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
                "200": _html("La page de résultats.") | {"headers": X_CACHE},
                "400": _html("La page, avec l'erreur à côté du champ de recherche."),
            },
        }
    },
    "/documents/{doc_id}": {
        "get": {
            "operationId": "documentPage",
            "summary": "Un article entier (HTML), les mots de `q` surlignés",
            "parameters": [
                {"name": "doc_id", "in": "path", "required": True, "schema": {"type": "string"}},
                _query("q", "La requête dont surligner les mots.", {"type": "string"}),
            ],
            "responses": {"200": _html("L'article."), "404": _html("Article inconnu.")},
        }
    },
}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "Recherche d'actualités en français",
        "version": "1.0.0",
        "description": "Recherche plein texte dans des articles de presse en français : "
        "passages surlignés, facettes pays et date. Les erreurs sont toujours "
        '`{"error": {"code", "message"}}`.',
    },
    "paths": PATHS,
    "components": {"schemas": SCHEMAS},
}


def openapi_document() -> dict:
    """A fresh copy of the OpenAPI document (callers may change it)."""
    return copy.deepcopy(DOCUMENT)


# -------------------------------------------------------------------------------------
# Writes (service/writes.py): POST /api/documents, PUT and DELETE /api/documents/{doc_id},
# behind a bearer token. One block, merged into DOCUMENT by ``add_write_operations``.

WRITE_ERROR_CODES = [
    "bad_document",
    "unauthorized",
    "forbidden",
    "read_only",
    "conflict",
    "too_large",
    "build_failed",
]
BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": "Le jeton de `service.write_token` (config.toml) ou de la variable "
    "`SEARCH_SERVICE__WRITE_TOKEN`. Vide : l'écriture est désactivée (403).",
}
WRITE_TEXT = {
    "type": "string",
    "minLength": 1,
    "maxLength": 1_000_000,
    "description": "Le texte de l'article, sans en-tête (la date va dans `date`).",
}
WRITE_DATE = {
    "type": ["string", "null"],
    "pattern": DATE_PATTERN,
    "description": "AAAA, AAAA-MM ou AAAA-MM-JJ : écrite dans l'en-tête ` date …` du fichier.",
}
WRITE_SCHEMAS = {
    "DocumentWrite": _object({"text": WRITE_TEXT, "date": WRITE_DATE}, required=["text"]),
    "DocumentCreate": _object(
        {
            "text": WRITE_TEXT,
            "date": WRITE_DATE,
            "id": {
                "type": ["string", "null"],
                "maxLength": 200,
                "pattern": r"\.txt$",
                "description": "Chemin relatif au corpus, en `.txt` (`api/note.txt`) ; "
                "absent : `api/<32 chiffres hexadécimaux>.txt`.",
            },
        },
        required=["text"],
    ),
}


def _write_errors(*statuses: str) -> dict:
    described = {
        "400": "Article ou identifiant invalide (code `bad_document`).",
        "401": "Sans jeton (code `unauthorized`) : l'en-tête `WWW-Authenticate: Bearer` suit.",
        "403": "Jeton refusé, ou écriture désactivée (code `forbidden`).",
        "404": "Aucun article n'a cet identifiant dans le corpus, ou l'adresse ne mène à "
        "rien, comme un identifiant qui contient un saut de ligne (code `not_found`).",
        "409": "Article d'un fichier JSONL, en lecture seule (code `read_only`), ou identifiant "
        "déjà pris, ou chemin impossible (code `conflict`).",
        "413": "Corps de plus de 2 Mo (code `too_large`).",
        "503": "Index occupé ou indisponible, ou écriture impossible (disque plein) : rien "
        "n'a changé (codes `index_unavailable`, `build_failed`).",
    }
    responses = {status: _json(described[status], "Error") for status in statuses}
    if "401" in responses:
        responses["401"]["headers"] = {
            "WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Bearer …`"}
        }
    return responses


def _write_body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


def _created(description: str) -> dict:
    response = _json(description, "Document")
    response["headers"] = {
        "Location": {"schema": {"type": "string"}, "description": "L'adresse de l'article."}
    }
    return response


def write_paths() -> dict:
    """The three write operations, by path."""
    secured = {"security": [{"bearer": []}]}
    errors = ("400", "401", "403", "409", "413", "503")
    return {
        "/api/documents": {
            "post": {
                "operationId": "createDocument",
                "summary": "Ajouter un article (fichier .txt du corpus), cherchable aussitôt",
                "requestBody": _write_body("DocumentCreate"),
                "responses": {"201": _created("L'article, tel qu'indexé.")}
                | _write_errors(*errors),
                **secured,
            }
        },
        "/api/documents/{doc_id}": {
            "put": {
                "operationId": "putDocument",
                "summary": "Créer ou remplacer l'article `doc_id` (un `.txt` du corpus)",
                "parameters": [DOC_ID],
                "requestBody": _write_body("DocumentWrite"),
                "responses": {
                    "200": _json("L'article remplacé, tel qu'indexé.", "Document"),
                    "201": _created("L'article créé, tel qu'indexé."),
                }
                | _write_errors(*errors, "404"),
                **secured,
            },
            "delete": {
                "operationId": "deleteDocument",
                "summary": "Supprimer l'article `doc_id` (son fichier .txt du corpus)",
                "parameters": [DOC_ID],
                "responses": {"204": {"description": "Supprimé, et retiré de l'index."}}
                | _write_errors("400", "401", "403", "404", "409", "503"),
                **secured,
            },
        },
    }


def add_write_operations(document: dict) -> None:
    """Merge the write operations, their schemas, errors and security into ``document``."""
    for path, operations in write_paths().items():
        document["paths"].setdefault(path, {}).update(operations)
    components = document["components"]
    components["schemas"].update(WRITE_SCHEMAS)
    components.setdefault("securitySchemes", {})["bearer"] = BEARER
    error = components["schemas"]["Error"]["properties"]["error"]["properties"]
    error["code"]["enum"] += [c for c in WRITE_ERROR_CODES if c not in error["code"]["enum"]]


add_write_operations(DOCUMENT)
