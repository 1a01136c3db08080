"""The sentence writer: an answer's text in one language, with its citations numbered."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from meetbot.domain.answer import Citation
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.domain.schema import Cite
from meetbot.lang.catalog import DEFAULT_LANGUAGE, Catalog, translated
from meetbot.lang.normalize import squash_whitespace


class Writer:
    """Builds the text of an answer in one language and numbers its citations.

    Every sentence comes from the catalogue (:meth:`line`); names, roles, organisations and
    events come from the knowledge base's curated translations; a cited quote is numbered
    once however often it is cited.
    """

    def __init__(self, kb: KnowledgeBase, catalog: Catalog) -> None:
        self.kb = kb
        self.catalog = catalog
        self.lang = catalog.language
        self.citations: list[Citation] = []
        self._numbers: dict[Citation, int] = {}
        self.parts: list[str] = []

    # text
    def t(self, key: str, /, **values: Any) -> str:
        """The catalogue's message ``key`` with ``values``."""
        return self.catalog.t(key, **values)

    def say(self, text: str) -> None:
        """Add ``text`` as the next line of the answer."""
        self.parts.append(text)

    def line(self, key: str, /, **values: Any) -> None:
        """Add the catalogue's message ``key`` as the next line."""
        self.parts.append(self.t(key, **values))

    def join(self, items: Sequence[str]) -> str:
        """``items`` (each once) as a list in the answer's language: "a, b and c"."""
        return self.catalog.join(list(dict.fromkeys(items)))

    @property
    def text(self) -> str:
        """The answer so far."""
        return "\n".join(self.parts)

    # names in the asker's language
    def name(self, person_id: str) -> str:
        """The person's name in the answer's language."""
        person = self.kb.people[person_id]
        return translated(person.name, person.translations, self.lang)

    def surname(self, person_id: str) -> str:
        """The last word of the person's name."""
        return self.name(person_id).split()[-1]

    def role(self, role_id: str) -> str:
        """The role's name in the answer's language."""
        role = self.kb.roles[role_id]
        return translated(role.name, role.translations, self.lang)

    def org_name(self, org_id: str) -> str:
        """The organisation's full name in the answer's language."""
        org = self.kb.organizations[org_id]
        return translated(org.name, org.translations, self.lang)

    def org_label(self, org_id: str) -> str:
        """The organisation's acronym: a curated one in the answer's language if any (one
        with its own letters, ЕҚЫҰ; else one with no other language's own letters, ОБСЕ)."""
        org = self.kb.organizations[org_id]
        if self.lang != DEFAULT_LANGUAGE:
            native = [a for a in org.aliases if a.isupper() and not a.isascii()]
            own = self.catalog.letters
            others = "".join(c.letters for lang, c in self.kb.catalogs.items()
                             if lang != self.lang)
            mine = [a for a in native if any(ch in a.lower() for ch in own)] if own else [
                a for a in native if not any(ch in a.lower() for ch in others)]
            if mine or native:
                return (mine or native)[0]
        return org.acronyms[0] if org.acronyms else self.org_name(org_id)

    def event(self, event_id: str) -> str:
        """The event's name in the answer's language."""
        event = self.kb.events[event_id]
        return translated(event.name, event.translations, self.lang)

    def date(self, value: str) -> str:
        """A date of the knowledge base as the answer's language writes it."""
        return self.catalog.date(value)

    def people(self, ids: Iterable[str]) -> str:
        """The people's names as a list."""
        return self.join([self.name(p) for p in ids])

    # citations
    def cite(self, cite: Cite) -> str:
        """The citation mark ("[2]") of a verified quote, numbering it if new."""
        doc = self.kb.sources[cite.source]
        citation = Citation(cite.source, doc.meta.title, doc.meta.publisher, doc.meta.url,
                            doc.meta.published, squash_whitespace(cite.quote))
        return f"[{self.add(citation)}]"

    def add(self, citation: Citation) -> int:
        """Number ``citation`` (the same quote keeps its number)."""
        number = self._numbers.get(citation)
        if number is None:
            self.citations.append(citation)
            number = self._numbers[citation] = len(self.citations)
        return number

    def cites(self, cites: Iterable[Cite]) -> str:
        """The marks of several quotes, each once ("[1][3]")."""
        marks: list[str] = []
        for cite in cites:
            mark = self.cite(cite)
            if mark not in marks:
                marks.append(mark)
        return "".join(marks)
