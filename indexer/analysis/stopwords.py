"""The stop list: French function words, checked on the form as written.

A word is stopped when its lower-case form, accents kept, is in ``STOPWORDS``: "mais"
goes and "maïs" stays, "sur" goes and "sûr" stays, "ne" and "né", "du" and "dû". Only
function words are here: articles, pronouns, possessives, prepositions, conjunctions,
negation, the forms of "être" and "avoir" that are nothing else, and the words that open
a question. A word that is also a noun, adjective or verb someone searches for is not,
however frequent: "été" (summer), "est" (east), "son" (sound), "sommes" (sums),
"avions" (planes), "ton" (tone), "fait" (a fact), "fût" (a cask).

Decided on the 34,160 news articles (``../shared/data/news-fr.jsonl.gz``):

- "pas" is stopped: 60,779 of its 70,159 occurrences follow "ne" or "n'" within three
  words, and most of the others are negations too ("pas encore", "ou pas"); the noun is
  rare ("Pas-de-Calais" 483, "faux pas" 16, "pas de tir" 10), and an indexed "pas" would
  be a required word of every negative question. "Pas-de-Calais" is searched as "Calais".
- "ton" is kept, against Lucene's list: 509 of its 775 occurrences are the noun ("le
  ton", "un ton", "de ton"), the possessive of the second person is rare in news.
- "son" is kept, as in Lucene's list: the possessive is most of its 56,585 occurrences,
  but the noun ("le son", "du son", "ingénieur du son") cannot be found otherwise.
- "fait" is kept: a noun ("un fait", "faits divers") and the verb "faire" (24,078).
"""

from __future__ import annotations

import re

from .stemming import fold

# Lucene's French list (lucene/analysis/common, snowball/french_stop.txt: Snowball's
# list as Lucene ships it), which leaves out the forms that are also common words:
# "son" (sound), "été" and "étés" (summer), "est" (east), "sommes" (sums), "fût" (cask),
# "as" (ace), "aura" and "auras" (aura), "avions" (planes).
LUCENE = """
    au aux avec ce ces dans de des du elle en et eux il je la le leur lui ma mais me même
    mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses sur ta te tes toi
    ton tu un une vos votre vous
    c d j l à m n s t y
    étée étées étant suis es êtes sont serai seras sera serons serez seront serais serait
    serions seriez seraient étais était étions étiez étaient fus fut fûmes fûtes furent
    sois soit soyons soyez soient fusse fusses fussions fussiez fussent
    ayant eu eue eues eus ai avons avez ont aurai aurons aurez auront aurais aurait aurions
    auriez auraient avais avait aviez avaient eut eûmes eûtes eurent aie aies ait ayons
    ayez aient eusse eusses eût eussions eussiez eussent
    ceci cela celà cet cette ici ils les leurs quel quels quelle quelles sans soi
""".split()

# Kept out of Lucene's list, for what they also are in the news (module docstring).
NOT_STOPPED = {"ton"}

# Ours: function words Lucene's list lacks. "a" (has) and "où" (where): the list was
# checked once accents were folded, so "à" stopped "a" and "ou" stopped "où"; checked as
# written, they need their own lines. Then the plural pronoun Lucene has for "il" but not
# for "elle", the relative "dont", and the words that open a question ("Quand ... ?",
# "Lequel ... ?"), which say nothing of its topic.
OURS = """
    a où elles dont quand comment pourquoi combien lequel laquelle lesquels lesquelles
""".split()

# Questions typed without accents: the accent-less spelling of a stopped form, where it
# is no other word ("fumes", "futes", and "etes" for "étés", are words; "etait" is not).
# "meme" is "même" far more often than the "mème" of the Internet, written with its accent.
UNACCENTED = """
    etais etait etions etiez etaient etant etee etees eumes eutes meme
""".split()

STOPWORDS = frozenset([w for w in LUCENE if w not in NOT_STOPPED] + OURS + UNACCENTED)

# Function words that are also content words, as their exact (folded) terms: indexed, so
# "l'été", "les avions", '"Europe de l'Est"' find them; but in a question they are the
# copula and the auxiliaries ("Qui est ... ?", "Quand a-t-il été ... ?", "son nom"), which
# never decide what is found (DESIGN.md): a question drops them.
HOMONYMS = frozenset("est ete etes son sommes avions as aura auras ton".split())
# Words that open a question, as exact terms ("où" and "ou" alike: typed without accent).
ASKING = frozenset(
    "qui que quoi quel quelle quels quelles quand comment pourquoi combien ou lequel "
    "laquelle lesquels lesquelles".split()
)
_FIRST_WORD = re.compile(r"\W*(\w+)")


def is_stopword(word: str) -> bool:
    """Whether a lower-case word as written is a function word: 'mais' yes, 'maïs' no."""
    return word in STOPWORDS


def is_question(text: str) -> bool:
    """Whether a query is a question: 'Qui est le fondateur de Rome ?', 'quand a-t-il
    été élu' yes; "Europe de l'Est" no. It ends with "?" or opens with a word that asks."""
    first = _FIRST_WORD.match(text)
    return text.rstrip().endswith("?") or (first is not None and fold(first[1]) in ASKING)
