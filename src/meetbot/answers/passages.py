"""Passage fallback: the best-matching sentence of any registered source, quoted verbatim.

Used only when no curated answer is confident enough, so that a newly registered (not yet
curated) document still gets honest answers: "the source says: ...", cited, with lower
confidence. A passage is a sentence of the source text; it is scored by the IDF-weighted
share of the question's content words it contains (typos tolerated by the router's own
vocabulary matching upstream). Questions with too few content words are never answered
this way.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass

from cachetools import LRUCache
from rapidfuzz import fuzz, process

from meetbot.domain.knowledge import KnowledgeBase
from meetbot.lang.normalize import normalize, squash_whitespace
from meetbot.lang.sentences import sentence_spans
from meetbot.nlu.lexicon import MEMO_SIZE
from meetbot.nlu.vocabulary import WORD_FORM_SIMILARITY

MIN_MATCHED_WORDS = 2
MIN_COVERAGE = 0.75


@dataclass(frozen=True, slots=True)
class Passage:
    """A sentence of a source, verbatim."""

    source: str
    text: str


@dataclass(frozen=True, slots=True)
class PassageHit:
    """A passage that answers a question, with how much of the question it covers."""

    passage: Passage
    coverage: float


class PassageIndex:
    """Sentences of every registered source, searchable by content words."""

    def __init__(self, kb: KnowledgeBase, stopwords: frozenset[str]) -> None:
        self.stopwords = stopwords
        self.passages: list[Passage] = []
        self.postings: dict[str, array[int]] = {}
        """Per content word, the passages holding it (compact: the index is kept in memory)."""
        for source_id, doc in kb.sources.items():
            for start, end in sentence_spans(doc.text):
                text = squash_whitespace(doc.text[start:end]).strip(" \"“”")
                words = self.words(text)
                if len(words) >= 4 and text in doc.flat:
                    index = len(self.passages)
                    self.passages.append(Passage(source_id, text))
                    for word in words:
                        postings = self.postings.get(word)
                        if postings is None:
                            postings = self.postings[word] = array("I")
                        postings.append(index)
        n = len(self.passages) or 1
        self.idf = {w: math.log(1 + n / len(p)) for w, p in self.postings.items()}
        self.max_idf = max(self.idf.values(), default=1.0)
        self._vocabulary = sorted(self.idf)
        self._forms: LRUCache[str, str] = LRUCache(MEMO_SIZE)
        """Word forms already looked up."""

    def words(self, text: str) -> frozenset[str]:
        """The content words of ``text``, normalised."""
        return frozenset(w for w in normalize(text).split()
                         if w not in self.stopwords and len(w) > 1)

    def _word_form(self, word: str) -> str:
        """``word``, or the form of it the sources use (see ``WORD_FORM_SIMILARITY``)."""
        if word in self.idf or len(word) < 5:
            return word
        form = self._forms.get(word)
        if form is None:
            hit = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio,
                                     score_cutoff=WORD_FORM_SIMILARITY)
            form = self._forms[word] = hit[0] if hit else word
        return form

    def search(self, question_words: list[str], *, ignore: frozenset[str] = frozenset(),
               names: frozenset[str] = frozenset()) -> PassageHit | None:
        """Return the passage covering most of the question's content words, or None.

        ``names`` are the words of entities named in the question: a passage must also
        match what is asked about them (at least one other content word), else it merely
        mentions the same person.
        """
        content = list(dict.fromkeys(
            self._word_form(w) for w in question_words
            if w not in self.stopwords and w not in ignore and len(w) > 1))
        known = [w for w in content if w in self.idf]
        if len(known) < MIN_MATCHED_WORDS:
            return None
        total = sum(self.idf.get(w, self.max_idf) for w in content)
        scores: dict[int, float] = {}
        counts: dict[int, int] = {}
        for word in known:
            for index in self.postings[word]:
                scores[index] = scores.get(index, 0.0) + self.idf[word]
                counts[index] = counts.get(index, 0) + 1
        best = max(scores, key=lambda i: (scores[i], -len(self.passages[i].text)),
                   default=None)
        if best is None or counts[best] < MIN_MATCHED_WORDS:
            return None
        named = {self._word_form(w) for w in names}
        predicate = [w for w in content if w not in named]
        if not predicate or self.words(self.passages[best].text).isdisjoint(predicate):
            return None
        coverage = scores[best] / total if total else 0.0
        if coverage < MIN_COVERAGE:
            return None
        return PassageHit(self.passages[best], coverage)
