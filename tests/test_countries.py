"""Countries an article names: names, demonyms, compounds, capitals, false friends, labels."""

from pathlib import Path

import pytest
from babel import Locale

from indexer import countries
from indexer.countries import country_label, find_countries, is_country_code

SEEDS = Path(__file__).parent.parent / "seeds"


@pytest.mark.parametrize(
    "seed, codes",
    [
        ("000_ded5eee353b675f0.txt", ("AZ", "CN")),  # Pékin, sino-azerbaïdjanaises
        ("001_21c5a49f65fa3f46.txt", ("AZ", "CN", "KZ", "TW")),  # Astana, Taïwan
        ("002_7c7b68eb1ae0abd2.txt", ("AZ", "CN")),  # China-Azerbaijan, Bakou
        ("003_30614341ae222060.txt", ("AZ", "CN", "TW")),  # Beijing, Taiwan
        ("004_39aa6ed02c1f3f44.txt", ("AZ", "KG")),  # kirghiz, kirghize, Kirghizistan
    ],
)
def test_find_countries_reads_every_seed(seed, codes):
    assert find_countries((SEEDS / seed).read_text(encoding="utf-8")) == codes


@pytest.mark.parametrize(
    "text, codes",
    [
        ("Azerbaïdjan", ("AZ",)),
        ("AZERBAÏDJAN", ("AZ",)),
        ("Azerbaidjan", ("AZ",)),
        ("en visite en République d’Azerbaïdjan", ("AZ",)),
        ("l'Azerbaïdjan", ("AZ",)),
        ("aux États-Unis", ("US",)),
        ("aux Etats-Unis", ("US",)),
        ("AUX ÉTATS-UNIS", ("US",)),
        ("en Côte d’Ivoire", ("CI",)),
        ("en Côte-d'Ivoire", ("CI",)),
        ("au Royaume-Uni", ("GB",)),
        ("en Corée du Sud", ("KR",)),
        ("en Corée du Nord", ("KP",)),
        ("l'Arabie saoudite", ("SA",)),
        ("l'Arabie Saoudite", ("SA",)),
        ("les Émirats arabes unis", ("AE",)),
        ("les Pays-Bas", ("NL",)),
        ("la Papouasie-Nouvelle-Guinée", ("PG",)),
        ("la Guinée équatoriale", ("GQ",)),
        ("la Guinée-Bissau", ("GW",)),
        ("le Soudan du Sud", ("SS",)),
        ("à la Réunion", ("RE",)),
        ("La Réunion", ("RE",)),
    ],
)
def test_find_countries_reads_names_in_any_case_or_accent(text, codes):
    assert find_countries(text) == codes


@pytest.mark.parametrize(
    "text, codes",
    [
        ("la conférence China-Azerbaijan", ("AZ", "CN")),
        ("South Korea and Japan", ("JP", "KR")),
        ("le Bélarus", ("BY",)),  # Babel's English 'Belarus', folded
        ("Myanmar", ("MM",)),  # Babel: 'Myanmar (Birmanie)', both sides count
        ("la Birmanie", ("MM",)),
        ("Burma", ("MM",)),
    ],
)
def test_find_countries_reads_english_names_and_both_sides_of_a_parenthesis(text, codes):
    assert find_countries(text) == codes


@pytest.mark.parametrize(
    "text, codes",
    [
        ("à Hong Kong", ("HK",)),
        ("Macao", ("MO",)),
        ("la République démocratique du Congo", ("CD",)),
        ("la RDC", ("CD",)),
        ("la République du Congo", ("CG",)),
        ("la Grande-Bretagne", ("GB",)),
        ("l'Angleterre", ("GB",)),
        ("l'Irlande du Nord", ("GB",)),
        ("le Kirghizistan", ("KG",)),
        ("la République tchèque", ("CZ",)),
        ("le Vatican", ("VA",)),
        ("la Palestine", ("PS",)),
        ("les Anglais", ("GB",)),
    ],
)
def test_find_countries_reads_our_few_aliases(text, codes):
    assert find_countries(text) == codes


@pytest.mark.parametrize("text", ["le Congo", "la Corée", "les deux Corées", "coréen", "congolais"])
def test_find_countries_ignores_ambiguous_congo_and_korea(text):
    assert find_countries(text) == ()


