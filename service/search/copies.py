"""Wire copies: the same dispatch published twice takes one place in the results.

An AFP dispatch and its update, or the same story on two feeds, share most of their
text. The engines index each article's near-copy bands (``indexer.copies``); once per
index generation, ``groups`` reads the articles that share a band, and joins those whose
texts are really near (``MIN_SIMILARITY`` of their five-word shingles in common, the
Jaccard similarity, or ``SAME_DAY_SIMILARITY`` the same day) and that were published
within ``MAX_DAYS`` of each other. Then, as
Elasticsearch's field collapsing does, a search keeps the best-ranked copy of a group
among its results and says on it which copies it stands for (``Hit.copies``); the
others leave the ranking, the total and the facets alike (``hidden``), so every page
counts and shows the same results.

Measured on the 34,160 news articles: a MinHash LSH pass over all of them (16 bands of
4 on whole texts) found 106 pairs at a Jaccard similarity of 0.7 or more, 92 of them
published within a week, and reading them showed updates and the same dispatch under
two titles ("Coronavirus en France: 54 décès en 24H" / "... le nombre de patients en
réanimation toujours...", the same day); further apart, two articles sharing a block
(a chronology, a series' boilerplate). A key of the lead's first words found 38 of the
92 and joined 488 articles that were not copies. With the engines' bands (the first
300 words) and 0.6 on any day: 104 groups of two, 74 of the 92 pairs among them; of 20
groups read by hand, 19 are one dispatch, one is a daily series ("le point sur la
pandémie", two days running). At 0.5 on any day, 147 groups, with stories rewritten day
after day (a strike's traffic report); at 0.5 the same day only, 138 groups, 82 of the
92 pairs, and the 34 groups under 0.6 read as one dispatch rewritten within the day
("Positif au Covid, Benalla hospitalisé à Paris" / "Covid-19 : Alexandre Benalla
hospitalisé en réanimation").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from indexer import copies as bands
from indexer.articles import Article
from indexer.engines import querytree as qt
from indexer.engines.base import EngineReader
from indexer.runs import cut

MIN_SIMILARITY = 0.6
SAME_DAY_SIMILARITY = 0.5  # an update the same day often rewrites more of the dispatch
MAX_DAYS = 7
MAX_BUCKET = 20  # articles sharing one band at most: more is boilerplate, not a dispatch
CHUNK = 2_000  # articles whose texts a whole pass reads and compares at once


@dataclass(frozen=True)
class Groups:
    """The near-copy groups of one index generation: id -> the ids of its group (itself
    included, oldest first), for the articles that have copies; and their dates."""

    of: dict[str, tuple[str, ...]]
    dates: dict[str, str] = field(default_factory=dict)

    @cached_property
    def members(self) -> tuple[str, ...]:
        """Every article that has copies, sorted (once: 0.26 s for 341,600 ids, asked by
        every search that has matches)."""
        return tuple(sorted(self.of))


def whole_groups(
    candidates: dict[str, tuple[str, ...]],
    fetch: Callable[[list[str]], Iterable[Article | None]],
    chunk: int = CHUNK,
) -> Groups:
    """The groups among ``candidates``, their articles read by ``fetch`` (ids -> articles)
    a few thousand at a time: the articles that share bands (``_components``, no text
    read) are checked together, so the texts and shingles held at once are a chunk's,
    not the archive's (at 341,600 articles, the news ten times over, every article has
    copies: all their texts at once were gigabytes)."""
    of: dict[str, tuple[str, ...]] = {}
    dates: dict[str, str] = {}
    for ids in _chunks(_components(candidates), chunk):
        found = find_groups({i: candidates[i] for i in ids}, fetch(ids))
        of.update(found.of)
        dates.update(found.dates)
    return Groups(of, dates)


def _components(candidates: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """The articles linked by a band they share (in buckets ``_pairs`` compares), each
    set sorted; an article that shares no such band is in none."""
    parent: dict[str, str] = {}

    def root(doc_id: str) -> str:
        while parent.get(doc_id, doc_id) != doc_id:
            parent[doc_id] = doc_id = parent.get(parent[doc_id], parent[doc_id])
        return doc_id

    for ids in _buckets(candidates).values():
        if 1 < len(ids) <= MAX_BUCKET:
            first = root(ids[0])
            for other in ids[1:]:
                top = root(other)
                if top != first:
                    parent[top] = first
    members: dict[str, list[str]] = defaultdict(list)
    for doc_id in parent.keys() | set(parent.values()):
        members[root(doc_id)].append(doc_id)
    return [sorted(ids) for ids in members.values()]


def _chunks(components: list[list[str]], size: int) -> Iterator[list[str]]:
    """The components' ids, a few components at a time, ``size`` ids or so each."""
    chunk: list[str] = []
    for ids in components:
        chunk += ids
        if len(chunk) >= size:
            yield sorted(chunk)
            chunk = []
    if chunk:
        yield sorted(chunk)


