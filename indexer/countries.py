"""Countries an article names -> ISO 3166-1 alpha-2 codes; French labels from Babel.

    "l’Azerbaïdjan, la Chine, China-Azerbaijan"  -> ('AZ', 'CN')  names, French or English
    "le ministre kirghiz et les Chinois"          -> ('CN', 'KG')  demonyms, any form
    "les relations sino-azerbaïdjanaises"         -> ('AZ', 'CN')  compounds
    "à Bakou ; Maurice Papon ; une réunion"       -> ('AZ',)       capitals; no first names

How: the text is cut into runs (``indexer.runs``, the same cut and numbering as the
analysis of an article's terms), and each distinct run is folded once (apostrophes ’‘ʼ
-> ', Unidecode on the non-ASCII characters, case kept) and split into words, which are
kept for the next text that has that run; a hyphen splits like a space, so a hyphenated
word ('Royaume-Uni', 'Chine-Azerbaïdjan') is looked up whole, as the n-gram of its parts,
before its parts are. At each word that can start an entry, the longest n-gram of 1 to 5
words in one dict wins and its words are consumed. An entry is a code, or nothing for a
blocker: a longer place that is not the country ('Nouveau-Mexique', 'Nouvelle-Guinée',
'New Jersey', 'océan Indien'), which hides the name inside it. Prefixes ('sino-') are read
apart, by a small regex that needs a hyphen after them and runs only on runs with 'o-'.

Names must be proper nouns: the first capitalised word of the reference form ('Corée' in
'Corée du Sud', 'Réunion' in 'La Réunion') must start with a capital in the text, so
'une réunion' and 'chili con carne' name nothing; an ALL-CAPS word passes, as its Title
case would. Demonyms match in any case ('chinois', 'les Chinois', 'CHINOIS').

Where the entries come from:
- Names: Babel's French and English territory names for the codes of `is_country_code`,
  both sides of a parenthesis ('Myanmar (Birmanie)'). A name that Babel gives two codes
  ('Saint-Martin') names nothing. `_NOT_NAMES` drops names that are mostly something else
  (first names, a US state); `_ALIASES` adds short forms Babel lacks and the safe contexts
  of the dropped ones ('île Maurice', 'au Salvador').
- Demonyms: our table, masculine singular only; `_inflect` makes the other forms.
- Capitals: ours, unambiguous ones only. Prefixes: ours, counted only before a hyphen.

Speed, CPU time per article (time.thread_time, so that the other processes of a busy
machine do not count) over the first 5,000 articles of news-fr.jsonl.gz, on a 2-core VM with
Python 3.11, six runs while the machine's load average was 5 to 8: median 0.17-0.22 ms, p95
0.46-0.61 ms (wall clock: median 0.19-0.24 ms, p95 inflated to 4-7 ms by preemption). With
runs (load 4 to 5): 0.20-0.26 ms while every run is new, 0.13-0.23 ms over the same texts
again, when the runs are known; in a build the analysis then reuses the text's runs. Run:

PYTHONPATH=. .venv/bin/python -c 'import gzip, itertools, json, statistics, time
from indexer.countries import find_countries
texts = [json.loads(line)["text"] for line in itertools.islice(
    gzip.open("/work/shared/data/news-fr.jsonl.gz", "rt"), 5000)]
times = []
for text in texts:
    start = time.thread_time(); find_countries(text); times.append(time.thread_time() - start)
times.sort(); print(statistics.median(times) * 1e3, times[int(0.95 * len(times))] * 1e3)'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import chain, compress, count
from typing import NamedTuple

from babel import Locale
from unidecode import unidecode

from .runs import Cut, cut, per_run

__all__ = ["country_label", "countries_of", "find_countries", "is_country_code"]

_FRENCH = Locale("fr").territories
_ENGLISH = Locale("en").territories

# Babel codes that are not countries or territories of ISO 3166-1: groupings (EU, EZ, UN,
# QO, ZZ), pseudo-locales (XA, XB), and ISO's "exceptionally reserved" codes (AC, CP, CQ,
# DG, EA, IC, TA), whose names ('Diego Garcia', 'Îles Canaries') belong to another code's
# land or to people. XK (Kosovo) is user-assigned but used everywhere, so it stays.
_NOT_COUNTRIES = frozenset("AC CP CQ DG EA EU EZ IC QO TA UN XA XB ZZ".split())
_COUNTRY_CODES = frozenset(
    code
    for code in _FRENCH
    if len(code) == 2 and code.isalpha() and code.isupper() and code not in _NOT_COUNTRIES
)

# Folded Babel names that name something else more often than the country. French:
# first names ('Maurice Papon', 'Dominique', 'Salvador Dalí'), Granada in Spain (Grenade).
# English: first names (Jordan Bardella, Chad), the US state (Georgia), Mexico City in
# French (Mexico), a surname ('Charlotte St. Martin'), and 'Réunion', which needs the
# article in French. So English names count, as in 'China-Azerbaijan', but these do not.
_NOT_NAMES = frozenset(
    "maurice dominique salvador grenade jordan chad georgia mexico reunion".split()
) | {"st martin"}

# Our names, "CODE: name, name; ...". Short forms Babel lacks, common spellings Babel does
# not use (Kirghizistan, République tchèque), and the safe contexts of _NOT_NAMES. Plain
# 'Congo' and 'Corée' are ambiguous and stay out. 'Irlande du Nord' keeps 'Irlande' from IE.
# 'Anglais' is here, as a name: capitalised it is the people, lowercase mostly the language.
_ALIASES = """
HK: Hong Kong; MO: Macao, Macau; CD: République démocratique du Congo, RDC, RD Congo;
CG: République du Congo; GB: Grande-Bretagne, Angleterre, Irlande du Nord,
    Anglais, Anglaise, Anglaises;
