"""Property tests: any text into the analyzer, the query language, the date and country
extractors, the passages and the request parser never raises an unexpected error.

Inputs: any Unicode (control characters, lone surrogates that cannot even be encoded,
unassigned code points), French words and query syntax, 100 KB strings, and quotes and
parentheses nested hundreds deep. ``FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py`` runs
a longer campaign than the default.
"""

from __future__ import annotations

import html
import os
import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from indexer.analysis import analyze, analyze_word, analyze_words, fold
from indexer.countries import find_countries, is_country_code
from indexer.dates import DateError, extract_date, parse_date
from indexer.engines import querytree as qt
from service.config import DEFAULT_CONFIG, load_config
from service.errors import QueryError
from service.search.models import MAX_PAGE, PARAMS, SORTS, SearchRequest
from service.search.passages import ELLIPSIS, _collapse_spaces, best_passages
from service.search.query import Synonyms, parse_query

# Unidecode warns, then drops, a lone surrogate: the corpus reader replaces them before
# any analysis (test_bad_input.py), so only these direct calls can hand it one.
pytestmark = pytest.mark.filterwarnings("ignore:Surrogate character:RuntimeWarning:unidecode")

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # 100 KB inputs take a while: time is bounded by the example count
    database=None,  # no .hypothesis/ folder left in the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SYNONYMS = Synonyms(load_config(DEFAULT_CONFIG, environ={}).synonyms)
DATE_VALUE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")

# Every code point, surrogates, controls and unassigned ones included.
ANY_CHAR = st.characters(exclude_categories=())
VOCAB = [
    "l’Azerbaïdjan", "l'Azerbaïdjan", "AZERBAÏDJAN", "chinoise", "Chine", "œuvre", "États-Unis",
    "Côte d’Ivoire", "sino-azerbaïdjanaises", "kirghize", "Pékin", "Bakou", "relations",
    "bilatérales", "Ceinture", "et", "la", "Route", "le", "de", "qu’il", "aujourd'hui",
    "Le 28 janvier 2026", "Bakou, 14 février 2023", "1er mai 2021", "31 février 2020",
    " date 2021-06", "date 2021-13", "OR", "-", "*", "multilat*", "a*", '"', "(", ")",
    "-chine", "-(", "\u201c", "\u201d", "&", "<", ">", "<mark>", "&amp;", "\n", "\t", "\x00",
    "\ufeff", "\u200b", "\u202e", "\ud800", "\udfff", "ᵉʳ", "٢٠٢١", "２０２１", "ﬁ", "ß",
]  # fmt: skip
words = st.sampled_from(VOCAB) | st.text(ANY_CHAR, min_size=1, max_size=12)
french = st.lists(words, max_size=40).map(" ".join)
any_text = st.text(ANY_CHAR, max_size=300)


