"""Results as text for a terminal: what ``search`` prints without ``--json``.

Matches are in bold on a terminal (``Passage.to_ansi``), plain text when the output is
redirected. Every sentence is French, and agrees in number with its count.
"""

from __future__ import annotations

import json

import click

from ..search.models import Completions, Hit, SearchResult, SimilarResult


def to_json(body: dict) -> str:
    """A result's JSON body, as the API serves it (``to_dict()``), indented."""
    return json.dumps(body, ensure_ascii=False, indent=2)


def render_text(result: SearchResult, color: bool = False) -> str:
    """A result for reading in a terminal: hits, passages, then facets."""
    req = result.request
    if not result.total:
        none = f"Aucun résultat pour « {req.q} »." if req.q else "Aucun résultat."
        hint = f"\nVouliez-vous dire : « {result.suggestion} » ?" if result.suggestion else ""
        return none + hint
    noun = "résultat" if result.total == 1 else "résultats"
    head = f"{result.total} {noun}" + (f" pour « {req.q} »" if req.q else "")
    lines = [f"{head} (page {req.page}/{result.pages}, {result.took_ms:.0f} ms)"]
    if result.all_terms_total is not None and result.all_terms_total < result.total:
        lines.append(_partial_note(result.all_terms_total))
    if result.suggestion:
        lines.append(f"Vouliez-vous dire : « {result.suggestion} » ?")
    lines.append("")
    first = (req.page - 1) * req.per_page + 1
    for n, hit in enumerate(result.hits, first):
        lines.extend(_render_hit(n, hit, color))
    lines.append(_render_facets(result))
    return "\n".join(lines).rstrip()


def render_similar(result: SimilarResult, color: bool = False) -> str:
    """Similar articles for reading in a terminal."""
    if not result.hits:
        return f"Aucun article proche de « {result.title} »."
    lines = [f"Articles proches de « {result.title} » :", ""]
    for n, hit in enumerate(result.hits, 1):
        lines.extend(_render_hit(n, hit, color))
    return "\n".join(lines).rstrip()


def render_completions(found: Completions) -> str:
    """Completed words, then the titles they start."""
    lines = list(found.words)
    if found.titles:
        lines += ["", "Articles :"] if found.words else ["Articles :"]
        lines += [f"  {title}  ({doc_id})" for doc_id, title in found.titles]
    return "\n".join(lines) if lines else f"Rien à proposer pour « {found.q} »."


def _partial_note(full: int) -> str:
    """Says where the articles with every word end, in correct French for 0, 1 or more."""
    if full == 0:
        return "Aucun ne contient tous les mots ; chacun n'en contient qu'une partie."
    verb = "contient" if full == 1 else "contiennent"
    return f"{full} {verb} tous les mots ; les suivants n'en contiennent qu'une partie."


def _render_hit(n: int, hit: Hit, color: bool) -> list[str]:
    title = click.style(hit.title, bold=True) if color else hit.title
    meta = " · ".join(x for x in (hit.date, ", ".join(hit.country_names)) if x)
    lines = [f"{n}. {title}", f"   {hit.id}" + (f" · {meta}" if meta else "")]
    if hit.by_meaning:
        lines.append("   (aucun des mots cherchés : proche par le sens)")
    if hit.copies:
        lines.append(f"   (aussi publié : {', '.join(hit.copies)})")
    for p in hit.passages:
        lines.append("   " + (p.to_ansi() if color else str(p)))
    if hit.explain is not None:
        reasons = [f"{e['term']} → {', '.join(e['words'])} ({e['label']})" for e in hit.explain]
        alone = "sujet proche" if hit.by_meaning else "filtres seuls"
        lines.append("   pourquoi : " + ("; ".join(reasons) or alone))
    return [*lines, ""]


def _render_facets(result: SearchResult) -> str:
    parts = []
    if result.facets["country"]:
        countries = ", ".join(f"{v.label} ({v.count})" for v in result.facets["country"][:8])
        parts.append(f"Pays : {countries}")
    if result.facets["year"]:
        parts.append(
            "Années : " + ", ".join(f"{v.value} ({v.count})" for v in result.facets["year"])
        )
    return "\n".join(parts)
