"""The schemas of the read API: parameters, hits, facets, results, errors, health.

Each mirrors a model's ``to_dict()`` (``service.search.models``); tests/test_openapi.py
checks real responses against them, so the two cannot drift.
"""

from __future__ import annotations

from ...search.models import MAX_PAGE, SORTS
from .shapes import (
    DATE_PATTERN,
    NULLABLE_STRING,
    TYPED_DATE_PATTERN,
    closed_object,
    json_body,
    query_param,
    ref,
)

ERRORS = {
    "400": json_body("Paramètre ou requête invalide (code `bad_query`).", "Error"),
    "503": json_body(
        "Index absent ou illisible (code `index_unavailable`), ou recherche qui a dépassé "
        "son temps (code `timeout`, avec `Retry-After`).",
        "Error",
    ),
}

NOT_FOUND = json_body("Aucun article n'a cet identifiant (code `not_found`).", "Error")
DOC_ID = {
    "name": "doc_id",
    "in": "path",
    "required": True,
    "description": "L'identifiant d'un résultat (`hits[].id`) ; les `/` peuvent rester tels "
    "quels, `#` s'écrit `%23`.",
    "schema": {"type": "string"},
}

SEARCH_PARAMETERS = [
    query_param(
        "q",
        'La requête : mots (tous requis), `"phrase"` (les accents tapés d\'abord), '
        "`OR`/`OU`, `AND`/`ET`, `-exclu` ou `NOT`/`SAUF exclu` (opérateurs en capitales), "
        "`préfixe*`, parenthèses. Insensible aux accents, à la casse et à l'élision. Vide : "
        "tous les articles (filtrés), les plus récents d'abord.",
        {"type": "string", "maxLength": 1000},
        example="Ceinture et la Route",
    ),
    query_param(
        "country",
        "Code pays ISO 3166-1 alpha-2 ; répétable : l'article doit nommer chacun des pays.",
        {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z]{2}$"}},
        style="form",
        explode=True,
        example=["AZ"],
    ),
    query_param(
        "from",
        "Depuis cette date incluse : AAAA, AAAA-MM, AAAA-MM-JJ, MM/AAAA ou JJ/MM/AAAA.",
        {"type": "string", "pattern": TYPED_DATE_PATTERN},
        example="15/04/2019",
    ),
    query_param(
        "to",
        "Jusqu'à cette date incluse : AAAA, AAAA-MM, AAAA-MM-JJ, MM/AAAA ou JJ/MM/AAAA.",
        {"type": "string", "pattern": TYPED_DATE_PATTERN},
        example="2025-06",
    ),
    query_param(
        "sort",
        "Ordre : `relevance` (défaut avec une requête) ou `date` (défaut sans requête).",
        {"type": "string", "enum": list(SORTS)},
    ),
    query_param(
        "page",
        "Numéro de page, à partir de 1.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    ),
    query_param(
        "per_page",
        "Résultats par page (défaut et maximum : `search.per_page` et "
        "`search.max_per_page` de config.toml, 10 et 100 par défaut).",
        {"type": "integer", "minimum": 1, "default": 10},
    ),
    query_param(
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

COUNTRY = closed_object(
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
    "Error": closed_object(
        {
            "error": closed_object(
                {
                    "code": {
                        "type": "string",
                        "enum": [
                            "bad_query",
                            "not_found",
                            "method_not_allowed",
                            "index_unavailable",
                            "timeout",
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
    "Query": closed_object(
        {
            "q": {"type": "string"},
            "country": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}},
            "from": NULLABLE_STRING,
            "to": NULLABLE_STRING,
            "sort": {"type": "string", "enum": list(SORTS)},
        }
    ),
    "Hit": closed_object(
        {
            "id": {"type": "string", "description": "Chemin relatif au corpus (`FICHIER#ID`)."},
            "title": {"type": "string"},
            "date": {"type": ["string", "null"], "pattern": DATE_PATTERN},
            "countries": {"type": "array", "items": ref("Country")},
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
            "copies": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Les identifiants de ses copies (la même dépêche publiée "
                "deux fois : une mise à jour, un autre titre), retirées des résultats et "
                "des comptes : le résultat les représente.",
            },
            "url": NULLABLE_STRING,
            "passages": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Extraits en HTML échappé, les mots trouvés dans `<mark>`.",
            },
            "explain": {
                "type": "array",
                "items": ref("Explanation"),
                "description": "Seulement avec `explain=true`.",
            },
        },
        required=[
            "id",
            "title",
            "date",
            "countries",
            "score",
            "url",
            "passages",
            "by_meaning",
            "copies",
        ],
    ),
    "Explanation": closed_object(
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
    "FacetValue": closed_object(
        {
            "value": {"type": "string"},
            "count": {"type": "integer", "minimum": 1},
            "label": {"type": "string", "description": "Libellé français (pays seulement)."},
        },
        required=["value", "count"],
    ),
    "SearchResult": closed_object(
        {
            "query": ref("Query"),
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
            "hits": {"type": "array", "items": ref("Hit")},
            "facets": closed_object(
                {
                    name: {"type": "array", "items": ref("FacetValue")}
                    for name in ("country", "year", "month")
                },
            ),
            "suggestion": NULLABLE_STRING,
        }
    ),
    "ArticleDate": closed_object(
        {
            "value": {"type": "string", "pattern": DATE_PATTERN},
            "precision": {"type": "string", "enum": ["year", "month", "day"]},
            "source": {"type": "string", "enum": ["header", "text", "metadata"]},
        }
    ),
    "Document": closed_object(
        {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "date": {"oneOf": [ref("ArticleDate"), {"type": "null"}]},
            "countries": {"type": "array", "items": ref("Country")},
            "url": NULLABLE_STRING,
            "text": {"type": "string", "description": "Le texte entier, sans en-tête."},
        }
    ),
    "Suggestions": closed_object(
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
                "items": closed_object({"id": {"type": "string"}, "title": {"type": "string"}}),
                "maxItems": 5,
                "description": "Les meilleurs articles dont le titre a un mot qui commence "
                "comme le dernier mot de `q` et qui contiennent les autres mots.",
            },
        }
    ),
    "Similar": closed_object(
        {
            "id": {"type": "string", "description": "L'article de départ."},
            "hits": {
                "type": "array",
                "items": ref("Hit"),
                "maxItems": 20,
                "description": "Les articles proches, le plus proche d'abord (jamais l'article "
                "de départ) ; les passages marquent les mots qu'ils partagent avec lui.",
            },
        }
    ),
    "Health": closed_object(
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