def _repeat_to(chunk: str, size: int = 100_000) -> str:
    return (chunk * (size // max(1, len(chunk)) + 1))[:size]


big = st.one_of(french, any_text).filter(bool).map(_repeat_to)  # 100 KB strings
nested = st.builds(
    lambda opening, depth, inner, closing: opening * depth + inner + closing * depth,
    st.sampled_from(["(", '"', '("', "-(", "(-", "OR (", '"(', "\u201c", "(*", "((a OR "]),
    st.integers(0, 600),
    french,
    st.sampled_from([")", '"', '")', "", ") OR", ")*"]),
)
texts = st.one_of(any_text, french, nested, any_text, french, big)  # one in six is 100 KB


@FUZZ
@given(texts, st.booleans())
def test_analyze_gives_folded_ascii_terms(text, stemmed):
    terms = analyze(text, stemmed=stemmed)
    assert all(t and t.isascii() and t.isalnum() and t == t.lower() for t in terms)


@FUZZ
@given(texts)
def test_analyze_words_offsets_point_at_the_words_as_written(text):
    last_end = 0
    for exact, stemmed, start, end in analyze_words(text):
        assert last_end <= start < end <= len(text)
        # The stem is the word's as written (Snowball reads accents): "publié" is "publi",
        # though its folded "publie" alone would be "publ".
        assert exact == fold(text[start:end]) and stemmed == analyze_word(text[start:end])
        last_end = end


@FUZZ
@given(texts)
def test_parse_query_only_ever_raises_query_error(text):
    try:
        tree = parse_query(text, SYNONYMS)
    except QueryError as e:
        assert str(e)  # a French sentence, not an empty error
        return
    assert isinstance(tree, qt.Node)
    for leaf in qt.positive_leaves(tree):
        assert isinstance(leaf, qt.Term | qt.Phrase | qt.Prefix)


date_like = st.from_regex(r"\s*[0-9٢２]{1,5}(-[0-9]{1,3}(-[0-9]{1,3})?)?\s*", fullmatch=True)


@FUZZ
@given(st.one_of(date_like, any_text, french))
def test_parse_date_only_ever_raises_date_error(value):
    try:
        date = parse_date(value)
    except DateError as e:
        assert str(e).startswith("date invalide")
        return
    assert DATE_VALUE.fullmatch(date.value)
    assert date.precision == ("year", "month", "day")[date.value.count("-")]


@FUZZ
@given(texts, st.one_of(st.none(), date_like, any_text))
def test_extract_date_only_ever_raises_date_error_for_a_bad_header(text, header):
    try:
        date = extract_date(text, header)
    except DateError:
        assert header is not None  # without a header, no date is not an error
        return
    if date is not None:
        assert DATE_VALUE.fullmatch(date.value) and date.source in ("header", "text")


@FUZZ
@given(texts)
def test_find_countries_gives_sorted_unique_known_codes(text):
    codes = find_countries(text)
    assert list(codes) == sorted(set(codes))
    assert all(is_country_code(code) for code in codes)


class _Marks(HTMLParser):
    """Every event of an HTML fragment: data, and the tags with their attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.events: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.events.append(("startend", tag, attrs))

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        self.events.append(("data", data))

    def unknown_decl(self, data):
        self.events.append(("decl", data))

    handle_comment = handle_decl = handle_pi = unknown_decl


def parse_fragment(fragment: str) -> list[tuple]:
    parser = _Marks()
    parser.feed(fragment)
    parser.close()
    return parser.events


def assert_only_balanced_marks(events: list[tuple]) -> None:
    open_mark = False
    for kind, *rest in events:
        if kind == "data":
            continue
        assert kind in ("start", "end") and rest[0] == "mark", (kind, rest)
        assert open_mark == (kind == "end")  # <mark> and </mark> alternate, never nested
        assert kind == "end" or rest[1] == []  # no attributes
        open_mark = kind == "start"
    assert not open_mark


def folded_spaces(text: str) -> str:
    return " ".join(text.split())  # runs of white space -> one space, as passages do


query_words = st.lists(st.sampled_from(VOCAB[:24] + ["chin*", '"la Route"', "relation"]))


@FUZZ
@given(texts, query_words.map(" ".join), st.integers(1, 4), st.integers(1, 400))
def test_passages_are_well_formed_escaped_html_of_the_source(text, q, count, size):
    try:
        leaves = list(qt.positive_leaves(parse_query(q, SYNONYMS)))
    except QueryError:
        leaves = []
    source = folded_spaces(text)
    for passage in best_passages(text, leaves, count, size):
        out = passage.to_html()
        events = parse_fragment(out)
        assert_only_balanced_marks(events)
        shown = "".join(e[1] for e in events if e[0] == "data")
        assert shown == html.unescape(re.sub(r"</?mark>", "", out)) == str(passage)
        body = shown.removeprefix(ELLIPSIS if passage.leading else "")
        body = body.removesuffix(ELLIPSIS if passage.trailing else "")
        assert body == passage.text and body in source
        assert all(0 <= a < b <= len(body) for a, b in passage.marks)


@FUZZ
@given(st.lists(st.tuples(st.text(" \n\t\r\u00a0", max_size=4), st.text("abcé’", min_size=1))))
def test_folding_white_space_keeps_marks_on_their_words(parts):
    text, marks = "", []
    for space, word in parts:
        text += space
        marks.append((len(text), len(text) + len(word)))
        text += word
    piece, moved = _collapse_spaces(text, marks)
    assert piece == folded_spaces(text)
    assert [piece[a:b] for a, b in moved] == [text[a:b] for a, b in marks]


param_values = st.one_of(
    st.sampled_from(["", "1", "0", "100", "1001", "-1", "AZ", "cn", "zz", "2021-13", "2021"]),
    st.sampled_from(["2021-06-31", "relevance", "date", "true", "oui", "non", "1e3", "٣"]),
    any_text,
)
param_keys = st.one_of(st.sampled_from(PARAMS), any_text)
params = st.dictionaries(param_keys, st.one_of(param_values, st.lists(param_values, max_size=3)))


@FUZZ
@given(params)
def test_search_request_from_params_only_ever_raises_query_error(raw):
    for source in (raw, MultiDict(raw)):
        try:
            request = SearchRequest.from_params(source)
        except QueryError as e:
            assert str(e)
            continue
        assert all(is_country_code(c) for c in request.countries)
        assert request.sort in SORTS and 1 <= request.page <= MAX_PAGE
        assert 1 <= request.per_page <= 100
        for value in (request.date_from, request.date_to):
            assert value is None or DATE_VALUE.fullmatch(value)
