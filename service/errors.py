"""The SearchError family: one code, HTTP status and exit code per kind of failure.

Messages are French sentences for users: what failed, the value, what to do.
"""

from __future__ import annotations


class SearchError(Exception):
    """Base of every error a user can be shown."""

    code, status, exit_code = "internal", 500, 1


class QueryError(SearchError):
    """A query or a parameter that cannot be answered as given; ``param`` names the
    parameter at fault when it is one (the page shows the message beside its field)."""

    code, status, exit_code = "bad_query", 400, 2

    def __init__(self, message: str = "", param: str | None = None):
        super().__init__(message)
        self.param = param


class ConfigError(SearchError):
    """A configuration file or override that is not valid."""

    code, status, exit_code = "bad_config", 500, 2


class DocumentNotFound(SearchError):
    """No article has this id."""

    code, status, exit_code = "not_found", 404, 1


class IndexUnavailable(SearchError):
    """The index is missing, being built for the first time, or unreadable."""

    code, status, exit_code = "index_unavailable", 503, 1


class BuildFailed(SearchError):
    """A build that could not finish (a full disk...): the live index is left as it was."""

    code, status, exit_code = "build_failed", 503, 1


class InvalidDocument(SearchError):
    """An article sent to the write API that cannot be stored as given."""

    code, status, exit_code = "bad_document", 400, 2


class Unauthorized(SearchError):
    """A write without a bearer token."""

    code, status, exit_code = "unauthorized", 401, 1


class Forbidden(SearchError):
    """A write with a wrong token, or while writes are disabled."""

    code, status, exit_code = "forbidden", 403, 1


class ReadOnly(SearchError):
    """A write to an article that only its source file can change (a JSONL line)."""

    code, status, exit_code = "read_only", 409, 1


class Conflict(SearchError):
    """A write that contradicts what exists (POST with the id of an existing article)."""

    code, status, exit_code = "conflict", 409, 1


class TooLong(SearchError):
    """A search that ran past its time budget (``search.time_budget_ms``): answered 503,
    with Retry-After, rather than holding a server thread for seconds."""

    code, status, exit_code = "timeout", 503, 1
