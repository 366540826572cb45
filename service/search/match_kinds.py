"""Match kinds: for each query word, how an article's words met it (``explain=true``).

Kinds, from the closest to the loosest: ``exact`` (same letters, case aside),
``accent_folded`` (same letters once accents and ligatures are folded), ``stem`` (same
French stem: relation / relations), ``synonym`` (another expression of a synonym group),
``name_variant`` (another transliteration: Baïramov / Bayramov), ``typo`` (a spelling
correction of a word the index does not hold, or misspells), ``prefix`` (word*). A
partial match also says, for a query word it lacks, the article's word nearest in
meaning, when there is one (``meaning``: "mort" -> "décès", ``semantics.nearest``): what
ranked it up.
"""

from __future__ import annotations

from indexer.analysis import fold
from indexer.articles import Article
from indexer.engines import querytree as qt

from .passages import match_spans
from .rerank import meaning

VIA_KINDS = {"synonym": "synonym", "name": "name_variant", "typo": "typo"}
LABELS = {
    "exact": "exact",
    "accent_folded": "sans accents",
    "stem": "même racine",
    "synonym": "synonyme",
    "name_variant": "variante du nom",
    "typo": "faute corrigée",
    "prefix": "préfixe",
    "meaning": "sens proche",
}


def match_kinds(article: Article, leaves: list) -> list[dict]:
    """One entry per (query word, kind) that the article matched, with its words: what
    ``explain=true`` shows under each hit."""
    text = f"{article.title}\n{article.text}"
    found: dict[tuple[str, str], set[str]] = {}
    for start, end, i in match_spans(text, leaves):
        leaf = leaves[i]
        key = (_typed(leaf), _kind(leaf, text[start:end]))
        found.setdefault(key, set()).add(text[start:end])
    matched = {term for term, _ in found}
    lacking = [leaf for leaf in leaves if isinstance(leaf, qt.Term) and _typed(leaf) not in matched]
    semantics, vectors = meaning() if lacking else (None, None)
    for leaf in lacking if semantics and vectors else ():
        if (_typed(leaf), "meaning") not in found:
            for word in (leaf.typed, leaf.exact):
                near = semantics.nearest(vectors, word, text) if word else None
                if near:
                    found[_typed(leaf), "meaning"] = {near}
                    break
    return [
        {"term": term, "match": kind, "label": LABELS[kind], "words": sorted(words)}
        for (term, kind), words in found.items()
    ]


def _typed(leaf) -> str:
    if isinstance(leaf, qt.Prefix):
        return f"{leaf.prefix}*"
    return leaf.typed or " ".join(leaf.exacts if isinstance(leaf, qt.Phrase) else [leaf.exact])


def _kind(leaf, word: str) -> str:
    if isinstance(leaf, qt.Prefix):
        return "prefix"
    if leaf.via:
        return VIA_KINDS[leaf.via]
    typed_words = leaf.typed.split() if leaf.typed else []
    if any(w.lower() == word.lower() for w in typed_words):
        return "exact"
    if any(fold(w) == fold(word) for w in typed_words):
        return "accent_folded"
    return "stem"
