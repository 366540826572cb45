"""French analysis: one chain, run on the articles at index time and on the queries.

Pure Python over PyStemmer and Unidecode: no engine is imported here (an engine adapts
the terms to its own index: ``indexer.engines``). The chain, in a fixed order (a test
pins it), fused per word in ``word_terms``, the only path::

    "L’Économie chinoise et l’œuvre"
      WORD          "L’Économie" "chinoise" "et" "l’œuvre"     words, offsets kept
      elision       "Économie" "chinoise" "et" "œuvre"          l' d' qu' jusqu' ... (’ ‘ ʼ)
      fold          "economie" "chinoise" "et" "oeuvre"         exact terms: prefixes, lexicon
      is_stopword   "economie" "chinoise" "oeuvre"              folded: "à" and "a" go alike
      stem          "econom" "chinois" "oeuvr"                  Snowball French (PyStemmer)

Folding comes before the stop list and stemming so that accented and accent-less
spellings meet: "coopération" and "cooperation" both stem to "cooper".
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
from .stemming import fold, stem
from .stopwords import STOPWORDS, is_stopword

__all__ = [
    "STOPWORDS",
    "WORD",
    "analyze",
    "analyze_word",
    "analyze_words",
    "elided_length",
    "fold",
    "is_stopword",
    "kept_terms",
    "kept_word",
    "stem",
    "word_terms",
]