@pytest.mark.parametrize(
    "code, forms",
    [
        ("CN", "chinois chinoise chinoises Chinois CHINOIS"),
        ("KG", "kirghiz kirghize kirghizes Kirghizes"),
        ("AZ", "azerbaïdjanais azerbaïdjanaise azerbaïdjanaises azéri azérie azéris azéries"),
        ("US", "américain américaine américains américaines Américains"),
        ("TR", "turc turque turcs turques Turcs"),
        ("GR", "grec grecque grecs grecques Grecques"),
        ("IT", "italien italienne italiens italiennes Italiens"),
        ("FR", "français française françaises Français"),
        ("BE", "belge belges Belges"),
        ("CH", "suisse suisses Suissesse"),
        ("LV", "letton lettone lettonne lettons lettones"),
        ("KZ", "kazakh kazakhe kazakhs kazakhes kazakhstanais"),
        ("UZ", "ouzbek ouzbèke ouzbeks ouzbèkes"),
        ("AF", "afghan afghane afghans afghanes"),
        ("IL", "israélien israélienne israéliens israéliennes"),
        ("BF", "burkinabè burkinabés"),
        ("QA", "qatari qatarie qataris qataries"),
        ("KE", "kényan kényane kenyans kenyanes"),
        ("MG", "malgache malgaches"),
        ("PS", "palestinien palestiniennes"),
    ],
)
def test_find_countries_reads_demonyms_in_every_gender(code, forms):
    for form in forms.split():
        assert find_countries(f"le président {form} et les autres") == (code,), form


def test_demonym_table_covers_at_least_120_countries():
    codes = {code for code, _ in countries._parse_table(countries._DEMONYMS)}
    assert len(codes) >= 120
    assert all(is_country_code(code) for code in codes)


@pytest.mark.parametrize(
    "text, codes",
    [
        ("les relations sino-azerbaïdjanaises", ("AZ", "CN")),
        ("la guerre russo-ukrainienne", ("RU", "UA")),
        ("le couple franco-allemand", ("DE", "FR")),
        ("l'accord turco-syrien", ("SY", "TR")),
        ("germano-polonais", ("DE", "PL")),
        ("italo-suisse", ("CH", "IT")),
        ("hispano-marocain", ("ES", "MA")),
        ("nippo-coréen", ("JP",)),  # coréen alone names no Korea
        ("irano-irakien", ("IQ", "IR")),
        ("israélo-palestinien", ("IL", "PS")),
        ("syro-libanais", ("LB", "SY")),
        ("arméno-azerbaïdjanais", ("AM", "AZ")),
        ("azéro-arménien", ("AM", "AZ")),
        ("gréco-turc", ("GR", "TR")),
        ("austro-hongrois", ("AT", "HU")),
        ("belgo-néerlandais", ("BE", "NL")),
        ("polono-lituanien", ("LT", "PL")),
        ("américano-chinois", ("CN", "US")),
        ("SINO-AMÉRICAIN", ("CN", "US")),
        ("la frontière Chine-Azerbaïdjan", ("AZ", "CN")),
        ("les Sud-Africains", ("ZA",)),
        ("le régime nord-coréen", ("KP",)),
        ("une société sud-coréenne", ("KR",)),
        ("les All Blacks néo-zélandais", ("NZ",)),
    ],
)
def test_find_countries_reads_compounds(text, codes):
    assert find_countries(text) == codes


@pytest.mark.parametrize(
    "text",
    ["le général Franco", "Italo Calvino", "Sino Forest", "franco - allemand"],
)
def test_find_countries_counts_prefixes_only_before_a_hyphen(text):
    assert "FR" not in find_countries(text) and "IT" not in find_countries(text)
    assert "CN" not in find_countries(text)


@pytest.mark.parametrize(
    "text, codes",
    [
        ("à Pékin", ("CN",)),
        ("à Beijing", ("CN",)),
        ("Bakou, 2 juillet", ("AZ",)),
        ("à Bichkek", ("KG",)),
        ("à Astana", ("KZ",)),
        ("Moscou a répondu", ("RU",)),
        ("à Kiev et à Kyiv", ("UA",)),
        ("à New Delhi", ("IN",)),
        ("Riyad", ("SA",)),
        ("Bruxelles", ("BE",)),
        ("au Caire", ("EG",)),
        ("à La Havane", ("CU",)),
        ("à Buenos Aires", ("AR",)),
        ("à Paris", ("FR",)),
        ("à Washington", ()),  # also a person's name
        ("à Mexico", ()),  # the city, or the English name of the country
        ("à Abidjan", ()),  # not the capital
    ],
)
def test_find_countries_reads_unambiguous_capitals_only(text, codes):
    assert find_countries(text) == codes


