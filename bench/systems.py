"""Every system the benchmarks compare, behind two calls: build a folder, open a search.

    system = SYSTEMS["product-tantivy"]
    system.build(corpus_folder, index_folder) -> articles indexed
    run = system.open(index_folder);  run(mix_query) -> total matches

The product builds with ``indexer.build.build_index`` and answers with ``core.search``,
its full path (parsing, ranking tiers, typos, facets, passages), rendered to the API's
JSON dict, with the repository's config.toml settings (synonyms, 3 passages of 200
characters). The peers (``bench.peers``) run the same mix as ``PeerQuery``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from bench.corpus import read_docs
from bench.mix import MixQuery
from bench.peers import PEERS
from indexer.engines import ENGINE_NAMES
from service.search.settings import Settings

PER_PAGE = 10


class ProductSystem:
    """The product on one engine: build_index to build, core.search to answer."""

    def __init__(self, engine: str):
        self.engine = engine
        self.name = f"product-{engine}"
        self.label = f"product ({engine})"

    def build(self, corpus: Path, folder: Path) -> int:
        from indexer.build import build_index

        report = build_index(corpus, folder, engine=self.engine, rebuild=True)
        return report.doc_count

    def open(self, folder: Path) -> Callable[[MixQuery], int]:
        from service.config import DEFAULT_CONFIG, load_config
        from service.search import core
        from service.search.models import SearchRequest
        from service.search.snapshot import Snapshots

        config = load_config(DEFAULT_CONFIG, environ={})
        snapshots, settings = Snapshots.at(folder), Settings.from_config(config)

        def run(mq: MixQuery) -> int:
            request = SearchRequest.from_params(mq.params(PER_PAGE), settings)
            result = core.search(snapshots.current(), request, settings)
            result.to_dict()  # the JSON body: passages rendered to HTML, as the API does
            return result.total

        return run


class PeerSystem:
    """A peer from ``bench.peers``: reads the corpus itself, answers a MixQuery as a PeerQuery."""

    def __init__(self, peer):
        self.peer = peer
        self.name = peer.name
        self.label = peer.label

    def build(self, corpus: Path, folder: Path) -> int:
        return self.peer.build(read_docs(corpus), folder)

    def open(self, folder: Path) -> Callable[[MixQuery], int]:
        search = self.peer.open(folder)

        def run(mq: MixQuery) -> int:
            return search(mq.peer_query())[0]

        return run


def _systems() -> dict:
    products = [ProductSystem(e) for e in ("whoosh", "tantivy") if e in ENGINE_NAMES]
    peers = [PeerSystem(PEERS[n]) for n in ("whoosh", "tantivy", "fts5")]
    return {s.name: s for s in (*products, *peers)}


SYSTEMS = _systems()
PRODUCTS = tuple(n for n in SYSTEMS if n.startswith("product-"))


def fresh_folder(folder: Path) -> Path:
    """An empty folder (whatever was there is removed)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
