"""French terms against Snowball's stem groups and against typing without accents.

    .venv/bin/python -m bench.french_terms [--data DIR] [--show N]

Reads every word form of the news corpus (``news-fr.jsonl.gz``: words as the analysis
cuts them, elision stripped, lower case; forms of letters only, two or more, that no stop
list of the compared chains stops) and measures each chain of terms on it:

- **split groups**: Snowball's stem groups (the forms with one ``Stemmer("french")``
  stem, accents as written) of two forms or more, that the chain gives several terms;
- **accent-less misses**: the forms with an accent (or a ligature) whose accent-less
  spelling (``fold``) gets another term than the form as written;
- **joined groups**: the terms that join Snowball groups whose stems differ beyond their
  accents (the cost of a chain that meets more: "police" and "policier" as one term).

Both are also given weighted by occurrences. The chains, each a step from the last:
folding before stemming (the analysis before this measure), stemming first then
folding, then the product's stages one by one (``indexer.analysis.stemming``).
``--show N`` lists the N most frequent split groups and misses of the product.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from indexer.analysis import STOPWORDS, WORD, elided_length, fold, stem
from indexer.analysis.stemming import join_families, mend_ending, open_letters, snowball

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
# The stop list of the analysis before this measure (revision f2bfa90: Whoosh's French
# list and ours, checked once folded): the forms either list stops are left out, so that
# every chain is measured on the same forms.
EXTRA_BEFORE = (
    "les cette cet dont ils elles quand comment pourquoi combien quel quelle quels quelles "
    "lequel laquelle lesquels lesquelles"
)

Chain = Callable[[str], str]


def chains() -> dict[str, Chain]:
    """The chains compared, each a lower-case word -> its term."""
    return {
        "fold, then stem (before)": lambda w: snowball(fold(w)),
        "stem, then fold": lambda w: fold(snowball(w)),
        "+ open_letters": lambda w: fold(snowball(open_letters(w))),
        "+ mend_ending": lambda w: fold(snowball(mend_ending(open_letters(w)))),
        "+ join_families (the product)": lambda w: join_families(
            fold(snowball(mend_ending(open_letters(w))))
        ),
    }


def word_forms(path: Path) -> Counter[str]:
    """Every lower-case word form of the corpus, elision stripped, with its occurrences."""
    counts: Counter[str] = Counter()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            article = json.loads(line)
            for word in WORD.findall(f"{article.get('title') or ''}\n{article['text']}"):
                counts[word[elided_length(word) :].lower()] += 1
    from whoosh.lang.stopwords import stoplists

    before = {fold(w) for w in [*stoplists["fr"], *EXTRA_BEFORE.split()]}
    return Counter(
        {
            w: n
            for w, n in counts.items()
            if len(w) > 1 and w.isalpha() and w not in STOPWORDS and fold(w) not in before
        }
    )


def measure(term: Chain, forms: Counter[str]) -> dict:
    """The split groups and the accent-less misses of one chain, with examples."""
    groups: dict[str, list[str]] = defaultdict(list)
    for w in forms:
        groups[snowball(w)].append(w)
    several = [g for g in groups.values() if len(g) > 1]
    split = [g for g in several if len({term(w) for w in g}) > 1]
    accented = [w for w in forms if fold(w) != w]
    missed = [w for w in accented if term(fold(w)) != term(w)]
    stems_of: dict[str, set[str]] = defaultdict(set)
    for w in forms:
        stems_of[term(w)].add(fold(snowball(w)))

    def weight(words) -> int:
        return sum(forms[w] for w in words)

    return {
        "groups": len(several),
        "split": len(split),
        "split_tokens": weight(w for g in split for w in g) / weight(w for g in several for w in g),
        "accented": len(accented),
        "missed": len(missed),
        "missed_tokens": weight(missed) / weight(accented),
        "joined": sum(1 for stems in stems_of.values() if len(stems) > 1),
        "split_examples": sorted(split, key=lambda g: -weight(g)),
        "missed_examples": sorted(missed, key=lambda w: -forms[w]),
    }


def table(rows: dict[str, dict]) -> str:
    """The Markdown table of the measures."""
    lines = [
        "| chain | split groups | (occurrences) | accent-less misses | (occurrences) "
        "| joined groups |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows.items():
        lines.append(
            f"| {name} | {r['split']:,} of {r['groups']:,} ({r['split'] / r['groups']:.2%}) "
            f"| {r['split_tokens']:.2%} | {r['missed']:,} of {r['accented']:,} "
            f"({r['missed'] / r['accented']:.2%}) | {r['missed_tokens']:.2%} | {r['joined']:,} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DATA, help="folder of news-fr.jsonl.gz")
    p.add_argument("--show", type=int, default=0, help="examples of the product's failures")
    args = p.parse_args(argv)
    forms = word_forms(args.data / "news-fr.jsonl.gz")
    print(f"{len(forms):,} word forms, {sum(forms.values()):,} occurrences")
    rows = {name: measure(term, forms) for name, term in chains().items()}
    assert all(stem(w) == chains()["+ join_families (the product)"](w) for w in list(forms)[:999])
    print(table(rows))
    product = rows["+ join_families (the product)"]
    for group in product["split_examples"][: args.show]:
        print("split:", ", ".join(f"{w} {stem(w)}" for w in group[:6]))
    for w in product["missed_examples"][: args.show]:
        print(f"missed: {w} {stem(w)} / {fold(w)} {stem(fold(w))} ({forms[w]})")


if __name__ == "__main__":
    main()
