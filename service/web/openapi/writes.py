"""The write operations (``web.writes``): POST /api/documents, PUT and DELETE
/api/documents/{doc_id}, behind a bearer token, merged into the document by
``add_write_operations``."""

from __future__ import annotations

from .schemas import DOC_ID
from .shapes import DATE_PATTERN, closed_object, json_body, ref

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
    "DocumentWrite": closed_object({"text": WRITE_TEXT, "date": WRITE_DATE}, required=["text"]),
    "DocumentCreate": closed_object(
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
        "n'a changé (codes `index_unavailable`, `build_failed`) ; sauf quand le message dit "
        "le contraire (processus d'écriture sans réponse, secondaire PostgreSQL en retard).",
    }
    responses = {status: json_body(described[status], "Error") for status in statuses}
    if "401" in responses:
        responses["401"]["headers"] = {
            "WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Bearer …`"}
        }
    return responses


def _write_body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


def _created(description: str) -> dict:
    response = json_body(description, "Document")
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
                    "200": json_body("L'article remplacé, tel qu'indexé.", "Document"),
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
