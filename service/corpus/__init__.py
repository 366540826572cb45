"""The corpus and its index on disk (or its archive in a database): building the index,
and changing articles.

Neither Flask nor click, nor the search core: the commands and the web service call it.

    indexing    open the configured index, building it first if needed; build or update it
    ids         the ids an API write may use, and the files they name
    commits     the API's writes, queued and committed together (put_article, delete_article)
    articles    write, replace and delete article files, and publish the index with them
    rows        the same writes as rows of the archive, when it is a database (postgres)
    worker      the process where writes are committed, a core of its own
"""
