"""The stop list: French function words, checked once the word is folded.

Snowball's French list as Whoosh ships it, and a few function words it lacks. The list
is folded, like the words it is checked against, so "à" and "a" go alike.
"""

from __future__ import annotations

from .stemming import fold

# Snowball's French list (whoosh.lang.stopwords.stoplists["fr"]).
SNOWBALL = """
    ai aie aient aies ait as au aura aurai auraient aurais aurait auras aurez auriez
    aurions aurons auront aux avaient avais avait avec avez aviez avions avons ayant
    ayante ayantes ayants ayez ayons c ce ces d dans de des du elle en es est et eu eue
    eues eurent eus eusse eussent eusses eussiez eussions eut eux eûmes eût eûtes
    furent fus fusse fussent fusses fussiez fussions fut fûmes fût fûtes il j je l
    la le leur lui m ma mais me mes moi mon même n ne nos notre nous on ont ou par pas
    pour qu que qui s sa se sera serai seraient serais serait seras serez seriez
    serions serons seront ses soient sois soit sommes son sont soyez soyons suis sur t
    ta te tes toi ton tu un une vos votre vous y à étaient étais était étant
    étante étantes étants étiez étions été étée étées étés êtes
""".split()

# Snowball's French list lacks a few of the most frequent function words (it has "il"
# and "elle" but not their plurals, which end typed questions: "manifestent-ils ?"), and
# the interrogatives that open questions ("Quand ... ?") and say nothing of the topic.
OURS = """
    les cette cet dont ils elles quand comment pourquoi combien quel quelle quels quelles
    lequel laquelle lesquels lesquelles
""".split()

STOPWORDS = frozenset(fold(w) for w in SNOWBALL + OURS)


def is_stopword(word: str) -> bool:
    """Whether a folded word is a function word: 'a' (from "à") yes."""
    return word in STOPWORDS
