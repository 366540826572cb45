"""The corpus and its index on disk: building the index, and changing articles.

Neither Flask nor click, nor the search core: the commands and the web service call it.

    indexing    open the configured index, building it first if needed; build or update it
    ids         the ids an API write may use, and the files they name
    articles    write, replace and delete article files, and publish the index with them
    worker      the builds that writes ask for, in a process of their own
"""
