"""The web service: the Flask app, its blueprints, the search page and the OpenAPI.

It renders what the search core (``service.search``) returns and asks the corpus write
path (``service.corpus``) to change articles; nothing else imports it.

    app         create_app(config): the blueprints, one error rendering, security headers
    state       the running service (config, snapshots, settings, answer cache)
    api         /api/search, /api/documents/<id>, /healthz, /openapi.json
    discovery   /api/suggest, /api/documents/<id>/similar
    writes      POST, PUT, DELETE /api/documents (bearer token)
    pages       / and /documents/<id>: the page, with pageview and timeline
    answers     the answers already given on the live generation
    openapi     the description of the API
    server      waitress, the WSGI server of search-serve
"""