KG: Kirghizistan; CZ: République tchèque; SZ: Swaziland; VA: Vatican, Saint-Siège;
PS: Palestine; GF: Guyane; GS: Géorgie du Sud; US: USA; TR: Turkey;
MU: île Maurice, République de Maurice; DM: la Dominique; GD: la Grenade;
SV: au Salvador, du Salvador, le Salvador, el Salvador
"""

# Capitals that name nothing else in French news. Left out: Washington, Mexico, Vienne
# (a French town and a verb form), Sofia, Santiago, Tripoli (also in Lebanon), Abidjan.
# 'Caire' and 'Havane' without their article, which contracts ('au Caire', 'de La Havane').
# Paris counts for FR, as Berlin counts for DE: it stands for the state ('Paris et Berlin
# ont signé') and an article that names it is set in France; 'accord de Paris' then gives
# FR too, a small price next to missing every 'à Paris'.
_CAPITALS = """
CN: Pékin, Beijing; AZ: Bakou; KG: Bichkek; KZ: Astana, Nour-Soultan; RU: Moscou;
IR: Téhéran; TR: Ankara; UA: Kiev, Kyiv; GE: Tbilissi; AM: Erevan; UZ: Tachkent;
TJ: Douchanbé; TM: Achgabat, Achkhabad; JP: Tokyo; KR: Séoul; KP: Pyongyang;
IN: New Delhi; PK: Islamabad; AF: Kaboul; IQ: Bagdad; SY: Damas; LB: Beyrouth;
SA: Riyad, Riyadh; AE: Abou Dhabi; QA: Doha; YE: Sanaa; OM: Mascate; JO: Amman;
DE: Berlin; ES: Madrid; IT: Rome; GB: Londres; BE: Bruxelles; PL: Varsovie;
HU: Budapest; CZ: Prague; GR: Athènes; PT: Lisbonne; FR: Paris; IE: Dublin;
NL: Amsterdam; DK: Copenhague; NO: Oslo; SE: Stockholm; FI: Helsinki; RO: Bucarest;
RS: Belgrade; HR: Zagreb; BY: Minsk; LT: Vilnius; LV: Riga; EE: Tallinn; CH: Berne;
EG: Caire; DZ: Alger; MA: Rabat; TN: Tunis; SN: Dakar; ML: Bamako; NE: Niamey;
BF: Ouagadougou; CD: Kinshasa; CG: Brazzaville; KE: Nairobi; ET: Addis-Abeba;
NG: Abuja; ZA: Pretoria; CA: Ottawa; BR: Brasilia; AR: Buenos Aires; CU: Havane;
VE: Caracas; CO: Bogota; TH: Bangkok; VN: Hanoï; PH: Manille; ID: Jakarta
"""

# Our demonyms and adjectives, masculine singular (hyphens as written). Left out as
# ambiguous: congolais, coréen (two Congos, two Koreas), dominicain (also the friars),
# guyanais (French Guiana or Guyana), anglais (mostly the language, see _ALIASES).
_DEMONYMS = """
DE: allemand; AT: autrichien; BE: belge; NL: néerlandais, hollandais; LU: luxembourgeois;
CH: suisse; LI: liechtensteinois; FR: français; MC: monégasque; AD: andorran;
ES: espagnol; PT: portugais; IT: italien; SM: saint-marinais; MT: maltais;
GB: britannique; IE: irlandais; IS: islandais; DK: danois; NO: norvégien; SE: suédois;
FI: finlandais; EE: estonien; LV: letton; LT: lituanien; PL: polonais; CZ: tchèque;
SK: slovaque; HU: hongrois; RO: roumain; BG: bulgare; GR: grec; CY: chypriote;
SI: slovène; HR: croate; RS: serbe; BA: bosnien, bosniaque; ME: monténégrin;
MK: macédonien, nord-macédonien; AL: albanais; XK: kosovar; MD: moldave;
UA: ukrainien; BY: biélorusse, bélarusse; RU: russe; TR: turc;
GE: géorgien; AM: arménien; AZ: azerbaïdjanais, azéri; KZ: kazakh, kazakhstanais;
UZ: ouzbek; KG: kirghiz; TJ: tadjik; TM: turkmène; AF: afghan; PK: pakistanais;
IR: iranien; IQ: irakien; SY: syrien; LB: libanais; IL: israélien; PS: palestinien;
JO: jordanien; SA: saoudien; AE: émirati, émirien; QA: qatari, qatarien;
KW: koweïtien; BH: bahreïni, bahreïnien; OM: omanais; YE: yéménite;
IN: indien; BD: bangladais, bangladeshi; NP: népalais; LK: sri-lankais; BT: bhoutanais;
MV: maldivien; CN: chinois; TW: taïwanais; HK: hongkongais; MN: mongol; JP: japonais;
KP: nord-coréen; KR: sud-coréen; VN: vietnamien; LA: laotien; KH: cambodgien;
TH: thaïlandais; MM: birman; MY: malaisien; SG: singapourien; ID: indonésien;
PH: philippin; BN: brunéien; TL: est-timorais;
EG: égyptien; LY: libyen; TN: tunisien; DZ: algérien; MA: marocain; MR: mauritanien;
SN: sénégalais; GM: gambien; GW: bissau-guinéen; GN: guinéen; SL: sierra-léonais;
LR: libérien; CI: ivoirien; GH: ghanéen; TG: togolais; BJ: béninois; BF: burkinabè;
ML: malien; NE: nigérien; NG: nigérian; TD: tchadien; CM: camerounais;
CF: centrafricain; GA: gabonais; GQ: équato-guinéen; AO: angolais; ZM: zambien;
ZW: zimbabwéen; MZ: mozambicain; MW: malawien; TZ: tanzanien; KE: kényan;
UG: ougandais; RW: rwandais; BI: burundais; SD: soudanais; SS: sud-soudanais;
ET: éthiopien; ER: érythréen; DJ: djiboutien; SO: somalien; MG: malgache;
MU: mauricien; KM: comorien; SC: seychellois; ZA: sud-africain; NA: namibien;
BW: botswanais; CV: cap-verdien;
US: américain, états-unien, étatsunien; CA: canadien; MX: mexicain; GT: guatémaltèque;
HN: hondurien; SV: salvadorien; NI: nicaraguayen; CR: costaricien, costaricain;
PA: panaméen; CU: cubain; HT: haïtien; JM: jamaïcain; DM: dominiquais;
TT: trinidadien; BS: bahaméen; BB: barbadien; PR: portoricain; CO: colombien;
VE: vénézuélien; EC: équatorien; PE: péruvien; BO: bolivien; CL: chilien; AR: argentin;
UY: uruguayen; PY: paraguayen; BR: brésilien; GY: guyanien; SR: surinamais;
AU: australien; NZ: néo-zélandais; FJ: fidjien; PG: papouan-néo-guinéen; WS: samoan;
TO: tongien; VU: vanuatais; RE: réunionnais; MQ: martiniquais; GP: guadeloupéen;
YT: mahorais; NC: néo-calédonien; GL: groenlandais
"""

# Forms that the endings rule of _inflect gets wrong: all of them, masculine singular aside.
_IRREGULAR = {
    "turc": ("turque", "turcs", "turques"),
    "grec": ("grecque", "grecs", "grecques"),
    "letton": ("lettons", "lettone", "lettones", "lettonne", "lettonnes"),
    "suisse": ("suisses", "suissesse", "suissesses"),
}

# Prefixes of compound adjectives, counted only before a hyphen ('sino-azerbaïdjanaises').
# Not 'anglo-' (anglo-saxon), 'indo-' (Indo-Pacifique), 'serbo-' (the serbo-croate language).
_PREFIXES = """
CN: sino; RU: russo; FR: franco; TR: turco; DE: germano; IT: italo; ES: hispano;
JP: nippo; IR: irano; IL: israélo; SY: syro; AM: arméno; AZ: azéro; GR: gréco;
AT: austro; BE: belgo; PL: polono; US: américano; CA: canado; UA: ukraino;
DZ: algéro; MA: maroco; TN: tuniso; LB: libano
"""

# Longer places that contain a country's name or demonym but are not the country. Each
# hides what it contains; a whole place that is the country ('Papouasie-Nouvelle-Guinée',
# 'Guinée équatoriale') is longer still and wins.
_BLOCKERS = """
Nouveau-Mexique; New Mexico; Nouvelle-Guinée; New Guinea; New Jersey; Nouvelle-Angleterre;
Colombie-Britannique; océan Indien; golfe de Guinée; palais du Luxembourg;
jardin du Luxembourg; la Saint-Barthélemy; détroit de Gibraltar; État de Géorgie;
sud-américain; nord-américain; latino-américain
"""

_MAX_WORDS = 5
_ARTICLES = frozenset(("l", "la", "le", "les", "el"))
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORD = re.compile(r"\w+", re.ASCII)
_PREFIXED = re.compile(r"\b([A-Za-z]+[oO])-(?=[A-Za-z])")
# Non-ASCII character -> ASCII, filled by Unidecode as characters come; apostrophes first
# (Unidecode agrees), so that "l’État" and "l'État" split alike.
_folded_chars: dict[str, str] = {"’": "'", "‘": "'", "ʼ": "'"}


def _fold_char(match: re.Match[str]) -> str:
    """Unidecode one non-ASCII character, cached: 'ï' -> 'i', 'œ' -> 'oe'."""
    char = match.group()
    folded = _folded_chars.get(char)
    if folded is None:
        folded = _folded_chars[char] = unidecode(char)
    return folded


def _fold(text: str) -> str:
    """ASCII text, case kept: 'l’Azerbaïdjan' -> "l'Azerbaidjan"."""
    # Unidecode on the few non-ASCII characters only: on whole texts it is 6 times slower.
    return _NON_ASCII.sub(_fold_char, text)


def _parse_table(table: str) -> Iterator[tuple[str, str]]:
    """(code, entry) pairs of a 'CODE: a, b; CODE: c' table."""
    for item in table.split(";"):
        code, _, entries = item.partition(":")
        for entry in entries.split(","):
            yield code.strip(), entry.strip()


def _inflect(masculine: str) -> set[str]:
    """Gender and number forms of a folded demonym: 'italien' -> italienne, italiens..."""
    if masculine in _IRREGULAR:
        return {masculine, *_IRREGULAR[masculine]}
    if masculine.endswith("e"):
        return {masculine, masculine + "s"}  # belge, belges
    feminine = masculine + ("ne" if masculine.endswith("en") else "e")  # -ien -> -ienne
    # -ais, -ois, kirghiz: the masculine plural is the singular.
    plural = masculine if masculine[-1] in "sxz" else masculine + "s"
    return {masculine, plural, feminine, feminine + "s"}


def _babel_names(code: str) -> Iterator[str]:
    """Babel's French and English names of a code, both sides of a parenthesis."""
    for name in (_FRENCH[code], _ENGLISH.get(code, "")):
        for part in name.replace(")", "").split("("):
            # 'Saint-Martin (partie néerlandaise)': a lowercase side is a gloss, not a name.
            if part.strip()[:1].isupper():
                yield part.strip()


