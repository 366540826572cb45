"""The building blocks of the OpenAPI document: references, JSON and HTML bodies,
query parameters and closed objects, so that the schemas and paths read as the API."""

from __future__ import annotations

DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
# A period filter also takes dates typed the French way: JJ/MM/AAAA, MM/AAAA (``periods``).
TYPED_DATE_PATTERN = r"^(\d{4}(-\d{2}(-\d{2})?)?|(\d{1,2}[/.-])?\d{1,2}[/.-]\d{4})$"
NULLABLE_STRING = {"type": ["string", "null"]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


# /api/search and the page: whether the answer comes from the answer cache.
X_CACHE = {
    "X-Cache": {
        "description": "`hit` : la réponse déjà donnée sur cette génération de l'index, "
        "renvoyée telle quelle (`took_ms` : le temps de cette requête) ; `miss` : calculée.",
        "schema": {"type": "string", "enum": ["hit", "miss"]},
    }
}


def html_body(description: str) -> dict:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def query_param(name: str, description: str, schema: dict, **extra) -> dict:
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


def closed_object(properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": required if required is not None else list(properties),
        "additionalProperties": False,
    }
