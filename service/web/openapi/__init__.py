"""The OpenAPI 3.1 description of the service, served at /openapi.json.

Written by hand as Python dicts, next to the code it describes: ``shapes`` (building
blocks), ``schemas`` (what the read API answers), ``paths`` (its operations) and
``writes`` (the write API). tests/test_openapi.py validates the document and checks real
responses against its schemas, so the two cannot drift.
"""

from __future__ import annotations

import copy

from .paths import PATHS
from .schemas import SCHEMAS
from .writes import add_write_operations

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


add_write_operations(DOCUMENT)