def _capital_index(words: list[str]) -> int:
    """Index of the word that must be capitalised: 'La Réunion' -> 1, 'île Maurice' -> 1."""
    for index, word in enumerate(words):
        if word[0].isupper() and word.lower() not in _ARTICLES:
            return index
    return 0


class _Entries(dict):
    """Folded lowercase n-gram -> (code, index of the word to check for a capital, or None).

    A code of '' names nothing: a blocker, or a name that Babel gives to two codes.
    """

    def add(self, code: str, phrase: str, proper: bool, strict: bool = True) -> None:
        """Add a phrase; `strict`: two codes for one phrase is a bug in our tables."""
        words = _WORD.findall(_fold(phrase))
        key = " ".join(words).lower()
        if not words or len(words) > _MAX_WORDS or key in _NOT_NAMES:
            return
        known = self.get(key)
        if known and code and known[0] != code:
            if strict:
                raise ValueError(f"{phrase!r} is both {known[0]} and {code}")
            code = ""
        self[key] = (code, _capital_index(words) if proper else None)


def _build_entries() -> tuple[dict[str, tuple[str, int | None]], dict[str, tuple[int, ...]]]:
    """The n-gram dict, and the sizes in words of its n-grams by first word, longest first."""
    entries = _Entries()
    for code in sorted(_COUNTRY_CODES):
        for name in _babel_names(code):
            entries.add(code, name, proper=True, strict=False)
    for code, phrase in _parse_table(_ALIASES + ";" + _CAPITALS):
        entries.add(code, phrase, proper=True)
    for code, masculine in _parse_table(_DEMONYMS):
        for form in _inflect(_fold(masculine)):
            entries.add(code, form, proper=False)
    for phrase in _BLOCKERS.split(";"):
        for form in _inflect(_fold(phrase.strip())) if phrase.islower() else [phrase]:
            entries.add("", form, proper=False)
    return dict(entries), _sizes_by_first_word(entries)


