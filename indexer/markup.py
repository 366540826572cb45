"""HTML left in a source's strings, made plain text: tags dropped, entities decoded.

Exports carry markup: 136 of the 1,518 PIAF paragraph titles are Wikipedia HTML
(``<i>Les Guignols de l'info</i>``, ``<span class="nowrap">Louis <abbr title="16">XVI
</abbr></span>``), and 65 news articles hold ``&quot;`` or ``&amp;``. Indexed as they are,
a title's tag and attribute names become words ("span", "class", "style") that questions
about a class or a style then match, and the page shows the markup as text.

Only the shapes of real markup are touched: an element tag (``<i>``, ``</span>``,
``<br/>``, ``<abbr title="16">``), a comment, or an entity (``&amp;``, ``&#233;``).
"a < b > c" and "AT&T" stay as they are.
"""

from __future__ import annotations

import html
import re

TAG = re.compile(
    r"<!--.*?-->"  # a comment
    r"|</?[A-Za-z][A-Za-z0-9-]*"  # an element's name, opening or closing
    r"(?:\s+[A-Za-z_:][\w:.-]*(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'=<>`]+))?)*"
    r"\s*/?>",
    re.DOTALL,
)
ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
BLOCK = re.compile(r"</?(?:p|div|br|li|tr|h[1-6])\b", re.IGNORECASE)


def plain(text: str) -> str:
    """``text`` with its HTML tags removed and its entities decoded; as is if it has none.

    A block tag (``<p>``, ``<br>``, ``<li>``…) leaves a line break, an inline one nothing:
    ``"<i>Saw 3D</i> : Chapitre"`` -> ``"Saw 3D : Chapitre"``.
    """
    if "<" in text:
        text = TAG.sub(lambda m: "\n" if BLOCK.match(m.group()) else "", text)
    if "&" in text:
        text = ENTITY.sub(lambda m: html.unescape(m.group()), text)
    return text
