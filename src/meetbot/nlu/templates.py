"""Templates: a question or phrasing with its linked entities replaced by slot words.

"when did tokaev meet shmid" and the phrasing "when did {person} meet {person}" both become
"when did xperson meet xperson", so they compare as equals. In FAQ phrasings, which are
about particular entries, a named entry becomes a slot word tied to its id
("xperson_schmid"), so it matches questions about that entry only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from meetbot.domain.route import Mention

SLOT_WORD: dict[str, str] = {"person": "xperson", "role": "xrole", "org": "xorg",
                             "event": "xevent", "date": "xdate", "quote": "xquote",
                             "source": "xsource"}
SLOT_WORDS = frozenset(SLOT_WORD.values())
SLOT_RE = re.compile(r"\{(person|role|org|event|date|quote|source)\}")
"""A slot written out in a phrasing: ``{person}``."""


@dataclass(frozen=True)
class Example:
    """An example phrasing, templated."""

    intent: str
    text: str
    template: str


def marked(text: str) -> str:
    """A phrasing with its written-out slots (``{person}``) as slot words."""
    return SLOT_RE.sub(lambda m: f" {SLOT_WORD[m.group(1)]} ", text)


def specific(mention: Mention) -> str:
    """The slot word tied to the mention's entry ("xperson_schmid")."""
    return f"{SLOT_WORD[mention.kind]}_{mention.id}"


def unnamed(token: str) -> str:
    """``token`` ("xperson_braathu") as any entry of its kind ("xperson_?"; no id has "?").

    For an entry no phrasing names, that is all scoring uses: it weighs as its slot word,
    matches no phrasing's token, and tells which kinds of entry the question names.
    """
    return token.split("_", 1)[0] + "_?"


def templated(words: list[str], mentions: Iterable[Mention], *,
              specific_entries: bool = False) -> list[str]:
    """``words`` with each mention replaced by its slot word (tied to its entry with
    ``specific_entries``, except dates and quotations)."""
    out: list[str] = []
    by_start = {m.start: m for m in mentions}
    i = 0
    while i < len(words):
        mention = by_start.get(i)
        if mention is not None:
            generic = specific_entries is False or mention.kind in ("date", "quote")
            out.append(SLOT_WORD[mention.kind] if generic else specific(mention))
            i = mention.end
        else:
            out.append(words[i])
            i += 1
    return out
