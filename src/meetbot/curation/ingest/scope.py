"""What every drafting step reads with: the document, its language's vocabulary and
morphology, the knowledge base and the ids in use."""

from __future__ import annotations

import re

from meetbot.curation.ingest.document import SPACES_RE, Document, Span, Token
from meetbot.curation.ingest.entities import Draft, Mention
from meetbot.curation.ingest.language import Vocabulary, vocabulary
from meetbot.curation.ingest.morphology import morphology
from meetbot.domain.knowledge import KnowledgeBase
from meetbot.lang.catalog import DEFAULT_LANGUAGE
from meetbot.lang.normalize import normalize, transliterate
from meetbot.lang.words import LanguageWords
from meetbot.nlu.router import Router

DRAFT_PREFIX = "draft-"
"""Ids of new entries in a draft start with this (curated ids never do)."""
_ACRONYM_IN_TITLE = re.compile(r"\s*\([^()]{2,30}\)")


def document_words(kb: KnowledgeBase, language: str) -> LanguageWords:
    """The words of the document's language's catalogue and of English (the knowledge base's
    own): another language's function words may be names or words here ("ан" in Kazakh)."""
    return LanguageWords.from_catalogs(c for code, c in kb.catalogs.items()
                                       if code in (language, DEFAULT_LANGUAGE))


def stop_words(words: LanguageWords, vocab: Vocabulary) -> frozenset[str]:
    """Capitalised words that start no name: the catalogues' function words and a page's."""
    return frozenset("-".join(w.split()) for w in words.stopwords) | vocab.page_words


def slug(text: str, stop: frozenset[str], words: int = 5, limit: int = 40) -> str:
    """An id made of the first content words of ``text``, in Latin letters."""
    kept = [part for word in text.split() if "-".join(normalize(word).split()) not in stop
            for part in transliterate(word).split()] or transliterate(text).split()
    made = ""
    for word in kept[:words]:
        candidate = f"{made}-{word}" if made else word
        if len(candidate) > limit:
            break
        made = candidate
    return made


def slug_stop(words: LanguageWords, vocab: Vocabulary) -> frozenset[str]:
    """Words left out of ids."""
    return stop_words(words, vocab) | vocab.connectors | vocab.slug_skip


class Scope:
    """The document, the knowledge base's names (through the router) and the ids in use."""

    def __init__(self, kb: KnowledgeBase, doc: Document, draft: Draft, language: str) -> None:
        self.kb = kb
        self.doc = doc
        self.draft = draft
        self.router = Router(kb)
        self.words = document_words(kb, language)
        self.vocab = vocabulary(language)
        self.morph = morphology(language)
        self.stop = stop_words(self.words, self.vocab)
        self.used_ids: set[str] = {i for table in (kb.people, kb.roles, kb.organizations,
                                                   kb.meetings, kb.events) for i in table}
        self.lower_words = frozenset(t.norm for t in doc.words if t.text.islower())
        self.sentence_starts = frozenset(doc.index(s.start) for s in doc.sentences)
        self._name_words: dict[int, bool] = {}

    def new_id(self, *parts: str) -> str:
        """A fresh ``draft-`` id made of ``parts``."""
        skip = slug_stop(self.words, self.vocab)
        base = DRAFT_PREFIX + "-".join(p for p in (slug(p, skip, 8, 50) for p in parts) if p)
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
        """Whether ``token`` could be part of a person's name, wherever it stands."""
        key = token.key
        if not token.is_capitalised or len(token.text) < 2:
            return False
        vocab = self.vocab
        if key in vocab.title_words or key in vocab.org_words or key in self.stop:
            return False
        if (len(token.norm) > 3 and normalize(token.norm) in self.words.months
                and self.morph.name_part(token.text) is None):
            return False  # a month's name ("Jan" may be a given name: Jan Braathu, and
            # "Мартой" one whose stem is a month's)
        if key in vocab.weekdays:
            return False
        if self.morph.is_verbal(token.text) or self.morph.is_linking(token.text):
            return False
        targets = self.router.lexicon.aliases.get(normalize(token.text), [])
        return not any(kind in ("org", "role", "event") for kind, _ in targets)

    def name_word(self, index: int) -> bool:
        """Whether the ``index``-th word could be part of a name where it stands: not a
        sentence's opening word that is a common word ("Greeting Margareta Cederfelt")."""
        known = self._name_words.get(index)
        if known is None:
            token = self.doc.words[index]
            known = self.name_like(token)
            if known and index in self.sentence_starts:
                if self.morph.language == "ru":
                    known = self.morph.name_part(token.text) is not None
                else:
                    known = not (self.morph.is_gerund(token.text)
                                 or token.norm in self.lower_words)
            self._name_words[index] = known
        return known

    def spaces(self, left: Token, right: Token) -> bool:
        """True when only spaces (no line break, no punctuation) separate two words."""
        return bool(SPACES_RE.match(self.doc.text[left.end:right.start]))

    def title_text(self, span: Span) -> str:
        """A title as a role's name: without acronyms in parentheses or leading "the", in
        the nominative case."""
        text = _ACRONYM_IN_TITLE.sub("", self.doc.at(span))
        words = text.split()
        while words and (words[0].lower() in self.vocab.connectors
                         or "-".join(normalize(words[0]).split()) in self.stop):
            words.pop(0)
        return self.morph.nominative_title(words)

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
        self.vocab = scope.vocab