@pytest.mark.parametrize(
    "text, codes",
    [
        # a country's name inside a longer word
        ("une indemnité", ()),
        ("Indemnité de départ", ()),
        ("l'Inde", ("IN",)),
        ("la Compagnie des Indes", ()),
        ("au Niger", ("NE",)),
        ("au Nigeria", ("NG",)),
        ("Malika est partie", ()),
        ("en Somalie", ("SO",)),
        ("au Mali", ("ML",)),
        ("une Romance", ()),
        ("le sultanat d'Oman", ("OM",)),
        ("en Irak", ("IQ",)),
        ("en Iran", ("IR",)),
        ("une robe turquoise", ()),
        ("Tchadienne", ("TD",)),  # a demonym, so it counts
        # a longer place that is not the country
        ("au Nouveau-Mexique", ()),
        ("New Mexico", ()),
        ("en Nouvelle-Guinée", ()),
        ("dans le New Jersey", ()),
        ("l'île de Jersey", ("JE",)),
        ("en Nouvelle-Angleterre", ()),
        ("en Colombie-Britannique", ()),
        ("dans l'océan Indien", ()),
        ("dans le golfe de Guinée", ()),
        ("au palais du Luxembourg", ()),
        ("au Luxembourg", ("LU",)),
        ("le massacre de la Saint-Barthélemy", ()),
        ("à Saint-Barthélemy", ("BL",)),
        ("les pays sud-américains", ()),
        ("la gauche latino-américaine", ()),
        ("l'Organisation des Nations Unies", ()),
        # a common noun or a first name that is also a country's name
        ("une réunion", ()),
        ("Réunion au sommet", ()),
        ("le chili con carne", ()),
        ("au Chili", ("CL",)),
        ("Maurice Papon", ()),
        ("l'île Maurice", ("MU",)),
        ("Dominique Strauss-Kahn", ()),
        ("la Dominique", ("DM",)),
        ("Salvador Dalí", ()),
        ("au Salvador", ("SV",)),
        ("El Salvador", ("SV",)),
        ("Jordan Bardella", ()),
        ("la Jordanie", ("JO",)),
        ("Atlanta, Georgia", ()),
        ("Charlotte St. Martin", ()),
        ("Saint-Martin", ()),  # Babel gives it to MF and SX, and it is a Paris canal
        ("une grenade", ()),
        ("à Grenade", ()),  # Granada, in Spain
        ("la Grenade", ("GD",)),
        ("Congolais et Coréens", ()),
    ],
)
def test_find_countries_avoids_false_friends(text, codes):
    assert find_countries(text) == codes


def test_find_countries_returns_sorted_unique_codes():
    text = "La Chine, l'Azerbaïdjan, la Chine encore, les Chinois et Bakou."
    assert find_countries(text) == ("AZ", "CN")


@pytest.mark.parametrize("text", ["", "   ", "2021-06-02", "Le président a parlé."])
def test_find_countries_finds_nothing_in_text_without_countries(text):
    assert find_countries(text) == ()


@pytest.mark.parametrize(
    "code, label",
    [
        ("AZ", "Azerbaïdjan"),
        ("US", "États-Unis"),
        ("CN", "Chine"),
        ("CI", "Côte d’Ivoire"),
        ("XK", "Kosovo"),
        ("ZZ", "ZZ"),  # Babel's 'région inconnue' is no country
        ("EU", "EU"),
        ("cn", "cn"),
        ("", ""),
    ],
)
def test_country_label_is_babel_french_name_or_the_code(code, label):
    assert country_label(code) == label


@pytest.mark.parametrize(
    "code, expected",
    [
        ("CN", True),
        ("AZ", True),
        ("XK", True),
        ("RE", True),
        ("cn", False),
        ("Cn", False),
        ("EU", False),
        ("EZ", False),
        ("UN", False),
        ("ZZ", False),
        ("QO", False),
        ("DG", False),  # exceptionally reserved: Diego Garcia
        ("001", False),
        ("CHN", False),
        ("", False),
    ],
)
def test_is_country_code_accepts_uppercase_babel_countries_only(code, expected):
    assert is_country_code(code) is expected


COUNTRY_CODES = sorted(code for code in Locale("fr").territories if is_country_code(code))

# Labels that do not name their own country alone: first names kept out (DM, GD, MU, SV),
# 'Saint-Martin' shared by MF and SX, 'R.A.S. chinoise de ...' (also CN), and names of
# more than five words or with a gloss that name another country (IO, SX, UM).
_LABELS_NOT_ALONE = {"DM", "GD", "HK", "IO", "MF", "MO", "MU", "SV", "SX", "UM"}


@pytest.mark.parametrize(
    "code",
    sorted(
        c for c in Locale("fr").territories if is_country_code(c) and c not in _LABELS_NOT_ALONE
    ),
)
def test_find_countries_reads_every_babel_label_as_its_code(code):
    assert find_countries(country_label(code)) == (code,)
