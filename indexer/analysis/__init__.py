"""French analysis: one chain, run on the articles at index time and on the queries.

Pure Python over PyStemmer and Unidecode: no engine is imported here (an engine adapts
the terms to its own index: ``indexer.engines``). The chain, in a fixed order (a test
pins it), fused per word in ``word_terms``, the only path::

    "L’Éloignée du maïs, et des œuvres"
      WORD          "L’Éloignée" "du" "maïs" "et" "des" "œuvres"   words, offsets kept
      elision       "Éloignée"                                    l' d' qu' jusqu' ... (’ ‘ ʼ)
      lower         "éloignée" "du" "maïs" "et" "des" "œuvres"
      is_stopword   "éloignée" "maïs" "œuvres"                    as written: "maïs" is not "mais"
      fold          exact terms "eloignee" "mais" "oeuvres"       prefixes, lexicon, vectors
      stem          "eloign" "mais" "oeuvr"                       Snowball on the accented form,
                                                                  then folded

``stem`` (``stemming``) is itself a fixed chain: ``open_letters`` (fold the letters
Snowball does not read), ``mend_ending`` (the accents a typed ending lacks: "eloignee" ->
"eloignée"), ``snowball``, ``fold_stem``, ``join_families``. So "éloigné", "éloignée" and
"eloignee" meet, "maïs" stays apart from "mais" (stopped) and from "mai", and accents,
case, ligatures and elision never matter.
Stop words: ``stopwords`` (function words only, with where each group comes from); a
question also drops the function words that are content words elsewhere ("est", "été").
"""

from .chain import (
    APOSTROPHES,
    WORD,
    analyze,
    analyze_word,
    analyze_words,
    elided_length,
    kept_terms,
    kept_word,
    word_terms,
)
from .stemming import (
    STEM_CHAIN,
    fold,
    fold_stem,
    join_families,
    mend_ending,
    open_letters,
    snowball,
    stem,
)
from .stopwords import HOMONYMS, STOPWORDS, is_question, is_stopword

__all__ = [
    "APOSTROPHES",
    "HOMONYMS",
    "STEM_CHAIN",
    "STOPWORDS",
    "WORD",
    "analyze",
    "analyze_word",
    "analyze_words",
    "elided_length",
    "fold",
    "fold_stem",
    "is_question",
    "is_stopword",
    "join_families",
    "kept_terms",
    "kept_word",
    "mend_ending",
    "open_letters",
    "snowball",
    "stem",
    "word_terms",
]
