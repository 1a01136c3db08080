"""The lexicon: every name, alias, acronym and translation of the knowledge base, normalised.

Aliases are indexed in their own script and in Latin letters (``transliterate``), so "Tokaev"
typed in Latin finds an alias curated only in Cyrillic. :meth:`Lexicon.fuzzy` finds the
alias a phrase is a typo of (rapidfuzz), with a cut-off that grows stricter for short words,
comparing only aliases of a similar length.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping

from cachetools import LRUCache
from rapidfuzz import fuzz, process

from meetbot.domain.knowledge import KnowledgeBase
from meetbot.domain.route import Kind
from meetbot.lang.normalize import normalize, transliterate
from meetbot.lang.stemming import MIN_STEM
from meetbot.lang.words import LanguageWords

MEMO_SIZE = 20_000
"""Words and phrases whose fuzzy results are remembered (least recently used go first)."""
PARTIAL_KINDS = ("role", "org", "event")
"""Kinds of entries also named by part of an alias ("the summit in Astana")."""

Linked = tuple[list[tuple[Kind, str]] | None, float]
"""What a phrase links to (None: nothing) and how closely."""


def latin(word: str) -> str:
    """A normalised word (or phrase) in Latin letters; Latin input is returned unchanged."""
    if word.isascii():
        return word
    return " ".join(transliterate(word).split()) or word


def fuzzy_cutoff(word: str) -> float:
    """Similarity needed for a fuzzy alias match: stricter for short strings."""
    n = len(word.replace(" ", ""))
    if n <= 3:
        return 101.0
    if n <= 5:
        return 80.0
    return 82.0


def word_close(typed: str, known: str) -> bool:
    """True when ``typed`` is ``known`` or a plausible typo of it."""
    if typed == known:
        return True
    cutoff = fuzzy_cutoff(typed)
    return cutoff <= 100 and fuzz.ratio(typed, known) >= cutoff


class ByLength:
    """Words sorted by length, so that fuzzy searches compare only those of similar length."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = sorted(words, key=len)
        self.lengths = [len(word) for word in self.words]

    def near(self, text: str, cutoff: float) -> list[str]:
        """The words long enough and short enough for ``fuzz.ratio`` with ``text`` to reach
        ``cutoff``: as the distance is at least the difference in length, the ratio is at
        most ``200 * min(a, b) / (a + b)`` for lengths ``a`` and ``b``."""
        shortest = math.floor(len(text) * cutoff / (200 - cutoff))
        longest = math.ceil(len(text) * (200 - cutoff) / cutoff)
        return self.words[bisect.bisect_left(self.lengths, shortest):
                          bisect.bisect_right(self.lengths, longest)]


def _translations(translations: Mapping[str, str]) -> list[tuple[str, str]]:
    return [(language, text) for language, text in translations.items() if text]


