"""The SearchError family: one code, HTTP status and exit code per kind of failure.

Messages are French sentences for users: what failed, the value, what to do.
"""

from __future__ import annotations


class SearchError(Exception):
    """Base of every error a user can be shown."""

    code, status, exit_code = "internal", 500, 1


class QueryError(SearchError):
    """A query or a parameter that cannot be answered as given."""

    code, status, exit_code = "bad_query", 400, 2


class ConfigError(SearchError):
    """A configuration file or override that is not valid."""

    code, status, exit_code = "bad_config", 500, 2


class DocumentNotFound(SearchError):
    """No article has this id."""

    code, status, exit_code = "not_found", 404, 1


class IndexUnavailable(SearchError):
    """The index is missing, being built for the first time, or unreadable."""

    code, status, exit_code = "index_unavailable", 503, 1
