"""Evidence retrieval: every verified fact of the knowledge base, ranked for a question.

A :class:`Fact` is one cited thing the sources say: a statement (direct or reported), a topic
of a meeting, a meeting's summary, a role someone holds, a fact about an event, a curated
FAQ answer, or a sentence of a source document. Each carries the entries it involves (its
meeting's participants and event, its speaker, the names in it), its date and its verified
quote. Facts are ranked with BM25 (``bm25s``, Lucene's variant) over stemmed words: Snowball
stemming for the knowledge base's own English and, through :func:`meetbot.lang.normalize`,
for Russian; the curated translations and keywords of a fact are indexed with it, so a
question in another catalogue language finds it too.

The BM25 scores are computed once when the index is built and kept as plain postings, so
answering needs no numerical library: a question's score for a fact is the sum of the
precomputed scores of its words, as BM25 defines it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from cachetools import LRUCache
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein
from Stemmer import Stemmer

from meetbot.domain.knowledge import KnowledgeBase, date_in
from meetbot.domain.schema import Cite, Meeting
from meetbot.lang.normalize import normalize, squash_whitespace
from meetbot.lang.sentences import passages
from meetbot.lang.words import LanguageWords
from meetbot.nlu.lexicon import MEMO_SIZE
from meetbot.nlu.linker import EntityLinker
from meetbot.nlu.vocabulary import WORD_FORM_SIMILARITY

FactKind = Literal["statement", "topic", "summary", "role", "org", "event", "faq", "sentence"]
Entity = tuple[str, str]
"""An entry a fact involves: (kind, id), e.g. ("person", "schmid")."""
Part = tuple[str, str | None]
"""A text of a fact and its language, when known."""

_ENGLISH = Stemmer("english")
QUESTION_WORD_WEIGHT = 0.2
"""How much a function word, or a word of the question phrasings, counts in a query against
a content word."""
MIN_SENTENCE_WORDS = 4
MIN_SENTENCE_MATCHES = 2
"""Words a question must share with a bare source sentence for it to count."""
"""A source sentence needs this many content words to be a fact of its own."""

TYPO_LENGTH = 6
"""A stemmed word this long that is no form of a fact's word may be one slip (a letter
wrong, missing, added, or two swapped) from one, as a spelling corrector allows."""


@dataclass(frozen=True, slots=True)
class Fact:
    """One verified thing the sources say, with what it involves."""

    kind: FactKind
    cite: Cite
    people: tuple[str, ...]
    """The people it involves: the speaker first for a statement, the holder for a role."""
    entities: frozenset[Entity]
    """Every entry it involves (people, organisations, events, roles)."""
    date: str
    """When: the meeting's date, the date a role is recorded, the source's date."""
    meeting: str | None = None
    speaker: str | None = None
    text: str = ""
    """What it says in the knowledge base's words (a topic, a summary); the quote otherwise."""
    translations: tuple[tuple[str, str], ...] = ()
    """The curated translations of ``text``, by language."""
    direct: bool = False
    """A statement quoted in the speaker's own words (else reported)."""


@dataclass(frozen=True, slots=True)
class EvidenceHit:
    """A fact ranked for a question."""

    fact: Fact
    score: float
    """The BM25 score."""
    coverage: float
    """The IDF-weighted share of the question's words the fact contains (0..1)."""
    matched: tuple[str, ...] = field(default=())
    """The question's (stemmed) words found in the fact."""


def stem(word: str) -> str:
    """A normalised word's stem: Snowball English for Latin words (Cyrillic words come out of
    :func:`~meetbot.lang.normalize.normalize` stemmed already). A noun in "-ity" keeps its
    ending: "nationality" is not "national", nor "minority" "minor"."""
    if not word.isascii():
        return word
    if word.endswith("ities"):
        return word[:-3] + "y"
    if word.endswith("ity"):
        return word
    return str(_ENGLISH.stemWord(word))