def find_groups(candidates: dict[str, tuple[str, ...]], articles: Iterable[Article]) -> Groups:
    """The groups among ``candidates`` (the engine's ``copy_candidates``: id -> bands),
    checked against their ``articles``' texts and dates."""
    by_id = {a.id: a for a in articles if a is not None}
    parent: dict[str, str] = {}

    def root(doc_id: str) -> str:
        while parent.get(doc_id, doc_id) != doc_id:
            doc_id = parent[doc_id]
        return doc_id

    shingles = _Shingles()
    for a, b in _pairs(candidates):
        if a in by_id and b in by_id and are_copies(by_id[a], by_id[b], shingles):
            parent[root(a)] = root(b)
    members: dict[str, list[str]] = defaultdict(list)
    for doc_id in {d for pair in parent.items() for d in pair}:
        members[root(doc_id)].append(doc_id)
    groups = {}
    for ids in members.values():
        ordered = tuple(sorted(ids, key=lambda d: (_date(by_id[d]) or date.max, d)))
        groups.update((doc_id, ordered) for doc_id in ordered)
    dates = {d: by_id[d].date.value for d in groups if by_id[d].date}
    return Groups(groups, dates)


def updated(groups: Groups, changed: set[str], reader: EngineReader) -> Groups:
    """The groups after the articles ``changed`` were added, replaced or removed, at the
    cost of the change: the groups they or their near articles (a band in common, read
    through the engine) belong to are made again among those articles; every other group
    stands, since none of its pairs changed. A commit of a few articles costs a few
    queries, not a pass over the archive (1.3 s at 34,160 articles with tantivy).
    """
    region = set(changed) | _mates(groups, changed)
    written = {a.id: a for a in reader.fetch(sorted(changed)) if a is not None}
    wanted = {b for a in written.values() for b in bands.bands(cut(a.title, a.text))}
    if wanted:
        near = reader.search(
            qt.EngineQuery(qt.Bands(tuple(sorted(wanted))), limit=len(wanted) * MAX_BUCKET)
        )
        found = {doc_id for doc_id, _ in near.hits}
        region |= found | _mates(groups, found)
    articles = {a.id: a for a in reader.fetch(sorted(region)) if a is not None}
    candidates = {i: bands.bands(cut(a.title, a.text)) for i, a in articles.items()}
    remade = find_groups(candidates, articles.values())
    of = {d: g for d, g in groups.of.items() if d not in region} | remade.of
    dates = {d: v for d, v in groups.dates.items() if d not in region} | remade.dates
    return Groups(of, dates)


def _mates(groups: Groups, ids: Iterable[str]) -> set[str]:
    """The members of the groups of ``ids``."""
    return {mate for doc_id in ids for mate in groups.of.get(doc_id, ())}


def _pairs(candidates: dict[str, tuple[str, ...]]) -> set[tuple[str, str]]:
    """The pairs of articles that share at least one band."""
    return {
        (a, b)
        for ids in _buckets(candidates).values()
        if 1 < len(ids) <= MAX_BUCKET
        for a in ids
        for b in ids
        if a < b
    }


def _buckets(candidates: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Band -> the articles that have it."""
    buckets: dict[str, list[str]] = defaultdict(list)
    for doc_id, keys in candidates.items():
        for key in keys:
            buckets[key].append(doc_id)
    return buckets


def are_copies(a: Article, b: Article, shingles: _Shingles | None = None) -> bool:
    """Whether two articles are copies of one dispatch: near texts, published close
    (nearer still if not the same day)."""
    da, db = _date(a), _date(b)
    days = abs((da - db).days) if da is not None and db is not None else None
    if days is not None and days > MAX_DAYS:
        return False
    if a.text == b.text:  # the same dispatch on two feeds: no need to cut it into shingles
        return True
    floor = SAME_DAY_SIMILARITY if days == 0 else MIN_SIMILARITY
    shingles = shingles or _Shingles()
    return bands.jaccard(shingles[a], shingles[b]) >= floor


class _Shingles(dict):
    """Each article's shingle set, made once however many pairs it is in (a group of
    copies is compared pair by pair: its texts were cut again for each pair)."""

    def __getitem__(self, article: Article):
        found = self.get(article.id)
        if found is None:
            found = self[article.id] = bands.shingle_set(cut("", article.text))
        return found


def _date(article: Article) -> date | None:
    value = article.date.value if article.date else ""
    return date.fromisoformat(value) if len(value) == 10 else None


def hidden(groups: Groups, matched: dict[str, tuple]) -> dict[str, tuple[str, ...]]:
    """Which matching copies leave the results, and what the kept one stands for:
    ``matched`` maps each matching member to its rank key (smaller is better ranked);
    returns {kept id: the ids it hides}, one entry per group with two matches or more."""
    by_group: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for doc_id in matched:
        by_group[groups.of[doc_id]].append(doc_id)
    kept = {}
    for found in by_group.values():
        if len(found) > 1:
            best, *rest = sorted(found, key=lambda d: (matched[d], d))
            kept[best] = tuple(sorted(rest))
    return kept
