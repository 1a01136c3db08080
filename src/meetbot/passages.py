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
import re
from dataclasses import dataclass

from .knowledge import KnowledgeBase
from .normalize import normalize, squash_whitespace

_SENTENCE = re.compile(r"(?<=[.!?])[\"”’]?\s+(?=[\"“A-Z0-9А-ЯЁ])|\n\s*\n")
MIN_MATCHED_WORDS = 2
MIN_COVERAGE = 0.75


@dataclass(frozen=True, slots=True)
class Passage:
    """A sentence of a source, verbatim, with its normalised words."""

    source: str
    text: str
    words: frozenset[str]


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
        for source_id, doc in kb.sources.items():
            for chunk in _SENTENCE.split(doc.text):
                text = squash_whitespace(chunk).strip(" \"“”")
                words = frozenset(w for w in normalize(text).split()
                                  if w not in stopwords and len(w) > 1)
                if len(words) >= 4 and text in doc.flat:
                    self.passages.append(Passage(source_id, text, words))
        frequency: dict[str, int] = {}
        for passage in self.passages:
            for word in passage.words:
                frequency[word] = frequency.get(word, 0) + 1
        n = len(self.passages) or 1
        self.idf = {w: math.log(1 + n / f) for w, f in frequency.items()}
        self.postings: dict[str, list[int]] = {}
        for index, passage in enumerate(self.passages):
            for word in passage.words:
                self.postings.setdefault(word, []).append(index)

    def search(self, question_words: list[str], *, ignore: frozenset[str] = frozenset(),
               names: frozenset[str] = frozenset()) -> PassageHit | None:
        """Return the passage covering most of the question's content words, or None.

        ``names`` are the words of entities named in the question: a passage must also
        match what is asked about them (at least one other content word), else it merely
        mentions the same person.
        """
        content = [w for w in dict.fromkeys(question_words)
                   if w not in self.stopwords and w not in ignore and len(w) > 1]
        known = [w for w in content if w in self.idf]
        if len(known) < MIN_MATCHED_WORDS:
            return None
        total = sum(self.idf.get(w, max(self.idf.values(), default=1.0)) for w in content)
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
        predicate = [w for w in content if w not in names]
        if not predicate or not any(w in self.passages[best].words for w in predicate):
            return None
        coverage = scores[best] / total if total else 0.0
        if coverage < MIN_COVERAGE:
            return None
        return PassageHit(self.passages[best], coverage)
