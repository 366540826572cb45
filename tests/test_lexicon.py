import pytest

from service.search.lexicon import Lexicon, max_edits, name_key, name_keys

WORDS = [
    ("macron", 700),
    ("macon", 40),
    ("azerbaidjan", 90),
    ("azerbaijan", 3),
    ("bayramov", 2),
    ("bairamov", 3),
    ("jeyhun", 2),
    ("djeyhoun", 3),
    ("aliyev", 60),
    ("pour", 990),
    ("pur", 80),
    ("cooperation", 300),
    ("corporation", 4),
    ("relations", 200),
    ("relation", 150),
]


@pytest.fixture
def lexicon():
    return Lexicon(WORDS, doc_count=1000)


@pytest.mark.parametrize(
    "a, b",
    [
        ("bayramov", "bairamov"),
        ("djeyhoun", "jeyhun"),
        ("aliyev", "aliev"),
        ("hassanov", "hasanov"),
        ("poutine", "putin"),
        ("staline", "stalin"),
        ("gorbatchev", "gorbachev"),
        ("khrouchtchev", "khrushchev"),
        ("loukachenko", "lukashenko"),
        ("tchernobyl", "chernobyl"),
    ],
)
def test_transliterations_share_a_name_key(a, b):
    assert name_key(a) == name_key(b)


def test_name_keys_of_many_words_are_each_word_s_key():
    """One pass of each rule over all the words, joined by line breaks, gives what each
    word alone gives: no rule reaches across from one word to the next."""
    words = ["djeyhoun", "jeyhun", "ou", "uo", "aa", "a", "basee", "ss", "sdj", "zh", "hassanov"]
    words += ["e", "ee", "poutine", "tch", "sh"]
    words += [a + b for a in ("kh", "o", "y", "e", "d", "z", "p") for b in ("h", "u", "j", "e")]
    assert name_keys(words) == [name_key(w) for w in words]
    assert name_keys([]) == []


@pytest.mark.parametrize("word, edits", [("chin", 0), ("chine", 1), ("chinoises", 2)])
def test_typo_budget_grows_with_word_length(word, edits):
    assert max_edits(word) == edits


@pytest.mark.parametrize(
    "word, expected",
    [
        ("macorn", ["macron"]),  # a swap of neighbours is one edit; the frequent word first
        ("azerbaidajn", ["azerbaidjan"]),
        ("cooperaton", ["cooperation"]),
        ("macron", []),  # a word the index holds is never corrected
        ("macr", []),  # under 5 letters: no correction
        ("zzzzzz", []),
    ],
)
def test_corrections_of_unknown_words(lexicon, word, expected):
    assert lexicon.corrections(word)[: len(expected) or None] == expected


def test_name_variants_bring_other_spellings_of_rare_names(lexicon):
    assert lexicon.name_variants("bayramov") == ["bairamov"]
    assert lexicon.name_variants("jeyhun") == ["djeyhoun"]


def test_common_words_have_no_name_variants(lexicon):
    assert lexicon.name_variants("pour") == []  # "pour" is in 99% of the articles


def test_complete_prefers_frequent_words(lexicon):
    assert lexicon.complete("rel") == ["relations", "relation"]
    assert lexicon.complete("ma", limit=1) == ["macron"]
    assert lexicon.complete("xyz") == []


def test_warm_up_loads_the_lexicon_in_the_background(seeds_config):
    from service.search.snapshot import Snapshots, warm_up

    snapshots = Snapshots.at(seeds_config.index_path)
    warm_up(snapshots).join(timeout=30)
    lexicon = snapshots.current().lexicon  # the same snapshot: nothing was published since
    assert "_by_key" in vars(lexicon) and "_by_length" in vars(lexicon)  # already built