class EvidenceIndex:
    """Every fact of a knowledge base, indexed for BM25 retrieval."""

    def __init__(self, kb: KnowledgeBase, words: LanguageWords, linker: EntityLinker) -> None:
        self.kb = kb
        self.words = words
        self._linker = linker
        self.facts: list[Fact] = []
        documents: list[list[str]] = []
        for fact, parts in self._facts():
            tokens = [t for text, language in parts for t in self.tokens(text, language)]
            if tokens:
                self.facts.append(fact)
                documents.append(tokens)
        self.postings: dict[str, tuple[tuple[int, float], ...]] = _bm25(documents)
        """Per stemmed word: (fact number, BM25 score of the word in it)."""
        self.idf = {word: _idf(len(self.facts), len(hits)) for word, hits in
                    self.postings.items()}
        self._vocabulary = sorted(self.postings)
        self._forms: LRUCache[tuple[str, bool], str] = LRUCache(MEMO_SIZE)
        self.fact_words = [frozenset(doc) for doc in documents]
        self._postings_by_fact: LRUCache[str, dict[int, float]] = LRUCache(MEMO_SIZE // 10)
        self._by_entity: dict[Entity, list[int]] = {}
        """Per entry, and per ("source", id), the facts involving it, in order."""
        for number, fact in enumerate(self.facts):
            for entity in (*fact.entities, ("source", fact.cite.source)):
                self._by_entity.setdefault(entity, []).append(number)
        self.small_talk_words: frozenset[str] = frozenset()
        """Words of greetings, thanks and help (set by the router)."""
        self.phrasing_words: frozenset[str] = frozenset()
        """Words of every phrasing, FAQ questions included, stemmed (set by the router)."""
        self.question_words: frozenset[str] = frozenset()
        """Words of the general question phrasings, stemmed as the index stems (set by the
        router once the phrasings are templated): they say how a question asks, not what."""
        self.ordinary: frozenset[str] = frozenset()
        """Ordinary words of the catalogue languages (set by the router): never read as a
        slip of the keyboard for another word ("проводил" is not "приводил")."""

    # -- building ----------------------------------------------------------------------
    def tokens(self, text: str, language: str | None = None) -> list[str]:
        """The stemmed words of ``text`` (in ``language``, when known) as the index holds them
        (fillers left out)."""
        fillers = self.words.fillers
        return [stem(w) for w in self.words.normalized(text, language).split()
                if len(w) > 1 and w not in fillers]

    @staticmethod
    def _parts(*texts: str, translations: Iterable[Mapping[str, str]] = ()) -> list[Part]:
        """A fact's texts, each normalised on its own: the curated translations in their
        languages, stemmed as questions in them are; other texts in the language their
        letters tell."""
        return [*((text, None) for text in texts if text),
                *((text, language) for mapping in translations
                  for language, text in mapping.items())]

    def _linked(self, text: str) -> set[Entity]:
        words = normalize(text).split()
        return {(m.kind, m.id) for m in self._linker.link(words, fuzzy=False, quotes=False)
                if m.kind in ("person", "org", "event", "role")}

    def _meeting_entities(self, meeting: Meeting) -> set[Entity]:
        found: set[Entity] = {("person", p) for p in meeting.participants}
        found.add(("meeting", meeting.id))
        if meeting.event:
            found.add(("event", meeting.event))
        return found

    def _facts(self) -> Iterable[tuple[Fact, list[Part]]]:
        kb = self.kb
        quoted: set[str] = set()
        for meeting in kb.meetings.values():
            involved = self._meeting_entities(meeting)
            people = tuple(meeting.participants)
            for statement in meeting.statements:
                quote = statement.cite.quote
                quoted.add(squash_whitespace(quote))
                speaker = statement.speaker
                yield (Fact("statement", statement.cite,
                            (speaker, *(p for p in people if p != speaker)),
                            frozenset(involved | self._linked(quote)), meeting.date,
                            meeting.id, speaker, quote, direct=statement.kind == "direct"),
                       self._parts(quote, *statement.keywords))
            for topic in meeting.topics:
                quoted.add(squash_whitespace(topic.cite.quote))
                yield (Fact("topic", topic.cite, people,
                            frozenset(involved | self._linked(topic.cite.quote)), meeting.date,
                            meeting.id, None, topic.text, tuple(topic.translations.items())),
                       self._parts(topic.text, topic.cite.quote, *topic.keywords,
                                   translations=[topic.translations]))
            summary = meeting.summary
            quoted.add(squash_whitespace(summary.cite.quote))
            yield (Fact("summary", summary.cite, people,
                        frozenset(involved | self._linked(summary.cite.quote)),
                        meeting.date,
                        meeting.id, None, summary.text, tuple(summary.translations.items())),
                   self._parts(summary.text, summary.cite.quote, meeting.title,
                               translations=[summary.translations, meeting.translations]))
        for person in kb.people.values():
            for holding in person.roles:
                role = kb.roles.get(holding.role)
                if role is None:
                    continue
                involved = {("person", person.id), ("role", role.id)}
                if role.organization:
                    involved.add(("org", role.organization))
                org = kb.organizations.get(role.organization or "")
                yield (Fact("role", holding.cite, (person.id,), frozenset(involved),
                            holding.as_of, text=holding.cite.quote),
                       self._parts(holding.cite.quote, person.name, role.name, *role.aliases,
                                   *(org.acronyms if org else ()),
                                   translations=[role.translations, person.translations]))
        for org in kb.organizations.values():
            involved = {("org", org.id)}
            if org.parent:
                involved.add(("org", org.parent))
            parent = kb.organizations.get(org.parent or "")
            yield (Fact("org", org.cite, (), frozenset(involved), "", text=org.name,
                        translations=tuple(org.translations.items())),
                   self._parts(org.cite.quote, org.name, *org.acronyms, *org.aliases,
                               org.description or "", *(parent.acronyms if parent else ()),
                               translations=[org.translations]))
        for event in kb.events.values():
            for item in event.facts:
                yield (Fact("event", item.cite, (), frozenset({("event", event.id)}),
                            event.date or "", text=item.text,
                            translations=tuple(item.translations.items())),
                       self._parts(item.text, item.cite.quote, event.name,
                                   translations=[item.translations]))
        for faq in kb.faq.values():
            involved = set().union(*(self._linked(q) for q in faq.questions))
            people = tuple(sorted(i for k, i in involved if k == "person"))
            for cite in faq.cites[:1]:
                yield (Fact("faq", cite, people, frozenset(involved), "", text=faq.answer,
                            translations=tuple(faq.translations.items())),
                       self._parts(faq.answer, translations=[faq.translations]))
        for source_id, doc in kb.sources.items():
            for passage in passages(doc.text):
                text = squash_whitespace(passage)
                if text in quoted or text not in doc.flat:
                    continue
                if len(self.tokens(text)) < MIN_SENTENCE_WORDS:
                    continue
                involved = self._linked(text)
                people = tuple(sorted(i for k, i in involved if k == "person"))
                yield (Fact("sentence", Cite(source=source_id, quote=text), people,
                            frozenset(involved), doc.meta.published, text=text),
                       self._parts(text))

    # -- searching ---------------------------------------------------------------------
    def query(self, words: Sequence[str],
              asks: Callable[[str], bool] | None = None) -> dict[str, float]:
        """The stemmed query words of normalised question ``words``, with their weights.

        Typos are mapped to the index's word forms. Fillers do not count. A word of the
        question phrasings ("what", "did", "discuss") counts for little, and not at all when no
        fact holds it; another function word counts only when some fact holds it ("thanked":
        "thank"). A word no fact holds counts in full: the question asks about something the
        facts do not say.
        """
        stop = self.words.stopwords
        weights: dict[str, float] = {}
        for word in words:
            if len(word) < 2 or self.words.is_filler(word):
                continue
            form = self._form(stem(word), typo=word not in self.ordinary)
            held = form in self.postings
            if not held and word in self.small_talk_words:
                continue  # "thanks for the help, and …": politeness, not what is asked
            if (word in self.question_words or form in self.question_words
                    or (not held and asks is not None and asks(word))):
                continue  # how the question asks ("what did ... say about"), not what
            elif word in stop:
                if not held:
                    continue
                weight = QUESTION_WORD_WEIGHT * self.idf[form]
            elif held:
                weight = self.idf[form]
            elif len(word) > 2:  # two letters no fact holds: a slip of the keyboard
                weight = self._unseen
            else:
                continue
            weights[form] = max(weights.get(form, 0.0), weight)
        return weights

    def _form(self, word: str, *, typo: bool = True) -> str:
        """The index's form of stemmed ``word``: itself, another form of it, or (``typo``)
        the word it is one slip from."""
        if word in self.postings or len(word) < 5:
            return word
        form = self._forms.get((word, typo))
        if form is None:
            hit = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio,
                                     score_cutoff=WORD_FORM_SIMILARITY)
            form = hit[0] if hit else word
            if hit is None and typo and len(word) >= TYPO_LENGTH:  # "sociaty", "strenght"
                form = next((known for known in self._vocabulary
                             if abs(len(known) - len(word)) <= 1
                             and DamerauLevenshtein.distance(word, known, score_cutoff=1) <= 1),
                            word)
            self._forms[word, typo] = form
        return form

    def search(self, query: dict[str, float], *,
               involving: Iterable[frozenset[Entity]] = (),
               period: str | None = None, kinds: Iterable[FactKind] | None = None,
               speakers: Iterable[str] = (), limit: int = 5) -> list[EvidenceHit]:
        """The facts best matching the stemmed ``query``, best first.

        Each involves one entry of each set in ``involving`` (a person; or any of the
        entries standing for an organisation: itself and its people), falls in ``period``
        (a year, month or day) when it has a date, and is of one of ``kinds``. A statement
        by one of
        ``speakers`` (the people the question names) ranks before a statement merely made in
        their presence. A query word the index does not hold counts against the coverage, so a
        question about something the sources do not mention finds nothing well covered.
        """
        said_by = frozenset(speakers)
        need = tuple(involving)
        wanted = frozenset(kinds) if kinds is not None else None
        total = sum(query.values())
        shares = {word: weight / self.idf[word] if word in self.idf else 0.0
                  for word, weight in query.items()}
        scores: dict[int, float] = {}
        # per set of alternatives, the facts that may involve one (by the entries' index and
        # the words' postings), and whether being among them is enough (no words to check)
        pools = [(self._involving(alternatives), alternatives,
                  not any(kind == "words" for kind, _ in alternatives))
                 for alternatives in need]
        among = [(frozenset(found), alternatives, exact) for found, alternatives, exact in pools]
        pool = min((found for found, _, _ in pools), key=len, default=None)
        if pool is not None and (not query or len(pool) < sum(len(self.postings.get(w, ()))
                                                          for w in query)):
            # the facts of the entries named are fewer than those of the words: score those
            for number in pool:
                scores[number] = sum(share * self._posting(word).get(number, 0.0)
                                     for word, share in shares.items())
        elif query:
            for word, share in shares.items():
                for number, score in self.postings.get(word, ()):
                    scores[number] = scores.get(number, 0.0) + share * score
        else:  # no words to rank by, no entries named: nothing to look for
            return []
        hits: list[EvidenceHit] = []
        for number, score in scores.items():
            fact = self.facts[number]
            if among and not all(number in found and (exact or self._involves(number, a))
                                 for found, a, exact in among):
                continue
            if query and not score and pool is not None:
                continue  # a fact of the entries holding no word of the question
            if wanted is not None and fact.kind not in wanted:
                continue
            if (period and fact.date and not date_in(fact.date, period)
                    and period not in self.fact_words[number]):
                continue  # at another time, and not about that year either
            matched = tuple(w for w in query if w in self.fact_words[number])
            if fact.kind == "sentence" and len(matched) < MIN_SENTENCE_MATCHES:
                continue  # a bare source sentence must share more than one word
            covered = sum(query[w] for w in matched)
            hits.append(EvidenceHit(fact, score, covered / total if total else 0.0, matched))
        hits.sort(key=lambda h: (bool(said_by) and h.fact.kind == "statement"
                                 and h.fact.speaker not in said_by,
                                 -h.score, -h.coverage, _KIND_ORDER[h.fact.kind]))
        return hits[:limit]

    def _posting(self, word: str) -> dict[int, float]:
        """The BM25 score of ``word`` in each fact holding it."""
        found = self._postings_by_fact.get(word)
        if found is None:
            found = self._postings_by_fact[word] = dict(self.postings.get(word, ()))
        return found

    def _involving(self, alternatives: frozenset[Entity]) -> list[int]:
        """The facts that may involve one of ``alternatives`` (:meth:`_involves` tells), in
        order: found through the entries' index and the postings of the words, not by
        reading every fact."""
        found: set[int] = set()
        for kind, id_ in alternatives:
            if kind == "words":
                first = id_.split()[0] if id_.split() else ""
                found.update(number for number, _ in self.postings.get(first, ()))
            else:
                found.update(self._by_entity.get((kind, id_), ()))
        return sorted(found)

    def _involves(self, number: int, alternatives: frozenset[Entity]) -> bool:
        """True when fact ``number`` involves one of ``alternatives``: an entry, the
        document it is quoted from (``("source", id)``), or (``("words", ...)``) words it
        holds itself."""
        fact = self.facts[number]
        if fact.entities & alternatives or ("source", fact.cite.source) in alternatives:
            return True
        own = self.fact_words[number]
        return any(kind == "words" and all(w in own for w in words.split())
                   for kind, words in alternatives)

    @property
    def _unseen(self) -> float:
        """The IDF of a word no fact holds (as if one fact held it)."""
        return _idf(len(self.facts), 1)


