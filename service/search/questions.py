"""A question's filler words: what a question says without saying what it is about.

    content("Quand a eu lieu l'incendie de la cathédrale Notre-Dame ?")
      -> "Quand l'incendie de la cathédrale Notre-Dame ?"
    content("Qui a fait la loi Travail ?")  -> "Qui la loi Travail ?"
    content("incendie fait lieu")           -> "incendie fait lieu"  (not a question)

A question typed in full wraps its subject in function words and light verbs: "avoir
lieu", "il y a", "faire", "être", "avoir" in any tense. Terms are ANDed, so such a word
decided what was found: "lieu" in "a eu lieu" kept 21 articles of the Notre-Dame
question, none on the April 2019 fire. In a question, they are dropped before parsing;
the query's other words, and the question's vector (``hybrid``), say what it is about.

A text is a question when it ends with "?" or opens with an interrogative word. Only
plain words are dropped: not inside quotes, nor an excluded or starred word, nor a query
with operators or groups, which says exactly what it wants. A question made only of such
words is left whole. The list is ours, not the analyser's stop list: these words are
searchable in any other query ("les faits", "le lieu du crime").
"""

from __future__ import annotations

import re

from indexer.analysis import WORD, fold, word_terms

INTERROGATIVES = frozenset(
    fold(w)
    for w in (
        "quand où qui que quoi quel quelle quels quelles lequel laquelle lesquels lesquelles "
        "comment pourquoi combien est-ce"
    ).split()
)
# Avoir, être and faire in the tenses a question uses, and the "t" of "a-t-il".
LIGHT_VERBS = frozenset(
    fold(w)
    for w in (
        "avoir a ai as avons avez ont avait avais avaient avions aviez eu eue eues eus eut "
        "aura auras aurons aurez auront aurait auraient ayant "
        "être est es sommes êtes sont était étais étaient été sera seront serait seraient "
        "fut furent soit soient étant "
        "faire fait faits faite faites font faisait faisaient fera feront ferait feraient "
        "fit firent "
        "t"
    ).split()
)
AVOIR = frozenset(fold(w) for w in "avoir a ont avait avaient eu aura auront aurait ayant".split())
# "lieu" after a form of avoir: "a eu lieu", "ont lieu", "aura lieu".
LIGHT_NOUNS = {"lieu": AVOIR}
PLAIN = re.compile(r"[^\"()*]*")
OPERATORS = frozenset({"AND", "ET", "OR", "OU", "NOT", "SAUF"})


def is_question(text: str) -> bool:
    """Whether ``text`` reads as a question: a final "?" or an interrogative first word."""
    words = WORD.findall(text)
    if text.rstrip().endswith("?"):
        return True
    return bool(words) and _folded(words[0]) in INTERROGATIVES


def content(text: str) -> str:
    """``text`` without the filler words of a question (itself when it is none, or when
    nothing else would be left)."""
    if not is_question(text) or not PLAIN.fullmatch(text):
        return text
    tokens = text.split()
    if any(t in OPERATORS or t.startswith("-") for t in tokens):
        return text
    kept, previous = [], ""
    for token in tokens:
        words = [_folded(w) for w in WORD.findall(token)]
        fillers = [_is_filler(w, previous) for w in words]
        if any(fillers) and all(f or not _is_kept(w) for f, w in zip(fillers, words, strict=True)):
            previous = words[-1]
            continue
        kept.append(token)
        previous = words[-1] if words else previous
    rest = " ".join(kept)
    return rest if any(_is_kept(_folded(w)) for w in WORD.findall(rest)) else text


def _is_filler(word: str, previous: str) -> bool:
    """A light verb, or a light noun right after the verb it goes with ("eu lieu")."""
    return word in LIGHT_VERBS or previous in LIGHT_NOUNS.get(word, ())


def _is_kept(word: str) -> bool:
    """Whether the analyser keeps a folded word (not a stop word)."""
    return bool(word) and word_terms(word) is not None


def _folded(word: str) -> str:
    """A tokenizer word folded, without its elision: "l'incendie" -> "incendie"."""
    terms = word_terms(word)
    if terms is not None:
        return terms[1]
    head, _, rest = word.replace("’", "'").partition("'")
    return fold(rest or head)
