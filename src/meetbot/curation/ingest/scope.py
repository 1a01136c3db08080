"""What every drafting step reads with: the document, the knowledge base and its words."""

from __future__ import annotations

from meetbot.curation.ingest.document import SPACES_RE, Document, Token
from meetbot.curation.ingest.entities import Draft, Mention
from meetbot.curation.ingest.vocabulary import (
    CONNECTORS,
    ORG_WORDS,
    PAGE_WORDS,
    SLUG_SKIP,
    TITLE_WORDS,
    WEEKDAYS,
)
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.lang.normalize import normalize
from meetbot.lang.words import LanguageWords
from meetbot.nlu.router import Router

DRAFT_PREFIX = "draft-"
"""Ids of new entries in a draft start with this (curated ids never do)."""


def stop_words(words: LanguageWords) -> frozenset[str]:
    """Capitalised words that start no name: the catalogues' function words and a page's."""
    return words.stopwords | PAGE_WORDS


def slug(text: str, stop: frozenset[str], words: int = 5, limit: int = 40) -> str:
    """An id made of the first content words of ``text``."""
    skip = CONNECTORS | stop | SLUG_SKIP
    kept = [w for w in normalize(text).split() if w not in skip] or normalize(text).split()
    made = ""
    for word in kept[:words]:
        candidate = f"{made}-{word}" if made else word
        if len(candidate) > limit:
            break
        made = candidate
    return made


class Scope:
    """The document, the knowledge base's names (through the router) and the ids in use."""

    def __init__(self, kb: KnowledgeBase, doc: Document, draft: Draft) -> None:
        self.kb = kb
        self.doc = doc
        self.draft = draft
        self.router = Router(kb)
        self.words = self.router.words
        self.stop = stop_words(self.words)
        self.used_ids: set[str] = {i for table in (kb.people, kb.roles, kb.organizations,
                                                   kb.meetings, kb.events) for i in table}

    def new_id(self, *parts: str) -> str:
        """A fresh ``draft-`` id made of ``parts``."""
        base = DRAFT_PREFIX + "-".join(
            p for p in (slug(p, self.stop, 8, 50) for p in parts) if p)
        base = base[:60].rstrip("-") or f"{DRAFT_PREFIX}entry"
        candidate, number = base, 2
        while candidate in self.used_ids:
            candidate = f"{base}-{number}"
            number += 1
        self.used_ids.add(candidate)
        return candidate

    def alias(self, text: str, kind: str) -> str | None:
        """The entry of ``kind`` that has ``text`` as a name or alias."""
        targets = self.router.lexicon.aliases.get(normalize(text), [])
        return next((entry_id for k, entry_id in targets if k == kind), None)

    def linked(self, text: str, kind: str, *, whole: bool = True) -> str | None:
        """The entry of ``kind`` the router links ``text`` to (all of it, if ``whole``)."""
        exact = self.alias(text, kind)
        if exact:
            return exact
        words = normalize(text).split()
        if not words:
            return None
        for mention in self.router.linker.link(words, quotes=False):
            if mention.kind != kind:
                continue
            if not whole or (mention.start == 0 and mention.end == len(words)):
                return mention.id
        return None

    def name_like(self, token: Token) -> bool:
        """Whether ``token`` could be part of a person's name."""
        norm = token.norm
        if not token.is_capitalised or len(token.text) < 2:
            return False
        if norm in TITLE_WORDS or norm in ORG_WORDS or norm in self.stop or norm in WEEKDAYS:
            return False
        if len(norm) > 3 and normalize(norm) in self.words.months:
            return False  # a month's name ("Jan" may be a given name: Jan Braathu)
        targets = self.router.lexicon.aliases.get(normalize(token.text), [])
        return not any(kind in ("org", "role", "event") for kind, _ in targets)

    def spaces(self, left: Token, right: Token) -> bool:
        """True when only spaces (no line break, no punctuation) separate two words."""
        return bool(SPACES_RE.match(self.doc.text[left.end:right.start]))

    def mentions_in(self, start: int, end: int) -> list[Mention]:
        """The mentions of found people between ``start`` and ``end``."""
        return [m for m in self.draft.mentions if m.start >= start and m.end <= end]


class Step:
    """One step of drafting: reads the document in its :class:`Scope`, adds to its draft."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.doc = scope.doc
        self.kb = scope.kb
        self.router = scope.router
        self.draft = scope.draft