_KIND_ORDER: dict[FactKind, int] = {"statement": 0, "topic": 1, "summary": 2, "role": 3,
                                    "org": 4, "event": 5, "faq": 6, "sentence": 7}
"""On equal scores, the more specific kind of fact first."""


def _idf(documents: int, holding: int) -> float:
    """Lucene's BM25 IDF, as bm25s uses it."""
    import math

    return math.log(1 + (documents - holding + 0.5) / (holding + 0.5))


def _bm25(documents: list[list[str]]) -> dict[str, tuple[tuple[int, float], ...]]:
    """BM25 scores of every word in every document (bm25s), as plain postings."""
    if not documents:
        return {}
    import bm25s  # numerical: only imported to build an index, never to answer

    logging.getLogger("bm25s").setLevel(logging.WARNING)

    retriever = bm25s.BM25(method="lucene")
    retriever.index(documents, show_progress=False)
    data = retriever.scores["data"].tolist()
    docs = retriever.scores["indices"].tolist()
    starts = retriever.scores["indptr"].tolist()
    postings: dict[str, tuple[tuple[int, float], ...]] = {}
    for word, column in retriever.vocab_dict.items():
        if word:
            postings[word] = tuple(zip(docs[starts[column]:starts[column + 1]],
                                       data[starts[column]:starts[column + 1]], strict=True))
    return postings
