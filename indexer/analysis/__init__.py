"""French analysis: one chain, run on the articles at index time and on the queries.

Pure Python over PyStemmer and Unidecode: no engine is imported here (an engine adapts
the terms to its own index: ``indexer.engines``). The chain, in a fixed order (a test
pins it), fused per word in ``word_terms``, the only path::

    "L’Éloignée chinoise et l’œuvre"
      WORD          "L’Éloignée" "chinoise" "et" "l’œuvre"     words, offsets kept
      elision       "Éloignée" "chinoise" "et" "œuvre"          l' d' qu' jusqu' ... (’ ‘ ʼ)
      lower         "éloignée" "chinoise" "et" "œuvre"
      fold          "eloignee" "chinoise" "et" "oeuvre"         exact terms: prefixes, lexicon
      is_stopword   "eloignee" "chinoise" "oeuvre"              folded: "à" and "a" go alike
      stem          "eloign" "chinois" "oeuvr"                  Snowball on the accented form,
                                                                then folded

``stem`` (``stemming``) is itself a fixed chain: ``open_letters`` (fold the letters
Snowball does not read), ``mend_ending`` (the accents a typed ending lacks: "eloignee" ->
"eloignée"), ``snowball``, ``fold``, ``join_families``. So "éloigné", "éloignée" and
"eloignee" meet, and accents, case, ligatures and elision never matter.
"""

from .chain import (
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
    join_families,
    mend_ending,
    open_letters,
    snowball,
    stem,
)
from .stopwords import STOPWORDS, is_stopword

__all__ = [
    "STEM_CHAIN",
    "STOPWORDS",
    "WORD",
    "analyze",
    "analyze_word",
    "analyze_words",
    "elided_length",
    "fold",
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
