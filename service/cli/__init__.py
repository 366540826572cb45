"""The command line: ``search``, ``search-index`` and ``search-serve``.

Each command parses its options into the same requests the API builds, calls the search
core (``service.search``), the corpus (``service.corpus``) or the web server
(``service.web``), and prints the result; ``search --json`` prints exactly the API's body.
Exit codes: 0 with hits, 1 with none, 2 on a usage, query or configuration error.

    options     --config, the one error handler (SearchError -> message, exit code)
    french      click's own messages in French (locale/)
    search      search QUERY | --similar ID | --complete TEXT
    render      results as text for a terminal
    index       search-index
    serve       search-serve
"""