def _sizes_by_first_word(keys: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """Sizes of the n-grams that start with each word, longest first: 'la' -> (3, 2).

    The word is there lowercase, Capitalised and in CAPITALS, so that the text's words need
    no lower() before this first look-up, which most of them fail.
    """
    sizes: dict[str, set[int]] = {}
    for key in keys:
        first, *rest = key.split(" ")
        for form in (first, first.capitalize(), first.upper()):
            sizes.setdefault(form, set()).add(len(rest) + 1)
    return {first: tuple(sorted(found, reverse=True)) for first, found in sizes.items()}


def _second_words(keys: Iterable[str]) -> dict[str, frozenset[str]]:
    """The second words of the n-grams that start with each word, for the words that start
    no 1-word entry: 'la' -> {'dominique', 'grenade', 'reunion', 'saint', ...}."""
    seconds: dict[str, set[str]] = {}
    for key in keys:
        seconds.setdefault(key.split(" ")[0], set()).update(key.split(" ")[1:2])
    return {first: frozenset(found) for first, found in seconds.items() if first not in keys}


_ENTRIES, _SIZES = _build_entries()
_SECONDS = _second_words(_ENTRIES)
_PREFIX_CODES = {_fold(prefix): code for code, prefix in _parse_table(_PREFIXES)}


def _match(words: list[str], start: int, found: set[str]) -> int:
    """Add the code of the longest entry at `start`; return how many words it covers."""
    for size in _SIZES[words[start]]:
        entry = _ENTRIES.get(" ".join(words[start : start + size]).lower())
        if entry is None or start + size > len(words):
            continue
        code, capital = entry
        if capital is not None and not words[start + capital][0].isupper():
            continue  # 'une réunion', 'le chili': a common noun, try a shorter entry
        if code:
            found.add(code)
        return size
    return 1


class _Run(NamedTuple):
    """What one run (``indexer.runs``) holds for the search, computed once per distinct run."""

    words: tuple[str, ...]  # folded, case kept: "l’Azerbaïdjan" -> ('l', 'Azerbaidjan')
    first: str | None  # the first word, lowercase
    # (index, None) of each word that can start an entry; (index, its _SECONDS) for the
    # last word if it can start only longer entries ('la', 'le', 'du' ...): the next run
    # then tells. Such a word followed in the run by a word that fits no entry is left out.
    starts: tuple[tuple[int, frozenset[str] | None], ...]
    prefixed: tuple[str, ...]  # codes of prefixes before a hyphen: 'sino-russe' -> CN, RU
    read: bool  # whether the search has anything to do here (starts or prefixed)


def _run(run: str) -> _Run:
    folded = _fold(run)
    words = tuple(_WORD.findall(folded))
    starts = []
    for index, word in enumerate(words):
        if word in _SIZES:
            seconds = _SECONDS.get(word.lower())
            if seconds is None or index + 1 == len(words):
                starts.append((index, seconds))
            elif words[index + 1].lower() in seconds:
                starts.append((index, None))
    prefixed: tuple[str, ...] = ()
    if "o-" in folded or "O-" in folded:  # the regex costs more than the rest: skip it
        codes = (_PREFIX_CODES.get(prefix.lower()) for prefix in _PREFIXED.findall(folded))
        prefixed = tuple(code for code in codes if code)
    first = words[0].lower() if words else None
    return _Run(words, first, tuple(starts), prefixed, bool(starts or prefixed))


def _run_and_read(run: str) -> tuple[_Run, _Run | None]:
    found = _run(run)
    return found, (found if found.read else None)


# Two columns of the vocabulary (indexer.runs): each run's _Run, and the same only where
# the search has something to read (else None, which ``compress`` skips in C).
_COLUMNS = per_run(_run_and_read)


def find_countries(text: str) -> tuple[str, ...]:
    """ISO 3166-1 alpha-2 codes of every country the text names, sorted, unique."""
    return countries_of(cut(text))


def countries_of(texts: Cut) -> tuple[str, ...]:
    """``find_countries`` of the cut texts put end to end ("title\ntext" is cut as the
    title's runs, then the text's).

    A word is at (run, index in the run); words are looked at only in the runs that have
    a possible start, which most runs have not, and the n-gram at a start is gathered
    from the runs that follow.
    """
    analysed, to_read = texts.vocabulary.columns(_COLUMNS, 2)
    numbers = texts.numbers[0] if len(texts.numbers) == 1 else [*chain(*texts.numbers)]
    found: set[str] = set()
    free_r, free_w = 0, 0  # the first word not covered by an entry found
    last = len(numbers) - 1
    for r in compress(count(), map(to_read.__getitem__, numbers)):
        run = analysed[numbers[r]]
        if run.prefixed:
            found.update(run.prefixed)
        for w, seconds in run.starts:
            if r < free_r or (r == free_r and w < free_w):
                continue
            if seconds is not None and r < last:
                first = analysed[numbers[r + 1]].first
                if first is not None and first not in seconds:
                    continue  # 'la', 'le', 'du': the next word starts no name with them
            free_r, free_w = _match_at(analysed, numbers, r, w, seconds, found)
    return tuple(sorted(found))


def _match_at(
    analysed: list[_Run],
    numbers: list[int],
    r: int,
    w: int,
    seconds: frozenset[str] | None,
    found: set[str],
) -> tuple[int, int]:
    """``_match`` at word ``w`` of run ``r``; the position after the words it covers."""
    words: list[str] = []
    ends: list[tuple[int, int]] = []  # the position after each word of ``words``
    for run in range(r, len(numbers)):
        run_words = analysed[numbers[run]].words
        for index in range(w if run == r else 0, len(run_words)):
            words.append(run_words[index])
            ends.append((run, index + 1))
            if len(words) == 2 and seconds is not None and words[1].lower() not in seconds:
                return ends[0]  # 'la', 'le', 'du': the next word starts no name with them
            if len(words) == _MAX_WORDS:
                return ends[_match(words, 0, found) - 1]
    if seconds is not None and len(words) == 1:
        return ends[0]
    return ends[_match(words, 0, found) - 1]


def country_label(code: str) -> str:
    """French name of a country code from Babel ('AZ' -> 'Azerbaïdjan'); else the code."""
    return _FRENCH[code] if code in _COUNTRY_CODES else code


def is_country_code(code: str) -> bool:
    """True for an ISO alpha-2 code that Babel names; case matters: 'CN' yes, 'cn' no."""
    return code in _COUNTRY_CODES