class Lexicon:
    """The knowledge base's names, normalised, for exact and fuzzy look-up."""

    def __init__(self, kb: KnowledgeBase, words: LanguageWords) -> None:
        self.kb = kb
        self.words = words
        self.aliases: dict[str, list[tuple[Kind, str]]] = {}
        self._build()
        self.max_alias_words = max((len(a.split()) for a in self.aliases), default=1)
        by_words: dict[int, list[str]] = {}
        for alias in self.aliases:
            if alias.isascii():  # fuzzy matching happens in the Latin (transliterated) space
                by_words.setdefault(len(alias.split()), []).append(alias)
        self.alias_words = frozenset(w for alias in self.aliases for w in alias.split())
        """Every word of some alias."""
        self._by_length = {size: ByLength(aliases) for size, aliases in by_words.items()}
        """Per number of words, the Latin aliases by length."""
        self._latin_alias_words = ByLength(sorted({w for size, aliases in by_words.items()
                                                   if size > 1 for a in aliases
                                                   for w in a.split()}))
        """Every word of a multi-word alias: a chunk's words must each be close to one."""
        self.latin_stopwords = frozenset(latin(w) for w in words.stopwords if not w.isascii())
        self.phrasing_words: frozenset[str] = frozenset()
        """Words of the example phrasings, in their own script and in Latin letters: never
        read as a misspelt name (set by the router once the phrasings are templated)."""
        self._partial_index()
        self._linked: LRUCache[str, Linked] = LRUCache(MEMO_SIZE)
        self._alias_like: LRUCache[str, bool] = LRUCache(MEMO_SIZE)

    # -- index -------------------------------------------------------------------------
    def _add(self, text: str, kind: Kind, entry_id: str, language: str | None = None) -> None:
        native = normalize(text)
        # its stem in a language stemmed by its own endings ("Тоқаевпен": "тоқаев") too
        stemmed = self.words.normalized(text, language)
        # the Latin form of the stemmed native alias too, so that a misspelt inflected
        # Cyrillic name ("кашербаевым" -> "kasherba") is compared stem to stem
        keys = [native, stemmed, transliterate(text), latin(native)]
        if kind == "person":
            keys += self._contracted(text, language)
        for key in dict.fromkeys(keys):
            if not key or key in self.words.stopwords:
                continue
            targets = self.aliases.setdefault(key, [])
            if (kind, entry_id) not in targets:
                targets.append((kind, entry_id))

    def _contracted(self, name: str, language: str | None) -> list[str]:
        """The stems of a surname with an ending that begins with its last letter, written
        once ("Камп" + "пен" as "Кампен": "кам"), in a language stemmed by its endings."""
        stemmer = self.words.stemmers.get(language) if language else None
        words = name.lower().split()
        if stemmer is None or not words:
            return []
        surname = words[-1]
        own = stemmer.stem(surname)
        found = {stemmer.stem(surname[:-1] + suffix) for suffix in stemmer.suffixes
                 if suffix[0] == surname[-1]}
        return sorted(stem for stem in found if stem != own and len(stem) >= MIN_STEM)

    def _build(self) -> None:
        kb = self.kb
        given_names: dict[str, list[str]] = {}
        for person in kb.people.values():
            for text in (person.name, *person.aliases):
                self._add(text, "person", person.id)
            for language, text in _translations(person.translations):
                self._add(text, "person", person.id, language)
            words = normalize(person.name).split()
            for word in words[:-1]:
                if len(word) >= 4:
                    given_names.setdefault(word, []).append(person.id)
        for word, ids in given_names.items():
            if len(ids) == 1 and word not in self.aliases:
                self._add(word, "person", ids[0])
        for role in kb.roles.values():
            for text in (role.name, *role.aliases):
                self._add(text, "role", role.id)
            for language, text in _translations(role.translations):
                self._add(text, "role", role.id, language)
        for org in kb.organizations.values():
            for text in (org.name, *org.acronyms, *org.aliases):
                self._add(text, "org", org.id)
            for language, text in _translations(org.translations):
                self._add(text, "org", org.id, language)
        for source_id, doc in kb.sources.items():
            for text in doc.meta.names:  # "kt.kz", "Kazakhstan Today", "Akorda"
                self._add(text, "source", source_id)
        for event in kb.events.values():
            for text in (event.name, *event.aliases):
                self._add(text, "event", event.id)
            for language, text in _translations(event.translations):
                self._add(text, "event", event.id, language)

    def _partial_index(self) -> None:
        """The content words of every role's, organisation's and event's alias of two or more
        of them, for :meth:`partial` (people are named by their names)."""
        stop, fillers = self.words.stopwords, self.words.fillers
        self._partials: list[tuple[frozenset[str], tuple[Kind, str]]] = []
        self._partials_of: dict[str, list[int]] = {}
        for alias, targets in self.aliases.items():
            if not alias.isascii() and latin(alias) in self.aliases:
                continue  # its Latin form is indexed
            content = frozenset(w for w in alias.split() if w not in stop and w not in fillers)
            if len(content) < 2 or len(targets) != 1 or targets[0][0] not in PARTIAL_KINDS:
                continue
            number = len(self._partials)
            self._partials.append((content, targets[0]))
            for word in content:
                self._partials_of.setdefault(word, []).append(number)
        self._partial_words = ByLength(self._partials_of)
        self._partial_sorted = sorted(self._partials_of)

    def partial(self, words: list[str]) -> tuple[Kind, str] | None:
        """The one role, organisation or event whose alias holds every one of ``words`` (at
        least two content words: "media freedom" for "Representative on Freedom of the
        Media"), each as written, as a shortening ("sec gen") or as a typo; None when none or
        several do."""
        found: set[int] | None = None
        for word in words:
            holders: set[int] = set()
            for known in self._partial_forms(word):
                holders.update(self._partials_of[known])
            found = holders if found is None else found & holders
            if not found:
                return None
        if not found:
            return None
        best = max(len(words) / len(self._partials[n][0]) for n in found)
        entries = {self._partials[n][1] for n in found
                   if len(words) / len(self._partials[n][0]) == best}
        return entries.pop() if len(entries) == 1 else None

    def _partial_forms(self, word: str) -> list[str]:
        """The alias words ``word`` is or shortens (three letters or more: "kazakh" for
        "kazakhstan" too), else those it misspells."""
        if len(word) >= 3:  # the words it begins, found in sorted order
            start = bisect.bisect_left(self._partial_sorted, word)
            end = bisect.bisect_left(self._partial_sorted, word + "\uffff", start)
            forms = self._partial_sorted[start:end]
        else:
            forms = [word] if word in self._partials_of else []
        cutoff = fuzzy_cutoff(word)
        if not forms and cutoff <= 100:
            forms = [hit for hit, _, _ in process.extract(
                word, self._partial_words.near(word, cutoff), scorer=fuzz.ratio,
                score_cutoff=cutoff, limit=3)]
        return forms

    def vocabulary(self) -> frozenset[str]:
        """Every word of the aliases, the sources, their titles, topics, statement keywords
        and FAQ questions: the words the knowledge base itself uses."""
        words: set[str] = set()
        for alias in self.aliases:
            words.update(alias.split())
        for doc in self.kb.sources.values():
            words.update(normalize(doc.text).split())
            words.update(normalize(doc.meta.title).split())
        for meeting in self.kb.meetings.values():
            for topic in meeting.topics:
                words.update(normalize(" ".join((topic.text, *topic.keywords))).split())
            for statement in meeting.statements:
                words.update(normalize(" ".join(statement.keywords)).split())
        for faq in self.kb.faq.values():
            for question in faq.questions:
                words.update(normalize(question).split())
        return frozenset(words)

    # -- fuzzy look-up -----------------------------------------------------------------
    def fuzzy(self, phrase: str, chunk: list[str], size: int) -> Linked:
        """The alias the Latin ``phrase`` (words ``chunk``) is a typo of, if any.

        The linker has checked that the phrase neither starts nor ends with a function word
        and that each of its other words could be part of an alias.
        """
        if size == 1 and (phrase in self.phrasing_words or phrase in self.words.fillers
                          or phrase.isdigit()):
            return None, 0.0
        cutoff = fuzzy_cutoff(phrase)
        if cutoff > 100:
            return None, 0.0
        hit = self._linked.get(phrase)
        if hit is None:
            hit = self._linked[phrase] = self._fuzzy_search(phrase, chunk, size, cutoff)
        return hit

    def could_be_alias_word(self, word: str) -> bool:
        """True when ``word`` is, or is a typo of, a word of some multi-word alias."""
        known = self._alias_like.get(word)
        if known is None:
            cutoff = fuzzy_cutoff(word)
            known = self._alias_like[word] = word in self.alias_words or (
                cutoff <= 100 and process.extractOne(
                    word, self._latin_alias_words.near(word, cutoff), scorer=fuzz.ratio,
                    score_cutoff=cutoff) is not None)
        return known

    def _fuzzy_search(self, phrase: str, chunk: list[str], size: int, cutoff: float) -> Linked:
        by_length = self._by_length.get(size)
        candidates = by_length.near(phrase, cutoff) if by_length is not None else []
        stopwords = self.words.stopwords
        for alias, score, _ in process.extract(phrase, candidates, scorer=fuzz.ratio,
                                               score_cutoff=cutoff, limit=5):
            if size == 1 or all(word_close(a, b) or (
                    (a in stopwords or a in self.latin_stopwords) and b in stopwords)
                    for a, b in zip(chunk, alias.split(), strict=True)):
                return self.aliases[alias], float(score)
        return None, 0.0
